/* Ansible host patterns, read exactly as Ansible's inventory plugins read
 * them: "host:port" and "[v6]:port" split off the way parse_address()
 * does, then ranges expanded the way expand_hostname_range() does
 * ("web[01:20]", "db-[a:c]", strides "[1:10:2]", several ranges). Names
 * are labels; only an address that reaches the network is checked, so
 * nothing that could be read as an option or holds shell metacharacters
 * gets that far. */
#include <arpa/inet.h>

#include <pthread.h>
#include <regex.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

static const char letters[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* Names expanded so far, bounded by the host limit. */
struct names {
	char	**v;		/* expanded names (owned) */
	size_t	 n;		/* used */
	char	*err;		/* caller's error buffer */
	size_t	 errlen;
	const char *pattern;	/* the whole pattern, for messages */
};

/* Python's int() on a range bound: optional sign, then digits. */
static int
range_int(const char *s, int64_t *v)
{
	const char	*p = s + (*s == '-' || *s == '+');
	char		*end;

	if (!isdigit((unsigned char)*p) || strlen(p) > 12)
		return -1;
	*v = strtoll(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/* Fail with "bad range in 'pattern': why". */
static int
range_fail(struct names *nm, const char *why)
{
	snprintf(nm->err, nm->errlen, "bad range in '%s': %s", nm->pattern,
	    why);
	return -1;
}

/* Add one expanded name. */
static int
range_add(struct names *nm, char *name)
{
	if (nm->n >= CFG_MAX_HOSTS) {
		free(name);
		snprintf(nm->err, nm->errlen, "bad range in '%s': more than %d "
		    "hosts", nm->pattern, CFG_MAX_HOSTS);
		return -1;
	}
	if ((nm->n & (nm->n - 1)) == 0 || nm->n == 0)
		nm->v = xreallocarray(nm->v, nm->n ? nm->n * 2 : 1,
		    sizeof *nm->v);
	nm->v[nm->n++] = name;
	return 0;
}

static int	range_expand(struct names *, const char *);

/* head + value + tail, expanded further when it still holds a '['. */
static int
range_emit(struct names *nm, const char *head, size_t hlen, const char *val,
    const char *tail)
{
	char	*name;
	int	 rc;

	xasprintf(&name, "%.*s%s%s", (int)hlen, head, val, tail);
	if (strchr(name, '[') == NULL)
		return range_add(nm, name);
	rc = range_expand(nm, name);
	free(name);
	return rc;
}

/* A letter range: positions in a-zA-Z, Python slice semantics. */
static int
range_letters(struct names *nm, const char *line, size_t hlen,
    const char *beg, const char *end, int64_t step, const char *tail)
{
	const char	*b = strstr(letters, beg), *e = strstr(letters, end);
	char		 one[2] = { 0, 0 };
	int64_t		 i;

	if (b - letters > e - letters)
		return range_fail(nm, "host range must have begin <= end");
	for (i = b - letters; step > 0 && i <= e - letters; i += step) {
		one[0] = letters[i];
		if (range_emit(nm, line, hlen, one, tail) == -1)
			return -1;
	}
	return 0;
}

/* A numeric range: Python's range(beg, end + 1, step), zero-filled to the
 * width of beg when beg starts with 0. */
static int
range_numbers(struct names *nm, const char *line, size_t hlen,
    const char *beg, const char *end, int64_t step, const char *tail)
{
	int64_t		 b, e, i;
	int		 width = beg[0] == '0' && strlen(beg) > 1 ?
			    (int)strlen(beg) : 0;
	char		 val[32];

	if (range_int(beg, &b) == -1 || range_int(end, &e) == -1)
		return range_fail(nm, "range bounds must be both numbers or "
		    "both letters");
	if (step == 0)
		return range_fail(nm, "range step must not be zero");
	if ((step > 0 && (e + 1 - b) / step > CFG_MAX_HOSTS) ||
	    (step < 0 && (b - e - 1) / -step > CFG_MAX_HOSTS))
		return range_fail(nm, "more than 1000000 hosts");
	for (i = b; step > 0 ? i < e + 1 : i > e + 1; i += step) {
		snprintf(val, sizeof val, "%0*" PRId64, width, i);
		if (range_emit(nm, line, hlen, val, tail) == -1)
			return -1;
	}
	return 0;
}

/* The first [beg:end(:step)] of line, as expand_hostname_range() reads
 * it: the first '[' and the first ']' are the delimiters. */
static int
range_expand(struct names *nm, const char *line)
{
	const char	*o = strchr(line, '['), *c = strchr(line, ']');
	const char	*lo, *hi;
	char		*inner, *bounds[4], *save, *tok;
	int64_t		 step = 1;
	int		 nb = 0, rc;

	if (o == NULL || c == NULL || strchr(line, '|') != NULL)
		return range_fail(nm, "unterminated '['");
	lo = o < c ? o : c;
	hi = o < c ? c : o;
	inner = xstrndup(lo + 1, (size_t)(hi - lo - 1));
	for (tok = inner; nb < 4; tok = save + 1) {
		bounds[nb++] = tok;
		if ((save = strchr(tok, ':')) == NULL)
			break;
		*save = '\0';
	}
	if (nb != 2 && nb != 3)
		rc = range_fail(nm, "host range must be begin:end or "
		    "begin:end:step");
	else if (*bounds[1] == '\0')
		rc = range_fail(nm, "host range must specify end value");
	else if (nb == 3 && range_int(bounds[2], &step) == -1)
		rc = range_fail(nm, "range step must be a number");
	else if (bounds[0][0] == '0' && strlen(bounds[0]) > 1 &&
	    strlen(bounds[0]) != strlen(bounds[1]))
		rc = range_fail(nm, "host range must specify equal-length "
		    "begin and end formats");
	else if (*bounds[0] != '\0' && strstr(letters, bounds[0]) &&
	    strstr(letters, bounds[1]) && step != 0)
		rc = range_letters(nm, line, (size_t)(lo - line), bounds[0],
		    bounds[1], step, hi + 1);
	else
		rc = range_numbers(nm, line, (size_t)(lo - line),
		    *bounds[0] ? bounds[0] : "0", bounds[1], step, hi + 1);
	free(inner);
	return rc;
}

/* Expand a host pattern into every name it stands for, in order. Returns
 * the count and fills *out (caller frees each and the array), or -1 with
 * err filled. A pattern without '[' expands to itself. */
int
config_expand_range(const char *pattern, char ***out, char *err,
    size_t errlen)
{
	struct names	 nm = { NULL, 0, err, errlen, pattern };
	size_t		 i;

	*out = NULL;
	if (strchr(pattern, '[') == NULL) {
		*out = xcalloc(1, sizeof **out);
		(*out)[0] = xstrdup(pattern);
		return 1;
	}
	if (range_expand(&nm, pattern) == -1) {
		for (i = 0; i < nm.n; i++)
			free(nm.v[i]);
		free(nm.v);
		return -1;
	}
	if (nm.n == 0)
		nm.v = xcalloc(1, sizeof *nm.v);
	*out = nm.v;
	return (int)nm.n;
}

/* Skip digits; returns how many. */
static size_t
yspan_digits(const char **p)
{
	size_t	 n = strspn(*p, "0123456789");

	*p += n;
	return n;
}

/* Length of an alphanumeric range "[a:c]", "[01:20:2]" at s, or 0. */
static size_t
addr_range(const char *s)
{
	const char	*p = s + 1;

	if (*s != '[')
		return 0;
	if (isalpha((unsigned char)p[0]) && p[1] == ':' &&
	    isalpha((unsigned char)p[2]))
		p += 3;
	else {
		if (yspan_digits(&p) == 0 || *p++ != ':' ||
		    yspan_digits(&p) == 0)
			return 0;
	}
	if (*p == ':' && (p++, yspan_digits(&p) == 0))
		return 0;
	return *p == ']' ? (size_t)(p + 1 - s) : 0;
}

/* Is c a regex \w character (any non-ASCII byte counts, as Python's
 * Unicode \w takes letters of every script)? */
static int
addr_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* parse_address()'s hostname pattern: labels of \w and [_-] (or ranges),
 * not ending in '_' or '-', joined by dots. */
static int
addr_hostname(const char *s)
{
	size_t	 n;
	int	 first = 1;
	char	 last = 0;

	for (;;) {
		if ((n = addr_range(s)) > 0) {
			s += n;
			last = ']';
		} else if (addr_word((unsigned char)*s) ||
		    (!first && (*s == '-'))) {
			last = *s++;
		} else if (*s == '.' && !first && last != '_' && last != '-') {
			first = 1;
			s++;
			continue;
		} else
			return *s == '\0' && !first && last != '_' &&
			    last != '-';
		first = 0;
	}
}

/* parse_address()'s IPv6 pattern, kept as Ansible writes it: its
 * alternatives are not grouped, so re.match() anchors only the first at
 * the start and only the last at the end; the others match a prefix
 * ("fe80::1%eth0" passes on "fe80::"). Compiled once. */
static regex_t	 v6_re;
static int	 v6_ok;

/* Build and compile the IPv6 expression. */
static void
addr_ipv6_init(void)
{
	static const char *const alts[] = {
		"(H:){7}H", "(H:){1,6}:", "(H:)(:H){1,6}", "(H:){2}(:H){1,5}",
		"(H:){3}(:H){1,4}", "(H:){4}(:H){1,3}", "(H:){5}(:H){1,2}",
		"(H:){6}(:H)", ":(:H){1,6}", "H?::", "(0:){6}(H\\.){3}H",
		"::(ffff:)?(H\\.){3}H", "(0:){5}ffff:(H\\.){3}H$",
	};
	const char	*h = "([0-9a-f]{1,4}|\\[[0-9a-f]+:[0-9a-f]+(:[0-9]+)?\\])";
	struct buf	 b = { 0 };
	const char	*p;
	size_t		 i;

	buf_printf(&b, "^(");
	for (i = 0; i < sizeof alts / sizeof alts[0]; i++) {
		buf_printf(&b, "%s(", i ? "|" : "");
		for (p = alts[i]; *p != '\0'; p++)
			if (*p == 'H')
				buf_printf(&b, "%s", h);
			else
				buf_append(&b, p, 1);
		buf_printf(&b, ")");
	}
	buf_printf(&b, ")");
	v6_ok = regcomp(&v6_re, buf_str(&b), REG_EXTENDED | REG_ICASE |
	    REG_NOSUB) == 0;
	buf_free(&b);
}

/* Does parse_address() take s for an IPv6 address? */
static int
addr_ipv6(const char *s)
{
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;

	pthread_once(&once, addr_ipv6_init);
	return v6_ok && regexec(&v6_re, s, 0, NULL, 0) == 0;
}

/* The port suffix ":NN" of hostport, when what precedes it is made of
 * non-[:] characters and whole [...] groups. Returns the colon or NULL. */
static const char *
addr_hostport(const char *s)
{
	const char	*colon = strrchr(s, ':'), *p;

	if (colon == NULL || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return NULL;
	for (p = s; p < colon; p++) {
		if (*p == '[') {
			while (p < colon && *p != ']')
				p++;
			if (p == colon)
				return NULL;
		} else if (*p == ':' || *p == ']')
			return NULL;
	}
	return colon;
}

/* A host key as Ansible reads it: "[addr]:port" or "name:port" split off
 * when what remains is a host name or address, else the whole key is the
 * name. *port is 0 when none was given. Caller frees the result. */
char *
cfg_split_hostport(const char *key, int *port)
{
	char		*host = xstrdup(key), *t;
	const char	*colon;
	size_t		 len = strlen(host);
	long		 p = 0;

	*port = 0;
	if (len > 3 && host[0] == '[' && (colon = strrchr(host, ':')) != NULL &&
	    colon > host + 1 && colon[-1] == ']' && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
	    colon - 1 > host + 1) {
		p = strtol(colon + 1, NULL, 10);
		t = xstrndup(host + 1, (size_t)(colon - 1 - host - 1));
		free(host);
		host = t;
	}
	if ((colon = addr_hostport(host)) != NULL) {
		p = strtol(colon + 1, NULL, 10);
		host[colon - host] = '\0';
	}
	if (!addr_ipv6(host) && !addr_hostname(host)) {
		free(host);
		return xstrdup(key);
	}
	*port = p > 65535 ? 65536 : (int)p;
	return host;
}

/* Is an address safe to hand to the resolver: non-empty, at most 253
 * bytes, not starting with '-', an IPv6 literal (with a %zone of letters,
 * digits, '.', '-', '_') or only letters, digits, '.', '-', '_'?
 * Returns 0, or -1 with why filled ("starts with '-' ..."). */
int
cfg_check_address(const char *s, char *why, size_t whylen)
{
	struct in6_addr		 a;
	const char		*pct;
	char			*v6;
	int			 ok;

	const unsigned char	*p;

	if (*s == '\0') {
		snprintf(why, whylen, "is empty");
		return -1;
	}
	if (strlen(s) > CFG_MAX_NAME) {
		snprintf(why, whylen, "is longer than %d characters",
		    CFG_MAX_NAME);
		return -1;
	}
	if (s[0] == '-') {
		snprintf(why, whylen, "starts with '-' (it could be read as "
		    "an option)");
		return -1;
	}
	pct = strchr(s, '%');
	v6 = xstrndup(s, pct ? (size_t)(pct - s) : strlen(s));
	ok = inet_pton(AF_INET6, v6, &a) == 1 && (pct == NULL ||
	    (pct[1] != '\0' && strspn(pct + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(pct + 1)));
	free(v6);
	if (ok)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_')
			continue;
		if (*p <= ' ' || *p >= 0x7f)
			snprintf(why, whylen, "contains whitespace, a control "
			    "character or non-ASCII byte 0x%02x", *p);
		else if (strchr("$`;|&<>(){}'\"\\*?!#~[]", *p))
			snprintf(why, whylen, "contains the shell "
			    "metacharacter '%c'", *p);
		else
			snprintf(why, whylen, "contains '%c' (allowed: "
			    "letters, digits, '.', '-', '_', or an IPv6 "
			    "address)", *p);
		return -1;
	}
	return 0;
}

/* Is a login name harmless: no option look-alike, no odd characters? */
int
cfg_check_user(const char *s)
{
	if (*s == '\0' || *s == '-' || strlen(s) > 255)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-@", *s) == NULL)
			return 0;
	return 1;
}

/* Does parse_address() accept the text (a host or address, maybe with a
 * port)? Host patterns without commas are split on ':' only when not. */
int
cfg_is_address(const char *s)
{
	char	*h;
	int	 port, ok;

	h = cfg_split_hostport(s, &port);
	ok = addr_ipv6(h) || addr_hostname(h);
	free(h);
	return ok;
}
