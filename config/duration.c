/* Durations ("500ms", "10s", "1h30m", bare seconds) and sizes ("64K",
 * "1M"): strict, overflow-checked, no locale, no floating point. */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "config/internal.h"

/* Duration units and their length in milliseconds. */
static const struct {
	const char	*unit;		/* suffix as written */
	int64_t		 ms;		/* milliseconds per unit */
} duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
	{ "d", 24 * 60 * 60 * 1000 },
	{ "w", 7 * 24 * 60 * 60 * 1000LL },
};

/* Read a run of decimal digits into *v. Returns digits read, or -1 on
 * overflow. */
static int
duration_number(const char **p, int64_t *v)
{
	int	 n = 0;

	*v = 0;
	while (isdigit((unsigned char)**p)) {
		if (*v > (INT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n;
}

/* Durations: one or more NUMBER UNIT parts ("1h30m"), or a bare number of
 * seconds. Returns 0 and sets *ms, or -1. */
int
config_parse_duration(const char *s, int64_t *ms)
{
	const char	*p = s;
	int64_t		 v, total = 0;
	size_t		 i, ulen;
	int		 nd;

	if (s == NULL || *s == '\0')
		return -1;
	while (*p != '\0') {
		if ((nd = duration_number(&p, &v)) <= 0)
			return -1;
		if (*p == '\0' && p - s == nd) {
			if (v > INT64_MAX / 1000)
				return -1;
			*ms = v * 1000;
			return 0;
		}
		for (i = 0; i < sizeof duration_units /
		    sizeof duration_units[0]; i++) {
			ulen = strlen(duration_units[i].unit);
			if (strncmp(p, duration_units[i].unit, ulen) == 0 &&
			    !isalpha((unsigned char)p[ulen]))
				break;
		}
		if (i == sizeof duration_units / sizeof duration_units[0])
			return -1;
		p += ulen;
		if (v > (INT64_MAX - total) / duration_units[i].ms)
			return -1;
		total += v * duration_units[i].ms;
	}
	*ms = total;
	return 0;
}

/* Sizes: a number with an optional K, M, G or T suffix (1024-based; "KB",
 * "KiB" and lower case accepted too). Returns 0 or -1. */
int
config_parse_size(const char *s, uint64_t *bytes)
{
	const char	*p = s;
	uint64_t	 v = 0, mult = 1;

	if (s == NULL || !isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	switch (toupper((unsigned char)*p)) {
	case 'T':
		mult *= 1024;
		/* FALLTHROUGH */
	case 'G':
		mult *= 1024;
		/* FALLTHROUGH */
	case 'M':
		mult *= 1024;
		/* FALLTHROUGH */
	case 'K':
		mult *= 1024;
		p++;
		if (*p == 'i')
			p++;
		/* FALLTHROUGH */
	case 'B':
		if (toupper((unsigned char)*p) == 'B')
			p++;
		break;
	default:
		break;
	}
	if (*p != '\0' || v > UINT64_MAX / mult)
		return -1;
	*bytes = v * mult;
	return 0;
}
