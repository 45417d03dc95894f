/* Worker threads: one event_base (and evdns_base) each, jobs handed over
 * through a msgq (locked STAILQ plus one eventfd wake-up, memcached style),
 * so no libevent structure is ever touched from two threads. A worker
 * knows nothing of its owner: it reports through the callback it was
 * given. */
#ifndef ROLLCALL_WORKER_H
#define ROLLCALL_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "config/config.h"
#include "daemon/sweep.h"	/* jobs reach their sweep through the worker */

struct event_base;
struct evdns_base;
struct job;

/* Events a job reports to the dispatcher. */
enum job_event {
	JOB_EV_AUTHED,		/* past the handshake: free a handshake slot */
	JOB_EV_DONE,		/* finished; result already submitted (status
				   HOST_STATUS_MAX: cancelled, not stored) */
};

/* Where a worker sends its jobs' events (called on the worker thread; the
 * receiver hands them to its own thread). */
typedef void (*worker_report_cb)(void *arg, size_t idx, enum job_event,
    enum host_status);

/* Start a worker thread; its events go to report(arg, ...). */
struct worker	*worker_new(int id, const struct config *,
		    worker_report_cb report, void *arg);
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

/* Report a job event to the dispatcher (worker thread). */
void		 worker_report(struct worker *, size_t idx, enum job_event,
		    enum host_status);

#endif
