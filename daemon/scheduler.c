/* The scheduler: one timer on the main loop. Each host is due when the
 * shortest interval that applies to it (global `interval`, or a shorter
 * `group_interval` of one of its groups) has passed since its last regular
 * attempt; a regular sweep starts at the earliest due time plus a random
 * delay of up to `jitter` x that interval, and takes every host due by
 * then. A host that failed is retried after `retry.backoff`, doubling, at
 * most `retry.attempts` times, and only if that comes before its next
 * regular attempt. A host with a changed host key (hostkey_mismatch) is not
 * retried until the known_hosts file changes (its mtime, checked every
 * SCHED_KH_CHECK_MS) or its next regular attempt: retrying cannot help
 * until someone fixes the key.
 *
 * One sweep at a time (engine_sweep_hosts refuses a second), so a host is
 * never attempted twice at once: hosts that fall due during a sweep wait
 * for it to end. Retries do not move a host's regular schedule, a host due
 * within 5% of its interval joins the sweep that starts now, and hosts new
 * in a reloaded config join the next regular sweep: so hosts stay together
 * in few sweeps rather than drifting into many small ones. */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cluster/rendezvous.h"
#include "cluster/shipper.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/engine.h"
#include "daemon/scheduler.h"
#include "daemon/summary.h"

#define SCHED_KH_CHECK_MS	30000	/* known_hosts mtime check */
#define SCHED_START_RETRY_MS	10000	/* a sweep that could not start */
#define SCHED_EARLY_DIV		20	/* due within 1/20 of the interval:
					   join this sweep, not one of its own */

/* What the scheduler knows of one inventory host. */
struct sched_host {
	int64_t		 last_ms;	/* mono: last regular attempt; 0 never */
	int64_t		 interval_ms;	/* shortest interval that applies */
	int64_t		 retry_at_ms;	/* mono: retry due; 0 none */
	int		 retries;	/* since the last regular attempt */
	int		 status;	/* last status; -1 none seen */
	int		 parked;	/* hostkey_mismatch: wait for a fix */
	int64_t		 last_ok;	/* epoch s of the last ok; 0 never */
	int		 owned;		/* this node sweeps it (cluster mode;
					   always 1 on a single node) */
};

/* Where the cluster view stands, for one log line per change. */
enum sched_view {
	VIEW_NONE,		/* not looked at yet */
	VIEW_NEVER,		/* PostgreSQL never reached: sweep all */
	VIEW_STALE,		/* older than dead_after: sweep all */
	VIEW_SHARED,		/* live nodes known: rendezvous hashing */
	VIEW_BACK		/* the name is another instance's: none */
};

/* A manual sweep asked for while another ran: it waits its turn. */
struct sched_req {
	char			*limit;		/* NULL: every host */
	STAILQ_ENTRY(sched_req)	 entry;		/* in sched.queued */
};

/* Someone (rollcall sweep --wait) waiting for a sweep to end. */
struct sched_wait {
	sched_wait_cb		 cb;		/* told once, then freed */
	void			*arg;		/* the waiter, for cancel */
	uint64_t		 seq;		/* launch it waits for; 0: the
						   queued one, not started */
	STAILQ_ENTRY(sched_wait) entry;		/* in sched.waits */
};

struct sched {
	struct event_base	*base;		/* main loop */
	struct engine		*engine;	/* runs the sweeps */
	struct writer		*writer;	/* for prune and stats */
	struct config		*conf;		/* in use by the engine */
	struct config		*pending;	/* validated, waits for idle */
	struct sched_host		*hs;		/* per conf->hosts[i] */
	struct event		*timer;		/* next planned tick */
	struct event		*after;		/* deferred end-of-sweep work */
	int64_t			 up_since;	/* epoch seconds */
	int64_t			 regular_base;	/* mono: earliest regular due */
	int64_t			 regular_at;	/* mono: it, plus jitter */
	int64_t			 next_ms;	/* mono: timer; 0 none */
	int			 next_regular;	/* next tick is regular */
	int64_t			 start_retry_ms; /* mono: after a failed start */
	struct timespec		 kh_mtime;	/* known_hosts at sweep start */
	int			 kh_seen;	/* kh_mtime is valid */
	int64_t			 kh_check_ms;	/* mono: next mtime check */
	char			 trigger[16];	/* of the running sweep */
	int64_t			 started;	/* its start, epoch seconds */
	struct sched_sweep	 last[SCHED_KEEP];	/* newest first */
	size_t			 nlast;		/* entries of last */
	uint64_t		 sweeps_total;	/* sweeps finished since start */
	uint64_t		 failures_total[HOST_STATUS_MAX]; /* by status */
	int			 stopping;	/* sched_stop called */
	sched_stopped_cb	 stopped_cb;	/* then tell this */
	void			*stopped_arg;	/* its argument */
	int			 db_broken_said; /* "not sweeping" logged */
	sched_change_cb		 change_cb;	/* a sweep started or ended */
	void			*change_arg;	/* its argument */
	struct sweep_summary	 sum;		/* the sweep that just ended
						   (counts only: its arrays are
						   the engine's) */
	uint64_t		 seq;		/* sweeps launched so far */
	STAILQ_HEAD(, sched_req) queued;	/* manual sweeps waiting */
	size_t			 nqueued;	/* entries of queued */
	STAILQ_HEAD(, sched_wait) waits;	/* --wait clients */
	struct shipper		*cluster;	/* membership; NULL: single */
	int64_t			 dead_after_ms;	/* cluster.dead_after */
	enum sched_view		 view;		/* as last logged */
	size_t			 view_nodes;	/* live nodes, as last logged */
	size_t			 owned;		/* hosts this node sweeps */
	size_t			 segment_hosts;	/* hosts of its segment */
};

