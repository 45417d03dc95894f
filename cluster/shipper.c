/* The shipper thread: a small state machine over one libpq connection in
 * non-blocking mode, driven by poll() on the connection's socket and a
 * wake-up pipe. Ships outbox batches one at a time; a batch counts as
 * delivered only when PostgreSQL answered the INSERT, and only then is it
 * acknowledged to the writer. A batch whose answer is lost is sent again:
 * attempts are keyed by a unique id and inserted ON CONFLICT DO NOTHING. */
#include <sys/random.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster/pgschema.h"
#include "cluster/shipper.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "config/cluster.h"
#include "storage/outbox.h"
#include "storage/storage.h"

#define SHIP_BATCH		500		/* attempts per INSERT */
#define SHIP_IDLE_MS		200		/* outbox poll when idle */
#define SHIP_CONNECT_MS		(10 * 1000)	/* connect + auth budget */
#define SHIP_QUERY_MS		(30 * 1000)	/* one statement's budget */
#define SHIP_BACKOFF_MIN	500		/* ms, first reconnect */
#define SHIP_BACKOFF_MAX	(10 * 1000)	/* ms, reconnect ceiling */
#define SHIP_REPORT_MS		(10 * 1000)	/* backlog log line while down */
#define SHIP_STATS_MS		1000		/* backlog refresh for status */
#define SHIP_DUP_LOG_MS		(60 * 1000)	/* "name in use" repeated */
#define SHIP_PRUNE_MS		(60 * 1000)	/* central retention check */
#define SHIP_PRUNE_BATCH	"500"		/* rows per kind per statement */

/* Where the connection is. */
enum ship_state {
	SHIP_DOWN,		/* no connection; retry at next_try */
	SHIP_CONNECTING,	/* PQconnectPoll in progress */
	SHIP_MIGRATING,		/* central schema statements running */
	SHIP_IDLE,		/* connected, outbox empty or not read yet */
	SHIP_SENDING,		/* one batch's INSERT running */
	SHIP_BEATING,		/* the heartbeat statement running */
	SHIP_PRUNING,		/* one central retention batch running */
	SHIP_STATE_MAX
};

static const char *const ship_state_names[] = {
	[SHIP_DOWN] = "down",
	[SHIP_CONNECTING] = "connecting",
	[SHIP_MIGRATING] = "migrating",
	[SHIP_IDLE] = "idle",
	[SHIP_SENDING] = "sending",
	[SHIP_BEATING] = "heartbeat",
	[SHIP_PRUNING] = "pruning",
};
_Static_assert(sizeof ship_state_names / sizeof ship_state_names[0] ==
    SHIP_STATE_MAX, "a name per state");

