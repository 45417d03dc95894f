/* The dispatcher: runs on the main event loop, deals the hosts of a sweep
 * to the workers within the global, per-group and handshake limits, and
 * collects their completion events. It never touches SQLite or sockets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/msgq.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/engine.h"
#include "daemon/job.h"
#include "daemon/sweep.h"
#include "daemon/worker.h"
#include "storage/digest.h"
#include "storage/storage.h"

#define ENGINE_WINDOW	(256 * 1024)	/* channel window: bytes in flight */
#define ENGINE_FD_SPARE	64		/* fds kept for everything else */
#define ENGINE_BACKLOG_MS 20		/* writer behind: look again after */
#define ENGINE_DIGEST_WAIT_MS 2		/* digests not read yet: look again */
#define ENGINE_DIGEST_GIVEUP_MS 200	/* then start the host without */

/* Where a host of the sweep is in the dispatcher's hands. */
enum dispatch_state {
	DISPATCH_PENDING = 0,	/* not started yet */
	DISPATCH_HANDSHAKING,	/* dispatched, not yet authenticated */
	DISPATCH_RUNNING,	/* authenticated */
	DISPATCH_DONE,		/* reported, skipped, cancelled */
};

/* A job event from a worker, queued for the main loop. */
struct engine_msg {
	struct msgq_entry	 entry;		/* link in engine->q */
	size_t			 idx;		/* host index in the sweep */
	enum job_event		 ev;		/* what happened */
	enum host_status	 status;	/* JOB_EV_DONE: how it ended */
};

/* Dispatch state of the running sweep (main thread only). */
struct run {
	struct sweep		 sw;		/* shared with the jobs */
	const struct host	**hosts;	/* hosts in this sweep */
	const char		**names;	/* their names, for digests */
	struct digest_window	*digests;	/* their stored digests, read
						   ahead of dispatch */
	int64_t			 dwait_ms;	/* mono: since when dispatch
						   waits for digests; 0 none */
	size_t			 n;		/* hosts in the sweep */
	unsigned char		*state;		/* enum dispatch_state per host */
	enum host_status	*status;	/* per host; MAX: none (yet) */
	int			*worker;	/* worker index per host */
	size_t			**groups;	/* limited groups per host */
	size_t			*ngroups;	/* entries of groups[i] */
	size_t			 cursor;	/* hosts before it are started */
	size_t			 running;	/* in flight */
	size_t			 handshaking;	/* not yet authenticated */
	size_t			 done;		/* reported, skipped, cancelled */
	size_t			 failed;	/* done, status not ok */
	int			 stopping;	/* engine_stop: start no more */
	int64_t			 started_ms;	/* mono: sweep start */
	struct sweep_summary	 sum;		/* counts so far, for cb */
	sweep_done_cb		 cb;		/* told when all are done */
	void			*arg;		/* cb's argument */
};

struct engine {
	struct event_base	*base;		/* main loop */
	const struct config	*conf;		/* hosts and limits */
	struct writer		*writer;	/* the sweeps' rows go here */
	struct worker		**workers;	/* the worker threads */
	size_t			*wload;		/* jobs in flight per worker */
	int			 nworkers;	/* entries of workers */
	size_t			 concurrency;	/* effective global limit */
	int			*ginflight;	/* per config group */
	struct msgq		 q;		/* job events from the workers */
	struct event		*wake;		/* on msgq_fd(&q) */
	struct event		*backlog;	/* writer behind: retry dispatch */
	int			 paused;	/* dispatch paused for the writer */
	struct run		*run;		/* the sweep, or NULL */
	engine_host_cb		 host_cb;	/* a host ended, or NULL */
	void			*host_arg;	/* its argument */
};

/* Raise the soft fd limit to the hard one; return what we may use. */
long
engine_raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit(RLIMIT_NOFILE)");
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
}

/* Worker count: configured, else one per core. */
static int
engine_nworkers(const struct config *conf)
{
	long	 n = conf->workers;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > 256 ? 256 : (int)n;
}

static void	engine_wake_cb(evutil_socket_t, short, void *);
static void	engine_post(void *, size_t, enum job_event, enum host_status);
static void	engine_backlog_cb(evutil_socket_t, short, void *);

