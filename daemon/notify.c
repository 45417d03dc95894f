/* sd_notify(3) for Type=notify: READY=1 once config and database are open,
 * STATUS= with sweep progress, WATCHDOG=1 only while alive, STOPPING=1. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/notify.h"

/* The watchdog timer and what it asks before pinging. */
static struct {
	struct event	*ev;		/* fires every half period */
	notify_alive_fn	 alive;		/* liveness check */
	void		*arg;		/* its argument */
	int64_t		 period_ms;	/* half of WATCHDOG_USEC */
	int		 missed;	/* pings withheld in a row */
} wd;

static char	*notify_last_status;	/* last STATUS= sent */

/* Send one notification line (no-op without systemd). */
static void
notify_send(const char *msg)
{
#ifdef HAVE_LIBSYSTEMD
	int	 rc;

	if ((rc = sd_notify(0, msg)) < 0)
		log_debug("sd_notify(%s): %s", msg, strerror(-rc));
#else
	(void)msg;
#endif
}

/* Are we a systemd service? Then we must not fork (Type=notify). */
int
notify_under_systemd(void)
{
	return getenv("NOTIFY_SOCKET") != NULL ||
	    getenv("JOURNAL_STREAM") != NULL;
}

/* Config and database are open: the service is up. */
void
notify_ready(void)
{
	notify_send("READY=1");
}

/* Shutdown has begun. */
void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

/* A SIGHUP reload is being applied. */
void
notify_reloading(void)
{
	notify_send("RELOADING=1");
}

/* STATUS=..., skipped when unchanged (it is called every second). */
void
notify_status(const char *fmt, ...)
{
	va_list	 ap;
	char	*text, *msg;

	va_start(ap, fmt);
	xvasprintf(&text, fmt, ap);
	va_end(ap);
	if (notify_last_status != NULL &&
	    strcmp(notify_last_status, text) == 0) {
		free(text);
		return;
	}
	free(notify_last_status);
	notify_last_status = text;
	xasprintf(&msg, "STATUS=%s", text);
	notify_send(msg);
	free(msg);
}

/* Timer: ping only if the main loop (we run), workers and writer move. */
static void
notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	if (wd.alive != NULL && !wd.alive(wd.period_ms, wd.arg)) {
		if (wd.missed++ == 0)
			log_warnx("watchdog: a worker or the writer makes no "
			    "progress: not pinging systemd");
		return;
	}
	if (wd.missed > 0)
		log_warnx("watchdog: progress again after %d missed pings",
		    wd.missed);
	wd.missed = 0;
	notify_send("WATCHDOG=1");
}

/* Start pinging at half of WATCHDOG_USEC, if systemd wants it. */
int64_t
notify_watchdog_start(struct event_base *base, notify_alive_fn alive,
    void *arg)
{
#ifdef HAVE_LIBSYSTEMD
	struct timeval	 tv;
	uint64_t	 usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	wd.period_ms = (int64_t)(usec / 2000);
	if (wd.period_ms < 1)
		wd.period_ms = 1;
	wd.alive = alive;
	wd.arg = arg;
	tv.tv_sec = wd.period_ms / 1000;
	tv.tv_usec = (wd.period_ms % 1000) * 1000;
	wd.ev = event_new(base, -1, EV_PERSIST, notify_watchdog_cb, NULL);
	event_add(wd.ev, &tv);
	notify_send("WATCHDOG=1");
	log_info("watchdog: pinging systemd every %lld ms",
	    (long long)wd.period_ms);
	return wd.period_ms;
#else
	(void)base;
	(void)alive;
	(void)arg;
	return 0;
#endif
}

/* Stop the timer (shutdown). */
void
notify_watchdog_stop(void)
{
	if (wd.ev != NULL)
		event_free(wd.ev);
	wd.ev = NULL;
	free(notify_last_status);
	notify_last_status = NULL;
}
