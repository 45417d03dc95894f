/* Shared plumbing of the read-only subcommands: one option parser built
 * from a table, one usage printer, one way to open the database and print
 * a query, so hosts/show/query differ only in their SQL. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/clirender.h"
#include "cli/output.h"
#include "cluster/pgread.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "config/cluster.h"
#include "config/config.h"

#define OPT_DB		256
#define OPT_JSON	257
#define OPT_LIMIT	250
#define OPT_CSV		258
#define OPT_WIDE	259
#define OPT_NOHEAD	260
#define OPT_SORT	261
#define OPT_CLUSTER	262
#define OPT_EXTRA	300

/* --help text: every option, common and the command's own. */
static void
cli_read_usage(const struct cli_spec *spec)
{
	size_t	 i;
	char	 opt[64];

	cli_usage_line(stdout, spec->entry);
	printf("\n%s\n\noptions:\n", spec->summary);
	printf("  -c, --config FILE     config file naming the database "
	    "(default %s)\n", CONFIG_DEFAULT_PATH);
	printf("      --db PATH         database to read; overrides the "
	    "config\n");
	printf("      --json            JSON output\n");
	printf("      --csv             CSV output (RFC 4180, header line)\n");
	if (spec->limit)
		printf("  -l, --limit PATTERN   only hosts an Ansible host pattern "
		    "selects\n                        (web:db, web:&prod, "
		    "web:!web03, db*, ~re,\n                        web[0:2], "
		    "@file), read from the inventory\n");
	printf("  -o, --output FORMAT   table, wide (table never cut), json "
	    "or csv\n");
	printf("      --wide            on a terminal, do not cut long "
	    "columns to its width\n");
	printf("      --no-headers      no header line (table, csv)\n");
	printf("      --sort COLUMN     sort the rows by that column "
	    "(numbers numerically)\n");
	for (i = 0; i < spec->nextra; i++) {
		snprintf(opt, sizeof opt, "--%s%s%s", spec->extra[i].name,
		    spec->extra[i].arg != NULL ? " " : "",
		    spec->extra[i].arg != NULL ? spec->extra[i].arg : "");
		/* A long option name gets its help on the next line. */
		printf("      %-18s%s%s\n", opt, strlen(opt) < 18 ? "" :
		    "\n                        ", spec->extra[i].help);
	}
	printf("      --cluster         read the central PostgreSQL of the "
	    "config's cluster:\n                        block (the same views, "
	    "all nodes' hosts)\n");
	printf("  -h, --help            this help\n");
}

/* The getopt_long table for a spec; caller frees. */
static struct option *
cli_read_options(const struct cli_spec *spec)
{
	static const struct option common[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, OPT_DB },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "output", required_argument, NULL, 'o' },
		{ "wide", no_argument, NULL, OPT_WIDE },
		{ "no-headers", no_argument, NULL, OPT_NOHEAD },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "cluster", no_argument, NULL, OPT_CLUSTER },
		{ "help", no_argument, NULL, 'h' },
	};
	struct option	*o;
	size_t		 i, n = sizeof common / sizeof common[0];

	o = xcalloc(n + spec->nextra + 2, sizeof *o);
	memcpy(o, common, sizeof common);
	if (spec->limit) {
		o[n].name = "limit";
		o[n].has_arg = required_argument;
		o[n++].val = OPT_LIMIT;
	}
	for (i = 0; i < spec->nextra; i++) {
		o[n + i].name = spec->extra[i].name;
		o[n + i].has_arg = spec->extra[i].arg != NULL ?
		    required_argument : no_argument;
		o[n + i].val = OPT_EXTRA + (int)i;
	}
	return o;
}

/* Set the output format once; two different ones is a usage error. */
static int
cli_read_format(struct cli_read *c, enum out_format f)
{
	if (c->format != OUT_TABLE && c->format != f)
		return cli_usage_error(c->spec->entry,
		    "--json, --csv and -o name one output format");
	c->format = f;
	return -1;
}

