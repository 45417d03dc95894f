/* `rollcall db check|backup|stats`: care of the database file for the
 * people who run rollcall, without knowing SQLite's own tools. All three
 * read the database read-only and online: the daemon may be writing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/output.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "storage/storage.h"

const struct cmd_entry cmd_db_entry = {
	"db", NULL,
	"[-c FILE] [--db PATH] check|stats|backup [--json] [--keep N] [FILE]",
	"check, back up or size up the database", cmd_db
};

/* Options shared by the db subcommands. */
struct db_opts {
	const char	*config;	/* -c FILE */
	const char	*db;		/* --db PATH */
	int		 json;		/* --json */
	int		 keep;		/* backup --keep N */
	char		**args;		/* positional arguments */
	int		 nargs;
};

/* One db subcommand: the entry its usage, help and dispatch come from. */
struct db_cmd {
	const char	*name;
	const char	*args;		/* positional arguments, for usage */
	int		 nargs;		/* how many it takes */
	int		 json;		/* accepts --json */
	int		 keep;		/* accepts --keep */
	const char	*summary;	/* what it does and its exit status */
	int		(*run)(const struct db_opts *, const char *path);
};

static int	db_run_check(const struct db_opts *, const char *);
static int	db_run_backup(const struct db_opts *, const char *);
static int	db_run_stats(const struct db_opts *, const char *);

static const struct db_cmd db_cmds[] = {
	{ "check", "", 0, 1, 0,
	    "Run SQLite's full integrity_check on the database (read-only,\n"
	    "while the daemon runs) and say whether it is sound. Takes about\n"
	    "as long as reading the whole file.\n\n"
	    "exit status: 0 sound, 1 corrupt (the problems are listed, with\n"
	    "what to do), 2 usage or the database cannot be read",
	    db_run_check },
	{ "backup", "FILE", 1, 0, 1,
	    "Write a consistent copy of the database to FILE while the daemon\n"
	    "writes (SQLite's backup API: one snapshot; the daemon is not\n"
	    "blocked). The copy is written to FILE.tmp-XXXXXX (mode 0600),\n"
	    "passes quick_check, is synced, and only then renamed to FILE.\n\n"
	    "exit status: 0 written, 1 the backup failed (FILE is unchanged),\n"
	    "2 usage or the database cannot be read",
	    db_run_backup },
	{ "stats", "", 0, 1, 0,
	    "Show the database's size, rows and bytes per table (indexes\n"
	    "included), bytes per host, and the oldest sweep and change kept.\n\n"
	    "exit status: 0 shown, 2 usage or the database cannot be read",
	    db_run_stats },
};

/* rollcall db --help: the subcommands. */
static void
db_usage(FILE *fp)
{
	size_t	 i;

	cli_usage_line(fp, &cmd_db_entry);
	fprintf(fp, "\nCare of the database file:\n");
	for (i = 0; i < sizeof db_cmds / sizeof db_cmds[0]; i++)
		fprintf(fp, "  %-7s %.*s\n", db_cmds[i].name,
		    (int)strcspn(db_cmds[i].summary, "\n"), db_cmds[i].summary);
	fprintf(fp, "\nrun 'rollcall db <command> --help' for its options; "
	    "RECOVERY in rollcall(1)\nsays what to do with a corrupt "
	    "database.\n");
}

/* rollcall db CMD --help. */
static void
db_cmd_usage(const struct db_cmd *dc)
{
	printf("usage: rollcall db %s [options]%s%s\n\n%s\n\noptions:\n",
	    dc->name, dc->args[0] != '\0' ? " " : "", dc->args, dc->summary);
	printf("  -c, --config FILE   config file naming the database "
	    "(default %s)\n", CONFIG_DEFAULT_PATH);
	printf("      --db PATH       the database; overrides the config\n");
	if (dc->json)
		printf("      --json          JSON output\n");
	if (dc->keep)
		printf("      --keep N        first rename FILE to FILE.1, "
		    "FILE.1 to FILE.2 ...,\n"
		    "                      keeping N older copies (default 0)\n");
	printf("  -h, --help          this help\n");
}

/* Parse a db subcommand's options; -1 to go on, else the exit code. */
static int
db_parse(const struct db_cmd *dc, int argc, char **argv, struct db_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char			 name[32], *end;
	struct cmd_entry	 e = { .name = name, .summary = dc->summary };
	int			 ch;

	/* Usage errors name "db CMD"; its usage is in db_cmd_usage. */
	snprintf(name, sizeof name, "db %s", dc->name);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		if (ch == 'c')
			o->config = optarg;
		else if (ch == 'd')
			o->db = optarg;
		else if (ch == 'j' && dc->json)
			o->json = 1;
		else if (ch == 'k' && dc->keep) {
			o->keep = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || o->keep < 0)
				return cli_usage_error(&e, "--keep: '%s' is "
				    "not a count", optarg);
		} else if (ch == 'h') {
			db_cmd_usage(dc);
			return EXIT_OK;
		} else
			return cli_option_error(&e, ch, argv);
	}
	if (argc - optind != dc->nargs)
		return cli_usage_error(&e, argc - optind < dc->nargs ?
		    "missing %s" : "too many arguments (expected %s)",
		    dc->nargs > 0 ? dc->args : "none");
	o->args = argv + optind;
	o->nargs = argc - optind;
	return -1;
}

