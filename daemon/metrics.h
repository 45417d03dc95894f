/* Optional Prometheus endpoint (metrics_listen: ADDRESS:PORT), libevent
 * evhttp on the main loop: GET /metrics in the text exposition format.
 * Names (README.md and docs/rollcall.1 list them):
 *   rollcall_up, rollcall_sweeps_total, rollcall_sweep_duration_seconds,
 *   rollcall_hosts{status}, rollcall_host_failures_total{reason},
 *   rollcall_sessions_in_flight, rollcall_writer_queue_depth,
 *   rollcall_writer_commit_seconds, rollcall_writer_degraded */
#ifndef ROLLCALL_METRICS_H
#define ROLLCALL_METRICS_H

#include <stddef.h>

struct event_base;
struct sched;
struct metrics;

/* Listen on "host:port" ("[::1]:9465" for IPv6). NULL with err filled. */
struct metrics	*metrics_new(struct event_base *, const char *listen,
		    struct sched *, char *err, size_t errlen);
void		 metrics_free(struct metrics *);

#endif
