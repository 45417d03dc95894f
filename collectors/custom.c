/* Custom collectors: the output of a command from the config, parsed by
 * one of the modes raw, lines, kv or json into facts "custom.<name>.". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/parse.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/xmalloc.h"

/* Bounds that keep a hostile output from costing unbounded memory: keys
 * grow with nesting, so both their length and their number are capped. */
#define CUSTOM_MAX_FACTS	10000
#define CUSTOM_MAX_KEY		512

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

/* One leaf of the JSON flattener: a fact, within the caps. */
static int
custom_json_leaf(void *arg, const char *key, const char *value, char *err,
    size_t errlen)
{
	return custom_add(arg, key, value, err, errlen);
}

/* json: objects flatten to dotted keys, arrays to .0 .1 ...; scalars keep
 * their text (strings decoded), null is "null" (common/json.c). */
static enum coll_status
custom_json(const char *prefix, struct span text, struct facts *f,
    char *err, size_t errlen)
{
	return json_flatten(text.s, text.n, prefix, custom_json_leaf, f, err,
	    errlen) == 0 ? COLL_OK : COLL_PARSE_ERROR;
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

	if (parse_unsupported(out, len, err, errlen))
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
