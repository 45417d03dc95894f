/* time: time zone, NTP synchronisation and the host's clock. timedatectl
 * where systemd runs, else /etc/timezone, the /etc/localtime link, chronyc
 * or ntpq. Every IPC tool runs under a short timeout where there is one. */
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"

/* The zone name a /etc/localtime link points at: after "zoneinfo/". */
static int
time_zone_link(struct span link, struct span *zone)
{
	size_t	 i, m = strlen("zoneinfo/");

	for (i = 0; i + m < link.n; i++)
		if (memcmp(link.s + i, "zoneinfo/", m) == 0) {
			*zone = span_make(link.s + i + m, link.n - i - m);
			return 1;
		}
	return 0;
}

/* First non-blank line of a section, trimmed. */
static int
time_first(struct span text, const char *name, struct span *v)
{
	struct span	 sec;
	struct lineiter	 it;

	if (!span_section(text, name, &sec))
		return 0;
	lines_init(&it, sec);
	while (lines_next(&it, v))
		if ((*v = span_trim(*v)).n > 0)
			return 1;
	return 0;
}

/* Zone: timedatectl, /etc/timezone, the link; no /etc/localtime is UTC. */
static void
time_zone(struct facts *f, struct span text)
{
	struct span	 sec, v;

	if ((span_section(text, "timedatectl", &sec) &&
	    span_kv(sec, "Timezone", '=', &v) && v.n > 0) ||
	    time_first(text, "etc_timezone", &v) ||
	    (time_first(text, "localtime", &v) && time_zone_link(v, &v)))
		fact_span(f, "time.timezone", v);
	else if (time_first(text, "localtime", &v) && span_eq(v, "-missing"))
		facts_add(f, "time.timezone", "UTC");
	else
		facts_add(f, "time.timezone", "unknown");
}

/* NTP state and which tool said so. */
static void
time_ntp(struct facts *f, struct span text)
{
	struct span	 sec, v, line;
	struct lineiter	 it;
	const char	*sync = "unknown", *src = "none";

	if (span_section(text, "timedatectl", &sec) &&
	    span_kv(sec, "NTPSynchronized", '=', &v)) {
		sync = span_eq(v, "yes") ? "yes" : "no";
		src = "timedatectl";
	} else if (span_section(text, "chrony", &sec) &&
	    span_kv(sec, "Leap status", ':', &v)) {
		sync = span_eq(v, "Normal") ? "yes" : "no";
		src = "chrony";
	} else if (span_section(text, "ntpq", &sec) && span_nlines(sec) > 0) {
		sync = "no";
		src = "ntpd";
		lines_init(&it, sec);
		while (lines_next(&it, &line))
			if (line.n > 0 && line.s[0] == '*')
				sync = "yes";
	}
	facts_add(f, "time.ntp_synchronized", sync);
	facts_add(f, "time.ntp_source", src);
}

/* Parse sections epoch, timedatectl, etc_timezone, localtime, chrony,
 * ntpq. */
static enum coll_status
time_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, v;
	enum coll_status st;
	uint64_t	 epoch;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	if (!time_first(text, "epoch", &v) || !span_u64(v, &epoch)) {
		perr(err, errlen, "no valid epoch from date +%%s");
		return COLL_PARSE_ERROR;
	}
	time_zone(f, text);
	time_ntp(f, text);
	fact_u64(f, "time.epoch", epoch);
	return COLL_OK;
}

/* Only the first non-blank line of /etc/timezone counts: the shell's
 * `read` finds it without an exec. */
const struct collector collector_time = {
	"time",
	"LC_ALL=C SYSTEMD_PAGER= SYSTEMD_COLORS=0\n"
	"export LC_ALL SYSTEMD_PAGER SYSTEMD_COLORS\n"
	"T=; if command -v timeout >/dev/null 2>&1; then T='timeout 5'; fi\n"
	"echo @@epoch; date +%s\n"
	"if [ -d /run/systemd/system ] && "
	"command -v timedatectl >/dev/null 2>&1; then\n"
	"echo @@timedatectl; $T timedatectl show 2>/dev/null; fi\n"
	"echo @@etc_timezone; z=\n"
	"{ while IFS= read -r z || [ -n \"$z\" ]; do case $z in "
	"*[![:space:]]*) printf '%s\\n' \"$z\"; break ;; esac; z=; done; } "
	"2>/dev/null </etc/timezone\n"
	"echo @@localtime\n"
	"if [ -L /etc/localtime ]; then readlink /etc/localtime 2>/dev/null\n"
	"elif [ -e /etc/localtime ]; then echo -regular\n"
	"else echo -missing; fi\n"
	"if command -v chronyc >/dev/null 2>&1; then\n"
	"echo @@chrony; $T chronyc -n tracking 2>/dev/null\n"
	"elif command -v ntpq >/dev/null 2>&1; then\n"
	"echo @@ntpq; $T ntpq -pn 2>/dev/null; fi\n"
	":\n",
	time_parse,
	"time zone, NTP synchronised (yes/no/unknown), clock (epoch)",
};