static void	sched_plan(struct sched *);
static int	sched_db_broken(struct sched *, char *, size_t);
static void	sched_tick_cb(evutil_socket_t, short, void *);
static void	sched_after_cb(evutil_socket_t, short, void *);
static void	sched_host_cb(const struct host *, enum host_status, void *);

/* The shortest interval that applies to a host. */
static int64_t
sched_interval(const struct config *conf, const struct host *h)
{
	const struct group	*g;
	int64_t			 iv = conf->interval_ms;
	size_t			 i;

	for (i = 0; i < h->ngroups; i++)
		if ((g = config_find_group(conf, h->groups[i])) != NULL &&
		    g->interval_ms > 0 && g->interval_ms < iv)
			iv = g->interval_ms;
	return iv;
}

/* Index of a host by name in a config (hosts are sorted), or -1. */
static ssize_t
sched_find(const struct config *conf, const char *name)
{
	size_t	 lo = 0, hi = conf->nhosts, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(name, conf->hosts[mid].name)) == 0)
			return (ssize_t)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Per-host state for a new config, carried over by name from the old.
 * A host new in a reloaded config joins the next regular sweep (due at
 * next_due) rather than getting a sweep of its own now and keeping that
 * offset for good; `rollcall sweep --limit` sweeps it at once. */
static struct sched_host *
sched_states(const struct config *conf, const struct config *old,
    const struct sched_host *ohs, int64_t next_due)
{
	struct sched_host	*hs;
	ssize_t		 j;
	size_t		 i;

	hs = xcalloc(conf->nhosts + 1, sizeof *hs);
	for (i = 0; i < conf->nhosts; i++) {
		hs[i].status = -1;
		hs[i].interval_ms = sched_interval(conf, &conf->hosts[i]);
		if (old != NULL &&
		    (j = sched_find(old, conf->hosts[i].name)) != -1) {
			hs[i] = ohs[j];
			hs[i].interval_ms = sched_interval(conf,
			    &conf->hosts[i]);
		} else if (old != NULL && next_due > hs[i].interval_ms)
			hs[i].last_ms = next_due - hs[i].interval_ms;
	}
	return hs;
}

/* Cluster mode: the shipper's membership view decides which hosts of
 * this node's segment it sweeps (docs/DISTRIBUTED.md). */
void
sched_set_cluster(struct sched *s, struct shipper *sh, int64_t dead_after_ms)
{
	s->cluster = sh;
	s->dead_after_ms = dead_after_ms;
}

/* One log line when the way hosts are shared changes. */
static void
sched_view_log(struct sched *s, enum sched_view v, size_t nodes,
    int64_t age_ms)
{
	const char	*seg = shipper_segment(s->cluster);

	if (v == s->view && (v != VIEW_SHARED || nodes == s->view_nodes))
		return;
	s->view = v;
	s->view_nodes = nodes;
	if (v == VIEW_BACK)
		log_warnx("cluster: node %s stepped back (another live instance "
		    "holds the name): sweeping none of segment %s (%zu)",
		    shipper_node(s->cluster), seg, s->segment_hosts);
	else if (v == VIEW_NEVER)
		log_warnx("cluster: no membership view (PostgreSQL not reached "
		    "yet): sweeping every host of segment %s (%zu)", seg,
		    s->segment_hosts);
	else if (v == VIEW_STALE)
		log_warnx("cluster: membership view %llds old (PostgreSQL "
		    "unreachable longer than dead_after): sweeping every host "
		    "of segment %s (%zu)", (long long)age_ms / 1000, seg,
		    s->segment_hosts);
	else
		log_info("cluster: segment %s shared by %zu live node(s): node "
		    "%s owns %zu of %zu host(s)", seg, nodes,
		    shipper_node(s->cluster), s->owned, s->segment_hosts);
}

/* Which hosts this node sweeps now: on a single node all of them; in
 * cluster mode the hosts of its segment whose rendezvous owner among the
 * segment's live nodes is this node. Without a fresh view (PostgreSQL
 * never reached, or not for dead_after) it sweeps every host of its
 * segment: more data rather than less. The view is a copy under the
 * shipper's short lock; nothing here waits on PostgreSQL. */
