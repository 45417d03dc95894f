/* rollcall check-config: load the config and every inventory file, print
 * each error with its file:line:column (exit 2), or a summary of hosts per
 * group (exit 0). Like `relayd -n`: nothing is contacted, nothing run. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/output.h"
#include "common/json.h"
#include "config/config.h"

/* Usage text for --help. */
static void
check_config_usage(FILE *fp)
{
	fprintf(fp, "usage: rollcall check-config [-c FILE] [--json]\n\n"
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
	size_t	 i;

	printf("{\"hosts\":%zu,\"groups\":[", c->nhosts);
	for (i = 0; i < c->ngroups; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_write_string(stdout, c->groups[i].name);
		printf(",\"hosts\":%zu}", c->groups[i].nhosts);
	}
	printf("]}\n");
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
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	size_t			 i;
	int			 ch, json = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
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
			return cli_usage_error("check-config", "unknown option "
			    "'%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error("check-config", "unexpected argument "
		    "'%s'", argv[optind]);
	if ((c = config_load(path, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "rollcall: %zu error%s in %s\n", errs.n,
		    errs.n == 1 ? "" : "s", path);
		cfg_errors_free(&errs);
		return EXIT_USAGE;
	}
	if (json)
		check_config_json(c);
	else
		check_config_table(c);
	config_free(c);
	return EXIT_OK;
}
