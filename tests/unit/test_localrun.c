/* daemon/localrun.c against real processes on a real libevent loop: the
 * command reaches /bin/sh -c as one word, output and exit come as an SSH
 * channel reports them, stdin is /dev/null, the daemon's environment stays
 * out, a kill reaches the whole process group, and a run freed while its
 * child runs is reaped by the loop (or at the thread's end), never left a
 * zombie. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/timeutil.h"
#include "daemon/localrun.h"
#include "test.h"

#define WAIT_MS	20000	/* a bound for a loaded machine, not a timing */

/* One run and what came out of it. */
struct run {
	struct localrun	*lr;		/* the run */
	struct buf	 out;		/* stdout */
	struct buf	 err;		/* stderr */
	int		 wakeups;	/* callbacks */
};

/* Callback: drain both streams, as the job does. */
static void
run_cb(void *arg)
{
	struct run	*r = arg;
	char		 chunk[4096];
	ssize_t		 n;

	r->wakeups++;
	while ((n = localrun_read(r->lr, LOCALRUN_STDOUT, chunk,
	    sizeof chunk)) > 0)
		buf_append(&r->out, chunk, (size_t)n);
	while ((n = localrun_read(r->lr, LOCALRUN_STDERR, chunk,
	    sizeof chunk)) > 0)
		buf_append(&r->err, chunk, (size_t)n);
}

/* Is the run over: both streams at EOF and the child reaped? */
static int
run_over(const struct run *r)
{
	int	 code;
	char	 sig[16];

	return localrun_eof(r->lr, LOCALRUN_STDOUT) &&
	    localrun_eof(r->lr, LOCALRUN_STDERR) &&
	    localrun_exited(r->lr, &code, sig, sizeof sig);
}