static void
sched_own(struct sched *s)
{
	const char		*node = NULL, *seg = NULL, *hseg;
	const struct host	*h;
	char			**nodes = NULL;
	size_t			 n = 0, i;
	int64_t			 age = -1;
	ssize_t			 o;
	enum sched_view		 v;

	if (s->cluster != NULL) {
		nodes = shipper_members(s->cluster, &n, &age);
		node = shipper_node(s->cluster);
		seg = shipper_segment(s->cluster);
	}
	v = age < 0 || n == 0 ? VIEW_NEVER : age > s->dead_after_ms ?
	    VIEW_STALE : VIEW_SHARED;
	if (s->cluster != NULL && shipper_stepped_back(s->cluster))
		v = VIEW_BACK;
	s->owned = s->segment_hosts = 0;
	for (i = 0; i < s->conf->nhosts; i++) {
		h = &s->conf->hosts[i];
		hseg = h->segment != NULL ? h->segment : "default";
		if (s->cluster == NULL)
			s->hs[i].owned = 1;
		else if (strcmp(hseg, seg) != 0)
			s->hs[i].owned = 0;
		else if (v == VIEW_BACK)
			s->hs[i].owned = 0;
		else if (v != VIEW_SHARED)
			s->hs[i].owned = 1;
		else {
			o = rendezvous_owner(h->name,
			    (const char *const *)nodes, n);
			s->hs[i].owned = o >= 0 && strcmp(nodes[o], node) == 0;
		}
		s->owned += s->hs[i].owned;
		s->segment_hosts += s->cluster == NULL ||
		    strcmp(hseg, seg) == 0;
	}
	if (s->cluster == NULL)
		return;
	shipper_members_free(nodes, n);
	shipper_set_owned(s->cluster, (int64_t)s->owned);
	sched_view_log(s, v, n, age);
}

/* Start with conf; nothing runs until sched_start. */
struct sched *
sched_new(struct event_base *base, struct engine *e, struct writer *w,
    struct config *conf)
{
	struct sched	*s;

	s = xcalloc(1, sizeof *s);
	s->base = base;
	s->engine = e;
	s->writer = w;
	s->conf = conf;
	s->hs = sched_states(conf, NULL, NULL, 0);
	s->timer = evtimer_new(base, sched_tick_cb, s);
	s->after = evtimer_new(base, sched_after_cb, s);
	s->up_since = wall_us() / 1000000;
	s->regular_base = -1;
	STAILQ_INIT(&s->queued);
	STAILQ_INIT(&s->waits);
	engine_on_host(e, sched_host_cb, s);
	return s;
}

/* Start from what the database knew before a restart: each host's last
 * status and success (rows: name, status, last_success epoch s) and the
 * last finished sweeps (rows: id, trigger, started_at, ended_at, nhosts,
 * ok, failed; newest first), so status and metrics do not say "never
 * attempted" for a fleet swept a minute ago. */
void
sched_restore(struct sched *s, const struct table *hosts,
    const struct table *sweeps)
{
	struct sched_sweep	*l;
	char *const		*r;
	ssize_t			 j;
	size_t			 i;

	for (i = 0; hosts != NULL && hosts->ncols >= 3 && i < hosts->nrows;
	    i++) {
		r = hosts->rows[i];
		if (r[0] == NULL || (j = sched_find(s->conf, r[0])) == -1)
			continue;
		s->hs[j].status = r[1] != NULL ? host_status_parse(r[1]) : -1;
		s->hs[j].last_ok = r[2] != NULL ? strtoll(r[2], NULL, 10) : 0;
	}
	for (i = 0; sweeps != NULL && sweeps->ncols >= 7 &&
	    i < sweeps->nrows && s->nlast < SCHED_KEEP; i++) {
		r = sweeps->rows[i];
		l = &s->last[s->nlast++];
		memset(l, 0, sizeof *l);
		l->id = r[0] != NULL ? strtoll(r[0], NULL, 10) : 0;
		snprintf(l->trigger, sizeof l->trigger, "%s",
		    r[1] != NULL ? r[1] : "?");
		l->started = r[2] != NULL ? strtoll(r[2], NULL, 10) : 0;
		l->duration_ms = r[3] != NULL ? (strtoll(r[3], NULL, 10) -
		    l->started) * 1000 : 0;
		l->nhosts = r[4] != NULL ? strtoull(r[4], NULL, 10) : 0;
		l->ok = r[5] != NULL ? strtoull(r[5], NULL, 10) : 0;
		l->failed = r[6] != NULL ? strtoull(r[6], NULL, 10) : 0;
	}
}

/* The config the engine uses. */
const struct config *
sched_config(struct sched *s)
{
	return s->conf;
}

/* known_hosts' mtime; 0 with *ts zeroed if it cannot be read. */
static void
sched_kh_mtime(const struct sched *s, struct timespec *ts)
{
	struct stat	 sb;

	memset(ts, 0, sizeof *ts);
	if (stat(s->conf->ssh.known_hosts, &sb) == 0)
		*ts = sb.st_mtim;
}