/* -o table|wide|json|csv (kubectl's spelling). */
static int
cli_read_output(struct cli_read *c, const char *v)
{
	if (strcmp(v, "json") == 0)
		return cli_read_format(c, OUT_JSON);
	if (strcmp(v, "csv") == 0)
		return cli_read_format(c, OUT_CSV);
	if (strcmp(v, "wide") == 0)
		c->wide = 1;
	else if (strcmp(v, "table") != 0)
		return cli_usage_error(c->spec->entry, "-o: unknown format "
		    "'%s' (table, wide, json, csv)", v);
	return cli_read_format(c, OUT_TABLE);
}

/* Store an extra option's argument: the one value, or one more. */
static void
cli_extra_set(const struct cli_extra *e, const char *arg)
{
	struct cli_multi	*m = e->multi;

	if (m == NULL) {
		*e->value = e->arg != NULL ? arg : "1";	/* a flag: set */
		return;
	}
	m->v = xreallocarray(m->v, m->n + 1, sizeof *m->v);
	m->v[m->n++] = arg;
}

/* Free the array of a repeatable option. */
void
cli_multi_free(struct cli_multi *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* Handle one option; -1 to go on, else the exit code. */
static int
cli_read_option(struct cli_read *c, int ch, char **argv)
{
	const struct cli_spec	*spec = c->spec;

	switch (ch) {
	case 'c':
		c->config = optarg;
		return -1;
	case OPT_DB:
		c->db_path = optarg;
		return -1;
	case OPT_LIMIT:
	case 'l':
		if (!spec->limit)
			break;
		c->limit = optarg;
		return -1;
	case OPT_JSON:
		return cli_read_format(c, OUT_JSON);
	case OPT_CSV:
		return cli_read_format(c, OUT_CSV);
	case 'o':
		return cli_read_output(c, optarg);
	case OPT_WIDE:
		c->wide = 1;
		return -1;
	case OPT_NOHEAD:
		c->no_headers = 1;
		return -1;
	case OPT_SORT:
		c->sort = optarg;
		return -1;
	case OPT_CLUSTER:
		c->cluster = 1;
		return -1;
	case 'h':
		cli_read_usage(spec);
		return EXIT_OK;
	}
	if (ch >= OPT_EXTRA && (size_t)(ch - OPT_EXTRA) < spec->nextra) {
		cli_extra_set(&spec->extra[ch - OPT_EXTRA], optarg);
		return -1;
	}
	return cli_option_error(spec->entry, ch, argv);
}

/* Parse the command line of a read-only subcommand. */
int
cli_read_parse(struct cli_read *c, const struct cli_spec *spec, int argc,
    char **argv)
{
	struct option	*opts;
	int		 ch, rc = -1;

	memset(c, 0, sizeof *c);
	c->spec = spec;
	opts = cli_read_options(spec);
	optind = 0;		/* glibc: reinitialise, argv may differ */
	opterr = 0;
	while (rc == -1 &&
	    (ch = getopt_long(argc, argv, spec->limit ? ":c:o:hl:" : ":c:o:h",
	    opts, NULL)) != -1)
		rc = cli_read_option(c, ch, argv);
	free(opts);
	if (rc != -1)
		return rc;
	if (spec->nargs < 0 && argc - optind <= -spec->nargs)
		;			/* up to -nargs: the command checks */
	else if (argc - optind != spec->nargs)
		return cli_usage_error(spec->entry,
		    argc - optind < spec->nargs ?
		    "missing %s" : "too many arguments (expected %s)",
		    spec->args[0] ? spec->args : "none");
	c->args = argv + optind;
	return -1;
}

/* --limit: resolve the pattern against the inventory (Ansible's grammar,
 * config_select) and let only those hosts through host_selected(). */
static int
cli_read_limit(struct cli_read *c)
{
	struct config	*conf;
	unsigned char	*sel;
	char		**names, err[1024];
	size_t		 i, n = 0;
	int		 rc;

	if ((rc = cli_config_load(c->spec->entry->name, c->config, 0,
	    &conf)) != 0)
		return rc;
	sel = xcalloc(conf->nhosts + 1, 1);
	names = xcalloc(conf->nhosts + 1, sizeof *names);
	if (config_select(conf, c->limit, sel, err, sizeof err) == -1) {
		fprintf(stderr, "rollcall %s: --limit: %s\n",
		    c->spec->entry->name, err);
		rc = EXIT_FAIL;
	} else {
		for (i = 0; i < conf->nhosts; i++)
			if (sel[i])
				names[n++] = conf->hosts[i].name;
		if (c->pg == NULL)
			db_limit_hosts(c->db, names, n);
		else if (pgread_limit(c->pg, names, n, err, sizeof err) == -1) {
			fprintf(stderr, "rollcall %s: %s\n", c->spec->entry->name, err);
			rc = EXIT_FAIL;
		}
	}
	free(names);
	free(sel);
	config_free(conf);
	return rc;
}

/* Does the config say cluster.read: postgres? A config that does not
 * load answers no; opening the local database then says why. */
static int
cli_config_reads_pg(const char *path)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*conf;
	int			 yes;

	conf = config_load(path != NULL ? path : CONFIG_DEFAULT_PATH, &errs);
	cfg_errors_free(&errs);
	if (conf == NULL)
		return 0;
	yes = conf->cluster != NULL && conf->cluster->read_pg;
	config_free(conf);
	return yes;
}

