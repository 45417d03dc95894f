/* `rollcall db stats`: how big the database is and what takes the room,
 * read-only and online. Bytes per table come from the dbstat virtual
 * table (every page is visited once: as slow as a quick_check). */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "storage/storage.h"
#include "storage/storage_int.h"

/* Rows and bytes (the table's pages plus its indexes') per table. */
static const char dbstats_tables_sql[] =
    "SELECT m.name AS \"table\","
    " (SELECT sum(s.pgsize) FROM dbstat AS s JOIN sqlite_master AS i"
    "  ON i.name = s.name WHERE s.aggregate = 1 AND i.tbl_name = m.name)"
    "  AS bytes"
    " FROM sqlite_master AS m WHERE m.type = 'table'"
    " AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name";

/* One integer from a statement (pragma or query); 0 when NULL. A failed
 * statement leaves its message in err, once. */
static int64_t
dbstats_int(struct db *d, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 v = 0;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL)) ==
	    SQLITE_OK) {
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			v = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE && err[0] == '\0')
		snprintf(err, errlen, "%s: %s", sql, sqlite3_errmsg(d->db));
	return v;
}

/* Add a "rows" column: count(*) of each table, by its quoted name. */
static int
dbstats_rows(struct db *d, struct table *t, char *err, size_t errlen)
{
	char	*sql, num[32];
	size_t	 r;
	int64_t	 n;

	table_add_column(t, 1, "rows", 1);	/* bytes last */
	t->numeric[2] = 1;
	for (r = 0; r < t->nrows; r++) {
		sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"",
		    t->rows[r][0]);
		n = dbstats_int(d, sql, err, errlen);
		sqlite3_free(sql);
		if (err[0] != '\0')
			return -1;
		snprintf(num, sizeof num, "%lld", (long long)n);
		table_set_cell(t, r, 1, num);
	}
	return 0;
}

/* The header numbers and the row counts of the main tables; -1 with err
 * filled if any could not be read. */
static int
dbstats_numbers(struct db *d, struct db_stats *st, char *err, size_t errlen)
{
#define N(sql)	dbstats_int(d, (sql), err, errlen)
	st->page_size = N("PRAGMA page_size");
	st->pages = N("PRAGMA page_count");
	st->free_pages = N("PRAGMA freelist_count");
	st->schema_version = (int)N("PRAGMA user_version");
	st->hosts = N("SELECT count(*) FROM hosts");
	st->hosts_inventory = N("SELECT count(*) FROM hosts WHERE "
	    "in_inventory = 1");
	st->sweeps = N("SELECT count(*) FROM sweeps");
	st->oldest_sweep = N("SELECT min(started_at) FROM sweeps");
	st->oldest_history = N("SELECT min(t) FROM (SELECT min(changed_at) "
	    "AS t FROM fact_history UNION ALL SELECT min(changed_at) FROM "
	    "item_history)");
#undef N
	return err[0] == '\0' ? 0 : -1;
}

/* Everything `db stats` shows. */
int
db_stats(const char *path, struct db_stats *st, char *err, size_t errlen)
{
	struct stat	 sb;
	struct db	*d;
	char		*wal;

	memset(st, 0, sizeof *st);
	if ((d = db_open_ro(path, err, errlen)) == NULL)
		return -1;
	if (stat(path, &sb) == 0)
		st->file_bytes = sb.st_size;
	xasprintf(&wal, "%s-wal", path);
	if (stat(wal, &sb) == 0)
		st->wal_bytes = sb.st_size;
	free(wal);
	err[0] = '\0';
	if (dbstats_numbers(d, st, err, errlen) == -1 ||
	    (st->tables = db_query(d, dbstats_tables_sql, err, errlen)) ==
	    NULL || dbstats_rows(d, st->tables, err, errlen) == -1) {
		db_close(d);
		db_stats_free(st);
		return -1;
	}
	db_close(d);
	return 0;
}

/* Free what db_stats allocated. */
void
db_stats_free(struct db_stats *st)
{
	table_free(st->tables);
	st->tables = NULL;
}