/* Start the workers and the wake-up channel. */
struct engine *
engine_new(struct event_base *base, const struct config *conf,
    struct writer *writer)
{
	struct engine	*e;
	long		 fds;
	int		 i;

	e = xcalloc(1, sizeof *e);
	e->base = base;
	e->conf = conf;
	e->writer = writer;
	e->nworkers = engine_nworkers(conf);
	e->concurrency = conf->concurrency > 0 ? (size_t)conf->concurrency : 1;
	fds = engine_raise_nofile() - ENGINE_FD_SPARE - 4L * e->nworkers;
	if (fds < 1)
		fds = 1;
	if ((long)e->concurrency > fds) {
		log_warnx("concurrency %zu exceeds the %ld file descriptors "
		    "available; using %ld", e->concurrency, fds, fds);
		e->concurrency = (size_t)fds;
	}
	e->ginflight = xcalloc(conf->ngroups + 1, sizeof *e->ginflight);
	msgq_init(&e->q);
	e->wake = event_new(base, msgq_fd(&e->q), EV_READ | EV_PERSIST,
	    engine_wake_cb, e);
	event_add(e->wake, NULL);
	e->backlog = evtimer_new(base, engine_backlog_cb, e);
	e->workers = xcalloc((size_t)e->nworkers, sizeof *e->workers);
	e->wload = xcalloc((size_t)e->nworkers, sizeof *e->wload);
	for (i = 0; i < e->nworkers; i++)
		e->workers[i] = worker_new(i, conf, engine_post, e);
	log_debug("engine: %d workers, concurrency %zu", e->nworkers,
	    e->concurrency);
	return e;
}

/* A job event, from a worker thread: queue it for the main loop. */
static void
engine_post(void *arg, size_t idx, enum job_event ev,
    enum host_status status)
{
	struct engine		*e = arg;
	struct engine_msg	*m;

	m = xcalloc(1, sizeof *m);
	m->idx = idx;
	m->ev = ev;
	m->status = status;
	msgq_push(&e->q, &m->entry);
}

/* Is host i within every limit right now? */
static int
engine_fits(struct engine *e, struct run *r, size_t i)
{
	size_t	 g;

	for (g = 0; g < r->ngroups[i]; g++)
		if (e->ginflight[r->groups[i][g]] >=
		    e->conf->groups[r->groups[i][g]].concurrency)
			return 0;
	return 1;
}

/* The least loaded worker; every host behind one bastion goes to the
 * same worker, so they share its one session there (a libssh2 session
 * never crosses threads). */
static int
engine_pick_worker(struct engine *e, const struct host *h)
{
	const struct jump_hop	*j;
	uint32_t		 hash = 2166136261u;
	const char		*p;
	int			 i, best = 0;

	if (h->njumps > 0) {
		j = &h->jumps[0];
		for (p = j->host; *p != '\0'; p++)
			hash = (hash ^ (unsigned char)*p) * 16777619u;
		hash ^= (uint32_t)j->port;
		return (int)(hash % (uint32_t)e->nworkers);
	}

	for (i = 1; i < e->nworkers; i++)
		if (e->wload[i] < e->wload[best])
			best = i;
	return best;
}

/* Hand host i to a worker with its stored digests (NULL: none). */
static void
engine_start_host(struct engine *e, struct run *r, size_t i,
    struct host_digests *last)
{
	struct job	*job;
	size_t		 g;
	int		 w = engine_pick_worker(e, r->hosts[i]);

	r->state[i] = DISPATCH_HANDSHAKING;
	r->running++;
	r->handshaking++;
	if (r->running > r->sum.max_inflight)
		r->sum.max_inflight = r->running;
	for (g = 0; g < r->ngroups[i]; g++)
		e->ginflight[r->groups[i][g]]++;
	r->worker[i] = w;
	e->wload[w]++;
	job = xcalloc(1, sizeof *job);
	job->sweep = &r->sw;
	job->host = r->hosts[i];
	job->idx = i;
	job->last = last;
	worker_submit(e->workers[w], job);
}

/* Backpressure: while the writer holds too much, start nobody and look
 * again shortly; results of hosts in flight still go to it. */
