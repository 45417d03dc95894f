/* rollcall status: a client of the running daemon's control socket (the
 * same binary, as ntpctl is to ntpd; cli/ctl.c has the client). The daemon
 * answers in JSON; --json prints it as is, otherwise it is read back with
 * the JSON flattener (common/json.h) and printed for people. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/ctl.h"
#include "cluster/pgstatus.h"
#include "common/result.h"
#include "common/timeutil.h"
#include "config/cluster.h"
#include "config/config.h"

const struct cmd_entry cmd_status_entry = {
	"status", NULL, "[-c FILE] [--socket PATH] [--json] [--cluster]",
	"ask the running daemon how it is doing", cmd_status
};

/* Usage of status. */
static void
status_usage(FILE *fp)
{
	cli_usage_line(fp, &cmd_status_entry);
	fprintf(fp, "\n"
	    "Ask the running daemon how it is doing: up since, the sweep in\n"
	    "progress, the next sweep, the last sweeps, hosts by status,\n"
	    "failures by reason, the writer's queue.\n\n"
	    "  -c, --config FILE  config naming the control socket (default "
	    "%s)\n"
	    "  -s, --socket PATH  control socket (default: control_socket from "
	    "the config)\n"
	    "      --json         print the daemon's JSON answer\n"
	    "      --cluster      the cluster's nodes from PostgreSQL (config's\n"
	    "                     cluster: block), not this daemon\n"
	    "  -h, --help         this help\n\n"
	    "exit status: 0 answered, 1 no daemon or an error, 2 usage or "
	    "configuration error\n", CONFIG_DEFAULT_PATH);
}

/* "name n, name n" for the members of one counts object. */
static void
status_counts(const struct facts *f, const char *obj, int skip_zero)
{
	const char	*v;
	int		 i, first = 1;

	for (i = 0; i < HOST_STATUS_MAX; i++) {
		v = ctl_get(f, "0", "%s.%s", obj, host_status_str(i));
		if (skip_zero && strcmp(v, "0") == 0)
			continue;
		printf("%s%s %s", first ? "" : ", ", host_status_str(i), v);
		first = 0;
	}
	if (first)
		printf("none");
}

/* A field holding seconds (scale 1000) or milliseconds (scale 1) as a
 * duration in the one format (fmt_ms: 850ms, 17.1s, 59m52s); "?" when
 * absent. */
static const char *
status_dur(const struct facts *f, const char *key, int scale, char *buf,
    size_t size)
{
	const char	*v = ctl_get(f, NULL, "%s", key);

	if (v == NULL)
		return "?";
	return fmt_ms((int64_t)(strtod(v, NULL) * scale), buf, size);
}

/* The next regular sweep and the manual ones queued: the plan, apart
 * from retries (printed with the failures). */
static void
status_print_plan(const struct facts *f)
{
	const char	*q = ctl_get(f, "0", "queued_sweeps");
	char		 d[32];

	if (facts_get(f, "next_sweep.at") != NULL)
		printf("next sweep:  %s (in %s)\n",
		    ctl_get(f, "?", "next_sweep.at"), status_dur(f,
		    "next_sweep.in_seconds", 1000, d, sizeof d));
	else if (strcmp(ctl_get(f, "false", "sweep.running"), "true") == 0)
		printf("next sweep:  planned when this one ends\n");
	else
		printf("next sweep:  none planned\n");
	if (strcmp(q, "0") != 0)
		printf("queued:      %s manual sweep request%s, after this "
		    "one\n", q, strcmp(q, "1") == 0 ? "" : "s");
}

/* The writer line: queue, results lost, and if degraded whether the
 * cause is transient (disk full: retried) or not (corruption: no sweeps). */
static void
status_writer(const struct facts *f)
{
	char	 d[32];

	printf("writer:      queue %s, last commit %s, %s results lost, ",
	    ctl_get(f, "?", "writer.queue_depth"),
	    status_dur(f, "writer.last_commit_ms", 1, d, sizeof d),
	    ctl_get(f, "0", "writer.results_lost"));
	if (strcmp(ctl_get(f, "false", "writer.degraded"), "true") != 0) {
		printf("ok\n");
		return;
	}
	printf("DEGRADED (%s: %s): %s\n",
	    strcmp(ctl_get(f, "false", "writer.broken"), "true") == 0 ?
	    "not transient" : "transient", ctl_get(f, "?", "writer.fault"),
	    ctl_get(f, "", "writer.last_error"));
}

/* The cluster line (cluster mode only). */
static void
status_cluster(const struct facts *f)
{
	if (facts_get(f, "cluster.node") == NULL)
		return;
	printf("cluster:     node %s, segment %s, PostgreSQL %s, backlog %s "
	    "(oldest %ss), owns %s of %s host(s) with %s live node(s)\n",
	    ctl_get(f, "?", "cluster.node"), ctl_get(f, "?", "cluster.segment"),
	    strcmp(ctl_get(f, "false", "cluster.connected"), "true") == 0 ?
	    "connected" : "not connected", ctl_get(f, "?", "cluster.backlog"),
	    ctl_get(f, "0", "cluster.backlog_oldest_seconds"),
	    ctl_get(f, "?", "cluster.hosts_owned"),
	    ctl_get(f, "?", "cluster.segment_hosts"),
	    ctl_get(f, "?", "cluster.live_nodes"));
	if (strcmp(ctl_get(f, "false", "cluster.stepped_back"), "true") == 0)
		printf("             stepped back: another live daemon runs "
		    "as node %s (see the log)\n", ctl_get(f, "?",
		    "cluster.node"));
	if (*ctl_get(f, "", "cluster.last_error") != '\0')
		printf("             last error: %s\n",
		    ctl_get(f, "", "cluster.last_error"));
}