/* Loop until done(arg) or WAIT_MS; 1 if done. */
static int
loop_until(struct event_base *base, int (*done)(const struct run *),
    const struct run *r)
{
	int64_t	 end = mono_ms() + WAIT_MS;

	while (!done(r) && mono_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
	return done(r);
}

/* Run a command to its end; its exit code (-1: signal in sig). */
static int
run_cmd(struct event_base *base, const char *cmd, struct run *r, char *sig,
    size_t siglen)
{
	char	 err[256];
	int	 code = -2;

	memset(r, 0, sizeof *r);
	r->lr = localrun_start(base, cmd, run_cb, r, err, sizeof err);
	CHECK(r->lr != NULL);
	if (r->lr == NULL)
		return -2;
	CHECK(loop_until(base, run_over, r));
	CHECK(localrun_exited(r->lr, &code, sig, siglen));
	return code;
}

/* Release a finished run. */
static void
run_done(struct run *r)
{
	localrun_free(r->lr);
	buf_free(&r->out);
	buf_free(&r->err);
}

/* Is the process gone (not even a zombie of ours)? */
static int
pid_gone(pid_t pid)
{
	char	 path[64];

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	return access(path, F_OK) == -1;
}

/* Is the process gone or a zombie (of init, after a group kill)? */
static int
pid_dead(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return 1;
	return p[2] == 'Z' || p[2] == 'X';
}

/* Output, stderr and the exit code as a channel gives them. */
static void
test_output_and_status(struct event_base *base)
{
	struct run	 r;
	char		 sig[16];

	CHECK(run_cmd(base, "printf 'out\\n'; printf 'err\\n' >&2; exit 3",
	    &r, sig, sizeof sig) == 3);
	CHECK_STR(buf_str(&r.out), "out\n");
	CHECK_STR(buf_str(&r.err), "err\n");
	CHECK_STR(sig, "");
	CHECK(r.wakeups > 0);
	run_done(&r);
	/* more than a pipe holds: read as it comes, nothing lost */
	CHECK(run_cmd(base, "head -c 1000000 /dev/zero | tr '\\0' x", &r, sig,
	    sizeof sig) == 0);
	CHECK(r.out.len == 1000000);
	run_done(&r);
}

/* A signal is reported by name, as SSH's exit-signal is. */
static void
test_signal(struct event_base *base)
{
	struct run	 r;
	char		 sig[16];

	CHECK(run_cmd(base, "kill -TERM $$", &r, sig, sizeof sig) == -1);
	CHECK_STR(sig, "TERM");
	run_done(&r);
	/* SIGPIPE is back to default in the child (the daemon ignores it) */
	CHECK(run_cmd(base, "yes | head -n 1 >/dev/null; echo done", &r, sig,
	    sizeof sig) == 0);
	CHECK_STR(buf_str(&r.out), "done\n");
	run_done(&r);
}

/* The text is one argv word of sh -c: no further interpolation by us;
 * stdin is /dev/null; the environment is the small fixed one. */
static void
test_command_and_env(struct event_base *base)
{
	struct run	 r;
	char		 sig[16];

	CHECK(run_cmd(base, "printf '%s|' \"$0\" 'a;b $(id) `x`'; cat; echo",
	    &r, sig, sizeof sig) == 0);
	CHECK_STR(buf_str(&r.out), "sh|a;b $(id) `x`|\n");
	run_done(&r);
	setenv("RC_TEST_SECRET", "hunter2", 1);
	CHECK(run_cmd(base, "echo \"${RC_TEST_SECRET-unset}\"; "
	    "test -n \"$PATH\" && echo path", &r, sig, sizeof sig) == 0);
	CHECK_STR(buf_str(&r.out), "unset\npath\n");
	run_done(&r);
	unsetenv("RC_TEST_SECRET");
}

/* Is the first line of stdout (a pid) there yet? */
static int
has_line(const struct run *r)
{
	return r->out.len > 0 && memchr(r->out.data, '\n', r->out.len) != NULL;
}

/* A kill reaches the command's children (its process group). */
static void
test_kill_group(struct event_base *base)
{
	struct run	 r;
	char		 err[256], sig[16];
	pid_t		 child;
	int64_t		 end;
	int		 code;

	memset(&r, 0, sizeof r);
	r.lr = localrun_start(base, "sleep 100.5 & echo $!; wait", run_cb, &r,
	    err, sizeof err);
	CHECK(r.lr != NULL);
	if (r.lr == NULL)
		return;
	CHECK(loop_until(base, has_line, &r));
	child = (pid_t)atol(buf_str(&r.out));
	CHECK(child > 0 && !pid_dead(child));
	localrun_kill(r.lr);
	CHECK(localrun_eof(r.lr, LOCALRUN_STDOUT));
	CHECK(loop_until(base, run_over, &r));
	CHECK(localrun_exited(r.lr, &code, sig, sizeof sig) && code == -1);
	CHECK_STR(sig, "KILL");
	end = mono_ms() + WAIT_MS;	/* SIGKILL lands at once */
	while (child > 0 && !pid_dead(child) && mono_ms() < end)
		usleep(1000);
	CHECK(child > 0 && pid_dead(child));
	run_done(&r);
}

/* A run freed while its child runs: killed, reaped by the loop. */
static int
orphan_reaped(const struct run *r)
{
	return pid_gone((pid_t)r->wakeups);
}

/* Freed mid-run: reaped later by the loop, or at the thread's end. */
static void
test_orphans(struct event_base *base)
{
	struct localrun	*lr;
	struct run	 r;
	char		 err[256];
	pid_t		 pid;
	int		 st;

	memset(&r, 0, sizeof r);
	lr = localrun_start(base, "sleep 100.6", run_cb, &r, err, sizeof err);
	CHECK(lr != NULL);
	if (lr == NULL)
		return;
	r.lr = lr;
	pid = localrun_pid(lr);
	localrun_free(lr);		/* no callback after this */
	r.lr = NULL;
	r.wakeups = (int)pid;		/* orphan_reaped's pid */
	CHECK(loop_until(base, orphan_reaped, &r));
	CHECK(waitpid(pid, &st, WNOHANG) == -1 && errno == ECHILD);
	/* without a loop: the thread's end reaps it */
	lr = localrun_start(base, "sleep 100.7", run_cb, &r, err, sizeof err);
	CHECK(lr != NULL);
	if (lr == NULL)
		return;
	pid = localrun_pid(lr);
	localrun_free(lr);
	localrun_reap_orphans(WAIT_MS);
	CHECK(pid_gone(pid));
	buf_free(&r.out);
	buf_free(&r.err);
}

int
main(void)
{
	struct event_base	*base = event_base_new();

	signal(SIGPIPE, SIG_IGN);	/* as the daemon: not for the child */
	test_output_and_status(base);
	test_signal(base);
	test_command_and_env(base);
	test_kill_group(base);
	test_orphans(base);
	event_base_free(base);
	TEST_MAIN_END();
}
