/* JSON writer and flattening reader (see json.h). The reader is fed what
 * hosts print (custom collectors), so it is iterative with a fixed depth,
 * checks every byte against the end, and reports line and column. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/utf8.h"
#include "common/xmalloc.h"

/* Longest member name kept in a path; longer names are cut. */
#define JSON_KEY_MAX	200

/* ---- writer ---------------------------------------------------------- */

/* Start a JSON text on fp. */
void
json_writer_init(struct json_writer *w, FILE *fp)
{
	memset(w, 0, sizeof *w);
	w->fp = fp;
}

/* Before any value or key: the comma that separates it from the last. */
static void
json_sep(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->nvalues[w->depth]++ > 0)
		fputc(',', w->fp);
}

/* Open a container; deeper than JSON_MAX_DEPTH is a broken invariant. */
static void
json_open(struct json_writer *w, int c)
{
	json_sep(w);
	if (w->depth == JSON_MAX_DEPTH)
		abort();
	fputc(c, w->fp);
	w->nvalues[++w->depth] = 0;
}

/* Close the innermost container. */
static void
json_close(struct json_writer *w, int c)
{
	if (w->depth == 0)
		abort();
	w->depth--;
	fputc(c, w->fp);
}

/* An object: members follow as json_key() + value. */
void
json_object_open(struct json_writer *w)
{
	json_open(w, '{');
}

/* End of the innermost object. */
void
json_object_close(struct json_writer *w)
{
	json_close(w, '}');
}

/* An array: values follow. */
void
json_array_open(struct json_writer *w)
{
	json_open(w, '[');
}

/* End of the innermost array. */
void
json_array_close(struct json_writer *w)
{
	json_close(w, ']');
}

/* A member name; the next value call writes its value. */
void
json_key(struct json_writer *w, const char *k)
{
	json_sep(w);
	json_write_string(w->fp, k);
	fputc(':', w->fp);
	w->after_key = 1;
}

/* A string value, NULL as null. */
void
json_str(struct json_writer *w, const char *s)
{
	json_sep(w);
	if (s == NULL)
		fputs("null", w->fp);
	else
		json_write_string(w->fp, s);
}

/* A signed integer. */
void
json_int(struct json_writer *w, long long v)
{
	json_sep(w);
	fprintf(w->fp, "%lld", v);
}

/* An unsigned integer. */
void
json_uint(struct json_writer *w, unsigned long long v)
{
	json_sep(w);
	fprintf(w->fp, "%llu", v);
}

/* A number with fixed decimals. */
void
json_fixed(struct json_writer *w, double v, int decimals)
{
	json_sep(w);
	fprintf(w->fp, "%.*f", decimals, v);
}

/* true or false. */
void
json_bool(struct json_writer *w, int v)
{
	json_sep(w);
	fputs(v ? "true" : "false", w->fp);
}

/* null. */
void
json_null(struct json_writer *w)
{
	json_sep(w);
	fputs("null", w->fp);
}

/* "key":"string" (NULL as null). */
void
json_kv_str(struct json_writer *w, const char *key, const char *v)
{
	json_key(w, key);
	json_str(w, v);
}

/* "key":integer. */
void
json_kv_int(struct json_writer *w, const char *key, long long v)
{
	json_key(w, key);
	json_int(w, v);
}

/* "key":unsigned integer. */
void
json_kv_uint(struct json_writer *w, const char *key, unsigned long long v)
{
	json_key(w, key);
	json_uint(w, v);
}

/* "key":true or false. */
void
json_kv_bool(struct json_writer *w, const char *key, int v)
{
	json_key(w, key);
	json_bool(w, v);
}

/* The short escape of a byte, or NULL when it has none. */
static const char *
json_short_escape(unsigned char c)
{
	switch (c) {
	case '"':	return "\\\"";
	case '\\':	return "\\\\";
	case '\b':	return "\\b";
	case '\f':	return "\\f";
	case '\n':	return "\\n";
	case '\r':	return "\\r";
	case '\t':	return "\\t";
	}
	return NULL;
}

