/* network: interfaces (MAC, MTU, state), their addresses, default routes
 * and DNS resolvers. `ip -o` where iproute2 or busybox ip exists, else
 * /sys/class/net and /proc/net. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* An interface name from `ip -o` ("eth0@if5:" -> "eth0"). */
static struct span
net_ifname(struct span w)
{
	const char	*at;

	if (w.n > 0 && w.s[w.n - 1] == ':')
		w.n--;
	if ((at = memchr(w.s, '@', w.n)) != NULL)
		w.n = (size_t)(at - w.s);
	return w;
}

/* Add one ITEM_INTERFACE row. */
static void
net_add_if(struct facts *f, struct span name, struct span mac,
    struct span mtu, struct span state)
{
	const char	*fields[ITEM_FIELDS];
	char		*n, *m, *u, *s;

	memset(fields, 0, sizeof fields);
	fields[0] = n = span_dup(name);
	fields[1] = m = span_lower(mac);
	fields[2] = u = span_dup(mtu);
	fields[3] = s = span_lower(state);
	facts_add_item(f, ITEM_INTERFACE, fields);
	free(n);
	free(m);
	free(u);
	free(s);
}

/* Interfaces from `ip -o link` lines; how many. */
static size_t
net_ip_link(struct facts *f, struct span sec)
{
	struct lineiter	 it;
	struct span	 line, rest, w, name, mtu, state, mac;
	size_t		 n = 0;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		rest = line;
		if (!span_word(&rest, &w) || w.n < 2 || w.s[w.n - 1] != ':' ||
		    !span_word(&rest, &w))
			continue;
		name = net_ifname(w);
		mtu = state = mac = span_make(NULL, 0);
		while (span_word(&rest, &w)) {
			if (span_eq(w, "mtu"))
				span_word(&rest, &mtu);
			else if (span_eq(w, "state"))
				span_word(&rest, &state);
			else if (span_prefix(w, "link/") &&
			    span_word(&rest, &mac) && span_eq(mac, "brd"))
				mac = span_make(NULL, 0);
		}
		if (name.n == 0)
			continue;
		net_add_if(f, name, mac, mtu, state);
		n++;
	}
	return n;
}

/* Interfaces from the sysfs stand-in: name TAB mac TAB mtu TAB state. */
static size_t
net_sysfs(struct facts *f, struct span sec)
{
	struct lineiter	 it;
	struct span	 line, fld[4];
	size_t		 i, n = 0;
	const char	*tab;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		for (i = 0; i < 4; i++) {
			tab = memchr(line.s, '\t', line.n);
			fld[i] = span_make(line.s, tab != NULL ?
			    (size_t)(tab - line.s) : line.n);
			if (tab == NULL)
				break;
			line.n -= (size_t)(tab + 1 - line.s);
			line.s = tab + 1;
		}
		if (i < 3 || span_trim(fld[0]).n == 0)
			continue;
		net_add_if(f, span_trim(fld[0]), span_trim(fld[1]),
		    span_trim(fld[2]), span_trim(fld[3]));
		n++;
	}
	return n;
}

/* Add one ITEM_ADDRESS row; addr is "address/prefix". */
static void
net_add_addr(struct facts *f, struct span ifname, const char *family,
    struct span addr)
{
	struct span	 a, p;
	const char	*fields[ITEM_FIELDS];
	char		*n, *as, *ps;

	if (!span_split(addr, '/', &a, &p)) {
		a = addr;
		p = span_str(strcmp(family, "inet") == 0 ? "32" : "128");
	}
	memset(fields, 0, sizeof fields);
	fields[0] = n = span_dup(ifname);
	fields[1] = family;
	fields[2] = as = span_dup(a);
	fields[3] = ps = span_dup(p);
	facts_add_item(f, ITEM_ADDRESS, fields);
	free(n);
	free(as);
	free(ps);
}

/* Addresses from `ip -o addr` lines. */
static void
net_ip_addr(struct facts *f, struct span sec)
{
	struct lineiter	 it;
	struct span	 line, rest, w, name, fam, addr;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		rest = line;
		if (!span_word(&rest, &w) || !span_word(&rest, &name) ||
		    !span_word(&rest, &fam) || !span_word(&rest, &addr))
			continue;
		if (span_eq(fam, "inet") || span_eq(fam, "inet6"))
			net_add_addr(f, net_ifname(name), span_eq(fam, "inet") ?
			    "inet" : "inet6", addr);
	}
}

