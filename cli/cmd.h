/* Subcommands (tmux's struct cmd_entry): each cli/cmd_<name>.c exports one
 * entry with its name, synopsis, summary and run function, and cli/cmd.c
 * lists them in one table. The top-level --help, `rollcall help CMD`,
 * every usage error and the SYNOPSIS of docs/rollcall.1 (checked by
 * tests/man_synopsis.sh) all come from that table.
 *
 * A run function takes argc/argv starting at its own name, parses its own
 * options with getopt_long (always --help; the options given before the
 * name are already in argv, see cli/main.c), and returns the process exit
 * code: 0 success, 1 failure (e.g. a host failed, nothing found), 2 usage,
 * configuration error or a database that cannot be read, 3 (collect) some
 * results could not be stored. */
#ifndef ROLLCALL_CMD_H
#define ROLLCALL_CMD_H

#include <stdio.h>

struct config;

enum out_format {
	OUT_TABLE = 0,		/* aligned columns for people */
	OUT_JSON,		/* array of objects */
	OUT_CSV,		/* RFC 4180 */
};

/* What comes after "rollcall" before any command is known. */
#define CMD_GLOBAL_SYNOPSIS	"[-v] [-c FILE] [--db PATH] COMMAND [ARGS]"

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define EXIT_NOTSTORED	3	/* collect: results swept but not stored */

/* One subcommand. */
struct cmd_entry {
	const char	*name;		/* what the user types */
	const char	*alias;		/* another name for it, or NULL */
	const char	*synopsis;	/* options and operands after the name,
					 * as in "usage: rollcall NAME ..." */
	const char	*summary;	/* one line for `rollcall --help` */
	int		(*run)(int, char **);	/* argv[0] is the name */
};

extern const struct cmd_entry	cmd_changes_entry;
extern const struct cmd_entry	cmd_check_config_entry;
extern const struct cmd_entry	cmd_collect_entry;
extern const struct cmd_entry	cmd_daemon_entry;
extern const struct cmd_entry	cmd_db_entry;
extern const struct cmd_entry	cmd_history_entry;
extern const struct cmd_entry	cmd_hosts_entry;
extern const struct cmd_entry	cmd_inventory_entry;
extern const struct cmd_entry	cmd_packages_entry;
extern const struct cmd_entry	cmd_query_entry;
extern const struct cmd_entry	cmd_show_entry;
extern const struct cmd_entry	cmd_status_entry;
extern const struct cmd_entry	cmd_sweep_entry;

/* Every subcommand, in the order `rollcall --help` lists them; NULL ends
 * it (cli/cmd.c). */
extern const struct cmd_entry *const cmd_table[];

/* The run functions (also called directly by tests/unit/test_config.c). */
int	cmd_changes(int, char **);
int	cmd_check_config(int, char **);
int	cmd_collect(int, char **);
int	cmd_daemon(int, char **);
int	cmd_db(int, char **);
int	cmd_history(int, char **);
int	cmd_hosts(int, char **);
int	cmd_inventory(int, char **);
int	cmd_packages(int, char **);
int	cmd_query(int, char **);
int	cmd_show(int, char **);
int	cmd_status(int, char **);
int	cmd_sweep(int, char **);

/* The table (cli/cmd.c). */

/* The entry named (or aliased) name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);
/* "usage: rollcall NAME SYNOPSIS\n": the first line of --help and of
 * every usage error. */
void	 cmd_usage_line(FILE *, const struct cmd_entry *);
/* `rollcall --help`: the global options and every command's summary. */
void	 cmd_list(FILE *);
/* `rollcall --synopsis`: the SYNOPSIS section of docs/rollcall.1 in
 * mdoc, generated from the table (tests/man_synopsis.sh compares). */
void	 cmd_print_synopsis(FILE *);

/* Shared CLI helpers (cli/cli.c). */

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
/* A usage error of subcommand cmd: "rollcall CMD: MESSAGE", its usage line
 * and "try 'rollcall CMD --help'" on stderr; returns EXIT_USAGE. */
int	 cli_usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The usage error for what getopt_long just returned (ch '?' or ':'):
 * "unknown option X" or "X needs an argument". */
int	 cli_option_error(const char *cmd, int ch, char **argv);
/* Operands left after the options when the command takes none. */
int	 cli_no_operands(const char *cmd, int argc, char **argv);

#endif
