/* `rollcall show HOST`: one host's last status, how each collector went in
 * that attempt (ok, failed with its exit code, unsupported with the
 * reason, timeout, output_truncated), and its current facts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/clirender.h"
#include "cli/cmd.h"
#include "cli/output.h"
#include "collectors/collector.h"
#include "collectors/facttypes.h"
#include "common/buf.h"
#include "common/humanize.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"

static const char show_host_sql[] =
    "SELECT name, address, status, error, last_attempt, last_success"
    " FROM host_status WHERE name = ?1";

/* Facts of the host; with --collector only those that collector owns. */
static const char show_facts_sql[] =
    "SELECT key, value, updated_at FROM host_facts WHERE host = ?1"
    " AND (?2 IS NULL OR substr(key, 1, length(?2) + 1) = ?2 || '.'"
    "  OR substr(key, 1, length(?2) + 8) = 'custom.' || ?2 || '.')"
    " ORDER BY key";

/* Each collector of the host's last attempt: how it went. */
static const char show_runs_sql[] =
    "SELECT r.collector AS collector, r.status AS status,"
    " r.exit_code AS exit_code, r.error AS error,"
    " r.duration_ms AS duration_ms, r.out_bytes AS out_bytes"
    " FROM collector_runs r WHERE r.attempt_id = (SELECT a.id FROM attempts a"
    "  JOIN hosts h ON h.id = a.host_id WHERE h.name = ?1"
    "  ORDER BY a.started_us DESC, a.id DESC LIMIT 1)"
    " AND (?2 IS NULL OR r.collector = ?2 OR r.collector = 'custom.' || ?2)"
    " ORDER BY r.rowid";

/* Is ?1 a collector the database knows: one that ran on some host, or
 * that left facts (NAME. or custom.NAME.)? */
static const char show_collector_known_sql[] =
    "SELECT 1 WHERE EXISTS (SELECT 1 FROM collector_runs WHERE collector = ?1"
    "  OR collector = 'custom.' || ?1)"
    " OR EXISTS (SELECT 1 FROM facts WHERE collector = ?1"
    "  OR collector = 'custom.' || ?1)"
    " OR ?1 IN (%s)";

/* --collector NAME names a collector (built-in, or one the database has
 * seen): 0, or EXIT_FAIL with "no collector" on stderr. */
static int
show_check_collector(struct cli_read *c, const char *name)
{
	const struct collector	*b;
	struct table		*t;
	struct buf		 sql = { 0 }, names = { 0 };
	size_t			 i, n;
	int			 rc = EXIT_FAIL;

	b = collector_builtins(&n);
	for (i = 0; i < n; i++)
		buf_printf(&names, "%s'%s'", i ? "," : "", b[i].name);
	buf_printf(&sql, show_collector_known_sql, buf_str(&names));
	if ((t = cli_read_query(c, buf_str(&sql), &name, 1)) != NULL) {
		if (t->nrows > 0)
			rc = 0;
		else
			fprintf(stderr, "rollcall show: no collector '%s' "
			    "(built-in ones: docs/COLLECTORS.md; custom ones "
			    "by their name)\n", name);
		table_free(t);
	}
	buf_free(&sql);
	buf_free(&names);
	return rc;
}

/* The collectors table for people: "ok", "failed (exit 3)", durations
 * and sizes as everywhere else, the reason after unsupported. */
static void
show_print_runs(const struct table *runs)
{
	struct table	 t = { 0 };
	char		*cols[] = { "collector", "status", "took", "output",
			    "error" }, d[32], b[32], st[64];
	int		 numeric[5] = { 0, 0, 0, 0, 0 };
	char		***rows;
	size_t		 r;

	rows = xcalloc(runs->nrows + 1, sizeof *rows);
	for (r = 0; r < runs->nrows; r++) {
		char *const *x = runs->rows[r];

		rows[r] = xcalloc(6, sizeof *rows[r]);
		rows[r][0] = xstrdup(x[0] != NULL ? x[0] : "");
		if (x[2] != NULL && x[1] != NULL && strcmp(x[1], "failed") == 0)
			snprintf(st, sizeof st, "failed (exit %s)", x[2]);
		else
			snprintf(st, sizeof st, "%s", x[1] != NULL ? x[1] : "");
		rows[r][1] = xstrdup(st);
		rows[r][2] = xstrdup(x[4] != NULL ? fmt_ms(strtoll(x[4], NULL,
		    10), d, sizeof d) : "-");
		rows[r][3] = xstrdup(x[5] != NULL ? fmt_bytes(strtoull(x[5],
		    NULL, 10), b, sizeof b) : "");
		rows[r][4] = xstrdup(x[3] != NULL ? x[3] : "");
	}
	t.ncols = 5;
	t.cols = cols;
	t.numeric = numeric;
	t.nrows = runs->nrows;
	t.rows = rows;
	output_table(stdout, &t, OUT_TABLE);
	for (r = 0; r < runs->nrows; r++) {
		for (size_t c = 0; c < 5; c++)
			free(rows[r][c]);
		free(rows[r]);
	}
	free(rows);
}

