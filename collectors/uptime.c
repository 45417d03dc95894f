/* uptime: seconds since boot and load averages. */
#include <stdlib.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"

/* Is w a plain decimal like "0.15" (what /proc/loadavg prints)? */
static int
uptime_decimal(struct span w)
{
	size_t	 i, dots = 0;

	if (w.n == 0 || w.n > 32)
		return 0;
	for (i = 0; i < w.n; i++) {
		if (w.s[i] == '.')
			dots++;
		else if (w.s[i] < '0' || w.s[i] > '9')
			return 0;
	}
	return dots <= 1 && w.s[0] != '.';
}

/* Parse /proc/uptime then /proc/loadavg (sections uptime, loadavg). */
static enum coll_status
uptime_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	static const char *const keys[] = {
		"uptime.load1", "uptime.load5", "uptime.load15",
	};
	struct span	 text, up, load, w[3], rest;
	enum coll_status st;
	uint64_t	 secs;
	size_t		 i;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	rest = span_make(NULL, 0);
	if (!span_section(text, "uptime", &up) || !span_word(&up, &w[0]) ||
	    !uptime_decimal(w[0]) || !span_u64_lead(w[0], &secs)) {
		perr(err, errlen, "no valid /proc/uptime line");
		return COLL_PARSE_ERROR;
	}
	if (span_section(text, "loadavg", &load))
		rest = load;
	for (i = 0; i < 3; i++)
		if (!span_word(&rest, &w[i]) || !uptime_decimal(w[i])) {
			perr(err, errlen, "no valid /proc/loadavg line");
			return COLL_PARSE_ERROR;
		}
	fact_u64(f, "uptime.seconds", secs);
	for (i = 0; i < 3; i++)
		fact_span(f, keys[i], w[i]);
	return COLL_OK;
}

/* Both files are one line: the shell's `read` takes them without an exec. */
const struct collector collector_uptime = {
	"uptime",
	"LC_ALL=C; export LC_ALL\n"
	"if [ -r /proc/uptime ]; then\n"
	"echo @@uptime; IFS= read -r u </proc/uptime; printf '%s\\n' \"$u\"\n"
	"echo @@loadavg; u=\n"
	"if { IFS= read -r u; } 2>/dev/null </proc/loadavg; then "
	"printf '%s\\n' \"$u\"; fi\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no /proc/uptime'; fi\n",
	uptime_parse,
	"seconds since boot, 1/5/15-minute load averages",
};
