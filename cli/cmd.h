/* Subcommands. Each takes argc/argv starting at its own name, parses its own
 * options with getopt_long (always --help), and returns the process exit
 * code: 0 success, 1 failure (e.g. a host failed, nothing found), 2 usage or
 * configuration error. */
#ifndef ROLLCALL_CMD_H
#define ROLLCALL_CMD_H

#include <stdio.h>

enum out_format {
	OUT_TABLE = 0,		/* aligned columns for people */
	OUT_JSON,		/* array of objects */
	OUT_CSV,		/* RFC 4180 */
};

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

struct cmd {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*summary;	/* one line for `rollcall --help` */
};

int	cmd_collect(int, char **);
int	cmd_check_config(int, char **);
int	cmd_hosts(int, char **);
int	cmd_show(int, char **);
int	cmd_query(int, char **);
int	cmd_daemon(int, char **);
int	cmd_status(int, char **);
int	cmd_sweep(int, char **);
int	cmd_packages(int, char **);
int	cmd_history(int, char **);
int	cmd_changes(int, char **);

/* Shared CLI helpers (daemon/cli.c). */

/* Database path: --db if given, else the config's `database`. Prints the
 * config errors and returns NULL on failure. Caller frees. */
char	*cli_db_path(const char *config_path, const char *db_override);
/* Print a usage line plus "try --help" to stderr; returns EXIT_USAGE. */
int	 cli_usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