struct shipper {
	char		*conninfo;	/* libpq conninfo, no password */
	char		*password;	/* from password_file, or NULL */
	char		*node;		/* this node's name */
	char		*segment;	/* this node's segment */
	struct writer	*writer;	/* acks go there */
	struct outbox_reader *outbox;	/* our read-only connection */
	pthread_t	 thread;	/* the shipper thread */
	int		 wake[2];	/* pipe: shipper_stop wakes the poll */
	PGconn		*conn;		/* NULL when down */
	enum ship_state	 state;		/* see enum */
	PostgresPollingStatusType connect_dir;	/* what PQconnectPoll wants */
	int		 want_write;	/* PQflush has more to send */
	int		 query_failed;	/* a result of this query was an error */
	char		 query_error[256];	/* its message */
	int64_t		 deadline;	/* mono ms: current step's budget */
	int64_t		 next_try;	/* mono ms: DOWN reconnects then */
	int64_t		 next_read;	/* mono ms: IDLE reads the outbox then */
	int64_t		 backoff_ms;	/* current reconnect backoff */
	int64_t		 sent_upto;	/* outbox id acknowledged so far */
	int64_t		 batch_last;	/* outbox id ending the batch in flight */
	size_t		 batch_n;	/* attempts in the batch in flight */
	long long	 batch_new;	/* of them, new to PostgreSQL (answer) */
	int64_t		 last_report;	/* mono ms of the last backlog line */
	int		 was_down;	/* a failure was logged since connected */
	int64_t		 started_us;	/* epoch us the shipper started */
	int64_t		 dead_after_ms;	/* cluster.dead_after */
	int64_t		 next_beat;	/* mono ms: heartbeat due then */
	char		**beat_names;	/* live nodes the running beat read */
	size_t		 beat_n;	/* entries of beat_names */
	char		**members;	/* live nodes of the segment, last read
					   (guarded by lock) */
	size_t		 nmembers;	/* entries of members */
	int64_t		 members_at;	/* mono ms they were read; 0 never */
	int64_t		 hosts_owned;	/* the scheduler's count; -1 unknown */
	int64_t		 next_stats;	/* mono ms: backlog refresh due */
	char		 instance[33];	/* random id of this start (hex) */
	char		 machine[256];	/* gethostname(), for the name's row */
	char		 pid[24];	/* getpid() as text */
	int		 take_pid;	/* a gone pid of this machine whose row
					   the next beat may take; 0 none */
	char		*holder;	/* the beat found the name held:
					   "host pid" of the holder, or NULL */
	int64_t		 dup_logged;	/* mono ms of the last "in use" line */
	int64_t		 retention_ms;	/* central retention; 0 = forever
					   (guarded by lock) */
	int64_t		 next_prune;	/* mono ms: retention batch due */
	int		 prune_locked;	/* the batch's answer: lock held */
	long long	 prune_rows;	/* the batch's answer: rows deleted */
	long long	 pruned;	/* rows deleted in this pruning run */
	pthread_mutex_t	 lock;		/* guards stats */
	struct shipper_stats stats;	/* for shipper_get_stats */
};

/* Change state; debug log of the transition. */
static void
ship_set_state(struct shipper *s, enum ship_state to)
{
	if (s->state != to)
		log_debug("cluster: shipper %s -> %s", ship_state_names[s->state],
		    ship_state_names[to]);
	s->state = to;
}

