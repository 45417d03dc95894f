/* The table of subcommands and what is derived from it: lookup, usage
 * lines, the top-level help and the man page's SYNOPSIS (tmux cmd.c). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "config/config.h"

/* Every subcommand, in the order `rollcall --help` lists them. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_collect_entry,
	&cmd_hosts_entry,
	&cmd_show_entry,
	&cmd_query_entry,
	&cmd_packages_entry,
	&cmd_history_entry,
	&cmd_changes_entry,
	&cmd_daemon_entry,
	&cmd_status_entry,
	&cmd_sweep_entry,
	&cmd_db_entry,
	&cmd_check_config_entry,
	&cmd_inventory_entry,
	NULL
};

/* The entry called name, by name or alias. */
const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry *const	*e;

	for (e = cmd_table; *e != NULL; e++)
		if (strcmp((*e)->name, name) == 0 || ((*e)->alias != NULL &&
		    strcmp((*e)->alias, name) == 0))
			return *e;
	return NULL;
}

/* Top-level help: global options, then one line per command. */
void
cmd_list(FILE *fp)
{
	const struct cmd_entry *const	*e;

	fprintf(fp, "usage: rollcall " CMD_GLOBAL_SYNOPSIS "\n\n"
	    "Server inventory over SSH: sweeps the fleet in the inventory,\n"
	    "stores facts and their history in SQLite, answers questions.\n\n"
	    "global options (also accepted after the command):\n"
	    "  -c, --config FILE  config file (default %s)\n"
	    "      --db PATH      database; overrides the config's\n"
	    "  -v, --verbose      debug logging\n\n"
	    "commands:\n", CONFIG_DEFAULT_PATH);
	for (e = cmd_table; *e != NULL; e++)
		fprintf(fp, "  %-14s %s\n", (*e)->name, (*e)->summary);
	fprintf(fp, "\nrun 'rollcall help COMMAND' or 'rollcall COMMAND "
	    "--help' for a command's options.\n");
}

/* One synopsis word in mdoc: flags as Fl, the rest as Ar (lower
 * case, quoted when it holds blanks), | and ... as they are. */
static void
cmd_mdoc_word(FILE *fp, const char *w, size_t n)
{
	size_t	 i;
	int	 quote = memchr(w, ' ', n) != NULL;

	if ((n == 1 && w[0] == '|') || (n == 3 && strncmp(w, "...", 3) == 0)) {
		fprintf(fp, "%.*s", (int)n, w);
		return;
	}
	if (w[0] == '-') {
		fprintf(fp, "Fl %.*s", (int)n - 1, w + 1);
		return;
	}
	fputs(quote ? "Ar \"" : "Ar ", fp);
	for (i = 0; i < n; i++)
		fputc(tolower((unsigned char)w[i]), fp);
	if (quote)
		fputc('"', fp);
}

/* The words of s[0..n): blank-separated, 'quoted words' kept whole. */
static void
cmd_mdoc_words(FILE *fp, const char *s, size_t n)
{
	const char	*end = s + n, *w, *q;

	while (s < end) {
		while (s < end && *s == ' ')
			s++;
		if (s == end)
			break;
		w = s;
		if (*s == '\'' && (q = memchr(s + 1, '\'', end - s - 1)) !=
		    NULL)
			s = q + 1;
		else
			while (s < end && *s != ' ')
				s++;
		fputc(' ', fp);
		cmd_mdoc_word(fp, w, (size_t)(s - w));
	}
}

/* One synopsis as mdoc lines: [..] groups as .Op, operands as .Ar. */
static void
cmd_mdoc_synopsis(FILE *fp, const char *s)
{
	const char	*close;
	size_t		 n;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		if (*s == '[' && (close = strchr(s, ']')) != NULL) {
			fputs(".Op", fp);
			cmd_mdoc_words(fp, s + 1, (size_t)(close - s - 1));
			s = close + 1;
			if (strncmp(s, "...", 3) == 0) {
				fputs(" ...", fp);
				s += 3;
			}
			fputc('\n', fp);
		} else if (*s != '\0') {
			n = strcspn(s, " ");
			fputc('.', fp);
			cmd_mdoc_word(fp, s, n);
			fputc('\n', fp);
			s += n;
		}
	}
}

/* The man page's SYNOPSIS: the general form, help, then every command. */
void
cmd_print_synopsis(FILE *fp)
{
	const struct cmd_entry *const	*e;

	fputs(".Nm\n", fp);
	cmd_mdoc_synopsis(fp, CMD_GLOBAL_SYNOPSIS);
	fputs(".Nm\n.Cm help\n", fp);
	cmd_mdoc_synopsis(fp, "[COMMAND]");
	for (e = cmd_table; *e != NULL; e++) {
		fprintf(fp, ".Nm\n.Cm %s\n", (*e)->name);
		cmd_mdoc_synopsis(fp, (*e)->synopsis);
	}
}
