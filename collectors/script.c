/* Running collectors over SSH channels: the combined script that runs every
 * collector in one exec (one fork of the login shell per host instead of one
 * per collector), the splitter that takes its output apart again, and the
 * wrapper for a collector that gets a channel of its own.
 *
 * Framing: before each part the script prints "@@rc:<nonce>:begin:<name>"
 * and after it "\n@@rc:<nonce>:end:<name>:<exit status>", on stdout. A
 * built-in's stdout is captured and sent with its markers in one write,
 * its stderr in-band before an "@@rc:<nonce>:out" line (fewer SSH
 * packets); a custom collector's stdout streams as it comes and its
 * stderr is framed the same way on stderr. The nonce is random per sweep,
 * so a host's output cannot end a section early by accident; a hostile
 * host can only confuse its own facts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#define SCRIPT_TAG	"@@rc:"
#define SCRIPT_LIT(b, s)	buf_append((b), (s), sizeof(s) - 1)	/* literal */

/* Append text as one single-quoted sh word ('\'' for each quote), copying
 * the runs between quotes whole: this runs for every host. */
static void
script_quote(struct buf *b, const char *s)
{
	size_t	 n;

	buf_append(b, "'", 1);
	for (;;) {
		n = strcspn(s, "'");
		buf_append(b, s, n);
		if (s[n] == '\0')
			break;
		buf_append(b, "'\\''", 4);
		s += n + 1;
	}
	buf_append(b, "'", 1);
}

/* Seconds for timeout(1), rounded up; at least 1. */
static long long
script_timeout_secs(int64_t ms)
{
	long long	 s = (ms + 999) / 1000;

	return s < 1 ? 1 : s;
}

/* The script proper: body kept in a variable, run under timeout(1)
 * where the host has it (one exec), as is otherwise. */
static char *
script_guard(const char *body, int64_t timeout_ms)
{
	struct buf	 b = { 0 };

	buf_printf(&b, "LC_ALL=C; export LC_ALL; rc_body=");
	script_quote(&b, body);
	if (timeout_ms > 0)
		buf_printf(&b, "\nif command -v timeout >/dev/null 2>&1; then "
		    "exec timeout %lld sh -c \"$rc_body\"; fi",
		    script_timeout_secs(timeout_ms));
	buf_printf(&b, "\neval \"$rc_body\"\n");
	return buf_steal(&b);
}

/* Append a part's command without what the script already does: the
 * guard sets and exports LC_ALL=C for everything (script_guard), so the
 * built-ins' own first line is 24 bytes a part of nothing, and a final
 * newline is the framing's. Every byte of the script is encrypted and
 * MAC'd for every host every sweep. */
static void
script_command(struct buf *b, const char *cmd)
{
	static const char	 lc[] = "LC_ALL=C; export LC_ALL\n";
	size_t			 n;

	if (strncmp(cmd, lc, sizeof lc - 1) == 0)
		cmd += sizeof lc - 1;
	n = strlen(cmd);
	if (n > 0 && cmd[n - 1] == '\n')
		n--;
	buf_append(b, cmd, n);
}

/* Capture a built-in part's stdout whole, for one printf to send it with
 * its markers: sshd reads the pipe as the shell writes, so a part that
 * writes in ten pieces (every `echo @@section`, every command) costs ten
 * SSH packets, each one a MAC set-up for us. $( ) is the one subshell the
 * part forked before, and its last command is still exec'd in it, so the
 * host runs no more processes than it did; its exit status is the
 * command's ($?, 128+N when killed; an `exit` in it works as before). $( )
 * strips trailing newlines: the part's output is sent with exactly one
 * ("" stays ""), which no built-in parser reads differently
 * (test_collectors checks every fixture both ways). */
static void
script_capture(struct buf *b, const struct script_part *p)
{
	SCRIPT_LIT(b, "rc_o=$(exec </dev/null\n");
	script_command(b, p->command);
	SCRIPT_LIT(b, "\n)\n");
}

/* A part whose last output's digest we hold: capture its stdout, hash
 * on the host what we would receive (the output and its one newline)
 * with the same prefix collector_digest uses, and send only a "same" line
 * (with the size not sent) when the digest still matches. A host without
 * sha256sum, a failed command or any other digest sends the output as
 * before, so a change is never hidden (minus NULs, which no such
 * collector prints: the shell drops them). */
static void
script_part_same(struct buf *b, const struct script_part *p,
    const char *nonce)
{
	size_t	 i;

	script_capture(b, p);
	SCRIPT_LIT(b, "rc_s=$?; rc_h=\n"
	    "[ \"$rc_s\" != 0 ] || rc_h=$( { printf '");
	collector_digest_prefix(p->name, p->mode, b);
	SCRIPT_LIT(b, "'; printf %s \"$rc_o\"; [ -z \"$rc_o\" ] || echo; } | "
	    "sha256sum 2>/dev/null)\ncase $rc_h in ");
	for (i = 0; i < RESULT_DIGEST_KEPT; i++)
		buf_printf(b, "%02x", p->same[i]);
	buf_printf(b, "*) rc_o=\"%s%s:same:$((${#rc_o} + 1))\";; esac\n",
	    SCRIPT_TAG, nonce);
}

