/* Logging to stderr, with journald priority prefixes under systemd. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/log.h"

static int		 log_verbose;	/* 0 info, 1 debug */
static int		 log_journal;	/* stderr is the journal: use <N> */
static const char	*log_prog = "rollcall";
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;
static char		 log_status[256];	/* the terminal's progress line,
						   "" when none is shown */

/* Set verbosity and detect journald (it sets JOURNAL_STREAM for us). */
void
log_init(int verbose, const char *progname)
{
	log_verbose = verbose;
	if (progname != NULL)
		log_prog = progname;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

/* Change verbosity at run time (e.g. after a config reload). */
void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

/* Current verbosity, for code that builds costly debug text. */
int
log_getverbose(void)
{
	return log_verbose;
}

/* Emit one finished line; a single locked write keeps threads apart. */
static void
log_emit(int pri, const char *msg)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 stamp[32];

	pthread_mutex_lock(&log_mtx);
	if (log_status[0] != '\0')
		fputs("\r\033[K", stderr);	/* the log line replaces it */
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", pri, msg);
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_prog, msg);
	}
	if (log_status[0] != '\0')
		fputs(log_status, stderr);	/* and comes back below it */
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
}

/* Show line as the terminal's progress line (NULL or "": clear it). Log
 * lines clear it before they print and draw it again below them, so the
 * two never run together. Only for a terminal on stderr. */
void
log_status_line(const char *line)
{
	pthread_mutex_lock(&log_mtx);
	fputs("\r\033[K", stderr);
	snprintf(log_status, sizeof log_status, "%s", line != NULL ? line : "");
	fputs(log_status, stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
}

/* libevent's own diagnostics into our log, errors as warnings and the rest
 * as debug (tmux does the same); for event_set_log_callback(). */
void
log_libevent(int severity, const char *msg)
{
	if (severity >= LOG_LIBEVENT_ERR)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Format and emit at priority pri, dropping debug unless verbose. */
void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 msg[4096];

	if (pri == LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	log_emit(pri, msg);
}

/* Format, append strerror of the saved errno, emit. */
static void
vlog_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char	 msg[4096];
	size_t	 len;

	vsnprintf(msg, sizeof msg, fmt, ap);
	len = strlen(msg);
	snprintf(msg + len, sizeof msg - len, ": %s", strerror(saved));
	log_emit(pri, msg);
}

/* Warning with the reason errno gives. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* Informational line. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* Debug line, dropped unless verbose. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* Fatal error with errno: log and exit 1. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Fatal error without errno: log and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
