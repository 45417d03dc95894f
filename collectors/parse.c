/* Helpers shared by the collector parsers: spans, lines, key/value
 * splitting, sections, unquoting and overflow-checked integers. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/parse.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* Longest key part span_key() keeps; longer names are cut. */
#define KEY_MAX	200

/* A span over n bytes at s. */
struct span
span_make(const char *s, size_t n)
{
	struct span	 sp;

	/* Never NULL: parsers step through spans with pointer arithmetic,
	 * and NULL + 0 is undefined (UBSan stops on it). */
	sp.s = s != NULL ? s : "";
	sp.n = s != NULL ? n : 0;
	return sp;
}

/* A span over a C string. */
struct span
span_str(const char *s)
{
	return span_make(s, s != NULL ? strlen(s) : 0);
}

/* Start walking the lines of sp. */
void
lines_init(struct lineiter *it, struct span sp)
{
	it->p = sp.s;
	/* An empty span may be (NULL, 0): NULL + 0 is undefined in C. */
	it->end = sp.n > 0 ? sp.s + sp.n : sp.s;
}

/* Next line without its end of line; 0 when there are no more. */
int
lines_next(struct lineiter *it, struct span *line)
{
	const char	*nl;

	if (it->p == NULL || it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	if (nl == NULL)
		nl = it->end;
	line->s = it->p;
	line->n = (size_t)(nl - it->p);
	if (line->n > 0 && line->s[line->n - 1] == '\r')
		line->n--;
	it->p = nl < it->end ? nl + 1 : it->end;
	return 1;
}

/* Is c blank for our purposes (space, tab, CR, LF, NUL)? */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0' ||
	    c == '\v' || c == '\f';
}

/* sp without leading and trailing white space. */
struct span
span_trim(struct span sp)
{
	while (sp.n > 0 && is_blank(sp.s[0])) {
		sp.s++;
		sp.n--;
	}
	while (sp.n > 0 && is_blank(sp.s[sp.n - 1]))
		sp.n--;
	return sp;
}

/* Does sp hold exactly the string s? */
int
span_eq(struct span sp, const char *s)
{
	size_t	 n = strlen(s);

	return sp.n == n && (n == 0 || memcmp(sp.s, s, n) == 0);
}

/* Does sp start with the string s? */
int
span_prefix(struct span sp, const char *s)
{
	size_t	 n = strlen(s);

	return sp.n >= n && (n == 0 || memcmp(sp.s, s, n) == 0);
}

/* Does sp contain the byte c? */
int
span_has(struct span sp, char c)
{
	return sp.n > 0 && memchr(sp.s, c, sp.n) != NULL;
}

/* Take the next blank-separated word off the front of *rest. */
int
span_word(struct span *rest, struct span *word)
{
	size_t	 i = 0;

	while (i < rest->n && is_blank(rest->s[i]))
		i++;
	if (i == rest->n) {
		rest->s += rest->n;
		rest->n = 0;
		return 0;
	}
	word->s = rest->s + i;
	while (i < rest->n && !is_blank(rest->s[i]))
		i++;
	word->n = (size_t)(rest->s + i - word->s);
	rest->s += i;
	rest->n -= i;
	return 1;
}

/* Split sp at the first sep into trimmed halves; 0 if sep is absent. */
int
span_split(struct span sp, char sep, struct span *a, struct span *b)
{
	const char	*p;

	if (sp.n == 0 || (p = memchr(sp.s, sep, sp.n)) == NULL)
		return 0;
	*a = span_trim(span_make(sp.s, (size_t)(p - sp.s)));
	*b = span_trim(span_make(p + 1, sp.n - (size_t)(p - sp.s) - 1));
	return 1;
}

