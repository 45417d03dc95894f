/* rollcall collect: one sweep now, results stored, a summary, exit. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "collectors/collector.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "config/cluster.h"
#include "config/config.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "daemon/engine.h"
#include "daemon/ssh.h"
#include "daemon/summary.h"
#include "storage/outbox.h"
#include "storage/storage.h"

#define PROGRESS_MS	250

/* The command line of collect. */
struct collect_opts {
	const char	*config;	/* -c FILE, NULL = the default */
	const char	*limit;		/* --limit PATTERN */
	const char	*db;		/* --db PATH */
	int		 print_script;	/* --print-script (bench) */
};

/* State of one collect run. */
struct collect {
	struct event_base	*base;
	struct engine		*engine;
	struct event		*progress;	/* TTY progress line timer */
	struct event		*sigint;	/* SIGINT: stop the sweep */
	struct event		*sigterm;	/* SIGTERM: likewise */
	int			 interrupted;	/* stop signals received */
	int			 signo;		/* the first of them */
	struct sweep_summary	 sum;		/* filled when the sweep ends */
	int			 finished;	/* the sweep ended */
};

const struct cmd_entry cmd_collect_entry = {
	"collect", NULL, "[-v] [-c FILE] [--db PATH] [-l PATTERN]",
	"run one sweep now, store the results, exit", cmd_collect
};

/* Usage text for --help. */
static void
collect_usage(FILE *fp)
{
	cli_usage_line(fp, &cmd_collect_entry);
	fprintf(fp, "\n"
	    "Sweep the inventory once: connect to every host (concurrently),\n"
	    "run the collectors, store facts and history, print a summary.\n"
	    "With a cluster: block, only the hosts of the node's segment, each\n"
	    "attempt queued in the outbox for the daemon to ship to PostgreSQL.\n\n"
	    "  -c, --config FILE    config file (default %s)\n"
	    "  -l, --limit PATTERN  only the hosts an Ansible host pattern "
	    "selects:\n"
	    "                       web:db, web:&prod, web:!web03, db*, ~re,\n"
	    "                       web[0:2], @file\n"
	    "      --db PATH        database to write (default: from config)\n"
	    "  -v, --verbose        debug logging\n"
	    "  -h, --help           this help\n\n"
	    "exit status: 0 every host ok and stored, 1 some host failed,\n"
	    "2 usage, configuration or database error, 3 some results were\n"
	    "not stored (the database could not be written: corrupt, disk\n"
	    "full, read-only; the summary says how many), 130 interrupted\n"
	    "(Ctrl-C: the hosts in flight are aborted, the finished ones\n"
	    "stay stored)\n",
	    CONFIG_DEFAULT_PATH);
}

/* Redraw the progress line (stderr is a terminal). */
static void
collect_progress_cb(evutil_socket_t fd, short what, void *arg)
{
	struct collect	*c = arg;
	size_t		 done, total, inflight, failed;
	char		 line[160];

	engine_progress(c->engine, &done, &total, &inflight, &failed);
	snprintf(line, sizeof line, "%zu/%zu hosts done, %zu in flight, "
	    "%zu failed", done, total, inflight, failed);
	log_status_line(line);
}

/* A signal: start no more hosts, abort the running ones (their results
 * are dropped; finished hosts are already stored), then exit. */
static void
collect_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct collect	*c = arg;

	if (c->interrupted++ == 0) {
		c->signo = (int)sig;
		log_info("%s: stopping the sweep, aborting the hosts in "
		    "flight", strsignal((int)sig));
		engine_stop(c->engine, 1);
	}
}

/* The sweep ended: keep the summary, leave the loop. */
static void
collect_done(const struct sweep_summary *sum, void *arg)
{
	struct collect	*c = arg;

	c->sum = *sum;
	c->finished = 1;
	if (c->progress != NULL) {
		event_del(c->progress);
		log_status_line(NULL);
	}
	event_base_loopexit(c->base, NULL);
}

/* One-line summary: hosts ok, failed by status, wall time. */
static void
collect_summary(const struct sweep_summary *s)
{
	char	*line = summary_line(s);

	fprintf(stderr, "%s\n", line);
	free(line);
}

/* --print-script: the combined collector script the first host (by name)
 * would run, as the engine builds it (collectors/script.c), with a fixed
 * nonce. For the benchmark (bench/run.sh), which runs the very same remote
 * command through pdsh, parallel-ssh, clush, ansible and ssh. Custom
 * collectors are included when they apply to that host. */
