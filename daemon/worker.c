/* Worker threads: an event_base and evdns_base each; jobs arrive through a
 * msgq (locked STAILQ plus one eventfd wake-up). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/msgq.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/bastion.h"
#include "daemon/job.h"
#include "daemon/localrun.h"
#include "daemon/ssh.h"
#include "daemon/sweep.h"
#include "daemon/worker.h"

/* What the dispatcher asks of a worker. */
enum worker_msg_kind {
	WORKER_MSG_JOB,		/* start this job */
	WORKER_MSG_CANCEL,	/* abort every live job (shutdown) */
	WORKER_MSG_STOP,	/* exit once no job is live */
};

/* One request in a worker's queue. */
struct worker_msg {
	struct msgq_entry	 entry;		/* link in worker->q */
	enum worker_msg_kind	 kind;		/* what to do */
	struct job		*job;		/* WORKER_MSG_JOB */
};

struct worker {
	worker_report_cb	 report;	/* where job events go */
	void			*report_arg;	/* its argument */
	int			 id;		/* for logs */
	pthread_t		 thread;	/* runs worker_main */
	struct event_base	*base;		/* this thread's loop */
	struct evdns_base	*dns;		/* this thread's resolver */
	struct msgq		 q;		/* requests from the dispatcher */
	struct event		*wake;		/* on msgq_fd(&q) */
	size_t			 live;		/* jobs started, not yet freed */
	TAILQ_HEAD(, job)	 jobs;		/* live jobs not yet finished */
	int			 stopping;	/* exit once live is 0 */
	struct bastion_pool	*bastions;	/* sessions to bastions */
	struct event		*beat;		/* heartbeat timer (watchdog) */
	_Atomic int64_t		 beat_ms;	/* its last run, mono ms */
	LIST_ENTRY(worker)	 all;		/* in workers_all */
};

#define WORKER_BEAT_MS	1000	/* heartbeat period */
#define WORKER_REAP_MS	2000	/* at exit, wait this long for killed
				   local commands to be reaped */

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
	struct worker		*w = arg;
	struct worker_msg	*m;
	struct msgq_list	 batch;
	struct msgq_entry	*e;

	msgq_take(&w->q, &batch);
	while ((e = msgq_pop(&batch)) != NULL) {
		m = MSGQ_ITEM(e, struct worker_msg, entry);
		switch (m->kind) {
		case WORKER_MSG_JOB:
			m->job->worker = w;
			w->live++;
			TAILQ_INSERT_TAIL(&w->jobs, m->job, entry);
			job_start(m->job);
			break;
		case WORKER_MSG_CANCEL:
			worker_cancel_all(w);
			break;
		case WORKER_MSG_STOP:
			w->stopping = 1;
			break;
		}
		free(m);
	}
	if (w->stopping && w->live == 0)
		event_base_loopexit(w->base, NULL);
}

/* Thread body: run the loop until stopped, then reap the local commands
 * its jobs killed that the loop had no time to reap. */
static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	localrun_reap_orphans(WORKER_REAP_MS);	/* killed local commands */
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
worker_new(int id, const struct config *conf, worker_report_cb report,
    void *report_arg)
{
	struct event_config	*cfg;
	struct worker		*w;
	struct timeval		 beat = { WORKER_BEAT_MS / 1000, 0 };

	w = xcalloc(1, sizeof *w);
	w->report = report;
	w->report_arg = report_arg;
	w->id = id;
	TAILQ_INIT(&w->jobs);
	msgq_init(&w->q);
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	if ((w->base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new failed");
	event_config_free(cfg);
	w->dns = worker_dns_new(w->base, conf);
	w->wake = event_new(w->base, msgq_fd(&w->q), EV_READ | EV_PERSIST,
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
worker_push(struct worker *w, enum worker_msg_kind kind, struct job *job)
{
	struct worker_msg	*m;

	m = xcalloc(1, sizeof *m);
	m->kind = kind;
	m->job = job;
	msgq_push(&w->q, &m->entry);
}

/* Hand a job to this worker (from the dispatcher's thread). */
void
worker_submit(struct worker *w, struct job *job)
{
	worker_push(w, WORKER_MSG_JOB, job);
}

/* Ask the worker to abort its running jobs (shutdown). */
void
worker_cancel(struct worker *w)
{
	worker_push(w, WORKER_MSG_CANCEL, NULL);
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
	worker_push(w, WORKER_MSG_STOP, NULL);
	pthread_join(w->thread, NULL);
	bastion_pool_free(w->bastions);		/* the thread is gone */
	event_free(w->beat);
	event_free(w->wake);
	evdns_base_free(w->dns, 1);
	event_base_free(w->base);
	msgq_destroy(&w->q, NULL);	/* the thread took everything */
	free(w);
}

/* This worker's loop. */
struct event_base *
worker_base(struct worker *w)
{
	return w->base;
}

/* This worker's bastion sessions (daemon/bastion.c). */
struct bastion_pool **
worker_bastions(struct worker *w)
{
	return &w->bastions;
}

/* This worker's resolver. */
struct evdns_base *
worker_dns(struct worker *w)
{
	return w->dns;
}

/* Tell the dispatcher about a job. */
void
worker_report(struct worker *w, size_t idx, enum job_event ev,
    enum host_status status)
{
	w->report(w->report_arg, idx, ev, status);
}
