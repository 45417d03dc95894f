/* Applying queued data to the database on the writer thread: inventory,
 * sweeps, attempts with their collector runs, and scalar facts diffed
 * against what is stored so history gets a row only when a value changes.
 * Everything here runs inside the writer's open transaction. */
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "storage/storage_int.h"

static const char *const stmt_sql[ST_MAX] = {
	[ST_HOST_UPSERT] = "INSERT INTO hosts(name, address, port, first_seen,"
	    " last_seen, in_inventory) VALUES (?1, ?2, ?3, ?4, ?4, 1)"
	    " ON CONFLICT(name) DO UPDATE SET"
	    " last_seen = max(last_seen, excluded.last_seen),"
	    " address = coalesce(hosts.address, excluded.address),"
	    " port = coalesce(hosts.port, excluded.port) RETURNING id",
	[ST_INV_CLEAR] = "UPDATE hosts SET in_inventory = 0"
	    " WHERE in_inventory <> 0",
	[ST_INV_UPSERT] = "INSERT INTO hosts(name, address, port, user, groups,"
	    " first_seen, last_seen, in_inventory)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1)"
	    " ON CONFLICT(name) DO UPDATE SET address = excluded.address,"
	    " port = excluded.port, user = excluded.user,"
	    " groups = excluded.groups, last_seen = excluded.last_seen,"
	    " in_inventory = 1",
	[ST_SWEEP_BEGIN] = "INSERT INTO sweeps(id, trigger, started_at, nhosts)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_SWEEP_END] = "UPDATE sweeps SET ended_at = ?2,"
	    " ok = (SELECT count(*) FROM attempts"
	    "  WHERE sweep_id = ?1 AND status = 'ok'),"
	    " failed = (SELECT count(*) FROM attempts"
	    "  WHERE sweep_id = ?1 AND status <> 'ok') WHERE id = ?1",
	[ST_ATTEMPT] = "INSERT INTO attempts(sweep_id, host_id, status, error,"
	    " started_us, ended_us, address, port, authed_us, unchanged)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_COLL_RUN] = "INSERT INTO collector_runs(attempt_id, collector,"
	    " status, exit_code, error, out_bytes, duration_ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_FACTS_RANGE] = "SELECT key, value, 0 FROM facts_stable"
	    " WHERE host_id = ?1 AND key >= ?2 AND key < ?3 UNION ALL"
	    " SELECT key, value, 1 FROM facts_volatile"
	    " WHERE host_id = ?1 AND key >= ?2 AND key < ?3 ORDER BY 1",
	[ST_FACT_INSERT] = "INSERT INTO facts_stable(host_id, key, value,"
	    " collector, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_FACT_UPDATE] = "UPDATE facts_stable SET value = ?3,"
	    " collector = ?4, updated_at = ?5 WHERE host_id = ?1 AND key = ?2",
	[ST_FACT_DELETE] = "DELETE FROM facts_stable"
	    " WHERE host_id = ?1 AND key = ?2",
	[ST_VFACT_INSERT] = "INSERT INTO facts_volatile(host_id, key, value,"
	    " collector, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_VFACT_UPDATE] = "UPDATE facts_volatile SET value = ?3,"
	    " collector = ?4, updated_at = ?5 WHERE host_id = ?1 AND key = ?2",
	[ST_VFACT_DELETE] = "DELETE FROM facts_volatile"
	    " WHERE host_id = ?1 AND key = ?2",
	[ST_FACT_HISTORY] = "INSERT INTO fact_history(host_id, key, old_value,"
	    " new_value, changed_at, sweep_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};

/* The volatile table's statements mirror the stable one's. */
_Static_assert(ST_VFACT_UPDATE - ST_VFACT_INSERT ==
    ST_FACT_UPDATE - ST_FACT_INSERT && ST_VFACT_DELETE - ST_VFACT_INSERT ==
    ST_FACT_DELETE - ST_FACT_INSERT, "fact statements out of order");

/* A stored fact, read back for diffing. */
struct kvrow {
	char	*key;		/* fact key */
	char	*value;		/* its stored value */
	int	 vol;		/* found in facts_volatile, not facts_stable */
};

/* One of this file's statements, from the cache. */
static sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt id)
{
	return stmt_cached(s->db, &s->st[id], stmt_sql[id]);
}

/* Bind a sweep id, 0 or less meaning "no sweep". */
static void
bind_sweep(sqlite3_stmt *st, int i, int64_t sweep_id)
{
	if (sweep_id > 0)
		sqlite3_bind_int64(st, i, sweep_id);
	else
		sqlite3_bind_null(st, i);
}

/* Record the inventory: every listed host in, every other host out. */
int
store_sync_inventory(struct store *s, const struct inv_host *h, size_t n,
    int64_t now)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;

	if ((st = store_stmt(s, ST_INV_CLEAR)) == NULL)
		return sqlite3_errcode(s->db);
	if ((rc = stmt_step_done(st)) != SQLITE_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if ((st = store_stmt(s, ST_INV_UPSERT)) == NULL)
			return sqlite3_errcode(s->db);
		stmt_bind_text(st, 1, h[i].name);
		stmt_bind_text(st, 2, h[i].address);
		sqlite3_bind_int(st, 3, h[i].port);
		stmt_bind_text(st, 4, h[i].user);
		stmt_bind_text(st, 5, h[i].groups);
		sqlite3_bind_int64(st, 6, now);
		if ((rc = stmt_step_done(st)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* Insert the row of a sweep that just started. */
int
store_sweep_begin(struct store *s, int64_t id, const char *trigger,
    size_t nhosts, int64_t started_at)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, ST_SWEEP_BEGIN)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, trigger != NULL ? trigger : "manual");
	sqlite3_bind_int64(st, 3, started_at);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)nhosts);
	return stmt_step_done(st);
}