/* A random delay of up to jitter x interval. */
static int64_t
sched_jitter(const struct sched *s, int64_t interval)
{
	uint32_t	 span = (uint32_t)(s->conf->jitter * (double)interval);

	return span > 0 ? (int64_t)arc4random_uniform(span) : 0;
}

/* Arm the timer for mono time t. */
static void
sched_arm(struct sched *s, int64_t t, int regular)
{
	struct timeval	 tv;
	int64_t		 d = t - mono_ms();

	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	s->next_ms = t;
	s->next_regular = regular;
	evtimer_add(s->timer, &tv);
}

/* Work out the next tick: the earliest regular due time (with jitter, rolled
 * once per due time), a retry, or a known_hosts check, whichever comes
 * first. Nothing while a sweep runs or its end is still being handled. */
static void
sched_plan(struct sched *s)
{
	const struct sched_host	*h;
	int64_t			 base = 0, due, iv = 0, retry = 0, t;
	int64_t			 now = mono_ms();
	size_t			 i, parked = 0;
	char			 err[256];

	evtimer_del(s->timer);
	s->next_ms = 0;
	if (s->stopping || engine_busy(s->engine) ||
	    evtimer_pending(s->after, NULL) || s->conf->nhosts == 0)
		return;
	if (sched_db_broken(s, err, sizeof err)) {	/* until a restart */
		if (!s->db_broken_said++)
			log_warnx("%s", err);
		return;
	}
	for (i = 0; i < s->conf->nhosts; i++) {
		h = &s->hs[i];
		due = h->last_ms == 0 ? 0 : h->last_ms + h->interval_ms;
		if (i == 0 || due < base) {
			base = due;
			iv = h->interval_ms;
		}
		if (h->retry_at_ms > 0 && (retry == 0 || h->retry_at_ms < retry))
			retry = h->retry_at_ms;
		parked += h->parked;
	}
	if (base != s->regular_base) {
		s->regular_base = base;
		s->regular_at = base <= now ? now : base + sched_jitter(s, iv);
	}
	t = s->regular_at;
	if (s->start_retry_ms > t)
		t = s->start_retry_ms;
	if (retry > 0 && retry < t)
		sched_arm(s, retry, 0);
	else if (parked > 0 && s->kh_check_ms > 0 && s->kh_check_ms < t)
		sched_arm(s, s->kh_check_ms, 0);
	else
		sched_arm(s, t, 1);
}

/* Start the first sweep at once. */
void
sched_start(struct sched *s)
{
	sched_plan(s);
}

/* Record that these hosts start now; fills the host list. */
static size_t
sched_pick(struct sched *s, int64_t now, const struct host **hosts,
    int *regular)
{
	struct sched_host	*h;
	size_t		 i, n = 0;

	*regular = 0;
	for (i = 0; i < s->conf->nhosts; i++) {
		h = &s->hs[i];
		if (h->last_ms == 0 || h->last_ms + h->interval_ms -
		    h->interval_ms / SCHED_EARLY_DIV <= now) {
			h->last_ms = now;
			h->retries = 0;
			h->retry_at_ms = 0;
			h->parked = 0;
			if (!h->owned)	/* another node's: looked at again */
				continue;	/* next interval */
			*regular = 1;
		} else if (!h->owned) {
			h->retry_at_ms = 0;	/* its owner retries it */
			continue;
		} else if (h->retry_at_ms > 0 && h->retry_at_ms <= now) {
			h->retry_at_ms = 0;
			h->retries++;
		} else
			continue;
		hosts[n++] = &s->conf->hosts[i];
	}
	return n;
}

/* Parked hosts become due when known_hosts changed since their sweep. */
static void
sched_kh_check(struct sched *s, int64_t now)
{
	struct timespec	 ts;
	size_t		 i, n = 0;

	s->kh_check_ms = now + SCHED_KH_CHECK_MS;
	sched_kh_mtime(s, &ts);
	if (!s->kh_seen || (ts.tv_sec == s->kh_mtime.tv_sec &&
	    ts.tv_nsec == s->kh_mtime.tv_nsec))
		return;
	for (i = 0; i < s->conf->nhosts; i++)
		if (s->hs[i].parked) {
			s->hs[i].parked = 0;
			s->hs[i].retry_at_ms = now;
			n++;
		}
	if (n > 0)
		log_info("%s changed: retrying %zu host%s with a changed host "
		    "key", s->conf->ssh.known_hosts, n, n == 1 ? "" : "s");
}

static void	sched_done(const struct sweep_summary *, void *);

/* Is the database broken for good (corruption)? Then sweeping the fleet
 * would only throw the results away: say why instead. */
static int
sched_db_broken(struct sched *s, char *err, size_t errlen)
{
	struct writer_stats	 ws;

	writer_get_stats(s->writer, &ws);
	if (!ws.broken)
		return 0;
	snprintf(err, errlen, "not sweeping: the database cannot be written "
	    "(%s); restore it and restart the daemon", db_fault_str(ws.fault));
	return 1;
}

