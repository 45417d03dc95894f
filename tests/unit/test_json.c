/* common/json: the writer's escaping (control characters, invalid UTF-8,
 * code points a terminal acts on), nesting and commas, the number check,
 * and the flattening reader: paths, decoding, errors with line and column,
 * the depth bound, and a round trip writer -> reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/result.h"
#include "test.h"

#define CHECK_FREE(call, want) do {					\
	char *got_ = (call);						\
	CHECK_STR(got_, want);						\
	free(got_);							\
} while (0)

/* A string literal as json_write_string() writes it. Caller frees. */
static char *
lit(const char *s)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&out, &len);
	json_write_string(fp, s);
	fclose(fp);
	return out;
}

/* Escaping rules one by one. */
static void
test_escapes(void)
{
	CHECK_FREE(lit("a\"b\\c"), "\"a\\\"b\\\\c\"");
	CHECK_FREE(lit("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
	CHECK_FREE(lit("\x01\x1b\x1f\x7f"), "\"\\u0001\\u001b\\u001f\\u007f\"");
	CHECK_FREE(lit("caf\xc3\xa9 \xf0\x9f\x99\x82"),
	    "\"caf\xc3\xa9 \xf0\x9f\x99\x82\"");
	/* Invalid UTF-8 (stray byte, truncated, overlong, surrogate). */
	CHECK_FREE(lit("x\xffy\xe2\x82"), "\"x\\ufffdy\\ufffd\\ufffd\"");
	CHECK_FREE(lit("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	CHECK_FREE(lit("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	/* C1 control and a bidi override: escaped, not passed through. */
	CHECK_FREE(lit("\xc2\x9b" "2J"), "\"\\u009b2J\"");
	CHECK_FREE(lit("x\xe2\x80\xaey"), "\"x\\u202ey\"");
	CHECK_FREE(lit(""), "\"\"");
	CHECK_FREE(lit(NULL), "\"\"");
}

/* JSON's number grammar, as --json output relies on it. */
static void
test_numbers(void)
{
	CHECK(json_number_ok("0"));
	CHECK(json_number_ok("-12"));
	CHECK(json_number_ok("3.25"));
	CHECK(json_number_ok("1e10"));
	CHECK(json_number_ok("-1.5E-3"));
	CHECK(!json_number_ok(""));
	CHECK(!json_number_ok("-"));
	CHECK(!json_number_ok("01"));
	CHECK(!json_number_ok("1."));
	CHECK(!json_number_ok(".5"));
	CHECK(!json_number_ok("1e"));
	CHECK(!json_number_ok("Inf"));
	CHECK(!json_number_ok("NaN"));
	CHECK(!json_number_ok("12 "));
}

/* A nested document through the writer; commas and keys in place. */
static char *
write_doc(void)
{
	struct json_writer	 w;
	char			*out = NULL;
	size_t			 len = 0;
	FILE			*fp;

	fp = open_memstream(&out, &len);
	json_writer_init(&w, fp);
	json_object_open(&w);
	json_key(&w, "name");
	json_str(&w, "db-07 \"primary\"\n");
	json_key(&w, "n");
	json_int(&w, -3);
	json_key(&w, "big");
	json_uint(&w, 18446744073709551615ULL);
	json_key(&w, "ms");
	json_fixed(&w, 1.25, 3);
	json_key(&w, "ok");
	json_bool(&w, 1);
	json_key(&w, "none");
	json_null(&w);
	json_key(&w, "list");
	json_array_open(&w);
	json_str(&w, "a");
	json_object_open(&w);
	json_key(&w, "k");
	json_str(&w, NULL);
	json_object_close(&w);
	json_array_open(&w);
	json_array_close(&w);
	json_array_close(&w);
	json_key(&w, "empty");
	json_object_open(&w);
	json_object_close(&w);
	json_object_close(&w);
	fclose(fp);
	return out;
}

/* The writer's output, byte for byte. */
static void
test_writer(void)
{
	CHECK_FREE(write_doc(),
	    "{\"name\":\"db-07 \\\"primary\\\"\\n\",\"n\":-3,"
	    "\"big\":18446744073709551615,\"ms\":1.250,\"ok\":true,"
	    "\"none\":null,\"list\":[\"a\",{\"k\":null},[]],\"empty\":{}}");
}

/* Leaves collected by the reader. */
static int
leaf(void *arg, const char *path, const char *value, char *err,
    size_t errlen)
{
	facts_add(arg, path, value);
	return 0;
}

/* Flatten text; the facts, or NULL with err filled. */
static struct facts *
flat(const char *text, const char *prefix, char *err, size_t errlen)
{
	struct facts	*f = calloc(1, sizeof *f);

	if (json_flatten(text, strlen(text), prefix, leaf, f, err,
	    errlen) == 0)
		return f;
	facts_free(f);
	free(f);
	return NULL;
}

/* Free what flat() returned. */
static void
flat_free(struct facts *f)
{
	if (f != NULL)
		facts_free(f);
	free(f);
}

/* Write a document, read it back: every value where it was written. */
static void
test_round_trip(void)
{
	struct facts	*f;
	char		*doc = write_doc(), err[256];

	f = flat(doc, "", err, sizeof err);
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK_STR(facts_get(f, "name"), "db-07 \"primary\"\n");
		CHECK_STR(facts_get(f, "n"), "-3");
		CHECK_STR(facts_get(f, "big"), "18446744073709551615");
		CHECK_STR(facts_get(f, "ms"), "1.250");
		CHECK_STR(facts_get(f, "ok"), "true");
		CHECK_STR(facts_get(f, "none"), "null");
		CHECK_STR(facts_get(f, "list.0"), "a");
		CHECK_STR(facts_get(f, "list.1.k"), "null");
		CHECK_STR(facts_get(f, "list.2"), "[]");
		CHECK_STR(facts_get(f, "empty"), "{}");
		CHECK(f->n == 10);
	}
	flat_free(f);
	free(doc);
}

/* Paths with a prefix, decoding, odd member names, top-level scalars. */
static void
test_reader(void)
{
	struct facts	*f;
	char		 err[256];

	f = flat("{\"a b\":{\"c\":[1,\"\\u00e9\\ud83d\\ude42\"]},\"\":2}",
	    "custom.x", err, sizeof err);
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK_STR(facts_get(f, "custom.x.a_b.c.0"), "1");
		CHECK_STR(facts_get(f, "custom.x.a_b.c.1"),
		    "\xc3\xa9\xf0\x9f\x99\x82");
		CHECK_STR(facts_get(f, "custom.x._"), "2");
	}
	flat_free(f);
	f = flat(" \"x\\u0000y\" ", "", err, sizeof err);
	CHECK(f != NULL && f->n == 1);
	if (f != NULL)
		CHECK_STR(facts_get(f, "value"), "x\xef\xbf\xbdy");
	flat_free(f);
	f = flat("[true, false]", "p", err, sizeof err);
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK_STR(facts_get(f, "p.0"), "true");
		CHECK_STR(facts_get(f, "p.1"), "false");
	}
	flat_free(f);
}

/* Bad documents: refused, with what and where. */
static void
test_reader_errors(void)
{
	struct facts	*f;
	char		 err[256], deep[200];

	CHECK((f = flat("{\"a\":1,\n  \"b\" 2}", "", err, sizeof err)) ==
	    NULL);
	CHECK(strstr(err, "expected ':' at line 2, column 7") != NULL);
	flat_free(f);
	CHECK((f = flat("[1,2", "", err, sizeof err)) == NULL);
	CHECK(strstr(err, "at end of output") != NULL);
	flat_free(f);
	CHECK((f = flat("\"a\nb\"", "", err, sizeof err)) == NULL);
	CHECK(strstr(err, "control character in string") != NULL);
	flat_free(f);
	CHECK((f = flat("\"\\ud800\"", "", err, sizeof err)) == NULL);
	CHECK(strstr(err, "lone surrogate") != NULL);
	flat_free(f);
	CHECK((f = flat("01", "", err, sizeof err)) == NULL);
	CHECK(strstr(err, "trailing data") != NULL);
	flat_free(f);
	CHECK((f = flat("", "", err, sizeof err)) == NULL);
	CHECK(strstr(err, "expected a value") != NULL);
	flat_free(f);
	memset(deep, '[', sizeof deep - 1);
	deep[sizeof deep - 1] = '\0';
	CHECK((f = flat(deep, "", err, sizeof err)) == NULL);
	CHECK(strstr(err, "nesting deeper than 64") != NULL);
	flat_free(f);
}

int
main(void)
{
	test_escapes();
	test_numbers();
	test_writer();
	test_round_trip();
	test_reader();
	test_reader_errors();
	TEST_MAIN_END();
}
