/* rollcall: server-inventory collector. One binary; the first argument names
 * the subcommand (OpenBSD ntpd/ntpctl style, but one executable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "cli/cmd.h"

static const struct cmd cmds[] = {
	{ "collect", cmd_collect, "run one sweep now, store the results, exit" },
	{ "hosts", cmd_hosts, "list hosts with their last status" },
	{ "show", cmd_show, "show one host's facts" },
	{ "query", cmd_query, "run a read-only SQL query on the database" },
	{ "packages", cmd_packages, "which hosts have a package, at which version" },
	{ "history", cmd_history, "what changed on one host, newest first" },
	{ "changes", cmd_changes, "what changed across the fleet, newest first" },
	{ "daemon", cmd_daemon, "run as a service: sweep on a schedule" },
	{ "status", cmd_status, "ask the running daemon how it is doing" },
	{ "sweep", cmd_sweep, "ask the running daemon to sweep now" },
	{ "check-config", cmd_check_config,
	    "validate the config and inventory, summarise hosts per group" },
};

/* Top-level usage: the subcommands and where to get more help. */
static void
usage(FILE *fp)
{
	size_t	 i;

	fprintf(fp, "usage: rollcall <command> [options]\n\n"
	    "Server inventory over SSH: sweeps the fleet in the inventory,\n"
	    "stores facts and their history in SQLite, answers questions.\n\n"
	    "commands:\n");
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(fp, "  %-14s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(fp, "\nrun 'rollcall <command> --help' for a command's "
	    "options.\n");
}

int
main(int argc, char **argv)
{
	size_t	 i;

	log_init(0, "rollcall");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("rollcall %s\n", ROLLCALL_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "rollcall: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
