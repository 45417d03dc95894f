/* Worker threads: an event_base and evdns_base each; jobs arrive through a
 * locked queue and a wake-up pipe. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/job.h"
#include "daemon/ssh.h"
#include "daemon/worker.h"

/* What the dispatcher asks of a worker. */
enum wmsg_kind {
	WMSG_JOB,		/* start this job */
	WMSG_CANCEL,		/* abort every live job (shutdown) */
	WMSG_STOP,		/* exit once no job is live */
};

struct wmsg {
	struct wmsg	*next;
	enum wmsg_kind	 kind;
	struct job	*job;		/* WMSG_JOB */
};

struct worker {
	struct engine		*eng;		/* where job events go */
	int			 id;		/* for logs */
	pthread_t		 thread;
	struct event_base	*base;		/* this thread's loop */
	struct evdns_base	*dns;		/* this thread's resolver */
	int			 pipe[2];	/* wake-up: read end in base */
	struct event		*wake;		/* on pipe[0] */
	pthread_mutex_t		 mtx;		/* guards head/tail */
	struct wmsg		*head, *tail;	/* handed-over jobs */
	size_t			 live;		/* jobs started, not yet freed */
	TAILQ_HEAD(, job)	 jobs;		/* live jobs not yet finished */
	int			 stopping;	/* exit once live is 0 */
	struct ssh_kh		*kh;		/* known hosts for kh_sweep */
	int64_t			 kh_sweep;	/* sweep id kh was built for */
	struct event		*beat;		/* heartbeat timer (watchdog) */
	_Atomic int64_t		 beat_ms;	/* its last run, mono ms */
	LIST_ENTRY(worker)	 all;		/* in workers_all */
};

#define WORKER_BEAT_MS	1000	/* heartbeat period */

/* Every live worker, for the daemon's watchdog (worker_stalled). */
static LIST_HEAD(, worker) workers_all = LIST_HEAD_INITIALIZER(workers_all);
static pthread_mutex_t	 workers_mtx = PTHREAD_MUTEX_INITIALIZER;

/* Heartbeat: the loop ran this timer, so it is not stuck. */
static void
worker_beat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	atomic_store(&w->beat_ms, mono_ms());
}

/* How many workers have not beaten for max_age_ms (any thread). */
int
worker_stalled(int64_t max_age_ms)
{
	struct worker	*w;
	int64_t		 now = mono_ms();
	int		 n = 0;

	pthread_mutex_lock(&workers_mtx);
	LIST_FOREACH(w, &workers_all, all)
		if (now - atomic_load(&w->beat_ms) > max_age_ms)
			n++;
	pthread_mutex_unlock(&workers_mtx);
	return n;
}

/* Abort every job still running (each leaves the list as it ends). */
static void
worker_cancel_all(struct worker *w)
{
	struct job	*job, *next;

	for (job = TAILQ_FIRST(&w->jobs); job != NULL; job = next) {
		next = TAILQ_NEXT(job, entry);
		job_cancel(job);	/* ends it: worker_job_done unlinks */
	}
}

/* Start the jobs handed over; stop when told and idle. */
static void
worker_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	struct wmsg	*m, *next;
	char		 drain[256];

	while (read(fd, drain, sizeof drain) > 0)
		;
	pthread_mutex_lock(&w->mtx);
	m = w->head;
	w->head = w->tail = NULL;
	pthread_mutex_unlock(&w->mtx);
	for (; m != NULL; m = next) {
		next = m->next;
		switch (m->kind) {
		case WMSG_JOB:
			m->job->worker = w;
			w->live++;
			TAILQ_INSERT_TAIL(&w->jobs, m->job, entry);
			job_start(m->job);
			break;
		case WMSG_CANCEL:
			worker_cancel_all(w);
			break;
		case WMSG_STOP:
			w->stopping = 1;
			break;
		}
		free(m);
	}
	if (w->stopping && w->live == 0)
		event_base_loopexit(w->base, NULL);
}

/* Thread body: run the loop until stopped. */
static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Per-thread resolver: resolv.conf (and /etc/hosts) as configured. */
static struct evdns_base *
worker_dns_new(struct event_base *base, const struct config *conf)
{
	struct evdns_base	*dns;
	const char		*path = conf->resolv_conf != NULL ?
				    conf->resolv_conf : "/etc/resolv.conf";
	int			 rc;

	if ((dns = evdns_base_new(base, 0)) == NULL)
		fatalx("evdns_base_new failed");
	rc = evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL, path);
	if (rc != 0 && rc != 6)	/* 6: no nameservers, hosts file still used */
		log_warnx("%s: cannot use it for DNS (evdns error %d)", path,
		    rc);
	evdns_base_set_option(dns, "timeout:", "2");
	evdns_base_set_option(dns, "attempts:", "2");
	return dns;
}

