/* --where filters: parsing KEY OP VALUE, sizes (30G, 30GB, 30GiB, 1.5T),
 * and matching (numeric when both sides are numbers, glob, text,
 * version-like order, and an error where a number meets text). */
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

/* Numbers and sizes: G and GiB are powers of 1024, GB of 1000. */
static void
test_number(void)
{
	double	 v = 0;

	CHECK(where_number("8G", &v) == 0 && v == 8589934592.0);
	CHECK(where_number("8g", &v) == 0 && v == 8589934592.0);
	CHECK(where_number("1K", &v) == 0 && v == 1024.0);
	CHECK(where_number("1.5M", &v) == 0 && v == 1572864.0);
	CHECK(where_number("2T", &v) == 0 && v == 2199023255552.0);
	CHECK(where_number("30G", &v) == 0 && v == 30.0 * 1073741824.0);
	CHECK(where_number("30GiB", &v) == 0 && v == 30.0 * 1073741824.0);
	CHECK(where_number("30gib", &v) == 0 && v == 30.0 * 1073741824.0);
	CHECK(where_number("30GB", &v) == 0 && v == 30e9);
	CHECK(where_number("30gb", &v) == 0 && v == 30e9);
	CHECK(where_number("1.5T", &v) == 0 && v == 1.5 * 1099511627776.0);
	CHECK(where_number("1.5TB", &v) == 0 && v == 1.5e12);
	CHECK(where_number("1P", &v) == 0 && v == 1125899906842624.0);
	CHECK(where_number("512B", &v) == 0 && v == 512.0);
	CHECK(where_number("1e12", &v) == 0 && v == 1e12);
	CHECK(where_number("2.5E-3", &v) == 0 && v == 2.5e-3);
	CHECK(where_number("-3", &v) == 0 && v == -3.0);
	CHECK(where_number("0.52", &v) == 0 && v == 0.52);
	CHECK(where_number(".5", &v) == 0 && v == 0.5);
	CHECK(where_number("42", &v) == 0 && v == 42.0);
	CHECK(where_number("", &v) == -1);
	CHECK(where_number("G", &v) == -1);
	CHECK(where_number("8XB", &v) == -1);
	CHECK(where_number("8Q", &v) == -1);
	CHECK(where_number("8GiBs", &v) == -1);
	CHECK(where_number("0x10", &v) == -1);
	CHECK(where_number("inf", &v) == -1);
	CHECK(where_number("nan", &v) == -1);
	CHECK(where_number("6.1.0", &v) == -1);
	CHECK(where_number(" 1", &v) == -1);
	CHECK(where_number(NULL, &v) == -1);
	CHECK(where_classify("30GB", &v) == WNUM_SIZE);
	CHECK(where_classify("30", &v) == WNUM_NUMBER);
	CHECK(where_classify("30XB", &v) == WNUM_BADUNIT);
	CHECK(where_classify("1e", &v) == WNUM_BADUNIT);
	CHECK(where_classify("6.1.0-18-amd64", &v) == WNUM_VERSION);
	CHECK(where_classify("1:2.3", &v) == WNUM_VERSION);
	CHECK(where_classify("debian", &v) == WNUM_TEXT);
	CHECK(where_classify("", &v) == WNUM_TEXT);
}

/* An unknown unit under an ordering operator is a parse error naming
 * the token; under = != ~ the operand is text and fine. */
static void
test_units_parse(void)
{
	struct where	 w;
	char		 err[512];

	CHECK_STR(parsed("memory.total_bytes>30G"), "memory.total_bytes|>|30G");
	CHECK_STR(parsed("memory.total_bytes>30GB"),
	    "memory.total_bytes|>|30GB");
	CHECK_STR(parsed("memory.total_bytes>30GiB"),
	    "memory.total_bytes|>|30GiB");
	CHECK_STR(parsed("memory.total_bytes>1.5T"),
	    "memory.total_bytes|>|1.5T");
	CHECK_STR(parsed("memory.total_bytes > 8G  "),
	    "memory.total_bytes|>|8G");
	CHECK_STR(parsed("memory.total_bytes>30XB"), "ERR");
	CHECK_STR(parsed("memory.total_bytes<=100Tb2"),
	    "memory.total_bytes|<=|100Tb2");	/* a version, not a size */
	CHECK_STR(parsed("os.version_id=8Stream"), "os.version_id|=|8Stream");
	CHECK(where_parse("memory.total_bytes>30XB", &w, err, sizeof err) ==
	    -1);
	CHECK(strstr(err, "'memory.total_bytes>30XB'") != NULL);
	CHECK(strstr(err, "unknown size unit 'XB' in '30XB'") != NULL);
	CHECK(where_parse("m>=4 zettabytes", &w, err, sizeof err) == 0);
	where_free(&w);
	CHECK(where_parse("m>=4zettabytes", &w, err, sizeof err) == -1);
	CHECK(strstr(err, "'zettabytes'") != NULL);
}

