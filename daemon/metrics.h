/* Optional Prometheus endpoint (metrics_listen: ADDRESS:PORT), libevent
 * evhttp on the main loop: GET /metrics in the text exposition format, GET
 * / a small HTML page linking it. Names (README.md and docs/rollcall.1 list
 * them), HELP and TYPE on each:
 *   rollcall_build_info{version}, rollcall_up, rollcall_start_time_seconds,
 *   rollcall_config_last_reload_successful,
 *   rollcall_config_last_reload_success_timestamp_seconds,
 *   rollcall_last_sweep_end_timestamp_seconds,
 *   rollcall_sweeps_total, rollcall_sweep_duration_seconds,
 *   rollcall_hosts{status}, rollcall_host_failures_total{reason},
 *   rollcall_sessions_in_flight, rollcall_writer_queue_depth,
 *   rollcall_writer_commit_seconds, rollcall_writer_degraded */
#ifndef ROLLCALL_METRICS_H
#define ROLLCALL_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sched;
struct metrics;

/* Listen on "host:port" ("[::1]:9465" for IPv6). loaded_at: when the
 * config in use was loaded (epoch seconds). NULL with err filled. */
struct metrics	*metrics_new(struct event_base *, const char *listen,
		    struct sched *, int64_t loaded_at, char *err,
		    size_t errlen);
/* A reload was tried: ok or not, at epoch seconds when. NULL m: nothing. */
void		 metrics_reloaded(struct metrics *, int ok, int64_t when);
void		 metrics_free(struct metrics *);

#endif
