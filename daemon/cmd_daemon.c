/* rollcall daemon: the long-running service. Loads and validates the
 * config, opens the database, starts the engine, the scheduler, the control
 * socket and the optional metrics endpoint on one libevent main loop, tells
 * systemd it is ready, and runs until SIGTERM/SIGINT.
 *
 * It never forks, with or without --foreground: under systemd (Type=notify)
 * a fork would only confuse the supervisor, and anything else (runit, s6,
 * a terminal, `nohup ... &`) detaches better than we could. --foreground is
 * accepted for habit's sake and changes nothing; logs go to stderr, which
 * systemd hands to the journal (with <N> priority prefixes, common/log.c).
 *
 * SIGHUP reloads: the whole new config and inventory are read and validated
 * (this reads files on the main loop, which is acceptable: it is what the
 * operator asked for and takes milliseconds); on any error every message is
 * logged and the running config stays; a good config is used from the next
 * sweep on, in-flight hosts finish with the old one. SIGTERM/SIGINT stop
 * dispatching, give in-flight hosts DAEMON_GRACE_S, then abort them, flush
 * the writer and exit 0 (within the unit's TimeoutStopSec=30). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "config/cluster.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "cluster/shipper.h"
#include "daemon/control.h"
#include "daemon/engine.h"
#include "daemon/metrics.h"
#include "daemon/notify.h"
#include "daemon/restore.h"
#include "daemon/scheduler.h"
#include "daemon/ssh.h"
#include "daemon/worker.h"
#include "storage/outbox.h"
#include "storage/storage.h"

#define DAEMON_GRACE_S		10	/* in-flight hosts at shutdown */
#define DAEMON_STATUS_MS	1000	/* STATUS= refresh */
#define DAEMON_STALL_MIN_MS	3000	/* worker heartbeat age that counts */

/* Everything the daemon runs. */
struct daemon {
	const char		*path;		/* config file, for reloads */
	struct event_base	*base;		/* the main loop */
	struct writer		*writer;	/* database writer thread */
	struct shipper		*shipper;	/* cluster mode: to PostgreSQL */
	struct engine		*engine;	/* workers + dispatcher */
	struct sched		*sched;		/* when to sweep what */
	struct control		*control;	/* control socket */
	struct metrics		*metrics;	/* /metrics, or NULL */
	struct event		*sighup;	/* reload */
	struct event		*sigterm;	/* stop */
	struct event		*sigint;	/* stop */
	struct event		*grace;		/* shutdown grace timer */
	struct event		*status;	/* STATUS= refresh timer */
	int			 stopping;	/* a stop signal came */
	uint64_t		 wd_commits;	/* writer commits at last check */
};

const struct cmd_entry cmd_daemon_entry = {
	"daemon", NULL, "[-v] [-c FILE] [--foreground]",
	"run as a service: sweep on a schedule", cmd_daemon
};

/* Usage text for --help. */
static void
daemon_usage(FILE *fp)
{
	cli_usage_line(fp, &cmd_daemon_entry);
	fprintf(fp, "\n"
	    "Run as a service: sweep the inventory at start and then every\n"
	    "`interval` (with `jitter`; per-group `group_interval`), retry\n"
	    "failed hosts with backoff, answer `rollcall status` and `rollcall\n"
	    "sweep` on the control socket, serve /metrics if configured.\n"
	    "Never forks; logs to stderr (the journal under systemd).\n"
	    "SIGHUP reloads the config, SIGTERM/SIGINT stop (in-flight hosts\n"
	    "get %d s to finish).\n\n"
	    "  -c, --config FILE  config file (default %s)\n"
	    "  -f, --foreground   accepted for compatibility: it never forks\n"
	    "  -v, --verbose      debug logging\n"
	    "  -h, --help         this help\n\n"
	    "exit status: 0 stopped by a signal, 1 start-up failure (database,\n"
	    "control socket, metrics address), 2 usage or configuration "
	    "error\n", DAEMON_GRACE_S, CONFIG_DEFAULT_PATH);
}

/* Watchdog check: are the workers and the writer making progress? (The
 * main loop is, or this timer would not run.) */
static int
daemon_alive(int64_t period_ms, void *arg)
{
	struct daemon		*d = arg;
	struct writer_stats	 ws;
	int			 stalled, writer_ok;

	stalled = worker_stalled(period_ms > DAEMON_STALL_MIN_MS ?
	    period_ms : DAEMON_STALL_MIN_MS);
	writer_get_stats(d->writer, &ws);
	/* Idle, committing, or degraded (retrying a failing disk: alive,
	 * and a restart would not help). */
	writer_ok = ws.queue_depth == 0 || ws.commits != d->wd_commits ||
	    ws.degraded;
	d->wd_commits = ws.commits;
	if (stalled > 0)
		log_warnx("watchdog: %d worker loop%s stuck", stalled,
		    stalled == 1 ? "" : "s");
	if (!writer_ok)
		log_warnx("watchdog: writer committed nothing with %zu results "
		    "queued", ws.queue_depth);
	return stalled == 0 && writer_ok;
}

