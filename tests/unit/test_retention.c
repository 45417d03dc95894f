/* Retention: writer_prune deletes history older than the cut-off in small
 * batches, keeps newer rows, current facts, and each host's last attempt
 * and last successful attempt. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "storage/storage.h"
#include "storage/storage_test.h"
#include "test.h"

#define OLD	1000		/* epoch seconds: long ago */
#define NEW	2000000000	/* epoch seconds: in 2033 */
#define CUT	1500000000	/* prune before this */
#define NOLD	1234		/* old history rows per table: > 2 batches */

static char	 tmpdir[] = "/tmp/rollcall-test-retention.XXXXXX";
static char	 dbpath[512];

/* First cell of the first row as a number, -1 on error. */
static long long
count(struct db *db, const char *sql)
{
	struct table	*t;
	char		 err[256];
	long long	 n = -1;

	if ((t = db_query(db, sql, err, sizeof err)) == NULL) {
		fprintf(stderr, "query: %s\n", err);
		return -1;
	}
	if (t->nrows > 0 && t->rows[0][0] != NULL)
		n = atoll(t->rows[0][0]);
	table_free(t);
	return n;
}

/* Fill the database: one host, old and new history, three attempts. */
static void
fill(struct writer *w)
{
	struct buf	 b = { 0 };

	buf_printf(&b, "INSERT INTO hosts(id, name, first_seen, last_seen)"
	    " VALUES (1, 'h1', %d, %d);", OLD, NEW);
	buf_printf(&b, "INSERT INTO facts_stable VALUES (1, 'os.id', 'debian',"
	    " 'os', %d);", OLD);
	buf_printf(&b, "INSERT INTO facts_volatile VALUES (1, 'uptime.seconds',"
	    " '100', 'uptime', %d);", OLD);
	buf_printf(&b, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT"
	    " i + 1 FROM n WHERE i < %d) INSERT INTO fact_history(host_id,"
	    " key, old_value, new_value, changed_at) SELECT 1, 'k' || i, 'a',"
	    " 'b', %d FROM n;", NOLD, OLD);
	buf_printf(&b, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT"
	    " i + 1 FROM n WHERE i < %d) INSERT INTO item_history(host_id,"
	    " kind, name, change, changed_at) SELECT 1, 'package', 'p' || i,"
	    " 'installed', %d FROM n;", NOLD, OLD);
	buf_printf(&b, "INSERT INTO fact_history(host_id, key, changed_at)"
	    " VALUES (1, 'recent', %d);", NEW);
	buf_printf(&b, "INSERT INTO sweeps(id, trigger, started_at, ended_at)"
	    " VALUES (1, 't', %d, %d), (2, 't', %d, %d), (3, 't', %d, %d),"
	    " (4, 't', %d, %d);", OLD, OLD, OLD + 1, OLD + 1, OLD + 2,
	    OLD + 2, OLD + 3, OLD + 3);
	/* attempt 1: old failure (pruned); 2: last ok (kept); 3: last
	 * attempt (kept); sweep 4 has none and goes. */
	buf_printf(&b, "INSERT INTO attempts(id, sweep_id, host_id, status,"
	    " started_us, ended_us) VALUES"
	    " (1, 1, 1, 'refused', %lld, %lld),"
	    " (2, 2, 1, 'ok', %lld, %lld),"
	    " (3, 3, 1, 'refused', %lld, %lld);",
	    OLD * 1000000LL, OLD * 1000000LL, (OLD + 1) * 1000000LL,
	    (OLD + 1) * 1000000LL, (OLD + 2) * 1000000LL,
	    (OLD + 2) * 1000000LL);
	writer_test_exec(w, buf_str(&b));
	buf_free(&b);
}

int
main(void)
{
	struct writer	*w;
	struct db	*db;
	char		 err[256];
	int		 i;

	log_init(0, "test_retention");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/r.db", tmpdir);
	w = writer_open(dbpath, err, sizeof err);
	CHECK(w != NULL);
	if (w == NULL)
		return 1;
	fill(w);
	db = db_open_ro(dbpath, err, sizeof err);
	CHECK(db != NULL);
	CHECK(count(db, "SELECT count(*) FROM fact_history") == NOLD + 1);

	writer_prune(w, CUT);
	for (i = 0; i < 500 && count(db, "SELECT (SELECT count(*) FROM"
	    " fact_history) + (SELECT count(*) FROM item_history)") > 1; i++)
		usleep(10000);
	writer_flush(w);
	usleep(50000);		/* let the last (empty) batch finish */
	CHECK(count(db, "SELECT count(*) FROM fact_history") == 1);
	CHECK(count(db, "SELECT count(*) FROM fact_history WHERE"
	    " key = 'recent'") == 1);
	CHECK(count(db, "SELECT count(*) FROM item_history") == 0);
	CHECK(count(db, "SELECT count(*) FROM facts") == 2);	/* both kinds */
	CHECK(count(db, "SELECT count(*) FROM attempts") == 2);
	CHECK(count(db, "SELECT count(*) FROM attempts WHERE id IN (2, 3)")
	    == 2);
	CHECK(count(db, "SELECT count(*) FROM sweeps") == 2);
	CHECK(count(db, "SELECT count(*) FROM sweeps WHERE id IN (2, 3)")
	    == 2);

	/* Writes still go through after a prune. */
	writer_test_exec(w, "INSERT INTO fact_history(host_id, key,"
	    " changed_at) VALUES (1, 'later', 2000000001)");
	CHECK(count(db, "SELECT count(*) FROM fact_history") == 2);

	db_close(db);
	writer_close(w);
	unlink(dbpath);
	snprintf(dbpath + strlen(dbpath) - 4, 16, "r.db-wal");
	unlink(dbpath);
	snprintf(dbpath + strlen(dbpath) - 8, 16, "r.db-shm");
	unlink(dbpath);
	rmdir(tmpdir);
	TEST_MAIN_END();
}
