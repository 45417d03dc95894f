/* hostname: the kernel's node name, the FQDN and domain as the local
 * files say, without any DNS lookup (`hostname -f` may block on DNS). */
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/xmalloc.h"

/* The FQDN /etc/hosts gives short: the first name of the first line
 * naming short (or short.something) when that name has a dot, else a
 * dotted alias on that line starting with "short.". */
static int
hostname_from_hosts(struct span hosts, struct span shortn, struct span *fqdn)
{
	struct lineiter	 it;
	struct span	 line, rest, w, first;
	int		 match, found;

	lines_init(&it, hosts);
	while (lines_next(&it, &line)) {
		rest = line;
		if (!span_word(&rest, &w) || w.s[0] == '#' ||
		    !span_word(&rest, &first))
			continue;
		match = found = 0;
		w = first;
		do {
			if (w.s[0] == '#')
				break;
			if ((w.n == shortn.n || (w.n > shortn.n &&
			    w.s[shortn.n] == '.')) &&
			    memcmp(w.s, shortn.s, shortn.n) == 0) {
				match = 1;
				if (!found && w.n > shortn.n) {
					*fqdn = w;
					found = 1;
				}
			}
		} while (span_word(&rest, &w));
		if (!match)
			continue;
		if (span_has(first, '.') && first.s[0] != '.') {
			*fqdn = first;
			return 1;
		}
		return found;
	}
	return 0;
}

/* Parse sections kernel, etc_hostname, hosts. Only the first line of the
 * first two is used, so the command reads them with the shell's `read`;
 * /etc/hosts comes whole (comment lines are skipped here, not by a grep). */
static enum coll_status
hostname_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, sec, node, shortn, fqdn, line;
	struct lineiter	 it;
	enum coll_status st;
	const char	*dot;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	node = span_make(NULL, 0);
	if (span_section(text, "kernel", &sec)) {
		lines_init(&it, sec);
		if (lines_next(&it, &line))
			node = span_trim(line);
	}
	if (node.n == 0 && span_section(text, "etc_hostname", &sec)) {
		lines_init(&it, sec);
		if (lines_next(&it, &line))
			node = span_trim(line);
	}
	if (node.n == 0 || span_has(node, ' ') || node.s[0] == '.') {
		perr(err, errlen, "no usable host name in the output");
		return COLL_PARSE_ERROR;
	}
	shortn = node;
	if ((dot = memchr(node.s, '.', node.n)) != NULL)
		shortn.n = (size_t)(dot - node.s);
	fqdn = node;
	if (dot == NULL && !(span_section(text, "hosts", &sec) &&
	    hostname_from_hosts(sec, shortn, &fqdn)) &&
	    span_section(text, "etc_hostname", &sec)) {
		lines_init(&it, sec);
		if (lines_next(&it, &line) &&
		    (line = span_trim(line)).n > shortn.n &&
		    line.s[shortn.n] == '.' && !span_has(line, ' ') &&
		    memcmp(line.s, shortn.s, shortn.n) == 0)
			fqdn = line;
	}
	fact_span(f, "hostname.hostname", shortn);
	fact_span(f, "hostname.nodename", node);
	fact_span(f, "hostname.fqdn", fqdn);
	dot = memchr(fqdn.s, '.', fqdn.n);
	fact_span(f, "hostname.domain", dot == NULL ? span_make(NULL, 0) :
	    span_make(dot + 1, fqdn.n - (size_t)(dot + 1 - fqdn.s)));
	return COLL_OK;
}

const struct collector collector_hostname = {
	"hostname",
	"LC_ALL=C; export LC_ALL\n"
	"echo @@kernel; h=\n"
	"if { IFS= read -r h || [ -n \"$h\" ]; } 2>/dev/null "
	"</proc/sys/kernel/hostname; then printf '%s\\n' \"$h\"\n"
	"else uname -n; fi\n"
	"echo @@etc_hostname; h=\n"
	"if { IFS= read -r h || [ -n \"$h\" ]; } 2>/dev/null </etc/hostname; "
	"then printf '%s\\n' \"$h\"; fi\n"
	"echo @@hosts; cat /etc/hosts 2>/dev/null\n",
	hostname_parse,
	"host name, FQDN and domain from local files (no DNS lookups)",
};
