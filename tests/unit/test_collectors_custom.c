/* Custom collector parse modes: raw, lines, kv and the JSON flattener,
 * including bad, deep, huge and binary input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "common/result.h"
#include "test.h"

/* Parse s with a mode into a fresh facts set; the status. */
static enum coll_status
run(enum parse_mode mode, const char *s, size_t len, struct facts *f,
    char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	err[0] = '\0';
	return collector_parse_custom("t", mode, s, len, f, err, errlen);
}

/* Parse a C string and check one key. */
static void
check(enum parse_mode mode, const char *s, const char *key,
    const char *value)
{
	struct facts	 f;
	char		 err[256];
	enum coll_status st;

	st = run(mode, s, strlen(s), &f, err, sizeof err);
	if (st != COLL_OK)
		fprintf(stderr, "unexpected %s: %s\n", coll_status_str(st),
		    err);
	CHECK(st == COLL_OK);
	if (value == NULL)
		CHECK(facts_get(&f, key) == NULL);
	else
		CHECK_STR(facts_get(&f, key), value);
	facts_free(&f);
}

/* Parse a C string that must fail; err must contain want. */
static void
check_error(enum parse_mode mode, const char *s, const char *want)
{
	struct facts	 f;
	char		 err[256];
	enum coll_status st;

	st = run(mode, s, strlen(s), &f, err, sizeof err);
	CHECK(st == COLL_PARSE_ERROR);
	CHECK(f.n == 0);
	if (strstr(err, want) == NULL)
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, want);
	CHECK(strstr(err, want) != NULL);
	facts_free(&f);
}

/* raw: one fact, CRLF folded, trailing white space gone. */
static void
test_raw(void)
{
	check(PARSE_RAW, "hello\r\nworld\r\n\n", "custom.t.value",
	    "hello\nworld");
	check(PARSE_RAW, "", "custom.t.value", "");
	check(PARSE_RAW, "a\0b\xff", "custom.t.value", "a");
	{
		struct facts	 f;
		char		 err[64];

		CHECK(run(PARSE_RAW, "a\0b\xff", 4, &f, err, sizeof err) ==
		    COLL_OK);
		CHECK_STR(facts_get(&f, "custom.t.value"), "a\xef\xbf\xbd" "b\xff");
		facts_free(&f);
	}
	/* Stored as given: terminal escapes, BEL and bad UTF-8 survive; only
	 * the CLI escapes them when printing. */
	check(PARSE_RAW, "\033]0;t\007\033[31mRED\033[0m \xfe\xff \xc3\xa9",
	    "custom.t.value",
	    "\033]0;t\007\033[31mRED\033[0m \xfe\xff \xc3\xa9");
}

/* lines: .N and .count. */
static void
test_lines(void)
{
	check(PARSE_LINES, "a\nb\r\n\nc", "custom.t.count", "4");
	check(PARSE_LINES, "a\nb\r\n\nc", "custom.t.1", "b");
	check(PARSE_LINES, "a\nb\r\n\nc", "custom.t.2", "");
	check(PARSE_LINES, "a\nb\r\n\nc", "custom.t.3", "c");
	check(PARSE_LINES, "", "custom.t.count", "0");
	check(PARSE_LINES, "x\n", "custom.t.count", "1");
}

/* kv: both separators, comments, sanitised keys, last duplicate wins. */
static void
test_kv(void)
{
	const char	*in = "# comment\nversion=1.2.3\nrole: web server\n"
	    "\n  spaced key  =  v  \nurl=http://x:80/a=b\nversion=2\n";

	check(PARSE_KV, in, "custom.t.version", "2");
	check(PARSE_KV, in, "custom.t.role", "web server");
	check(PARSE_KV, in, "custom.t.spaced_key", "v");
	check(PARSE_KV, in, "custom.t.url", "http://x:80/a=b");
	check(PARSE_KV, "a:b=c\n", "custom.t.a", "b=c");
	check(PARSE_KV, "", "custom.t.x", NULL);
	check_error(PARSE_KV, "ok=1\nno separator here\n", "line 2");
	check_error(PARSE_KV, "=value\n", "line 1");
	{
		struct facts	 f;
		char		 err[64];
		size_t		 i, n = 0;

		CHECK(run(PARSE_KV, in, strlen(in), &f, err, sizeof err) ==
		    COLL_OK);
		for (i = 0; i < f.n; i++)
			if (strcmp(f.v[i].key, "custom.t.version") == 0)
				n++;
		CHECK(n == 1);
		facts_free(&f);
	}
}

