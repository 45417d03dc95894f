/* What the read-only subcommands (hosts, show, query, and later history,
 * changes, packages) share: the common options (-c, --db, --json, --csv,
 * --help) plus a table of their own, opening the database read-only, and
 * running a parameterised query straight to the chosen output format. */
#ifndef ROLLCALL_CLIRENDER_H
#define ROLLCALL_CLIRENDER_H

#include <stddef.h>
#include <stdint.h>

#include "cli/cmdentry.h"
#include "storage/storage.h"

/* Every argument of a repeatable option, in command-line order. */
struct cli_multi {
	const char	**v;		/* into argv; the array is the caller's
					 * to free (cli_multi_free) */
	size_t		  n;
};

/* One subcommand-specific option. */
struct cli_extra {
	const char	*name;		/* long option, without "--" */
	const char	*arg;		/* argument name in the usage; NULL: a
					 * flag, *value set to "1" when given */
	const char	*help;		/* one line for --help */
	const char	**value;	/* where the argument goes (last wins) */
	struct cli_multi *multi;	/* or, if set: repeatable, all kept */
};

/* How a read-only subcommand describes itself. */
struct cli_spec {
	const struct cmd_entry	*entry;		/* the subcommand */
	const char		*args;		/* positional args, usage */
	const char		*summary;	/* what it does, for --help */
	const struct cli_extra	*extra;		/* its own options */
	size_t			 nextra;
	int			 nargs;		/* positional args required;
						 * -N: 0 to N, checked by the
						 * command */
	const char		*empty;		/* on stderr when nothing is
						 * found, e.g. "No hosts
						 * found"; NULL: "No rows
						 * found" */
	int			 limit;		/* takes --limit PATTERN */
};

/* The parsed common options and the open database. */
struct cli_read {
	const struct cli_spec	*spec;		/* the subcommand */
	const char		*config;	/* -c FILE, NULL = default */
	const char		*db_path;	/* --db PATH */
	enum out_format		 format;	/* --json, --csv, -o, else table */
	int			 no_headers;	/* --no-headers */
	int			 wide;		/* --wide, -o wide: never cut */
	const char		*sort;		/* --sort COLUMN, or NULL */
	char			**args;		/* positional arguments */
	const char		*limit;		/* --limit PATTERN, or NULL */
	int			 cluster;	/* --cluster: read PostgreSQL */
	struct db		*db;		/* from cli_read_open */
	struct pgread		*pg;		/* or this, with --cluster */
};

/* Parse argv. Returns -1 when the command should go on, else the exit code
 * (0 after --help, EXIT_USAGE on a usage error, message printed). */
int	 cli_read_parse(struct cli_read *, const struct cli_spec *, int,
	    char **);
/* Open the database read-only; 0, or EXIT_USAGE with a message (missing,
 * no permission, corrupt). */
int	 cli_read_open(struct cli_read *);
/* Run a query with text parameters; NULL with a message on stderr. */
struct table *cli_read_query(struct cli_read *, const char *sql,
	    const char *const *params, size_t nparams);
/* Print a result set as the options say (--sort, -o, --wide,
 * --no-headers); an empty table is spec->empty on stderr. Exit code. */
int	 cli_read_output_table(struct cli_read *, struct table *);
/* --group G (NULL: none) names a group some inventory host is in: 0, or
 * EXIT_FAIL with "rollcall CMD: no group 'G'" on stderr. */
int	 cli_read_check_group(struct cli_read *, const char *group);
/* The exit code after cli_read_query failed: EXIT_USAGE when the database
 * could not be read (corrupt, I/O error), EXIT_FAIL for the query's own. */
int	 cli_read_failed(const struct cli_read *);
/* Run a query and print it in the chosen format; returns the exit code. */
int	 cli_read_print(struct cli_read *, const char *sql,
	    const char *const *params, size_t nparams);
/* The same, but exit EXIT_FAIL when the query found no row (the table or
 * CSV header, or [], is still printed). */
int	 cli_read_print_found(struct cli_read *, const char *sql,
	    const char *const *params, size_t nparams);
/* --since DURATION as epoch seconds (now minus it), 0 when since is
 * NULL; -1 with a usage message when it does not parse. */
int64_t	 cli_since(const struct cmd_entry *, const char *since);
/* Free the array of a repeatable option. */
void	 cli_multi_free(struct cli_multi *);
/* Print one row (columns as keys) as the members of a JSON object, without
 * braces, indented; NULL cells as null. */
void	 cli_json_members(FILE *, const struct table *, size_t row);
/* Close the database. */
void	 cli_read_close(struct cli_read *);
/* history and changes (cli/cmd_history.c): parse, check the host, print
 * the changes of one host (fleet 0, HOST operand) or all (fleet 1);
 * --since, --key, --group land in the pointers; since_def when no
 * --since; with *baseline set (--baseline, history only; else NULL) the
 * host's baseline instead. Returns the exit code. */
int	 history_run(int argc, char **argv, const struct cli_spec *spec,
	    int fleet, const char **since, const char **key,
	    const char **group, const char *since_def, const char **baseline);

#endif