static int
engine_backlogged(struct engine *e)
{
	struct timeval	 tv = { 0, ENGINE_BACKLOG_MS * 1000 };

	if (!writer_backlogged(e->writer)) {
		if (e->paused)
			log_debug("engine: writer caught up, dispatch resumes");
		e->paused = 0;
		return 0;
	}
	if (!e->paused)
		log_debug("engine: writer behind, dispatch paused");
	e->paused = 1;
	if (!evtimer_pending(e->backlog, NULL))
		evtimer_add(e->backlog, &tv);
	return 1;
}

/* Host i's stored digests, taken from the sweep's window (a lock and a
 * look-up, never SQLite), or -1 when its reader has not got there yet:
 * dispatch pauses a moment, as for the writer, and after
 * ENGINE_DIGEST_GIVEUP_MS starts the host without them (it then sends
 * its outputs whole: correct, only costlier; counted as a miss). */
static int
engine_take_digests(struct engine *e, struct run *r, size_t i,
    struct host_digests **last)
{
	struct timeval	 tv = { 0, ENGINE_DIGEST_WAIT_MS * 1000 };
	int64_t		 now;

	if (digest_window_take(r->digests, i, 0, last) == 0) {
		r->dwait_ms = 0;
		return 0;
	}
	now = mono_ms();
	if (r->dwait_ms == 0)
		r->dwait_ms = now;
	else if (now - r->dwait_ms >= ENGINE_DIGEST_GIVEUP_MS) {
		log_debug("engine: digests of %s not read after %d ms, "
		    "starting it without", r->hosts[i]->name,
		    ENGINE_DIGEST_GIVEUP_MS);
		r->dwait_ms = 0;
		return digest_window_take(r->digests, i, 1, last);
	}
	if (!evtimer_pending(e->backlog, NULL))
		evtimer_add(e->backlog, &tv);
	return -1;
}

/* Start as many waiting hosts as the limits allow. */
static void
engine_dispatch(struct engine *e)
{
	struct run		*r = e->run;
	struct host_digests	*last;
	int			 maxhs = e->conf->max_handshakes;
	size_t			 i;

	if (engine_backlogged(e))
		return;
	while (!r->stopping && r->running < e->concurrency &&
	    (maxhs <= 0 || r->handshaking < (size_t)maxhs)) {
		while (r->cursor < r->n &&
		    r->state[r->cursor] != DISPATCH_PENDING)
			r->cursor++;
		for (i = r->cursor; i < r->n; i++)
			if (r->state[i] == DISPATCH_PENDING &&
			    engine_fits(e, r, i))
				break;
		if (i >= r->n || engine_take_digests(e, r, i, &last) == -1)
			break;
		engine_start_host(e, r, i, last);
	}
}

/* Free a finished sweep's dispatch state. */
static void
engine_run_free(struct run *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	digest_window_close(r->digests);
	free(r->names);
	sweep_release(&r->sw);
	for (i = 0; i < r->n; i++)
		free(r->groups[i]);
	free(r->groups);
	free(r->ngroups);
	free(r->hosts);
	free(r->state);
	free(r->status);
	free(r->worker);
	free(r);
}

/* Every host has reported: close the sweep and tell the caller. */
static void
engine_sweep_done(struct engine *e)
{
	struct run		*r = e->run;
	struct sweep_summary	 sum;
	struct digest_window_stats dst;

	writer_sweep_end(e->writer, r->sw.id);
	digest_window_stats(r->digests, &dst);
	r->sum.digest_hits = dst.hits;
	r->sum.digest_misses = dst.misses;
	log_debug("sweep %lld: digests of %zu hosts, %zu without, %zu "
	    "missed (started before read), %zu waits", (long long)r->sw.id,
	    dst.hits, dst.none, dst.misses, dst.waits);
	r->sum.wall_ms = mono_ms() - r->started_ms;
	r->sum.hosts = r->hosts;
	r->sum.status = r->status;
	sum = r->sum;
	e->run = NULL;
	if (r->cb != NULL)
		r->cb(&sum, r->arg);
	engine_run_free(r);
}