/* libpq notices (e.g. "relation already exists") go to the debug log. */
static void
ship_notice(void *arg, const char *msg)
{
	log_debug("cluster: postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* A libpq message on one line (they end with a newline). */
static void
ship_errmsg(char *dst, size_t len, const char *msg)
{
	snprintf(dst, len, "%.*s", (int)strcspn(msg, "\n"), msg);
}

/* Free a list of node names. */
static void
ship_names_free(char **names, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Refresh the backlog numbers from the outbox. */
static void
ship_backlog(struct shipper *s)
{
	struct outbox_backlog	 bl;
	char			 err[256];

	if (outbox_backlog(s->outbox, &bl, err, sizeof err) == -1) {
		log_warnx("cluster: %s", err);
		return;
	}
	pthread_mutex_lock(&s->lock);
	s->stats.backlog = bl.count;
	s->stats.oldest_us = bl.oldest_us;
	pthread_mutex_unlock(&s->lock);
}

/* Say how much waits and since when; at most every SHIP_REPORT_MS. */
static void
ship_report(struct shipper *s, int force)
{
	int64_t	 now = mono_ms(), age;

	if (!force && now - s->last_report < SHIP_REPORT_MS)
		return;
	s->last_report = now;
	ship_backlog(s);
	pthread_mutex_lock(&s->lock);
	age = s->stats.oldest_us > 0 ?
	    (wall_us() - s->stats.oldest_us) / 1000000 : 0;
	log_warnx("cluster: PostgreSQL unreachable (%s): backlog %lld "
	    "attempt(s) in the local outbox, oldest %llds ago; sweeping goes "
	    "on, retry in %llds", s->stats.last_error,
	    (long long)s->stats.backlog, (long long)age,
	    (long long)(s->backoff_ms + 999) / 1000);
	pthread_mutex_unlock(&s->lock);
}

/* Drop the connection, remember why, back off. */
static void
ship_fail(struct shipper *s, const char *why)
{
	int	 first = !s->was_down;

	/* why may be PQerrorMessage(conn): copy it before PQfinish. */
	pthread_mutex_lock(&s->lock);
	s->stats.connected = 0;
	ship_errmsg(s->stats.last_error, sizeof s->stats.last_error, why);
	pthread_mutex_unlock(&s->lock);
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
	s->want_write = 0;
	ship_names_free(s->beat_names, s->beat_n);
	s->beat_names = NULL;
	s->beat_n = 0;
	s->backoff_ms = first || s->backoff_ms < SHIP_BACKOFF_MIN ?
	    SHIP_BACKOFF_MIN : s->backoff_ms * 2;
	if (s->backoff_ms > SHIP_BACKOFF_MAX)
		s->backoff_ms = SHIP_BACKOFF_MAX;
	s->next_try = mono_ms() + s->backoff_ms;
	s->was_down = 1;
	ship_set_state(s, SHIP_DOWN);
	ship_report(s, first);
}

/* Start connecting: the conninfo as given plus the password and an
 * application name, so the password is never part of any string we log. */
static void
ship_connect(struct shipper *s)
{
	const char	*keys[5], *vals[5];
	char		 app[96];
	int		 n = 0;

	snprintf(app, sizeof app, "rollcall-%s", s->node);
	keys[n] = "dbname";		vals[n++] = s->conninfo;
	keys[n] = "application_name";	vals[n++] = app;
	if (s->password != NULL) {
		keys[n] = "password";	vals[n++] = s->password;
	}
	keys[n] = NULL;			vals[n] = NULL;
	s->conn = PQconnectStartParams(keys, vals, 1);
	if (s->conn == NULL) {
		ship_fail(s, "out of memory");
		return;
	}
	if (PQstatus(s->conn) == CONNECTION_BAD) {
		ship_fail(s, PQerrorMessage(s->conn));
		return;
	}
	PQsetNoticeProcessor(s->conn, ship_notice, NULL);
	s->connect_dir = PGRES_POLLING_WRITING;
	s->deadline = mono_ms() + SHIP_CONNECT_MS;
	ship_set_state(s, SHIP_CONNECTING);
}

/* A query was handed to libpq: flush what we can, budget its answer. */
static void
ship_sent(struct shipper *s, int ok, enum ship_state to)
{
	int	 f;

	if (!ok) {
		ship_fail(s, PQerrorMessage(s->conn));
		return;
	}
	if ((f = PQflush(s->conn)) == -1) {
		ship_fail(s, PQerrorMessage(s->conn));
		return;
	}
	s->want_write = f == 1;
	s->query_failed = 0;
	s->deadline = mono_ms() + SHIP_QUERY_MS;
	ship_set_state(s, to);
}

/* One step of PQconnectPoll; on success the schema goes first. */
static void
ship_connect_step(struct shipper *s)
{
	s->connect_dir = PQconnectPoll(s->conn);
	if (s->connect_dir == PGRES_POLLING_FAILED) {
		ship_fail(s, PQerrorMessage(s->conn));
		return;
	}
	if (s->connect_dir != PGRES_POLLING_OK)
		return;
	if (PQsetnonblocking(s->conn, 1) == -1) {
		ship_fail(s, PQerrorMessage(s->conn));
		return;
	}
	ship_sent(s, PQsendQuery(s->conn, pgschema_migrate), SHIP_MIGRATING);
}

/* Format an int64 parameter into buf (a slot of 24 bytes). */
static const char *
ship_param(char *buf, int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

/* Caught up: one central retention batch if it is due. Only with an empty
 * outbox, so pruning never delays shipping; the advisory lock in the
 * statement lets one node at a time do it, the others skip. */
static void
ship_prune(struct shipper *s)
{
	const char	*params[2];
	char		 buf[24];
	int64_t		 ms;

	pthread_mutex_lock(&s->lock);
	ms = s->retention_ms;
	pthread_mutex_unlock(&s->lock);
	if (ms <= 0 || mono_ms() < s->next_prune)
		return;
	s->next_prune = mono_ms() + SHIP_PRUNE_MS;
	params[0] = ship_param(buf, ms);
	params[1] = SHIP_PRUNE_BATCH;
	s->prune_locked = 0;
	s->prune_rows = 0;
	ship_sent(s, PQsendQueryParams(s->conn, pgschema_prune, 2, NULL,
	    params, NULL, NULL, 0), SHIP_PRUNING);
}

/* A retention batch answered: go on at once while it found a full batch,
 * say what a finished run deleted. */
static void
ship_prune_done(struct shipper *s)
{
	if (!s->prune_locked) {
		log_debug("cluster: another node is pruning central rows");
		return;
	}
	s->pruned += s->prune_rows;
	if (s->prune_rows > 0) {
		s->next_prune = 0;	/* more may be left: next idle tick */
		return;
	}
	if (s->pruned > 0)
		log_info("cluster: pruned %lld central row(s) older than the "
		    "retention window", s->pruned);
	s->pruned = 0;
}

/* Read the next batch from the outbox and send it, or stay idle. */
static void
ship_next_batch(struct shipper *s)
{
	struct outbox_batch	 b;
	const char		*params[3];
	char			 err[256];

	s->next_read = mono_ms() + SHIP_IDLE_MS;
	if (outbox_read(s->outbox, s->sent_upto, SHIP_BATCH, &b, err,
	    sizeof err) == -1) {
		log_warnx("cluster: %s", err);
		return;
	}
	if (b.n == 0) {
		free(b.json);
		pthread_mutex_lock(&s->lock);
		s->stats.backlog = 0;
		s->stats.oldest_us = 0;
		pthread_mutex_unlock(&s->lock);
		ship_prune(s);
		return;
	}
	params[0] = b.json;
	params[1] = s->node;
	params[2] = s->segment;
	s->batch_last = b.last_id;
	s->batch_n = b.n;
	s->batch_new = 0;
	ship_sent(s, PQsendQueryParams(s->conn, pgschema_ship, 3, NULL,
	    params, NULL, NULL, 0), SHIP_SENDING);
	free(b.json);
}

/* Heartbeat: upsert this node's row with PostgreSQL's now() and what it
 * reports of itself, and read back the live nodes of its segment (or who
 * else holds the name). */
static void
ship_beat(struct shipper *s)
{
	const char	*params[11];
	char		 buf[6][24];
	int64_t		 owned, backlog, oldest;

	s->next_beat = mono_ms() + s->dead_after_ms / 3;
	pthread_mutex_lock(&s->lock);
	owned = s->hosts_owned;
	backlog = s->stats.backlog;
	oldest = s->stats.oldest_us;
	pthread_mutex_unlock(&s->lock);
	params[0] = s->node;
	params[1] = s->segment;
	params[2] = ship_param(buf[0], s->started_us);
	params[3] = owned >= 0 ? ship_param(buf[1], owned) : NULL;
	params[4] = ship_param(buf[2], backlog);
	params[5] = oldest > 0 ? ship_param(buf[3], oldest) : NULL;
	params[6] = ship_param(buf[4], s->dead_after_ms);
	params[7] = s->instance;
	params[8] = s->machine;
	params[9] = s->pid;
	params[10] = s->take_pid > 0 ? ship_param(buf[5], s->take_pid) : NULL;
	ship_names_free(s->beat_names, s->beat_n);
	s->beat_names = NULL;
	s->beat_n = 0;
	free(s->holder);
	s->holder = NULL;
	ship_sent(s, PQsendQueryParams(s->conn, pgschema_beat, 11, NULL,
	    params, NULL, NULL, 0), SHIP_BEATING);
	/* An answer later than dead_after is worth nothing (the others have
	 * counted this node out): treat the link as gone, reconnect. */
	if (s->state == SHIP_BEATING && s->dead_after_ms < SHIP_QUERY_MS)
		s->deadline = mono_ms() + s->dead_after_ms;
}

/* Keep the live node names of the heartbeat's answer, or the machine
 * and pid of the instance that holds the name. */
static void
ship_beat_rows(struct shipper *s, const PGresult *res)
{
	int	 i, n = PQntuples(res);

	s->beat_names = xreallocarray(s->beat_names, s->beat_n + (size_t)n + 1,
	    sizeof *s->beat_names);
	for (i = 0; i < n; i++) {
		if (!PQgetisnull(res, i, 0))
			s->beat_names[s->beat_n++] = xstrdup(PQgetvalue(res, i,
			    0));
		else if (s->holder == NULL)
			xasprintf(&s->holder, "%s %s", PQgetvalue(res, i, 1),
			    PQgetvalue(res, i, 2));
	}
}

/* The name is held by another live instance. If it is a process of this
 * machine that is gone (a restart faster than dead_after), take the name
 * at the next beat, at once; else step back: sweep nothing, say so, and
 * beat on until the holder's heartbeat stops. Returns 1 if stepped back. */
static int
ship_beat_held(struct shipper *s)
{
	char	 host[256];
	int	 pid = 0, gone;

	if (sscanf(s->holder, "%255s %d", host, &pid) < 1)
		host[0] = '\0';
	gone = pid > 0 && strcmp(host, s->machine) == 0 &&
	    kill((pid_t)pid, 0) == -1 && errno == ESRCH;
	if (gone && pid != s->take_pid) {
		log_info("cluster: node %s: its last holder, pid %d on this "
		    "machine (%s), is gone: taking the name over", s->node,
		    pid, s->machine);
		s->take_pid = pid;
		s->next_beat = mono_ms();
		return 0;
	}
	if (s->dup_logged != 0 && mono_ms() - s->dup_logged < SHIP_DUP_LOG_MS)
		return 1;
	s->dup_logged = mono_ms();
	log_warnx("cluster: node name %s is in use by another live instance "
	    "(machine %s, pid %d); this instance (machine %s, pid %s) steps "
	    "back: it sweeps nothing until that one's heartbeat stops. Give "
	    "each daemon its own cluster.node", s->node, host[0] != '\0' ?
	    host : "?", pid, s->machine, s->pid);
	return 1;
}

/* The heartbeat answered: its node list becomes the membership view the
 * scheduler reads (it copies it under the lock; it never waits for us). */
static void
ship_beat_done(struct shipper *s)
{
	char	**old;
	size_t	  nold, n = s->beat_n;
	int	  back = 0, was;

	if (s->holder != NULL && (back = ship_beat_held(s)) == 0)
		return;		/* beats again at once, taking the name */
	pthread_mutex_lock(&s->lock);
	was = s->stats.stepped_back;
	s->stats.stepped_back = back;
	pthread_mutex_unlock(&s->lock);
	if (was && !back)
		log_info("cluster: node %s: the name is this instance's now "
		    "(machine %s, pid %s): sweeping its share", s->node,
		    s->machine, s->pid);
	if (!back) {
		s->take_pid = 0;
		s->dup_logged = 0;
	}
	pthread_mutex_lock(&s->lock);
	old = s->members;
	nold = s->nmembers;
	s->members = s->beat_names;
	s->nmembers = s->beat_n;
	s->members_at = mono_ms();
	pthread_mutex_unlock(&s->lock);
	ship_names_free(old, nold);
	s->beat_names = NULL;
	s->beat_n = 0;
	if (n != nold && !back)
		log_info("cluster: %zu live node(s) in segment %s", n,
		    s->segment);
}

/* Idle and connected: the heartbeat if it is due, else the next batch. */
static void
ship_next(struct shipper *s)
{
	if (mono_ms() >= s->next_beat)
		ship_beat(s);
	else
		ship_next_batch(s);
}

/* The query finished without error: what it means in its state. */
static void
ship_query_done(struct shipper *s)
{
	if (s->state == SHIP_MIGRATING) {
		log_info("cluster: connected to PostgreSQL at %s:%s as node %s "
		    "(segment %s), central schema version %d", PQhost(s->conn),
		    PQport(s->conn), s->node, s->segment, PGSCHEMA_VERSION);
		pthread_mutex_lock(&s->lock);
		s->stats.connected = 1;
		s->stats.last_error[0] = '\0';
		pthread_mutex_unlock(&s->lock);
		s->backoff_ms = 0;
		ship_set_state(s, SHIP_IDLE);
		ship_beat(s);		/* membership first */
		return;
	} else if (s->state == SHIP_BEATING) {
		ship_beat_done(s);
	} else if (s->state == SHIP_PRUNING) {
		ship_prune_done(s);
	} else {
		writer_outbox_ack(s->writer, s->batch_last);
		s->sent_upto = s->batch_last;
		pthread_mutex_lock(&s->lock);
		s->stats.shipped += s->batch_n;
		s->stats.batches++;
		pthread_mutex_unlock(&s->lock);
		log_debug("cluster: shipped %zu attempt(s) up to outbox id %lld",
		    s->batch_n, (long long)s->batch_last);
		if (s->batch_new < (long long)s->batch_n)
			log_info("cluster: %lld of %zu attempt(s) were already in "
			    "PostgreSQL (sent again after a lost answer): "
			    "not stored twice", (long long)s->batch_n -
			    s->batch_new, s->batch_n);
	}
	ship_set_state(s, SHIP_IDLE);
	ship_next(s);
	if (s->state == SHIP_IDLE && s->was_down) {
		s->was_down = 0;
		log_info("cluster: caught up: the outbox is shipped up to id "
		    "%lld", (long long)s->sent_upto);
	}
}

/* Collect every result that is ready; act when the query is over. */
static void
ship_results(struct shipper *s)
{
	PGresult	*res;
	ExecStatusType	 st;

	if (PQconsumeInput(s->conn) == 0) {
		ship_fail(s, PQerrorMessage(s->conn));
		return;
	}
	while (!PQisBusy(s->conn)) {
		if ((res = PQgetResult(s->conn)) == NULL) {
			if (s->query_failed)
				ship_fail(s, s->query_error);
			else
				ship_query_done(s);
			return;
		}
		st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK && s->state == SHIP_SENDING &&
		    PQntuples(res) == 1)
			s->batch_new = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (st == PGRES_TUPLES_OK && s->state == SHIP_BEATING)
			ship_beat_rows(s, res);
		if (st == PGRES_TUPLES_OK && s->state == SHIP_PRUNING &&
		    PQntuples(res) == 1) {
			s->prune_locked = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
			s->prune_rows = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		}
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
		    !s->query_failed) {
			s->query_failed = 1;
			ship_errmsg(s->query_error, sizeof s->query_error,
			    PQresultErrorMessage(res));
		}
		PQclear(res);
	}
}

/* What to wait for, and how long, in the current state. */
static int
ship_wait(struct shipper *s, struct pollfd *pfd, int64_t now)
{
	int64_t	 until;

	pfd->fd = s->conn != NULL ? PQsocket(s->conn) : -1;
	pfd->events = 0;
	switch (s->state) {
	case SHIP_DOWN:
		until = s->next_try;
		break;
	case SHIP_CONNECTING:
		pfd->events = s->connect_dir == PGRES_POLLING_READING ?
		    POLLIN : POLLOUT;
		until = s->deadline;
		break;
	case SHIP_IDLE:
		pfd->events = POLLIN;	/* a server going away */
		until = s->next_read < s->next_beat ? s->next_read :
		    s->next_beat;
		break;
	default:
		pfd->events = POLLIN | (s->want_write ? POLLOUT : 0);
		until = s->deadline;
		break;
	}
	if (until < now)
		return 0;
	return until - now > 1000 ? 1000 : (int)(until - now);
}

/* One wake-up: socket ready or a deadline passed. */
static void
ship_step(struct shipper *s, const struct pollfd *pfd, int64_t now)
{
	int	 ready = pfd->fd >= 0 && pfd->revents != 0;

	switch (s->state) {
	case SHIP_DOWN:
		if (now >= s->next_try)
			ship_connect(s);
		else
			ship_report(s, 0);
		break;
	case SHIP_CONNECTING:
		if (ready)
			ship_connect_step(s);
		else if (now >= s->deadline)
			ship_fail(s, "timeout connecting");
		break;
	case SHIP_IDLE:
		if (ready && (PQconsumeInput(s->conn) == 0 ||
		    PQstatus(s->conn) == CONNECTION_BAD))
			ship_fail(s, PQerrorMessage(s->conn));
		else if (now >= s->next_read || now >= s->next_beat)
			ship_next(s);
		break;
	default:
		if (ready && (pfd->revents & POLLOUT) && s->want_write) {
			int f = PQflush(s->conn);
			if (f == -1) {
				ship_fail(s, PQerrorMessage(s->conn));
				break;
			}
			s->want_write = f == 1;
		}
		if (ready && (pfd->revents & (POLLIN | POLLERR | POLLHUP)))
			ship_results(s);
		else if (now >= s->deadline)
			ship_fail(s, "timeout waiting for PostgreSQL");
		break;
	case SHIP_STATE_MAX:
		break;
	}
}

/* The thread: poll, step, until shipper_stop writes to the pipe. */
static void *
ship_main(void *arg)
{
	struct shipper	*s = arg;
	struct pollfd	 pfd[2];
	int		 timeout;

	ship_backlog(s);
	s->next_try = mono_ms();
	for (;;) {
		timeout = ship_wait(s, &pfd[0], mono_ms());
		pfd[1].fd = s->wake[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) == -1 && errno != EINTR) {
			log_warn("cluster: poll");
			sleep(1);
			continue;
		}
		if (pfd[1].revents != 0)
			break;
		ship_step(s, &pfd[0], mono_ms());
		if (mono_ms() >= s->next_stats) {	/* status, metrics */
			s->next_stats = mono_ms() + SHIP_STATS_MS;
			ship_backlog(s);
		}
	}
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
	return NULL;
}

/* Free what shipper_start made; the password is wiped first. */
static void
ship_free(struct shipper *s)
{
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	outbox_reader_close(s->outbox);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	pthread_mutex_destroy(&s->lock);
	ship_names_free(s->beat_names, s->beat_n);
	ship_names_free(s->members, s->nmembers);
	free(s->holder);
	free(s->conninfo);
	free(s->node);
	free(s->segment);
	free(s);
}

/* Who this start is: a random instance id, the machine and the pid, so
 * a second daemon under the same cluster.node is told apart. */
static void
ship_identity(struct shipper *s)
{
	unsigned char	 r[16];
	size_t		 i;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		fatal("getrandom");
	for (i = 0; i < sizeof r; i++)
		snprintf(s->instance + 2 * i, 3, "%02x", r[i]);
	if (gethostname(s->machine, sizeof s->machine) == -1)
		snprintf(s->machine, sizeof s->machine, "?");
	s->machine[sizeof s->machine - 1] = '\0';
	snprintf(s->pid, sizeof s->pid, "%d", (int)getpid());
}

/* Start the shipper thread. */
struct shipper *
shipper_start(const struct cluster_config *cc, const char *database,
    struct writer *w, char *err, size_t errlen)
{
	struct shipper	*s;

	s = xcalloc(1, sizeof *s);
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	s->conninfo = xstrdup(cc->postgres);
	s->node = xstrdup(cc->node);
	s->segment = xstrdup(cc->segment);
	s->writer = w;
	s->started_us = wall_us();
	s->dead_after_ms = cc->dead_after_ms > 0 ? cc->dead_after_ms :
	    CLUSTER_DEAD_AFTER_MS;
	if (s->dead_after_ms < 300)
		s->dead_after_ms = 300;
	s->hosts_owned = -1;
	ship_identity(s);
	if (cc->password_file != NULL && (s->password =
	    cluster_read_password(cc->password_file, err, errlen)) == NULL)
		goto fail;
	if ((s->outbox = outbox_reader_open(database, err, errlen)) == NULL)
		goto fail;
	if (pipe2(s->wake, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((errno = pthread_create(&s->thread, NULL, ship_main, s)) != 0) {
		snprintf(err, errlen, "shipper thread: %s", strerror(errno));
		goto fail;
	}
	log_info("cluster: node %s, segment %s: shipping to PostgreSQL",
	    s->node, s->segment);
	return s;
fail:
	ship_free(s);
	return NULL;
}

/* Stop the thread and free everything. */
void
shipper_stop(struct shipper *s)
{
	if (s == NULL)
		return;
	if (write(s->wake[1], "x", 1) == -1)
		log_warn("cluster: waking the shipper");
	pthread_join(s->thread, NULL);
	ship_free(s);
}

/* A copy of the counters. */
void
shipper_get_stats(struct shipper *s, struct shipper_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->stats;
	st->hosts_owned = s->hosts_owned;
	st->nmembers = s->nmembers;
	st->members_age_ms = s->members_at > 0 ? mono_ms() - s->members_at :
	    -1;
	pthread_mutex_unlock(&s->lock);
}

/* A copy of the membership view, for the scheduler. */
char **
shipper_members(struct shipper *s, size_t *n, int64_t *age_ms)
{
	char	**names;
	size_t	  i;

	pthread_mutex_lock(&s->lock);
	*n = s->nmembers;
	*age_ms = s->members_at > 0 ? mono_ms() - s->members_at : -1;
	names = xcalloc(s->nmembers + 1, sizeof *names);
	for (i = 0; i < s->nmembers; i++)
		names[i] = xstrdup(s->members[i]);
	pthread_mutex_unlock(&s->lock);
	return names;
}

/* Free what shipper_members returned. */
void
shipper_members_free(char **names, size_t n)
{
	ship_names_free(names, n);
}

/* The scheduler's count of hosts this node owns, for the heartbeat. */
void
shipper_set_owned(struct shipper *s, int64_t n)
{
	pthread_mutex_lock(&s->lock);
	s->hosts_owned = n;
	pthread_mutex_unlock(&s->lock);
}

/* Does another live instance hold this node's name (sweep nothing)? */
int
shipper_stepped_back(struct shipper *s)
{
	int	 back;

	pthread_mutex_lock(&s->lock);
	back = s->stats.stepped_back;
	pthread_mutex_unlock(&s->lock);
	return back;
}

/* The retention window for central rows (0 = keep forever); the
 * scheduler passes the running config's after each sweep. */
void
shipper_set_retention(struct shipper *s, int64_t ms)
{
	pthread_mutex_lock(&s->lock);
	s->retention_ms = ms;
	pthread_mutex_unlock(&s->lock);
}

/* This node's name and segment (constant while the shipper runs). */
const char *
shipper_node(const struct shipper *s)
{
	return s->node;
}

const char *
shipper_segment(const struct shipper *s)
{
	return s->segment;
}
