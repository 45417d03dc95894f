/* Clock helpers. */
#include <stdio.h>
#include <time.h>

#include "common/timeutil.h"

/* Monotonic milliseconds: every deadline is computed from this. */
int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall-clock microseconds since the epoch: what attempts record. */
int64_t
wall_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Human duration. */
const char *
fmt_ms(int64_t ms, char *buf, unsigned long size)
{
	if (ms < 1000)
		snprintf(buf, size, "%lldms", (long long)ms);
	else if (ms < 60000)
		snprintf(buf, size, "%.1fs", ms / 1000.0);
	else
		snprintf(buf, size, "%lldm%02llds", (long long)(ms / 60000),
		    (long long)(ms / 1000 % 60));
	return buf;
}
