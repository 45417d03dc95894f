/* rollcall inventory: the inventory as rollcall reads it, in the shape of
 * ansible-inventory (--list, --host NAME, --graph [GROUP]) so the two can
 * be compared, plus --list-hosts for a host pattern (--limit), as
 * `ansible all --list-hosts` prints it. -i reads inventory files without
 * a rollcall.yml. Nothing is contacted. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "common/xmalloc.h"
#include "config/config.h"

const struct cmd_entry cmd_inventory_entry = {
	"inventory", NULL,
	"[-c FILE | -i INVENTORY ...] [--limit PATTERN] --list | --host NAME"
	    " | --graph [GROUP] | --list-hosts",
	"show the inventory as ansible-inventory does", cmd_inventory
};

/* What to show. */
enum inv_view { VIEW_NONE, VIEW_LIST, VIEW_HOST, VIEW_GRAPH, VIEW_HOSTS };

/* Parsed options. */
struct inv_opts {
	const char	*config;	/* -c FILE */
	char		**inv;		/* -i INVENTORY, in order */
	size_t		 ninv;
	const char	*limit;		/* --limit PATTERN */
	const char	*host;		/* --host NAME */
	enum inv_view	 view;		/* the one view asked for */
};

/* Usage text for --help. */
static void
inventory_usage(FILE *fp)
{
	cli_usage_line(fp, &cmd_inventory_entry);
	fprintf(fp, "\n"
	    "Show the inventory as rollcall reads it, the way ansible-inventory\n"
	    "shows it (the same JSON for --list). Warnings go to stderr.\n\n"
	    "  -c, --config FILE    the inventories of this config (default %s)\n"
	    "  -i, --inventory INV  an inventory file instead (repeat for more);\n"
	    "                       no rollcall.yml needed\n"
	    "      --list           groups and hostvars as JSON\n"
	    "      --host NAME      one host's variables as JSON\n"
	    "      --graph [GROUP]  the group tree from GROUP (default all)\n"
	    "      --list-hosts     the hosts --limit selects (default all)\n"
	    "  -l, --limit PATTERN  an Ansible host pattern: web:db, web,db,\n"
	    "                       web:&prod, web:!web03, db*, ~re, web[0:2],\n"
	    "                       @file\n"
	    "  -h, --help           show this help\n", CONFIG_DEFAULT_PATH);
}

/* Set the view once; a second one is a usage error. */
static int
inventory_view(struct inv_opts *o, enum inv_view v)
{
	if (o->view != VIEW_NONE && o->view != v)
		return cli_usage_error(&cmd_inventory_entry, "--list, --host, "
		    "--graph and --list-hosts exclude each other");
	o->view = v;
	return 0;
}

/* What the options together must say: one view, operands only for
 * --graph, --limit only with --list-hosts. -1 to go on, else the exit
 * code. */
static int
inventory_check(const struct inv_opts *o, int argc, char **argv)
{
	if (o->view == VIEW_NONE)
		return cli_usage_error(&cmd_inventory_entry, "say what to "
		    "show: --list, --host NAME, --graph [GROUP] or --list-hosts");
	if (optind < argc && (o->view != VIEW_GRAPH || optind + 1 < argc))
		return cli_usage_error(&cmd_inventory_entry, "unexpected "
		    "argument '%s'",
		    argv[o->view == VIEW_GRAPH ? optind + 1 : optind]);
	if (o->limit != NULL && o->view != VIEW_HOSTS)
		return cli_usage_error(&cmd_inventory_entry, "--limit goes "
		    "with --list-hosts");
	return -1;
}

/* Parse argv into o; -1 to go on, else the exit code. */
static int
inventory_parse(struct inv_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "limit", required_argument, NULL, 'l' },
		{ "list", no_argument, NULL, 'L' },
		{ "host", required_argument, NULL, 'H' },
		{ "graph", no_argument, NULL, 'G' },
		{ "list-hosts", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, rc = 0;

	optind = 0;
	opterr = 0;
	while (rc == 0 &&
	    (ch = getopt_long(argc, argv, ":c:i:l:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'i':
			o->inv = xreallocarray(o->inv, o->ninv + 1,
			    sizeof *o->inv);
			o->inv[o->ninv++] = optarg;
			break;
		case 'l':
			o->limit = optarg;
			break;
		case 'L':
			rc = inventory_view(o, VIEW_LIST);
			break;
		case 'H':
			o->host = optarg;
			rc = inventory_view(o, VIEW_HOST);
			break;
		case 'G':
			rc = inventory_view(o, VIEW_GRAPH);
			break;
		case 'S':
			rc = inventory_view(o, VIEW_HOSTS);
			break;
		case 'h':
			inventory_usage(stdout);
			return EXIT_OK;
		default:
			return cli_option_error(&cmd_inventory_entry, ch, argv);
		}
	}
	return rc != 0 ? rc : inventory_check(o, argc, argv);
}

/* Load the inventories: -i files, else the config's. Warnings to stderr. */
static int
inventory_load(const struct inv_opts *o, struct config **out)
{
	struct cfg_errors	 errs = { 0 };
	size_t			 i;
	int			 rc;

	if (o->ninv == 0) {
		if ((rc = cli_config_load("inventory", o->config, 0, out)) != 0)
			return rc;
	} else if ((*out = config_load_inventory(o->inv, o->ninv, &errs)) ==
	    NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "rollcall inventory: %zu error%s\n", errs.n,
		    errs.n == 1 ? "" : "s");
		cfg_errors_free(&errs);
		return EXIT_USAGE;
	}
	for (i = 0; i < (*out)->warnings->n; i++)
		fprintf(stderr, "warning: %s\n", (*out)->warnings->msgs[i]);
	return 0;
}

/* --list-hosts: the hosts a pattern selects, as `ansible --list-hosts`. */
static int
inventory_list_hosts(const struct config *c, const char *limit)
{
	unsigned char	*sel = xcalloc(c->nhosts + 1, 1);
	char		 err[1024];
	size_t		 i;
	int		 n;

	if ((n = config_select(c, limit ? limit : "all", sel, err,
	    sizeof err)) == -1) {
		fprintf(stderr, "rollcall inventory: %s\n", err);
		free(sel);
		return EXIT_FAIL;
	}
	printf("  hosts (%d):\n", n);
	for (i = 0; i < c->nhosts; i++)
		if (sel[i])
			printf("    %s\n", c->hosts[i].name);
	free(sel);
	return EXIT_OK;
}

/* rollcall inventory ... */
int
cmd_inventory(int argc, char **argv)
{
	struct inv_opts	 o = { 0 };
	struct config	*c = NULL;
	int		 rc;

	if ((rc = inventory_parse(&o, argc, argv)) == -1 &&
	    (rc = inventory_load(&o, &c)) == 0) {
		if (o.view == VIEW_LIST)
			config_inventory_list(c, stdout);
		else if (o.view == VIEW_HOSTS)
			rc = inventory_list_hosts(c, o.limit);
		else if (o.view == VIEW_HOST &&
		    config_inventory_host(c, o.host, stdout) == -1) {
			fprintf(stderr, "rollcall inventory: no host '%s' in "
			    "the inventory\n", o.host);
			rc = EXIT_FAIL;
		} else if (o.view == VIEW_GRAPH && config_inventory_graph(c,
		    optind < argc ? argv[optind] : NULL, stdout) == -1) {
			fprintf(stderr, "rollcall inventory: no group '%s' in "
			    "the inventory\n", argv[optind]);
			rc = EXIT_FAIL;
		}
	}
	config_free(c);
	free(o.inv);
	return rc == -1 ? EXIT_OK : rc;
}