/* Sizes next to raw bytes: a *_bytes fact's value gets " (24.0 GiB)". */
static void
show_humanize_facts(struct table *facts)
{
	const char	*k, *v;
	char		*n, b[32], *end;
	size_t		 r, len;
	unsigned long long u;

	for (r = 0; r < facts->nrows; r++) {
		k = facts->rows[r][0];
		v = facts->rows[r][1];
		if (k == NULL || v == NULL || (len = strlen(k)) < 6 ||
		    strcmp(k + len - 6, "_bytes") != 0 || *v == '\0')
			continue;
		u = strtoull(v, &end, 10);
		if (*end != '\0' || u < 1024)
			continue;
		xasprintf(&n, "%s (%s)", v, fmt_bytes(u, b, sizeof b));
		table_set_cell(facts, r, 1, n);
		free(n);
	}
}

/* Table mode: the status as "field  value" lines, each collector's
 * outcome, then the facts. */
static void
show_print_table(const struct table *host, const struct table *runs,
    struct table *facts)
{
	size_t	 c;
	char	*v;

	for (c = 0; c < host->ncols; c++) {
		v = output_escape_terminal(host->rows[0][c]);
		printf("%-13s %s\n", host->cols[c], v);
		free(v);
	}
	if (runs->nrows > 0) {
		printf("\n");
		show_print_runs(runs);
	}
	printf("\n");
	show_humanize_facts(facts);
	output_table(stdout, facts, OUT_TABLE);
}

/* "collectors": each collector's outcome in the last attempt. */
static void
show_print_json_runs(const struct table *runs)
{
	struct json_writer	 w;
	size_t			 r, c;

	printf(",\n  \"collectors\": ");
	json_writer_init(&w, stdout);
	json_array_open(&w);
	for (r = 0; r < runs->nrows; r++) {
		json_object_open(&w);
		for (c = 0; c < runs->ncols; c++) {
			json_key(&w, runs->cols[c]);
			if (runs->rows[r][c] == NULL)
				json_null(&w);
			else if (c == 2 || c == 4 || c == 5)
				json_int(&w, strtoll(runs->rows[r][c], NULL,
				    10));
			else
				json_str(&w, runs->rows[r][c]);
		}
		json_object_close(&w);
	}
	json_array_close(&w);
}

/* JSON mode: the status fields, "collectors", and "facts" keyed by fact
 * key, each value typed by its key (collectors/facttypes.c). */
static void
show_print_json(const struct table *host, const struct table *runs,
    const struct table *facts)
{
	size_t	 r;

	printf("{\n");
	cli_json_members(stdout, host, 0);
	show_print_json_runs(runs);
	printf(",\n  \"facts\": {");
	for (r = 0; r < facts->nrows; r++) {
		printf(r ? ",\n    " : "\n    ");
		json_write_string(stdout, facts->rows[r][0]);
		printf(": ");
		fact_json_write(stdout, facts->rows[r][0], facts->rows[r][1]);
	}
	printf(facts->nrows ? "\n  }\n}\n" : "}\n}\n");
}

/* Look the host up, then print it in the chosen format. */
static int
show_host(struct cli_read *c, const char *collector)
{
	const char	*params[2] = { c->args[0], collector };
	struct table	*host, *facts = NULL, *runs = NULL;
	int		 rc = EXIT_FAIL;

	if ((host = cli_read_query(c, show_host_sql, params, 1)) == NULL)
		return cli_read_failed(c);
	if (host->nrows == 0)
		fprintf(stderr, "rollcall show: no host named '%s' in the "
		    "database\n", c->args[0]);
	else if ((facts = cli_read_query(c, show_facts_sql, params, 2)) !=
	    NULL && (runs = cli_read_query(c, show_runs_sql, params, 2)) !=
	    NULL) {
		if (c->format == OUT_JSON)
			show_print_json(host, runs, facts);
		else if (c->format == OUT_CSV)
			output_table(stdout, facts, OUT_CSV);
		else
			show_print_table(host, runs, facts);
		rc = EXIT_OK;
	} else
		rc = cli_read_failed(c);
	table_free(runs);
	table_free(facts);
	table_free(host);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	"show", NULL,
	"[-c FILE] [--db PATH] [--json | --csv] [--collector NAME] HOST",
	"show one host's facts", cmd_show
};

/* Show one host's status and facts. */
int
cmd_show(int argc, char **argv)
{
	const char		*collector = NULL;
	const struct cli_extra	 extra[] = {
		{ "collector", "NAME", "only the facts of collector NAME "
		    "(custom ones: NAME or custom.NAME)", &collector, NULL },
	};
	const struct cli_spec	 spec = { &cmd_show_entry, "HOST",
		"Show one host's last status and its current facts (times "
		"in UTC).", extra, 1, 1, NULL, 0 };
	struct cli_read		 c;
	int			 rc;

	if ((rc = cli_read_parse(&c, &spec, argc, argv)) != -1)
		return rc;
	if ((rc = cli_read_open(&c)) != 0)
		return rc;
	if (collector == NULL || (rc = show_check_collector(&c,
	    collector)) == 0)
		rc = show_host(&c, collector);
	cli_read_close(&c);
	return rc;
}
