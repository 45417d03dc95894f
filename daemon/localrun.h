/* Running a host's collector command on this machine, for
 * `ansible_connection: local`: `/bin/sh -c COMMAND`, the same command text
 * an SSH exec channel gets, as the rollcall process user, in a process
 * group of its own, stdin /dev/null, a fixed small environment. stdout and
 * stderr come through non-blocking pipes and the exit through a pidfd,
 * all watched by the caller's event loop: nothing here blocks or waits.
 * The job (daemon/job.c) drives it as it drives an SSH channel. */
#ifndef ROLLCALL_LOCALRUN_H
#define ROLLCALL_LOCALRUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;
struct localrun;

/* Something happened (output, EOF, the exit): called from the loop. */
typedef void (*localrun_cb)(void *arg);

/* Which output stream to read. */
enum localrun_stream {
	LOCALRUN_STDOUT,
	LOCALRUN_STDERR,
};

/* Start the command; NULL with err filled when it cannot run (the caller
 * owns the result and frees it with localrun_free). */
struct localrun	*localrun_start(struct event_base *, const char *command,
		    localrun_cb cb, void *arg, char *err, size_t errlen);
/* Bytes the stream has now: > 0 read, 0 nothing now or EOF (see
 * localrun_eof), -1 a read error (errno set). Never blocks. */
ssize_t		 localrun_read(struct localrun *, enum localrun_stream,
		    char *buf, size_t len);
/* Has the stream reached its end (every writer closed it)? */
int		 localrun_eof(const struct localrun *, enum localrun_stream);
/* 1 once the child is reaped: its exit code, or -1 with the signal's
 * name ("KILL", as SSH names it) in sig; 0 while it runs. */
int		 localrun_exited(const struct localrun *, int *code, char *sig,
		    size_t siglen);
/* SIGKILL the whole process group (the command and what it started). */
void		 localrun_kill(struct localrun *);
/* The child's process id (for logs and tests). */
pid_t		 localrun_pid(const struct localrun *);
/* Kill whatever still runs and free; a child not reaped yet is reaped
 * later by the same loop (its pidfd), never waited for here. NULL is
 * fine. Callable from inside the callback. */
void		 localrun_free(struct localrun *);
/* At the thread's loop end: reap what localrun_free left behind, waiting
 * at most max_ms in all, and free it. */
void		 localrun_reap_orphans(int64_t max_ms);

#endif
