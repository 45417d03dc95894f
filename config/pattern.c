/* Ansible host patterns, one implementation for every --limit: the
 * grammar and order of InventoryManager (split on ',' or else on ':' when
 * the text is not an address; plain, then '&' intersections, then '!'
 * exclusions; a name matches a group (all its hosts, children included)
 * or hosts; globs as fnmatch, '~' regexes anchored at the start,
 * subscripts [i], [i:j], [i:] on what a pattern matched, '@file' for a
 * file of patterns). Works on a loaded config: nothing here parses an
 * inventory. */
#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

#define PAT_MAX_FILE	(1024 * 1024)	/* bytes of an @file */

/* Matched hosts of one pattern, in Ansible's order, duplicates kept. */
struct hlist {
	size_t	*v;		/* indexes into conf->hosts */
	size_t	 n;
	size_t	 cap;
};

/* A compiled name matcher: a glob or a regex. */
struct matcher {
	int	 is_regex;	/* '~' pattern */
	regex_t	 re;		/* compiled when is_regex */
	const char *glob;	/* the glob otherwise */
};

/* Append one host index. */
static void
hlist_add(struct hlist *l, size_t i)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = i;
}

/* Python regex shorthands POSIX lacks: \d \w \s (and upper-case). */
static char *
pat_regex_text(const char *s)
{
	static const char *const cls[] = { "d", "[0-9]", "D", "[^0-9]",
	    "w", "[[:alnum:]_]", "W", "[^[:alnum:]_]", "s", "[[:space:]]",
	    "S", "[^[:space:]]" };
	struct buf	 b = { 0 };
	size_t		 i;

	for (; *s != '\0'; s++) {
		for (i = 0; *s == '\\' && i < 12; i += 2)
			if (s[1] == cls[i][0])
				break;
		if (*s == '\\' && i < 12) {
			buf_printf(&b, "%s", cls[i + 1]);
			s++;
		} else
			buf_append(&b, s, 1);
	}
	return buf_steal(&b);
}

/* Compile a matcher; -1 with err filled on a bad regex. */
static int
matcher_init(struct matcher *m, const char *pat, char *err, size_t errlen)
{
	char	*text;
	int	 rc;

	memset(m, 0, sizeof *m);
	if (pat[0] != '~') {
		m->glob = pat;
		return 0;
	}
	m->is_regex = 1;
	text = pat_regex_text(pat + 1);
	rc = regcomp(&m->re, text, REG_EXTENDED);
	free(text);
	if (rc != 0) {
		snprintf(err, errlen, "invalid host list pattern '%s'", pat);
		m->is_regex = 0;
		return -1;
	}
	return 0;
}

/* Does a name match: a whole-name glob, or a regex from its start? */
static int
matcher_match(const struct matcher *m, const char *name)
{
	regmatch_t	 rm;

	if (!m->is_regex)
		return fnmatch(m->glob, name, FNM_NOESCAPE) == 0;
	return regexec(&m->re, name, 1, &rm, 0) == 0 && rm.rm_so == 0;
}

/* Free a matcher. */
static void
matcher_free(struct matcher *m)
{
	if (m->is_regex)
		regfree(&m->re);
}

/* Indexes of a config's items in order of first sight. */
static size_t *
pat_seq_order(size_t n, const void *base, size_t size, size_t seqoff)
{
	size_t	*ord = xcalloc(n + 1, sizeof *ord), i;

	for (i = 0; i < n; i++)
		ord[*(const size_t *)(const void *)((const char *)base +
		    i * size + seqoff)] = i;
	return ord;
}

/* A group's hosts as Group.get_hosts() lists them: its own, then its
 * children's level by level, each host once. */
static void
pat_group_hosts(const struct config *c, const struct group *g,
    struct hlist *out, unsigned char *gseen, unsigned char *hseen)
{
	const struct group	**q, *k;
	const struct host	*h;
	size_t			 nq = 0, head, i;

	memset(gseen, 0, c->ngroups);
	memset(hseen, 0, c->nhosts);
	q = xcalloc(c->ngroups + 1, sizeof *q);
	q[nq++] = g;
	gseen[g - c->groups] = 1;
	for (head = 0; head < nq; head++)
		for (i = 0; i < q[head]->nchildren; i++) {
			k = config_find_group(c, q[head]->children[i]);
			if (k != NULL && !gseen[k - c->groups]) {
				gseen[k - c->groups] = 1;
				q[nq++] = k;
			}
		}
	for (head = 0; head < nq; head++)
		for (i = 0; i < q[head]->nmembers; i++) {
			h = config_find_host(c, q[head]->members[i]);
			if (h != NULL && !hseen[h - c->hosts]) {
				hseen[h - c->hosts] = 1;
				hlist_add(out, (size_t)(h - c->hosts));
			}
		}
	free(q);
}