/* The options before the db command (-c, --db: given to rollcall before
 * "db", cli/main.c puts them here); argv[*ind] is then the command.
 * Returns -1 to go on, else the exit code. */
static int
db_leading(int argc, char **argv, struct db_opts *o, int *ind)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:h", opts, NULL)) != -1) {
		if (ch == 'c')
			o->config = optarg;
		else if (ch == 'd')
			o->db = optarg;
		else if (ch == 'h') {
			db_usage(stdout);
			return EXIT_OK;
		} else
			return cli_option_error(&cmd_db_entry, ch, argv);
	}
	if (optind >= argc)
		return cli_usage_error(&cmd_db_entry, "missing the command: "
		    "check, backup or stats");
	*ind = optind;
	return -1;
}

/* rollcall db CMD [options] */
int
cmd_db(int argc, char **argv)
{
	const struct db_cmd	*dc = NULL;
	struct db_opts		 o;
	char			*path;
	size_t			 i;
	int			 rc, ind = 0;

	memset(&o, 0, sizeof o);
	if ((rc = db_leading(argc, argv, &o, &ind)) != -1)
		return rc;
	for (i = 0; i < sizeof db_cmds / sizeof db_cmds[0]; i++)
		if (strcmp(argv[ind], db_cmds[i].name) == 0)
			dc = &db_cmds[i];
	if (dc == NULL)
		return cli_usage_error(&cmd_db_entry, "unknown command '%s' "
		    "(check, backup or stats)", argv[ind]);
	if ((rc = db_parse(dc, argc - ind, argv + ind, &o)) != -1)
		return rc;
	if ((path = cli_db_path("db", o.config, o.db)) == NULL)
		return EXIT_USAGE;
	rc = dc->run(&o, path);
	free(path);
	return rc;
}

/* ---- check ---- */

/* Print the verdict as JSON. */
static void
db_check_json(const char *path, const struct db_verdict *v)
{
	size_t	 i;

	printf("{\"database\": ");
	json_write_string(stdout, path);
	printf(", \"ok\": %s, \"bytes\": %lld, \"took_ms\": %lld, "
	    "\"problems\": [", v->ok ? "true" : "false", (long long)v->bytes,
	    (long long)v->took_ms);
	for (i = 0; !v->ok && i < v->nproblems; i++) {
		printf("%s", i ? ", " : "");
		json_write_string(stdout, v->problems[i]);
	}
	printf("], \"more_problems\": %s}\n", v->capped ? "true" : "false");
}

/* Print the verdict for people: one line when sound, else the problems
 * and the way out. */
static void
db_check_text(const char *path, const struct db_verdict *v)
{
	char	 t[32];
	size_t	 i;

	fmt_ms(v->took_ms, t, sizeof t);
	if (v->ok) {
		printf("ok: %s passed integrity_check (%lld bytes in %s)\n",
		    path, (long long)v->bytes, t);
		return;
	}
	printf("CORRUPT: %s failed integrity_check (%zu%s problem%s):\n", path,
	    v->nproblems, v->capped ? "+" : "", v->nproblems == 1 ? "" : "s");
	for (i = 0; i < v->nproblems; i++) {
		char *s = output_escape_terminal(v->problems[i]);

		printf("  %s\n", s);
		free(s);
	}
	printf("What to do: stop the daemon, keep this file as it is, and\n"
	    "restore the last good backup (rollcall db backup). RECOVERY in\n"
	    "rollcall(1) says how, and how to salvage the readable rows of\n"
	    "%s into a new database without one.\n", path);
}

/* rollcall db check */
static int
db_run_check(const struct db_opts *o, const char *path)
{
	struct db_verdict	 v;
	enum db_fault		 fault;
	char			 err[1024];
	int			 rc;

	if (db_check(path, &v, &fault, err, sizeof err) == -1) {
		fprintf(stderr, "rollcall db check: %s\n", err);
		return EXIT_USAGE;
	}
	if (o->json)
		db_check_json(path, &v);
	else
		db_check_text(path, &v);
	rc = v.ok ? EXIT_OK : EXIT_FAIL;
	db_verdict_free(&v);
	return rc;
}

/* ---- backup ---- */

