/* A per-host job: resolve -> connect -> handshake -> host key -> auth ->
 * channels (collectors) -> close, as a state machine on a worker's event
 * loop, driven by libssh2_session_block_directions(). */
#ifndef ROLLCALL_JOB_H
#define ROLLCALL_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "collectors/collector.h"
#include "common/buf.h"
#include "common/result.h"
#include "config/config.h"

struct event;
struct worker;
struct sweep;
struct ssh;
struct evdns_getaddrinfo_request;

enum job_state {
	JOB_NEW,
	JOB_RESOLVE,		/* async DNS (evdns) unless an IP literal */
	JOB_CONNECT,		/* non-blocking connect, TCP_NODELAY */
	JOB_HANDSHAKE,		/* SSH key exchange */
	JOB_HOSTKEY,		/* check against known_hosts */
	JOB_AUTH,		/* public key */
	JOB_CHAN_OPEN,		/* one channel per unit */
	JOB_CHAN_EXEC,
	JOB_CHAN_READ,		/* drain stdout and stderr until EOF */
	JOB_CHAN_CLOSE,		/* close, wait for the peer's close */
	JOB_CHAN_FREE,
	JOB_DISCONNECT,		/* polite goodbye */
	JOB_SESSION_FREE,
	JOB_DONE,
	JOB_STATE_MAX
};

/* One collector to run on this host. */
struct job_part {
	const char		*name;		/* result name: "os", "custom.x" */
	char			*alloc_name;	/* name, when we built it */
	const char		*custom;	/* custom collector's own name */
	const char		*command;	/* its command text */
	int64_t			 timeout_ms;	/* remote and local limit */
	const struct collector	*builtin;	/* parser, or NULL if custom */
	enum parse_mode		 mode;		/* custom collectors */
	struct coll_result	*res;		/* slot in the host result */
};

/* What one channel runs: several parts (combined) or one. */
struct job_unit {
	size_t		 first;		/* index of its first part */
	size_t		 nparts;	/* parts it covers */
	char		*command;	/* script or wrapped command */
};

struct job {
	struct worker		*worker;	/* the thread that runs it */
	struct sweep		*sweep;		/* shared, read-only */
	const struct host	*host;		/* from the sweep's config */
	size_t			 idx;		/* host index in the sweep */
	enum job_state		 state;
	int			 fd;		/* socket, -1 when none */
	struct ssh		*ssh;		/* session, NULL when none */
	struct event		*io;		/* socket readiness, persistent */
	short			 io_flags;	/* what io waits for now */
	struct event		*phase_timer;	/* current phase deadline */
	struct event		*host_timer;	/* whole-host deadline */
	struct evdns_getaddrinfo_request *dns;	/* lookup to cancel */
	int			 dns_pending;	/* callback still to come */
	int			 in_dns_call;	/* inside evdns_getaddrinfo() */
	int			 free_on_dns;	/* done: free when it comes */
	struct sockaddr_storage	 addr;		/* where we connect */
	socklen_t		 addrlen;
	int			 authed;	/* told the dispatcher */
	int			 aborting;	/* socket shut down, freeing */
	int			 cancelled;	/* shutdown: store nothing */
	TAILQ_ENTRY(job)	 entry;		/* in its worker's live list */
	int			 spins;		/* reruns with no wait direction */
	int64_t			 started_ms;	/* monotonic, job start */
	struct host_result	*res;		/* what we report */
	struct job_part		*parts;		/* collectors to run */
	size_t			 nparts;
	struct job_unit		*units;		/* channels to run */
	size_t			 nunits;
	size_t			 unit;		/* current unit */
	struct buf		 out;		/* current channel's stdout */
	struct buf		 err;		/* current channel's stderr */
	size_t			 out_cap;	/* stdout bytes kept at most */
	int			 truncated;	/* stdout went over out_cap */
	size_t			 scan;		/* combined: end markers scanned to */
	size_t			 ends;		/* combined: parts finished */
	int64_t			 unit_started_ms;
	int			 exit_code;	/* per-collector channel status */
	char			 exit_signal[32];
};

/* Start a job on the calling worker thread. */
void	job_start(struct job *);
/* Build parts and units for this host (worker thread). */
void	job_plan(struct job *);
/* Turn the finished unit's output into collector results (harvest.c). */
void	job_harvest_unit(struct job *);
/* Same for a unit cut short: its unfinished parts get status and why. */
void	job_harvest_unit_abnormal(struct job *, enum coll_status,
	    const char *why);
/* Shutdown: abort the job now; its result is not stored. */
void	job_cancel(struct job *);
/* Free a job that has finished (or never started). */
void	job_free(struct job *);
const char *job_state_str(enum job_state);

#endif