/* The functions the script defines once. The script's stderr is its
 * stdout (2>&1; the channel's stderr is fd 3): a captured part's stderr
 * arrives in its own section, before the "out" line rc_w prints ahead of
 * its output, so a part costs one write and one SSH packet, not one per
 * stream. rc_m END BEGIN [EEND EBEGIN] prints part END's end marker (with
 * $rc_s, its exit status) and part BEGIN's begin marker, either may be "",
 * in one printf, and EEND's and EBEGIN's on fd 3 if either is set: only
 * streamed parts are framed there. rc_w END BEGIN [EBEGIN] prints the out
 * line, a captured output ($rc_o, and its newline) and the markers;
 * rc_v first takes the capture's exit status. Names are collector names:
 * letters, digits, '_', '-', '.' (config checks custom ones), so they are
 * safe in a format. */
static void
script_marker_fn(struct buf *b, const char *nonce)
{
	buf_printf(b, "exec 3>&2 2>&1\nrc_t=%s%s:\n", SCRIPT_TAG, nonce);
	SCRIPT_LIT(b,
	    "rc_k() { rc_f=; [ -z \"$1\" ] || rc_f=\"\\n${rc_t}end:$1:%d\\n\"\n"
	    "[ -z \"$2\" ] || rc_f=\"$rc_f${rc_t}begin:$2\\n\"; }\n"
	    "rc_m() { rc_k \"$1\" \"$2\"; printf \"$rc_f\" \"$rc_s\"\n"
	    "[ -z \"$3$4\" ] || { rc_k \"$3\" \"$4\"; printf \"$rc_f\" \"$rc_s\" >&3; }; }\n"
	    "rc_w() { rc_k \"$1\" \"$2\"\n"
	    "printf \"${rc_t}out\\n%s${rc_o:+\\n}$rc_f\" \"$rc_o\" \"$rc_s\"\n"
	    "[ -z \"$3\" ] || printf \"${rc_t}begin:$3\\n\" >&3; }\n"
	    "rc_v() { rc_s=$?; rc_w \"$@\"; }\n");
}

/* The call of FN (rc_m, rc_w or rc_v) between part end and part begin
 * (either may be NULL): the stdout markers, then those for fd 3 where a
 * streamed part ends or begins. */
static void
script_markers(struct buf *b, const char *fn, const struct script_part *end,
    const struct script_part *begin)
{
	const char	*en = end != NULL ? end->name : "";
	const char	*bn = begin != NULL ? begin->name : "";
	int		 ee = end != NULL && !end->capture && end->same == NULL;
	int		 eb = begin != NULL && !begin->capture &&
			    begin->same == NULL;

	buf_printf(b, "%s \"%s\" \"%s\"", fn, en, bn);
	if (fn[3] == 'm' && (ee || eb))	/* rc_m: both fd 3 names */
		buf_printf(b, " \"%s\" \"%s\"", ee ? en : "", eb ? bn : "");
	else if (fn[3] != 'm' && eb)	/* rc_w, rc_v: the next part's */
		buf_printf(b, " \"%s\"", bn);
	SCRIPT_LIT(b, "\n");
}

/* One part and the call that ends it and begins the next (or none). A
 * custom collector streams, its stderr on fd 3 (its output may be
 * megabytes, and a raw one may hold NULs, which a shell variable drops);
 * a built-in is captured. */
static void
script_part(struct buf *b, const struct script_part *p,
    const struct script_part *next, const char *nonce)
{
	if (p->same != NULL) {
		script_part_same(b, p, nonce);
		script_markers(b, "rc_w", p, next);
	} else if (p->capture) {
		script_capture(b, p);
		script_markers(b, "rc_v", p, next);
	} else {
		SCRIPT_LIT(b, "(\n");
		script_command(b, p->command);
		SCRIPT_LIT(b, "\n) </dev/null 2>&3\nrc_s=$?\n");
		script_markers(b, "rc_m", p, next);
	}
}

/* Build the script that runs every part in turn over one channel. Each
 * part runs in a subshell (a fork, no exec: on the server, execs are what
 * a session costs). The whole script runs under one timeout(1), with the
 * sum of the parts' budgets, so a hung part cannot outlive the sweep for
 * long; each part's own deadline is enforced on our side, from the end
 * markers as they arrive. */
char *
script_build(const struct script_part *parts, size_t n, const char *nonce)
{
	struct buf	 body = { 0 };
	int64_t		 total = 0;
	char		*s;
	size_t		 i;

	script_marker_fn(&body, nonce);
	if (n > 0)
		script_markers(&body, "rc_m", NULL, &parts[0]);
	for (i = 0; i < n; i++) {
		script_part(&body, &parts[i], i + 1 < n ? &parts[i + 1] : NULL,
		    nonce);
		total += parts[i].timeout_ms;
	}
	s = script_guard(buf_str(&body), total);
	buf_free(&body);
	return s;
}

/* Wrap one command for a channel of its own. */
char *
script_wrap_one(const char *command, int64_t timeout_ms)
{
	return script_guard(command, timeout_ms);
}

