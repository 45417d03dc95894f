/* A collector command run on this machine (ansible_connection: local).
 * posix_spawn of /bin/sh -c COMMAND: the command is one argv word, the
 * same text an SSH exec request carries, never put together from
 * inventory values. The child leads a process group of its own, so a kill
 * reaches what it started (timeout(1), subshells, sleep). Its exit is
 * seen through a pidfd on the loop (a 50 ms waitpid(WNOHANG) poll where
 * pidfd_open is missing), so the daemon needs no SIGCHLD handler and
 * reaps exactly its own children. A run freed before its child was reaped
 * is kept on this thread's orphan list until the loop reaps it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/localrun.h"

#define LOCALRUN_SHELL	"/bin/sh"	/* as sshd runs an exec request */
#define LOCALRUN_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
			"/sbin:/bin"	/* when the daemon has no PATH */
#define LOCALRUN_POLL_MS 50		/* exit poll without a pidfd */

/* The only variables the child inherits: what a login gives a command
 * over SSH. Nothing else of the daemon's environment (credentials such as
 * PGPASSWORD or SSH_AUTH_SOCK) reaches a collector. */
static const char *const localrun_env_keep[] = { "PATH", "HOME", "USER",
    "LOGNAME", "TZ" };
#define LOCALRUN_NENV	(sizeof localrun_env_keep / sizeof localrun_env_keep[0])

struct localrun {
	struct event_base	*base;		/* the loop that watches it */
	localrun_cb		 cb;		/* the owner's wake-up */
	void			*arg;		/* its argument */
	pid_t			 pid;		/* the child, and its group */
	int			 pidfd;		/* readable at exit; -1: polled */
	int			 fds[2];	/* stdout, stderr; -1 after EOF */
	struct event		*ev[2];		/* their readiness */
	struct event		*exit_ev;	/* pidfd, or the poll timer */
	int			 reaped;	/* waitpid has taken it */
	int			 lost;		/* reaped by someone else */
	int			 status;	/* its wait status */
	int			 orphan;	/* freed, still to reap */
	LIST_ENTRY(localrun)	 entry;		/* in localrun_orphans */
};

/* Runs freed before their child was reaped, per thread (each worker has
 * its own loop). */
static _Thread_local LIST_HEAD(, localrun) localrun_orphans;

/* Close a stream's read end and stop watching it (at EOF or a kill). */
static void
localrun_close(struct localrun *lr, int s)
{
	if (lr->ev[s] != NULL) {
		event_free(lr->ev[s]);
		lr->ev[s] = NULL;
	}
	if (lr->fds[s] != -1) {
		close(lr->fds[s]);
		lr->fds[s] = -1;
	}
}

/* Free everything; the child is reaped or given up on. */
static void
localrun_destroy(struct localrun *lr)
{
	localrun_close(lr, LOCALRUN_STDOUT);
	localrun_close(lr, LOCALRUN_STDERR);
	if (lr->exit_ev != NULL)
		event_free(lr->exit_ev);
	if (lr->pidfd != -1)
		close(lr->pidfd);
	free(lr);
}

/* Take the child's status if it has ended; 1 once reaped. */
static int
localrun_reap(struct localrun *lr)
{
	pid_t	 r;

	if (lr->reaped)
		return 1;
	do
		r = waitpid(lr->pid, &lr->status, WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r == -1) {		/* SIGCHLD ignored, or reaped elsewhere */
		log_warn("local command (pid %ld): waitpid", (long)lr->pid);
		lr->lost = 1;
	}
	lr->reaped = 1;
	if (lr->exit_ev != NULL)
		event_del(lr->exit_ev);
	return 1;
}

/* The pidfd became readable (or the poll timer ran): reap, then tell the
 * owner; an orphan just goes. Nothing touches lr after the callback, which
 * may free it. */
static void
localrun_exit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct localrun	*lr = arg;

	if (!localrun_reap(lr))
		return;
	if (lr->orphan) {
		LIST_REMOVE(lr, entry);
		localrun_destroy(lr);
		return;
	}
	lr->cb(lr->arg);
}

/* A pipe has data or EOF: the owner reads it. */
static void
localrun_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct localrun	*lr = arg;

	lr->cb(lr->arg);
}

/* The child's environment: the kept variables the daemon has (PATH
 * always). Strings in envp are allocated; localrun_env_free frees them. */
static void
localrun_env(char **envp)
{
	const char	*v;
	size_t		 i, n = 0;

	for (i = 0; i < LOCALRUN_NENV; i++) {
		v = getenv(localrun_env_keep[i]);
		if (v == NULL && strcmp(localrun_env_keep[i], "PATH") == 0)
			v = LOCALRUN_PATH;
		if (v != NULL)
			xasprintf(&envp[n++], "%s=%s", localrun_env_keep[i], v);
	}
	envp[n] = NULL;
}

/* Free what localrun_env allocated. */
static void
localrun_env_free(char **envp)
{
	size_t	 i;

	for (i = 0; envp[i] != NULL; i++)
		free(envp[i]);
}

/* posix_spawn the shell: stdin /dev/null, stdout and stderr the pipes'
 * write ends, a new process group, default signal dispositions (the
 * daemon ignores SIGPIPE; a collector's pipeline must not) and an empty
 * mask. 0, or an errno. */