/* --cluster (or cluster.read: postgres): connect to the central
 * database the config's cluster: block names. */
static int
cli_read_open_pg(struct cli_read *c, struct config *conf)
{
	char	 err[512];

	if (conf->cluster == NULL) {
		fprintf(stderr, "rollcall %s: --cluster: the config has no "
		    "cluster: block naming PostgreSQL\n", c->spec->entry->name);
		return EXIT_USAGE;
	}
	if ((c->pg = pgread_open(conf->cluster, err, sizeof err)) == NULL) {
		fprintf(stderr, "rollcall %s: %s\n", c->spec->entry->name, err);
		return EXIT_USAGE;
	}
	return c->limit != NULL ? cli_read_limit(c) : 0;
}

/* Find and open the database read-only: the local SQLite file, or the
 * central PostgreSQL with --cluster or the config's cluster.read. */
int
cli_read_open(struct cli_read *c)
{
	struct config	*conf;
	char		 err[512];
	char		*path;
	int		 rc;

	if (c->db_path == NULL && (c->cluster || cli_config_reads_pg(
	    c->config))) {
		if ((rc = cli_config_load(c->spec->entry->name, c->config, 0, &conf))
		    != 0)
			return rc;
		rc = cli_read_open_pg(c, conf);
		config_free(conf);
		return rc;
	}
	if (c->cluster)
		return cli_usage_error(c->spec->entry, "--cluster and --db "
		    "exclude each other");
	if ((path = cli_db_path(c->spec->entry->name, c->config, c->db_path)) == NULL)
		return EXIT_USAGE;
	c->db = db_open_ro(path, err, sizeof err);
	free(path);
	if (c->db == NULL) {		/* missing, no permission, corrupt */
		fprintf(stderr, "rollcall %s: %s\n", c->spec->entry->name, err);
		return EXIT_USAGE;
	}
	return c->limit != NULL ? cli_read_limit(c) : 0;
}

/* Is any inventory host in group ?1? */
static const char cli_group_known_sql[] =
    "SELECT 1 FROM hosts WHERE in_inventory = 1"
    " AND instr(',' || groups || ',', ',' || ?1 || ',') > 0 LIMIT 1";

/* --group G names a group some inventory host is in: 0, or EXIT_FAIL
 * with "no group" on stderr (the same words in every command), or the
 * code of a failed read. */
int
cli_read_check_group(struct cli_read *c, const char *group)
{
	struct table	*t;
	int		 rc;

	if (group == NULL)
		return 0;
	if ((t = cli_read_query(c, cli_group_known_sql, &group, 1)) == NULL)
		return cli_read_failed(c);
	rc = t->nrows > 0 ? 0 : EXIT_FAIL;
	if (rc != 0)
		fprintf(stderr, "rollcall %s: no group '%s' (no inventory host "
		    "is in it)\n", c->spec->entry->name, group);
	table_free(t);
	return rc;
}