/* _enumerate_matches(): hosts of every group the pattern names, and
 * hosts it names when no group matched or it is a glob or regex. */
static int
pat_enumerate(const struct config *c, const char *expr, struct hlist *out,
    char *err, size_t errlen)
{
	struct matcher	 m;
	unsigned char	*gseen, *hseen;
	size_t		*ord, i, ngroups = 0;

	if (matcher_init(&m, expr, err, errlen) == -1)
		return -1;
	gseen = xcalloc(c->ngroups + 1, 1);
	hseen = xcalloc(c->nhosts + 1, 1);
	ord = pat_seq_order(c->ngroups, c->groups, sizeof *c->groups,
	    offsetof(struct group, seq));
	for (i = 0; i < c->ngroups; i++)
		if (matcher_match(&m, c->groups[ord[i]].name)) {
			pat_group_hosts(c, &c->groups[ord[i]], out, gseen,
			    hseen);
			ngroups++;
		}
	free(ord);
	if (ngroups == 0 || expr[0] == '~' || strpbrk(expr, ".?*[")) {
		ord = pat_seq_order(c->nhosts, c->hosts, sizeof *c->hosts,
		    offsetof(struct host, seq));
		for (i = 0; i < c->nhosts; i++)
			if (matcher_match(&m, c->hosts[ord[i]].name))
				hlist_add(out, ord[i]);
		free(ord);
	}
	free(gseen);
	free(hseen);
	matcher_free(&m);
	return 0;
}

/* A trailing [i], [i:j], [i:] or [i-j]; strips it from expr. Returns 0
 * when there is none, 1 with start and end set (end: 0 = a single index,
 * -1 = to the end). */
static int
pat_subscript(char *expr, long *start, long *end)
{
	size_t	 len = strlen(expr);
	char	*o, *p, *q;

	if (expr[0] == '~' || len < 4 || expr[len - 1] != ']' ||
	    (o = strrchr(expr, '[')) == NULL || o == expr)
		return 0;
	p = o + 1;
	*start = strtol(p, &q, 10);
	if (q == p || !isdigit((unsigned char)q[-1]))
		return 0;
	if (*q == ']' && q + 1 == expr + len) {
		*end = 0;
		*o = '\0';
		return 1;
	}
	if (*p == '-' || (*q != ':' && *q != '-'))
		return 0;
	p = q + 1;
	*end = strtol(p, &q, 10);
	if (q == p)
		*end = -1;
	if (*q != ']' || q + 1 != expr + len || (q != p && !isdigit(
	    (unsigned char)q[-1])))
		return 0;
	*o = '\0';
	return 1;
}

/* _apply_subscript(): Python indexing and slicing of the match list.
 * Returns -1 when a single index is out of range. */
static int
pat_apply(struct hlist *l, long start, long end)
{
	long	 n = (long)l->n, i, from, to;

	if (l->n == 0)
		return 0;
	if (end == 0) {
		i = start < 0 ? start + n : start;
		if (i < 0 || i >= n)
			return -1;
		l->v[0] = l->v[i];
		l->n = 1;
		return 0;
	}
	if (end == -1)
		end = n - 1;
	from = start > n ? n : start;
	to = end + 1 > n ? n : end + 1;
	if (to < from)
		to = from;
	memmove(l->v, l->v + from, (size_t)(to - from) * sizeof *l->v);
	l->n = (size_t)(to - from);
	return 0;
}

/* _match_one_pattern(): one pattern without its & or ! prefix. */
static int
pat_one(const struct config *c, const char *pattern, struct hlist *out,
    char *err, size_t errlen)
{
	char	*expr = xstrdup(pattern);
	long	 start = 0, end = 0;
	int	 sub, rc;

	sub = pat_subscript(expr, &start, &end);
	rc = pat_enumerate(c, expr, out, err, errlen);
	if (rc == 0 && sub && pat_apply(out, start, end) == -1) {
		snprintf(err, errlen, "no hosts matched the subscripted "
		    "pattern '%s'", pattern);
		rc = -1;
	}
	free(expr);
	return rc;
}

/* Add one split pattern to the list (skipping empty ones). */
static void
pat_push(char ***v, size_t *n, const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrndup(s, len);
}

/* split_host_pattern(): on commas; without one, on ':' outside [...]
 * unless the whole text is an address (IPv6 "2001:db8::1"). */
