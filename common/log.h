/* Logging: one API for the whole program (OpenBSD log.c style). stderr in the
 * foreground; under systemd (JOURNAL_STREAM set) lines carry <N> priority
 * prefixes so journald records the right level. Thread-safe. */
#ifndef ROLLCALL_LOG_H
#define ROLLCALL_LOG_H

#include <stdarg.h>

#define LOG_ATTR(f, a) __attribute__((format(printf, f, a)))

void	log_init(int verbose, const char *progname);
void	log_setverbose(int verbose);
int	log_getverbose(void);
/* libevent's EVENT_LOG_ERR, so this header needs no libevent one. */
#define LOG_LIBEVENT_ERR	3

/* The terminal's progress line (NULL clears it); log lines clear it first
 * and redraw it after themselves. */
void	log_status_line(const char *);
/* event_set_log_callback() target: libevent errors as warnings, the rest
 * as debug. */
void	log_libevent(int severity, const char *msg);
/* log_warn appends strerror(errno); log_warnx does not. */
void	log_warn(const char *, ...) LOG_ATTR(1, 2);
void	log_warnx(const char *, ...) LOG_ATTR(1, 2);
void	log_info(const char *, ...) LOG_ATTR(1, 2);
void	log_debug(const char *, ...) LOG_ATTR(1, 2);
void	vlog(int pri, const char *, va_list) LOG_ATTR(2, 0);
/* fatal: start-up problems and broken invariants only. */
void	fatal(const char *, ...) LOG_ATTR(1, 2) __attribute__((noreturn));
void	fatalx(const char *, ...) LOG_ATTR(1, 2) __attribute__((noreturn));

#endif
