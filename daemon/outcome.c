/* Reading a sweep's per-host outcomes back, off the main loop: a thread
 * waits for the writer (writer_flush), queries the attempts read-only, and
 * wakes the loop through a pipe. One lookup per finished sweep. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/outcome.h"

static const char outcome_sql[] =
    "SELECT h.name, a.status FROM attempts a JOIN hosts h ON h.id ="
    " a.host_id WHERE a.sweep_id = ?1";

/* One lookup. */
struct outcome {
	struct writer	*writer;	/* to wait for */
	char		*dbpath;	/* database to read */
	char		 id[24];	/* sweep id as text, bound to ?1 */
	pthread_t	 thread;	/* the reader */
	int		 pipe[2];	/* thread -> loop wake-up */
	struct event	*ev;		/* on pipe[0] */
	struct table	*result;	/* rows, or NULL on error */
	outcome_cb	 cb;		/* where they go */
	void		*arg;
};

/* Thread: flush, read, wake the loop. */
static void *
outcome_main(void *arg)
{
	struct outcome	*o = arg;
	const char	*params[1] = { o->id };
	struct db	*db;
	char		 err[256];

	writer_flush(o->writer);
	if ((db = db_open_ro(o->dbpath, err, sizeof err)) == NULL ||
	    (o->result = db_query_params(db, outcome_sql, params, 1, err,
	    sizeof err)) == NULL)
		log_warnx("sweep %s: cannot read its results back: %s", o->id,
		    err);
	db_close(db);
	if (write(o->pipe[1], "", 1) == -1)
		log_warn("outcome wake-up");
	return NULL;
}

/* Loop side: hand the rows over. */
static void
outcome_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outcome	*o = arg;
	struct table	*t = o->result;

	o->result = NULL;
	o->cb(t, o->arg);
}

/* Start a lookup of one sweep's attempts. */
struct outcome *
outcome_start(struct event_base *base, struct writer *w, const char *dbpath,
    int64_t sweep_id, outcome_cb cb, void *arg)
{
	struct outcome	*o;

	o = xcalloc(1, sizeof *o);
	o->writer = w;
	o->dbpath = xstrdup(dbpath);
	snprintf(o->id, sizeof o->id, "%lld", (long long)sweep_id);
	o->cb = cb;
	o->arg = arg;
	if (pipe2(o->pipe, O_CLOEXEC) == -1)
		fatal("pipe2");
	o->ev = event_new(base, o->pipe[0], EV_READ, outcome_done_cb, o);
	event_add(o->ev, NULL);
	if ((errno = pthread_create(&o->thread, NULL, outcome_main, o)) != 0)
		fatal("pthread_create");
	return o;
}

/* Join and free. */
void
outcome_free(struct outcome *o)
{
	if (o == NULL)
		return;
	pthread_join(o->thread, NULL);
	event_free(o->ev);
	close(o->pipe[0]);
	close(o->pipe[1]);
	if (o->result != NULL)
		table_free(o->result);
	free(o->dbpath);
	free(o);
}