/* Find needle in haystack[0..len) (binary safe). */
static const char *
script_find(const char *hay, size_t len, const char *needle, size_t nlen)
{
	return memmem(hay, len, needle, nlen);
}

/* Parse "<digits>\n" at p (len bytes available); -1 if malformed. */
static int
script_exit_code(const char *p, size_t len, size_t *used)
{
	int	 code = 0;
	size_t	 i;

	for (i = 0; i < len && i < 4 && p[i] >= '0' && p[i] <= '9'; i++)
		code = code * 10 + (p[i] - '0');
	if (i == 0 || i >= len || p[i] != '\n')
		return -1;
	*used = i + 1;
	return code;
}

/* Is the section exactly "@@rc:<nonce>:same:<bytes>\n"? The nonce is
 * random per sweep, so no output says it by accident. */
int
script_is_same(const char *out, size_t len, const char *nonce,
    size_t *bytes)
{
	char	 mark[64];
	size_t	 mlen, i, v = 0;

	mlen = (size_t)snprintf(mark, sizeof mark, "%s%s:same:", SCRIPT_TAG,
	    nonce);
	if (mlen >= sizeof mark || len < mlen + 2 ||
	    memcmp(out, mark, mlen) != 0 || out[len - 1] != '\n')
		return 0;
	for (i = mlen; i < len - 1; i++) {
		if (out[i] < '0' || out[i] > '9' || i - mlen >= 12)
			return 0;
		v = v * 10 + (size_t)(out[i] - '0');
	}
	*bytes = v;
	return 1;
}

/* Split the combined output back into one section per part. */
size_t
script_split(const char *out, size_t len, const char *nonce,
    const struct script_part *parts, size_t n,
    struct script_section *sections)
{
	char		 mark[256];
	const char	*pos = out, *end = out + len, *p, *q;
	size_t		 i, mlen, used, complete = 0;
	int		 code;

	memset(sections, 0, n * sizeof *sections);
	for (i = 0; i < n; i++) {
		sections[i].exit_code = -1;
		mlen = (size_t)snprintf(mark, sizeof mark, "%s%s:begin:%s\n",
		    SCRIPT_TAG, nonce, parts[i].name);
		if (mlen >= sizeof mark)
			continue;
		if ((p = script_find(pos, (size_t)(end - pos), mark, mlen)) ==
		    NULL)
			continue;
		p += mlen;
		sections[i].out = p;
		sections[i].len = (size_t)(end - p);
		mlen = (size_t)snprintf(mark, sizeof mark, "\n%s%s:end:%s:",
		    SCRIPT_TAG, nonce, parts[i].name);
		if ((q = script_find(p, (size_t)(end - p), mark, mlen)) ==
		    NULL) {
			pos = end;	/* cut off: nothing after it is whole */
			continue;
		}
		sections[i].len = (size_t)(q - p);
		code = script_exit_code(q + mlen, (size_t)(end - q - mlen),
		    &used);
		if (code < 0) {
			pos = q + mlen;
			continue;
		}
		sections[i].exit_code = code;
		sections[i].complete = 1;
		complete++;
		pos = q + mlen + used;
	}
	return complete;
}

/* A captured part's section: its stderr, then the "out" line, then its
 * output. Split it in two (no out line: all of it is output). */
static void
script_split_inband(struct script_section *so, struct script_section *se,
    const char *nonce)
{
	char		 mark[64];
	const char	*p;
	size_t		 mlen;

	mlen = (size_t)snprintf(mark, sizeof mark, "%s%s:out\n", SCRIPT_TAG,
	    nonce);
	memset(se, 0, sizeof *se);
	se->exit_code = so->exit_code;
	se->complete = so->complete;
	if (so->out == NULL || mlen >= sizeof mark ||
	    (p = script_find(so->out, so->len, mark, mlen)) == NULL)
		return;
	se->out = so->out;
	se->len = (size_t)(p - so->out);
	so->len -= se->len + mlen;
	so->out = p + mlen;
}

/* Split a combined channel's stdout and stderr into each part's two
 * sections: a streamed part's stderr is framed on stderr, a captured
 * one's arrives in its stdout section. Returns how many parts completed. */
size_t
script_split_all(const char *out, size_t len, const char *err, size_t elen,
    const char *nonce, const struct script_part *parts, size_t n,
    struct script_section *so, struct script_section *se)
{
	struct script_part	*sp;
	struct script_section	*ss;
	size_t			 i, k = 0, complete;

	complete = script_split(out, len, nonce, parts, n, so);
	sp = xcalloc(n + 1, sizeof *sp);
	ss = xcalloc(n + 1, sizeof *ss);
	for (i = 0; i < n; i++)
		if (!parts[i].capture && parts[i].same == NULL)
			sp[k++] = parts[i];
	script_split(err, elen, nonce, sp, k, ss);
	for (i = 0, k = 0; i < n; i++) {
		if (!parts[i].capture && parts[i].same == NULL)
			se[i] = ss[k++];
		else
			script_split_inband(&so[i], &se[i], nonce);
	}
	free(sp);
	free(ss);
	return complete;
}
