/* Worker threads: one event_base (and evdns_base) each, jobs handed over
 * through a locked queue plus a wake-up pipe (memcached style), so no
 * libevent structure is ever touched from two threads. */
#ifndef ROLLCALL_WORKER_H
#define ROLLCALL_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "config/config.h"

struct engine;
struct event_base;
struct evdns_base;
struct job;
struct ssh_kh;
struct ssh_key;
struct known_hosts;
struct writer;

/* A private key read and parsed once per sweep. */
struct identity {
	char		*path;	/* as configured */
	struct ssh_key	*key;	/* parsed key, NULL if unusable */
	char		*error;	/* why it is unusable */
};

/* What every job of one sweep shares; read-only while jobs run. */
struct sweep {
	int64_t			 id;		/* database sweep id */
	const struct config	*conf;		/* outlives the sweep */
	struct writer		*writer;	/* results go here */
	struct known_hosts	*kh;		/* parsed known_hosts */
	struct identity		*ids;		/* keys by path */
	size_t			 nids;
	char			 nonce[17];	/* combined-script markers */
	int			 combined;	/* one channel for all parts */
	uint32_t		 window;	/* channel window bytes */
};

const struct identity *sweep_identity(const struct sweep *, const char *);

/* Events a job reports to the dispatcher. */
enum job_event {
	JOB_EV_AUTHED,		/* past the handshake: free a handshake slot */
	JOB_EV_DONE,		/* finished; result already submitted (status
				   HOST_STATUS_MAX: cancelled, not stored) */
};

struct worker	*worker_new(struct engine *, int id, const struct config *);
void		 worker_submit(struct worker *, struct job *);
void		 worker_free(struct worker *);	/* stops and joins */
void		 worker_job_freed(struct worker *);	/* from job_free */
void		 worker_job_done(struct worker *, struct job *); /* finished */
void		 worker_cancel(struct worker *);	/* abort live jobs */
/* Workers whose loop has not run its heartbeat timer (every second) for
 * max_age_ms: stuck threads. Any thread; for the daemon's watchdog. */
int		 worker_stalled(int64_t max_age_ms);
struct event_base *worker_base(struct worker *);
struct evdns_base *worker_dns(struct worker *);
/* The worker's known-hosts collection for this sweep, built on first use. */
struct ssh_kh	*worker_known_hosts(struct worker *, struct sweep *);

/* Report a job event to the dispatcher (worker thread). */
void		 worker_report(struct worker *, size_t idx, enum job_event,
		    enum host_status);
/* The engine side of worker_report (any thread). */
void		 engine_post(struct engine *, size_t idx, enum job_event,
		    enum host_status);

#endif
