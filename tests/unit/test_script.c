/* The combined collector script (collectors/script.c): its framing split
 * back into sections, with hostile output that fakes markers, cut-off
 * output, odd exit codes, and the script text itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "test.h"

#define NONCE	"0123456789abcdef"
#define B(n)	"@@rc:" NONCE ":begin:" n "\n"
#define E(n, c)	"\n@@rc:" NONCE ":end:" n ":" c "\n"

static const struct script_part parts[] = {
	{ "os", "cat /etc/os-release", 5000, NULL, 0, 1 },
	{ "kernel", "uname -r", 5000, NULL, 0, 1 },
	{ "custom.x", "echo 'it''s'", 0, NULL, 0, 0 },
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

/* The script: every command inside, quoted; timeout(1) with the sum;
 * built-ins captured (rc_v sends each with its markers), the custom
 * collector streamed (rc_m frames it). */
static void
test_build(void)
{
	char	*s;

	s = script_build(parts, 3, NONCE);
	CHECK(strstr(s, "cat /etc/os-release") != NULL);
	CHECK(strstr(s, "rc_t=@@rc:" NONCE ":\n") != NULL);
	CHECK(strstr(s, "rc_m \"\" \"os\"\n") != NULL);
	CHECK(strstr(s, "rc_v \"os\" \"kernel\"\n") != NULL);
	CHECK(strstr(s, "rc_v \"kernel\" \"custom.x\" \"custom.x\"\n") != NULL);
	CHECK(strstr(s, "(\necho '\\''it") != NULL);	/* streamed */
	CHECK(strstr(s, "rc_m \"custom.x\" \"\" \"custom.x\" \"\"\n") != NULL);
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

/* The "same" answer: exactly the marker with this nonce and a size. */
static void
test_same_marker(void)
{
	static const char ok[] = "@@rc:" NONCE ":same:35410\n";
	size_t	 n = 0;

	CHECK(script_is_same(ok, sizeof ok - 1, NONCE, &n) && n == 35410);
	CHECK(!script_is_same(ok, sizeof ok - 1, "fedcba9876543210", &n));
	CHECK(!script_is_same(ok, sizeof ok - 2, NONCE, &n));	/* no \n */
	CHECK(!script_is_same("@@rc:" NONCE ":same:\n", 28, NONCE, &n));
	CHECK(!script_is_same("@@rc:" NONCE ":same:1x\n", 30, NONCE, &n));
	CHECK(!script_is_same("@@rc:" NONCE ":same:1\nID=x\n", 34, NONCE,
	    &n));
	CHECK(!script_is_same("@@rc:" NONCE ":same:1234567890123\n", 41,
	    NONCE, &n));
}

/* Run script under shell (PATH as given) and return its stdout. */
static char *
run_script_redir(const char *script, const char *shell, const char *path,
    const char *redir, size_t *len);

static char *
run_script(const char *script, const char *shell, const char *path,
    size_t *len)
{
	return run_script_redir(script, shell, path, "2>/dev/null", len);
}

/* Run script under shell with the given redirections; its stdout. */
static char *
run_script_redir(const char *script, const char *shell, const char *path,
    const char *redir, size_t *len)
{
	char	 tmpl[] = "/tmp/rc-test-script.XXXXXX", cmd[512];
	char	*out = NULL;
	size_t	 cap = 0, n;
	FILE	*f;
	int	 fd;

	*len = 0;
	if ((fd = mkstemp(tmpl)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return NULL;
	fputs(script, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "PATH=%s %s %s %s", path, shell, tmpl,
	    redir);
	if ((f = popen(cmd, "r")) != NULL) {
		do {
			if (*len + 4096 > cap)
				out = realloc(out, cap += 65536);
			n = fread(out + *len, 1, cap - *len - 1, f);
			*len += n;
		} while (n > 0);
		out[*len] = '\0';
		pclose(f);
	}
	unlink(tmpl);
	return out;
}

/* One part with a digest, run by a real shell: the host answers "same"
 * only when what it would send (the output with one trailing newline)
 * has that digest, sends it whole otherwise, and also when it has no
 * sha256sum or the command failed. */
static void
check_same_shell(const char *shell, const char *path, int has_tool)
{
	static const char text[] = "pkg\t1.0\tamd64\tii \nquote'%\\n\n";
	unsigned char	 dg[RESULT_DIGEST_LEN];
	struct script_part p = { "packages", "printf '%s' 'pkg\t1.0\tamd64"
	    "\tii \nquote'\\''%\\n\n\n'", 0, dg, -1, 1 };
	struct script_section s, e;
	char		*sc, *out;
	size_t		 len, n;

	CHECK(collector_digest("packages", -1, text, sizeof text - 1, dg) == 0);
	sc = script_build(&p, 1, NONCE);
	out = run_script(sc, shell, path, &len);
	CHECK(out != NULL && script_split_all(out, len, "", 0, NONCE, &p, 1, &s,
	    &e) == 1);
	if (has_tool)
		CHECK(s.exit_code == 0 && script_is_same(s.out, s.len,
		    NONCE, &n) && n == sizeof text - 1);
	else
		CHECK(s.exit_code == 0 && sec_is(&s, text));
	free(out);
	free(sc);
	dg[0] ^= 1;	/* the output changed since */
	sc = script_build(&p, 1, NONCE);
	out = run_script(sc, shell, path, &len);
	CHECK(out != NULL && script_split_all(out, len, "", 0, NONCE, &p, 1, &s,
	    &e) == 1);
	CHECK(s.exit_code == 0 && sec_is(&s, text));
	free(out);
	free(sc);
	p.command = "printf 'half'; exit 3";	/* failed: always sent */
	CHECK(collector_digest("packages", -1, "half", 4, dg) == 0);
	sc = script_build(&p, 1, NONCE);
	out = run_script(sc, shell, path, &len);
	CHECK(out != NULL && script_split_all(out, len, "", 0, NONCE, &p, 1, &s,
	    &e) == 1);
	CHECK(s.exit_code == 3 && sec_is(&s, "half\n"));
	free(out);
	free(sc);
}

/* The host's side of the check in dash (/bin/sh) with coreutils, without
 * any sha256sum, in bash (RHEL's sh) and in busybox sh with busybox's own sha256sum (Alpine)
 * when this machine has busybox. */
static void
test_same_shell(void)
{
	char	 dir[] = "/tmp/rc-test-bb.XXXXXX", link[64];

	check_same_shell("/bin/sh", "/usr/bin:/bin", 1);
	check_same_shell("/bin/sh", "/nonexistent", 0);
	if (access("/bin/bash", X_OK) == 0)
		check_same_shell("/bin/bash", "/usr/bin:/bin", 1);
	if (access("/bin/busybox", X_OK) != 0 || mkdtemp(dir) == NULL)
		return;
	snprintf(link, sizeof link, "%s/sha256sum", dir);
	if (symlink("/bin/busybox", link) == 0)
		check_same_shell("/bin/busybox sh", dir, 1);
	unlink(link);
	rmdir(dir);
}

/* The real script in shell: every part framed on stdout, a captured
 * part's stderr in-band and a streamed one's framed on stderr, exit
 * statuses carried (an `exit` in a captured part too, and a killed
 * capture is a failure), a captured output's bytes kept ('%',
 * backslashes) but for its trailing newlines (exactly one; none for no
 * output), a streamed one's exactly, quotes kept. */
static void
check_run_parts(const char *shell)
{
	static const struct script_part rp[] = {
		{ "os", "echo a; echo e1 >&2", 0, NULL, 0, 1 },
		{ "kernel", "printf b; exit 2", 0, NULL, 0, 1 },
		{ "custom.x", "echo 'it''s'; echo e3 >&2", 0, NULL, 0, 0 },
		{ "cpu", "printf '%%s\\\\n\\n\\n\\n'; cat </dev/null", 0, NULL,
		    0, 1 },
		{ "memory", "true", 0, NULL, 0, 1 },
		{ "uptime", "echo x; kill -9 $(sh -c 'echo $PPID')", 0, NULL,
		    0, 1 },
	};
	struct script_section	 so[6], se[6];
	char			*sc, *out, *err;
	size_t			 len, elen;

	sc = script_build(rp, 6, NONCE);
	out = run_script_redir(sc, shell, "/usr/bin:/bin", "2>/dev/null",
	    &len);
	err = run_script_redir(sc, shell, "/usr/bin:/bin", "2>&1 >/dev/null",
	    &elen);
	CHECK(out != NULL && err != NULL);
	CHECK(script_split_all(out, len, err, elen, NONCE, rp, 6, so, se) == 6);
	/* only the streamed part is framed on stderr */
	CHECK(memmem(err, elen, "begin:os", 8) == NULL &&
	    memmem(err, elen, "e1", 2) == NULL);
	CHECK(so[0].exit_code == 0 && sec_is(&so[0], "a\n"));
	CHECK(so[1].exit_code == 2 && sec_is(&so[1], "b\n"));
	CHECK(so[2].exit_code == 0 && sec_is(&so[2], "its\n"));
	CHECK(so[3].exit_code == 0 && sec_is(&so[3], "%s\\n\n"));
	CHECK(so[4].exit_code == 0 && so[4].len == 0);
	CHECK(so[5].exit_code == 128 + 9);
	CHECK(sec_is(&se[0], "e1\n") && se[1].len == 0 &&
	    sec_is(&se[2], "e3\n"));
	free(out);
	free(err);
	free(sc);
}

/* The same script in dash (Debian's sh), bash (RHEL's) and busybox sh
 * (Alpine's) where this machine has them. */
static void
test_run_parts(void)
{
	check_run_parts("/bin/sh");
	if (access("/bin/bash", X_OK) == 0)
		check_run_parts("/bin/bash");
	if (access("/bin/busybox", X_OK) == 0)
		check_run_parts("/bin/busybox sh");
}

int
main(void)
{
	test_split_normal();
	test_split_cut();
	test_split_hostile();
	test_build();
	test_run_parts();
	test_same_marker();
	test_same_shell();
	TEST_MAIN_END();
}
