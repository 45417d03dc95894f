/* List items (packages, services, interfaces, addresses, filesystems):
 * each distinct value is stored once in <kind>_items and a host has it
 * through a narrow <kind>_links row (schema version 4). A host's links of
 * one kind are replaced when the owning collector ran ok, with an
 * item_history row for each item added, removed or changed (none at the
 * collector's baseline, its first data on the host). Table-driven so
 * every kind shares one diff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "storage/storage_int.h"
#include "storage/version.h"

#define F(i)	(1u << (i))

/* How one item kind maps onto its tables. */
struct item_desc {
	const char	*kind;			/* <kind>_items, <kind>_links */
	const char	*owner;			/* collector that owns the rows */
	const char	*cols[ITEM_FIELDS];	/* column per field, NULL unused */
	unsigned	 keymask;		/* fields identifying a host's row */
	unsigned	 histmask;		/* fields whose change is history */
	unsigned	 intmask;		/* integer columns, normalised */
	unsigned	 linkmask;		/* fields kept in the link row */
	int		 namef;			/* field for item_history.name */
	int		 detailf;		/* field for .detail, -1 none */
	const char	*added;			/* change word for a new row */
	const char	*changed;		/* change word for new values */
	int		 verf;			/* version field, -1 none */
	int		 mgrf;			/* its package manager field */
	int		 shared;		/* hosts link to sets (itemset.c) */
};

static const struct item_desc item_descs[ITEM_KIND_MAX] = {
	[ITEM_PACKAGE] = { "package", "packages",
	    { "name", "version", "arch", "manager" },
	    F(0) | F(2), F(1), 0, 0, 0, 2, "installed", "upgraded", 1, 3, 1 },
	[ITEM_SERVICE] = { "service", "services",
	    { "name", "load", "active", "sub", "enabled" },
	    F(0), F(1) | F(2) | F(3) | F(4), 0, 0, 0, -1, "added", "changed",
	    -1, -1 },
	[ITEM_INTERFACE] = { "interface", "network",
	    { "name", "mac", "mtu", "state" },
	    F(0), F(1) | F(2) | F(3), F(2), 0, 0, -1, "added", "changed",
	    -1, -1 },
	[ITEM_ADDRESS] = { "address", "network",
	    { "interface", "family", "address", "prefix" },
	    F(0) | F(2), F(1) | F(3), F(3), 0, 2, 0, "added", "changed",
	    -1, -1 },
	[ITEM_FILESYSTEM] = { "filesystem", "filesystems",
	    { "mount", "device", "fstype", "size_bytes", "used_bytes" },
	    F(0), F(1) | F(2) | F(3), F(3) | F(4), F(4), 0, -1, "added",
	    "changed", -1, -1 },
};

/* One list row, stored or new, with its sort key. */
struct irow {
	char	*f[ITEM_FIELDS];	/* fields, NULL for SQL NULL */
	int64_t	 id;			/* its <kind>_items id, 0 unknown */
	char	*key;			/* key fields joined by \x1f */
	size_t	 seq;			/* position in the result */
};

/* Collector that owns a list kind. */
const char *
item_owner(enum item_kind k)
{
	return item_descs[k].owner;
}

/* Number of fields a kind uses. */
static int
desc_nfields(const struct item_desc *d)
{
	int	 n = 0;

	while (n < ITEM_FIELDS && d->cols[n] != NULL)
		n++;
	return n;
}

/* The column list of a kind's fields, each as "<prefix><col>", only the
 * fields in mask, with a placeholder ?(i+4) instead when params. */
static void
item_cols(struct buf *b, const struct item_desc *d, unsigned mask,
    const char *lead, int params)
{
	int	 i, n = desc_nfields(d);

	for (i = 0; i < n; i++) {
		if (!(mask & F(i)))
			continue;
		if (params)
			buf_printf(b, "%s?%d", lead, i + 4);
		else
			buf_printf(b, "%s%s", lead, d->cols[i]);
	}
}

/* SELECT of a host's stored rows of a kind: item id, then every field from
 * the link (per-host fields) or the item (shared ones). */