/* The status for people. */
static void
status_print(const struct facts *f)
{
	size_t	 i;
	char	 d[32];

	printf("daemon:      pid %s, up since %s (%s), config %s\n",
	    ctl_get(f, "?", "daemon.pid"),
	    ctl_get(f, "?", "daemon.up_since"),
	    status_dur(f, "daemon.uptime_seconds", 1000, d, sizeof d),
	    ctl_get(f, "?", "daemon.config"));
	printf("hosts:       %s (", ctl_get(f, "?", "hosts_total"));
	status_counts(f, "hosts", 1);
	printf(", never attempted %s)", ctl_get(f, "0",
	    "hosts_never_attempted"));
	if (strcmp(ctl_get(f, "0", "hosts_other_segments"), "0") != 0)
		printf("; %s in other segments not counted",
		    ctl_get(f, "0", "hosts_other_segments"));
	printf("\n");
	if (strcmp(ctl_get(f, "false", "sweep.running"), "true") == 0)
		printf("sweep:       running (%s): %s/%s done, %s in flight, "
		    "%s failed\n", ctl_get(f, "?", "sweep.trigger"),
		    ctl_get(f, "?", "sweep.done"),
		    ctl_get(f, "?", "sweep.total"),
		    ctl_get(f, "?", "sweep.in_flight"),
		    ctl_get(f, "?", "sweep.failed"));
	else
		printf("sweep:       idle, 0 in flight\n");
	status_print_plan(f);
	printf("failing:     ");
	status_counts(f, "failures", 1);
	printf("\nretries:     %s pending", ctl_get(f, "0", "retry_pending"));
	if (facts_get(f, "next_retry.at") != NULL)
		printf(", next %s (in %s)", ctl_get(f, "?", "next_retry.at"),
		    status_dur(f, "next_retry.in_seconds", 1000, d, sizeof d));
	printf(", %s waiting for known_hosts\n",
	    ctl_get(f, "0", "hostkey_parked"));
	status_writer(f);
	status_cluster(f);
	printf("last sweeps: %s since start\n",
	    ctl_get(f, "0", "sweeps_total"));
	if (facts_get(f, "last_sweeps.0.id") != NULL)
		printf("  %-6s %-9s %-20s %10s %6s %6s %6s\n", "ID", "TRIGGER",
		    "STARTED", "DURATION", "HOSTS", "OK", "FAILED");
	for (i = 0; ctl_get(f, NULL, "last_sweeps.%zu.id", i) != NULL; i++)
		printf("  %-6s %-9s %-20s %10s %6s %6s %6s\n",
		    ctl_get(f, "", "last_sweeps.%zu.id", i),
		    ctl_get(f, "", "last_sweeps.%zu.trigger", i),
		    ctl_get(f, "", "last_sweeps.%zu.started", i),
		    fmt_ms(strtoll(ctl_get(f, "0",
		    "last_sweeps.%zu.duration_ms", i), NULL, 10), d, sizeof d),
		    ctl_get(f, "", "last_sweeps.%zu.hosts", i),
		    ctl_get(f, "", "last_sweeps.%zu.ok", i),
		    ctl_get(f, "", "last_sweeps.%zu.failed", i));
}

/* rollcall status --cluster: the nodes as PostgreSQL knows them (name,
 * segment, heartbeat age, alive, hosts owned, backlog). */
static int
status_cluster_nodes(const struct ctl_opts *o)
{
	struct config	*c;
	char		 err[512];
	int		 rc;

	if ((rc = cli_config_load("status", o->config, 0, &c)) != 0)
		return rc;
	if (c->cluster == NULL) {
		fprintf(stderr, "rollcall status: --cluster: %s has no "
		    "cluster: block\n", c->path);
		config_free(c);
		return EXIT_USAGE;
	}
	rc = EXIT_OK;
	if (pgstatus_print(c->cluster, o->json, stdout, err, sizeof err) ==
	    -1) {
		fprintf(stderr, "rollcall status: --cluster: %s\n", err);
		rc = EXIT_FAIL;
	}
	config_free(c);
	return rc;
}

/* rollcall status */
int
cmd_status(int argc, char **argv)
{
	struct ctl_opts	 o;
	struct facts	*f;
	char		*resp;
	int		 rc = EXIT_OK;

	if ((rc = ctl_parse(&cmd_status_entry, argc, argv, &o,
	    status_usage)) != -1)
		return rc;
	if (o.cluster)
		return status_cluster_nodes(&o);
	rc = EXIT_OK;
	if ((resp = ctl_ask(&cmd_status_entry, &o, "status", &rc)) == NULL)
		return rc;
	if ((f = ctl_parse_answer(&cmd_status_entry, resp)) == NULL)
		rc = EXIT_FAIL;
	else if (facts_get(f, "error") != NULL) {
		fprintf(stderr, "rollcall status: %s\n", facts_get(f, "error"));
		rc = EXIT_FAIL;
	} else if (o.json)
		printf("%s\n", resp);
	else
		status_print(f);
	ctl_answer_free(f);
	free(resp);
	return rc;
}
