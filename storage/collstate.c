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
	[CST_GET] = "SELECT collector, digest FROM collector_state"
	    " WHERE host_id = ?1",
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

/* One stored collector_state row of a host, as the plan needs it. */
struct cstrow {
	char		*coll;			/* collector name */
	int		 has;			/* digest known (not NULL) */
	unsigned char	 dg[RESULT_DIGEST_LEN];	/* the digest, if has */
};

/* Every collector_state row of a host, in one range read of the primary
 * key rather than one lookup per collector (16 a host, 14% of a steady
 * host's writer instructions). SQLITE_OK or an error; caller frees. */
static int
collstate_load(struct store *s, int64_t host_id, struct cstrow **out,
    size_t *n)
{
	sqlite3_stmt	*st;
	const void	*b;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((st = collstate_stmt(s, CST_GET)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, host_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		(*out)[*n].coll = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
		(*out)[*n].has = 0;
		if (sqlite3_column_bytes(st, 1) == RESULT_DIGEST_LEN &&
		    (b = sqlite3_column_blob(st, 1)) != NULL) {
			memcpy((*out)[*n].dg, b, RESULT_DIGEST_LEN);
			(*out)[*n].has = 1;
		}
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Free rows from collstate_load. */
static void
collstate_unload(struct cstrow *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].coll);
	free(v);
}

/* The stored row of a collector, or NULL when it never stored data. */
static const struct cstrow *
collstate_find(const struct cstrow *v, size_t n, const char *coll)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].coll, coll) == 0)
			return &v[i];
	return NULL;
}

/* Decide what to do with each collector of a result; plan[i] for colls[i].
 * *fresh is set when the host has no collector data at all yet. */
int
collstate_plan(struct store *s, int64_t host_id, const struct host_result *r,
    enum collplan *plan, int *fresh)
{
	const struct coll_result	*c;
	const struct cstrow		*row;
	struct cstrow			*rows;
	size_t				 i, nrows;
	int				 rc, any = 0;

	if ((rc = collstate_load(s, host_id, &rows, &nrows)) != SQLITE_OK)
		return rc;
	for (i = 0; i < r->ncolls; i++) {
		c = &r->colls[i];
		plan[i] = CP_NONE;
		if (c->status != COLL_OK || c->name == NULL)
			continue;
		row = collstate_find(rows, nrows, c->name);
		any = 1;
		if (row == NULL)
			plan[i] = c->unchanged ? CP_NONE : CP_BASELINE;
		else if (!c->unchanged)
			plan[i] = CP_DIFF;
		else if (row->has && c->has_digest &&
		    memcmp(row->dg, c->digest, RESULT_DIGEST_KEPT) == 0)
			plan[i] = CP_CONFIRMED;	/* claims are made on the kept
						 * bytes (a host's "same" knows
						 * no more) */
		/* Else an unchanged claim the store does not back (the
		 * digest the host was given was read before a commit that
		 * moved it on): nothing parsed to apply, so the collector
		 * keeps what it has, and the next sweep's claim is made
		 * against the stored digest. */
	}
	*fresh = any && nrows == 0;
	collstate_unload(rows, nrows);
	return SQLITE_OK;
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
	}
	if (fresh)
		return collstate_first_seen(s, host_id, r, when);
	return SQLITE_OK;
}
