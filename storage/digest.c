/* The stored digest of a host's collector output, read on the worker
 * threads before parsing (issue 13): equal means the output is what was
 * parsed and stored last time, so parsing and diffing are skipped. Reads
 * committed rows only, through a small pool of read-only connections (one
 * per thread asking at once), so a skip is only ever claimed against data
 * that is stored; the writer checks the claim again when it stores. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "storage/digest.h"

#define DIGEST_CACHE_KB	256	/* page cache per connection */

static const char digest_sql[] =
    "SELECT s.digest FROM collector_state s JOIN hosts h ON h.id = s.host_id"
    " WHERE h.name = ?1 AND s.collector = ?2";

/* One read-only connection of the pool. */
struct dconn {
	sqlite3			*db;	/* read-only */
	sqlite3_stmt		*st;	/* digest_sql */
	STAILQ_ENTRY(dconn)	 entry;	/* on the free list */
};

struct digests {
	char			*path;	/* database file */
	pthread_mutex_t		 lock;	/* guards free */
	STAILQ_HEAD(, dconn)	 free;	/* idle connections */
	int			 warned; /* open failures (logged once) */
};

/* A pool for the database at path; connections open on first use. */
struct digests *
digests_open(const char *path)
{
	struct digests	*d;

	d = xcalloc(1, sizeof *d);
	d->path = xstrdup(path);
	pthread_mutex_init(&d->lock, NULL);
	STAILQ_INIT(&d->free);
	return d;
}

/* Close a connection of the pool. */
static void
dconn_free(struct dconn *c)
{
	sqlite3_finalize(c->st);
	sqlite3_close(c->db);
	free(c);
}

/* Open one more read-only connection; NULL (logged once) on failure. */
static struct dconn *
dconn_new(struct digests *d)
{
	struct dconn	*c;
	char		 sql[64];
	int		 warn;

	c = xcalloc(1, sizeof *c);
	if (sqlite3_open_v2(d->path, &c->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, digest_sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &c->st, NULL) != SQLITE_OK) {
		pthread_mutex_lock(&d->lock);
		warn = !d->warned++;
		pthread_mutex_unlock(&d->lock);
		if (warn)
			log_warnx("digests: %s: %s (outputs are parsed every "
			    "time)", d->path, c->db != NULL ?
			    sqlite3_errmsg(c->db) : "out of memory");
		dconn_free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 1000);
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", DIGEST_CACHE_KB);
	sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	return c;
}

/* Take an idle connection or open one. */
static struct dconn *
digests_take(struct digests *d)
{
	struct dconn	*c;

	pthread_mutex_lock(&d->lock);
	if ((c = STAILQ_FIRST(&d->free)) != NULL)
		STAILQ_REMOVE_HEAD(&d->free, entry);
	pthread_mutex_unlock(&d->lock);
	return c != NULL ? c : dconn_new(d);
}

/* The digest stored for host and collector into dg: 1 if there is one,
 * 0 if none (or it cannot be read: then the output is parsed). */
int
digests_get(struct digests *d, const char *host, const char *coll,
    unsigned char dg[RESULT_DIGEST_LEN])
{
	struct dconn	*c;
	const void	*b;
	int		 found = 0;

	if (d == NULL || (c = digests_take(d)) == NULL)
		return 0;
	sqlite3_bind_text(c->st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st, 2, coll, -1, SQLITE_STATIC);
	if (sqlite3_step(c->st) == SQLITE_ROW &&
	    sqlite3_column_bytes(c->st, 0) == RESULT_DIGEST_LEN &&
	    (b = sqlite3_column_blob(c->st, 0)) != NULL) {
		memcpy(dg, b, RESULT_DIGEST_LEN);
		found = 1;
	}
	sqlite3_reset(c->st);
	sqlite3_clear_bindings(c->st);
	pthread_mutex_lock(&d->lock);
	STAILQ_INSERT_HEAD(&d->free, c, entry);
	pthread_mutex_unlock(&d->lock);
	return found;
}

/* Close every connection and free the pool. NULL is fine. */
void
digests_close(struct digests *d)
{
	struct dconn	*c;

	if (d == NULL)
		return;
	while ((c = STAILQ_FIRST(&d->free)) != NULL) {
		STAILQ_REMOVE_HEAD(&d->free, entry);
		dconn_free(c);
	}
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	free(d);
}
