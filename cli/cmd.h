/* Subcommands (tmux's struct cmd_entry): each cli/cmd_<name>.c exports one
 * entry with its name, synopsis, summary and run function, and cli/cmd.c
 * lists them in one table. The top-level --help, `rollcall help CMD`,
 * every usage error and the SYNOPSIS of docs/rollcall.1 (checked by
 * tests/man_synopsis.sh) all come from that table.
 *
 * A run function takes argc/argv starting at its own name, parses its own
 * options with getopt_long (always --help; the options given before the
 * name are already in argv, see cli/main.c), and returns the process exit
 * code (cli/cmdentry.h). */
#ifndef ROLLCALL_CMD_H
#define ROLLCALL_CMD_H

#include <stdio.h>

#include "cli/cmdentry.h"

/* What comes after "rollcall" before any command is known. */
#define CMD_GLOBAL_SYNOPSIS	"[-v] [-c FILE] [--db PATH] COMMAND [ARGS]"

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
/* `rollcall --help`: the global options and every command's summary. */
void	 cmd_list(FILE *);
/* `rollcall --synopsis`: the SYNOPSIS section of docs/rollcall.1 in
 * mdoc, generated from the table (tests/man_synopsis.sh compares). */
void	 cmd_print_synopsis(FILE *);

#endif
