/* The writer thread: owns the only read-write connection. Callers queue
 * messages (inventory, sweep begin/end, host results, flush barriers); the
 * thread takes everything queued and applies it in one transaction. When a
 * transaction fails (disk full, read-only, I/O error, locked) the batch is
 * rolled back and kept at the head of a bounded queue, the writer reports
 * itself degraded and retries with backoff until the database takes it.
 * A fault that cannot heal by itself (corruption, found at open or by a
 * failed write) makes it broken instead: nothing more is written, results
 * are counted as lost, and the file is left as it is for the operator. */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "storage/outbox.h"
#include "storage/outbox_int.h"
#include "storage/retention.h"
#include "storage/storage.h"
#include "storage/storage_int.h"

#define WRITER_BATCH		256	/* results per transaction */
#define WRITER_QUEUE_MAX	10000	/* results kept while degraded */
#define WRITER_BACKOFF_MIN	100	/* ms, first retry */
#define WRITER_BACKOFF_MAX	5000	/* ms, retry ceiling */
#define WRITER_LINGER_MS	50	/* group commit: wait for more results */
#define WRITER_GIVE_UP_MS	10000	/* close/flush while degraded */
#define WRITER_BUSY_MS		5000	/* busy_timeout */
#define WRITER_BYTES_HIGH	(8u << 20)  /* backlogged: dispatch pauses */
#define WRITER_BYTES_MAX	(32u << 20) /* bound on bytes waiting */

/* What a queued message asks the writer thread to store. */
enum writer_msg_type {
	WM_INVENTORY,		/* the inventory as of a config */
	WM_SWEEP_BEGIN,		/* a sweep's row */
	WM_RESULT,		/* one host's attempt, facts and lists */
	WM_SWEEP_END,		/* close a sweep's row */
	WM_BARRIER,		/* writer_flush waits for this to commit */
	WM_OUTBOX_ON,		/* cluster mode: queue attempts to ship */
	WM_OUTBOX_ACK,		/* shipped: delete outbox rows up to id */
};

/* One queued message. */
struct writer_msg {
	enum writer_msg_type type;	/* what it carries */
	STAILQ_ENTRY(writer_msg) link;	/* in writer->queue or a batch */
	struct host_result *result;	/* WM_RESULT, owned */
	struct inv_host	*hosts;		/* WM_INVENTORY, owned */
	size_t		 n;		/* hosts, or a sweep's nhosts */
	int64_t		 id;		/* sweep id, or barrier sequence */
	int64_t		 at;		/* when it happened, epoch seconds */
	char		*trigger;	/* WM_SWEEP_BEGIN */
	size_t		 bytes;		/* WM_RESULT: memory it holds */
};

/* Messages in order: the queue, or a batch taken from its head. */
STAILQ_HEAD(writer_msgs, writer_msg);

struct writer {
	char		*path;		/* database file */
	struct store	 store;		/* connection + statements */
	pthread_t	 thread;	/* the writer thread */
	pthread_mutex_t	 lock;		/* guards everything below */
	pthread_cond_t	 wake;		/* the queue's one wake-up: work,
					   stop, prune or test exec */
	pthread_cond_t	 done;		/* back to callers: barrier passed,
					   exec done */
	struct writer_msgs queue;	/* oldest first */
	int		 urgent;	/* queue holds more than results: commit
					   without a group-commit wait */
	size_t		 queued;	/* results in queue and in flight */
	size_t		 queue_max;	/* bound on queued while degraded */
	size_t		 qbytes;	/* their memory (result_bytes) */
	size_t		 qbytes_high;	/* backlogged above this */
	size_t		 qbytes_max;	/* oldest dropped above this */
	int64_t		 test_delay_ms;	/* test hook: slow every commit */
	size_t		 inflight;	/* results the thread is writing */
	size_t		 pending_drops;	/* drops owed to the in-flight batch */
	uint64_t	 barrier_seq;	/* last barrier handed out */
	uint64_t	 barrier_done;	/* last barrier committed */
	int64_t		 next_sweep;	/* last sweep id handed out */
	uint64_t	 dropped;	/* results dropped, queue full */
	int		 stopping;	/* writer_close called */
	int64_t		 stop_deadline;	/* mono ms: give up retrying */
	char		*exec_sql;	/* test hook: SQL to run */
	int64_t		 prune_before;	/* retention: prune older (epoch s) */
	int64_t		 pruned;	/* rows pruned by this prune run */
	struct writer_stats stats;	/* for writer_get_stats */
	struct dbcheck_bg *bg;		/* quick_check of a large database */
	size_t		 outbox_max;	/* writer thread only: 0 = no outbox */
	char		 origin[OUTBOX_ORIGIN_LEN + 1];	/* outbox's origin */
};

