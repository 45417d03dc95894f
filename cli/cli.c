/* Helpers shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "cli/cmd.h"

/* The database to use: --db wins, else the config file's `database`. */
char *
cli_db_path(const char *config_path, const char *db_override)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*conf;
	char			*path;
	size_t			 i;

	if (db_override != NULL)
		return xstrdup(db_override);
	if (config_path == NULL)
		config_path = CONFIG_DEFAULT_PATH;
	if ((conf = config_load(config_path, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "rollcall: cannot find the database: fix the "
		    "config or pass --db PATH\n");
		cfg_errors_free(&errs);
		return NULL;
	}
	path = xstrdup(conf->database);
	config_free(conf);
	return path;
}

/* Report a usage error for a subcommand. */
int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "rollcall %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nrun 'rollcall %s --help' for usage\n", cmd);
	return EXIT_USAGE;
}