/* json: flattening, scalars, escapes, empty containers. */
static void
test_json(void)
{
	const char	*doc = "{ \"app\": {\"name\": \"shop\", \"port\": 8080,"
	    " \"tls\": true, \"peer\": null, \"ratio\": -1.5e3},"
	    " \"tags\": [\"a\", \"b\", {\"x\": 1}], \"empty\": {},"
	    " \"none\": [], \"s\": \"q\\\"\\\\\\/\\n\\u00e9\\ud83d\\ude00\","
	    " \"we ird\": 1 }";

	check(PARSE_JSON, doc, "custom.t.app.name", "shop");
	check(PARSE_JSON, doc, "custom.t.app.port", "8080");
	check(PARSE_JSON, doc, "custom.t.app.tls", "true");
	check(PARSE_JSON, doc, "custom.t.app.peer", "null");
	check(PARSE_JSON, doc, "custom.t.app.ratio", "-1.5e3");
	check(PARSE_JSON, doc, "custom.t.tags.0", "a");
	check(PARSE_JSON, doc, "custom.t.tags.1", "b");
	check(PARSE_JSON, doc, "custom.t.tags.2.x", "1");
	check(PARSE_JSON, doc, "custom.t.empty", "{}");
	check(PARSE_JSON, doc, "custom.t.none", "[]");
	check(PARSE_JSON, doc, "custom.t.s",
	    "q\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
	check(PARSE_JSON, doc, "custom.t.we_ird", "1");
	check(PARSE_JSON, "42", "custom.t.value", "42");
	check(PARSE_JSON, " \"x\" \r\n", "custom.t.value", "x");
	check(PARSE_JSON, "[[1,2],[3]]", "custom.t.1.0", "3");
	check(PARSE_JSON, "{}", "custom.t.value", NULL);
	check(PARSE_JSON, "{\"a\":1,\"a\":2}", "custom.t.a", "2");
	check(PARSE_JSON, "{\"a\":\"\\u0000\"}", "custom.t.a", "\xef\xbf\xbd");
	check(PARSE_JSON, "{\"a\":\"\\u001b[1m\"}", "custom.t.a", "\033[1m");
}

/* json errors say what and where. */
static void
test_json_errors(void)
{
	check_error(PARSE_JSON, "", "expected a value");
	check_error(PARSE_JSON, "{\"a\":1,}", "expected a member name");
	check_error(PARSE_JSON, "{\"a\":1", "end of output");
	check_error(PARSE_JSON, "[1,]", "expected a value");
	check_error(PARSE_JSON, "[1 2]", "expected ',' or ']'");
	check_error(PARSE_JSON, "{\"a\" 1}", "expected ':'");
	check_error(PARSE_JSON, "{\n  \"a\": tru\n}", "line 2, column 8");
	check_error(PARSE_JSON, "01", "trailing data");
	check_error(PARSE_JSON, "1.", "bad fraction");
	check_error(PARSE_JSON, "1e", "bad exponent");
	check_error(PARSE_JSON, "\"abc", "unterminated string");
	check_error(PARSE_JSON, "\"a\tb\"", "control character");
	check_error(PARSE_JSON, "\"\\x\"", "bad escape");
	check_error(PARSE_JSON, "\"\\u12\"", "bad \\u escape");
	check_error(PARSE_JSON, "\"\\ud800\"", "lone surrogate");
	check_error(PARSE_JSON, "\"\\udc00\"", "lone surrogate");
	check_error(PARSE_JSON, "{} {}", "trailing data");
	check_error(PARSE_JSON, "nul", "expected a value");
	{
		struct facts	 f;
		char		 err[256];

		CHECK(run(PARSE_JSON, "{\"a\":1}\0x", 9, &f, err,
		    sizeof err) == COLL_PARSE_ERROR);
		CHECK(strstr(err, "trailing data") != NULL);
		facts_free(&f);
	}
}

/* Nesting: 64 levels parse, 65 are refused; caps on facts and keys. */
static void
test_json_limits(void)
{
	struct facts	 f;
	char		 err[256], *s, key[512];
	size_t		 i, n;
	enum coll_status st;

	s = malloc(1000);
	for (n = 64; n <= 65; n++) {
		for (i = 0; i < n; i++)
			s[i] = '[';
		s[n] = '1';
		for (i = 0; i < n; i++)
			s[n + 1 + i] = ']';
		s[2 * n + 1] = '\0';
		st = run(PARSE_JSON, s, strlen(s), &f, err, sizeof err);
		CHECK(st == (n == 64 ? COLL_OK : COLL_PARSE_ERROR));
		if (n == 65)
			CHECK(strstr(err, "deeper than 64") != NULL);
		else {
			strcpy(key, "custom.t");
			for (i = 0; i < n; i++)
				strcat(key, ".0");
			CHECK_STR(facts_get(&f, key), "1");
		}
		facts_free(&f);
	}
	free(s);
	/* Far more values than the cap: refused, nothing kept. */
	n = 30000;
	s = malloc(2 * n + 3);
	s[0] = '[';
	for (i = 0; i < n; i++) {
		s[1 + 2 * i] = '1';
		s[2 + 2 * i] = ',';
	}
	s[2 * n] = ']';
	s[2 * n + 1] = '\0';
	st = run(PARSE_JSON, s, strlen(s), &f, err, sizeof err);
	CHECK(st == COLL_PARSE_ERROR && f.n == 0);
	CHECK(strstr(err, "more than") != NULL);
	facts_free(&f);
	free(s);
	/* Long keys nested deep: the key cap stops them. */
	s = malloc(64 * 260 + 100);
	s[0] = '\0';
	for (i = 0; i < 20; i++) {
		strcat(s, "{\"");
		memset(key, 'k', 250);
		key[250] = '\0';
		strcat(s, key);
		strcat(s, "\":");
	}
	strcat(s, "1");
	for (i = 0; i < 20; i++)
		strcat(s, "}");
	st = run(PARSE_JSON, s, strlen(s), &f, err, sizeof err);
	CHECK(st == COLL_PARSE_ERROR && strstr(err, "key longer") != NULL);
	facts_free(&f);
	free(s);
}

/* Random bytes and random JSON-ish tokens never crash any mode. */
static void
test_garbage(void)
{
	static const char *const toks[] = {
		"{", "}", "[", "]", ",", ":", "\"a\"", "1", "-", "\\u",
		"\"", "true", " ", "\n", "\xff", "e", ".",
	};
	static const enum parse_mode modes[] = {
		PARSE_RAW, PARSE_LINES, PARSE_KV, PARSE_JSON,
	};
	struct facts	 f;
	char		 buf[512], err[256];
	uint32_t	 rng = 99;
	size_t		 len, i, m, t;
	enum coll_status st;
	int		 bad = 0;

	for (i = 0; i < 4000; i++) {
		len = 0;
		while (len < sizeof buf - 8) {
			rng = rng * 1103515245 + 12345;
			if ((rng >> 16) % 40 == 0)
				break;
			if (i % 2) {
				buf[len++] = (char)(rng >> 8);
				continue;
			}
			t = (rng >> 8) % (sizeof toks / sizeof toks[0]);
			memcpy(buf + len, toks[t], strlen(toks[t]));
			len += strlen(toks[t]);
		}
		buf[len] = '\0';
		for (m = 0; m < 4; m++) {
			st = run(modes[m], buf, len, &f, err, sizeof err);
			if (st != COLL_OK && !(st == COLL_PARSE_ERROR &&
			    err[0] != '\0') && st != COLL_UNSUPPORTED)
				bad++;
			facts_free(&f);
		}
	}
	CHECK(bad == 0);
}

/* The unsupported marker and unknown modes. */
static void
test_misc(void)
{
	struct facts	 f;
	char		 err[256];
	const char	*s = "@rollcall-unsupported no tool\n";

	CHECK(run(PARSE_JSON, s, strlen(s), &f, err, sizeof err) ==
	    COLL_UNSUPPORTED);
	CHECK_STR(err, "no tool");
	facts_free(&f);
	CHECK(run((enum parse_mode)42, "x", 1, &f, err, sizeof err) ==
	    COLL_PARSE_ERROR);
	facts_free(&f);
	memset(&f, 0, sizeof f);
	CHECK(collector_parse_custom("we/ird name", PARSE_RAW, "v", 1, &f,
	    err, sizeof err) == COLL_OK);
	CHECK_STR(facts_get(&f, "custom.we_ird_name.value"), "v");
	facts_free(&f);
}

/* Run every test; the exit status says whether all passed. */
int
main(void)
{
	test_raw();
	test_lines();
	test_kv();
	test_json();
	test_json_errors();
	test_json_limits();
	test_garbage();
	test_misc();
	TEST_MAIN_END();
}