/* Run a query, reporting an error on stderr. */
struct table *
cli_read_query(struct cli_read *c, const char *sql,
    const char *const *params, size_t nparams)
{
	struct table	*t;
	char		 err[512];

	if (c->pg != NULL)
		t = pgread_query(c->pg, sql, params, nparams, err, sizeof err);
	else
		t = db_query_params(c->db, sql, params, nparams, err,
		    sizeof err);
	if (t == NULL)
		fprintf(stderr, "rollcall %s: %s\n", c->spec->entry->name, err);
	return t;
}

/* Print a result set as the options say (sorted if --sort); nothing
 * found in a table is a line on stderr, as kubectl says it, while JSON
 * and CSV still print [] or the header. EXIT_OK, or EXIT_USAGE for a
 * --sort column the result does not have. */
int
cli_read_output_table(struct cli_read *c, struct table *t)
{
	struct out_opts	 o = { c->format, c->no_headers, c->wide };
	struct buf	 cols = { 0 };
	size_t		 i;
	int		 rc;

	if (c->sort != NULL && output_sort(t, c->sort) == -1) {
		for (i = 0; i < t->ncols; i++)
			buf_printf(&cols, "%s%s", i ? ", " : "", t->cols[i]);
		rc = cli_usage_error(c->spec->entry, "--sort: no column '%s' "
		    "(columns: %s)", c->sort, buf_str(&cols));
		buf_free(&cols);
		return rc;
	}
	if (t->nrows == 0 && c->format == OUT_TABLE)
		fprintf(stderr, "%s\n", c->spec->empty != NULL ?
		    c->spec->empty : "No rows found");
	else
		output_table_opts(stdout, t, &o);
	return EXIT_OK;
}

/* The exit code after a failed query: 2 when the database could not be
 * read (corrupt, I/O), so scripts do not take it for "nothing found". */
int
cli_read_failed(const struct cli_read *c)
{
	if (c->pg != NULL)
		return EXIT_FAIL;
	return db_fault(c->db) != DBF_NONE ? EXIT_USAGE : EXIT_FAIL;
}

/* Run a query and print it; EXIT_FAIL on error, or on no row if asked. */
static int
cli_read_print_rows(struct cli_read *c, const char *sql,
    const char *const *params, size_t nparams, int need_rows)
{
	struct table	*t;
	int		 rc;

	if ((t = cli_read_query(c, sql, params, nparams)) == NULL)
		return cli_read_failed(c);
	rc = cli_read_output_table(c, t);
	if (rc == EXIT_OK && need_rows && t->nrows == 0)
		rc = EXIT_FAIL;
	table_free(t);
	return rc;
}

/* Run a query and print it. */
int
cli_read_print(struct cli_read *c, const char *sql,
    const char *const *params, size_t nparams)
{
	return cli_read_print_rows(c, sql, params, nparams, 0);
}

/* Run a query and print it; nothing found is EXIT_FAIL. */
int
cli_read_print_found(struct cli_read *c, const char *sql,
    const char *const *params, size_t nparams)
{
	return cli_read_print_rows(c, sql, params, nparams, 1);
}

/* --since DURATION to a lower bound in epoch seconds. */
int64_t
cli_since(const struct cmd_entry *e, const char *since)
{
	int64_t	 ms;

	if (since == NULL)
		return 0;
	if (config_parse_duration(since, &ms) == -1 || ms < 0) {
		cli_usage_error(e, "--since: '%s' is not a duration (e.g. "
		    "30m, 24h, 7d)", since);
		return -1;
	}
	ms = wall_us() / 1000000 - ms / 1000;
	return ms < 0 ? 0 : ms;
}

/* One row as JSON object members, one per line. */
void
cli_json_members(FILE *fp, const struct table *t, size_t row)
{
	size_t	 c;

	for (c = 0; c < t->ncols; c++) {
		fputs(c ? ",\n  " : "  ", fp);
		json_write_string(fp, t->cols[c]);
		fputs(": ", fp);
		if (t->rows[row][c] == NULL)
			fputs("null", fp);
		else
			json_write_string(fp, t->rows[row][c]);
	}
}

/* Close the database. */
void
cli_read_close(struct cli_read *c)
{
	db_close(c->db);
	pgread_close(c->pg);
	c->db = NULL;
}