static void
item_sql_select(struct buf *b, const struct item_desc *d)
{
	int	 i, n = desc_nfields(d);

	buf_printf(b, "SELECT i.id");
	for (i = 0; i < n; i++)
		buf_printf(b, ", %s.%s", (d->linkmask & F(i)) ? "l" : "i",
		    d->cols[i]);
	if (d->shared)
		buf_printf(b, " FROM %s_links l JOIN %s_set_items s"
		    " ON s.set_id = l.set_id JOIN %s_items i ON i.id ="
		    " s.item_id WHERE l.host_id = ?1", d->kind, d->kind,
		    d->kind);
	else
		buf_printf(b, " FROM %s_links l JOIN %s_items i ON"
		    " i.id = l.item_id WHERE l.host_id = ?1", d->kind,
		    d->kind);
}

/* The item whose value fields (vmask) are all equal to the parameters;
 * IS, so NULL matches NULL. */
static void
item_sql_find(struct buf *b, const struct item_desc *d, unsigned vmask)
{
	const char	*sep = "";
	int		 i, n = desc_nfields(d);

	buf_printf(b, "SELECT id FROM %s_items WHERE", d->kind);
	for (i = 0; i < n; i++) {
		if (!(vmask & F(i)))
			continue;
		buf_printf(b, "%s %s IS ?%d", sep, d->cols[i], i + 4);
		sep = " AND";
	}
}

/* INSERT INTO <kind>_<table>(<cols>, fields in mask) VALUES (<vals>,
 * their parameters): a new item, or a new link. */
static void
item_sql_insert(struct buf *b, const struct item_desc *d, const char *table,
    const char *cols, const char *vals, unsigned mask)
{
	buf_printf(b, "INSERT INTO %s_%s(%s", d->kind, table, cols);
	item_cols(b, d, mask, ", ", 0);
	buf_printf(b, ") VALUES (%s", vals);
	item_cols(b, d, mask, ", ", 1);
	buf_printf(b, ")");
}

/* Point a host's link at another item (?3), its per-host fields updated. */
static void
item_sql_relink(struct buf *b, const struct item_desc *d)
{
	int	 i, n = desc_nfields(d);

	buf_printf(b, "UPDATE %s_links SET item_id = ?3", d->kind);
	for (i = 0; i < n; i++)
		if (d->linkmask & F(i))
			buf_printf(b, ", %s = ?%d", d->cols[i], i + 4);
	buf_printf(b, " WHERE host_id = ?1 AND item_id = ?2");
}

/* Build the SQL of one statement for a kind. Parameters: ?1 host_id, ?2
 * item id, ?3 new item id, ?(i+4) field i. */
static char *
item_sql(const struct item_desc *d, enum item_stmt which)
{
	struct buf	 b = { 0 };
	unsigned	 vmask = (F(desc_nfields(d)) - 1) & ~d->linkmask;

	switch (which) {
	case IST_SELECT:
		item_sql_select(&b, d);
		break;
	case IST_FIND:
		item_sql_find(&b, d, vmask);
		break;
	case IST_ADD:
		item_sql_insert(&b, d, "items", "id", "NULL", vmask);
		break;
	case IST_LINK:
		item_sql_insert(&b, d, "links", "host_id, item_id", "?1, ?2",
		    d->linkmask);
		break;
	case IST_UNLINK:
		buf_printf(&b, "DELETE FROM %s_links WHERE host_id = ?1 AND"
		    " item_id = ?2", d->kind);
		break;
	case IST_RELINK:
		item_sql_relink(&b, d);
		break;
	case IST_HISTORY:
		buf_printf(&b, "INSERT INTO item_history(host_id, kind, name,"
		    " detail, change, old_value, new_value, changed_at,"
		    " sweep_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
		break;
	default:
		break;
	}
	return buf_steal(&b);
}

/* Cached statement of one kind; its SQL is built only when first needed. */
static sqlite3_stmt *
item_stmt(struct store *s, enum item_kind k, enum item_stmt which)
{
	sqlite3_stmt	**slot = &s->ist[k][which], *st;
	char		*sql = NULL;

	if (*slot == NULL)
		sql = item_sql(&item_descs[k], which);
	st = stmt_cached(s->db, slot, sql);
	free(sql);
	return st;
}

/* Field text as the database will give it back: key fields never NULL,
 * integers in canonical form, so a re-sweep compares equal. */
static char *
irow_field(const struct item_desc *d, int i, const char *v)
{
	long long	 n;
	char		*end, *out;

	if (v == NULL)
		return (d->keymask & F(i)) ? xstrdup("") : NULL;
	if ((d->intmask & F(i)) && *v != '\0') {
		n = strtoll(v, &end, 10);
		if (*end == '\0') {
			xasprintf(&out, "%lld", n);
			return out;
		}
	}
	return xstrdup(v);
}

/* Compute the sort key of a row from its key fields: each field and a
 * 0x1f after it. Built with memcpy, not buf_printf: a host whose packages
 * changed keys its 850 rows twice (stored and new), and vsnprintf was
 * 14% of the writer's instructions in a steady sweep. */
static void
irow_key(const struct item_desc *d, struct irow *r)
{
	size_t	 len = 0, n;
	char	*p;
	int	 i;

	for (i = 0; i < ITEM_FIELDS; i++)
		if (d->keymask & F(i))
			len += (r->f[i] != NULL ? strlen(r->f[i]) : 0) + 1;
	r->key = p = xmalloc(len + 1);
	for (i = 0; i < ITEM_FIELDS; i++) {
		if (!(d->keymask & F(i)))
			continue;
		n = r->f[i] != NULL ? strlen(r->f[i]) : 0;
		memcpy(p, r->f[i] != NULL ? r->f[i] : "", n);
		p += n;
		*p++ = '\x1f';
	}
	*p = '\0';
}

/* Free an array of rows. */
static void
irows_free(struct irow *v, size_t n)
{
	size_t	 i;
	int	 j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < ITEM_FIELDS; j++)
			free(v[i].f[j]);
		free(v[i].key);
	}
	free(v);
}

