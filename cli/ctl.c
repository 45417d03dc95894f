/* The control-socket client that `rollcall status` and `rollcall sweep`
 * share: their options, one request and its answer, and reading the
 * daemon's JSON back (common/json.h) as dotted keys. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ctl.h"
#include "common/json.h"
#include "common/result.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/control.h"

/* The options status and sweep share (each refuses the other's). */
static const struct option ctl_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "socket", required_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'l' },
	{ "json", no_argument, NULL, 'j' },
	{ "wait", no_argument, NULL, 'w' },
	{ "cluster", no_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Parse the shared options; -1 to go on, else an exit code. */
int
ctl_parse(const struct cmd_entry *e, int argc, char **argv,
    struct ctl_opts *o, void (*usage)(FILE *))
{
	int	 ch, is_sweep = strcmp(e->name, "sweep") == 0;

	memset(o, 0, sizeof *o);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:s:l:wh", ctl_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'l':
			if (!is_sweep)
				return cli_usage_error(e, "--limit is for "
				    "'rollcall sweep'");
			o->limit = optarg;
			break;
		case 'w':
			if (!is_sweep)
				return cli_usage_error(e, "--wait is for "
				    "'rollcall sweep'");
			o->wait = 1;
			break;
		case 'j':
			if (is_sweep)
				return cli_usage_error(e, "--json is for "
				    "'rollcall status'");
			o->json = 1;
			break;
		case 'C':
			if (is_sweep)
				return cli_usage_error(e, "--cluster is for "
				    "'rollcall status'");
			o->cluster = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cli_option_error(e, ch, argv);
		}
	}
	if (cli_no_operands(e, argc, argv) != -1)
		return EXIT_USAGE;
	if (o->limit != NULL && strpbrk(o->limit, "\r\n") != NULL)
		return cli_usage_error(e, "--limit: no line breaks");
	return -1;
}

/* Send one request; the answer, or NULL (message printed). */
char *
ctl_ask(const struct cmd_entry *e, const struct ctl_opts *o, const char *req,
    int *rc)
{
	const char	*cmd = e->name;
	char		*path, *db, *resp, err[512];

	/* Only the socket's path is read from the config: an unrelated
	 * mistake in a file the daemon has not reloaded does not matter. */
	if (o->socket != NULL)
		path = xstrdup(o->socket);
	else if ((*rc = cli_config_paths(cmd, o->config, &db, &path)) != 0) {
		fprintf(stderr, "rollcall %s: cannot find the control socket: "
		    "fix the config or pass --socket PATH\n", cmd);
		return NULL;
	} else
		free(db);
	if ((resp = control_request_wait(path, req, o->wait ? -1 : 10000, err,
	    sizeof err)) == NULL) {
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
struct facts *
ctl_parse_answer(const struct cmd_entry *e, const char *resp)
{
	const char	*cmd = e->name;
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

/* A field of the answer by printf-built key, or def. */
const char *
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

/* Free a flattened answer (NULL is fine). */
void
ctl_answer_free(struct facts *f)
{
	if (f != NULL) {
		facts_free(f);
		free(f);
	}
}