/* A JSON string literal; invalid UTF-8 becomes U+FFFD. */
void
json_write_string(FILE *fp, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const char		*esc;
	uint32_t		 cp;
	size_t			 n;

	fputc('"', fp);
	while (p != NULL && *p != '\0') {
		/* a run of printable ASCII needing no escape: one write */
		for (n = 0; p[n] >= 0x20 && p[n] < 0x7f && p[n] != '"' &&
		    p[n] != '\\'; n++)
			;
		if (n > 0) {
			fwrite(p, 1, n, fp);
			p += n;
			continue;
		}
		if ((esc = json_short_escape(*p)) != NULL) {
			fputs(esc, fp);
			p++;
		} else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\u%04x", *p++);
		else if ((n = utf8_decode(p, &cp)) == 0) {
			fputs("\\ufffd", fp);
			p++;
		} else {
			if (utf8_unsafe(cp))
				fprintf(fp, "\\u%04x", (unsigned)cp);
			else
				fwrite(p, 1, n, fp);
			p += n;
		}
	}
	fputc('"', fp);
}

/* Skip a run of digits in a C string; how many there were. */
static size_t
json_skip_digits(const char **p)
{
	size_t	 n = strspn(*p, "0123456789");

	*p += n;
	return n;
}

/* Is s a number in JSON's grammar? */
int
json_number_ok(const char *s)
{
	const char	*p = s;

	if (*p == '-')
		p++;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return 0;
	if (json_skip_digits(&p) == 0)
		return 0;
	if (*p == '.') {
		p++;
		if (json_skip_digits(&p) == 0)
			return 0;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (json_skip_digits(&p) == 0)
			return 0;
	}
	return *p == '\0';
}

/* ---- reader ---------------------------------------------------------- */

/* One open container. */
struct json_frame {
	char		 kind;		/* '{' or '[' */
	size_t		 pathlen;	/* key length of the container */
	uint64_t	 index;		/* next array index */
};

/* State of the flattener. */
struct json_ctx {
	const char	*start;		/* first byte, for positions */
	const char	*p;		/* next byte */
	const char	*end;		/* one past the last byte */
	struct buf	 path;		/* key of the value being parsed */
	struct buf	 str;		/* last string decoded */
	struct json_frame stack[JSON_MAX_DEPTH];	/* open containers */
	int		 depth;		/* used in stack */
	json_leaf_cb	 cb;		/* where leaves go */
	void		*arg;		/* the callback's */
	char		*err;		/* caller's message buffer */
	size_t		 errlen;	/* its size */
};

/* Report an error with the line and column where it happened. */
static int
json_fail(struct json_ctx *j, const char *what)
{
	const char	*q;
	size_t		 line = 1, col = 1;

	for (q = j->start; q < j->p && q < j->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	if (j->p >= j->end)
		snprintf(j->err, j->errlen, "invalid JSON: %s at end of output "
		    "(line %zu, column %zu)", what, line, col);
	else
		snprintf(j->err, j->errlen, "invalid JSON: %s at line %zu, "
		    "column %zu", what, line, col);
	return -1;
}

/* Append one path component: ".part", without the dot at the start. */
static void
json_path_add(struct json_ctx *j, const char *fmt, ...)
{
	va_list	 ap;
	char	*part;

	va_start(ap, fmt);
	xvasprintf(&part, fmt, ap);
	va_end(ap);
	buf_printf(&j->path, "%s%s", j->path.len > 0 ? "." : "", part);
	free(part);
}

/* Skip JSON white space. */
static void
json_ws(struct json_ctx *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Value of one hex digit, or -1. */
static int
json_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read four hex digits of a \u escape. */
static int
json_u4(struct json_ctx *j, unsigned *cp)
{
	int	 i, h;

	*cp = 0;
	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = json_hex(j->p[i])) < 0)
			return -1;
		*cp = *cp << 4 | (unsigned)h;
	}
	j->p += 4;
	return 0;
}

