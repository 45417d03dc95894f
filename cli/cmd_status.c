/* rollcall status and rollcall sweep: clients of the running daemon's
 * control socket (the same binary, as ntpctl is to ntpd). The daemon
 * answers in JSON; --json prints it as is, otherwise it is read back with
 * the JSON flattener (common/json.h) and printed for people. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/result.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "cli/cmd.h"
#include "daemon/control.h"

/* Options both commands take. */
struct ctl_opts {
	const char	*config;	/* -c */
	const char	*socket;	/* --socket */
	const char	*limit;		/* sweep --limit */
	int		 json;		/* status --json */
};

/* Usage of status. */
static void
status_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: rollcall status [-c FILE] [--socket PATH] [--json]\n\n"
	    "Ask the running daemon how it is doing: up since, the sweep in\n"
	    "progress, the next sweep, the last sweeps, hosts by status,\n"
	    "failures by reason, the writer's queue.\n\n"
	    "  -c, --config FILE  config naming the control socket (default "
	    "%s)\n"
	    "  -s, --socket PATH  control socket (default: control_socket from "
	    "the config)\n"
	    "      --json         print the daemon's JSON answer\n"
	    "  -h, --help         this help\n\n"
	    "exit status: 0 answered, 1 no daemon or an error, 2 usage or "
	    "configuration error\n", CONFIG_DEFAULT_PATH);
}

/* Usage of sweep. */
static void
sweep_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: rollcall sweep [-c FILE] [--socket PATH] [--limit "
	    "PATTERN]\n\n"
	    "Ask the running daemon to sweep now (all hosts, or those matching\n"
	    "PATTERN). Fails if a sweep is already running.\n\n"
	    "  -c, --config FILE    config naming the control socket (default "
	    "%s)\n"
	    "  -s, --socket PATH    control socket (default: from the config)\n"
	    "  -l, --limit PATTERN  comma-separated globs on name, address or\n"
	    "                       group; !glob excludes\n"
	    "  -h, --help           this help\n\n"
	    "exit status: 0 sweep started, 1 refused (a sweep runs, no host\n"
	    "matches) or no daemon, 2 usage or configuration error\n",
	    CONFIG_DEFAULT_PATH);
}

/* Parse the shared options; -1 to go on, else an exit code. */
static int
ctl_parse(const char *cmd, int argc, char **argv, struct ctl_opts *o,
    void (*usage)(FILE *))
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, is_sweep = strcmp(cmd, "sweep") == 0;

	memset(o, 0, sizeof *o);
	o->config = CONFIG_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "c:s:l:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'l':
			if (!is_sweep)
				return cli_usage_error(cmd, "--limit is for "
				    "'rollcall sweep'");
			o->limit = optarg;
			break;
		case 'j':
			if (is_sweep)
				return cli_usage_error(cmd, "--json is for "
				    "'rollcall status'");
			o->json = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error(cmd, "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (o->limit != NULL && strpbrk(o->limit, "\r\n") != NULL)
		return cli_usage_error(cmd, "--limit: no line breaks");
	return -1;
}

/* Send one request; the answer, or NULL (message printed). */
static char *
ctl_ask(const char *cmd, const struct ctl_opts *o, const char *req, int *rc)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*conf;
	char			*path, *resp, err[512];
	size_t			 i;

	if (o->socket != NULL)
		path = xstrdup(o->socket);
	else if ((conf = config_load(o->config, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "rollcall %s: cannot find the control socket: "
		    "fix the config or pass --socket PATH\n", cmd);
		cfg_errors_free(&errs);
		*rc = EXIT_USAGE;
		return NULL;
	} else {
		path = xstrdup(conf->control_socket);
		config_free(conf);
	}
	if ((resp = control_request(path, req, err, sizeof err)) == NULL) {
		fprintf(stderr, "rollcall %s: %s\n", cmd, err);
		*rc = EXIT_FAIL;
	}
	free(path);
	return resp;
}

/* One leaf of the daemon's answer, kept under its dotted path. */
static int
ctl_leaf(void *arg, const char *path, const char *value, char *err,
    size_t errlen)
{
	facts_add(arg, path, value);
	return 0;
}

/* Flatten a JSON answer; NULL (message printed) if it is not JSON. */
static struct facts *
ctl_parse_answer(const char *cmd, const char *resp)
{
	struct facts	*f;
	char		 err[256];

	f = xcalloc(1, sizeof *f);
	if (json_flatten(resp, strlen(resp), "", ctl_leaf, f, err,
	    sizeof err) != 0) {
		fprintf(stderr, "rollcall %s: the daemon's answer is not JSON "
		    "(%s): %.200s\n", cmd, err, resp);
		facts_free(f);
		free(f);
		return NULL;
	}
	return f;
}