/* 32 hex digits into 16 bytes. */
static int
net_hex16(struct span w, unsigned char *b)
{
	size_t		 i;
	char		 h[3] = { 0, 0, 0 };

	if (w.n != 32)
		return 0;
	for (i = 0; i < 32; i++)
		if (strchr("0123456789abcdefABCDEF", w.s[i]) == NULL ||
		    w.s[i] == '\0')
			return 0;
	for (i = 0; i < 16; i++) {
		h[0] = w.s[2 * i];
		h[1] = w.s[2 * i + 1];
		b[i] = (unsigned char)strtoul(h, NULL, 16);
	}
	return 1;
}

/* IPv6 addresses from /proc/net/if_inet6. */
static void
net_if_inet6(struct facts *f, struct span sec)
{
	struct lineiter	 it;
	struct span	 line, rest, w[6];
	unsigned char	 b[16];
	char		 txt[INET6_ADDRSTRLEN + 8], *pfx;
	size_t		 i;
	unsigned long	 plen;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		rest = line;
		for (i = 0; i < 6 && span_word(&rest, &w[i]); i++)
			;
		if (i < 6 || !net_hex16(w[0], b) || w[2].n > 2 ||
		    inet_ntop(AF_INET6, b, txt, INET6_ADDRSTRLEN) == NULL)
			continue;
		pfx = span_dup(w[2]);
		plen = strtoul(pfx, NULL, 16);
		free(pfx);
		snprintf(txt + strlen(txt), sizeof txt - strlen(txt), "/%lu",
		    plen);
		net_add_addr(f, w[5], "inet6", span_str(txt));
	}
}

/* Gateway and device of the first "default" route of `ip route`. */
static void
net_ip_route(struct facts *f, struct span sec, const char *gwkey,
    struct span *dev)
{
	struct lineiter	 it;
	struct span	 line, rest, w, gw = span_make(NULL, 0);

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		rest = line;
		if (!span_word(&rest, &w) || !span_eq(w, "default"))
			continue;
		while (span_word(&rest, &w)) {
			if (span_eq(w, "via"))
				span_word(&rest, &gw);
			else if (span_eq(w, "dev"))
				span_word(&rest, dev);
		}
		break;
	}
	fact_span(f, gwkey, gw);
}

/* IPv4 default route from /proc/net/route (little-endian hex). */
static void
net_proc_route(struct facts *f, struct span sec, struct span *dev)
{
	struct lineiter	 it;
	struct span	 line, rest, w[4];
	char		 gw[16] = "", *h;
	unsigned long	 x;
	size_t		 i;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		rest = line;
		for (i = 0; i < 4 && span_word(&rest, &w[i]); i++)
			;
		if (i < 4 || !span_eq(w[1], "00000000") || w[2].n != 8)
			continue;
		h = span_dup(w[2]);
		x = strtoul(h, NULL, 16);
		free(h);
		snprintf(gw, sizeof gw, "%lu.%lu.%lu.%lu", x & 0xff,
		    x >> 8 & 0xff, x >> 16 & 0xff, x >> 24 & 0xff);
		*dev = w[0];
		break;
	}
	facts_add(f, "network.default_ipv4_gateway", gw);
}

/* IPv6 default route from /proc/net/ipv6_route. */
static void
net_proc_route6(struct facts *f, struct span sec, struct span *dev)
{
	struct lineiter	 it;
	struct span	 line, rest, w[10];
	unsigned char	 b[16];
	char		 gw[INET6_ADDRSTRLEN] = "", *h;
	unsigned long	 flags;
	size_t		 i;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		rest = line;
		for (i = 0; i < 10 && span_word(&rest, &w[i]); i++)
			;
		if (i < 10 || !net_hex16(w[0], b) || !span_eq(w[1], "00") ||
		    memcmp(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) != 0 ||
		    !net_hex16(w[4], b))
			continue;
		h = span_dup(w[8]);
		flags = strtoul(h, NULL, 16);
		free(h);
		if ((flags & 0x2) == 0 || span_eq(w[9], "lo"))
			continue;
		if (inet_ntop(AF_INET6, b, gw, sizeof gw) == NULL)
			gw[0] = '\0';
		if (dev->n == 0)
			*dev = w[9];
		break;
	}
	facts_add(f, "network.default_ipv6_gateway", gw);
}

/* Comma list of "nameserver" addresses of a resolv.conf section. */
static void
net_resolvers(struct span sec, struct buf *b)
{
	struct lineiter	 it;
	struct span	 line, rest, w;
	char		*s;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		rest = line;
		if (!span_word(&rest, &w) || !span_eq(w, "nameserver") ||
		    !span_word(&rest, &w))
			continue;
		s = span_dup(w);
		buf_printf(b, "%s%s", b->len ? "," : "", s);
		free(s);
	}
}