/* Parse leading decimal digits, overflow-checked; 0 if there are none. */
int
span_u64_lead(struct span sp, uint64_t *v)
{
	uint64_t	 x = 0;
	size_t		 i;
	unsigned	 d;

	sp = span_trim(sp);
	for (i = 0; i < sp.n && sp.s[i] >= '0' && sp.s[i] <= '9'; i++) {
		d = (unsigned)(sp.s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return 0;
		x = x * 10 + d;
	}
	if (i == 0)
		return 0;
	*v = x;
	return 1;
}

/* Parse a whole span as an unsigned decimal, overflow-checked. */
int
span_u64(struct span sp, uint64_t *v)
{
	size_t	 i;

	sp = span_trim(sp);
	for (i = 0; i < sp.n; i++)
		if (sp.s[i] < '0' || sp.s[i] > '9')
			return 0;
	return span_u64_lead(sp, v);
}

/* Value of the first "key<sep>value" line of text whose trimmed key is
 * key; the value comes back trimmed. */
int
span_kv(struct span text, const char *key, char sep, struct span *val)
{
	struct lineiter	 it;
	struct span	 line, k, v;

	lines_init(&it, text);
	while (lines_next(&it, &line)) {
		if (!span_split(line, sep, &k, &v) || !span_eq(k, key))
			continue;
		*val = v;
		return 1;
	}
	return 0;
}

/* Body of the section "@@name" of a command's output: the lines after the
 * marker up to the next marker. 0 if the marker is absent. */
int
span_section(struct span text, const char *name, struct span *body)
{
	struct lineiter	 it;
	struct span	 line, t;
	const char	*start = NULL;

	lines_init(&it, text);
	while (lines_next(&it, &line)) {
		t = span_trim(line);
		if (start == NULL) {
			if (span_prefix(t, SECTION_MARK) &&
			    t.n == strlen(SECTION_MARK) + strlen(name) &&
			    memcmp(t.s + strlen(SECTION_MARK), name,
			    strlen(name)) == 0)
				start = it.p;
			continue;
		}
		if (span_prefix(line, SECTION_MARK)) {
			*body = span_make(start, (size_t)(line.s - start));
			return 1;
		}
	}
	if (start == NULL)
		return 0;
	*body = span_make(start, (size_t)(text.s + text.n - start));
	return 1;
}

/* Number of lines holding something other than white space. */
size_t
span_nlines(struct span text)
{
	struct lineiter	 it;
	struct span	 line;
	size_t		 n = 0;

	lines_init(&it, text);
	while (lines_next(&it, &line))
		if (span_trim(line).n > 0)
			n++;
	return n;
}

/* Copy of sp as the host gave it: every byte kept (control bytes, terminal
 * escapes, invalid UTF-8), since the CLI escapes on output and a stored
 * value must be what the host said. The one exception is NUL, which a
 * text value cannot hold: it becomes U+FFFD. Caller frees. */
char *
span_dup(struct span sp)
{
	char	*out, *o;
	size_t	 i, nul = 0;

	for (i = 0; i < sp.n; i++)
		nul += sp.s[i] == '\0';
	out = o = xmalloc(sp.n + 2 * nul + 1);
	for (i = 0; i < sp.n; i++) {
		if (sp.s[i] == '\0') {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		} else
			*o++ = sp.s[i];
	}
	*o = '\0';
	return out;
}

/* Copy of sp usable inside a fact key: [A-Za-z0-9_.-], others become '_',
 * at most KEY_MAX bytes, never empty. Caller frees. */
char *
span_key(struct span sp)
{
	char	*out;
	size_t	 i, n;
	char	 c;

	n = sp.n > KEY_MAX ? KEY_MAX : sp.n;
	out = xmalloc(n + 2);
	for (i = 0; i < n; i++) {
		c = sp.s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')
			out[i] = c;
		else
			out[i] = '_';
	}
	if (n == 0)
		out[n++] = '_';
	out[n] = '\0';
	return out;
}

/* Lower-case copy of sp (sanitised like span_dup). Caller frees. */
char *
span_lower(struct span sp)
{
	char	*s, *p;

	s = span_dup(sp);
	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* Undo shell quoting of an assignment's value as os-release(5) allows:
 * "double" (with \ escaping $ " \ `), 'single' and backslash escapes.
 * Unquoted white space ends the value. Caller frees. */
char *
span_unquote(struct span sp)
{
	struct buf	 b = { NULL, 0, 0 };
	struct span	 all;
	size_t		 i;
	int		 q = 0;
	char		 c, *s;

	sp = span_trim(sp);
	for (i = 0; i < sp.n; i++) {
		c = sp.s[i];
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else
				buf_append(&b, &c, 1);
		} else if (q == '"') {
			if (c == '"')
				q = 0;
			else if (c == '\\' && i + 1 < sp.n &&
			    strchr("$\"\\`", sp.s[i + 1]) != NULL)
				buf_append(&b, &sp.s[++i], 1);
			else
				buf_append(&b, &c, 1);
		} else if (c == '"' || c == '\'')
			q = c;
		else if (c == '\\' && i + 1 < sp.n)
			buf_append(&b, &sp.s[++i], 1);
		else if (is_blank(c))
			break;
		else
			buf_append(&b, &c, 1);
	}
	all = span_make(buf_str(&b), b.len);
	s = span_dup(all);
	buf_free(&b);
	return s;
}

/* Add a fact whose value is sp, sanitised. */
void
fact_span(struct facts *f, const char *key, struct span sp)
{
	char	*v;

	v = span_dup(sp);
	facts_add(f, key, v);
	free(v);
}

/* Add a fact holding an unsigned number. */
void
fact_u64(struct facts *f, const char *key, uint64_t v)
{
	facts_addf(f, key, "%" PRIu64, v);
}

/* *r = a * b; 0 on overflow. */
int
u64_mul(uint64_t a, uint64_t b, uint64_t *r)
{
	if (a != 0 && b > UINT64_MAX / a)
		return 0;
	*r = a * b;
	return 1;
}

/* Fill a caller's error buffer, if there is one. */
void
perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Does a line of the output say "@rollcall-unsupported [reason]"? If so
 * the reason (or a generic one) goes into err. */
int
parse_unsupported(const char *out, size_t len, char *err,
    size_t errlen)
{
	struct lineiter	 it;
	struct span	 line, why;
	size_t		 m = strlen(COLLECTOR_UNSUPPORTED);
	char		*s;

	lines_init(&it, span_make(out, len));
	while (lines_next(&it, &line)) {
		line = span_trim(line);
		if (!span_prefix(line, COLLECTOR_UNSUPPORTED) ||
		    (line.n > m && line.s[m] != ' ' && line.s[m] != '\t'))
			continue;
		why = span_trim(span_make(line.s + m, line.n - m));
		s = span_dup(why);
		perr(err, errlen, "%s", *s != '\0' ? s :
		    "not supported on this host");
		free(s);
		return 1;
	}
	return 0;
}

/* What every built-in parser does first: the unsupported marker gives
 * COLL_UNSUPPORTED, output that is only white space COLL_PARSE_ERROR;
 * otherwise COLL_OK with *text set to the whole output. */
enum coll_status
parse_begin(const char *out, size_t len, char *err, size_t errlen,
    struct span *text)
{
	*text = span_make(out, len);
	if (parse_unsupported(out, len, err, errlen))
		return COLL_UNSUPPORTED;
	if (span_trim(*text).n == 0) {
		perr(err, errlen, "empty output");
		return COLL_PARSE_ERROR;
	}
	return COLL_OK;
}

/* qsort order for facts_move_unique: by key, then by position. */
static int
fact_idx_cmp(const void *a, const void *b)
{
	const struct fact	*const *fa = a, *const *fb = b;
	int			 c;

	if ((c = strcmp((*fa)->key, (*fb)->key)) != 0)
		return c;
	return *fa < *fb ? -1 : *fa > *fb;
}

/* Move everything from src to the end of dst, keeping only the last fact
 * of each key (sanitised names can collide; storage wants unique keys).
 * src is left empty. */
void
facts_move_unique(struct facts *dst, struct facts *src)
{
	struct fact	**order;
	size_t		 i;

	if (src->n > 0) {
		order = xreallocarray(NULL, src->n, sizeof *order);
		for (i = 0; i < src->n; i++)
			order[i] = &src->v[i];
		qsort(order, src->n, sizeof *order, fact_idx_cmp);
		for (i = 0; i + 1 < src->n; i++)
			if (strcmp(order[i]->key, order[i + 1]->key) == 0) {
				free(order[i]->value);
				order[i]->value = NULL;
			}
		free(order);
	}
	for (i = 0; i < src->n; i++)
		if (src->v[i].value != NULL)
			facts_add(dst, src->v[i].key, src->v[i].value);
	for (i = 0; i < src->nitems; i++)
		facts_add_item(dst, src->items[i].kind,
		    (const char *const *)src->items[i].f);
	facts_free(src);
}
