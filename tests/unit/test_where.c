/* --where filters: parsing KEY OP VALUE, sizes with K/M/G/T, and matching
 * (numeric when both sides are numbers, glob, text, version-like order). */
#include <stdio.h>
#include <string.h>

#include "storage/where.h"
#include "test.h"

/* Parse s and render it back as "key|op|value", or "ERR". */
static const char *
parsed(const char *s)
{
	static char	 out[256];
	struct where	 w;
	char		 err[256];

	if (where_parse(s, &w, err, sizeof err) == -1) {
		snprintf(out, sizeof out, "ERR");
		return out;
	}
	snprintf(out, sizeof out, "%s|%s|%s", w.key, where_op_str(w.op),
	    w.value);
	where_free(&w);
	return out;
}

/* Parsing: every operator, blanks, errors. */
static void
test_parse(void)
{
	struct where	 w;
	char		 err[256];
	enum where_op	 op;

	CHECK_STR(parsed("os.id=debian"), "os.id|=|debian");
	CHECK_STR(parsed("os.id==debian"), "os.id|=|debian");
	CHECK_STR(parsed("os.id!=debian"), "os.id|!=|debian");
	CHECK_STR(parsed("memory.total_bytes>8G"), "memory.total_bytes|>|8G");
	CHECK_STR(parsed("memory.total_bytes>=8G"),
	    "memory.total_bytes|>=|8G");
	CHECK_STR(parsed("uptime.load1<0.5"), "uptime.load1|<|0.5");
	CHECK_STR(parsed("uptime.load1<=0.5"), "uptime.load1|<=|0.5");
	CHECK_STR(parsed("kernel.release~6.1.*"), "kernel.release|~|6.1.*");
	CHECK_STR(parsed("  os.id = debian"), "os.id|=|debian");
	CHECK_STR(parsed("os.pretty_name=Debian GNU/Linux 12 (bookworm)"),
	    "os.pretty_name|=|Debian GNU/Linux 12 (bookworm)");
	CHECK_STR(parsed("custom.app-x.version>=2"),
	    "custom.app-x.version|>=|2");
	CHECK_STR(parsed("os.id="), "os.id|=|");
	CHECK_STR(parsed("a=b=c"), "a|=|b=c");
	CHECK_STR(parsed("os.id<>debian"), "os.id|<|>debian");
	CHECK_STR(parsed("=debian"), "ERR");
	CHECK_STR(parsed(""), "ERR");
	CHECK_STR(parsed("os.id"), "ERR");
	CHECK_STR(parsed("os.id debian"), "ERR");
	CHECK_STR(parsed("os id=debian"), "ERR");
	CHECK_STR(parsed("os;id=x"), "ERR");
	CHECK(where_parse("os.id debian", &w, err, sizeof err) == -1);
	CHECK(strstr(err, "expected one of = != < <= > >= ~") != NULL);
	CHECK(where_op_parse("<=3", &op) == 2 && op == WOP_LE);
	CHECK(where_op_parse("3", &op) == 0);
	CHECK(where_op_from_str("~") == WOP_GLOB);
	CHECK(where_op_from_str("<>") == -1);
	CHECK(where_op_from_str(NULL) == -1);
}

/* Numbers and size suffixes. */
static void
test_number(void)
{
	double	 v = 0;

	CHECK(where_number("8G", &v) == 0 && v == 8589934592.0);
	CHECK(where_number("8g", &v) == 0 && v == 8589934592.0);
	CHECK(where_number("1K", &v) == 0 && v == 1024.0);
	CHECK(where_number("1.5M", &v) == 0 && v == 1572864.0);
	CHECK(where_number("2T", &v) == 0 && v == 2199023255552.0);
	CHECK(where_number("-3", &v) == 0 && v == -3.0);
	CHECK(where_number("0.52", &v) == 0 && v == 0.52);
	CHECK(where_number("42", &v) == 0 && v == 42.0);
	CHECK(where_number("", &v) == -1);
	CHECK(where_number("G", &v) == -1);
	CHECK(where_number("8GB", &v) == -1);
	CHECK(where_number("8P", &v) == -1);
	CHECK(where_number("0x10", &v) == -1);
	CHECK(where_number("inf", &v) == -1);
	CHECK(where_number("nan", &v) == -1);
	CHECK(where_number("1e3", &v) == -1);
	CHECK(where_number("6.1.0", &v) == -1);
	CHECK(where_number(" 1", &v) == -1);
	CHECK(where_number(NULL, &v) == -1);
}

/* Matching. */
static void
test_match(void)
{
	CHECK(where_match("16777216000", WOP_GT, "8G"));
	CHECK(!where_match("4294967296", WOP_GT, "8G"));
	CHECK(where_match("8589934592", WOP_EQ, "8G"));
	CHECK(where_match("8589934592", WOP_GE, "8G"));
	CHECK(where_match("10", WOP_GT, "9"));		/* not text order */
	CHECK(where_match("0.5", WOP_LT, "1"));
	CHECK(where_match("1.0", WOP_EQ, "1"));		/* numerically */
	CHECK(where_match("debian", WOP_EQ, "debian"));
	CHECK(!where_match("debian", WOP_EQ, "Debian"));
	CHECK(where_match("rocky", WOP_NE, "debian"));
	CHECK(!where_match("debian", WOP_NE, "debian"));
	CHECK(where_match("6.1.0-18-amd64", WOP_GLOB, "6.1.*"));
	CHECK(!where_match("5.10.0", WOP_GLOB, "6.1.*"));
	CHECK(where_match("web01", WOP_GLOB, "web0[0-9]"));
	CHECK(where_match("8G", WOP_GLOB, "8?"));	/* glob is text */
	CHECK(where_match("6.10.3", WOP_GT, "6.9"));	/* version-like */
	CHECK(where_match("6.1.0-18-amd64", WOP_GE, "6.1"));
	CHECK(where_match("bookworm", WOP_LT, "trixie"));
	CHECK(where_match("", WOP_EQ, ""));
	CHECK(!where_match(NULL, WOP_NE, "x"));		/* missing fact */
	CHECK(!where_match("x", WOP_EQ, NULL));
}

int
main(void)
{
	test_parse();
	test_number();
	test_match();
	TEST_MAIN_END();
}
