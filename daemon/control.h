/* The control socket: a Unix stream socket (mode 0660, peers checked with
 * SO_PEERCRED: root and the daemon's own uid only). One request line per
 * connection, one JSON object line back:
 *   status          the daemon's state (sched_stats as JSON)
 *   sweep [LIMIT]   start a sweep now, or queue it behind the running one:
 *                   {"ok":true,"hosts":N,"queued":BOOL} or {"error":"..."}
 *                   (no host matches, shutting down)
 *   sweep-wait [LIMIT]  the same, answered once that sweep has ended and
 *                   its results are stored: {"ok":true,"hosts":N,"sweep":
 *                   {"id","hosts","ok","failed","interrupted",
 *                   "duration_ms","summary"}} */
#ifndef ROLLCALL_CONTROL_H
#define ROLLCALL_CONTROL_H

#include <stddef.h>

struct event_base;
struct sched;
struct control;

/* Listen on path (a stale socket is replaced; a live one is an error).
 * Returns NULL with err filled. */
struct control	*control_new(struct event_base *, const char *path,
		    struct sched *, char *err, size_t errlen);
/* Close every connection, remove the socket, free. NULL is fine. */
void		 control_free(struct control *);

/* Client side (blocking, for the CLI): send one request line, return the
 * response line (caller frees) or NULL with err filled. */
char		*control_request(const char *path, const char *request,
		    char *err, size_t errlen);
/* The same, waiting up to timeout_ms (-1: for ever) for the answer. */
char		*control_request_wait(const char *path, const char *request,
		    int timeout_ms, char *err, size_t errlen);

#endif