static int	writer_drop_first(struct writer *);

/* Free one message and what it owns. */
static void
writer_msg_free(struct writer_msg *m)
{
	size_t	 i;

	if (m->type == WM_RESULT)
		host_result_free(m->result);
	for (i = 0; m->hosts != NULL && i < m->n; i++) {
		free(m->hosts[i].name);
		free(m->hosts[i].address);
		free(m->hosts[i].user);
		free(m->hosts[i].groups);
	}
	free(m->hosts);
	free(m->trigger);
	free(m);
}

/* Free a list of messages (it is left empty), returning how many results
 * it held. */
static size_t
writer_msg_free_list(struct writer_msgs *l)
{
	struct writer_msg	*m;
	size_t			 n = 0;

	while ((m = STAILQ_FIRST(l)) != NULL) {
		STAILQ_REMOVE_HEAD(l, link);
		n += m->type == WM_RESULT;
		writer_msg_free(m);
	}
	return n;
}

/* Drop the oldest queued result to make room; called with the lock held.
 * While a batch is in flight its results are the oldest: the drop is owed
 * and done if that batch comes back failed. */
static void
writer_drop_oldest(struct writer *w)
{
	if (w->inflight > 0)
		w->pending_drops++;
	else
		writer_drop_first(w);
}

/* Drop the first waiting result; 0 if there is none. Lock held. */
static int
writer_drop_first(struct writer *w)
{
	struct writer_msg	*m;

	STAILQ_FOREACH(m, &w->queue, link)
		if (m->type == WM_RESULT)
			break;
	if (m == NULL)
		return 0;
	STAILQ_REMOVE(&w->queue, m, writer_msg, link);
	w->qbytes -= m->bytes;
	w->queued--;
	w->stats.lost++;
	if (w->dropped++ % 1000 == 0)
		log_warnx("writer: queue full (%zu results, %zu bytes) while "
		    "the database is not keeping up: dropped the oldest result "
		    "(%s), %llu dropped so far", w->queued, w->qbytes,
		    m->result->name, (unsigned long long)w->dropped);
	writer_msg_free(m);
	return 1;
}

/* Memory a queued result holds, roughly: what it allocated. */
static size_t
result_bytes(const struct host_result *r)
{
	size_t	 n = sizeof *r + 64, i;
	int	 j;

	n += r->facts.cap * sizeof *r->facts.v;
	n += r->facts.capitems * sizeof *r->facts.items;
	n += r->ncolls * sizeof *r->colls;
	for (i = 0; i < r->facts.n; i++)
		n += strlen(r->facts.v[i].key) + strlen(r->facts.v[i].value) +
		    2 * 16;		/* two allocations, malloc overhead */
	for (i = 0; i < r->facts.nitems; i++)
		for (j = 0; j < ITEM_FIELDS; j++)
			if (r->facts.items[i].f[j] != NULL)
				n += strlen(r->facts.items[i].f[j]) + 16;
	return n;
}

/* Keep the bytes waiting under the bound: drop the oldest waiting
 * results until one of `more` bytes fits; called with the lock held. A
 * batch in flight counts until it commits and is never dropped. */
static void
writer_bound_bytes(struct writer *w, size_t more)
{
	while (w->qbytes + more > w->qbytes_max && writer_drop_first(w))
		;
}

