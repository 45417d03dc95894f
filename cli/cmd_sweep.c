/* rollcall sweep: ask the running daemon, over its control socket, to
 * sweep now (cli/ctl.c has the client). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/ctl.h"
#include "common/result.h"
#include "common/xmalloc.h"
#include "config/config.h"

const struct cmd_entry cmd_sweep_entry = {
	"sweep", NULL, "[-c FILE] [--socket PATH] [--limit PATTERN] [--wait]",
	"ask the running daemon to sweep now", cmd_sweep
};

/* Usage of sweep. */
static void
sweep_usage(FILE *fp)
{
	cli_usage_line(fp, &cmd_sweep_entry);
	fprintf(fp, "\n"
	    "Ask the running daemon to sweep now (all hosts, or those matching\n"
	    "PATTERN). While a sweep runs, the request is queued and starts\n"
	    "when that one ends.\n\n"
	    "  -c, --config FILE    config naming the control socket (default "
	    "%s)\n"
	    "  -s, --socket PATH    control socket (default: from the config)\n"
	    "  -l, --limit PATTERN  an Ansible host pattern: web:db, web:&prod,\n"
	    "                       web:!web03, db*, ~re, web[0:2], @file\n"
	    "  -w, --wait           wait until the sweep has ended and its\n"
	    "                       results are stored; print its summary\n"
	    "  -h, --help           this help\n\n"
	    "exit status: 0 sweep started or queued (--wait: every host ok),\n"
	    "1 refused (no host matches, shutting down), no daemon, or (--wait)\n"
	    "some hosts failed, 2 usage or configuration error\n",
	    CONFIG_DEFAULT_PATH);
}

/* sweep --wait: the ended sweep's summary line; exit 0 only if every
 * host of it is ok, as `rollcall collect`. */
static int
sweep_print_waited(const struct facts *f)
{
	printf("%s\n", ctl_get(f, "sweep ended", "sweep.summary"));
	return strcmp(ctl_get(f, "1", "sweep.failed"), "0") == 0 &&
	    strcmp(ctl_get(f, "1", "sweep.interrupted"), "0") == 0 ?
	    EXIT_OK : EXIT_FAIL;
}

/* rollcall sweep */
int
cmd_sweep(int argc, char **argv)
{
	struct ctl_opts	 o;
	struct facts	*f;
	char		*req, *resp;
	int		 rc;

	if ((rc = ctl_parse(&cmd_sweep_entry, argc, argv, &o,
	    sweep_usage)) != -1)
		return rc;
	rc = EXIT_OK;
	xasprintf(&req, "sweep%s%s%s", o.wait ? "-wait" : "",
	    o.limit != NULL ? " " : "", o.limit != NULL ? o.limit : "");
	resp = ctl_ask(&cmd_sweep_entry, &o, req, &rc);
	free(req);
	if (resp == NULL)
		return rc;
	if ((f = ctl_parse_answer(&cmd_sweep_entry, resp)) == NULL)
		rc = EXIT_FAIL;
	else if (facts_get(f, "error") != NULL) {
		fprintf(stderr, "rollcall sweep: %s\n", facts_get(f, "error"));
		rc = EXIT_FAIL;
	} else if (o.wait)
		rc = sweep_print_waited(f);
	else if (strcmp(ctl_get(f, "false", "queued"), "true") == 0)
		printf("sweep queued: %s hosts (a sweep is running: this one "
		    "starts when it ends)\n", ctl_get(f, "?", "hosts"));
	else
		printf("sweep started: %s hosts\n", ctl_get(f, "?",
		    "hosts"));
	ctl_answer_free(f);
	free(resp);
	return rc;
}