/* Start a sweep of hosts; on failure plan a later try. */
static int
sched_launch(struct sched *s, const char *trigger, const struct host **hosts,
    size_t n, char *err, size_t errlen)
{
	if (sched_db_broken(s, err, errlen))
		return -1;
	if (engine_sweep_hosts(s->engine, trigger, hosts, n, sched_done, s,
	    err, errlen) == -1)
		return -1;
	snprintf(s->trigger, sizeof s->trigger, "%s", trigger);
	s->seq++;
	s->started = wall_us() / 1000000;
	s->start_retry_ms = 0;
	sched_kh_mtime(s, &s->kh_mtime);
	s->kh_seen = 1;
	log_info("sweep started (%s): %zu host%s", trigger, n,
	    n == 1 ? "" : "s");
	if (s->change_cb != NULL)
		s->change_cb(s->change_arg);
	return 0;
}

/* The timer: sweep whatever is due now. */
static void
sched_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched		*s = arg;
	const struct host	**hosts;
	int64_t			 now = mono_ms();
	size_t			 n;
	int			 regular;
	char			 err[256];

	s->next_ms = 0;
	if (s->stopping || engine_busy(s->engine))
		return;
	if (s->kh_check_ms > 0 && s->kh_check_ms <= now)
		sched_kh_check(s, now);
	sched_own(s);
	hosts = xcalloc(s->conf->nhosts + 1, sizeof *hosts);
	n = sched_pick(s, now, hosts, &regular);
	if (n > 0 && sched_launch(s, regular ? "schedule" : "retry", hosts,
	    n, err, sizeof err) == -1) {
		log_warnx("cannot start a sweep: %s; trying again in %ds", err,
		    SCHED_START_RETRY_MS / 1000);
		s->start_retry_ms = now + SCHED_START_RETRY_MS;
	}
	free(hosts);
	sched_plan(s);
}

/* Is a sweep running, or its end still being handled? */
static int
sched_busy(struct sched *s)
{
	return engine_busy(s->engine) || evtimer_pending(s->after, NULL);
}

/* Add the hosts the Ansible pattern limit (NULL: all) selects that are
 * not in yet; seen[i] marks conf->hosts[i]. Returns the new count, or -1
 * with err filled (a bad pattern, or one that selects nothing). */
static ssize_t
sched_match(struct sched *s, const char *limit, const struct host **hosts,
    char *seen, size_t n, char *err, size_t errlen)
{
	unsigned char	*sel;
	size_t		 i;

	sel = xcalloc(s->conf->nhosts + 1, 1);
	if (limit != NULL && config_select(s->conf, limit, sel, err,
	    errlen) == -1) {
		free(sel);
		return -1;
	}
	for (i = 0; i < s->conf->nhosts; i++)
		if (!seen[i] && (limit == NULL || sel[i]) && s->hs[i].owned) {
			seen[i] = 1;
			hosts[n++] = &s->conf->hosts[i];
		}
	free(sel);
	return (ssize_t)n;
}

/* A manual attempt counts as the host's regular one. */
static void
sched_mark_manual(struct sched *s, const struct host **hosts, size_t n)
{
	struct sched_host	*h;
	int64_t		 now = mono_ms();
	size_t		 i;

	for (i = 0; i < n; i++) {
		h = &s->hs[hosts[i] - s->conf->hosts];
		h->last_ms = now;
		h->retries = 0;
		h->retry_at_ms = 0;
		h->parked = 0;
	}
	evtimer_del(s->timer);
	s->next_ms = 0;
}

/* Remember that cb waits for launch seq (0: the queued sweep). */
static void
sched_add_wait(struct sched *s, sched_wait_cb cb, void *arg, uint64_t seq)
{
	struct sched_wait	*w;

	if (cb == NULL)
		return;
	w = xcalloc(1, sizeof *w);
	w->cb = cb;
	w->arg = arg;
	w->seq = seq;
	STAILQ_INSERT_TAIL(&s->waits, w, entry);
}

/* Tell the waiters of launch seq (all: every one) that it ended (sum) or
 * will not run (err). Each is unlinked before its callback runs, which
 * may call sched_cancel_wait. */
static void
sched_wake(struct sched *s, uint64_t seq, int all,
    const struct sweep_summary *sum, const char *err)
{
	struct sched_wait	*w;

	for (;;) {
		STAILQ_FOREACH(w, &s->waits, entry)
			if (all || w->seq == seq)
				break;
		if (w == NULL)
			return;
		STAILQ_REMOVE(&s->waits, w, sched_wait, entry);
		w->cb(sum, err, w->arg);
		free(w);
	}
}

/* The waiter arg went away: forget it. */
void
sched_cancel_wait(struct sched *s, void *arg)
{
	struct sched_wait	*w;

	for (;;) {
		STAILQ_FOREACH(w, &s->waits, entry)
			if (w->arg == arg)
				break;
		if (w == NULL)
			return;
		STAILQ_REMOVE(&s->waits, w, sched_wait, entry);
		free(w);
	}
}