/* Create and start a worker thread. */
struct worker *
worker_new(struct engine *eng, int id, const struct config *conf)
{
	struct event_config	*cfg;
	struct worker		*w;
	struct timeval		 beat = { WORKER_BEAT_MS / 1000, 0 };

	w = xcalloc(1, sizeof *w);
	w->eng = eng;
	w->id = id;
	w->kh_sweep = -1;
	TAILQ_INIT(&w->jobs);
	pthread_mutex_init(&w->mtx, NULL);
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	if ((w->base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new failed");
	event_config_free(cfg);
	w->dns = worker_dns_new(w->base, conf);
	if (pipe2(w->pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("pipe2");
	w->wake = event_new(w->base, w->pipe[0], EV_READ | EV_PERSIST,
	    worker_wake_cb, w);
	event_add(w->wake, NULL);
	w->beat = event_new(w->base, -1, EV_PERSIST, worker_beat_cb, w);
	event_add(w->beat, &beat);
	atomic_store(&w->beat_ms, mono_ms());
	pthread_mutex_lock(&workers_mtx);
	LIST_INSERT_HEAD(&workers_all, w, all);
	pthread_mutex_unlock(&workers_mtx);
	if ((errno = pthread_create(&w->thread, NULL, worker_main, w)) != 0)
		fatal("pthread_create");
	return w;
}

/* Queue a message and wake the thread. */
static void
worker_push(struct worker *w, enum wmsg_kind kind, struct job *job)
{
	struct wmsg	*m;

	m = xcalloc(1, sizeof *m);
	m->kind = kind;
	m->job = job;
	pthread_mutex_lock(&w->mtx);
	if (w->tail != NULL)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	pthread_mutex_unlock(&w->mtx);
	if (write(w->pipe[1], "", 1) == -1 && errno != EAGAIN)
		log_warn("worker %d: wake-up", w->id);
}

/* Hand a job to this worker (from the dispatcher's thread). */
void
worker_submit(struct worker *w, struct job *job)
{
	worker_push(w, WMSG_JOB, job);
}

/* Ask the worker to abort its running jobs (shutdown). */
void
worker_cancel(struct worker *w)
{
	worker_push(w, WMSG_CANCEL, NULL);
}

/* Called by job_finish on the worker thread: the job left the running
 * set (it is freed a little later). */
void
worker_job_done(struct worker *w, struct job *job)
{
	TAILQ_REMOVE(&w->jobs, job, entry);
}

/* Called by job_free on the worker thread: one job fewer. */
void
worker_job_freed(struct worker *w)
{
	if (--w->live == 0 && w->stopping)
		event_base_loopexit(w->base, NULL);
}

/* Stop the thread once its jobs are freed, join it, free everything. */
void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&workers_mtx);
	LIST_REMOVE(w, all);
	pthread_mutex_unlock(&workers_mtx);
	worker_push(w, WMSG_STOP, NULL);
	pthread_join(w->thread, NULL);
	event_free(w->beat);
	event_free(w->wake);
	evdns_base_free(w->dns, 1);
	event_base_free(w->base);
	close(w->pipe[0]);
	close(w->pipe[1]);
	ssh_kh_free(w->kh);
	pthread_mutex_destroy(&w->mtx);
	free(w);
}

/* This worker's loop. */
struct event_base *
worker_base(struct worker *w)
{
	return w->base;
}

/* This worker's resolver. */
struct evdns_base *
worker_dns(struct worker *w)
{
	return w->dns;
}

/* Known hosts for this sweep, rebuilt when the sweep changes. */
struct ssh_kh *
worker_known_hosts(struct worker *w, struct sweep *sw)
{
	if (w->kh == NULL || w->kh_sweep != sw->id) {
		ssh_kh_free(w->kh);
		w->kh = ssh_kh_new(sw->kh);
		w->kh_sweep = sw->id;
	}
	return w->kh;
}

/* Tell the dispatcher about a job. */
void
worker_report(struct worker *w, size_t idx, enum job_event ev,
    enum host_status status)
{
	engine_post(w->eng, idx, ev, status);
}