/* A field of the answer, or def. */
static const char *
ctl_get(const struct facts *f, const char *def, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A field of the answer by printf-built key, or def. */
static const char *
ctl_get(const struct facts *f, const char *def, const char *fmt, ...)
{
	char		 key[256];
	const char	*v;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	v = facts_get(f, key);
	return v != NULL ? v : def;
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

/* The status for people. */
static void
status_print(const struct facts *f)
{
	size_t	 i;

	printf("daemon:      pid %s, up since %s (%s s), config %s\n",
	    ctl_get(f, "?", "daemon.pid"),
	    ctl_get(f, "?", "daemon.up_since"),
	    ctl_get(f, "?", "daemon.uptime_seconds"),
	    ctl_get(f, "?", "daemon.config"));
	printf("hosts:       %s (", ctl_get(f, "?", "hosts_total"));
	status_counts(f, "hosts", 1);
	printf(", never attempted %s)\n",
	    ctl_get(f, "0", "hosts_never_attempted"));
	if (strcmp(ctl_get(f, "false", "sweep.running"), "true") == 0)
		printf("sweep:       running (%s): %s/%s done, %s in flight, "
		    "%s failed\n", ctl_get(f, "?", "sweep.trigger"),
		    ctl_get(f, "?", "sweep.done"),
		    ctl_get(f, "?", "sweep.total"),
		    ctl_get(f, "?", "sweep.in_flight"),
		    ctl_get(f, "?", "sweep.failed"));
	else
		printf("sweep:       idle, 0 in flight\n");
	if (facts_get(f, "next_sweep.at") != NULL)
		printf("next sweep:  %s (in %s s, %s)\n",
		    ctl_get(f, "?", "next_sweep.at"),
		    ctl_get(f, "?", "next_sweep.in_seconds"),
		    ctl_get(f, "?", "next_sweep.trigger"));
	else
		printf("next sweep:  none planned\n");
	printf("failing:     ");
	status_counts(f, "failures", 1);
	printf("\nretries:     %s pending, %s waiting for known_hosts\n",
	    ctl_get(f, "0", "retry_pending"),
	    ctl_get(f, "0", "hostkey_parked"));
	printf("writer:      queue %s, last commit %s ms, %s%s\n",
	    ctl_get(f, "?", "writer.queue_depth"),
	    ctl_get(f, "?", "writer.last_commit_ms"),
	    strcmp(ctl_get(f, "false", "writer.degraded"), "true") == 0 ?
	    "DEGRADED: " : "ok",
	    strcmp(ctl_get(f, "false", "writer.degraded"), "true") == 0 ?
	    ctl_get(f, "", "writer.last_error") : "");
	printf("last sweeps: %s since start\n",
	    ctl_get(f, "0", "sweeps_total"));
	if (facts_get(f, "last_sweeps.0.id") != NULL)
		printf("  %-6s %-9s %-20s %10s %6s %6s %6s\n", "ID", "TRIGGER",
		    "STARTED", "DURATION", "HOSTS", "OK", "FAILED");
	for (i = 0; ctl_get(f, NULL, "last_sweeps.%zu.id", i) != NULL; i++)
		printf("  %-6s %-9s %-20s %8sms %6s %6s %6s\n",
		    ctl_get(f, "", "last_sweeps.%zu.id", i),
		    ctl_get(f, "", "last_sweeps.%zu.trigger", i),
		    ctl_get(f, "", "last_sweeps.%zu.started", i),
		    ctl_get(f, "", "last_sweeps.%zu.duration_ms", i),
		    ctl_get(f, "", "last_sweeps.%zu.hosts", i),
		    ctl_get(f, "", "last_sweeps.%zu.ok", i),
		    ctl_get(f, "", "last_sweeps.%zu.failed", i));
}

/* rollcall status */
int
cmd_status(int argc, char **argv)
{
	struct ctl_opts	 o;
	struct facts	*f;
	char		*resp;
	int		 rc = EXIT_OK;

	if ((rc = ctl_parse("status", argc, argv, &o, status_usage)) != -1)
		return rc;
	rc = EXIT_OK;
	if ((resp = ctl_ask("status", &o, "status", &rc)) == NULL)
		return rc;
	if ((f = ctl_parse_answer("status", resp)) == NULL)
		rc = EXIT_FAIL;
	else if (facts_get(f, "error") != NULL) {
		fprintf(stderr, "rollcall status: %s\n", facts_get(f, "error"));
		rc = EXIT_FAIL;
	} else if (o.json)
		printf("%s\n", resp);
	else
		status_print(f);
	if (f != NULL) {
		facts_free(f);
		free(f);
	}
	free(resp);
	return rc;
}

/* rollcall sweep */
int
cmd_sweep(int argc, char **argv)
{
	struct ctl_opts	 o;
	struct facts	*f;
	char		*req, *resp;
	int		 rc;

	if ((rc = ctl_parse("sweep", argc, argv, &o, sweep_usage)) != -1)
		return rc;
	rc = EXIT_OK;
	xasprintf(&req, "sweep%s%s", o.limit != NULL ? " " : "",
	    o.limit != NULL ? o.limit : "");
	resp = ctl_ask("sweep", &o, req, &rc);
	free(req);
	if (resp == NULL)
		return rc;
	if ((f = ctl_parse_answer("sweep", resp)) == NULL)
		rc = EXIT_FAIL;
	else if (facts_get(f, "error") != NULL) {
		fprintf(stderr, "rollcall sweep: %s\n", facts_get(f, "error"));
		rc = EXIT_FAIL;
	} else
		printf("sweep started: %s hosts\n", ctl_get(f, "?",
		    "hosts"));
	if (f != NULL) {
		facts_free(f);
		free(f);
	}
	free(resp);
	return rc;
}