/* DNS servers; behind systemd-resolved's stub, the upstream ones. */
static void
net_dns(struct facts *f, struct span text)
{
	struct span	 sec;
	struct buf	 b = { NULL, 0, 0 };

	if (span_section(text, "resolv", &sec))
		net_resolvers(sec, &b);
	if (strcmp(buf_str(&b), "127.0.0.53") == 0 &&
	    span_section(text, "resolved", &sec)) {
		buf_reset(&b);
		net_resolvers(sec, &b);
		if (b.len == 0)
			buf_printf(&b, "127.0.0.53");
	}
	facts_add(f, "network.dns_servers", buf_str(&b));
	buf_free(&b);
}

/* Body of a section, empty when it is absent. */
static struct span
net_sec(struct span text, const char *name)
{
	struct span	 sec;

	if (!span_section(text, name, &sec))
		sec = span_make(NULL, 0);
	return sec;
}

/* Parse either the ip sections or the sysfs/proc ones into f. */
static size_t
net_parse_into(struct facts *f, struct span text, struct span *dev4,
    struct span *dev6)
{
	struct span	 sec;
	size_t		 nif;

	if (span_section(text, "ip_link", &sec)) {
		nif = net_ip_link(f, sec);
		net_ip_addr(f, net_sec(text, "ip_addr"));
		net_ip_route(f, net_sec(text, "ip_route4"),
		    "network.default_ipv4_gateway", dev4);
		net_ip_route(f, net_sec(text, "ip_route6"),
		    "network.default_ipv6_gateway", dev6);
	} else if (span_section(text, "sysfs", &sec)) {
		nif = net_sysfs(f, sec);
		net_if_inet6(f, net_sec(text, "if_inet6"));
		net_proc_route(f, net_sec(text, "proc_route"), dev4);
		net_proc_route6(f, net_sec(text, "proc_route6"), dev6);
	} else
		nif = 0;
	return nif;
}

/* Parse; nothing is added unless at least one interface was found. */
static enum coll_status
network_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, dev4, dev6;
	struct facts	 tmp;
	enum coll_status st;
	size_t		 nif;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	memset(&tmp, 0, sizeof tmp);
	dev4 = dev6 = span_make(NULL, 0);
	if ((nif = net_parse_into(&tmp, text, &dev4, &dev6)) == 0) {
		facts_free(&tmp);
		perr(err, errlen, "no network interface in the output");
		return COLL_PARSE_ERROR;
	}
	fact_span(&tmp, "network.default_interface", dev4.n ? dev4 : dev6);
	net_dns(&tmp, text);
	fact_u64(&tmp, "network.interface_count", nif);
	facts_move_unique(f, &tmp);
	return COLL_OK;
}

/* `ip -o link` runs once (its output kept, not run again after a probe);
 * the resolvers' nameserver lines are picked by the shell's `read`, the
 * parser taking the first word after "nameserver" as before. */
const struct collector collector_network = {
	"network",
	"LC_ALL=C; export LC_ALL\n"
	"if command -v ip >/dev/null 2>&1 && "
	"l=$(ip -o link show 2>/dev/null); then\n"
	"echo @@ip_link; printf '%s\\n' \"$l\"\n"
	"echo @@ip_addr; ip -o addr show 2>/dev/null\n"
	"echo @@ip_route4; ip -4 route show default 2>/dev/null\n"
	"echo @@ip_route6; ip -6 route show default 2>/dev/null\n"
	"else\n"
	"echo @@sysfs\n"
	"for i in /sys/class/net/*; do\n"
	"if [ -e \"$i\" ]; then\n"
	"n=${i##*/}; a=; m=; s=\n"
	"read -r a 2>/dev/null <\"$i/address\"\n"
	"read -r m 2>/dev/null <\"$i/mtu\"\n"
	"read -r s 2>/dev/null <\"$i/operstate\"\n"
	"printf '%s\\t%s\\t%s\\t%s\\n' \"$n\" \"$a\" \"$m\" \"$s\"\n"
	"fi\n"
	"done\n"
	"echo @@if_inet6; cat /proc/net/if_inet6 2>/dev/null\n"
	"echo @@proc_route; cat /proc/net/route 2>/dev/null\n"
	"echo @@proc_route6; cat /proc/net/ipv6_route 2>/dev/null\n"
	"fi\n"
	"for f in resolv:/etc/resolv.conf "
	"resolved:/run/systemd/resolve/resolv.conf; do\n"
	"echo \"@@${f%%:*}\"; k=\n"
	"{ while read -r k v || [ -n \"$k\" ]; do\n"
	"if [ \"$k\" = nameserver ]; then printf 'nameserver %s\\n' \"$v\"; fi\n"
	"k=; done; } 2>/dev/null <\"${f#*:}\"\n"
	"done\n"
	":\n",
	network_parse,
	"interfaces, addresses, default routes, DNS resolvers",
};
