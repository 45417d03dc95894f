/* Helpers shared by the subcommands: loading the config with its errors
 * printed one way, finding the database, and the one wording of a usage
 * error. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"

/* Load the config; on error every message with its file:line:column. */
int
cli_config_load(const char *cmd, const char *path, int to_log,
    struct config **out)
{
	struct cfg_errors	 errs = { 0 };
	size_t			 i;

	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	if ((*out = config_load(path, &errs)) != NULL)
		return 0;
	for (i = 0; i < errs.n; i++) {
		if (to_log)
			log_warnx("%s", errs.msgs[i]);
		else
			fprintf(stderr, "%s\n", errs.msgs[i]);
	}
	if (to_log)
		log_warnx("%zu error%s in %s", errs.n, errs.n == 1 ? "" : "s",
		    path);
	else
		fprintf(stderr, "rollcall %s: %zu error%s in %s\n", cmd, errs.n,
		    errs.n == 1 ? "" : "s", path);
	cfg_errors_free(&errs);
	return EXIT_USAGE;
}

/* Only the database and control socket paths of the config: a mistake
 * elsewhere in the file (not yet reloaded by the daemon, say) does not
 * stop the read commands and the control client. */
int
cli_config_paths(const char *cmd, const char *path, char **database,
    char **control_socket)
{
	struct cfg_errors	 errs = { 0 };
	size_t			 i;

	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	if (config_load_paths(path, database, control_socket, &errs) == 0)
		return 0;
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	fprintf(stderr, "rollcall %s: %zu error%s in %s\n", cmd, errs.n,
	    errs.n == 1 ? "" : "s", path);
	cfg_errors_free(&errs);
	return EXIT_USAGE;
}

/* The database to use: --db wins, else the config file's `database`. */
char *
cli_db_path(const char *cmd, const char *config_path, const char *db_override)
{
	char	*path, *sock;

	if (db_override != NULL)
		return xstrdup(db_override);
	if (cli_config_paths(cmd, config_path, &path, &sock) != 0) {
		fprintf(stderr, "rollcall %s: cannot find the database: fix the "
		    "config or pass --db PATH\n", cmd);
		return NULL;
	}
	free(sock);
	return path;
}

/* The usage line every --help and usage error starts with. */
void
cli_usage_line(FILE *fp, const struct cmd_entry *e)
{
	fprintf(fp, "usage: rollcall %s%s%s\n", e->name,
	    e->synopsis[0] != '\0' ? " " : "", e->synopsis);
}

/* Report a usage error for a subcommand, in the one wording. */
int
cli_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "rollcall %s: ", e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (e->synopsis != NULL)
		cli_usage_line(stderr, e);
	fprintf(stderr, "try 'rollcall %s --help'\n", e->name);
	return EXIT_USAGE;
}

/* A bad option from getopt_long (opterr is 0: we say it ourselves). */
int
cli_option_error(const struct cmd_entry *e, int ch, char **argv)
{
	const char	*arg = argv[optind - 1];
	char		 opt[3] = { '-', (char)optopt, '\0' };

	/* A short option may sit in a cluster (-xv): name the letter. */
	if (strncmp(arg, "--", 2) != 0 && optopt > 0 && optopt < 128)
		arg = opt;
	if (ch == ':')
		return cli_usage_error(e, "%s needs an argument", arg);
	return cli_usage_error(e, "unknown option %s", arg);
}

/* A command without operands got some. */
int
cli_no_operands(const struct cmd_entry *e, int argc, char **argv)
{
	if (optind == argc)
		return -1;
	return cli_usage_error(e, "unexpected argument '%s'", argv[optind]);
}