/* Queue a manual sweep behind the running one. */
static void
sched_enqueue(struct sched *s, const char *limit, sched_wait_cb cb,
    void *arg)
{
	struct sched_req	*r;

	r = xcalloc(1, sizeof *r);
	r->limit = limit != NULL ? xstrdup(limit) : NULL;
	STAILQ_INSERT_TAIL(&s->queued, r, entry);
	s->nqueued++;
	sched_add_wait(s, cb, arg, 0);
}

/* The running sweep has ended: start the queued manual ones, as one
 * sweep of every host any of them asked for. */
static void
sched_launch_queued(struct sched *s)
{
	struct sched_req	*r;
	struct sched_wait	*w;
	const struct host	**hosts;
	char			*seen, err[256];
	size_t			 n = 0;
	ssize_t			 m;

	sched_own(s);
	hosts = xcalloc(s->conf->nhosts + 1, sizeof *hosts);
	seen = xcalloc(s->conf->nhosts + 1, 1);
	while ((r = STAILQ_FIRST(&s->queued)) != NULL) {
		STAILQ_REMOVE_HEAD(&s->queued, entry);
		/* the config may have been reloaded since it was asked for */
		if ((m = sched_match(s, r->limit, hosts, seen, n, err,
		    sizeof err)) == -1)
			log_warnx("queued sweep --limit %s: %s", r->limit, err);
		else
			n = (size_t)m;
		free(r->limit);
		free(r);
	}
	s->nqueued = 0;
	if (n == 0)
		sched_wake(s, 0, 0, NULL, "no host of the reloaded "
		    "configuration matches");
	else if (sched_launch(s, "manual", hosts, n, err, sizeof err) == -1) {
		log_warnx("cannot start the queued sweep: %s", err);
		sched_wake(s, 0, 0, NULL, err);
	} else {
		sched_mark_manual(s, hosts, n);
		STAILQ_FOREACH(w, &s->waits, entry)
			if (w->seq == 0)
				w->seq = s->seq;
	}
	free(seen);
	free(hosts);
}

/* Sweep now on request (rollcall sweep), or after the running one. */
int
sched_sweep_now(struct sched *s, const char *limit, sched_wait_cb cb,
    void *arg, size_t *nhosts, int *queued, char *err, size_t errlen)
{
	const struct host	**hosts;
	char			*seen;
	size_t			 n;
	ssize_t			 m;

	if (s->stopping) {
		snprintf(err, errlen, "the daemon is shutting down");
		return -1;
	}
	sched_own(s);
	hosts = xcalloc(s->conf->nhosts + 1, sizeof *hosts);
	seen = xcalloc(s->conf->nhosts + 1, 1);
	m = sched_match(s, limit, hosts, seen, 0, err, errlen);
	free(seen);
	*queued = 0;
	n = m > 0 ? (size_t)m : 0;
	if (m == 0 && s->cluster != NULL)
		snprintf(err, errlen, "no matching host is this node's to "
		    "sweep (cluster: node %s owns %zu host(s) of segment %s)",
		    shipper_node(s->cluster), s->owned,
		    shipper_segment(s->cluster));
	else if (m == 0)	/* -1: err says what the pattern selects */
		snprintf(err, errlen, "the inventory has no host");
	else if (m == -1)
		n = 0;
	else if (sched_busy(s)) {
		sched_enqueue(s, limit, cb, arg);
		*queued = 1;
	} else if (sched_launch(s, "manual", hosts, n, err, errlen) == 0) {
		sched_mark_manual(s, hosts, n);
		sched_add_wait(s, cb, arg, s->seq);
	} else
		n = 0;
	free(hosts);
	*nhosts = n;
	return n > 0 ? 0 : -1;
}

/* Remember a finished sweep for status and metrics. */
static void
sched_record(struct sched *s, const struct sweep_summary *sum)
{
	struct sched_sweep	*l;

	memmove(&s->last[1], &s->last[0], (SCHED_KEEP - 1) * sizeof s->last[0]);
	if (s->nlast < SCHED_KEEP)
		s->nlast++;
	l = &s->last[0];
	memset(l, 0, sizeof *l);
	l->id = sum->id;
	snprintf(l->trigger, sizeof l->trigger, "%s", s->trigger);
	l->started = s->started;
	l->duration_ms = sum->wall_ms;
	l->nhosts = sum->nhosts;
	l->ok = sum->counts[HOST_OK];
	l->failed = summary_failed(sum);
	l->interrupted = sum->skipped + sum->cancelled;
	s->sweeps_total++;
}

/* When the next regular sweep is due (mono), from the hosts' own times:
 * regular_base is stale when a config is applied at the end of a sweep,
 * and new hosts must join the sweep after it, not get one of their own
 * now (and keep that offset for good). 0 when nothing is planned. */
