/* The last stored digest of each host's collector outputs, in memory (issue
 * 13): equal means the output is what was parsed and stored last time, so
 * parsing and diffing are skipped. The writer loads every digest in one
 * query when it opens the database (before its thread starts) and, after
 * each commit, publishes what that commit stored; the dispatcher copies a
 * host's digests into its job, so no worker thread ever touches SQLite.
 * A stale entry costs one parse at most: the writer checks every skip
 * claim against the stored digest and forgets an entry it does not back. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "storage/digest.h"
#include "storage/storage_int.h"

#define DIGESTS_BUCKETS0	1024	/* first size of the host table */

static const char digests_sql[] =
    "SELECT h.name, s.collector, s.digest FROM collector_state s"
    " JOIN hosts h ON h.id = s.host_id WHERE s.digest IS NOT NULL";

/* One collector's digest on a host. */
struct dg_slot {
	uint16_t	 coll;			/* index in digests->colls */
	unsigned char	 dg[RESULT_DIGEST_KEPT];	/* of its raw output */
};

/* One host's digests, in a hash chain; one allocation with its name
 * (a table of 100k hosts is most of the writer's memory: issue 13). */
struct dg_host {
	struct dg_host	*next;		/* same bucket */
	struct dg_slot	*slots;		/* one per collector */
	uint32_t	 n;		/* slots used */
	uint32_t	 cap;		/* slots allocated */
	char		 name[];	/* inventory name */
};

/* A change to publish after the commit that made it. */
struct dg_staged {
	char		*host;		/* host name */
	char		*coll;		/* collector name */
	int		 forget;	/* drop the entry instead of setting */
	unsigned char	 dg[RESULT_DIGEST_KEPT];	/* new digest, unless forget */
};

struct digests {
	pthread_mutex_t	 lock;		/* the dispatcher reads, writer sets */
	struct dg_host	**buckets;	/* chains by host name hash */
	size_t		 nbuckets;	/* a power of two */
	size_t		 nhosts;	/* hosts in the table */
	char		**colls;	/* interned collector names, never freed
					   before digests_close */
	size_t		 ncolls;	/* entries of colls */
	struct dg_staged *staged;	/* writer thread only: uncommitted */
	size_t		 nstaged;	/* entries of staged */
	size_t		 capstaged;	/* allocated */
};

/* One host's copy: collector names point into digests->colls. */
struct host_digests {
	size_t		 n;		/* entries */
	const char	**coll;		/* collector names */
	unsigned char	(*dg)[RESULT_DIGEST_KEPT];	/* their digests */
};