/* Close a sweep: end time and counts from its stored attempts. */
int
store_sweep_end(struct store *s, int64_t id, int64_t ended_at)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, ST_SWEEP_END)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ended_at);
	return stmt_step_done(st);
}

/* The host's row id, creating the row if this host is new. */
static int
store_host(struct store *s, const struct host_result *r, int64_t when,
    int64_t *id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, ST_HOST_UPSERT)) == NULL)
		return sqlite3_errcode(s->db);
	stmt_bind_text(st, 1, r->name);
	stmt_bind_text(st, 2, r->address);
	sqlite3_bind_int(st, 3, r->port);
	sqlite3_bind_int64(st, 4, when);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_reset(st);
	return rc;
}

/* The attempt row and one collector_runs row per collector, except those
 * that ran ok with unchanged output: the attempt counts them. */
static int
store_attempt(struct store *s, int64_t host_id, const struct host_result *r)
{
	const struct coll_result	*c;
	sqlite3_stmt			*st;
	int64_t				 attempt;
	size_t				 i, same;
	int				 rc;

	if ((st = store_stmt(s, ST_ATTEMPT)) == NULL)
		return sqlite3_errcode(s->db);
	bind_sweep(st, 1, r->sweep_id);
	sqlite3_bind_int64(st, 2, host_id);
	stmt_bind_text(st, 3, host_status_str(r->status));
	stmt_bind_text(st, 4, r->error);
	sqlite3_bind_int64(st, 5, r->started_us);
	sqlite3_bind_int64(st, 6, r->ended_us);
	stmt_bind_text(st, 7, r->address);
	sqlite3_bind_int(st, 8, r->port);
	if (r->authed_us > 0)
		sqlite3_bind_int64(st, 9, r->authed_us);
	else
		sqlite3_bind_null(st, 9);
	for (i = 0, same = 0; i < r->ncolls; i++)
		same += r->colls[i].status == COLL_OK && r->colls[i].unchanged;
	if (same > 0)
		sqlite3_bind_int64(st, 10, (sqlite3_int64)same);
	if ((rc = stmt_step_done(st)) != SQLITE_OK)
		return rc;
	attempt = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < r->ncolls; i++) {
		c = &r->colls[i];
		if (c->status == COLL_OK && c->unchanged)
			continue;
		if ((st = store_stmt(s, ST_COLL_RUN)) == NULL)
			return sqlite3_errcode(s->db);
		sqlite3_bind_int64(st, 1, attempt);
		stmt_bind_text(st, 2, c->name);
		stmt_bind_text(st, 3, coll_status_str(c->status));
		sqlite3_bind_int(st, 4, c->exit_code);
		stmt_bind_text(st, 5, c->error);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)c->out_bytes);
		if (c->duration_ms >= 0)
			sqlite3_bind_int64(st, 7, c->duration_ms);
		else
			sqlite3_bind_null(st, 7);
		if ((rc = stmt_step_done(st)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* One fact_history row; NULL old = added, NULL new = removed. */
static int
fact_history(struct store *s, int64_t host_id, const char *key,
    const char *old, const char *new, int64_t when, int64_t sweep_id)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, ST_FACT_HISTORY)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, host_id);
	stmt_bind_text(st, 2, key);
	stmt_bind_text(st, 3, old);
	stmt_bind_text(st, 4, new);
	sqlite3_bind_int64(st, 5, when);
	bind_sweep(st, 6, sweep_id);
	return stmt_step_done(st);
}

