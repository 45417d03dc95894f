/* `rollcall show HOST`: one host's last status and its current facts. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/clirender.h"
#include "cli/cmd.h"
#include "cli/output.h"
#include "common/json.h"

static const char show_host_sql[] =
    "SELECT name, address, status, error, last_attempt, last_success"
    " FROM host_status WHERE name = ?1";

/* Facts of the host; with --collector only those that collector owns. */
static const char show_facts_sql[] =
    "SELECT key, value, updated_at FROM host_facts WHERE host = ?1"
    " AND (?2 IS NULL OR substr(key, 1, length(?2) + 1) = ?2 || '.'"
    "  OR substr(key, 1, length(?2) + 8) = 'custom.' || ?2 || '.')"
    " ORDER BY key";

/* Table mode: the status as "field  value" lines, then the facts. */
static void
show_print_table(const struct table *host, const struct table *facts)
{
	size_t	 c;
	char	*v;

	for (c = 0; c < host->ncols; c++) {
		v = output_escape_terminal(host->rows[0][c]);
		printf("%-13s %s\n", host->cols[c], v);
		free(v);
	}
	printf("\n");
	output_table(stdout, facts, OUT_TABLE);
}

/* JSON mode: the status fields plus "facts" keyed by fact key. */
static void
show_print_json(const struct table *host, const struct table *facts)
{
	size_t	 r;

	printf("{\n");
	cli_json_members(stdout, host, 0);
	printf(",\n  \"facts\": {");
	for (r = 0; r < facts->nrows; r++) {
		printf(r ? ",\n    " : "\n    ");
		json_write_string(stdout, facts->rows[r][0]);
		printf(": ");
		json_write_string(stdout, facts->rows[r][1]);
	}
	printf(facts->nrows ? "\n  }\n}\n" : "}\n}\n");
}

/* Look the host up, then print it in the chosen format. */
static int
show_host(struct cli_read *c, const char *collector)
{
	const char	*params[2] = { c->args[0], collector };
	struct table	*host, *facts = NULL;
	int		 rc = EXIT_FAIL;

	if ((host = cli_read_query(c, show_host_sql, params, 1)) == NULL)
		return EXIT_FAIL;
	if (host->nrows == 0)
		fprintf(stderr, "rollcall show: no host named '%s' in the "
		    "database\n", c->args[0]);
	else if ((facts = cli_read_query(c, show_facts_sql, params, 2)) !=
	    NULL) {
		if (c->format == OUT_JSON)
			show_print_json(host, facts);
		else if (c->format == OUT_CSV)
			output_table(stdout, facts, OUT_CSV);
		else
			show_print_table(host, facts);
		rc = EXIT_OK;
	}
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
	const struct cli_spec	 spec = { "show", "HOST",
		"Show one host's last status and its current facts (times "
		"in UTC).", extra, 1, 1, 0 };
	struct cli_read		 c;
	int			 rc;

	if ((rc = cli_read_parse(&c, &spec, argc, argv)) != -1)
		return rc;
	if ((rc = cli_read_open(&c)) != 0)
		return rc;
	rc = show_host(&c, collector);
	cli_read_close(&c);
	return rc;
}