static int
collect_print_script(const struct config *conf)
{
	const struct host	*h = conf->nhosts > 0 ? &conf->hosts[0] : NULL;
	const struct collector	*c;
	const struct custom_collector *cc;
	struct script_part	*sp;
	char			**names;
	char			*s;
	size_t			 i, j, n = 0;
	int			 applies;

	sp = xcalloc(conf->ncollectors + conf->ncustom + 1, sizeof *sp);
	names = xcalloc(conf->ncustom + 1, sizeof *names);
	for (i = 0; i < conf->ncollectors; i++) {
		if ((c = collector_find(conf->collectors[i])) == NULL)
			continue;
		sp[n].name = c->name;
		sp[n].command = c->command;
		sp[n].timeout_ms = conf->ssh.command_timeout_ms;
		sp[n].capture = 1;
		n++;
	}
	for (i = 0; i < conf->ncustom; i++) {
		cc = &conf->custom[i];
		applies = cc->ngroups == 0;
		for (j = 0; h != NULL && j < cc->ngroups; j++)
			if (host_in_group(h, cc->groups[j]))
				applies = 1;
		if (!applies)
			continue;
		xasprintf(&names[i], "custom.%s", cc->name);
		sp[n].name = names[i];
		sp[n].command = cc->command;
		sp[n].timeout_ms = cc->timeout_ms > 0 ? cc->timeout_ms :
		    conf->ssh.command_timeout_ms;
		n++;
	}
	s = script_build(sp, n, "0123456789abcdef");
	fputs(s, stdout);
	free(s);
	for (i = 0; i < conf->ncustom; i++)
		free(names[i]);
	free(names);
	free(sp);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

/* Nothing counts as done that was not stored: say how many results the
 * database did not take, and why. Returns the exit code for it. */
static int
collect_stored(const struct writer_stats *ws, int rc)
{
	if (ws->lost == 0 && ws->results >= ws->submitted)
		return rc;
	fprintf(stderr, "rollcall collect: %llu swept, %llu stored: %s\n",
	    (unsigned long long)ws->submitted,
	    (unsigned long long)ws->results, ws->last_error[0] != '\0' ?
	    ws->last_error : "results dropped while the database was not "
	    "writable");
	return EXIT_NOTSTORED;
}

/* The writer opened a database that failed its check: sweep nothing. */
static int
collect_broken(struct writer *w)
{
	struct writer_stats	 ws;

	writer_get_stats(w, &ws);
	if (!ws.broken)
		return 0;
	fprintf(stderr, "rollcall collect: 0 swept, 0 stored: %s\n",
	    ws.last_error);
	writer_close(w);
	return EXIT_NOTSTORED;
}

/* The hosts to sweep: those limit selects (NULL: all) and, with a
 * cluster: block, only those of the node's segment (the others are other
 * nodes' to reach). *n of them, or NULL with err filled. Caller frees. */
static const struct host **
collect_hosts(const struct config *conf, const char *limit, size_t *n,
    char *err, size_t errlen)
{
	const struct cluster_config	*cc = conf->cluster;
	const struct host		**hosts;
	const char			*seg;
	unsigned char			*sel;
	size_t				 i, other = 0;

	sel = xcalloc(conf->nhosts + 1, 1);
	if (limit != NULL && config_select(conf, limit, sel, err, errlen) ==
	    -1) {
		free(sel);
		return NULL;
	}
	hosts = xcalloc(conf->nhosts + 1, sizeof *hosts);
	for (*n = i = 0; i < conf->nhosts; i++) {
		if (limit != NULL && !sel[i])
			continue;
		seg = conf->hosts[i].segment != NULL ?
		    conf->hosts[i].segment : "default";
		if (cc != NULL && strcmp(seg, cc->segment) != 0)
			other++;
		else
			hosts[(*n)++] = &conf->hosts[i];
	}
	free(sel);
	if (other > 0)
		fprintf(stderr, "cluster: node %s sweeps segment %s: %zu "
		    "host(s) of other segments left to their nodes\n",
		    cc->node, cc->segment, other);
	if (*n == 0) {
		snprintf(err, errlen, cc != NULL ? "no host of segment %s to "
		    "sweep" : "the inventory has no host", cc != NULL ?
		    cc->segment : "");
		free(hosts);
		return NULL;
	}
	return hosts;
}

/* Cluster mode: the attempts are in the outbox; say who ships them. */
static void
collect_queued(const struct config *conf, const struct sweep_summary *sum)
{
	if (conf->cluster == NULL)
		return;
	fprintf(stderr, "cluster: %zu attempt(s) queued in the outbox of %s "
	    "for PostgreSQL: the daemon on this database ships them (now if "
	    "it runs, else when it starts)\n", sum->nhosts - sum->skipped -
	    sum->cancelled, conf->database);
}

/* Start the sweep of the hosts collect_hosts() picks. */
static int
collect_start(struct collect *c, const struct config *conf,
    const char *limit, char *err, size_t errlen)
{
	const struct host	**hosts;
	size_t			 n;
	int			 rc;

	if ((hosts = collect_hosts(conf, limit, &n, err, errlen)) == NULL)
		return -1;
	rc = engine_sweep_hosts(c->engine, "collect", hosts, n, collect_done,
	    c, err, errlen);
	free(hosts);
	return rc;
}

/* Run the sweep on a fresh engine and loop. */
static int
collect_run(struct config *conf, const char *limit)
{
	struct collect		 c;
	struct writer		*w;
	struct writer_stats	 ws;
	struct timeval		 tv = { 0, PROGRESS_MS * 1000 };
	char			 err[1024];
	int			 rc = EXIT_USAGE;

	memset(&c, 0, sizeof c);
	if ((w = writer_open(conf->database, err, sizeof err)) == NULL) {
		fprintf(stderr, "rollcall collect: %s\n", err);
		return EXIT_USAGE;
	}
	event_set_log_callback(log_libevent);
	if ((rc = collect_broken(w)) != 0)
		return rc;
	if (conf->cluster != NULL)	/* same transaction as each attempt */
		writer_outbox_enable(w, conf->cluster->outbox_max);
	rc = EXIT_USAGE;
	if ((c.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	c.engine = engine_new(c.base, conf, w);
	if (collect_start(&c, conf, limit, err, sizeof err) == -1) {
		fprintf(stderr, "rollcall collect: %s\n", err);
		goto out;
	}
	c.sigint = evsignal_new(c.base, SIGINT, collect_signal_cb, &c);
	c.sigterm = evsignal_new(c.base, SIGTERM, collect_signal_cb, &c);
	event_add(c.sigint, NULL);
	event_add(c.sigterm, NULL);
	if (isatty(STDERR_FILENO) && !c.finished) {
		c.progress = event_new(c.base, -1, EV_PERSIST,
		    collect_progress_cb, &c);
		event_add(c.progress, &tv);
	}
	if (!c.finished)
		event_base_dispatch(c.base);
	collect_summary(&c.sum);
	collect_queued(conf, &c.sum);
	rc = c.sum.counts[HOST_OK] == c.sum.nhosts && !c.interrupted ?
	    EXIT_OK : EXIT_FAIL;
	if (c.interrupted)
		rc = 128 + c.signo;	/* as shells report a signal */
out:
	if (c.progress != NULL)
		event_free(c.progress);
	if (c.sigint != NULL)
		event_free(c.sigint);
	if (c.sigterm != NULL)
		event_free(c.sigterm);
	engine_free(c.engine);
	writer_close_stats(w, &ws);	/* every finished host is stored now */
	event_base_free(c.base);
	rc = collect_stored(&ws, rc);
	if (c.interrupted)
		fprintf(stderr, "interrupted: %zu hosts finished and stored, "
		    "%zu aborted\n", c.sum.nhosts - c.sum.skipped -
		    c.sum.cancelled, c.sum.skipped + c.sum.cancelled);
	return rc;
}

/* Parse collect's options; -1 to go on, else the exit code. */
static int
collect_parse(int argc, char **argv, struct collect_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "print-script", no_argument, NULL, 'P' },	/* bench */
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	memset(o, 0, sizeof *o);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:l:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'l':
			o->limit = optarg;
			break;
		case 'd':
			o->db = optarg;
			break;
		case 'v':
			log_setverbose(1);
			break;
		case 'h':
			collect_usage(stdout);
			return EXIT_OK;
		case 'P':
			o->print_script = 1;
			break;
		default:
			return cli_option_error(&cmd_collect_entry, ch, argv);
		}
	}
	return cli_no_operands(&cmd_collect_entry, argc, argv);
}

/* Sweep once (or print the script), store, summarise. */
int
cmd_collect(int argc, char **argv)
{
	struct collect_opts	 o;
	struct config		*conf;
	int			 rc;

	if ((rc = collect_parse(argc, argv, &o)) != -1)
		return rc;
	if ((rc = cli_config_load("collect", o.config, 0, &conf)) != 0)
		return rc;
	if (o.db != NULL) {
		free(conf->database);
		conf->database = xstrdup(o.db);
	}
	if (o.print_script) {
		rc = collect_print_script(conf);
		config_free(conf);
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	ssh_global_init();
	rc = collect_run(conf, o.limit);
	ssh_global_exit();
	config_free(conf);
	return rc;
}