/* Append a message and wake the thread. */
static void
writer_enqueue(struct writer *w, struct writer_msg *m)
{
	if (m->type == WM_RESULT)
		m->bytes = result_bytes(m->result);
	pthread_mutex_lock(&w->lock);
	if (m->type == WM_RESULT)
		w->stats.submitted++;
	if (m->type == WM_RESULT && w->stats.broken) {
		w->stats.lost++;	/* it could never be stored */
		pthread_mutex_unlock(&w->lock);
		writer_msg_free(m);
		return;
	}
	if (m->type == WM_RESULT) {
		if (w->queued >= w->queue_max)
			writer_drop_oldest(w);
		writer_bound_bytes(w, m->bytes);
		w->queued++;
		w->qbytes += m->bytes;
		if (w->qbytes > w->stats.queue_bytes_peak)
			w->stats.queue_bytes_peak = w->qbytes;
	}
	if (m->type != WM_RESULT)
		w->urgent = 1;
	STAILQ_INSERT_TAIL(&w->queue, m, link);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/* A new message of a type. */
static struct writer_msg *
writer_msg_new(enum writer_msg_type type)
{
	struct writer_msg	*m;

	m = xcalloc(1, sizeof *m);
	m->type = type;
	return m;
}

/* Move up to WRITER_BATCH results (and what is between them) from the
 * queue head to batch; called with the lock held. */
static void
writer_take(struct writer *w, struct writer_msgs *batch)
{
	struct writer_msg	*m;
	size_t			 n = 0;

	STAILQ_INIT(batch);
	while (n < WRITER_BATCH && (m = STAILQ_FIRST(&w->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&w->queue, link);
		STAILQ_INSERT_TAIL(batch, m, link);
		n += m->type == WM_RESULT;
	}
	if (STAILQ_EMPTY(&w->queue))
		w->urgent = 0;
	w->inflight = n;
}

/* Put a failed batch back at the head, in O(1); lock held. */
static void
writer_requeue(struct writer *w, struct writer_msgs *batch)
{
	STAILQ_CONCAT(batch, &w->queue);	/* batch, then the rest */
	STAILQ_CONCAT(&w->queue, batch);	/* all of it back */
	w->urgent = 1;		/* whatever it holds: retry without lingering */
}

/* Errors that say something about one message rather than the database:
 * retrying will not help, so that message is dropped with a warning. */
static int
writer_data_error(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return 1;
	default:
		return 0;
	}
}

/* Apply one message inside the open transaction. */
static int
writer_apply_one(struct writer *w, const struct writer_msg *m)
{
	int	 rc;

	switch (m->type) {
	case WM_INVENTORY:
		return store_sync_inventory(&w->store, m->hosts, m->n, m->at);
	case WM_SWEEP_BEGIN:
		return store_sweep_begin(&w->store, m->id, m->trigger, m->n,
		    m->at);
	case WM_RESULT:
		rc = store_result(&w->store, m->result);
		if (rc == SQLITE_OK && w->outbox_max > 0)
			rc = outbox_add(w->store.db, w->origin, m->result,
			    w->outbox_max);
		return rc;
	case WM_OUTBOX_ON:
		if ((rc = outbox_create(w->store.db, w->origin)) == SQLITE_OK)
			w->outbox_max = m->n;
		return rc;
	case WM_OUTBOX_ACK:
		return outbox_ack(w->store.db, m->id);
	case WM_SWEEP_END:
		return store_sweep_end(&w->store, m->id, m->at);
	case WM_BARRIER:
		break;
	}
	return SQLITE_OK;
}

/* Run one message under a savepoint: a message the database rejects for
 * its content is rolled back alone and dropped; anything else fails the
 * whole batch. Returns SQLITE_OK or the failing code. */
static int
writer_apply_saved(struct writer *w, const struct writer_msg *m)
{
	sqlite3	*db = w->store.db;
	int	 rc;

	if (m->type == WM_BARRIER)
		return SQLITE_OK;
	if ((rc = sqlite3_exec(db, "SAVEPOINT msg", NULL, NULL, NULL)) != 0)
		return rc;
	rc = writer_apply_one(w, m);
	if (rc != SQLITE_OK && writer_data_error(rc)) {
		log_warnx("writer: dropping %s%s%s: %s",
		    m->type == WM_RESULT ? "the result of " : "a message",
		    m->type == WM_RESULT ? m->result->name : "",
		    m->type == WM_RESULT ? "" : " for the database",
		    sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK TO msg", NULL, NULL, NULL);
		pthread_mutex_lock(&w->lock);
		w->stats.lost += m->type == WM_RESULT;
		pthread_mutex_unlock(&w->lock);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		return rc;
	return sqlite3_exec(db, "RELEASE msg", NULL, NULL, NULL);
}

/* errno of the last failed call on the -wal, else on the database file;
 * 0 if unknown. sqlite3_system_errno() stays 0 when COMMIT is what failed.
 * The unix VFS keeps the errno per file even after later successes, so it
 * is only asked right after an I/O error (which, if the database file
 * failed, may still be named by an older -wal error). */
static int
writer_os_errno(sqlite3 *db)
{
	sqlite3_file	*f = NULL;
	int		 e = 0;

	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
	    &f) == SQLITE_OK && f != NULL && f->pMethods != NULL &&
	    f->pMethods->xFileControl(f, SQLITE_FCNTL_LAST_ERRNO, &e) ==
	    SQLITE_OK && e != 0)
		return e;
	e = 0;
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_LAST_ERRNO, &e) !=
	    SQLITE_OK)
		return 0;
	return e;
}

/* Why a transaction failed. SQLite says "disk I/O error" for any failed
 * write; the system error says which (EROFS: "Read-only file system"). */
