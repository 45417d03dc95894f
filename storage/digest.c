/* The stored digests of a sweep's hosts, read ahead of the dispatcher
 * (issue 13): equal to a host's output means the output is what was parsed
 * and stored last time, so the host answers "same" and parsing and diffing
 * are skipped. The database is the truth: a thread of the window's own,
 * with a read-only connection (WAL: it sees what the writer committed),
 * looks up the next hosts in dispatch order, DIGEST_BATCH names per query,
 * and holds at most `ahead` hosts' digests not yet taken; the dispatcher
 * takes a host's with a lock and a look-up. So memory is bounded by the
 * window, not by the fleet (the writer used to hold every host's). A
 * digest read before a commit that changed it costs one parse at most: the
 * writer checks every "unchanged" claim against collector_state. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "storage/digest.h"

#define DIGEST_BATCH	128	/* names per query */
#define DIGEST_BUSY_MS	5000	/* busy_timeout of the reader */

/* One host's digests; self-contained, so a job may outlive its window. */
struct host_digests {
	struct host_digests *next;	/* same bucket of the window */
	size_t		 pos;		/* position in the sweep */
	size_t		 n;		/* collectors */
	size_t		 cap;		/* entries allocated */
	size_t		*off;		/* name offsets in names */
	char		*names;		/* NUL-terminated collector names */
	size_t		 nlen;		/* bytes used in names */
	size_t		 ncap;		/* bytes allocated for names */
	unsigned char	(*dg)[RESULT_DIGEST_KEPT];	/* their digests */
};

struct digest_window {
	pthread_mutex_t	 lock;		/* dispatcher takes, reader fills */
	pthread_cond_t	 room;		/* a take made room for a read */
	pthread_t	 thread;	/* the reader */
	int		 started;	/* thread is running (join it) */
	char		*path;		/* database; NULL: nothing to read */
	const char *const *names;	/* the sweep's hosts, dispatch order */
	size_t		 n;		/* entries of names */
	size_t		 ahead;		/* hosts held at most */
	size_t		 batch;		/* names per read */
	unsigned char	*taken;		/* bit per position: taken */
	size_t		 covered;	/* positions before it were read */
	int		 done;		/* reader ended (all read, failed or
					   stopped): it covers no more */
	int		 stopping;	/* close: end the reader */
	struct host_digests **buckets;	/* held digests by position */
	size_t		 nbuckets;	/* a power of two, >= 2 * ahead */
	size_t		 held;		/* digests held, not taken */
	struct digest_window_stats st;	/* counters */
};

static const char digest_sql_head[] =
    "SELECT h.name, s.collector, s.digest FROM hosts h"
    " JOIN collector_state s ON s.host_id = h.id"
    " WHERE s.digest IS NOT NULL AND h.name IN (";

/* Is position i taken? Lock held. */
static int
digest_taken(const struct digest_window *dw, size_t i)
{
	return (dw->taken[i / 8] >> (i % 8)) & 1;
}

/* Append one collector's digest to hd. */
static void
host_digests_add(struct host_digests *hd, const char *coll,
    const unsigned char *dg)
{
	size_t	 len = strlen(coll) + 1;

	if (hd->n == hd->cap) {
		hd->cap = hd->cap ? hd->cap * 2 : 16;
		hd->off = xreallocarray(hd->off, hd->cap, sizeof *hd->off);
		hd->dg = xreallocarray(hd->dg, hd->cap, sizeof *hd->dg);
	}
	if (hd->nlen + len > hd->ncap) {
		hd->ncap = hd->ncap * 2 > hd->nlen + len ? hd->ncap * 2 :
		    hd->nlen + len + 128;
		hd->names = xrealloc(hd->names, hd->ncap);
	}
	memcpy(hd->names + hd->nlen, coll, len);
	hd->off[hd->n] = hd->nlen;
	hd->nlen += len;
	memcpy(hd->dg[hd->n++], dg, RESULT_DIGEST_KEPT);
}

/* The reader's statement: DIGEST_BATCH (or fewer) names per query. */
static sqlite3_stmt *
digest_prepare(sqlite3 *db, size_t batch)
{
	sqlite3_stmt	*st = NULL;
	char		*sql;
	size_t		 i, len = sizeof digest_sql_head + batch * 8 + 2;
	size_t		 at;

	sql = xmalloc(len);
	at = (size_t)snprintf(sql, len, "%s", digest_sql_head);
	for (i = 0; i < batch; i++)
		at += (size_t)snprintf(sql + at, len - at, "%s?%zu",
		    i > 0 ? "," : "", i + 1);
	snprintf(sql + at, len - at, ")");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		st = NULL;
	free(sql);
	return st;
}

