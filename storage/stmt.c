/* The per-connection statement cache of the write path and the two step
 * and bind helpers every storage file uses. Its own file so that store.c
 * (scalar facts) and items.c (list tables) both use it without calling
 * each other. */
#include <stdlib.h>

#include "common/log.h"
#include "storage/storage_int.h"

/* Prepare sql into *slot on first use (sql is only read then), else
 * reuse it; either way reset and unbound. NULL on error (logged). */
sqlite3_stmt *
stmt_cached(sqlite3 *db, sqlite3_stmt **slot, const char *sql)
{
	sqlite3_stmt	*st = *slot;

	if (st == NULL) {
		if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL) != SQLITE_OK) {
			log_warnx("storage: preparing \"%s\": %s", sql,
			    sqlite3_errmsg(db));
			return NULL;
		}
		*slot = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Finalize every cached statement of a store (the connection stays). */
void
stmt_finalize_all(struct store *s)
{
	int	 i, j;

	for (i = 0; i < ST_MAX; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
	for (i = 0; i < ITEM_KIND_MAX; i++)
		for (j = 0; j < SST_MAX; j++) {
			sqlite3_finalize(s->sst[i][j]);
			s->sst[i][j] = NULL;
		}
	for (i = 0; i < CST_MAX; i++) {
		sqlite3_finalize(s->cst[i]);
		s->cst[i] = NULL;
	}
	for (i = 0; i < ITEM_KIND_MAX; i++)
		for (j = 0; j < IST_MAX; j++) {
			sqlite3_finalize(s->ist[i][j]);
			s->ist[i][j] = NULL;
		}
}

/* Step a statement that returns no rows; SQLITE_OK when it ran. */
int
stmt_step_done(sqlite3_stmt *st)
{
	int	 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Bind a string or NULL. */
void
stmt_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* One number from a one-row query, prepared and finalized here: for the
 * few reads that run once, not worth a cached statement. */
int
stmt_int64(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}