/* STATUS= line: progress while sweeping, else when the next sweep is. */
static void
daemon_status_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon		*d = arg;
	struct sched_stats	 st;
	char			 t[32];
	int64_t			 in;

	sched_get_stats(d->sched, &st);
	if (d->stopping)
		notify_status("stopping: %zu hosts in flight", st.inflight);
	else if (st.writer.broken)
		notify_status("DEGRADED, not sweeping: the database cannot be "
		    "written (%s): rollcall status says more",
		    db_fault_str(st.writer.fault));
	else if (st.sweeping)
		notify_status("sweeping: %zu/%zu done, %zu in flight",
		    st.done, st.total, st.inflight);
	else {
		in = st.next_sweep - wall_us() / 1000000;
		fmt_ms((in > 0 ? in : 0) * 1000, t, sizeof t);
		if (st.nlast > 0)
			notify_status("idle, next sweep in %s, last: %zu ok "
			    "%zu failed", st.next_sweep > 0 ? t : "(none)",
			    st.last[0].ok, st.last[0].failed);
		else
			notify_status("idle, next sweep in %s",
			    st.next_sweep > 0 ? t : "(none)");
	}
}

/* A sweep started or ended: STATUS= at once, not at the next refresh. */
static void
daemon_sweep_change(void *arg)
{
	daemon_status_cb(-1, 0, arg);
}

/* A reloaded config: say which changes wait for a restart. */
static void
daemon_restart_keys(const struct config *old, const struct config *new)
{
	const char	*what = NULL;

#define DIFF(a, b)	(((a) == NULL) != ((b) == NULL) || ((a) != NULL && \
			    strcmp((a), (b)) != 0))
	if (old->workers != new->workers)
		what = "workers";
	else if (DIFF(old->database, new->database))
		what = "database";
	else if (DIFF(old->resolv_conf, new->resolv_conf))
		what = "dns";
	else if (DIFF(old->control_socket, new->control_socket))
		what = "control_socket";
	else if (DIFF(old->metrics_listen, new->metrics_listen))
		what = "metrics_listen";
#undef DIFF
	if (what != NULL)
		log_warnx("reload: '%s' (and maybe more of workers, database, "
		    "dns, control_socket, metrics_listen) changed: the old "
		    "value stays until a restart", what);
}

/* SIGHUP: validate the whole new config; use it or keep the old. */
static void
daemon_reload(struct daemon *d)
{
	struct config		*conf;

	log_info("SIGHUP: reloading %s", d->path);
	notify_reloading();
	if (cli_config_load("daemon", d->path, 1, &conf) != 0) {
		log_warnx("reload: keeping the running configuration");
		metrics_reloaded(d->metrics, 0, wall_us() / 1000000);
		notify_ready();
		return;
	}
	daemon_restart_keys(sched_config(d->sched), conf);
	sched_reload(d->sched, conf);
	metrics_reloaded(d->metrics, 1, wall_us() / 1000000);
	notify_ready();
}

/* The scheduler stopped: nothing runs any more, leave the loop. */
static void
daemon_stopped(void *arg)
{
	struct daemon	*d = arg;

	event_base_loopexit(d->base, NULL);
}

/* Grace period over: abort what still runs. */
static void
daemon_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;
	struct sched_stats st;

	sched_get_stats(d->sched, &st);
	log_warnx("shutdown: grace period of %ds over: aborting %zu hosts in "
	    "flight (their results are dropped)", DAEMON_GRACE_S,
	    st.inflight);
	sched_abort(d->sched);
}

/* SIGTERM/SIGINT: stop dispatching, grace, then abort; a second signal
 * aborts at once. */
static void
daemon_stop(struct daemon *d, int sig)
{
	struct timeval		 tv = { DAEMON_GRACE_S, 0 };
	struct sched_stats	 st;

	if (d->stopping++ > 0) {
		log_warnx("signal %d again: aborting in-flight hosts now", sig);
		sched_abort(d->sched);
		return;
	}
	sched_get_stats(d->sched, &st);
	log_info("signal %d: stopping (%zu hosts in flight get up to %ds)",
	    sig, st.inflight, DAEMON_GRACE_S);
	notify_stopping();
	daemon_status_cb(-1, 0, d);
	evtimer_add(d->grace, &tv);
	sched_stop(d->sched, daemon_stopped, d);
}

/* Signal dispatch (on the loop, not in a handler). */
static void
daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	if (sig == SIGHUP && !d->stopping)
		daemon_reload(d);
	else if (sig == SIGTERM || sig == SIGINT)
		daemon_stop(d, (int)sig);
}

