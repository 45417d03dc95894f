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

/* Fields of a list kind's value, in storage order (filesystems'
 * used_bytes changes every sweep: it goes apart, in "used"). */
static const int outbox_nfields[ITEM_KIND_MAX] = {
	[ITEM_PACKAGE] = 4, [ITEM_SERVICE] = 5, [ITEM_INTERFACE] = 4,
	[ITEM_ADDRESS] = 4, [ITEM_FILESYSTEM] = 4,
};

/* What the local database adds to a result: the host's groups and the
 * sweep's trigger, start and size (the central sweeps view needs them). */
struct outbox_ctx {
	char	*groups;	/* comma list, or NULL */
	char	*trigger;	/* sweep trigger, or NULL */
	int64_t	 sweep_started;	/* seconds, 0 unknown */
	int64_t	 sweep_nhosts;	/* hosts planned, -1 unknown */
};

/* Fill ctx from the hosts and sweeps rows; missing rows leave NULLs. */
static int
outbox_ctx_load(sqlite3 *db, const struct host_result *r,
    struct outbox_ctx *x)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(x, 0, sizeof *x);
	x->sweep_nhosts = -1;
	rc = sqlite3_prepare_v2(db, "SELECT h.groups, s.trigger, s.started_at,"
	    " s.nhosts FROM hosts h LEFT JOIN sweeps s ON s.id = ?2"
	    " WHERE h.name = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->sweep_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			x->groups = xstrdup((const char *)
			    sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			x->trigger = xstrdup((const char *)
			    sqlite3_column_text(st, 1));
			x->sweep_started = sqlite3_column_int64(st, 2);
			x->sweep_nhosts = sqlite3_column_int64(st, 3);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Was this collector's output parsed and stored (not unchanged)? */
static int
outbox_parsed(const struct coll_result *c)
{
	return c->status == COLL_OK && !c->unchanged && c->name != NULL;
}

/* "runs": each collector as collector_runs stores it (those that ran ok
 * with unchanged output are only counted, in "unchanged"). */
static void
outbox_doc_runs(struct json_writer *w, const struct host_result *r)
{
	const struct coll_result	*c;
	size_t				 i;

	json_key(w, "runs");
	json_array_open(w);
	for (i = 0; i < r->ncolls; i++) {
		c = &r->colls[i];
		if (c->status == COLL_OK && c->unchanged)
			continue;
		json_object_open(w);
		json_key(w, "collector");	json_str(w, c->name);
		json_key(w, "status");	json_str(w, coll_status_str(c->status));
		json_key(w, "exit_code");	json_int(w, c->exit_code);
		json_key(w, "error");		json_str(w, c->error);
		json_key(w, "out_bytes");	json_int(w, (long long)c->out_bytes);
		json_key(w, "duration_ms");
		if (c->duration_ms >= 0)
			json_int(w, c->duration_ms);
		else
			json_null(w);
		json_object_close(w);
	}
	json_array_close(w);
}

/* Does key belong to collector name ("name." or "custom.name.")? */
static int
outbox_owns(const char *name, const char *key)
{
	size_t	 n = strlen(name);

	if (strncmp(key, name, n) == 0 && key[n] == '.')
		return 1;
	return strncmp(name, "custom.", 7) != 0 &&
	    strncmp(key, "custom.", 7) == 0 &&
	    strncmp(key + 7, name, n) == 0 && key[7 + n] == '.';
}

/* "data": the facts of every collector that was parsed, by collector
 * (an empty object when it has none: its facts are gone). */
static void
outbox_doc_data(struct json_writer *w, const struct host_result *r)
{
	size_t	 i, j;

	json_key(w, "data");
	json_object_open(w);
	for (i = 0; i < r->ncolls; i++) {
		if (!outbox_parsed(&r->colls[i]))
			continue;
		json_key(w, r->colls[i].name);
		json_object_open(w);
		for (j = 0; j < r->facts.n; j++)
			if (outbox_owns(r->colls[i].name, r->facts.v[j].key)) {
				json_key(w, r->facts.v[j].key);
				json_str(w, r->facts.v[j].value);
			}
		json_object_close(w);
	}
	json_object_close(w);
}

/* Was the collector owning list kind k parsed in this attempt? */
static int
outbox_kind_parsed(const struct host_result *r, enum item_kind k)
{
	const char	*owner = item_owner(k);
	size_t		 i;

	for (i = 0; i < r->ncolls; i++)
		if (r->colls[i].name != NULL &&
		    strcmp(r->colls[i].name, owner) == 0)
			return outbox_parsed(&r->colls[i]);
	return 0;
}

/* "items": per kind whose owner was parsed, its rows (value fields); a
 * missing package arch is "" as storage keeps it. "used": filesystems'
 * used_bytes by mount. Unparsed kinds are absent: unchanged. */
static void
outbox_doc_items(struct json_writer *w, const struct host_result *r)
{
	const struct item	*it;
	size_t			 i;
	int			 k, f;

	json_key(w, "items");
	json_object_open(w);
	for (k = 0; k < ITEM_KIND_MAX; k++) {
		if (!outbox_kind_parsed(r, k))
			continue;
		json_key(w, item_kind_str(k));
		json_array_open(w);
		for (i = 0; i < r->facts.nitems; i++) {
			if ((it = &r->facts.items[i])->kind != (enum item_kind)k)
				continue;
			json_array_open(w);
			for (f = 0; f < outbox_nfields[k]; f++)
				json_str(w, it->f[f] == NULL && k == ITEM_PACKAGE &&
				    f == 2 ? "" : it->f[f]);
			json_array_close(w);
		}
		json_array_close(w);
	}
	json_object_close(w);
	json_key(w, "used");
	json_object_open(w);
	for (i = 0; i < r->facts.nitems; i++)
		if ((it = &r->facts.items[i])->kind == ITEM_FILESYSTEM &&
		    it->f[0] != NULL) {
			json_key(w, it->f[0]);
			json_str(w, it->f[4]);
		}
	json_object_close(w);
}

/* The attempt's own fields. */
static void
outbox_doc_attempt(struct json_writer *w, const char *uid, int64_t attempt,
    const struct host_result *r, const struct outbox_ctx *x)
{
	size_t	 i, same = 0;

	for (i = 0; i < r->ncolls; i++)
		same += r->colls[i].status == COLL_OK && r->colls[i].unchanged;
	json_key(w, "uid");		json_str(w, uid);
	json_key(w, "local_id");	json_int(w, attempt);
	json_key(w, "host");		json_str(w, r->name);
	json_key(w, "address");	json_str(w, r->address);
	json_key(w, "port");		json_int(w, r->port);
	json_key(w, "sweep_id");	json_int(w, r->sweep_id);
	json_key(w, "status");		json_str(w, host_status_str(r->status));
	json_key(w, "error");		json_str(w, r->error);
	json_key(w, "started_us");	json_int(w, r->started_us);
	json_key(w, "ended_us");	json_int(w, r->ended_us);
	json_key(w, "authed_us");
	if (r->authed_us > 0)
		json_int(w, r->authed_us);
	else
		json_null(w);
	json_key(w, "unchanged");
	if (same > 0)
		json_int(w, (long long)same);
	else
		json_null(w);
	json_key(w, "groups");		json_str(w, x->groups);
	json_key(w, "trigger");	json_str(w, x->trigger);
	if (x->trigger != NULL) {
		json_key(w, "sweep_started_at"); json_int(w, x->sweep_started);
		json_key(w, "sweep_nhosts");	json_int(w, x->sweep_nhosts);
	}
}

/* The attempt as one JSON document; caller frees. */
static char *
outbox_doc(const char *origin, int64_t attempt, const struct host_result *r,
    const struct outbox_ctx *x)
{
	struct json_writer	 w;
	char			*text = NULL, uid[OUTBOX_ORIGIN_LEN + 24];
	size_t			 len = 0;
	FILE			*fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		fatal("open_memstream");
	snprintf(uid, sizeof uid, "%s:%lld", origin, (long long)attempt);
	json_writer_init(&w, fp);
	json_object_open(&w);
	outbox_doc_attempt(&w, uid, attempt, r, x);
	outbox_doc_runs(&w, r);
	outbox_doc_data(&w, r);
	outbox_doc_items(&w, r);
	json_object_close(&w);
	if (fclose(fp) != 0 || text == NULL)
		fatal("outbox document");
	return text;
}

/* Delete the oldest rows beyond max; a warning each time, so a full
 * outbox (PostgreSQL away too long) is loud in the log. */
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
	sqlite3_stmt		*st;
	struct outbox_ctx	 x;
	int64_t			 attempt = 0, id;
	char			*doc;
	int			 rc;

	/* The attempts row just inserted by this transaction: the writer
	 * is the only writer, so it is the highest id. */
	if ((rc = stmt_int64(db, "SELECT max(id) FROM attempts", &attempt)) !=
	    SQLITE_OK || (rc = outbox_ctx_load(db, r, &x)) != SQLITE_OK)
		return rc;
	doc = outbox_doc(origin, attempt, r, &x);
	free(x.groups);
	free(x.trigger);
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

/* Count and age of what is waiting. Rows leave the outbox only from the
 * front (both deletes are "id <= N") and ids only grow, so the rows are one
 * run of ids: the count is max - min + 1 and the oldest is the first row,
 * two rowid look-ups instead of a scan of up to outbox_max rows each second. */
int
outbox_backlog(struct outbox_reader *r, struct outbox_backlog *bl,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(bl, 0, sizeof *bl);
	rc = sqlite3_prepare_v2(r->db, "SELECT coalesce((SELECT max(id) FROM "
	    "outbox) - (SELECT min(id) FROM outbox) + 1, 0), coalesce((SELECT "
	    "created_us FROM outbox ORDER BY id LIMIT 1), 0)", -1, &st, NULL);
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