static int64_t
sched_next_due(const struct sched *s)
{
	const struct sched_host	*h;
	int64_t			 due, next = 0;
	size_t			 i;

	for (i = 0; i < s->conf->nhosts; i++) {
		h = &s->hs[i];
		if (h->last_ms == 0)
			return 0;		/* one is due at once */
		due = h->last_ms + h->interval_ms;
		if (next == 0 || due < next)
			next = due;
	}
	return next > mono_ms() ? next : 0;
}

/* Use a new config now that the engine is idle. */
static void
sched_apply(struct sched *s, struct config *conf)
{
	struct sched_host	*hs;

	if (engine_set_config(s->engine, conf) == -1)
		fatalx("scheduler: config swap while a sweep runs");
	hs = sched_states(conf, s->conf, s->hs, sched_next_due(s));
	free(s->hs);
	config_free(s->conf);
	s->hs = hs;
	s->conf = conf;
	s->regular_base = -1;		/* re-plan with the new intervals */
	log_info("configuration %s in use: %zu hosts", conf->path,
	    conf->nhosts);
}

/* Plan a host's retry from the status its job ended with. */
static void
sched_host_status(struct sched *s, struct sched_host *h,
    enum host_status status, int64_t now)
{
	int64_t	 delay;

	h->status = status;
	if (status == HOST_OK) {
		h->last_ok = wall_us() / 1000000;
		return;
	}
	if (status == HOST_HOSTKEY_MISMATCH ||
	    status == HOST_BASTION_HOSTKEY_MISMATCH) {
		h->parked = 1;
		if (s->kh_check_ms == 0 || s->kh_check_ms <= now)
			s->kh_check_ms = now + SCHED_KH_CHECK_MS;
		return;
	}
	if (h->retries >= s->conf->retry_attempts)
		return;
	delay = s->conf->retry_backoff_ms << (h->retries > 20 ? 20 :
	    h->retries);
	if (now + delay < h->last_ms + h->interval_ms)
		h->retry_at_ms = now + delay;
}

/* Each host's status as the engine hands it over, as its job ends: the
 * scheduler learns what happened from the jobs themselves (a database
 * that cannot be written does not cost a host its retry), and status and
 * metrics move with the sweep, not only at its end. */
static void
sched_host_cb(const struct host *h, enum host_status status, void *arg)
{
	struct sched	*s = arg;
	ssize_t		 j;

	if (h >= s->conf->hosts && h < s->conf->hosts + s->conf->nhosts)
		j = h - s->conf->hosts;
	else if ((j = sched_find(s->conf, h->name)) == -1)
		return;
	sched_host_status(s, &s->hs[j], status, mono_ms());
	if (status != HOST_OK && status < HOST_STATUS_MAX)
		s->failures_total[status]++;
}

/* Engine callback (inside the engine): note the sweep and every host's
 * status now, while the engine's arrays are valid; plan later. */
static void
sched_done(const struct sweep_summary *sum, void *arg)
{
	struct sched	*s = arg;
	struct timeval	 zero = { 0, 0 };
	char		*line;

	sched_record(s, sum);
	s->sum = *sum;
	s->sum.hosts = NULL;		/* the engine's, valid only here */
	s->sum.status = NULL;
	line = summary_line(sum);
	log_info("%s", line);
	free(line);
	evtimer_add(s->after, &zero);
}

/* A sweep ended and its results went to the writer: tell whoever waited
 * for it, then start the manual sweeps that were asked for meanwhile. */
static void
sched_sweep_ended(struct sched *s)
{
	sched_wake(s, s->seq, 0, &s->sum, NULL);
	if (!STAILQ_EMPTY(&s->queued))
		sched_launch_queued(s);
}

/* Tell cb when a sweep starts or ends. */
void
sched_on_change(struct sched *s, sched_change_cb cb, void *arg)
{
	s->change_cb = cb;
	s->change_arg = arg;
}

/* After a sweep, outside the engine's callback: new config, retention,
 * the next tick (or finish a stop). */
static void
sched_after_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched	*s = arg;

	if (s->pending != NULL) {
		sched_apply(s, s->pending);
		s->pending = NULL;
	}
	if (s->stopping) {
		if (s->stopped_cb != NULL)
			s->stopped_cb(s->stopped_arg);
		return;
	}
	if (s->conf->retention_ms > 0)
		writer_prune(s->writer, wall_us() / 1000000 -
		    s->conf->retention_ms / 1000);
	if (s->cluster != NULL)
		shipper_set_retention(s->cluster, s->conf->retention_ms);
	sched_sweep_ended(s);
	sched_plan(s);
	if (s->change_cb != NULL)
		s->change_cb(s->change_arg);
}

/* A validated config: now if idle, else when the sweep ends. */
void
sched_reload(struct sched *s, struct config *conf)
{
	if (s->pending != NULL) {
		config_free(s->pending);
		s->pending = NULL;
	}
	if (engine_busy(s->engine) || evtimer_pending(s->after, NULL)) {
		s->pending = conf;
		log_info("configuration %s validated: in use from the next "
		    "sweep (a sweep is running)", conf->path);
		return;
	}
	sched_apply(s, conf);
	sched_plan(s);
}

