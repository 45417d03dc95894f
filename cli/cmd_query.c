/* `rollcall query "SQL"`: one read-only statement against the database;
 * the views in docs/SCHEMA.md are the stable names to query. --tables and
 * --schema [VIEW] say what there is to ask, as osqueryi's .tables and
 * .schema do. */
#include <stdio.h>

#include "cli/clirender.h"
#include "cli/cli.h"
#include "cli/cmd.h"

/* Views first (the stable interface), then tables. */
static const char query_tables_sql[] =
    "SELECT name, type, CASE type WHEN 'view' THEN 'stable (docs/SCHEMA.md)'"
    " ELSE 'internal: may change' END AS interface"
    " FROM sqlite_schema WHERE type IN ('view', 'table')"
    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    " ORDER BY type = 'table', name";

/* Every view and table with its CREATE statement. */
static const char query_schema_sql[] =
    "SELECT name, type, sql FROM sqlite_schema WHERE type IN ('view', 'table')"
    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    " ORDER BY type = 'table', name";

/* One view's or table's columns. */
static const char query_columns_sql[] =
    "SELECT name AS column, type FROM pragma_table_info(?1) ORDER BY cid";

/* The same three for PostgreSQL (--cluster): the central schema's
 * tables and views from information_schema; a table's "CREATE" is its
 * columns, as PostgreSQL keeps no statement text for tables. */
static const char query_pg_tables_sql[] =
    "SELECT table_name AS name, CASE table_type WHEN 'VIEW' THEN 'view'"
    " ELSE 'table' END AS type, CASE table_type WHEN 'VIEW' THEN"
    " 'stable (docs/SCHEMA.md)' ELSE 'internal: may change' END AS interface"
    " FROM information_schema.tables WHERE table_schema = current_schema()"
    " ORDER BY table_type <> 'VIEW', table_name";

static const char query_pg_schema_sql[] =
    "SELECT t.table_name AS name, CASE t.table_type WHEN 'VIEW' THEN 'view'"
    " ELSE 'table' END AS type, CASE t.table_type WHEN 'VIEW' THEN"
    " 'CREATE VIEW ' || t.table_name || ' AS' || pg_get_viewdef("
    "  quote_ident(t.table_name)) ELSE 'CREATE TABLE ' || t.table_name ||"
    " ' (' || (SELECT string_agg(c.column_name || ' ' || c.data_type, ', '"
    "  ORDER BY c.ordinal_position) FROM information_schema.columns c"
    "  WHERE c.table_schema = t.table_schema"
    "  AND c.table_name = t.table_name) || ')' END AS sql"
    " FROM information_schema.tables t WHERE t.table_schema ="
    " current_schema() ORDER BY t.table_type <> 'VIEW', t.table_name";

static const char query_pg_columns_sql[] =
    "SELECT column_name AS \"column\", data_type AS type"
    " FROM information_schema.columns WHERE table_schema = current_schema()"
    " AND table_name = ?1 ORDER BY ordinal_position";

const struct cmd_entry cmd_query_entry = {
	"query", NULL,
	"[-c FILE] [--db PATH] [--json | --csv] SQL | --tables |"
	    " --schema [VIEW]",
	"run a read-only SQL query on the database", cmd_query
};

/* --schema VIEW: its columns; an unknown name is said on stderr. */
static int
query_columns(struct cli_read *c, const char *view)
{
	struct table	*t;
	int		 rc;

	if ((t = cli_read_query(c, c->pg != NULL ? query_pg_columns_sql :
	    query_columns_sql, &view, 1)) == NULL)
		return EXIT_FAIL;
	if (t->nrows == 0) {
		fprintf(stderr, "rollcall query: no table or view '%s' "
		    "(rollcall query --tables lists them)\n", view);
		rc = EXIT_FAIL;
	} else
		rc = cli_read_output_table(c, t);
	table_free(t);
	return rc;
}

/* Run the user's SQL, or list what there is to ask, and print it. */
int
cmd_query(int argc, char **argv)
{
	const char		*tables = NULL, *schema = NULL;
	const struct cli_extra	 extra[] = {
		{ "tables", NULL, "list the views (stable) and tables", &tables,
		    NULL },
		{ "schema", NULL, "with VIEW: its columns; alone: every CREATE "
		    "statement", &schema, NULL },
	};
	const struct cli_spec	 spec = { &cmd_query_entry, "\"SQL\"",
		"Run one read-only SQL statement (SELECT or WITH ... SELECT) "
		"on the database.\nStable views: host_status, host_facts, "
		"changes, host_packages, host_services,\nhost_interfaces, "
		"host_addresses, host_filesystems, host_collectors (see "
		"docs/SCHEMA.md).\n"
		"Any other statement is refused with the same read-only "
		"message.", extra, 2, -1, NULL, 0 };
	struct cli_read		 c;
	int			 rc, nargs;

	if ((rc = cli_read_parse(&c, &spec, argc, argv)) != -1)
		return rc;
	nargs = c.args[0] != NULL;
	if (tables != NULL && (schema != NULL || nargs))
		return cli_usage_error(&cmd_query_entry, "--tables takes no "
		    "SQL and no --schema");
	if (tables == NULL && schema == NULL && !nargs)
		return cli_usage_error(&cmd_query_entry, "missing \"SQL\" "
		    "(or --tables, --schema [VIEW])");
	if ((rc = cli_read_open(&c)) != 0)
		return rc;
	if (tables != NULL)
		rc = cli_read_print(&c, c.pg != NULL ? query_pg_tables_sql :
		    query_tables_sql, NULL, 0);
	else if (schema != NULL && nargs)
		rc = query_columns(&c, c.args[0]);
	else if (schema != NULL)
		rc = cli_read_print(&c, c.pg != NULL ? query_pg_schema_sql :
		    query_schema_sql, NULL, 0);
	else
		rc = cli_read_print(&c, c.args[0], NULL, 0);
	cli_read_close(&c);
	return rc;
}
