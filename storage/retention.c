/* Retention: prune what is older than `retention`, a few hundred rows per
 * transaction so the writer thread goes back to its queue in between.
 *
 * Pruned: fact_history and item_history rows whose change is older; attempts
 * (and their collector_runs, by cascade) of sweeps that started before,
 * except each host's last attempt and last successful attempt, which the
 * host_status view shows; then sweeps that have no attempt left. Current
 * facts and list rows are never touched. */
#include <stdio.h>

#include "storage/retention.h"

/* One statement per kind of row, each deleting at most ?2 rows older than
 * ?1 (epoch seconds), in this order (attempts before their sweeps). */
static const char *const retention_sql[] = {
	"DELETE FROM fact_history WHERE id IN (SELECT id FROM fact_history"
	" WHERE changed_at < ?1 LIMIT ?2)",
	"DELETE FROM item_history WHERE id IN (SELECT id FROM item_history"
	" WHERE changed_at < ?1 LIMIT ?2)",
	"DELETE FROM attempts WHERE id IN (SELECT a.id FROM attempts a"
	" WHERE a.sweep_id IN (SELECT s.id FROM sweeps s WHERE s.started_at < ?1)"
	" AND a.started_us < ?1 * 1000000"
	" AND a.id <> (SELECT l.id FROM attempts l WHERE l.host_id = a.host_id"
	"  ORDER BY l.started_us DESC, l.id DESC LIMIT 1)"
	" AND a.id IS NOT (SELECT o.id FROM attempts o WHERE o.host_id = a.host_id"
	"  AND o.status = 'ok' ORDER BY o.started_us DESC, o.id DESC LIMIT 1)"
	" LIMIT ?2)",
	"DELETE FROM sweeps WHERE id IN (SELECT s.id FROM sweeps s"
	" WHERE s.started_at < ?1 AND s.ended_at IS NOT NULL AND NOT EXISTS"
	" (SELECT 1 FROM attempts a WHERE a.sweep_id = s.id) LIMIT ?2)",
};

/* Run one pruning statement; returns rows deleted or -1. */
static int64_t
retention_step(sqlite3 *db, const char *sql, int64_t before, int limit)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, limit);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes64(db);
}

/* One transaction's worth of pruning. */
int64_t
retention_prune_batch(sqlite3 *db, int64_t before, int limit, char *err,
    size_t errlen)
{
	int64_t	 n, total = 0;
	size_t	 i;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < sizeof retention_sql / sizeof retention_sql[0] &&
	    total < limit; i++) {
		if ((n = retention_step(db, retention_sql[i], before,
		    limit - (int)total)) == -1)
			goto fail;
		total += n;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return total;
fail:
	snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