static int
localrun_spawn(struct localrun *lr, const char *command, int out, int err)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 none, all;
	char				*argv[] = { "sh", "-c", (char *)command,
					    NULL };
	char				*envp[LOCALRUN_NENV + 1];
	int				 rc;

	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	localrun_env(envp);
	rc = posix_spawn(&lr->pid, LOCALRUN_SHELL, &fa, &at, argv, envp);
	localrun_env_free(envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Two pipes, close-on-exec (so no other child inherits them); our read
 * ends non-blocking, the child's write ends blocking as a shell expects.
 * 0, or -1 with errno. */
static int
localrun_pipes(int out[2], int err[2])
{
	out[0] = out[1] = err[0] = err[1] = -1;
	if (pipe2(out, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(err, O_CLOEXEC) == -1 ||
	    fcntl(out[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(err[0], F_SETFL, O_NONBLOCK) == -1) {
		int	 e = errno;

		close(out[0]);
		close(out[1]);
		if (err[0] != -1) {
			close(err[0]);
			close(err[1]);
		}
		errno = e;
		return -1;
	}
	return 0;
}

/* Watch the pipes and the exit on the loop. */
static void
localrun_watch(struct localrun *lr)
{
	struct timeval	 tv = { 0, LOCALRUN_POLL_MS * 1000 };
	int		 s;

	for (s = 0; s < 2; s++) {
		lr->ev[s] = event_new(lr->base, lr->fds[s], EV_READ |
		    EV_PERSIST, localrun_io_cb, lr);
		event_add(lr->ev[s], NULL);
	}
	lr->pidfd = (int)syscall(SYS_pidfd_open, lr->pid, 0);
	if (lr->pidfd != -1) {
		lr->exit_ev = event_new(lr->base, lr->pidfd, EV_READ |
		    EV_PERSIST, localrun_exit_cb, lr);
		event_add(lr->exit_ev, NULL);
	} else {
		lr->exit_ev = event_new(lr->base, -1, EV_PERSIST,
		    localrun_exit_cb, lr);
		event_add(lr->exit_ev, &tv);
	}
}

/* Start the command under the loop's watch. */
struct localrun *
localrun_start(struct event_base *base, const char *command, localrun_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct localrun	*lr;
	int		 out[2], errp[2], rc;

	if (localrun_pipes(out, errp) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return NULL;
	}
	lr = xcalloc(1, sizeof *lr);
	lr->base = base;
	lr->cb = cb;
	lr->arg = arg;
	lr->pidfd = -1;
	rc = localrun_spawn(lr, command, out[1], errp[1]);
	close(out[1]);
	close(errp[1]);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", LOCALRUN_SHELL, strerror(rc));
		close(out[0]);
		close(errp[0]);
		free(lr);
		return NULL;
	}
	lr->fds[LOCALRUN_STDOUT] = out[0];
	lr->fds[LOCALRUN_STDERR] = errp[0];
	localrun_watch(lr);
	log_debug("local command started (pid %ld)", (long)lr->pid);
	return lr;
}

/* Read what the stream has now, without waiting. */
ssize_t
localrun_read(struct localrun *lr, enum localrun_stream s, char *buf,
    size_t len)
{
	ssize_t	 n;

	if (lr->fds[s] == -1)
		return 0;
	do
		n = read(lr->fds[s], buf, len);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		return n;
	if (n == 0) {
		localrun_close(lr, s);
		return 0;
	}
	return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
}

/* At EOF (or closed by a kill)? */
int
localrun_eof(const struct localrun *lr, enum localrun_stream s)
{
	return lr->fds[s] == -1;
}

/* The child's end, as an SSH channel reports it. */
int
localrun_exited(const struct localrun *lr, int *code, char *sig,
    size_t siglen)
{
	const char	*name;

	if (!lr->reaped)
		return 0;
	sig[0] = '\0';
	*code = -1;
	if (lr->lost)
		return 1;
	if (WIFEXITED(lr->status))
		*code = WEXITSTATUS(lr->status);
	else if (WIFSIGNALED(lr->status)) {
		name = sigabbrev_np(WTERMSIG(lr->status));
		snprintf(sig, siglen, "%s", name != NULL ? name : "?");
	}
	return 1;
}

/* Kill the process group while it can still be ours: before the reap,
 * or while a member still holds a pipe (a group's id is not reused while
 * it has members). Then stop reading: nothing it says counts any more. */
void
localrun_kill(struct localrun *lr)
{
	if (!lr->reaped || lr->fds[0] != -1 || lr->fds[1] != -1) {
		if (kill(-lr->pid, SIGKILL) == -1 && errno != ESRCH)
			log_warn("local command (pid %ld): kill", (long)lr->pid);
	}
	localrun_close(lr, LOCALRUN_STDOUT);
	localrun_close(lr, LOCALRUN_STDERR);
}

/* The child's pid. */
pid_t
localrun_pid(const struct localrun *lr)
{
	return lr->pid;
}

/* Kill, then free now or once the loop has reaped the child. */
void
localrun_free(struct localrun *lr)
{
	if (lr == NULL)
		return;
	localrun_kill(lr);
	if (localrun_reap(lr)) {
		localrun_destroy(lr);
		return;
	}
	lr->orphan = 1;		/* its exit event stays armed */
	LIST_INSERT_HEAD(&localrun_orphans, lr, entry);
}

/* The loop has ended: reap the orphans it did not get to, bounded. */
void
localrun_reap_orphans(int64_t max_ms)
{
	struct localrun	*lr;
	struct pollfd	 p;
	int64_t		 end = mono_ms() + max_ms, left;

	while ((lr = LIST_FIRST(&localrun_orphans)) != NULL) {
		while (!localrun_reap(lr) && (left = end - mono_ms()) > 0) {
			p.fd = lr->pidfd;	/* -1: poll just sleeps */
			p.events = POLLIN;
			(void)poll(&p, 1, left < 10 ? (int)left : 10);
		}
		if (!lr->reaped)
			log_warnx("local command (pid %ld) did not end after "
			    "SIGKILL; left unreaped", (long)lr->pid);
		LIST_REMOVE(lr, entry);
		localrun_destroy(lr);
	}
}