/* One job event. */
static void
engine_event(struct engine *e, const struct engine_msg *m)
{
	struct run	*r = e->run;
	size_t		 g, i = m->idx;

	if (r == NULL || i >= r->n)
		fatalx("engine: event for unknown host %zu", i);
	if (m->ev == JOB_EV_AUTHED) {
		r->state[i] = DISPATCH_RUNNING;
		r->handshaking--;
		engine_dispatch(e);
		return;
	}
	if (r->state[i] == DISPATCH_HANDSHAKING)
		r->handshaking--;
	r->state[i] = DISPATCH_DONE;
	r->status[i] = m->status;
	r->running--;
	r->done++;
	e->wload[r->worker[i]]--;
	for (g = 0; g < r->ngroups[i]; g++)
		e->ginflight[r->groups[i][g]]--;
	if (m->status >= HOST_STATUS_MAX)
		r->sum.cancelled++;
	else {
		r->sum.counts[m->status]++;
		if (e->host_cb != NULL)
			e->host_cb(r->hosts[i], m->status, e->host_arg);
	}
	if (m->status != HOST_OK)
		r->failed++;
	if (r->done == r->n)
		engine_sweep_done(e);
	else
		engine_dispatch(e);
}

/* The backpressure timer: try dispatching again. */
static void
engine_backlog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*e = arg;

	(void)fd;
	(void)what;
	if (e->run != NULL)
		engine_dispatch(e);
}

/* Main-loop side of the queue's wake-up: handle every queued event. */
static void
engine_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine		*e = arg;
	struct engine_msg	*m;
	struct msgq_list	 batch;
	struct msgq_entry	*q;

	msgq_take(&e->q, &batch);
	while ((q = msgq_pop(&batch)) != NULL) {
		m = MSGQ_ITEM(q, struct engine_msg, entry);
		engine_event(e, m);
		free(m);
	}
}

/* Per host, the config groups with a concurrency limit it belongs to. */
static void
engine_plan_groups(struct engine *e, struct run *r)
{
	const struct config	*conf = e->conf;
	size_t			 i, g;

	r->groups = xcalloc(r->n + 1, sizeof *r->groups);
	r->ngroups = xcalloc(r->n + 1, sizeof *r->ngroups);
	for (i = 0; i < r->n; i++)
		for (g = 0; g < conf->ngroups; g++) {
			if (conf->groups[g].concurrency <= 0 ||
			    !host_in_group(r->hosts[i], conf->groups[g].name))
				continue;
			r->groups[i] = xreallocarray(r->groups[i],
			    r->ngroups[i] + 1, sizeof **r->groups);
			r->groups[i][r->ngroups[i]++] = g;
		}
}

