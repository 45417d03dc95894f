/* Custom collectors: the output of a command from the config, parsed by
 * one of the modes raw, lines, kv or json into facts "custom.<name>.". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/parse.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* Bounds that keep a hostile output from costing unbounded memory: keys
 * grow with nesting, so both their length and their number are capped. */
#define CUSTOM_MAX_FACTS	10000
#define CUSTOM_MAX_KEY		512
#define JSON_MAX_DEPTH		64

/* One open JSON container. */
struct json_frame {
	char		 kind;		/* '{' or '[' */
	size_t		 pathlen;	/* key length of the container */
	uint64_t	 index;		/* next array index */
};

/* State of the JSON flattener. */
struct json_ctx {
	const char	*start;		/* first byte, for positions */
	const char	*p;		/* next byte */
	const char	*end;		/* one past the last byte */
	struct buf	 path;		/* key of the value being parsed */
	struct buf	 str;		/* last string decoded */
	struct json_frame stack[JSON_MAX_DEPTH];	/* open containers */
	int		 depth;		/* used in stack */
	struct facts	*f;		/* where facts go */
	char		*err;		/* caller's message buffer */
	size_t		 errlen;	/* its size */
};

/* Add one fact under the custom prefix unless the caps are reached. */
static int
custom_add(struct facts *f, const char *key, const char *value, char *err,
    size_t errlen)
{
	if (f->n >= CUSTOM_MAX_FACTS) {
		perr(err, errlen, "more than %d facts", CUSTOM_MAX_FACTS);
		return -1;
	}
	if (strlen(key) > CUSTOM_MAX_KEY) {
		perr(err, errlen, "key longer than %d bytes", CUSTOM_MAX_KEY);
		return -1;
	}
	facts_add(f, key, value);
	return 0;
}

/* raw: the whole output, CRLF folded and trailing white space dropped. */
static enum coll_status
custom_raw(const char *prefix, struct span text, struct facts *f)
{
	struct buf	 b = { NULL, 0, 0 };
	struct lineiter	 it;
	struct span	 line;
	char		*key, *v;

	lines_init(&it, text);
	while (lines_next(&it, &line)) {
		if (b.len > 0)
			buf_append(&b, "\n", 1);
		buf_append(&b, line.s, line.n);
	}
	line = span_make(buf_str(&b), b.len);
	while (line.n > 0 && (line.s[line.n - 1] == '\n' ||
	    line.s[line.n - 1] == ' ' || line.s[line.n - 1] == '\t'))
		line.n--;
	v = span_dup(line);
	xasprintf(&key, "%s.value", prefix);
	facts_add(f, key, v);
	free(key);
	free(v);
	buf_free(&b);
	return COLL_OK;
}

/* lines: .0 .. .N-1 and .count. */
static enum coll_status
custom_lines(const char *prefix, struct span text, struct facts *f,
    char *err, size_t errlen)
{
	struct lineiter	 it;
	struct span	 line;
	size_t		 n = 0;
	char		*key, *v;
	int		 rc = 0;

	lines_init(&it, text);
	while (rc == 0 && lines_next(&it, &line)) {
		xasprintf(&key, "%s.%zu", prefix, n++);
		v = span_dup(line);
		rc = custom_add(f, key, v, err, errlen);
		free(key);
		free(v);
	}
	if (rc != 0)
		return COLL_PARSE_ERROR;
	xasprintf(&key, "%s.count", prefix);
	facts_addf(f, key, "%zu", n);
	free(key);
	return COLL_OK;
}

/* kv: "key=value" or "key: value" per line (whichever separator comes
 * first); blank lines and #comments are skipped, anything else is an
 * error naming the line. */
static enum coll_status
custom_kv(const char *prefix, struct span text, struct facts *f,
    char *err, size_t errlen)
{
	struct lineiter	 it;
	struct span	 line, k, v;
	const char	*eq, *colon;
	size_t		 lineno = 0;
	char		*key, *ks, *vs;
	int		 rc;

	lines_init(&it, text);
	while (lines_next(&it, &line)) {
		lineno++;
		line = span_trim(line);
		if (line.n == 0 || line.s[0] == '#')
			continue;
		eq = memchr(line.s, '=', line.n);
		colon = memchr(line.s, ':', line.n);
		if ((eq == NULL && colon == NULL) ||
		    !span_split(line, eq != NULL && (colon == NULL ||
		    eq < colon) ? '=' : ':', &k, &v) || k.n == 0) {
			perr(err, errlen, "line %zu: expected key=value or "
			    "key: value", lineno);
			return COLL_PARSE_ERROR;
		}
		ks = span_key(k);
		vs = span_dup(v);
		xasprintf(&key, "%s.%s", prefix, ks);
		rc = custom_add(f, key, vs, err, errlen);
		free(key);
		free(ks);
		free(vs);
		if (rc != 0)
			return COLL_PARSE_ERROR;
	}
	return COLL_OK;
}

