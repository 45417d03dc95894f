/* Shared list kinds (packages): most hosts of a fleet have exactly the
 * same packages as many others (one image, one patch level), so a host
 * does not link to each of its 800 packages: it links to one set, and
 * each distinct set of item ids is stored once (<kind>_sets, found by a
 * digest of its sorted ids, and <kind>_set_items). A host whose packages
 * change moves to the set of its new packages; a set no host uses any
 * more is dropped. items.c diffs and writes history as for every kind. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "storage/storage_int.h"

/* SQL of one set statement. Parameters: ?1 host_id or set id, ?2 item
 * id, set id or count, ?3 digest. */
static char *
itemset_sql(const char *kind, enum itemset_stmt which)
{
	struct buf	 b = { 0 };

	switch (which) {
	case SST_SET_OF:
		buf_printf(&b, "SELECT set_id FROM %s_links WHERE host_id = ?1",
		    kind);
		break;
	case SST_SET_FIND:
		buf_printf(&b, "SELECT id FROM %s_sets WHERE digest = ?3",
		    kind);
		break;
	case SST_SET_ADD:
		buf_printf(&b, "INSERT INTO %s_sets(digest, items, nhosts)"
		    " VALUES (?3, ?2, 0)", kind);
		break;
	case SST_SET_ITEM:
		buf_printf(&b, "INSERT INTO %s_set_items(set_id, item_id)"
		    " VALUES (?1, ?2)", kind);
		break;
	case SST_SET_USE:
		buf_printf(&b, "UPDATE %s_sets SET nhosts = nhosts + ?2"
		    " WHERE id = ?1 RETURNING nhosts", kind);
		break;
	case SST_SET_DROP_ITEMS:
		buf_printf(&b, "DELETE FROM %s_set_items WHERE set_id = ?1",
		    kind);
		break;
	case SST_SET_DROP:
		buf_printf(&b, "DELETE FROM %s_sets WHERE id = ?1", kind);
		break;
	case SST_SET_HOST:
		buf_printf(&b, "INSERT INTO %s_links(host_id, set_id)"
		    " VALUES (?1, ?2) ON CONFLICT(host_id)"
		    " DO UPDATE SET set_id = excluded.set_id", kind);
		break;
	default:
		return NULL;
	}
	return buf_steal(&b);
}

/* The kind's cached statement; its SQL is built only when first needed. */
static sqlite3_stmt *
itemset_stmt(struct store *s, enum item_kind k, enum itemset_stmt which)
{
	sqlite3_stmt	**slot = &s->sst[k][which], *st;
	char		*sql = NULL;

	if (*slot == NULL)	/* tables are named by item_kind_str() */
		sql = itemset_sql(item_kind_str(k), which);
	st = stmt_cached(s->db, slot, sql);
	free(sql);
	return st;
}

/* Order item ids. */
static int
id_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Digest of sorted ids (SHA-256, first RESULT_DIGEST_LEN bytes). */
static int
itemset_digest(const int64_t *ids, size_t n, unsigned char *dg)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	if (!EVP_Digest(ids, n * sizeof *ids, md, &mdlen, EVP_sha256(), NULL)
	    || mdlen < RESULT_DIGEST_LEN)
		return -1;
	memcpy(dg, md, RESULT_DIGEST_LEN);
	return 0;
}

/* Run a statement with two integer parameters; SQLITE_OK or a code. */
static int
itemset_run(struct store *s, enum item_kind k, enum itemset_stmt which,
    int64_t a, int64_t b)
{
	sqlite3_stmt	*st;

	if ((st = itemset_stmt(s, k, which)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, a);
	if (which != SST_SET_DROP && which != SST_SET_DROP_ITEMS)
		sqlite3_bind_int64(st, 2, b);
	return stmt_step_done(st);
}

/* A one-value query: *out set on a row, 0 when none. */
static int
itemset_get(struct store *s, enum item_kind k, enum itemset_stmt which,
    int64_t a, int64_t b, const unsigned char *dg, int64_t *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	*out = 0;
	if ((st = itemset_stmt(s, k, which)) == NULL)
		return sqlite3_errcode(s->db);
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (dg != NULL)
		sqlite3_bind_blob(st, 3, dg, RESULT_DIGEST_LEN,
		    SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The set of these ids: found by digest, or created with its items. */
static int
itemset_find(struct store *s, enum item_kind k, const int64_t *ids,
    size_t n, int64_t *set)
{
	unsigned char	 dg[RESULT_DIGEST_LEN];
	size_t		 i;
	int		 rc;

	if (itemset_digest(ids, n, dg) == -1)
		return SQLITE_ERROR;
	rc = itemset_get(s, k, SST_SET_FIND, 0, 0, dg, set);
	if (rc != SQLITE_OK || *set != 0)
		return rc;
	if ((rc = itemset_get(s, k, SST_SET_ADD, 0, (int64_t)n, dg, set)) !=
	    SQLITE_OK)
		return rc;
	*set = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < n && rc == SQLITE_OK; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			rc = itemset_run(s, k, SST_SET_ITEM, *set, ids[i]);
	return rc;
}

/* One host fewer on a set; the set goes when nobody is left. */
static int
itemset_release(struct store *s, enum item_kind k, int64_t set)
{
	int64_t	 left;
	int	 rc;

	if ((rc = itemset_get(s, k, SST_SET_USE, set, -1, NULL, &left)) !=
	    SQLITE_OK || left > 0)
		return rc;
	if ((rc = itemset_run(s, k, SST_SET_DROP_ITEMS, set, 0)) != SQLITE_OK)
		return rc;
	return itemset_run(s, k, SST_SET_DROP, set, 0);
}

/* Move the host to the set of ids. */
int
itemset_store(struct store *s, enum item_kind k, int64_t host_id,
    int64_t *ids, size_t n)
{
	int64_t	 old, set, used;
	int	 rc;

	qsort(ids, n, sizeof *ids, id_cmp);
	if ((rc = itemset_get(s, k, SST_SET_OF, host_id, 0, NULL, &old)) !=
	    SQLITE_OK)
		return rc;
	if ((rc = itemset_find(s, k, ids, n, &set)) != SQLITE_OK)
		return rc;
	if (set == old)
		return SQLITE_OK;
	if ((rc = itemset_get(s, k, SST_SET_USE, set, 1, NULL, &used)) !=
	    SQLITE_OK)
		return rc;
	if ((rc = itemset_run(s, k, SST_SET_HOST, host_id, set)) != SQLITE_OK)
		return rc;
	return old != 0 ? itemset_release(s, k, old) : SQLITE_OK;
}
