/* `rollcall hosts`: every inventory host with the outcome of its last
 * attempt, from the host_status view. */
#include <stdio.h>
#include <string.h>

#include "common/result.h"
#include "daemon/clirender.h"
#include "daemon/cmd.h"

static const char hosts_sql[] =
    "SELECT name, address, status, error, last_attempt, last_success"
    " FROM host_status WHERE in_inventory = 1"
    " AND (?1 IS NULL OR status = ?1"
    "  OR (?1 = 'failed' AND status <> 'ok')"
    "  OR (?1 = 'never' AND status IS NULL))"
    " AND (?2 IS NULL OR instr(',' || groups || ',', ',' || ?2 || ',') > 0)"
    " ORDER BY name";

/* Is S something --status accepts? */
static int
hosts_status_ok(const char *s)
{
	return strcmp(s, "failed") == 0 || strcmp(s, "never") == 0 ||
	    host_status_parse(s) >= 0;
}

/* List hosts and their last status. */
int
cmd_hosts(int argc, char **argv)
{
	const char		*status = NULL, *group = NULL;
	const struct cli_extra	 extra[] = {
		{ "status", "S", "only hosts whose last attempt was S: ok, "
		    "failed (any failure), never, or a status such as "
		    "refused", &status },
		{ "group", "G", "only hosts in inventory group G", &group },
	};
	const struct cli_spec	 spec = { "hosts", "",
		"List the hosts of the inventory with the status of their "
		"last attempt\n(times in UTC).", extra,
		sizeof extra / sizeof extra[0], 0 };
	struct cli_read		 c;
	const char		*params[2];
	int			 rc;

	if ((rc = cli_read_parse(&c, &spec, argc, argv)) != -1)
		return rc;
	if (status != NULL && !hosts_status_ok(status))
		return cli_usage_error("hosts", "unknown status '%s'", status);
	if ((rc = cli_read_open(&c)) != 0)
		return rc;
	params[0] = status;
	params[1] = group;
	rc = cli_read_print(&c, hosts_sql, params, 2);
	cli_read_close(&c);
	return rc;
}
