/* The one-line sweep summary, shared by `collect` and the daemon. */
#include "common/buf.h"
#include "common/timeutil.h"
#include "daemon/summary.h"

/* Hosts that ran and did not end ok. */
size_t
summary_failed(const struct sweep_summary *s)
{
	return s->nhosts - s->counts[HOST_OK] - s->skipped - s->cancelled;
}

/* Hosts ok, failed by status, wall time, peak concurrency. */
char *
summary_line(const struct sweep_summary *s)
{
	struct buf	 b = { 0 };
	char		 t[32];
	int		 i, first = 1;

	buf_printf(&b, "sweep %lld: %zu hosts in %s: %zu ok, %zu failed",
	    (long long)s->id, s->nhosts, fmt_ms(s->wall_ms, t, sizeof t),
	    s->counts[HOST_OK], summary_failed(s));
	for (i = 1; i < HOST_STATUS_MAX; i++) {
		if (s->counts[i] == 0)
			continue;
		buf_printf(&b, "%s%s %zu", first ? " (" : ", ",
		    host_status_str(i), s->counts[i]);
		first = 0;
	}
	buf_printf(&b, "%s; at most %zu in flight", first ? "" : ")",
	    s->max_inflight);
	if (s->skipped + s->cancelled > 0)
		buf_printf(&b, "; interrupted: %zu not started, %zu aborted",
		    s->skipped, s->cancelled);
	return buf_steal(&b);
}