/* Order rows by key, then position, so the first of duplicates wins. */
static int
irow_cmp(const void *a, const void *b)
{
	const struct irow	*ra = a, *rb = b;
	int			 c;

	if ((c = strcmp(ra->key, rb->key)) != 0)
		return c;
	return ra->seq < rb->seq ? -1 : ra->seq > rb->seq;
}

/* The result's items of one kind, normalised, sorted, first of each key. */
static struct irow *
irows_new(const struct item_desc *d, enum item_kind k,
    const struct facts *f, size_t *n)
{
	struct irow	*v;
	size_t		 i, m = 0, u = 0;
	int		 j, nf = desc_nfields(d);

	v = xcalloc(f->nitems + 1, sizeof *v);
	for (i = 0; i < f->nitems; i++) {
		if (f->items[i].kind != k)
			continue;
		for (j = 0; j < nf; j++)
			v[m].f[j] = irow_field(d, j, f->items[i].f[j]);
		irow_key(d, &v[m]);
		v[m].seq = m;
		m++;
	}
	qsort(v, m, sizeof *v, irow_cmp);
	for (i = 0; i < m; i++) {
		if (u > 0 && strcmp(v[u - 1].key, v[i].key) == 0) {
			for (j = 0; j < ITEM_FIELDS; j++)
				free(v[i].f[j]);
			free(v[i].key);
			continue;
		}
		v[u++] = v[i];
	}
	*n = u;
	return v;
}

