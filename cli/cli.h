/* Helpers every subcommand shares (cli/cli.c): loading the config with
 * its errors printed one way, finding the database, and the one wording
 * of --help's first line and of a usage error. Each takes the running
 * command's entry (or its name for messages), never the table. */
#ifndef ROLLCALL_CLI_H
#define ROLLCALL_CLI_H

#include <stdio.h>

#include "cli/cmdentry.h"

struct config;

/* "usage: rollcall NAME SYNOPSIS\n": the first line of --help and of
 * every usage error. */
void	 cli_usage_line(FILE *, const struct cmd_entry *);
/* Load the config at path (NULL = the default) for subcommand cmd. On
 * error print every message (FILE:LINE:COLUMN: ...) and a count to stderr
 * (through the log when to_log, as the daemon does) and return EXIT_USAGE
 * with *out NULL; else 0 with *out the config (caller frees). */
int	 cli_config_load(const char *cmd, const char *path, int to_log,
	    struct config **out);
/* Only `database` and `control_socket` from the config at path (NULL = the
 * default), other keys not checked (config_load_paths). Errors printed as
 * cli_config_load prints them; 0, or EXIT_USAGE. Caller frees both. */
int	 cli_config_paths(const char *cmd, const char *path, char **database,
	    char **control_socket);
/* Database path: --db if given, else the config's `database`. Prints the
 * config errors and returns NULL on failure. Caller frees. */
char	*cli_db_path(const char *cmd, const char *config_path,
	    const char *db_override);
/* A usage error of the command e: "rollcall NAME: MESSAGE", its usage line
 * (when e has a synopsis) and "try 'rollcall NAME --help'" on stderr;
 * returns EXIT_USAGE. */
int	 cli_usage_error(const struct cmd_entry *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The usage error for what getopt_long just returned (ch '?' or ':'):
 * "unknown option X" or "X needs an argument". */
int	 cli_option_error(const struct cmd_entry *, int ch, char **argv);
/* Operands left after the options when the command takes none. */
int	 cli_no_operands(const struct cmd_entry *, int argc, char **argv);

#endif
