/* The cluster outbox: attempts waiting to be shipped to PostgreSQL, one
 * JSON document each, written in the writer's transaction so an attempt is
 * in the outbox exactly when it is stored. The tables live outside the
 * numbered migrations: they exist only in cluster mode and only the
 * shipper reads them (docs/DISTRIBUTED.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "storage/outbox.h"
#include "storage/outbox_int.h"
#include "storage/storage_int.h"

#define OUTBOX_BUSY_MS	5000	/* reader's busy_timeout */

/* AUTOINCREMENT: ids never go back, even when every row was acknowledged
 * and deleted, so the shipper's "after id" never skips a row. */
static const char outbox_schema[] =
"CREATE TABLE IF NOT EXISTS outbox ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  attempt_id INTEGER NOT NULL,"
"  created_us INTEGER NOT NULL,"
"  doc TEXT NOT NULL);"
"CREATE TABLE IF NOT EXISTS outbox_origin (origin TEXT NOT NULL);"
"INSERT INTO outbox_origin SELECT lower(hex(randomblob(16)))"
"  WHERE NOT EXISTS (SELECT 1 FROM outbox_origin);";

/* The read-only connection of the shipper. */
struct outbox_reader {
	sqlite3		*db;		/* read-only */
};

/* Create the tables (idempotent) and read the origin. */
int
outbox_create(sqlite3 *db, char origin[OUTBOX_ORIGIN_LEN + 1])
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = sqlite3_exec(db, outbox_schema, NULL, NULL, NULL)) !=
	    SQLITE_OK)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT origin FROM outbox_origin LIMIT 1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(origin, OUTBOX_ORIGIN_LEN + 1, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The attempt as one JSON document; caller frees. */
static char *
outbox_doc(const char *origin, int64_t attempt, const struct host_result *r)
{
	struct json_writer	 w;
	char			*text = NULL, uid[OUTBOX_ORIGIN_LEN + 24];
	size_t			 len = 0, i;
	FILE			*fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		fatal("open_memstream");
	snprintf(uid, sizeof uid, "%s:%lld", origin, (long long)attempt);
	json_writer_init(&w, fp);
	json_object_open(&w);
	json_key(&w, "uid");		json_str(&w, uid);
	json_key(&w, "local_id");	json_int(&w, attempt);
	json_key(&w, "host");		json_str(&w, r->name);
	json_key(&w, "address");	json_str(&w, r->address);
	json_key(&w, "port");		json_int(&w, r->port);
	json_key(&w, "sweep_id");	json_int(&w, r->sweep_id);
	json_key(&w, "status");		json_str(&w, host_status_str(r->status));
	json_key(&w, "error");		json_str(&w, r->error);
	json_key(&w, "started_us");	json_int(&w, r->started_us);
	json_key(&w, "ended_us");	json_int(&w, r->ended_us);
	json_key(&w, "facts");
	json_object_open(&w);
	for (i = 0; i < r->facts.n; i++) {
		json_key(&w, r->facts.v[i].key);
		json_str(&w, r->facts.v[i].value);
	}
	json_object_close(&w);
	json_object_close(&w);
	if (fclose(fp) != 0 || text == NULL)
		fatal("outbox document");
	return text;
}

/* Delete the oldest rows beyond max; says so now and then. */
static int
outbox_trim(sqlite3 *db, int64_t newest, size_t max)
{
	sqlite3_stmt	*st;
	int		 rc, n;

	rc = sqlite3_prepare_v2(db, "DELETE FROM outbox WHERE id <= ?1", -1,
	    &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, newest - (int64_t)max);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	if ((n = sqlite3_changes(db)) > 0)
		log_warnx("cluster: outbox full (outbox_max %zu): dropped the "
		    "%d oldest unshipped attempt(s)", max, n);
	return SQLITE_OK;
}

/* Queue the attempt just stored. */
int
outbox_add(sqlite3 *db, const char *origin, const struct host_result *r,
    size_t max)
{
	sqlite3_stmt	*st;
	int64_t		 attempt = 0, id;
	char		*doc;
	int		 rc;

	/* The attempts row just inserted by this transaction: the writer
	 * is the only writer, so it is the highest id. */
	if ((rc = stmt_int64(db, "SELECT max(id) FROM attempts", &attempt)) !=
	    SQLITE_OK)
		return rc;
	doc = outbox_doc(origin, attempt, r);
	rc = sqlite3_prepare_v2(db, "INSERT INTO outbox(attempt_id, "
	    "created_us, doc) VALUES (?1, ?2, ?3)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, attempt);
		sqlite3_bind_int64(st, 2, wall_us());
		sqlite3_bind_text(st, 3, doc, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK :
		    sqlite3_errcode(db);
		sqlite3_finalize(st);
	}
	free(doc);
	if (rc != SQLITE_OK)
		return rc;
	id = sqlite3_last_insert_rowid(db);
	if (id > (int64_t)max)
		return outbox_trim(db, id, max);
	return SQLITE_OK;
}

/* Delete what PostgreSQL acknowledged. */
int
outbox_ack(sqlite3 *db, int64_t upto_id)
{
	sqlite3_stmt	*st;
	int		 rc;

	rc = sqlite3_prepare_v2(db, "DELETE FROM outbox WHERE id <= ?1", -1,
	    &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, upto_id);
	rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	sqlite3_finalize(st);
	return rc;
}

/* Open the shipper's read-only connection. */
struct outbox_reader *
outbox_reader_open(const char *path, char *err, size_t errlen)
{
	struct outbox_reader	*r;
	sqlite3			*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, OUTBOX_BUSY_MS);
	r = xcalloc(1, sizeof *r);
	r->db = db;
	return r;
}

/* Is the error "no such table" (outbox not created yet)? */
static int
outbox_missing(sqlite3 *db)
{
	return strstr(sqlite3_errmsg(db), "no such table") != NULL;
}

/* Up to max documents after after_id, as one JSON array. */
int
outbox_read(struct outbox_reader *r, int64_t after_id, size_t max,
    struct outbox_batch *b, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	struct buf	 out = { 0 };
	int		 rc;

	memset(b, 0, sizeof *b);
	rc = sqlite3_prepare_v2(r->db, "SELECT id, doc FROM outbox WHERE "
	    "id > ?1 ORDER BY id LIMIT ?2", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		if (outbox_missing(r->db))
			return 0;
		snprintf(err, errlen, "outbox: %s", sqlite3_errmsg(r->db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	buf_append(&out, "[", 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (b->n++ > 0)
			buf_append(&out, ",", 1);
		b->last_id = sqlite3_column_int64(st, 0);
		buf_append(&out, sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
	}
	buf_append(&out, "]", 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "outbox: %s", sqlite3_errmsg(r->db));
		buf_free(&out);
		b->n = 0;
		return -1;
	}
	b->json = buf_steal(&out);
	return 0;
}

/* Count and age of what is waiting. */
int
outbox_backlog(struct outbox_reader *r, struct outbox_backlog *bl,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(bl, 0, sizeof *bl);
	rc = sqlite3_prepare_v2(r->db, "SELECT count(*), "
	    "coalesce(min(created_us), 0) FROM outbox", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		if (outbox_missing(r->db))
			return 0;
		snprintf(err, errlen, "outbox: %s", sqlite3_errmsg(r->db));
		return -1;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bl->count = sqlite3_column_int64(st, 0);
		bl->oldest_us = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "outbox: %s", sqlite3_errmsg(r->db));
		return -1;
	}
	return 0;
}

/* Close the reader; NULL is fine. */
void
outbox_reader_close(struct outbox_reader *r)
{
	if (r == NULL)
		return;
	sqlite3_close(r->db);
	free(r);
}