/* Write one fact (insert, update or delete, an ST_FACT_* op) in the
 * stable table, or with vol in the volatile one. */
static int
fact_write(struct store *s, enum store_stmt op, int vol, int64_t host_id,
    const char *key, const char *value, const char *coll, int64_t when)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, vol ? op - ST_FACT_INSERT + ST_VFACT_INSERT :
	    op)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, host_id);
	stmt_bind_text(st, 2, key);
	if (op != ST_FACT_DELETE) {
		stmt_bind_text(st, 3, value);
		stmt_bind_text(st, 4, coll);
		sqlite3_bind_int64(st, 5, when);
	}
	return stmt_step_done(st);
}

/* Stored facts of one host under one key prefix, sorted by key, each
 * with the table it is in. */
static int
facts_load(struct store *s, int64_t host_id, const char *prefix,
    struct kvrow **out, size_t *n)
{
	sqlite3_stmt	*st;
	char		*hi;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((st = store_stmt(s, ST_FACTS_RANGE)) == NULL)
		return sqlite3_errcode(s->db);
	hi = xstrdup(prefix);
	hi[strlen(hi) - 1]++;		/* "os." -> "os/": end of the range */
	sqlite3_bind_int64(st, 1, host_id);
	stmt_bind_text(st, 2, prefix);
	stmt_bind_text(st, 3, hi);
	free(hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		(*out)[*n].key = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
		(*out)[*n].value = xstrdup((const char *)
		    sqlite3_column_text(st, 1));
		(*out)[*n].vol = sqlite3_column_int(st, 2);
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Free rows from facts_load. */
static void
facts_unload(struct kvrow *rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(rows[i].key);
		free(rows[i].value);
	}
	free(rows);
}

/* What diffing one prefix needs to know. */
struct factdiff {
	struct store		*s;		/* connection */
	int64_t			 host_id;	/* whose facts */
	const char		*coll;		/* owning collector */
	int64_t			 when;		/* changed_at, seconds */
	int64_t			 sweep_id;	/* for history rows */
	const struct fact	**nv;		/* new facts, sorted, unique */
	size_t			 nnv;
	int			 baseline;	/* collector's first data */
};

/* Apply one step of the merge: old only, new only, or both. Volatile
 * facts (uptime, load, free memory, clock) live in facts_volatile and get
 * their current value written but never a history row, added and removed
 * included. A stored row is changed in the table it was found in. */
static int
factdiff_step(struct factdiff *d, const struct kvrow *o, const struct fact *f)
{
	const char	*key = f != NULL ? f->key : o->key;
	int		 rc;

	if (f == NULL)
		rc = fact_write(d->s, ST_FACT_DELETE, o->vol, d->host_id,
		    o->key, NULL, NULL, d->when);
	else if (o == NULL)
		rc = fact_write(d->s, ST_FACT_INSERT,
		    collector_fact_is_volatile(f->key), d->host_id, f->key,
		    f->value, d->coll, d->when);
	else if (strcmp(o->value, f->value) == 0)
		return SQLITE_OK;
	else
		rc = fact_write(d->s, ST_FACT_UPDATE, o->vol, d->host_id,
		    f->key, f->value, d->coll, d->when);
	if (rc != SQLITE_OK || d->baseline || collector_fact_is_volatile(key))
		return rc;
	return fact_history(d->s, d->host_id, key, o != NULL ? o->value :
	    NULL, f != NULL ? f->value : NULL, d->when, d->sweep_id);
}

/* Replace the stored facts under prefix with the new ones under it. */
static int
factdiff_prefix(struct factdiff *d, const char *prefix)
{
	struct kvrow	*old;
	size_t		 nold, i = 0, j, plen = strlen(prefix);
	int		 rc, cmp;

	if ((rc = facts_load(d->s, d->host_id, prefix, &old, &nold)) != 0)
		return rc;
	/* First new fact at or after the prefix. */
	for (j = 0; j < d->nnv && strcmp(d->nv[j]->key, prefix) < 0; j++)
		;
	while (rc == SQLITE_OK) {
		if (j < d->nnv && strncmp(d->nv[j]->key, prefix, plen) != 0)
			j = d->nnv;
		if (i == nold && j == d->nnv)
			break;
		if (i == nold)
			cmp = 1;
		else if (j == d->nnv)
			cmp = -1;
		else
			cmp = strcmp(old[i].key, d->nv[j]->key);
		rc = factdiff_step(d, cmp <= 0 ? &old[i] : NULL,
		    cmp >= 0 ? d->nv[j] : NULL);
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			j++;
	}
	facts_unload(old, nold);
	return rc;
}

/* Order facts by key, then by position so the first of duplicates wins. */
static int
fact_cmp(const void *a, const void *b)
{
	const struct fact	*fa = *(const struct fact *const *)a;
	const struct fact	*fb = *(const struct fact *const *)b;
	int			 c;

	if ((c = strcmp(fa->key, fb->key)) != 0)
		return c;
	return fa < fb ? -1 : fa > fb;
}

/* The result's facts sorted by key with duplicate keys dropped. */
static const struct fact **
facts_sorted(const struct facts *f, size_t *n)
{
	const struct fact	**v;
	size_t			  i, k = 0;

	v = xcalloc(f->n + 1, sizeof *v);
	for (i = 0; i < f->n; i++)
		v[i] = &f->v[i];
	qsort(v, f->n, sizeof *v, fact_cmp);
	for (i = 0; i < f->n; i++)
		if (k == 0 || strcmp(v[k - 1]->key, v[i]->key) != 0)
			v[k++] = v[i];
	*n = k;
	return v;
}

/* Facts of every collector that ran ok and was parsed replace what that
 * collector owned: "C." and, for a custom collector reported by its bare
 * name, "custom.C.". Collectors that did not run ok keep their old facts,
 * as do those whose output was unchanged (plan says which). */
static int
store_facts(struct store *s, int64_t host_id, const struct host_result *r,
    int64_t when, const enum collplan *plan)
{
	struct factdiff	 d;
	char		*prefix;
	size_t		 i;
	int		 rc = SQLITE_OK;

	memset(&d, 0, sizeof d);
	d.s = s;
	d.host_id = host_id;
	d.when = when;
	d.sweep_id = r->sweep_id;
	d.nv = facts_sorted(&r->facts, &d.nnv);
	for (i = 0; i < r->ncolls && rc == SQLITE_OK; i++) {
		if (plan[i] != CP_BASELINE && plan[i] != CP_DIFF)
			continue;
		d.coll = r->colls[i].name;
		d.baseline = plan[i] == CP_BASELINE;
		xasprintf(&prefix, "%s.", d.coll);
		rc = factdiff_prefix(&d, prefix);
		free(prefix);
		if (rc != SQLITE_OK || strncmp(d.coll, "custom.", 7) == 0)
			continue;
		xasprintf(&prefix, "custom.%s.", d.coll);
		rc = factdiff_prefix(&d, prefix);
		free(prefix);
	}
	free(d.nv);
	return rc;
}

/* Index of the collector owning this list kind in r->colls, or -1. */
static int
items_owner(const struct host_result *r, enum item_kind k)
{
	const char	*owner = item_owner(k);
	size_t		 i;

	for (i = 0; i < r->ncolls; i++)
		if (r->colls[i].name != NULL &&
		    strcmp(r->colls[i].name, owner) == 0)
			return (int)i;
	return -1;
}

/* Facts and list rows of every collector that ran ok and was parsed:
 * a baseline without history, or a diff; then the collectors' state. */
static int
store_data(struct store *s, int64_t host_id, const struct host_result *r,
    int64_t when)
{
	enum collplan	*plan;
	int		 rc, k, o, fresh = 0;

	plan = xcalloc(r->ncolls + 1, sizeof *plan);
	rc = collstate_plan(s, host_id, r, plan, &fresh);
	if (rc == SQLITE_OK)
		rc = store_facts(s, host_id, r, when, plan);
	for (k = 0; k < ITEM_KIND_MAX && rc == SQLITE_OK; k++) {
		if ((o = items_owner(r, k)) == -1 ||
		    (plan[o] != CP_BASELINE && plan[o] != CP_DIFF))
			continue;
		rc = store_items(s, host_id, k, r, when,
		    plan[o] == CP_BASELINE);
	}
	if (rc == SQLITE_OK)
		rc = collstate_commit(s, host_id, r, plan, fresh, when);
	free(plan);
	return rc;
}

/* Store one host attempt: host row, attempt, collector runs, and the facts
 * and list rows of every collector that ran ok. */
int
store_result(struct store *s, const struct host_result *r)
{
	int64_t	 host_id = 0, when;
	int	 rc;

	when = (r->ended_us > 0 ? r->ended_us : wall_us()) / 1000000;
	if ((rc = store_host(s, r, when, &host_id)) != SQLITE_OK)
		return rc;
	if ((rc = store_attempt(s, host_id, r)) != SQLITE_OK)
		return rc;
	return store_data(s, host_id, r, when);
}