static void
pat_split(const char *pattern, char ***v, size_t *n)
{
	const char	*p, *start;

	if (strchr(pattern, ',') != NULL) {
		for (p = pattern; (start = p) != NULL; p = p ? p + 1 : NULL) {
			p = strchr(start, ',');
			pat_push(v, n, start, p ? (size_t)(p - start) :
			    strlen(start));
		}
		return;
	}
	if (cfg_is_address(pattern)) {
		pat_push(v, n, pattern, strlen(pattern));
		return;
	}
	for (p = pattern; *p != '\0'; ) {
		while (*p != '\0' && (isspace((unsigned char)*p) ||
		    *p == ':' || *p == ']' || (*p == '[' && !strchr(p, ']'))))
			p++;
		start = p;
		while (*p != '\0' && !isspace((unsigned char)*p) && *p != ':' &&
		    *p != ']') {
			if (*p == '[' && strchr(p, ']') != NULL)
				p = strchr(p, ']');
			else if (*p == '[')
				break;
			p++;
		}
		if (p > start)
			pat_push(v, n, start, (size_t)(p - start));
	}
}

/* Replace each "@file" entry by the file's lines (Ansible's --limit). */
static int
pat_files(char ***v, size_t *n, char *err, size_t errlen)
{
	struct cfg_errors	 errs = { 0 };
	struct buf		 b = { 0 };
	char			**out = NULL, *line, *save;
	size_t			 i, nout = 0;
	int			 rc = 0;

	for (i = 0; i < *n; i++) {
		if ((*v)[i][0] != '@') {
			pat_push(&out, &nout, (*v)[i], strlen((*v)[i]));
			continue;
		}
		if (rc == 0 && cfg_read_file((*v)[i] + 1, &b, &errs) == -1) {
			snprintf(err, errlen, "%s", errs.msgs[0]);
			rc = -1;
		}
		save = NULL;
		for (line = b.data ? strtok_r(b.data, "\n", &save) : NULL;
		    line != NULL; line = strtok_r(NULL, "\n", &save))
			pat_push(&out, &nout, line, strlen(line));
		buf_free(&b);
		cfg_errors_free(&errs);
	}
	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = out;
	*n = nout;
	return rc;
}

/* Apply one pattern to the selection by its kind: add, keep, drop. */
static int
pat_apply_one(const struct config *c, const char *p, unsigned char *sel,
    unsigned char *that, struct buf *none, char *err, size_t errlen)
{
	struct hlist	 l = { 0 };
	size_t		 i;
	const struct host *h;
	int		 kind = p[0] == '&' || p[0] == '!' ? p[0] : 0;

	if (kind == 0 && (h = config_find_host(c, p)) != NULL) {
		sel[h - c->hosts] = 1;
		return 0;
	}
	if (pat_one(c, kind ? p + 1 : p, &l, err, errlen) == -1) {
		free(l.v);
		return -1;
	}
	if (l.n == 0 && kind != '!' && strcmp(p, "all") != 0)
		buf_printf(none, "%s'%s'", none->len ? ", " : "", p);
	memset(that, 0, c->nhosts);
	for (i = 0; i < l.n; i++)
		that[l.v[i]] = 1;
	for (i = 0; i < c->nhosts; i++)
		sel[i] = kind == '&' ? sel[i] && that[i] :
		    kind == '!' ? sel[i] && !that[i] : sel[i] || that[i];
	free(l.v);
	return 0;
}

/* Select the hosts a pattern names (see config.h). */
int
config_select(const struct config *c, const char *pattern,
    unsigned char *sel, char *err, size_t errlen)
{
	struct buf	 none = { 0 };
	unsigned char	*that;
	char		**v = NULL;
	size_t		 n = 0, i, count = 0;
	int		 pass, rc = 0, any = 0;

	memset(sel, 0, c->nhosts);
	pat_split(pattern, &v, &n);
	if (pat_files(&v, &n, err, errlen) == -1)
		rc = -1;
	that = xcalloc(c->nhosts + 1, 1);
	for (i = 0; i < n; i++)
		any |= v[i][0] != '&' && v[i][0] != '!';
	if (rc == 0 && !any)
		rc = pat_apply_one(c, "all", sel, that, &none, err, errlen);
	for (pass = 0; pass < 3 && rc == 0; pass++)
		for (i = 0; i < n && rc == 0; i++)
			if ((pass == 0 && v[i][0] != '&' && v[i][0] != '!') ||
			    (pass == 1 && v[i][0] == '&') ||
			    (pass == 2 && v[i][0] == '!'))
				rc = pat_apply_one(c, v[i], sel, that, &none,
				    err, errlen);
	for (i = 0; i < c->nhosts; i++)
		count += sel[i];
	if (rc == 0 && count == 0)
		snprintf(err, errlen, "no host matches '%s'%s%s%s", pattern,
		    none.len ? " (" : "", none.len ? buf_str(&none) : "",
		    none.len ? " matched nothing)" : "");
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	free(that);
	buf_free(&none);
	return rc == -1 || count == 0 ? -1 : (int)count;
}
