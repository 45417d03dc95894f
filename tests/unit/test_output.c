/* Output: table, JSON and CSV of a small result set, including hostile
 * text (terminal escapes, invalid UTF-8, bidi overrides) and NULLs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "test.h"

/* Capture what a printer writes. */
static char *
capture(const struct table *t, enum out_format f)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&out, &len);
	output_table(fp, t, f);
	fclose(fp);
	return out;
}

/* CSV field quoting of one value. */
static char *
csv_of(const char *s)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&out, &len);
	output_csv_field(fp, s);
	fclose(fp);
	return out;
}

#define CHECK_FREE(call, want) do {					\
	char *got_ = (call);						\
	CHECK_STR(got_, want);						\
	free(got_);							\
} while (0)

/* Escaping rules one by one. */
static void
test_escapes(void)
{
	CHECK_FREE(output_escape_terminal("plain text"), "plain text");
	CHECK_FREE(output_escape_terminal("\x1b[31mred\x1b[0m"),
	    "\\x1b[31mred\\x1b[0m");
	CHECK_FREE(output_escape_terminal("a\tb\nc\x7f"), "a\\x09b\\x0ac\\x7f");
	CHECK_FREE(output_escape_terminal("caf\xc3\xa9"), "caf\xc3\xa9");
	CHECK_FREE(output_escape_terminal("bad\xff\xc3"), "bad\\xff\\xc3");
	CHECK_FREE(output_escape_terminal("\xc0\xaf"), "\\xc0\\xaf");
	CHECK_FREE(output_escape_terminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	CHECK_FREE(output_escape_terminal("\xc2\x9b" "2J"), "\\u009b2J");
	CHECK_FREE(output_escape_terminal("x\xe2\x80\xaey"), "x\\u202ey");
	CHECK_FREE(output_escape_terminal(NULL), "");

	CHECK_FREE(csv_of("plain"), "plain");
	CHECK_FREE(csv_of("a,b"), "\"a,b\"");
	CHECK_FREE(csv_of("say \"hi\""), "\"say \"\"hi\"\"\"");
	CHECK_FREE(csv_of("two\nlines"), "\"two\nlines\"");
	CHECK_FREE(csv_of(" padded"), "\" padded\"");
	CHECK_FREE(csv_of(NULL), "");
}

/* A 3-column, 3-row table printed three ways. */
static void
test_formats(void)
{
	char		*cols[] = { "name", "n", "note" };
	int		 numeric[] = { 0, 1, 0 };
	char		*r0[] = { "web01", "8", "ok" };
	char		*r1[] = { "db-\x1b]0;pwned\x07", "16", NULL };
	char		*r2[] = { "caf\xc3\xa9", "1024", "a,\"b\"\xff" };
	char		**rows[] = { r0, r1, r2 };
	struct table	 t = { 3, cols, numeric, 3, rows, NULL };
	struct table	 empty = { 3, cols, numeric, 0, NULL, NULL };
	char		*out;

	/* Upper-case headers; an empty last cell leaves no blanks. */
	CHECK_FREE(capture(&t, OUT_TABLE),
	    "NAME                    N  NOTE\n"
	    "web01                   8  ok\n"
	    "db-\\x1b]0;pwned\\x07    16\n"
	    "caf\xc3\xa9                 1024  a,\"b\"\\xff\n");
	CHECK_FREE(capture(&t, OUT_JSON),
	    "[\n"
	    "  {\"name\": \"web01\", \"n\": 8, \"note\": \"ok\"},\n"
	    "  {\"name\": \"db-\\u001b]0;pwned\\u0007\", \"n\": 16, "
	    "\"note\": null},\n"
	    "  {\"name\": \"caf\xc3\xa9\", \"n\": 1024, "
	    "\"note\": \"a,\\\"b\\\"\\ufffd\"}\n"
	    "]\n");
	CHECK_FREE(capture(&t, OUT_CSV),
	    "name,n,note\n"
	    "web01,8,ok\n"
	    "db-\x1b]0;pwned\x07,16,\n"
	    "caf\xc3\xa9,1024,\"a,\"\"b\"\"\xff\"\n");
	CHECK_FREE(capture(&empty, OUT_JSON), "[]\n");
	CHECK_FREE(capture(&empty, OUT_TABLE), "NAME  N  NOTE\n");
	CHECK_FREE(capture(&empty, OUT_CSV), "name,n,note\n");

	/* --no-headers, and --sort by a numeric column (descending input). */
	{
		struct out_opts	 o = { OUT_TABLE, 1, 0 };
		char		*buf = NULL;
		size_t		 len = 0;
		FILE		*fp = open_memstream(&buf, &len);

		CHECK(output_sort(&t, "nosuch") == -1);
		CHECK(output_sort(&t, "N") == 0);	/* either case */
		CHECK_STR(t.rows[0][0], "web01");	/* 8 < 16 < 1024 */
		CHECK_STR(t.rows[2][1], "1024");
		CHECK(output_sort(&t, "note") == 0);	/* NULL last */
		CHECK(t.rows[2][2] == NULL);
		output_table_opts(fp, &t, &o);
		fclose(fp);
		CHECK(strncmp(buf, "caf", 3) == 0);	/* no header line */
		free(buf);
		CHECK(output_sort(&t, "name") == 0);
	}

	/* A "numeric" cell JSON cannot take is quoted instead. */
	r0[1] = "Inf";
	out = capture(&t, OUT_JSON);
	CHECK(strstr(out, "\"n\": \"Inf\"") != NULL);
	free(out);
}

/* A package name with a tab, a control byte, an escape sequence, a bidi
 * override and invalid UTF-8 in a table: escaped as output_escape_terminal
 * says, aligned by its escaped width, plain cells around it untouched;
 * a NULL or empty last cell leaves no blanks. */
static void
test_hostile_table(void)
{
	char		*cols[] = { "host", "name", "n", "version" };
	int		 numeric[] = { 0, 0, 1, 0 };
	char		*r0[] = { "h1", "open\tssl\x01", "7", "3.0" };
	char		*r1[] = { "h2", "x\x1b[2Jy\xe2\x80\xaez\xff", "12", "" };
	char		*r2[] = { "h\xc3\xa9", "libc6", "100", NULL };
	char		**rows[] = { r0, r1, r2 };
	struct table	 t = { 4, cols, numeric, 3, rows, NULL };

	CHECK_FREE(capture(&t, OUT_TABLE),
	    "HOST  NAME                    N  VERSION\n"
	    "h1    open\\x09ssl\\x01         7  3.0\n"
	    "h2    x\\x1b[2Jy\\u202ez\\xff   12\n"
	    "h\xc3\xa9    libc6                 100\n");
}

int
main(void)
{
	test_escapes();
	test_formats();
	test_hostile_table();
	TEST_MAIN_END();
}
