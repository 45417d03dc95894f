/* rollcall check-config: load the config and every inventory file, print
 * each error with its file:line:column (exit 2), or a summary of hosts per
 * group (exit 0). Like `relayd -n`: nothing is contacted, nothing run. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

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
	cmd_usage_line(fp, &cmd_check_config_entry);
	fprintf(fp, "\n"
	    "Validate the configuration and every inventory file it names.\n"
	    "Prints each problem as FILE:LINE:COLUMN: MESSAGE and exits 2,\n"
	    "or prints the hosts per group and exits 0.\n\n"
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
			return cli_option_error("check-config", ch, argv);
		}
	}
	if ((rc = cli_no_operands("check-config", argc, argv)) != -1)
		return rc;
	if ((rc = cli_config_load("check-config", path, 0, &c)) != 0)
		return rc;
	if (json)
		check_config_json(c);
	else
		check_config_table(c);
	config_free(c);
	return EXIT_OK;
}