/* The stored rows of one kind for a host, sorted by key. */
static int
irows_load(struct store *s, const struct item_desc *d, enum item_kind k,
    int64_t host_id, struct irow **out, size_t *n)
{
	sqlite3_stmt	*st;
	const char	*t;
	size_t		 cap = 0;
	int		 rc, j, nf = desc_nfields(d);

	*out = NULL;
	*n = 0;
	if ((st = item_stmt(s, k, IST_SELECT)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, host_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		memset(&(*out)[*n], 0, sizeof **out);
		(*out)[*n].id = sqlite3_column_int64(st, 0);
		for (j = 0; j < nf; j++) {
			t = (const char *)sqlite3_column_text(st, j + 1);
			(*out)[*n].f[j] = t != NULL ? xstrdup(t) : NULL;
		}
		irow_key(d, &(*out)[*n]);
		(*n)++;
	}
	sqlite3_reset(st);
	if (*out != NULL)
		qsort(*out, *n, sizeof **out, irow_cmp);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* NULL-safe string equality. */
static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Do two rows differ in any field of mask? */
static int
irow_differs(const struct irow *a, const struct irow *b, unsigned mask)
{
	int	 i;

	for (i = 0; i < ITEM_FIELDS; i++)
		if ((mask & F(i)) && !str_eq(a->f[i], b->f[i]))
			return 1;
	return 0;
}

/* The history value of a row: the one history field, or col=value pairs. */
static char *
irow_value(const struct item_desc *d, const struct irow *r)
{
	struct buf	 b = { 0 };
	int		 i, nhist = __builtin_popcount(d->histmask);

	for (i = 0; i < ITEM_FIELDS; i++) {
		if (!(d->histmask & F(i)))
			continue;
		if (nhist == 1)
			return xstrdup(r->f[i] != NULL ? r->f[i] : "");
		buf_printf(&b, "%s%s=%s", b.len ? " " : "", d->cols[i],
		    r->f[i] != NULL ? r->f[i] : "");
	}
	return buf_steal(&b);
}

/* What diffing one kind for one host needs. */
struct itemdiff {
	struct store		*s;		/* connection */
	const struct item_desc	*d;		/* the kind's table */
	enum item_kind		 k;
	int64_t			 host_id;
	int64_t			 when;		/* changed_at, seconds */
	int64_t			 sweep_id;	/* for history rows */
	int			 baseline;	/* first data: no history */
	int			 changed;	/* shared kind: the set differs */
};

/* One item_history row. */
static int
item_history(struct itemdiff *x, const struct irow *row, const char *change,
    const struct irow *o, const struct irow *n)
{
	sqlite3_stmt	*st;
	char		*ov, *nv;
	int		 rc;

	if ((st = item_stmt(x->s, x->k, IST_HISTORY)) == NULL)
		return sqlite3_errcode(x->s->db);
	ov = o != NULL ? irow_value(x->d, o) : NULL;
	nv = n != NULL ? irow_value(x->d, n) : NULL;
	sqlite3_bind_int64(st, 1, x->host_id);
	stmt_bind_text(st, 2, item_kind_str(x->k));
	stmt_bind_text(st, 3, row->f[x->d->namef]);
	stmt_bind_text(st, 4, x->d->detailf >= 0 ?
	    row->f[x->d->detailf] : NULL);
	stmt_bind_text(st, 5, change);
	stmt_bind_text(st, 6, ov);
	stmt_bind_text(st, 7, nv);
	sqlite3_bind_int64(st, 8, x->when);
	if (x->sweep_id > 0)
		sqlite3_bind_int64(st, 9, x->sweep_id);
	rc = stmt_step_done(st);
	free(ov);
	free(nv);
	return rc;
}

/* Bind the fields of a row in mask to ?(i+4). */
static void
item_bind(sqlite3_stmt *st, const struct item_desc *d, unsigned mask,
    const struct irow *r)
{
	int	 i, n = desc_nfields(d);

	for (i = 0; i < n; i++)
		if (mask & F(i))
			stmt_bind_text(st, i + 4, r->f[i]);
}

/* The id of the row's value in <kind>_items, adding it if it is new. */
static int
item_id(struct itemdiff *x, struct irow *r)
{
	sqlite3_stmt	*st;
	unsigned	 vmask = ~x->d->linkmask;
	int		 rc;

	if ((st = item_stmt(x->s, x->k, IST_FIND)) == NULL)
		return sqlite3_errcode(x->s->db);
	item_bind(st, x->d, vmask, r);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r->id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return SQLITE_OK;
	if (rc != SQLITE_DONE)
		return rc;
	if ((st = item_stmt(x->s, x->k, IST_ADD)) == NULL)
		return sqlite3_errcode(x->s->db);
	item_bind(st, x->d, vmask, r);
	if ((rc = stmt_step_done(st)) == SQLITE_OK)
		r->id = sqlite3_last_insert_rowid(x->s->db);
	return rc;
}

/* Link, unlink or relink a host to an item: o is the stored row (its id
 * goes to ?2), n the new one (its id to ?2 or ?3, link fields bound). */
static int
item_link(struct itemdiff *x, enum item_stmt which, const struct irow *o,
    const struct irow *n)
{
	sqlite3_stmt	*st;

	if ((st = item_stmt(x->s, x->k, which)) == NULL)
		return sqlite3_errcode(x->s->db);
	sqlite3_bind_int64(st, 1, x->host_id);
	if (which == IST_LINK)
		sqlite3_bind_int64(st, 2, n->id);
	else
		sqlite3_bind_int64(st, 2, o->id);
	if (which == IST_RELINK)
		sqlite3_bind_int64(st, 3, n->id);
	if (n != NULL)
		item_bind(st, x->d, x->d->linkmask, n);
	return stmt_step_done(st);
}

/* The change word for a row whose tracked fields changed: for packages
 * the manager's own version order tells upgraded from downgraded (equal
 * in that order but spelled differently: "changed"). */
static const char *
item_change(const struct item_desc *d, const struct irow *o,
    const struct irow *n)
{
	int	 c;

	if (d->verf < 0)
		return d->changed;
	c = version_cmp(n->f[d->mgrf], o->f[d->verf], n->f[d->verf]);
	return c < 0 ? d->changed : c > 0 ? "downgraded" : "changed";
}

/* The same for a shared kind: history as for any kind, and every new row
 * gets its item id; the host's set is written once all are known. */
static int
itemdiff_shared(struct itemdiff *x, const struct irow *o, struct irow *n)
{
	int	 rc;

	if (n != NULL && o != NULL && !irow_differs(o, n, ~x->d->keymask)) {
		n->id = o->id;
		return SQLITE_OK;
	}
	x->changed = 1;
	if (n != NULL && (rc = item_id(x, n)) != SQLITE_OK)
		return rc;
	if (x->baseline)
		return SQLITE_OK;
	if (n == NULL)
		return item_history(x, o, "removed", o, NULL);
	if (o == NULL)
		return item_history(x, n, x->d->added, NULL, n);
	if (!irow_differs(o, n, x->d->histmask))
		return SQLITE_OK;
	return item_history(x, n, item_change(x->d, o, n), o, n);
}

/* A shared kind's new set: the ids of the new rows. */
static int
itemdiff_set(struct itemdiff *x, const struct irow *nw, size_t n)
{
	int64_t	*ids;
	size_t	 i;
	int	 rc;

	ids = xcalloc(n + 1, sizeof *ids);
	for (i = 0; i < n; i++)
		ids[i] = nw[i].id;
	rc = itemset_store(x->s, x->k, x->host_id, ids, n);
	free(ids);
	return rc;
}

/* One merge step: o only (removed), n only (added), or both. At the
 * collector's baseline nothing is history. */
static int
itemdiff_step(struct itemdiff *x, const struct irow *o, struct irow *n)
{
	int	 rc;

	if (x->d->shared)
		return itemdiff_shared(x, o, n);
	if (n == NULL) {
		rc = item_link(x, IST_UNLINK, o, NULL);
		return rc != SQLITE_OK || x->baseline ? rc :
		    item_history(x, o, "removed", o, NULL);
	}
	if (o == NULL) {
		if ((rc = item_id(x, n)) == SQLITE_OK)
			rc = item_link(x, IST_LINK, NULL, n);
		return rc != SQLITE_OK || x->baseline ? rc :
		    item_history(x, n, x->d->added, NULL, n);
	}
	if (!irow_differs(o, n, ~x->d->keymask))
		return SQLITE_OK;
	n->id = o->id;
	if (irow_differs(o, n, ~x->d->linkmask) &&
	    (rc = item_id(x, n)) != SQLITE_OK)
		return rc;
	rc = item_link(x, IST_RELINK, o, n);
	if (rc != SQLITE_OK || x->baseline ||
	    !irow_differs(o, n, x->d->histmask))
		return rc;
	return item_history(x, n, item_change(x->d, o, n), o, n);
}

/* Replace one host's rows of one kind with the result's, with history. */
int
store_items(struct store *s, int64_t host_id, enum item_kind k,
    const struct host_result *r, int64_t when, int baseline)
{
	struct itemdiff	 x = { s, &item_descs[k], k, host_id, when,
			    r->sweep_id, baseline, 0 };
	struct irow	*old, *nw;
	size_t		 nold, nnew, i = 0, j = 0;
	int		 rc, cmp;

	if ((rc = irows_load(s, x.d, k, host_id, &old, &nold)) != SQLITE_OK)
		return rc;
	nw = irows_new(x.d, k, &r->facts, &nnew);
	while (rc == SQLITE_OK && (i < nold || j < nnew)) {
		if (i == nold)
			cmp = 1;
		else if (j == nnew)
			cmp = -1;
		else
			cmp = strcmp(old[i].key, nw[j].key);
		rc = itemdiff_step(&x, cmp <= 0 ? &old[i] : NULL,
		    cmp >= 0 ? &nw[j] : NULL);
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			j++;
	}
	/* A first sight with no items still links the host to the empty set,
	 * so its next sight is no baseline. */
	if (rc == SQLITE_OK && x.d->shared && (x.changed || nold == 0))
		rc = itemdiff_set(&x, nw, nnew);
	irows_free(old, nold);
	irows_free(nw, nnew);
	return rc;
}
