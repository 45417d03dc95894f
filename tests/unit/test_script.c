/* The combined collector script (collectors/script.c): its framing split
 * back into sections, with hostile output that fakes markers, cut-off
 * output, odd exit codes, and the script text itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "test.h"

#define NONCE	"0123456789abcdef"
#define B(n)	"@@rc:" NONCE ":begin:" n "\n"
#define E(n, c)	"\n@@rc:" NONCE ":end:" n ":" c "\n"

static const struct script_part parts[] = {
	{ "os", "cat /etc/os-release", 5000 },
	{ "kernel", "uname -r", 5000 },
	{ "custom.x", "echo 'it''s'", 0 },
};

/* sec_is: section i holds exactly text s. */
static int
sec_is(const struct script_section *s, const char *text)
{
	return s->len == strlen(text) && memcmp(s->out, text, s->len) == 0;
}

/* Normal output: three sections with their exit codes. */
static void
test_split_normal(void)
{
	static const char out[] = B("os") "ID=debian\n" E("os", "0")
	    B("kernel") "6.1.0" E("kernel", "1")
	    B("custom.x") "" E("custom.x", "255");
	struct script_section	 s[3];

	CHECK(script_split(out, sizeof out - 1, NONCE, parts, 3, s) == 3);
	CHECK(s[0].complete && s[0].exit_code == 0 && sec_is(&s[0], "ID=debian\n"));
	CHECK(s[1].complete && s[1].exit_code == 1 && sec_is(&s[1], "6.1.0"));
	CHECK(s[2].complete && s[2].exit_code == 255 && s[2].len == 0);
}

/* Cut off in the second part: first complete, second partial, third
 * missing. */
static void
test_split_cut(void)
{
	static const char out[] = B("os") "ID=x" E("os", "0") B("kernel") "6.";
	struct script_section	 s[3];

	CHECK(script_split(out, sizeof out - 1, NONCE, parts, 3, s) == 1);
	CHECK(s[0].complete);
	CHECK(!s[1].complete && s[1].exit_code == -1 && sec_is(&s[1], "6."));
	CHECK(!s[2].complete && s[2].len == 0);
}

/* A host printing markers with another nonce, or a bad exit code, cannot
 * end a section early or inject one. */
static void
test_split_hostile(void)
{
	static const char out[] = B("os")
	    "@@rc:ffffffffffffffff:end:os:0\n@@rc:ffffffffffffffff:begin:kernel\n"
	    E("os", "0")
	    B("kernel") "x" E("kernel", "99999")
	    B("custom.x") "y" E("custom.x", "");
	struct script_section	 s[3];

	script_split(out, sizeof out - 1, NONCE, parts, 3, s);
	CHECK(s[0].complete && s[0].exit_code == 0);
	CHECK(s[0].len > 0 && memmem(s[0].out, s[0].len, "ffff", 4) != NULL);
	CHECK(s[1].exit_code == -1 || s[1].exit_code < 10000);
	CHECK(s[2].exit_code == -1);
	CHECK(script_split("", 0, NONCE, parts, 3, s) == 0);
	CHECK(s[0].len == 0 && !s[0].complete);
}

/* The script: every command inside, quoted; timeout(1) with the sum. */
static void
test_build(void)
{
	char	*s;

	s = script_build(parts, 3, NONCE);
	CHECK(strstr(s, "cat /etc/os-release") != NULL);
	CHECK(strstr(s, "@@rc:" NONCE ":begin:kernel") != NULL);
	CHECK(strstr(s, "exec timeout 10 sh -c") != NULL);
	CHECK(strstr(s, "it'\\'''\\''s") != NULL);	/* quotes escaped */
	free(s);
	s = script_wrap_one("true", 1);
	CHECK(strstr(s, "timeout 1 ") != NULL);
	free(s);
	s = script_wrap_one("true", 0);
	CHECK(strstr(s, "timeout") == NULL);
	free(s);
}

int
main(void)
{
	test_split_normal();
	test_split_cut();
	test_split_hostile();
	test_build();
	TEST_MAIN_END();
}
