/* Per host and collector state (collector_state, schema version 4): the
 * digest of the raw output last parsed and stored, and since when the
 * collector has data on the host. It decides, for each collector of a
 * result, whether its facts are a baseline (first data: stored without
 * history), a diff against what is stored, or merely confirmed (output
 * unchanged: nothing to parse or diff). A host's first baseline writes the
 * one `first_seen` history row the host will ever have. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "storage/storage_int.h"

static const char *const collstate_sql[CST_MAX] = {
	[CST_GET] = "SELECT digest FROM collector_state"
	    " WHERE host_id = ?1 AND collector = ?2",
	[CST_ANY] = "SELECT 1 FROM collector_state WHERE host_id = ?1 LIMIT 1",
	[CST_PUT] = "INSERT INTO collector_state(host_id, collector, digest,"
	    " baseline_at) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT(host_id, collector) DO UPDATE"
	    " SET digest = excluded.digest",
	[CST_FIRST_SEEN] = "INSERT INTO item_history(host_id, kind, name,"
	    " change, new_value, changed_at, sweep_id)"
	    " VALUES (?1, 'host', ?2, 'first_seen', ?3, ?4, ?5)",
};

/* Cached statement of this file. */
static sqlite3_stmt *
collstate_stmt(struct store *s, enum collstate_stmt id)
{
	return stmt_cached(s->db, &s->cst[id], collstate_sql[id]);
}

/* The collector's stored digest: SQLITE_ROW with *known set (and the
 * digest, has = 0 when NULL), SQLITE_DONE when it never stored data. */
static int
collstate_get(struct store *s, int64_t host_id, const char *coll,
    unsigned char dg[RESULT_DIGEST_LEN], int *has)
{
	sqlite3_stmt	*st;
	const void	*b;
	int		 rc;

	*has = 0;
	if ((st = collstate_stmt(s, CST_GET)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, host_id);
	stmt_bind_text(st, 2, coll);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == RESULT_DIGEST_LEN &&
	    (b = sqlite3_column_blob(st, 0)) != NULL) {
		memcpy(dg, b, RESULT_DIGEST_LEN);
		*has = 1;
	}
	sqlite3_reset(st);
	return rc;
}

/* Decide what to do with each collector of a result; plan[i] for colls[i].
 * *fresh is set when the host has no collector data at all yet. */
int
collstate_plan(struct store *s, int64_t host_id, const struct host_result *r,
    enum collplan *plan, int *fresh)
{
	const struct coll_result	*c;
	unsigned char			 dg[RESULT_DIGEST_LEN];
	size_t				 i;
	int				 rc, has, nknown = 0, any = 0;

	for (i = 0; i < r->ncolls; i++) {
		c = &r->colls[i];
		plan[i] = CP_NONE;
		if (c->status != COLL_OK || c->name == NULL)
			continue;
		rc = collstate_get(s, host_id, c->name, dg, &has);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return rc;
		nknown += rc == SQLITE_ROW;
		any = 1;
		if (rc == SQLITE_DONE)
			plan[i] = c->unchanged ? CP_NONE : CP_BASELINE;
		else if (!c->unchanged)
			plan[i] = CP_DIFF;
		else if (has && c->has_digest &&
		    memcmp(dg, c->digest, RESULT_DIGEST_LEN) == 0)
			plan[i] = CP_CONFIRMED;
		/* An unchanged claim the store does not back (the stored
		 * digest moved on meanwhile): nothing parsed to apply, so the
		 * collector keeps what it has, and the in-memory digest that
		 * made the claim is forgotten so the next sweep parses. */
		if (c->unchanged && plan[i] == CP_NONE)
			digests_stage(s->digests, r->name, c->name, NULL);
	}
	*fresh = any && nknown == 0 && collstate_host_new(s, host_id);
	return SQLITE_OK;
}

/* Does the host have no collector state at all? */
int
collstate_host_new(struct store *s, int64_t host_id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = collstate_stmt(s, CST_ANY)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, host_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

/* Store the digest (and, at a baseline, the baseline time) of one
 * collector whose output was parsed and stored. */
static int
collstate_put(struct store *s, int64_t host_id, const struct coll_result *c,
    int64_t when)
{
	sqlite3_stmt	*st;

	if ((st = collstate_stmt(s, CST_PUT)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, host_id);
	stmt_bind_text(st, 2, c->name);
	if (c->has_digest)
		sqlite3_bind_blob(st, 3, c->digest, RESULT_DIGEST_LEN,
		    SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, when);
	return stmt_step_done(st);
}

/* The host's one first_seen row: what its first data held. */
static int
collstate_first_seen(struct store *s, int64_t host_id,
    const struct host_result *r, int64_t when)
{
	static const char *const plural[ITEM_KIND_MAX] = {
		[ITEM_PACKAGE] = "packages", [ITEM_SERVICE] = "services",
		[ITEM_INTERFACE] = "interfaces", [ITEM_ADDRESS] = "addresses",
		[ITEM_FILESYSTEM] = "filesystems",
	};
	sqlite3_stmt	*st;
	struct buf	 b = { 0 };
	size_t		 n[ITEM_KIND_MAX] = { 0 }, i;
	int		 rc;

	for (i = 0; i < r->facts.nitems; i++)
		n[r->facts.items[i].kind]++;
	buf_printf(&b, "facts=%zu", r->facts.n);
	for (i = 0; i < ITEM_KIND_MAX; i++)
		if (n[i] > 0)
			buf_printf(&b, " %s=%zu", plural[i], n[i]);
	if ((st = collstate_stmt(s, CST_FIRST_SEEN)) == NULL) {
		buf_free(&b);
		return sqlite3_errcode(s->db);
	}
	sqlite3_bind_int64(st, 1, host_id);
	stmt_bind_text(st, 2, r->name);
	stmt_bind_text(st, 3, buf_str(&b));
	sqlite3_bind_int64(st, 4, when);
	if (r->sweep_id > 0)
		sqlite3_bind_int64(st, 5, r->sweep_id);
	rc = stmt_step_done(st);
	buf_free(&b);
	return rc;
}

/* After the facts and items are stored: remember the digests of what was
 * parsed, and mark a new host's first sight. */
int
collstate_commit(struct store *s, int64_t host_id,
    const struct host_result *r, const enum collplan *plan, int fresh,
    int64_t when)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < r->ncolls; i++) {
		if (plan[i] != CP_BASELINE && plan[i] != CP_DIFF)
			continue;
		if ((rc = collstate_put(s, host_id, &r->colls[i], when)) !=
		    SQLITE_OK)
			return rc;
		digests_stage(s->digests, r->name, r->colls[i].name,
		    r->colls[i].has_digest ? r->colls[i].digest : NULL);
	}
	if (fresh)
		return collstate_first_seen(s, host_id, r, when);
	return SQLITE_OK;
}