/* FNV-1a of a host name. */
static uint32_t
digests_hash(const char *s)
{
	uint32_t	 h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The host's entry, or NULL; called with the lock held. */
static struct dg_host *
digests_find(const struct digests *d, const char *host)
{
	struct dg_host	*e;

	for (e = d->buckets[digests_hash(host) & (d->nbuckets - 1)];
	    e != NULL; e = e->next)
		if (strcmp(e->name, host) == 0)
			return e;
	return NULL;
}

/* Double the table when it holds a host per bucket; lock held. */
static void
digests_grow(struct digests *d)
{
	struct dg_host	**nb, *e, *next;
	size_t		 i, n = d->nbuckets * 2;

	if (d->nhosts < d->nbuckets)
		return;
	nb = xcalloc(n, sizeof *nb);
	for (i = 0; i < d->nbuckets; i++)
		for (e = d->buckets[i]; e != NULL; e = next) {
			next = e->next;
			e->next = nb[digests_hash(e->name) & (n - 1)];
			nb[digests_hash(e->name) & (n - 1)] = e;
		}
	free(d->buckets);
	d->buckets = nb;
	d->nbuckets = n;
}

/* Index of an interned collector name, adding it; lock held. */
static uint16_t
digests_intern(struct digests *d, const char *coll)
{
	size_t	 i;

	for (i = 0; i < d->ncolls; i++)
		if (strcmp(d->colls[i], coll) == 0)
			return (uint16_t)i;
	if (d->ncolls == UINT16_MAX)
		fatalx("digests: more than %d collector names", UINT16_MAX);
	d->colls = xreallocarray(d->colls, d->ncolls + 1, sizeof *d->colls);
	d->colls[d->ncolls] = xstrdup(coll);
	return (uint16_t)d->ncolls++;
}

/* Set (dg) or forget (dg NULL) one host's collector; lock held. */
static void
digests_set(struct digests *d, const char *host, const char *coll,
    const unsigned char *dg)
{
	struct dg_host	*e;
	uint16_t	 c;
	size_t		 i, b, len;

	if ((e = digests_find(d, host)) == NULL) {
		if (dg == NULL)
			return;
		digests_grow(d);
		len = strlen(host) + 1;
		e = xcalloc(1, sizeof *e + len);
		memcpy(e->name, host, len);
		b = digests_hash(host) & (d->nbuckets - 1);
		e->next = d->buckets[b];
		d->buckets[b] = e;
		d->nhosts++;
	}
	c = digests_intern(d, coll);
	for (i = 0; i < e->n && e->slots[i].coll != c; i++)
		;
	if (dg == NULL) {
		if (i < e->n)
			e->slots[i] = e->slots[--e->n];
		return;
	}
	if (i == e->n) {
		if (e->n == e->cap) {
			e->cap = e->cap ? e->cap * 2 : 4;
			e->slots = xreallocarray(e->slots, e->cap,
			    sizeof *e->slots);
		}
		e->slots[e->n++].coll = c;
	}
	memcpy(e->slots[i].dg, dg, RESULT_DIGEST_KEPT);
}

/* Every stored digest, read in one query on the writer's connection
 * before its thread starts. On a read error, logged, the table is left
 * empty: every output is parsed once and its digest stored again. */
struct digests *
digests_load(sqlite3 *db)
{
	struct digests	*d;
	sqlite3_stmt	*st = NULL;
	int		 rc;

	d = digests_load_empty();
	if ((rc = sqlite3_prepare_v2(db, digests_sql, -1, &st, NULL)) ==
	    SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (sqlite3_column_bytes(st, 2) == RESULT_DIGEST_LEN &&
			    sqlite3_column_text(st, 0) != NULL &&
			    sqlite3_column_text(st, 1) != NULL)
				digests_set(d,
				    (const char *)sqlite3_column_text(st, 0),
				    (const char *)sqlite3_column_text(st, 1),
				    sqlite3_column_blob(st, 2));
	}
	if (rc != SQLITE_DONE) {
		log_warnx("digests: %s (outputs are parsed this time)",
		    sqlite3_errmsg(db));
		sqlite3_finalize(st);
		digests_close(d);
		return digests_load_empty();
	}
	sqlite3_finalize(st);
	log_debug("digests: %zu hosts loaded", d->nhosts);
	return d;
}

/* An empty table (no database, or it could not be read). */
struct digests *
digests_load_empty(void)
{
	struct digests	*d;

	d = xcalloc(1, sizeof *d);
	pthread_mutex_init(&d->lock, NULL);
	d->nbuckets = DIGESTS_BUCKETS0;
	d->buckets = xcalloc(d->nbuckets, sizeof *d->buckets);
	return d;
}

/* Writer thread, inside a transaction: remember a digest stored (dg) or
 * an entry to forget (dg NULL), published when the transaction commits. */
void
digests_stage(struct digests *d, const char *host, const char *coll,
    const unsigned char *dg)
{
	struct dg_staged	*s;

	if (d == NULL)
		return;
	if (d->nstaged == d->capstaged) {
		d->capstaged = d->capstaged ? d->capstaged * 2 : 64;
		d->staged = xreallocarray(d->staged, d->capstaged,
		    sizeof *d->staged);
	}
	s = &d->staged[d->nstaged++];
	s->host = xstrdup(host);
	s->coll = xstrdup(coll);
	s->forget = dg == NULL;
	if (dg != NULL)
		memcpy(s->dg, dg, RESULT_DIGEST_KEPT);
}

/* How many changes are staged: a mark to roll back to. */
size_t
digests_staged(const struct digests *d)
{
	return d != NULL ? d->nstaged : 0;
}

/* Drop the changes staged after mark (their transaction rolled back). */
void
digests_unstage(struct digests *d, size_t mark)
{
	if (d == NULL)
		return;
	while (d->nstaged > mark) {
		d->nstaged--;
		free(d->staged[d->nstaged].host);
		free(d->staged[d->nstaged].coll);
	}
}

/* The transaction committed: apply what it staged, under the lock. */
void
digests_publish(struct digests *d)
{
	size_t	 i;

	if (d == NULL || d->nstaged == 0)
		return;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nstaged; i++)
		digests_set(d, d->staged[i].host, d->staged[i].coll,
		    d->staged[i].forget ? NULL : d->staged[i].dg);
	pthread_mutex_unlock(&d->lock);
	digests_unstage(d, 0);
}

/* A copy of one host's digests for its job. */
struct host_digests *
digests_host(struct digests *d, const char *host)
{
	struct host_digests	*hd = NULL;
	struct dg_host		*e;
	size_t			 i;

	if (d == NULL)
		return NULL;
	pthread_mutex_lock(&d->lock);
	if ((e = digests_find(d, host)) != NULL && e->n > 0) {
		hd = xcalloc(1, sizeof *hd);
		hd->n = e->n;
		hd->coll = xcalloc(e->n, sizeof *hd->coll);
		hd->dg = xcalloc(e->n, sizeof *hd->dg);
		for (i = 0; i < e->n; i++) {
			hd->coll[i] = d->colls[e->slots[i].coll];
			memcpy(hd->dg[i], e->slots[i].dg, RESULT_DIGEST_KEPT);
		}
	}
	pthread_mutex_unlock(&d->lock);
	return hd;
}

/* The copied digest of one collector. */
int
host_digests_get(const struct host_digests *hd, const char *coll,
    unsigned char dg[RESULT_DIGEST_KEPT])
{
	size_t	 i;

	if (hd == NULL)
		return 0;
	for (i = 0; i < hd->n; i++)
		if (strcmp(hd->coll[i], coll) == 0) {
			memcpy(dg, hd->dg[i], RESULT_DIGEST_KEPT);
			return 1;
		}
	return 0;
}

/* Free a job's copy. NULL is fine. */
void
host_digests_free(struct host_digests *hd)
{
	if (hd == NULL)
		return;
	free(hd->coll);
	free(hd->dg);
	free(hd);
}

/* Free the table. NULL is fine. */
void
digests_close(struct digests *d)
{
	struct dg_host	*e, *next;
	size_t		 i;

	if (d == NULL)
		return;
	digests_unstage(d, 0);
	free(d->staged);
	for (i = 0; i < d->nbuckets; i++)
		for (e = d->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e->slots);
			free(e);
		}
	free(d->buckets);
	for (i = 0; i < d->ncolls; i++)
		free(d->colls[i]);
	free(d->colls);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
