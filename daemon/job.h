/* A per-host job: resolve -> connect -> handshake -> host key -> auth ->
 * channels (collectors) -> close, as a state machine on a worker's event
 * loop, driven by libssh2_session_block_directions(). A local host
 * (ansible_connection: local) skips to the units and runs each one as a
 * local process (daemon/localrun.c) instead of a channel. */
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
struct job;
struct agent_conn;
struct bastion_req;
struct localrun;
struct host_digests;

/* The states of a per-host job, in the order a job goes through them.
 * What each one means lives in job_states[] (job.c): one line per state. */
enum job_state {
	JOB_NEW,
	JOB_RESOLVE,		/* async DNS (evdns) unless an IP literal */
	JOB_SOCKET,		/* socket() and a non-blocking connect() */
	JOB_FD_WAIT,		/* no descriptor free: wait for one */
	JOB_CONNECT,		/* connect() in progress */
	JOB_RECONNECT,		/* reset before the banner: wait, then again */
	JOB_TUNNEL,		/* through bastions: wait for the tunnel */
	JOB_HANDSHAKE,		/* SSH key exchange */
	JOB_HOSTKEY,		/* check against known_hosts */
	JOB_AUTH,		/* public key */
	JOB_UNIT_START,		/* set up the next channel's unit */
	JOB_LOCAL_SPAWN,	/* local host: start the unit's command */
	JOB_LOCAL_READ,		/* drain its stdout and stderr until EOF */
	JOB_LOCAL_EXIT,		/* wait for its exit status */
	JOB_CHAN_OPEN,		/* one channel per unit */
	JOB_CHAN_EXEC,
	JOB_CHAN_READ,		/* drain stdout and stderr until EOF */
	JOB_CHAN_CLOSE,		/* send our close */
	JOB_CHAN_WAIT_CLOSED,	/* wait for the peer's close (exit status) */
	JOB_CHAN_FREE,
	JOB_DISCONNECT,		/* polite goodbye */
	JOB_SESSION_FREE,	/* free the session, waiting if it must */
	JOB_ABORT,		/* free everything now, socket shut down */
	JOB_DONE,
	JOB_STATE_MAX
};

/* Which deadline bounds a state (besides host_timeout, always on). */
enum job_budget {
	JOB_BUDGET_NONE,	/* only host_timeout; a phase timer pauses */
	JOB_BUDGET_CONNECT,	/* connect_timeout */
	JOB_BUDGET_COMMAND,	/* the running collector's timeout + grace */
	JOB_BUDGET_CLEANUP,	/* JOB_CLEANUP_MS */
};

/* What running a state's function asks of job_run(). */
enum job_step {
	JOB_STEP_NEXT,		/* state changed: run the next one now */
	JOB_STEP_SSH,		/* libssh2 said EAGAIN: wait as it wants */
	JOB_STEP_WAIT,		/* waiting for DNS, connect, a timer; or done */
};

/* What a state means: one entry per state in job_states[]. */
struct job_state_info {
	enum job_step		(*run)(struct job *);	/* its function */
	const char		*name;		/* for debug logs */
	const char		*phase;		/* for timeout messages */
	enum job_budget		 budget;	/* which deadline applies */
	int			 starts;	/* entering it starts a new phase */
	enum host_status	 timeout;	/* status when a deadline fires */
	enum job_state		 back;		/* earlier state it may go back
						   to (JOB_NEW: none) */
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
	unsigned char		 same[RESULT_DIGEST_KEPT]; /* last stored
						 * digest, sent for the host's
						 * own check */
	int			 ask_same;	/* same is set and the host
						 * may answer "same" */
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
	int			 attempts;	/* TCP connections made */
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
	int			 cancelled;	/* shutdown: store nothing */
	struct event		*retry_timer;	/* FD_WAIT, RECONNECT; lazily */
	TAILQ_ENTRY(job)	 fdwait;	/* in its thread's FD_WAIT list */
	TAILQ_ENTRY(job)	 entry;		/* in its worker's live list */
	int			 spins;		/* reruns with no wait direction */
	int64_t			 started_ms;	/* monotonic, job start */
	int64_t			 phase_ms;	/* monotonic, phase start */
	int64_t			 paused_ms;	/* when the phase paused, or 0 */
	int64_t			 fdwait_ms;	/* first EMFILE of this wait, or 0 */
	struct host_result	*res;		/* what we report */
	struct host_digests	*last;		/* the host's stored output
						   digests, taken from the
						   sweep's digest window at
						   dispatch (owned; NULL:
						   none) */
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
	int64_t			 unit_started_ms; /* for collector durations */
	int			 exit_code;	/* per-collector channel status */
	char			 exit_signal[32];
	struct bastion_req	*breq;		/* tunnel asked for, unanswered */
	struct agent_conn	*agent;		/* ssh-agent conversation */
	struct event		*agent_io;	/* its socket, while it signs */
	size_t			 agent_next;	/* agent key being tried */
	struct localrun		*local;		/* local host: the running unit */
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
/* What a state means (NULL past the end), for tests and logs. */
const struct job_state_info *job_state_info(enum job_state);

#endif