/* where_match without the error text. */
static int
match(const char *value, enum where_op op, const char *operand)
{
	char	 err[512];

	return where_match(value, op, operand, err, sizeof err);
}

/* Matching. */
static void
test_match(void)
{
	CHECK(match("16777216000", WOP_GT, "8G") == 1);
	CHECK(match("4294967296", WOP_GT, "8G") == 0);
	CHECK(match("8589934592", WOP_EQ, "8G") == 1);
	CHECK(match("8589934592", WOP_GE, "8G") == 1);
	CHECK(match("33554432000", WOP_GT, "30GB") == 1);	/* 33.5e9 */
	CHECK(match("33554432000", WOP_GT, "32GiB") == 0);	/* 34.4e9 */
	CHECK(match("33554432000", WOP_GT, "100TB") == 0);
	CHECK(match("33554432000", WOP_GT, "1e12") == 0);
	CHECK(match("33554432000", WOP_LT, "1.5T") == 1);
	CHECK(match("30000000000", WOP_EQ, "30GB") == 1);
	CHECK(match("10", WOP_GT, "9") == 1);		/* not text order */
	CHECK(match("0.5", WOP_LT, "1") == 1);
	CHECK(match("1.0", WOP_EQ, "1") == 1);		/* numerically */
	CHECK(match("debian", WOP_EQ, "debian") == 1);
	CHECK(match("debian", WOP_EQ, "Debian") == 0);
	CHECK(match("rocky", WOP_NE, "debian") == 1);
	CHECK(match("debian", WOP_NE, "debian") == 0);
	CHECK(match("6.1.0-18-amd64", WOP_GLOB, "6.1.*") == 1);
	CHECK(match("5.10.0", WOP_GLOB, "6.1.*") == 0);
	CHECK(match("web01", WOP_GLOB, "web0[0-9]") == 1);
	CHECK(match("8G", WOP_GLOB, "8?") == 1);	/* glob is text */
	CHECK(match("6.10.3", WOP_GT, "6.9") == 1);	/* version-like */
	CHECK(match("6.1.0-18-amd64", WOP_GE, "6.1") == 1);
	CHECK(match("6.1.0-18-amd64", WOP_GE, "6") == 1);  /* version, number */
	CHECK(match("5.10.0-28-amd64", WOP_GE, "6") == 0);
	CHECK(match("bookworm", WOP_LT, "trixie") == 1);
	CHECK(match("", WOP_EQ, "") == 1);
	CHECK(match(NULL, WOP_NE, "x") == 0);		/* missing fact */
	CHECK(match("x", WOP_EQ, NULL) == 0);
}

/* A numeric comparison on what is not a number is an error, not a
 * guess; so is an unknown unit reaching the matcher. */
static void
test_match_errors(void)
{
	char	 err[512];

	CHECK(where_match("debian", WOP_GT, "3", err, sizeof err) == -1);
	CHECK(strstr(err, "'debian' is not a number") != NULL);
	CHECK(where_match("debian", WOP_GT, "30G", err, sizeof err) == -1);
	CHECK(where_match("", WOP_LT, "1", err, sizeof err) == -1);
	CHECK(where_match("6.1.0-18-amd64", WOP_GT, "8G", err,
	    sizeof err) == -1);		/* a size with a version */
	CHECK(where_match("123", WOP_GT, "30XB", err, sizeof err) == -1);
	CHECK(strstr(err, "unknown size unit 'XB'") != NULL);
	CHECK(where_match("debian", WOP_EQ, "3", err, sizeof err) == 0);
	CHECK(where_match("30XB", WOP_EQ, "30XB", err, sizeof err) == 1);
}

int
main(void)
{
	test_parse();
	test_number();
	test_units_parse();
	test_match();
	test_match_errors();
	TEST_MAIN_END();
}