/* Open everything; 0, or an exit code with the reason logged. */
static int
daemon_setup(struct daemon *d, struct config *conf)
{
	struct timeval		 tv = { 0, DAEMON_STATUS_MS * 1000 };
	struct writer_stats	 ws;
	char			 err[1024];

	if ((d->writer = writer_open(conf->database, err, sizeof err)) ==
	    NULL) {
		log_warnx("%s", err);
		config_free(conf);
		return EXIT_FAIL;
	}
	writer_get_stats(d->writer, &ws);
	if (ws.broken)		/* up to say so, but no sweeps */
		log_warnx("%s", ws.last_error);
	if (conf->cluster != NULL) {
		writer_outbox_enable(d->writer, conf->cluster->outbox_max);
		if ((d->shipper = shipper_start(conf->cluster, conf->database,
		    d->writer, err, sizeof err)) == NULL) {
			log_warnx("cluster: %s", err);
			config_free(conf);
			return EXIT_FAIL;
		}
		shipper_set_retention(d->shipper, conf->retention_ms);
	}
	d->engine = engine_new(d->base, conf, d->writer);
	d->sched = sched_new(d->base, d->engine, d->writer, conf);
	if (d->shipper != NULL)
		sched_set_cluster(d->sched, d->shipper,
		    conf->cluster->dead_after_ms);
	if (restore_state(conf->database, d->sched, err, sizeof err) == -1)
		log_warnx("cannot read the last known state of the hosts: %s; "
		    "status starts empty", err);
	if ((d->control = control_new(d->base, conf->control_socket,
	    d->sched, err, sizeof err)) == NULL) {
		log_warnx("control socket: %s", err);
		return EXIT_FAIL;
	}
	if (conf->metrics_listen != NULL && (d->metrics = metrics_new(d->base,
	    conf->metrics_listen, d->sched, wall_us() / 1000000, err,
	    sizeof err)) == NULL) {
		log_warnx("%s", err);
		return EXIT_FAIL;
	}
	d->sighup = evsignal_new(d->base, SIGHUP, daemon_signal_cb, d);
	d->sigterm = evsignal_new(d->base, SIGTERM, daemon_signal_cb, d);
	d->sigint = evsignal_new(d->base, SIGINT, daemon_signal_cb, d);
	event_add(d->sighup, NULL);
	event_add(d->sigterm, NULL);
	event_add(d->sigint, NULL);
	d->grace = evtimer_new(d->base, daemon_grace_cb, d);
	d->status = event_new(d->base, -1, EV_PERSIST, daemon_status_cb, d);
	event_add(d->status, &tv);
	/* A sweep shorter than the refresh still shows as one. */
	sched_on_change(d->sched, daemon_sweep_change, d);
	return 0;
}

/* Stop and free everything, in dependency order. */
static void
daemon_teardown(struct daemon *d)
{
	notify_watchdog_stop();
	control_free(d->control);
	metrics_free(d->metrics);
	if (d->engine != NULL)
		engine_free(d->engine);
	if (d->writer != NULL)
		writer_flush(d->writer);
	sched_free(d->sched);		/* the configs, after the engine */
	shipper_stop(d->shipper);	/* its acks go to the writer */
	writer_close(d->writer);
	if (d->sighup != NULL) {
		event_free(d->sighup);
		event_free(d->sigterm);
		event_free(d->sigint);
		event_free(d->grace);
		event_free(d->status);
	}
	event_base_free(d->base);
}

/* Run until stopped. */
static int
daemon_run(const char *path, struct config *conf)
{
	struct daemon	 d;
	size_t		 nhosts = conf->nhosts;
	char		 t[32];
	int		 rc;

	memset(&d, 0, sizeof d);
	d.path = path;
	_Static_assert(LOG_LIBEVENT_ERR == EVENT_LOG_ERR, "libevent levels");
	event_set_log_callback(log_libevent);
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if ((rc = daemon_setup(&d, conf)) != 0) {
		daemon_teardown(&d);
		return rc;
	}
	log_info("rollcall %s daemon: pid %ld, %zu hosts, interval %s, "
	    "config %s", ROLLCALL_VERSION, (long)getpid(), nhosts,
	    fmt_ms(sched_config(d.sched)->interval_ms, t, sizeof t), path);
	notify_ready();
	notify_watchdog_start(d.base, daemon_alive, &d);
	sched_start(d.sched);
	daemon_status_cb(-1, 0, &d);
	event_base_dispatch(d.base);
	daemon_teardown(&d);
	log_info("stopped");
	return EXIT_OK;
}

/* rollcall daemon [-c FILE] [--foreground] [-v] */
int
cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config		*conf;
	const char		*path = CONFIG_DEFAULT_PATH;
	int			 ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:fvh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			break;		/* we never fork: see the top */
		case 'v':
			log_setverbose(1);
			break;
		case 'h':
			daemon_usage(stdout);
			return EXIT_OK;
		default:
			return cli_option_error(&cmd_daemon_entry, ch, argv);
		}
	}
	if ((rc = cli_no_operands(&cmd_daemon_entry, argc, argv)) != -1)
		return rc;
	if ((rc = cli_config_load("daemon", path, 1, &conf)) != 0) {
		log_warnx("not starting");
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	ssh_global_init();
	rc = daemon_run(path, conf);
	ssh_global_exit();
	return rc;
}