/* Read the digests of the hosts at pos[0..nb) into got[0..nb) (NULL
 * where none are stored). SQLITE_OK or the failing code. */
static int
digest_read(struct digest_window *dw, sqlite3_stmt *st, const size_t *pos,
    size_t nb, struct host_digests **got)
{
	const char	*name, *coll;
	size_t		 k, last = 0;
	int		 rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);	/* unused places stay NULL */
	for (k = 0; k < nb; k++) {
		got[k] = NULL;
		sqlite3_bind_text(st, (int)k + 1, dw->names[pos[k]], -1,
		    SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		coll = (const char *)sqlite3_column_text(st, 1);
		if (name == NULL || coll == NULL ||
		    sqlite3_column_bytes(st, 2) < RESULT_DIGEST_KEPT)
			continue;
		/* A host's rows come together: try the last one first. */
		if (strcmp(dw->names[pos[last]], name) != 0)
			for (last = 0; last < nb; last++)
				if (strcmp(dw->names[pos[last]], name) == 0)
					break;
		if (last == nb) {	/* cannot be: the query named it */
			last = 0;
			continue;
		}
		if (got[last] == NULL) {
			got[last] = xcalloc(1, sizeof *got[last]);
			got[last]->pos = pos[last];
		}
		host_digests_add(got[last], coll, sqlite3_column_blob(st, 2));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The next positions to read, from covered on, skipping those taken;
 * returns how many, *end where the next read starts. Lock held. */
static size_t
digest_next_batch(struct digest_window *dw, size_t *pos, size_t *end)
{
	size_t	 i, nb = 0;

	for (i = dw->covered; i < dw->n && nb < dw->batch; i++)
		if (!digest_taken(dw, i))
			pos[nb++] = i;
	*end = i;
	return nb;
}

/* Hold what a read found, unless taken meanwhile; lock held. */
static void
digest_hold(struct digest_window *dw, struct host_digests **got, size_t nb,
    size_t end)
{
	struct host_digests	**b;
	size_t			 k;

	for (k = 0; k < nb; k++) {
		if (got[k] == NULL)
			continue;
		if (digest_taken(dw, got[k]->pos)) {
			host_digests_free(got[k]);
			continue;
		}
		b = &dw->buckets[got[k]->pos & (dw->nbuckets - 1)];
		got[k]->next = *b;
		*b = got[k];
		dw->held++;
	}
	dw->covered = end;
}

/* The reader's connection and statement; -1 (logged) if unusable. */
static int
digest_connect(struct digest_window *dw, sqlite3 **db, sqlite3_stmt **st)
{
	*st = NULL;
	if (sqlite3_open_v2(dw->path, db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(*db, DIGEST_BUSY_MS);
		*st = digest_prepare(*db, dw->batch);
	}
	if (*st != NULL)
		return 0;
	log_warnx("digests: %s: %s (outputs are sent whole this sweep)",
	    dw->path, *db != NULL ? sqlite3_errmsg(*db) : "out of memory");
	return -1;
}

/* The reader thread: read batches while there is room, until every host
 * is read, a read fails or the window closes. */
static void *
digest_main(void *arg)
{
	struct digest_window	*dw = arg;
	struct host_digests	*got[DIGEST_BATCH];
	size_t			 pos[DIGEST_BATCH], nb, end;
	sqlite3			*db = NULL;
	sqlite3_stmt		*st;
	int			 rc = SQLITE_OK;

	digest_connect(dw, &db, &st);	/* st NULL: end at once */
	pthread_mutex_lock(&dw->lock);
	while (st != NULL) {
		while (!dw->stopping && dw->held + dw->batch > dw->ahead)
			pthread_cond_wait(&dw->room, &dw->lock);
		if (dw->stopping ||
		    (nb = digest_next_batch(dw, pos, &end)) == 0)
			break;
		pthread_mutex_unlock(&dw->lock);
		rc = digest_read(dw, st, pos, nb, got);
		pthread_mutex_lock(&dw->lock);
		if (rc != SQLITE_OK)
			break;
		digest_hold(dw, got, nb, end);
	}
	dw->done = 1;
	pthread_mutex_unlock(&dw->lock);
	if (rc != SQLITE_OK)
		log_warnx("digests: %s: %s (hosts not read yet send their "
		    "outputs whole)", dw->path, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

/* Start the reader of one sweep's digests. */
struct digest_window *
digest_window_open(const char *path, const char *const *names, size_t n,
    size_t ahead)
{
	struct digest_window	*dw;

	dw = xcalloc(1, sizeof *dw);
	pthread_mutex_init(&dw->lock, NULL);
	pthread_cond_init(&dw->room, NULL);
	dw->names = names;
	dw->n = n;
	dw->ahead = ahead > 0 ? ahead : DIGEST_AHEAD;
	dw->batch = dw->ahead < DIGEST_BATCH ? dw->ahead : DIGEST_BATCH;
	for (dw->nbuckets = 64; dw->nbuckets < 2 * dw->ahead;)
		dw->nbuckets *= 2;
	dw->buckets = xcalloc(dw->nbuckets, sizeof *dw->buckets);
	dw->taken = xcalloc(n / 8 + 1, 1);
	dw->done = 1;
	if (path == NULL || n == 0)
		return dw;
	dw->path = xstrdup(path);
	dw->done = 0;
	if ((errno = pthread_create(&dw->thread, NULL, digest_main, dw)) !=
	    0) {
		log_warn("digests: reader thread");
		dw->done = 1;
	} else
		dw->started = 1;
	return dw;
}

/* Unlink and return the digests held for position i, or NULL; lock
 * held. */
static struct host_digests *
digest_unhold(struct digest_window *dw, size_t i)
{
	struct host_digests	**p, *hd;

	for (p = &dw->buckets[i & (dw->nbuckets - 1)]; (hd = *p) != NULL;
	    p = &hd->next)
		if (hd->pos == i) {
			*p = hd->next;
			hd->next = NULL;
			dw->held--;
			return hd;
		}
	return NULL;
}

/* Host i's digests for its job, or "not read yet". */
int
digest_window_take(struct digest_window *dw, size_t i, int force,
    struct host_digests **out)
{
	int	 rc = 0;

	*out = NULL;
	if (dw == NULL || i >= dw->n)
		return 0;
	pthread_mutex_lock(&dw->lock);
	if (i < dw->covered) {
		if ((*out = digest_unhold(dw, i)) != NULL) {
			dw->st.hits++;
			if (dw->held + dw->batch <= dw->ahead)
				pthread_cond_signal(&dw->room);
		} else
			dw->st.none++;
	} else if (force || dw->done || dw->held + dw->batch > dw->ahead)
		dw->st.misses++;	/* the reader cannot get there soon */
	else {
		dw->st.waits++;
		rc = -1;
	}
	if (rc == 0)
		dw->taken[i / 8] |= (unsigned char)(1u << (i % 8));
	pthread_mutex_unlock(&dw->lock);
	return rc;
}

/* Copy the counters. */
void
digest_window_stats(struct digest_window *dw,
    struct digest_window_stats *st)
{
	memset(st, 0, sizeof *st);
	if (dw == NULL)
		return;
	pthread_mutex_lock(&dw->lock);
	*st = dw->st;
	pthread_mutex_unlock(&dw->lock);
}

/* Stop the reader and free the window with what it still holds. */
void
digest_window_close(struct digest_window *dw)
{
	struct host_digests	*hd, *next;
	size_t			 i;

	if (dw == NULL)
		return;
	pthread_mutex_lock(&dw->lock);
	dw->stopping = 1;
	pthread_cond_signal(&dw->room);
	pthread_mutex_unlock(&dw->lock);
	if (dw->started)
		pthread_join(dw->thread, NULL);
	for (i = 0; i < dw->nbuckets; i++)
		for (hd = dw->buckets[i]; hd != NULL; hd = next) {
			next = hd->next;
			host_digests_free(hd);
		}
	free(dw->buckets);
	free(dw->taken);
	free(dw->path);
	pthread_cond_destroy(&dw->room);
	pthread_mutex_destroy(&dw->lock);
	free(dw);
}

/* The digest of one collector. */
int
host_digests_get(const struct host_digests *hd, const char *coll,
    unsigned char dg[RESULT_DIGEST_KEPT])
{
	size_t	 i;

	if (hd == NULL)
		return 0;
	for (i = 0; i < hd->n; i++)
		if (strcmp(hd->names + hd->off[i], coll) == 0) {
			memcpy(dg, hd->dg[i], RESULT_DIGEST_KEPT);
			return 1;
		}
	return 0;
}

/* Free a job's digests. NULL is fine. */
void
host_digests_free(struct host_digests *hd)
{
	if (hd == NULL)
		return;
	free(hd->off);
	free(hd->names);
	free(hd->dg);
	free(hd);
}