static enum db_fault
writer_error(sqlite3 *db, int rc, char *err, size_t errlen)
{
	int	 sys = 0;

	if ((rc & 0xff) == SQLITE_IOERR)
		sys = writer_os_errno(db);
	if (sys == 0 && strcmp(sqlite3_errmsg(db), sqlite3_errstr(rc)) == 0)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	else
		snprintf(err, errlen, "%s (%s%s%s)", sqlite3_errmsg(db),
		    sqlite3_errstr(rc), sys != 0 ? ": " : "",
		    sys != 0 ? strerror(sys) : "");
	return db_fault_of(rc, sys);
}

/* One pass over a batch in one transaction: every message under its own
 * savepoint (careful), or none at all, the pass stopping at the first
 * error. SQLITE_OK when it committed; otherwise rolled back, and *data
 * set when a message's content was what failed. */
static int
writer_pass(struct writer *w, struct writer_msgs *batch, int careful,
    int *data)
{
	sqlite3		*db = w->store.db;
	struct writer_msg	*m;
	int		 rc;

	*data = 0;
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (m = STAILQ_FIRST(batch); rc == SQLITE_OK && m != NULL;
	    m = STAILQ_NEXT(m, link))
		rc = careful ? writer_apply_saved(w, m) :
		    writer_apply_one(w, m);
	*data = rc != SQLITE_OK && !careful && writer_data_error(rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* Apply a batch in one transaction. Returns 0, or -1 with err filled,
 * the fault in *fault and everything rolled back. The first pass runs
 * without per-message savepoints: a savepoint makes SQLite copy every
 * page a message changes into a sub-journal, which past 64 KiB spills
 * to a temp file, 80% of a steady sweep's pwrite64 (docs/PERFORMANCE.md).
 * Only when a message's content fails (rare) is the batch rolled back
 * and run again with savepoints, so that message alone is dropped. */
static int
writer_apply(struct writer *w, struct writer_msgs *batch,
    enum db_fault *fault, char *err, size_t errlen)
{
	sqlite3		*db = w->store.db;
	int		 rc, data;

	rc = writer_pass(w, batch, 0, &data);
	if (rc != SQLITE_OK && data) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		rc = writer_pass(w, batch, 1, &data);
	}
	if (rc == SQLITE_OK)
		return 0;
	*fault = writer_error(db, rc, err, errlen);
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* After a commit: counters, barriers, the end of a degraded spell. */
static void
writer_committed(struct writer *w, struct writer_msgs *batch, int64_t took_us)
{
	struct writer_msg	*m;
	size_t			 nres = 0;

	pthread_mutex_lock(&w->lock);
	STAILQ_FOREACH(m, batch, link) {
		nres += m->type == WM_RESULT;
		w->qbytes -= m->bytes;
		if (m->type == WM_BARRIER)
			w->barrier_done = (uint64_t)m->id;
	}
	w->queued -= nres;
	w->inflight = 0;
	w->pending_drops = 0;		/* stored: the room is there now */
	w->stats.commits++;
	w->stats.results += nres;
	w->stats.last_commit_us = took_us;
	if (w->stats.degraded && !w->stats.broken) {
		w->stats.degraded = 0;
		w->stats.fault = DBF_NONE;
		w->stats.last_error[0] = '\0';
		log_warnx("writer: database writable again, catching up "
		    "(%zu results still queued)", w->queued);
	}
	pthread_cond_broadcast(&w->done);
	pthread_mutex_unlock(&w->lock);
	writer_msg_free_list(batch);
}

/* Broken for good: say so once, drop what is queued (counted as lost),
 * release every waiter; called with the lock held, from the writer thread
 * or the background check's. */
static void
writer_break(struct writer *w, enum db_fault fault, const char *err)
{
	size_t	 lost;

	if (!w->stats.broken)
		log_warnx("writer: %s", err);
	w->stats.degraded = w->stats.broken = 1;
	w->stats.fault = fault;
	if (err != w->stats.last_error)
		snprintf(w->stats.last_error, sizeof w->stats.last_error, "%s",
		    err);
	lost = writer_msg_free_list(&w->queue);
	w->stats.lost += lost;
	/* A batch may be in flight (the background check breaks the writer
	 * from its own thread): it stays counted until it comes back. */
	w->queued = w->inflight;
	w->barrier_done = w->barrier_seq;
	pthread_cond_broadcast(&w->done);
	if (lost > 0)
		log_warnx("writer: %zu results not stored (%s)", lost,
		    db_fault_str(fault));
}

/* The background quick_check found corruption: stop writing. */
static void
writer_bg_corrupt(void *arg, const char *err)
{
	struct writer	*w = arg;

	pthread_mutex_lock(&w->lock);
	writer_break(w, DBF_CORRUPT, err);
	pthread_mutex_unlock(&w->lock);
}

/* After a failed batch: requeue, report, give up if closing too long;
 * called with the lock held. Returns 1 when the thread should exit. */
static int
writer_failed(struct writer *w, struct writer_msgs *batch,
    enum db_fault fault, const char *err)
{
	char	 msg[sizeof w->stats.last_error];
	size_t	 lost;

	writer_requeue(w, batch);
	w->inflight = 0;
	if (w->stats.broken) {		/* meanwhile, by the background check */
		writer_break(w, w->stats.fault, w->stats.last_error);
		return 0;
	}
	if (!db_fault_transient(fault)) {
		dbcheck_advice(w->path, err, msg, sizeof msg);
		writer_break(w, fault, msg);
		return 0;
	}
	for (; w->pending_drops > 0; w->pending_drops--)
		writer_drop_oldest(w);
	if (!w->stats.degraded || strcmp(w->stats.last_error, err) != 0)
		log_warnx("writer: database write failed: %s; keeping %zu "
		    "results queued and retrying", err, w->queued);
	w->stats.degraded = 1;
	w->stats.fault = fault;
	snprintf(w->stats.last_error, sizeof w->stats.last_error, "%s", err);
	if (!w->stopping || mono_ms() < w->stop_deadline)
		return 0;
	lost = writer_msg_free_list(&w->queue);
	w->queued = 0;
	w->stats.lost += lost;
	w->qbytes = 0;
	w->barrier_done = w->barrier_seq;
	pthread_cond_broadcast(&w->done);
	log_warnx("writer: giving up at shutdown: %zu results were not "
	    "stored (%s)", lost, err);
	return 1;
}

/* Wait up to ms on a condition; called with the lock held. */
static void
writer_sleep(struct writer *w, pthread_cond_t *cond, int64_t ms)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(cond, &w->lock, &ts);
}

/* Test hook: run pending SQL outside any transaction; lock held. */
static void
writer_run_exec(struct writer *w)
{
	char	*sql = w->exec_sql;

	pthread_mutex_unlock(&w->lock);
	if (w->store.db == NULL)
		log_warnx("writer: test exec: no database");
	else if (sqlite3_exec(w->store.db, sql, NULL, NULL, NULL) != SQLITE_OK)
		log_warnx("writer: test exec: %s", sqlite3_errmsg(w->store.db));
	pthread_mutex_lock(&w->lock);
	free(sql);
	w->exec_sql = NULL;
	pthread_cond_broadcast(&w->done);
}

/* ---- Retention (issue 5): one small prune transaction at a time, run
 * only while the queue is empty, so results always go first. ---- */

/* One prune batch; called with the lock held, drops it meanwhile. */
static void
writer_run_prune(struct writer *w)
{
	int64_t	 before = w->prune_before, n;
	char	 err[256];

	pthread_mutex_unlock(&w->lock);
	n = retention_prune_batch(w->store.db, before, RETENTION_BATCH, err,
	    sizeof err);
	pthread_mutex_lock(&w->lock);
	if (n == -1)
		log_warnx("writer: retention: %s (next try after the next "
		    "sweep)", err);
	else
		w->pruned += n;
	if (n > 0 && w->prune_before == before)
		return;
	if (w->pruned > 0)
		log_info("retention: pruned %lld history rows older than %lld",
		    (long long)w->pruned, (long long)before);
	if (w->prune_before == before)
		w->prune_before = 0;
	w->pruned = 0;
}

/* Ask the thread to prune history older than the given time. */
void
writer_prune(struct writer *w, int64_t older_than)
{
	pthread_mutex_lock(&w->lock);
	w->prune_before = older_than;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/* Group commit: while results trickle in (one host at a time during a
 * sweep), wait a little so one transaction carries many; anything but a
 * result, a full batch, a stop or a test exec ends the wait. Lock held. */
static void
writer_linger(struct writer *w)
{
	int64_t	 end = mono_ms() + WRITER_LINGER_MS, now;

	while (!w->stopping && w->exec_sql == NULL && !w->urgent &&
	    w->queued < WRITER_BATCH && (now = mono_ms()) < end)
		writer_sleep(w, &w->wake, end - now);
}

/* Take what is queued and commit it outside the lock; on failure back off
 * (doubling, bounded) unless the database broke. Lock held on entry and
 * return; -1 when the thread must end (writer_failed says so). */
static int
writer_batch(struct writer *w, int64_t *backoff)
{
	struct writer_msgs	 batch;
	char			 err[sizeof w->stats.last_error];
	int64_t			 t0, delay;
	enum db_fault		 fault = DBF_OTHER;

	writer_take(w, &batch);
	delay = w->test_delay_ms;
	pthread_mutex_unlock(&w->lock);
	if (delay > 0)
		usleep((useconds_t)delay * 1000);
	t0 = wall_us();
	if (writer_apply(w, &batch, &fault, err, sizeof err) == 0) {
		writer_committed(w, &batch, wall_us() - t0);
		*backoff = 0;
		pthread_mutex_lock(&w->lock);
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	if (writer_failed(w, &batch, fault, err))
		return -1;
	if (w->stats.broken) {
		*backoff = 0;
		return 0;
	}
	*backoff = *backoff ? *backoff * 2 : WRITER_BACKOFF_MIN;
	if (*backoff > WRITER_BACKOFF_MAX)
		*backoff = WRITER_BACKOFF_MAX;
	writer_sleep(w, &w->wake, *backoff);
	return 0;
}

/* The thread: wait for work; run a test exec, a prune or a batch. */
static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	int64_t			 backoff = 0;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (STAILQ_EMPTY(&w->queue) && w->exec_sql == NULL &&
		    w->prune_before == 0 && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->exec_sql != NULL) {
			writer_run_exec(w);
			continue;
		}
		if (w->stats.broken) {		/* nothing is written */
			writer_break(w, w->stats.fault, w->stats.last_error);
			if (w->stopping)
				break;
			w->prune_before = 0;
			continue;
		}
		if (STAILQ_EMPTY(&w->queue) && w->prune_before != 0 &&
		    !w->stopping) {
			writer_run_prune(w);
			continue;
		}
		if (STAILQ_EMPTY(&w->queue))
			break;
		if (backoff == 0)
			writer_linger(w);
		if (w->exec_sql != NULL)
			continue;
		if (writer_batch(w, &backoff) == -1)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Create the file 0600 before SQLite sees it, and tighten an existing
 * file that others could read. */
static int
writer_create_file(const char *path, char *err, size_t errlen)
{
	struct stat	 sb;
	int		 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0 &&
	    fchmod(fd, sb.st_mode & 0700) == 0)
		log_info("%s: removed group/other permissions", path);
	close(fd);
	return 0;
}

/* PRAGMAs of the writer connection. */
static int
writer_pragmas(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	const char	*mode = NULL;
	int		 wal = 0;

	sqlite3_busy_timeout(db, WRITER_BUSY_MS);
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			mode = (const char *)sqlite3_column_text(st, 0);
		wal = mode != NULL && strcmp(mode, "wal") == 0;
		sqlite3_finalize(st);
	}
	if (!wal) {
		snprintf(err, errlen, "cannot switch to WAL mode: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	/* Not temp_store = MEMORY: it would keep each message's savepoint
	 * journal (a copy of every page the message changes) in memory
	 * however large, and one host with 20,000 packages then took the
	 * peak RSS past 64 MB (backpressure.sh). SQLite spills it to a temp
	 * file past 64 KiB instead; a larger SQLITE_CONFIG_STMTJRNL_SPILL
	 * (256 KiB, 1 MiB) made the next transaction fail with SQLITE_FULL
	 * on SQLite 3.40.1 (docs/PERFORMANCE.md). */
	if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Highest sweep id stored, so new ids continue from it. */
static int64_t
writer_max_sweep(sqlite3 *db)
{
	int64_t	 id = 0;

	if (stmt_int64(db, "SELECT coalesce(max(id), 0) FROM sweeps", &id) !=
	    SQLITE_OK)
		return 0;
	return id;
}

/* The checks before anything is written: the header, then quick_check
 * when the file is small enough to check now (*later set otherwise).
 * Returns DBF_NONE or the fault, with err filled. */
static enum db_fault
writer_check(sqlite3 *db, const char *path, int *later, char *err,
    size_t errlen)
{
	struct stat	 sb;
	enum db_fault	 f;
	char		 e[256];

	*later = 0;
	if (dbcheck_header(path, e, sizeof e) == -1) {
		dbcheck_advice(path, e, err, errlen);
		return DBF_CORRUPT;
	}
	if (stat(path, &sb) == 0 && sb.st_size > dbcheck_sync_max()) {
		*later = 1;
		return DBF_NONE;
	}
	dbcheck_preread(path);
	if ((f = dbcheck_quick(db, e, sizeof e)) == DBF_CORRUPT)
		dbcheck_advice(path, e, err, errlen);
	else if (f != DBF_NONE)
		snprintf(err, errlen, "%s: %s", path, e);
	return f;
}

/* Open the connection: file, checks, pragmas, migrations. Corruption
 * sets *fault and leaves the file as it was (no checkpoint at close). */
static sqlite3 *
writer_open_db(const char *path, enum db_fault *fault, int *later,
    char *err, size_t errlen)
{
	sqlite3	*db = NULL;
	char	 e[256];

	*fault = DBF_NONE;
	if (writer_create_file(path, err, errlen) == -1)
		return NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, WRITER_BUSY_MS);
	if ((*fault = writer_check(db, path, later, err, errlen)) !=
	    DBF_NONE) {
		sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
		sqlite3_close(db);
		return NULL;
	}
	if (writer_pragmas(db, e, sizeof e) == -1 ||
	    schema_migrate(db, e, sizeof e) == -1) {
		snprintf(err, errlen, "%s: %s", path, e);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* Open the database and start the writer thread. A corrupt database
 * still gets a writer, a broken one: the daemon stays up to say so in
 * status and metrics, and `collect` sees it in writer_get_stats. */
struct writer *
writer_open(const char *path, char *err, size_t errlen)
{
	struct writer	*w;
	sqlite3		*db;
	mode_t		 omask;
	enum db_fault	 fault;
	int		 later;

	/* -wal and -shm are created with the database's mode; the umask
	 * covers them anyway while we create them here. */
	omask = umask(077);
	db = writer_open_db(path, &fault, &later, err, errlen);
	umask(omask);
	if (db == NULL && fault != DBF_CORRUPT)
		return NULL;
	w = xcalloc(1, sizeof *w);
	w->path = xstrdup(path);
	w->store.db = db;
	w->next_sweep = db != NULL ? writer_max_sweep(db) : 0;
	w->queue_max = WRITER_QUEUE_MAX;
	STAILQ_INIT(&w->queue);
	w->qbytes_high = WRITER_BYTES_HIGH;
	w->qbytes_max = WRITER_BYTES_MAX;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	if (db == NULL) {	/* the caller says so: collect or daemon */
		w->stats.degraded = w->stats.broken = 1;
		w->stats.fault = DBF_CORRUPT;
		snprintf(w->stats.last_error, sizeof w->stats.last_error, "%s",
		    err);
	}
	if ((errno = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		snprintf(err, errlen, "writer thread: %s", strerror(errno));
		sqlite3_close(db);
		free(w->path);
		free(w);
		return NULL;
	}
	if (later)
		w->bg = dbcheck_bg_start(path, writer_bg_corrupt, w);
	return w;
}

/* Groups of a host as one comma-separated string. */
static char *
writer_groups(const struct host *h)
{
	struct buf	 b = { 0 };
	size_t		 i;

	for (i = 0; i < h->ngroups; i++)
		buf_printf(&b, "%s%s", i > 0 ? "," : "", h->groups[i]);
	return b.data != NULL ? buf_steal(&b) : xstrdup("");
}

/* Queue the inventory as of this config. */
void
writer_sync_inventory(struct writer *w, const struct config *conf)
{
	struct writer_msg	*m;
	size_t		 i;

	m = writer_msg_new(WM_INVENTORY);
	m->at = wall_us() / 1000000;
	m->n = conf->nhosts;
	m->hosts = xcalloc(conf->nhosts + 1, sizeof *m->hosts);
	for (i = 0; i < conf->nhosts; i++) {
		m->hosts[i].name = xstrdup(conf->hosts[i].name);
		m->hosts[i].address = conf->hosts[i].address != NULL ?
		    xstrdup(conf->hosts[i].address) : NULL;
		m->hosts[i].port = conf->hosts[i].port;
		m->hosts[i].user = conf->hosts[i].user != NULL ?
		    xstrdup(conf->hosts[i].user) : NULL;
		m->hosts[i].groups = writer_groups(&conf->hosts[i]);
	}
	writer_enqueue(w, m);
}

/* Hand out the next sweep id and queue its row. */
int64_t
writer_sweep_begin(struct writer *w, const char *trigger, size_t nhosts)
{
	struct writer_msg	*m;
	int64_t		 id;

	m = writer_msg_new(WM_SWEEP_BEGIN);
	m->trigger = xstrdup(trigger != NULL ? trigger : "manual");
	m->n = nhosts;
	m->at = wall_us() / 1000000;
	pthread_mutex_lock(&w->lock);
	id = m->id = ++w->next_sweep;
	pthread_mutex_unlock(&w->lock);
	writer_enqueue(w, m);		/* m may be freed from here on */
	return id;
}

/* Queue one host's result; the writer owns it from now on. */
void
writer_submit(struct writer *w, struct host_result *r)
{
	struct writer_msg	*m;

	if (r == NULL)
		return;
	m = writer_msg_new(WM_RESULT);
	m->result = r;
	writer_enqueue(w, m);
}

/* Cluster mode: from now on every stored attempt is queued to ship. */
void
writer_outbox_enable(struct writer *w, size_t max)
{
	struct writer_msg	*m;

	m = writer_msg_new(WM_OUTBOX_ON);
	m->n = max > 0 ? max : 1;
	writer_enqueue(w, m);
}

/* The shipper's acknowledgement: outbox rows up to id can go. */
void
writer_outbox_ack(struct writer *w, int64_t upto_id)
{
	struct writer_msg	*m;

	m = writer_msg_new(WM_OUTBOX_ACK);
	m->id = upto_id;
	writer_enqueue(w, m);
}

/* Queue the end of a sweep. */
void
writer_sweep_end(struct writer *w, int64_t sweep_id)
{
	struct writer_msg	*m;

	m = writer_msg_new(WM_SWEEP_END);
	m->id = sweep_id;
	m->at = wall_us() / 1000000;
	writer_enqueue(w, m);
}

/* Wait for a barrier; bounded while the database is not writable. */
void
writer_flush(struct writer *w)
{
	struct writer_msg	*m;
	uint64_t	 seq;
	int64_t		 start = mono_ms();

	m = writer_msg_new(WM_BARRIER);
	pthread_mutex_lock(&w->lock);
	seq = ++w->barrier_seq;
	pthread_mutex_unlock(&w->lock);
	m->id = (int64_t)seq;
	writer_enqueue(w, m);
	pthread_mutex_lock(&w->lock);
	while (w->barrier_done < seq) {
		if (w->stats.degraded &&
		    mono_ms() - start >= WRITER_GIVE_UP_MS) {
			log_warnx("writer: flush gave up after %ds: database "
			    "not writable (%s), %zu results queued",
			    WRITER_GIVE_UP_MS / 1000, w->stats.last_error,
			    w->queued);
			break;
		}
		writer_sleep(w, &w->done, 500);
	}
	pthread_mutex_unlock(&w->lock);
}

/* Stop the thread once the queue is stored (or given up), close, and
 * hand back the final counters if asked. */
void
writer_close_stats(struct writer *w, struct writer_stats *final)
{
	if (w == NULL)
		return;
	dbcheck_bg_stop(w->bg);
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	w->stop_deadline = mono_ms() + WRITER_GIVE_UP_MS;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (final != NULL) {
		*final = w->stats;
		final->queue_depth = w->queued;
	}
	stmt_finalize_all(&w->store);
	if (w->stats.broken && w->store.db != NULL)	/* leave the file as is */
		sqlite3_db_config(w->store.db,
		    SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (sqlite3_close(w->store.db) != SQLITE_OK)
		log_warnx("writer: closing %s: %s", w->path,
		    sqlite3_errmsg(w->store.db));
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	free(w->path);
	free(w);
}

/* Stop the thread once the queue is stored (or given up), close. */
void
writer_close(struct writer *w)
{
	writer_close_stats(w, NULL);
}

/* The database a sweep's digest window reads (storage/digest.h). */
const char *
writer_db_path(struct writer *w)
{
	return w != NULL && w->store.db != NULL ? w->path : NULL;
}

/* Copy the counters. */
void
writer_get_stats(struct writer *w, struct writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->stats;
	st->queue_depth = w->queued;
	st->queue_bytes = w->qbytes;
	pthread_mutex_unlock(&w->lock);
}

/* Test hook: run SQL on the writer's connection and wait for it. */
void
writer_test_exec(struct writer *w, const char *sql)
{
	pthread_mutex_lock(&w->lock);
	while (w->exec_sql != NULL)
		pthread_cond_wait(&w->done, &w->lock);
	w->exec_sql = xstrdup(sql);
	pthread_cond_signal(&w->wake);
	while (w->exec_sql != NULL)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Is more waiting for the database than it should? The dispatcher starts
 * no new host while it is (backpressure), so memory holds at any N. */
int
writer_backlogged(struct writer *w)
{
	int	 b;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->lock);
	b = w->qbytes > w->qbytes_high;
	pthread_mutex_unlock(&w->lock);
	return b;
}

/* Test hook: bytes bounds instead of the defaults. */
void
writer_test_bytes(struct writer *w, size_t high, size_t max)
{
	pthread_mutex_lock(&w->lock);
	w->qbytes_high = high;
	w->qbytes_max = max;
	w->stats.queue_bytes_peak = w->qbytes;
	pthread_mutex_unlock(&w->lock);
}

/* Test hook: a slow database, every transaction ms longer. */
void
writer_test_delay(struct writer *w, int64_t ms)
{
	pthread_mutex_lock(&w->lock);
	w->test_delay_ms = ms;
	pthread_mutex_unlock(&w->lock);
}

/* Test hook: a smaller queue bound. */
void
writer_test_queue_max(struct writer *w, size_t n)
{
	pthread_mutex_lock(&w->lock);
	w->queue_max = n;
	pthread_mutex_unlock(&w->lock);
}
