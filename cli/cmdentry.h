/* What every subcommand and the helpers it calls share, with no code of
 * its own: the entry a command describes itself with (tmux's struct
 * cmd_entry), the exit codes and the output formats. The table of all
 * entries is cli/cmd.h; a helper is handed the running command's entry,
 * so nothing below the table has to look it up there.
 *
 * Exit codes: 0 success, 1 failure (e.g. a host failed, nothing found),
 * 2 usage, configuration error or a database that cannot be read, 3
 * (collect) some results could not be stored. */
#ifndef ROLLCALL_CMDENTRY_H
#define ROLLCALL_CMDENTRY_H

enum out_format {
	OUT_TABLE = 0,		/* aligned columns for people */
	OUT_JSON,		/* array of objects */
	OUT_CSV,		/* RFC 4180 */
};

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

#endif