/* Shutdown: plan nothing more, let in-flight hosts finish. */
void
sched_stop(struct sched *s, sched_stopped_cb cb, void *arg)
{
	struct timeval		 zero = { 0, 0 };
	struct sched_req	*r;

	s->stopping = 1;
	s->stopped_cb = cb;
	s->stopped_arg = arg;
	evtimer_del(s->timer);
	s->next_ms = 0;
	while ((r = STAILQ_FIRST(&s->queued)) != NULL) {
		STAILQ_REMOVE_HEAD(&s->queued, entry);
		free(r->limit);
		free(r);
	}
	s->nqueued = 0;
	sched_wake(s, 0, 1, NULL, "the daemon is shutting down");
	if (engine_busy(s->engine)) {
		engine_stop(s->engine, 0);	/* done comes: sched_after_cb */
		return;
	}
	if (!evtimer_pending(s->after, NULL))
		evtimer_add(s->after, &zero);
}

/* The grace period is over: abort in-flight hosts. */
void
sched_abort(struct sched *s)
{
	engine_stop(s->engine, 1);
}

/* Wall-clock seconds of a mono time. */
static int64_t
sched_wall(int64_t mono)
{
	return wall_us() / 1000000 + (mono - mono_ms()) / 1000;
}

/* In cluster mode, is host i in another segment than this node's? Such a
 * host is another node's to sweep: status and metrics leave it out. */
static int
sched_elsewhere(const struct sched *s, size_t i)
{
	const char	*hseg = s->conf->hosts[i].segment;

	return s->cluster != NULL && strcmp(hseg != NULL ? hseg : "default",
	    shipper_segment(s->cluster)) != 0;
}

/* Snapshot for status and metrics. */
void
sched_get_stats(struct sched *s, struct sched_stats *st)
{
	const struct sched_host	*h;
	size_t			 i;

	memset(st, 0, sizeof *st);
	st->up_since = s->up_since;
	st->config_path = s->conf->path;
	st->sweeping = engine_busy(s->engine);
	st->trigger = st->sweeping ? s->trigger : NULL;
	engine_progress(s->engine, &st->done, &st->total, &st->inflight,
	    &st->failed);
	/* The regular sweep as planned, not the timer: that may be set for
	 * a retry or a known_hosts check. */
	if (!s->stopping && !sched_busy(s) && s->regular_base >= 0 &&
	    s->conf->nhosts > 0)
		st->next_sweep = sched_wall(s->regular_at > s->start_retry_ms ?
		    s->regular_at : s->start_retry_ms);
	st->queued = s->nqueued;
	memcpy(st->last, s->last, sizeof st->last);
	st->nlast = s->nlast;
	st->sweeps_total = s->sweeps_total;
	memcpy(st->failures_total, s->failures_total,
	    sizeof st->failures_total);
	for (i = 0; i < s->conf->nhosts; i++) {
		h = &s->hs[i];
		if (sched_elsewhere(s, i)) {
			st->hosts_elsewhere++;
			continue;
		}
		if (h->status >= 0 && h->status < HOST_STATUS_MAX)
			st->hosts[h->status]++;
		else
			st->hosts_never++;
		if (h->retry_at_ms > 0) {
			st->retry_pending++;
			if (st->next_retry == 0 || sched_wall(h->retry_at_ms) <
			    st->next_retry)
				st->next_retry = sched_wall(h->retry_at_ms);
		}
		st->hostkey_parked += h->parked;
	}
	st->nhosts = s->conf->nhosts - st->hosts_elsewhere;
	writer_get_stats(s->writer, &st->writer);
	st->cluster = s->cluster != NULL;
	st->hosts_owned = s->owned;
	st->segment_hosts = s->segment_hosts;
	if (s->cluster != NULL) {
		st->node = shipper_node(s->cluster);
		st->segment = shipper_segment(s->cluster);
		shipper_get_stats(s->cluster, &st->ship);
	}
}

/* Each inventory host's name, last status and last success, for the
 * per-host metrics. */
void
sched_foreach_host(struct sched *s, sched_host_fn fn, void *arg)
{
	size_t	 i;

	for (i = 0; i < s->conf->nhosts; i++)
		if (!sched_elsewhere(s, i))
			fn(s->conf->hosts[i].name, s->hs[i].status,
			    s->hs[i].last_ok, arg);
}

/* Free everything (the stop completed). */
void
sched_free(struct sched *s)
{
	struct sched_req	*r;
	struct sched_wait	*w;

	if (s == NULL)
		return;
	while ((r = STAILQ_FIRST(&s->queued)) != NULL) {
		STAILQ_REMOVE_HEAD(&s->queued, entry);
		free(r->limit);
		free(r);
	}
	while ((w = STAILQ_FIRST(&s->waits)) != NULL) {
		STAILQ_REMOVE_HEAD(&s->waits, entry);
		free(w);
	}
	event_free(s->timer);
	event_free(s->after);
	config_free(s->pending);
	config_free(s->conf);
	free(s->hs);
	free(s);
}
