/* memory: totals from /proc/meminfo, in bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"

/* A /proc/meminfo field ("Name:   1234 kB") in bytes; 0 if absent. */
static int
mem_field(struct span text, const char *name, uint64_t *bytes)
{
	struct span	 v, rest, num, unit;
	uint64_t	 x, mul = 1;

	if (!span_kv(text, name, ':', &v))
		return 0;
	rest = v;
	if (!span_word(&rest, &num) || !span_u64(num, &x))
		return 0;
	if (span_word(&rest, &unit)) {
		if (span_eq(unit, "kB") || span_eq(unit, "KB"))
			mul = 1024;
		else
			return 0;
	}
	return u64_mul(x, mul, bytes);
}

/* Parse meminfo; MemAvailable (3.14+) else MemFree+Buffers+Cached. */
static enum coll_status
memory_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text;
	enum coll_status st;
	uint64_t	 total, avail, fr, bufs, cached, swt, swf;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	if (!mem_field(text, "MemTotal", &total)) {
		perr(err, errlen, "no valid MemTotal in /proc/meminfo");
		return COLL_PARSE_ERROR;
	}
	if (!mem_field(text, "MemAvailable", &avail)) {
		if (!mem_field(text, "MemFree", &fr))
			fr = 0;
		if (!mem_field(text, "Buffers", &bufs))
			bufs = 0;
		if (!mem_field(text, "Cached", &cached))
			cached = 0;
		avail = fr + bufs;
		avail = avail < fr || avail + cached < avail ? UINT64_MAX :
		    avail + cached;
	}
	fact_u64(f, "memory.total_bytes", total);
	fact_u64(f, "memory.available_bytes", avail);
	fact_u64(f, "memory.swap_total_bytes",
	    mem_field(text, "SwapTotal", &swt) ? swt : 0);
	fact_u64(f, "memory.swap_free_bytes",
	    mem_field(text, "SwapFree", &swf) ? swf : 0);
	return COLL_OK;
}

const struct collector collector_memory = {
	"memory",
	"LC_ALL=C; export LC_ALL\n"
	"if [ -r /proc/meminfo ]; then cat /proc/meminfo\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no /proc/meminfo'; fi\n",
	memory_parse,
	"memory and swap totals, available memory, in bytes",
};