/* Decode the escape after a backslash into j->str. */
static int
json_escape(struct json_ctx *j)
{
	static const char	 from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*c;
	unsigned		 cp, lo;

	if (j->p >= j->end)
		return json_fail(j, "unterminated escape");
	if (*j->p != 'u') {
		if (*j->p == '\0' || (c = strchr(from, *j->p)) == NULL)
			return json_fail(j, "bad escape");
		buf_append(&j->str, &to[c - from], 1);
		j->p++;
		return 0;
	}
	j->p++;
	if (json_u4(j, &cp) != 0)
		return json_fail(j, "bad \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
			return json_fail(j, "lone surrogate");
		j->p += 2;
		if (json_u4(j, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
			return json_fail(j, "bad surrogate pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp <= 0xdfff)
		return json_fail(j, "lone surrogate");
	utf8_encode(&j->str, cp);
	return 0;
}

/* Read a string (at the opening quote) into j->str. */
static int
json_string(struct json_ctx *j)
{
	buf_reset(&j->str);
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return json_fail(j, "control character in string");
		if (*j->p == '\\') {
			j->p++;
			if (json_escape(j) != 0)
				return -1;
			continue;
		}
		buf_append(&j->str, j->p++, 1);
	}
	if (j->p >= j->end)
		return json_fail(j, "unterminated string");
	j->p++;
	return 0;
}

/* Skip a run of digits; how many there were. */
static size_t
json_digits(struct json_ctx *j)
{
	const char	*s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return (size_t)(j->p - s);
}

/* Check a number's grammar; its text is kept as the value. */
static int
json_number(struct json_ctx *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (json_digits(j) == 0)
		return json_fail(j, "bad number");
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (json_digits(j) == 0)
			return json_fail(j, "bad fraction");
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (json_digits(j) == 0)
			return json_fail(j, "bad exponent");
	}
	return 0;
}

/* Hand the leaf at the current path to the callback; a top-level scalar
 * is ".value". A decoded NUL (\u0000) becomes U+FFFD: values are C
 * strings, and a NUL must not cut one short silently. */
static int
json_emit(struct json_ctx *j, const char *s, size_t n)
{
	struct buf	 v = { 0 };
	size_t		 i;
	int		 rc;

	if (j->depth == 0)
		json_path_add(j, "value");
	for (i = 0; i < n; i++) {
		if (s[i] == '\0')
			utf8_encode(&v, 0xfffd);
		else
			buf_append(&v, &s[i], 1);
	}
	rc = j->cb(j->arg, buf_str(&j->path), buf_str(&v), j->err, j->errlen);
	buf_free(&v);
	return rc;
}

/* Parse a scalar at j->p and emit it. */
static int
json_scalar(struct json_ctx *j)
{
	static const char *const lits[] = { "true", "false", "null" };
	const char	*s = j->p;
	size_t		 i, n;

	if (*j->p == '"') {
		if (json_string(j) != 0)
			return -1;
		return json_emit(j, buf_str(&j->str), j->str.len);
	}
	for (i = 0; i < sizeof lits / sizeof lits[0]; i++) {
		n = strlen(lits[i]);
		if ((size_t)(j->end - j->p) >= n &&
		    memcmp(j->p, lits[i], n) == 0) {
			j->p += n;
			return json_emit(j, s, n);
		}
	}
	if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
		if (json_number(j) != 0)
			return -1;
		return json_emit(j, s, (size_t)(j->p - s));
	}
	return json_fail(j, "expected a value");
}

/* Open a container at j->p; an empty one is emitted as "{}" or "[]". */
static int
json_container(struct json_ctx *j, int *want_value)
{
	struct json_frame	*fr;
	char			 kind = *j->p, close = kind == '{' ? '}' : ']';

	if (j->depth == JSON_MAX_DEPTH)
		return json_fail(j, "nesting deeper than 64");
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		*want_value = 0;
		if (j->depth == 0)
			return 0;
		return json_emit(j, kind == '{' ? "{}" : "[]", 2);
	}
	fr = &j->stack[j->depth++];
	fr->kind = kind;
	fr->pathlen = j->path.len;
	fr->index = 0;
	if (kind == '[') {
		json_path_add(j, "0");
		*want_value = 1;
		return 0;
	}
	*want_value = 2;	/* a member name first */
	return 0;
}

