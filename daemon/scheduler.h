/* The daemon's scheduler, on the main event loop: decides which hosts are
 * due (interval with jitter, per-group intervals, retries with backoff) and
 * starts one sweep at a time through the engine, so no host is ever
 * attempted twice at once. Also keeps what `rollcall status` and the
 * metrics report. */
#ifndef ROLLCALL_SCHEDULER_H
#define ROLLCALL_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "cluster/shipper.h"
#include "common/result.h"
#include "config/config.h"
#include "daemon/engine.h"
#include "storage/storage.h"

struct event_base;
struct engine;
struct sched;
struct shipper;

#define SCHED_KEEP	10	/* finished sweeps kept for status */

/* One finished sweep, as status shows it. */
struct sched_sweep {
	int64_t		 id;		/* database sweep id */
	char		 trigger[16];	/* schedule, retry, manual */
	int64_t		 started;	/* epoch seconds */
	int64_t		 duration_ms;	/* first dispatch to last result */
	size_t		 nhosts;	/* hosts planned */
	size_t		 ok;		/* hosts ok */
	size_t		 failed;	/* hosts that failed */
	size_t		 interrupted;	/* not started or aborted (shutdown) */
};

/* A snapshot for status and metrics. */
struct sched_stats {
	int64_t		 up_since;	/* epoch seconds the daemon started */
	const char	*config_path;	/* config in use */
	size_t		 nhosts;	/* hosts in the inventory (cluster:
					   of this node's segment) */
	size_t		 hosts_elsewhere;	/* cluster: inventory hosts of
					   other segments, not counted */
	int		 sweeping;	/* a sweep runs */
	const char	*trigger;	/* the running sweep's, or NULL */
	size_t		 done;		/* its hosts finished */
	size_t		 total;		/* its hosts */
	size_t		 inflight;	/* its hosts in flight */
	size_t		 failed;	/* its hosts failed so far */
	int64_t		 next_sweep;	/* the next regular sweep, epoch s;
					   0 = none planned (or one runs) */
	int64_t		 next_retry;	/* the earliest retry, epoch s; 0 none */
	size_t		 queued;	/* manual sweeps waiting their turn */
	struct sched_sweep last[SCHED_KEEP];	/* newest first */
	size_t		 nlast;
	uint64_t	 sweeps_total;	/* sweeps finished since start */
	size_t		 hosts[HOST_STATUS_MAX];	/* by last status */
	size_t		 hosts_never;	/* no attempt seen yet */
	uint64_t	 failures_total[HOST_STATUS_MAX];	/* since start */
	size_t		 retry_pending;	/* failed hosts with a retry planned */
	size_t		 hostkey_parked;	/* waiting for known_hosts */
	struct writer_stats writer;	/* the writer's counters */
	int		 cluster;	/* cluster mode (hosts shared) */
	size_t		 hosts_owned;	/* hosts this node sweeps now */
	size_t		 segment_hosts;	/* hosts of its segment */
	const char	*node;		/* cluster: this node's name */
	const char	*segment;	/* cluster: its segment */
	struct shipper_stats ship;	/* cluster: the shipper's counters */
};

/* Called once a stop is complete: no sweep runs any more. */
typedef void (*sched_stopped_cb)(void *arg);
/* Called (on the loop) when a sweep starts, and when one has ended and the
 * next is planned: what sched_get_stats says has changed. */
typedef void (*sched_change_cb)(void *arg);

/* Take over conf (freed by the scheduler). The engine must run on base
 * with conf. Nothing happens until sched_start. */
struct sched	*sched_new(struct event_base *, struct engine *,
		    struct writer *, struct config *conf);
/* Cluster mode: share the segment's hosts among the live nodes the
 * shipper last read from PostgreSQL (rendezvous hashing), from the next
 * sweep on. */
void		 sched_set_cluster(struct sched *, struct shipper *,
		    int64_t dead_after_ms);
/* First sweep now, then on schedule. */
void		 sched_start(struct sched *);
/* A sweep someone waited for has ended, its results stored (sum), or it
 * will not run (sum NULL, err says why). */
typedef void (*sched_wait_cb)(const struct sweep_summary *sum,
		    const char *err, void *arg);
/* Each host: name, last status (-1 none), last success (epoch s, 0). */
typedef void (*sched_host_fn)(const char *name, int status,
		    int64_t last_ok, void *arg);

/* Start from the database's last-known state (see scheduler.c). */
void		 sched_restore(struct sched *, const struct table *hosts,
		    const struct table *sweeps);
/* Sweep the hosts matching limit (NULL: all) now, or, while a sweep runs,
 * as soon as it ends (*queued set; requests queued meanwhile become one
 * sweep). cb (NULL: none) is told when that sweep has ended. -1 with err
 * filled when nothing matches or the daemon stops; else *nhosts says how
 * many hosts match. */
int		 sched_sweep_now(struct sched *, const char *limit,
		    sched_wait_cb cb, void *arg, size_t *nhosts, int *queued,
		    char *err, size_t errlen);
/* arg no longer waits (its client left). */
void		 sched_cancel_wait(struct sched *, void *arg);
/* Each host this node may sweep (cluster: of its segment). */
void		 sched_foreach_host(struct sched *, sched_host_fn, void *arg);
/* Take over a validated new config: used from the next sweep on (at once
 * when idle; when the running sweep ends otherwise). */
void		 sched_reload(struct sched *, struct config *);
/* The config in use (the new one waits until the sweep ends). */
const struct config *sched_config(struct sched *);
/* Shutdown: plan nothing more, start no more hosts; in-flight hosts go on
 * until sched_abort. cb runs (on the loop) once nothing runs. */
void		 sched_stop(struct sched *, sched_stopped_cb, void *arg);
/* Abort in-flight hosts (the grace period ran out). */
void		 sched_abort(struct sched *);
void		 sched_get_stats(struct sched *, struct sched_stats *);
/* Tell cb (NULL: nobody) when a sweep starts or ends. */
void		 sched_on_change(struct sched *, sched_change_cb, void *arg);
/* Free (after the stop completed); frees the configs. */
void		 sched_free(struct sched *);

#endif
