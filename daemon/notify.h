/* systemd service notifications (sd_notify): READY=1, STATUS=, STOPPING=1
 * and the watchdog. Without libsystemd, or outside systemd (no
 * NOTIFY_SOCKET), every call does nothing. */
#ifndef ROLLCALL_NOTIFY_H
#define ROLLCALL_NOTIFY_H

#include <stdint.h>

struct event_base;

/* Is the process run by systemd (NOTIFY_SOCKET or JOURNAL_STREAM set)? */
int	 notify_under_systemd(void);
void	 notify_ready(void);
void	 notify_stopping(void);
void	 notify_reloading(void);
/* STATUS=<text>, sent only when it changed. */
void	 notify_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Liveness check for the watchdog: 1 when every part makes progress. */
typedef int (*notify_alive_fn)(int64_t max_age_ms, void *arg);
/* If systemd asks for a watchdog (WATCHDOG_USEC), ping WATCHDOG=1 from a
 * timer on base every half period, but only while alive() says so.
 * Returns the period in ms, 0 when no watchdog is wanted. */
int64_t	 notify_watchdog_start(struct event_base *, notify_alive_fn,
	    void *arg);
void	 notify_watchdog_stop(void);

#endif
