/* Sizes for people; see common/humanize.h. */
#include <stdio.h>

#include "common/humanize.h"

/* Bytes with a binary unit, one decimal from KiB on. */
const char *
fmt_bytes(unsigned long long n, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double	 v = (double)n;
	int	 u = -1;

	if (n < 1024) {
		snprintf(buf, size, "%llu B", n);
		return buf;
	}
	while (v >= 1024.0 && u < 5) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}
