/* The stored digest of a host's collector output, read on the worker
 * threads before parsing (issue 13): equal means the output is what was
 * parsed and stored last time, so parsing and diffing are skipped. Reads
 * committed rows only, through one read-only connection opened with the
 * writer (before any sweep, so its descriptors are taken once, up front)
 * and shared under a lock: a look-up is one indexed row, far shorter than
 * the parse it saves. The writer checks a skip claim again when it
 * stores. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "storage/digest.h"

#define DIGEST_CACHE_KB	512	/* page cache of the connection */

static const char digest_sql[] =
    "SELECT s.digest FROM collector_state s JOIN hosts h ON h.id = s.host_id"
    " WHERE h.name = ?1 AND s.collector = ?2";

struct digests {
	pthread_mutex_t	 lock;	/* one look-up at a time */
	sqlite3		*db;	/* read-only; NULL if it would not open */
	sqlite3_stmt	*st;	/* digest_sql */
};

/* Open the look-up connection on the database at path (already created
 * and migrated by the writer). On failure, logged, every output is
 * parsed. */
struct digests *
digests_open(const char *path)
{
	struct digests	*d;
	char		 sql[64];

	d = xcalloc(1, sizeof *d);
	pthread_mutex_init(&d->lock, NULL);
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(d->db, digest_sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &d->st, NULL) != SQLITE_OK) {
		log_warnx("digests: %s: %s (outputs are parsed every time)",
		    path, d->db != NULL ? sqlite3_errmsg(d->db) :
		    "out of memory");
		sqlite3_finalize(d->st);
		sqlite3_close(d->db);
		d->db = NULL;
		d->st = NULL;
		return d;
	}
	sqlite3_busy_timeout(d->db, 1000);
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", DIGEST_CACHE_KB);
	sqlite3_exec(d->db, sql, NULL, NULL, NULL);
	/* One read now opens the -wal and -shm too, so no descriptor is
	 * taken later, in the middle of a sweep. */
	sqlite3_exec(d->db, "SELECT 1 FROM collector_state LIMIT 1", NULL,
	    NULL, NULL);
	return d;
}

/* The digest stored for host and collector into dg: 1 if there is one,
 * 0 if none (or it cannot be read: then the output is parsed). */
int
digests_get(struct digests *d, const char *host, const char *coll,
    unsigned char dg[RESULT_DIGEST_LEN])
{
	const void	*b;
	int		 found = 0;

	if (d == NULL || d->st == NULL)
		return 0;
	pthread_mutex_lock(&d->lock);
	sqlite3_bind_text(d->st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(d->st, 2, coll, -1, SQLITE_STATIC);
	if (sqlite3_step(d->st) == SQLITE_ROW &&
	    sqlite3_column_bytes(d->st, 0) == RESULT_DIGEST_LEN &&
	    (b = sqlite3_column_blob(d->st, 0)) != NULL) {
		memcpy(dg, b, RESULT_DIGEST_LEN);
		found = 1;
	}
	sqlite3_reset(d->st);
	sqlite3_clear_bindings(d->st);
	pthread_mutex_unlock(&d->lock);
	return found;
}

/* Close the connection and free. NULL is fine. */
void
digests_close(struct digests *d)
{
	if (d == NULL)
		return;
	sqlite3_finalize(d->st);
	sqlite3_close(d->db);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
