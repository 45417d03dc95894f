/* services: systemd service units (load/active/sub state and unit-file
 * state), else OpenRC services; installed-but-never-loaded unit files are
 * rows too (load "not-loaded"), so "disabled on host X" can be asked. */
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/xmalloc.h"

/* Add one service row. */
static void
svc_add(struct facts *f, struct span name, const char *load,
    struct span active, struct span sub, struct span enabled)
{
	const char	*fields[ITEM_FIELDS];
	char		*n, *a, *s, *e;

	memset(fields, 0, sizeof fields);
	fields[0] = n = span_dup(name);
	fields[1] = load;
	fields[2] = a = span_dup(active);
	fields[3] = s = span_dup(sub);
	fields[4] = e = span_dup(enabled.n ? enabled : span_str("unknown"));
	facts_add_item(f, ITEM_SERVICE, fields);
	free(n);
	free(a);
	free(s);
	free(e);
}

/* The unit-file state of unit (or of its template "x@.service"). */
static struct span
svc_enabled(struct span files, struct span unit)
{
	struct lineiter	 it;
	struct span	 line, rest, w, st, tmpl = unit;
	const char	*at;

	if ((at = memchr(unit.s, '@', unit.n)) != NULL)
		tmpl.n = (size_t)(at - unit.s) + 1;
	lines_init(&it, files);
	while (lines_next(&it, &line)) {
		rest = line;
		if (!span_word(&rest, &w) || !span_word(&rest, &st))
			continue;
		if ((w.n == unit.n && memcmp(w.s, unit.s, w.n) == 0) ||
		    (at != NULL && w.n == tmpl.n + strlen(".service") &&
		    memcmp(w.s, tmpl.s, tmpl.n) == 0 &&
		    span_eq(span_make(w.s + tmpl.n, w.n - tmpl.n), ".service")))
			return st;
	}
	return span_make(NULL, 0);
}

/* The words of a list-units line, skipping a status bullet. */
static int
svc_unit_words(struct span line, struct span *w)
{
	struct span	 rest = line;
	size_t		 i;

	if (!span_word(&rest, &w[0]))
		return 0;
	if (span_eq(w[0], "*") || span_eq(w[0], "\xe2\x97\x8f"))
		if (!span_word(&rest, &w[0]))
			return 0;
	for (i = 1; i < 4; i++)
		if (!span_word(&rest, &w[i]))
			return 0;
	return w[0].n > 8 && memcmp(w[0].s + w[0].n - 8, ".service", 8) == 0;
}

/* Is unit listed in the list-units section? */
static int
svc_loaded(struct span units, struct span unit)
{
	struct lineiter	 it;
	struct span	 line, w[4];

	lines_init(&it, units);
	while (lines_next(&it, &line))
		if (svc_unit_words(line, w) && w[0].n == unit.n &&
		    memcmp(w[0].s, unit.s, unit.n) == 0)
			return 1;
	return 0;
}

/* systemd: list-units rows, then unit files never loaded. */
static void
svc_systemd(struct facts *f, struct span units, struct span files)
{
	struct lineiter	 it;
	struct span	 line, rest, w[4], st;
	char		*load;

	lines_init(&it, units);
	while (lines_next(&it, &line)) {
		if (!svc_unit_words(line, w))
			continue;
		load = span_dup(w[1]);
		svc_add(f, w[0], load, w[2], w[3], svc_enabled(files, w[0]));
		free(load);
	}
	lines_init(&it, files);
	while (lines_next(&it, &line)) {
		rest = line;
		if (!span_word(&rest, &w[0]) || !span_word(&rest, &st) ||
		    w[0].n <= 8 || memcmp(w[0].s + w[0].n - 8, ".service",
		    8) != 0 || memchr(w[0].s, '@', w[0].n) != NULL ||
		    svc_loaded(units, w[0]))
			continue;
		svc_add(f, w[0], "not-loaded", span_str("inactive"),
		    span_str("dead"), st);
	}
}

/* OpenRC: "name [ state ]" rows, enabled when in some runlevel. */
static void
svc_openrc(struct facts *f, struct span list, struct span levels)
{
	struct lineiter	 it, it2;
	struct span	 line, rest, name, w, l2, a, b, state;
	const char	*active;

	lines_init(&it, list);
	while (lines_next(&it, &line)) {
		rest = line;
		if (!span_word(&rest, &name) || !span_word(&rest, &w) ||
		    !span_eq(w, "[") || !span_word(&rest, &state))
			continue;
		active = span_eq(state, "started") ? "active" :
		    span_eq(state, "crashed") ? "failed" :
		    span_eq(state, "starting") ? "activating" :
		    span_eq(state, "stopping") ? "deactivating" : "inactive";
		w = span_str("disabled");
		lines_init(&it2, levels);
		while (lines_next(&it2, &l2))
			if (span_split(l2, '|', &a, &b) && a.n == name.n &&
			    memcmp(a.s, name.s, a.n) == 0 && b.n > 0)
				w = span_str("enabled");
		svc_add(f, name, "loaded", span_str(active), state, w);
	}
}

/* Parse the systemd or OpenRC sections. */
static enum coll_status
services_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, a, b;
	struct facts	 tmp;
	enum coll_status st;
	size_t		 i, running = 0;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	memset(&tmp, 0, sizeof tmp);
	if (span_section(text, "units", &a)) {
		if (!span_section(text, "unit_files", &b))
			b = span_make(NULL, 0);
		svc_systemd(&tmp, a, b);
	} else if (span_section(text, "openrc_status", &a)) {
		if (!span_section(text, "openrc_runlevels", &b))
			b = span_make(NULL, 0);
		svc_openrc(&tmp, a, b);
	}
	if (tmp.nitems == 0) {
		facts_free(&tmp);
		perr(err, errlen, "no service listed");
		return COLL_PARSE_ERROR;
	}
	for (i = 0; i < tmp.nitems; i++)
		if (strcmp(tmp.items[i].f[3], "running") == 0 ||
		    strcmp(tmp.items[i].f[3], "started") == 0)
			running++;
	fact_u64(&tmp, "services.count", tmp.nitems);
	fact_u64(&tmp, "services.running", running);
	facts_move_unique(f, &tmp);
	return COLL_OK;
}

const struct collector collector_services = {
	"services",
	"LC_ALL=C SYSTEMD_PAGER= SYSTEMD_COLORS=0\n"
	"export LC_ALL SYSTEMD_PAGER SYSTEMD_COLORS\n"
	"T=; if command -v timeout >/dev/null 2>&1; then T='timeout 20'; fi\n"
	"if [ -d /run/systemd/system ] && "
	"command -v systemctl >/dev/null 2>&1; then\n"
	"echo @@units; $T systemctl list-units --type=service --all "
	"--no-legend --plain --no-pager\n"
	"echo @@unit_files; $T systemctl list-unit-files --type=service "
	"--no-legend --no-pager\n"
	"elif command -v rc-status >/dev/null 2>&1; then\n"
	"echo @@openrc_status; rc-status --servicelist 2>/dev/null\n"
	"echo @@openrc_runlevels; rc-update show -v 2>/dev/null\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no systemd or OpenRC'; fi\n",
	services_parse,
	"services: systemd units or OpenRC, load/active/sub, enabled",
};
