/* `rollcall query "SQL"`: one read-only statement against the database;
 * the views in docs/SCHEMA.md are the stable names to query. */
#include "cli/clirender.h"
#include "cli/cmd.h"

const struct cmd_entry cmd_query_entry = {
	"query", NULL,
	"[-c FILE] [--db PATH] [--json | --csv] SQL",
	"run a read-only SQL query on the database", cmd_query
};

/* Run the user's SQL and print the result. */
int
cmd_query(int argc, char **argv)
{
	const struct cli_spec	 spec = { "query", "\"SQL\"",
		"Run one read-only SQL statement (SELECT or WITH ... SELECT) "
		"on the database.\nStable views: host_status, host_facts, "
		"changes, host_packages, host_services,\nhost_interfaces, "
		"host_addresses, host_filesystems (see docs/SCHEMA.md).",
		NULL, 0, 1, 0 };
	struct cli_read		 c;
	int			 rc;

	if ((rc = cli_read_parse(&c, &spec, argc, argv)) != -1)
		return rc;
	if ((rc = cli_read_open(&c)) != 0)
		return rc;
	rc = cli_read_print(&c, c.args[0], NULL, 0);
	cli_read_close(&c);
	return rc;
}
