/* rollcall: server-inventory collector. One binary; the first operand
 * names the subcommand (OpenBSD ntpd/ntpctl style, but one executable),
 * looked up in the table of cli/cmd.c. Global options may come before it:
 * -v is taken here, -c FILE and --db PATH are handed to the subcommand as
 * if written right after its name, so options after the name still work
 * and win (the last one counts). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define OPT_DB		256
#define OPT_SYNOPSIS	257

/* Global options seen before the subcommand. */
struct globals {
	char	**fwd;		/* -c FILE, --db PATH, ... in order, for the
				 * subcommand (at most argc entries) */
	int	  nfwd;		/* used in fwd */
	int	  action;	/* 'h' help, 'V' version, 'S' synopsis */
};

static int	main_usage_error(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* A usage error before any subcommand, worded as the commands' are. */
static int
main_usage_error(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "rollcall: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: rollcall " CMD_GLOBAL_SYNOPSIS "\n"
	    "try 'rollcall --help'\n");
	return EXIT_USAGE;
}

/* Parse the options before the subcommand; -1 to go on, else exit code. */
static int
main_globals(int argc, char **argv, struct globals *g)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, OPT_DB },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "synopsis", no_argument, NULL, OPT_SYNOPSIS },  /* tests */
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
		case OPT_DB:
			g->fwd[g->nfwd++] = ch == 'c' ? "-c" : "--db";
			g->fwd[g->nfwd++] = optarg;
			break;
		case 'v':
			log_setverbose(1);
			break;
		case 'h':
		case 'V':
			g->action = ch;
			break;
		case OPT_SYNOPSIS:
			g->action = 'S';
			break;
		case ':':
			return main_usage_error("%s needs an argument",
			    argv[optind - 1]);
		default:
			return main_usage_error("unknown option %s",
			    argv[optind - 1]);
		}
	}
	return -1;
}

/* The subcommand's argv: its name, the forwarded global options, then
 * what followed its name. Caller frees the array (not the strings). */
static char **
main_argv(const struct globals *g, int argc, char **argv, int *nargc)
{
	char	**av;
	int	  n = 0, i;

	av = xcalloc((size_t)(argc + g->nfwd + 1), sizeof *av);
	av[n++] = argv[0];
	for (i = 0; i < g->nfwd; i++)
		av[n++] = g->fwd[i];
	for (i = 1; i < argc; i++)
		av[n++] = argv[i];
	*nargc = n;
	return av;
}

/* `rollcall help [COMMAND]`: the same text as `rollcall COMMAND --help`. */
static int
main_help(int argc, char **argv)
{
	const struct cmd_entry	*e;
	char			*av[3];

	if (argc < 2) {
		cmd_list(stdout);
		return EXIT_OK;
	}
	if ((e = cmd_find(argv[1])) == NULL)
		return main_usage_error("unknown command '%s'", argv[1]);
	av[0] = (char *)e->name;
	av[1] = "--help";
	av[2] = NULL;
	return e->run(2, av);
}

/* Run the subcommand argv[0] with the global options forwarded. */
static int
main_dispatch(const struct globals *g, int argc, char **argv)
{
	const struct cmd_entry	*e;
	char			**av;
	int			  ac, rc;

	if (strcmp(argv[0], "help") == 0)
		return main_help(argc, argv);
	if (strcmp(argv[0], "version") == 0) {
		printf("rollcall %s\n", ROLLCALL_VERSION);
		return EXIT_OK;
	}
	if ((e = cmd_find(argv[0])) == NULL)
		return main_usage_error("unknown command '%s'", argv[0]);
	av = main_argv(g, argc, argv, &ac);
	rc = e->run(ac, av);
	free(av);
	return rc;
}

int
main(int argc, char **argv)
{
	struct globals	 g;
	int		 rc;

	log_init(0, "rollcall");
	memset(&g, 0, sizeof g);
	g.fwd = xcalloc((size_t)argc + 1, sizeof *g.fwd);
	if ((rc = main_globals(argc, argv, &g)) == -1) {
		if (g.action == 'h')
			cmd_list(stdout);
		else if (g.action == 'V')
			printf("rollcall %s\n", ROLLCALL_VERSION);
		else if (g.action == 'S')
			cmd_print_synopsis(stdout);
		else if (optind >= argc)
			rc = main_usage_error("no command given");
		else
			rc = main_dispatch(&g, argc - optind, argv + optind);
		if (rc == -1)
			rc = EXIT_OK;
	}
	free(g.fwd);
	return rc;
}