/* rollcall db backup FILE */
static int
db_run_backup(const struct db_opts *o, const char *path)
{
	struct db_backup_info	 info;
	char			 err[1024], t[32];

	if (db_backup(path, o->args[0], o->keep, &info, err, sizeof err) ==
	    -1) {
		fprintf(stderr, "rollcall db backup: %s\n", err);
		return info.fault != DBF_NONE ? EXIT_USAGE : EXIT_FAIL;
	}
	printf("backup of %s written to %s: %lld bytes, sweeps up to %lld, "
	    "quick_check ok, %s%s\n", path, o->args[0], (long long)info.bytes,
	    (long long)info.last_sweep, fmt_ms(info.took_ms, t, sizeof t),
	    info.rotated > 0 ? " (older copies rotated)" : "");
	return EXIT_OK;
}

/* ---- stats ---- */

/* Epoch seconds as ISO-8601 UTC, "-" for 0. */
static const char *
db_iso(int64_t t, char *buf, size_t len)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Epoch seconds as a JSON value: the quoted ISO time, or null for 0. */
static const char *
db_json_time(int64_t t, char *buf, size_t len)
{
	char	 iso[32];

	if (t <= 0)
		return "null";
	snprintf(buf, len, "\"%s\"", db_iso(t, iso, sizeof iso));
	return buf;
}

/* Bytes stored per host: pages in use over the hosts known. */
static int64_t
db_per_host(const struct db_stats *st)
{
	if (st->hosts == 0)
		return 0;
	return (st->pages - st->free_pages) * st->page_size / st->hosts;
}

/* Stats as one JSON object. */
static void
db_stats_json(const char *path, const struct db_stats *st)
{
	char	 a[48], b[48];
	size_t	 r;

	printf("{\"database\": ");
	json_write_string(stdout, path);
	printf(", \"file_bytes\": %lld, \"wal_bytes\": %lld, \"page_size\": "
	    "%lld, \"pages\": %lld, \"free_pages\": %lld, \"schema_version\": "
	    "%d, \"hosts\": %lld, \"hosts_in_inventory\": %lld, "
	    "\"bytes_per_host\": %lld, \"sweeps\": %lld, \"oldest_sweep\": "
	    "%s, \"oldest_change\": %s, \"tables\": [",
	    (long long)st->file_bytes, (long long)st->wal_bytes,
	    (long long)st->page_size, (long long)st->pages,
	    (long long)st->free_pages, st->schema_version,
	    (long long)st->hosts, (long long)st->hosts_inventory,
	    (long long)db_per_host(st), (long long)st->sweeps,
	    db_json_time(st->oldest_sweep, a, sizeof a),
	    db_json_time(st->oldest_history, b, sizeof b));
	for (r = 0; r < st->tables->nrows; r++) {
		printf("%s{\"table\": ", r ? ", " : "");
		json_write_string(stdout, st->tables->rows[r][0]);
		printf(", \"rows\": %s, \"bytes\": %s}", st->tables->rows[r][1],
		    st->tables->rows[r][2] != NULL ? st->tables->rows[r][2] :
		    "0");
	}
	printf("]}\n");
}

/* Stats for people. */
static void
db_stats_text(const char *path, const struct db_stats *st)
{
	char	 a[32], b[32];
	size_t	 r;

	printf("database:      %s (schema version %d)\n", path,
	    st->schema_version);
	printf("size:          %lld bytes (%lld pages of %lld, %lld free), "
	    "-wal %lld bytes\n", (long long)st->file_bytes,
	    (long long)st->pages, (long long)st->page_size,
	    (long long)st->free_pages, (long long)st->wal_bytes);
	printf("hosts:         %lld (%lld in the inventory), %lld bytes per "
	    "host\n", (long long)st->hosts, (long long)st->hosts_inventory,
	    (long long)db_per_host(st));
	printf("sweeps:        %lld, oldest %s\n", (long long)st->sweeps,
	    db_iso(st->oldest_sweep, a, sizeof a));
	printf("oldest change: %s\n\n", db_iso(st->oldest_history, b,
	    sizeof b));
	printf("%-16s %12s %14s\n", "TABLE", "ROWS", "BYTES");
	for (r = 0; r < st->tables->nrows; r++)
		printf("%-16s %12s %14s\n", st->tables->rows[r][0],
		    st->tables->rows[r][1], st->tables->rows[r][2] != NULL ?
		    st->tables->rows[r][2] : "0");
}

/* rollcall db stats */
static int
db_run_stats(const struct db_opts *o, const char *path)
{
	struct db_stats	 st;
	char		 err[1024];

	if (db_stats(path, &st, err, sizeof err) == -1) {
		fprintf(stderr, "rollcall db stats: %s\n", err);
		return EXIT_USAGE;
	}
	if (o->json)
		db_stats_json(path, &st);
	else
		db_stats_text(path, &st);
	db_stats_free(&st);
	return EXIT_OK;
}