/* Random per-sweep nonce for the combined script's markers. */
static void
engine_nonce(char out[17])
{
	unsigned char	 b[8];
	size_t		 i;

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		fatal("getrandom");
	for (i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Plan and start a sweep of the given hosts. */
int
engine_sweep_hosts(struct engine *e, const char *trigger,
    const struct host *const *hosts, size_t n, sweep_done_cb cb, void *arg,
    char *err, size_t errlen)
{
	const struct config	*conf = e->conf;
	struct run		*r;
	size_t			 i;

	if (e->run != NULL) {
		snprintf(err, errlen, "a sweep is already running");
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen, "no hosts to sweep");
		return -1;
	}
	r = xcalloc(1, sizeof *r);
	if (sweep_load_known_hosts(&r->sw, conf, hosts, n, err, errlen) ==
	    -1) {
		free(r);
		return -1;
	}
	r->n = n;
	r->hosts = xcalloc(n, sizeof *r->hosts);
	memcpy(r->hosts, hosts, n * sizeof *r->hosts);
	r->state = xcalloc(r->n, 1);
	r->status = xcalloc(r->n, sizeof *r->status);
	for (i = 0; i < r->n; i++)
		r->status[i] = HOST_STATUS_MAX;
	r->worker = xcalloc(r->n, sizeof *r->worker);
	r->names = xcalloc(r->n, sizeof *r->names);
	for (i = 0; i < r->n; i++)
		r->names[i] = r->hosts[i]->name;
	r->digests = digest_window_open(writer_db_path(e->writer),
	    r->names, r->n, 0);
	engine_plan_groups(e, r);
	sweep_load_keys(&r->sw, r->hosts, r->n);
	r->sw.conf = conf;
	r->sw.writer = e->writer;
	r->sw.combined = conf->channel_mode == NULL ||
	    strcmp(conf->channel_mode, "per-collector") != 0;
	r->sw.window = ENGINE_WINDOW;
	engine_nonce(r->sw.nonce);
	writer_sync_inventory(e->writer, conf);
	r->sw.id = writer_sweep_begin(e->writer, trigger, r->n);
	r->sum.id = r->sw.id;
	r->sum.nhosts = r->n;
	r->cb = cb;
	r->arg = arg;
	r->started_ms = mono_ms();
	e->run = r;
	log_debug("sweep %lld: %zu hosts", (long long)r->sw.id, r->n);
	engine_dispatch(e);
	return 0;
}

/* Plan and start a sweep of every host matching limit (NULL: all). */
int
engine_sweep(struct engine *e, const char *trigger, const char *limit,
    sweep_done_cb cb, void *arg, char *err, size_t errlen)
{
	const struct config	*conf = e->conf;
	const struct host	**hosts;
	size_t			 i, n = 0;
	unsigned char		*sel;
	int			 rc;

	sel = xcalloc(conf->nhosts + 1, 1);
	if (limit != NULL && config_select(conf, limit, sel, err, errlen) ==
	    -1) {
		free(sel);
		return -1;
	}
	hosts = xcalloc(conf->nhosts + 1, sizeof *hosts);
	for (i = 0; i < conf->nhosts; i++)
		if (limit == NULL || sel[i])
			hosts[n++] = &conf->hosts[i];
	free(sel);
	if (n == 0) {
		snprintf(err, errlen, "the inventory has no host");
		free(hosts);
		return -1;
	}
	rc = engine_sweep_hosts(e, trigger, hosts, n, cb, arg, err, errlen);
	free(hosts);
	return rc;
}

/* Tell cb about each host as its job ends. */
void
engine_on_host(struct engine *e, engine_host_cb cb, void *arg)
{
	e->host_cb = cb;
	e->host_arg = arg;
}

/* Switch config between sweeps. */
int
engine_set_config(struct engine *e, const struct config *conf)
{
	if (e->run != NULL)
		return -1;
	e->conf = conf;
	free(e->ginflight);
	e->ginflight = xcalloc(conf->ngroups + 1, sizeof *e->ginflight);
	return 0;
}

/* Shutdown: drop the hosts not started; maybe abort the running ones. */
void
engine_stop(struct engine *e, int abort_inflight)
{
	struct run	*r = e->run;
	size_t		 i;
	int		 w;

	if (r == NULL)
		return;
	r->stopping = 1;
	for (i = 0; i < r->n; i++)
		if (r->state[i] == DISPATCH_PENDING) {
			r->state[i] = DISPATCH_DONE;
			r->done++;
			r->sum.skipped++;
		}
	if (abort_inflight)
		for (w = 0; w < e->nworkers; w++)
			worker_cancel(e->workers[w]);
	if (r->done == r->n)
		engine_sweep_done(e);
}

/* Is a sweep running? */
int
engine_busy(struct engine *e)
{
	return e->run != NULL;
}

/* Counters of the running sweep (zeros when idle). */
void
engine_progress(struct engine *e, size_t *done, size_t *total,
    size_t *inflight, size_t *failed)
{
	struct run	*r = e->run;

	*done = r != NULL ? r->done : 0;
	*total = r != NULL ? r->n : 0;
	*inflight = r != NULL ? r->running : 0;
	*failed = r != NULL ? r->failed : 0;
}

/* Stop the workers and free the engine (no sweep may be running). */
void
engine_free(struct engine *e)
{
	struct msgq_list	 rest;
	struct msgq_entry	*q;
	int			 i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nworkers; i++)
		worker_free(e->workers[i]);
	engine_run_free(e->run);
	event_free(e->wake);
	event_free(e->backlog);
	msgq_destroy(&e->q, &rest);
	while ((q = msgq_pop(&rest)) != NULL)
		free(MSGQ_ITEM(q, struct engine_msg, entry));
	free(e->workers);
	free(e->wload);
	free(e->ginflight);
	free(e);
}