/* Report a JSON error with the line and column where it happened. */
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
		perr(j->err, j->errlen, "invalid JSON: %s at end of output "
		    "(line %zu, column %zu)", what, line, col);
	else
		perr(j->err, j->errlen, "invalid JSON: %s at line %zu, "
		    "column %zu", what, line, col);
	return -1;
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

/* Append code point cp to b as UTF-8. */
static void
json_utf8(struct buf *b, unsigned cp)
{
	char	 o[4];
	size_t	 n;

	if (cp < 0x80) {
		o[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		o[0] = (char)(0xf0 | cp >> 18);
		o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, o, n);
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
	json_utf8(&j->str, cp);
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

/* Emit the fact for the current path; a top-level scalar is ".value". */
static int
json_emit(struct json_ctx *j, struct span value)
{
	char	*v;
	int	 rc;

	if (j->depth == 0)
		buf_append(&j->path, ".value", 6);
	v = span_dup(value);
	rc = custom_add(j->f, buf_str(&j->path), v, j->err, j->errlen);
	free(v);
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
		return json_emit(j, span_make(buf_str(&j->str), j->str.len));
	}
	for (i = 0; i < sizeof lits / sizeof lits[0]; i++) {
		n = strlen(lits[i]);
		if ((size_t)(j->end - j->p) >= n &&
		    memcmp(j->p, lits[i], n) == 0) {
			j->p += n;
			return json_emit(j, span_make(s, n));
		}
	}
	if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
		if (json_number(j) != 0)
			return -1;
		return json_emit(j, span_make(s, (size_t)(j->p - s)));
	}
	return json_fail(j, "expected a value");
}

/* Open a container at j->p; an empty one is emitted as "{}" or "[]". */
static int
json_open(struct json_ctx *j, int *want_value)
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
		return json_emit(j, span_make(kind == '{' ? "{}" : "[]", 2));
	}
	fr = &j->stack[j->depth++];
	fr->kind = kind;
	fr->pathlen = j->path.len;
	fr->index = 0;
	if (kind == '[') {
		buf_append(&j->path, ".0", 2);
		*want_value = 1;
		return 0;
	}
	*want_value = 2;	/* a member name first */
	return 0;
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
	k = span_key(span_make(buf_str(&j->str), j->str.len));
	buf_printf(&j->path, ".%s", k);
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
	buf_printf(&j->path, ".%llu", (unsigned long long)++fr->index);
	*want_value = 1;
	return 0;
}

/* Flatten one JSON document, without recursion. */
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
				rc = json_open(j, &want);
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

/* json: objects flatten to dotted keys, arrays to .0 .1 ...; scalars keep
 * their text (strings decoded), null is "null". */
static enum coll_status
custom_json(const char *prefix, struct span text, struct facts *f,
    char *err, size_t errlen)
{
	struct json_ctx	*j;
	int		 rc;

	j = xcalloc(1, sizeof *j);
	j->start = j->p = text.s;
	j->end = text.s + text.n;
	j->f = f;
	j->err = err;
	j->errlen = errlen;
	buf_printf(&j->path, "%s", prefix);
	rc = json_run(j);
	buf_free(&j->path);
	buf_free(&j->str);
	free(j);
	return rc == 0 ? COLL_OK : COLL_PARSE_ERROR;
}

/* Parse a custom collector's output into facts under "custom.<name>.".
 * The unsupported marker works here too. Nothing is added on error. */
enum coll_status
collector_parse_custom(const char *name, enum parse_mode mode,
    const char *out, size_t len, struct facts *facts, char *err,
    size_t errlen)
{
	struct facts	 tmp;
	struct span	 text = span_make(out, len);
	enum coll_status st;
	char		*prefix, *k;

	if (collector_is_unsupported(out, len, err, errlen))
		return COLL_UNSUPPORTED;
	memset(&tmp, 0, sizeof tmp);
	k = span_key(span_str(name));
	xasprintf(&prefix, "custom.%s", k);
	free(k);
	switch (mode) {
	case PARSE_RAW:
		st = custom_raw(prefix, text, &tmp);
		break;
	case PARSE_LINES:
		st = custom_lines(prefix, text, &tmp, err, errlen);
		break;
	case PARSE_KV:
		st = custom_kv(prefix, text, &tmp, err, errlen);
		break;
	case PARSE_JSON:
		st = custom_json(prefix, text, &tmp, err, errlen);
		break;
	default:
		perr(err, errlen, "unknown parse mode %d", (int)mode);
		st = COLL_PARSE_ERROR;
		break;
	}
	if (st == COLL_OK)
		facts_move_unique(facts, &tmp);
	facts_free(&tmp);
	free(prefix);
	return st;
}