/* A member name usable in a path: [A-Za-z0-9_.-], others become '_', at
 * most JSON_KEY_MAX bytes, never empty (the rule of fact keys). */
static char *
json_key_part(const char *s, size_t len)
{
	char	*out;
	size_t	 i, n = len > JSON_KEY_MAX ? JSON_KEY_MAX : len;
	char	 c;

	out = xmalloc(n + 2);
	for (i = 0; i < n; i++) {
		c = s[i];
		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-' ? c : '_';
	}
	if (n == 0)
		out[n++] = '_';
	out[n] = '\0';
	return out;
}

/* Read "name": of an object member and extend the path with it. */
static int
json_member(struct json_ctx *j)
{
	struct json_frame	*fr = &j->stack[j->depth - 1];
	char			*k;

	json_ws(j);
	if (j->p >= j->end || *j->p != '"')
		return json_fail(j, "expected a member name");
	if (json_string(j) != 0)
		return -1;
	json_ws(j);
	if (j->p >= j->end || *j->p != ':')
		return json_fail(j, "expected ':'");
	j->p++;
	j->path.len = fr->pathlen;
	k = json_key_part(buf_str(&j->str), j->str.len);
	json_path_add(j, "%s", k);
	free(k);
	return 0;
}

/* After a value: ',' or the closing bracket of the open container.
 * Sets *want_value to what comes next (0 = still after a value). */
static int
json_after(struct json_ctx *j, int *want_value)
{
	struct json_frame	*fr = &j->stack[j->depth - 1];
	char			 close = fr->kind == '{' ? '}' : ']';

	json_ws(j);
	if (j->p >= j->end)
		return json_fail(j, "unexpected end");
	if (*j->p == close) {
		j->p++;
		j->path.len = fr->pathlen;
		j->depth--;
		*want_value = 0;
		return 0;
	}
	if (*j->p != ',')
		return json_fail(j, fr->kind == '{' ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	j->p++;
	if (fr->kind == '{') {
		*want_value = 2;
		return 0;
	}
	j->path.len = fr->pathlen;
	json_path_add(j, "%llu", (unsigned long long)++fr->index);
	*want_value = 1;
	return 0;
}

/* Walk one document, without recursion. */
static int
json_run(struct json_ctx *j)
{
	int	 want = 1, rc = 0;

	while (rc == 0) {
		if (want == 2) {
			if ((rc = json_member(j)) != 0)
				break;
			want = 1;
		}
		if (want == 1) {
			json_ws(j);
			if (j->p >= j->end)
				return json_fail(j, "expected a value");
			if (*j->p == '{' || *j->p == '[')
				rc = json_container(j, &want);
			else {
				rc = json_scalar(j);
				want = 0;
			}
			continue;
		}
		if (j->depth == 0)
			break;
		rc = json_after(j, &want);
	}
	if (rc != 0)
		return rc;
	json_ws(j);
	if (j->p < j->end)
		return json_fail(j, "trailing data after the document");
	return 0;
}

/* Flatten one document into (path, value) calls. */
int
json_flatten(const char *text, size_t len, const char *prefix,
    json_leaf_cb cb, void *arg, char *err, size_t errlen)
{
	struct json_ctx	*j;
	int		 rc;

	j = xcalloc(1, sizeof *j);
	j->start = j->p = text != NULL ? text : "";
	j->end = j->start + (text != NULL ? len : 0);
	j->cb = cb;
	j->arg = arg;
	j->err = err;
	j->errlen = errlen;
	buf_printf(&j->path, "%s", prefix != NULL ? prefix : "");
	rc = json_run(j);
	buf_free(&j->path);
	buf_free(&j->str);
	free(j);
	return rc;
}
