/* The engine: worker threads (one event_base each) that run per-host jobs,
 * and the dispatcher on the main event loop that deals hosts out within
 * the concurrency limits. One sweep at a time. */
#ifndef ROLLCALL_ENGINE_H
#define ROLLCALL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "config/config.h"

struct event_base;
struct writer;
struct engine;

/* Outcome of a finished sweep, handed to the sweep's done callback: the
 * counts, and each host's status straight from its job (the scheduler
 * plans retries from it; nothing is read back from the database). */
struct sweep_summary {
	int64_t		 id;		/* sweep id in the database */
	size_t		 nhosts;	/* hosts attempted */
	size_t		 counts[HOST_STATUS_MAX];	/* hosts per status */
	int64_t		 wall_ms;	/* first dispatch to last result */
	size_t		 max_inflight;	/* most hosts in flight at once */
	size_t		 skipped;	/* never started (engine_stop) */
	size_t		 cancelled;	/* aborted in flight, not stored */
	size_t		 digest_hits;	/* hosts started with their stored
					   output digests */
	size_t		 digest_misses;	/* started before the digest reader
					   got to them: outputs sent whole */
	const struct host *const *hosts; /* the nhosts hosts, in sweep order;
					   valid during the callback only */
	const enum host_status *status;	/* per host: its status, or
					   HOST_STATUS_MAX when it never
					   ran or was cancelled */
};

typedef void (*sweep_done_cb)(const struct sweep_summary *, void *arg);
/* One host's job has ended (on the main loop, as it happens), with its
 * status; cancelled hosts are not reported. */
typedef void (*engine_host_cb)(const struct host *, enum host_status,
		    void *arg);

/* Start the worker threads. conf must outlive the engine (or be replaced
 * with engine_set_config between sweeps). */
struct engine	*engine_new(struct event_base *, const struct config *,
		    struct writer *);
/* Start a sweep of every host matching limit (NULL = all). Returns -1 with
 * err filled if it cannot start (a sweep runs, nothing matches, keys
 * unreadable...). done is called on the main loop when it ends. */
int		 engine_sweep(struct engine *, const char *trigger,
		    const char *limit, sweep_done_cb done, void *arg,
		    char *err, size_t errlen);
/* The same for an explicit list of hosts (pointers into the engine's
 * config; the array is copied). */
int		 engine_sweep_hosts(struct engine *, const char *trigger,
		    const struct host *const *hosts, size_t n,
		    sweep_done_cb done, void *arg, char *err, size_t errlen);
int		 engine_busy(struct engine *);
/* Tell cb (NULL: nobody) about each host as its job ends, so status and
 * metrics move with the sweep instead of at its end. */
void		 engine_on_host(struct engine *, engine_host_cb, void *arg);
/* Use another config from the next sweep on; -1 while a sweep runs.
 * (Worker count and DNS settings stay as they were at engine_new.) */
int		 engine_set_config(struct engine *, const struct config *);
/* Shutdown: start no more hosts; with abort_inflight, also abort the
 * running ones (their results are dropped). The sweep's done callback
 * still comes, once every started host has reported. */
void		 engine_stop(struct engine *, int abort_inflight);
/* Live counters for progress lines and status. */
void		 engine_progress(struct engine *, size_t *done, size_t *total,
		    size_t *inflight, size_t *failed);
/* Stop the workers (after the sweep ended) and free. */
void		 engine_free(struct engine *);
/* Raise RLIMIT_NOFILE to the hard limit; return how many fds we may use. */
long		 engine_raise_nofile(void);

#endif
