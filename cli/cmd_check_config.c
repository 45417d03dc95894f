/* rollcall check-config: load the config and every inventory file, print
 * each error with its file:line:column (exit 2); else the warnings, each
 * host the inventory gives no usable connection, a missing or unreadable
 * key or known_hosts (exit 1 when any), and a summary of hosts per group.
 * Like `relayd -n`: nothing is contacted, nothing run. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "common/json.h"
#include "config/config.h"

const struct cmd_entry cmd_check_config_entry = {
	"check-config", NULL, "[-c FILE] [--json]",
	"validate the config and inventory, summarise hosts per group",
	cmd_check_config
};

/* Usage text for --help. */
static void
check_config_usage(FILE *fp)
{
	cli_usage_line(fp, &cmd_check_config_entry);
	fprintf(fp, "\n"
	    "Validate the configuration and every inventory file it names.\n"
	    "Prints each problem as FILE:LINE:COLUMN: MESSAGE and exits 2.\n"
	    "Otherwise prints warnings (what Ansible also skips or warns\n"
	    "about), hosts that cannot be contacted as written (config_error,\n"
	    "unsupported_connection), and missing or unreadable keys and\n"
	    "known_hosts, exiting 1 when there is any of the last two; then\n"
	    "the hosts per group (exit 0 when all is well).\n\n"
	    "  -c, --config FILE  config file (default %s)\n"
	    "      --json         print the summary as JSON\n"
	    "  -h, --help         show this help\n", CONFIG_DEFAULT_PATH);
}

/* The summary as a table: one line per group. */
static void
check_config_table(const struct config *c)
{
	size_t	 i, w = 5, len;

	printf("configuration OK: %zu hosts in %zu groups\n", c->nhosts,
	    c->ngroups);
	for (i = 0; i < c->ngroups; i++)
		if ((len = strlen(c->groups[i].name)) > w)
			w = len;
	printf("%-*s  %s\n", (int)w, "GROUP", "HOSTS");
	for (i = 0; i < c->ngroups; i++)
		printf("%-*s  %zu\n", (int)w, c->groups[i].name,
		    c->groups[i].nhosts);
}

/* The summary as one JSON object. */
static void
check_config_json(const struct config *c)
{
	struct json_writer	 w;
	size_t			 i;

	json_writer_init(&w, stdout);
	json_object_open(&w);
	json_key(&w, "hosts");
	json_uint(&w, c->nhosts);
	json_key(&w, "groups");
	json_array_open(&w);
	for (i = 0; i < c->ngroups; i++) {
		json_object_open(&w);
		json_key(&w, "name");
		json_str(&w, c->groups[i].name);
		json_key(&w, "hosts");
		json_uint(&w, c->groups[i].nhosts);
		json_object_close(&w);
	}
	json_array_close(&w);
	json_object_close(&w);
	putchar('\n');
}

/* Warnings, per-host problems and missing files on stderr; EXIT_FAIL when
 * some host cannot be swept as written or a file is missing. */
static int
check_config_problems(const struct config *c)
{
	struct cfg_errors	 files = { 0 };
	size_t			 i, nbad = 0;

	for (i = 0; i < c->warnings->n; i++)
		fprintf(stderr, "warning: %s\n", c->warnings->msgs[i]);
	for (i = 0; i < c->nhosts; i++) {
		if (c->hosts[i].error != NULL)
			fprintf(stderr, "host %s: config_error: %s\n",
			    c->hosts[i].name, c->hosts[i].error);
		else if (c->hosts[i].transport == TRANSPORT_UNSUPPORTED)
			fprintf(stderr, "host %s: unsupported_connection: "
			    "%s:%d:%d: ansible_connection '%s' (rollcall "
			    "speaks SSH, or runs local hosts itself)\n",
			    c->hosts[i].name, c->hosts[i].file,
			    c->hosts[i].line, c->hosts[i].col,
			    c->hosts[i].connection);
		else
			continue;
		nbad++;
	}
	config_check_files(c, &files);
	for (i = 0; i < files.n; i++)
		fprintf(stderr, "%s\n", files.msgs[i]);
	if (nbad > 0 || files.n > 0)
		fprintf(stderr, "rollcall check-config: %zu host%s cannot be "
		    "swept as written, %zu file problem%s\n", nbad,
		    nbad == 1 ? "" : "s", files.n, files.n == 1 ? "" : "s");
	nbad += files.n;
	cfg_errors_free(&files);
	return nbad > 0 ? EXIT_FAIL : EXIT_OK;
}

/* rollcall check-config [-c FILE] [--json] [--help] */
int
cmd_check_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*path = CONFIG_DEFAULT_PATH;
	struct config		*c;
	int			 ch, rc, json = 0;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			check_config_usage(stdout);
			return EXIT_OK;
		default:
			return cli_option_error(&cmd_check_config_entry, ch,
			    argv);
		}
	}
	if ((rc = cli_no_operands(&cmd_check_config_entry, argc, argv)) != -1)
		return rc;
	if ((rc = cli_config_load("check-config", path, 0, &c)) != 0)
		return rc;
	rc = check_config_problems(c);
	if (json)
		check_config_json(c);
	else
		check_config_table(c);
	config_free(c);
	return rc;
}
