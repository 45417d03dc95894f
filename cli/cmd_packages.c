/* `rollcall packages NAME [--version OPVERSION] [--group G]`: which hosts
 * have a package, at which version. NAME is a glob; --version compares in
 * the package manager's own order (dpkg, rpm or apk, per row) through the
 * SQL function version_cmp() that storage registers on the read-only
 * connection, so the filter runs in the query and the user's text stays a
 * bound parameter. */
#include <stdio.h>
#include <string.h>

#include "cli/clirender.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "storage/where.h"

static const char packages_sql[] =
    "SELECT h.name AS host, p.name AS name, p.version AS version,"
    " p.arch AS arch, p.manager AS manager"
    " FROM packages p JOIN hosts h ON h.id = p.host_id"
    " WHERE h.in_inventory = 1 AND glob(?1, p.name)"
    " AND host_selected(h.name)"
    " AND (?2 IS NULL OR instr(',' || h.groups || ',', ',' || ?2 || ',') > 0)"
    " AND (?3 IS NULL OR CASE ?3"
    "  WHEN '~' THEN glob(?4, p.version)"
    "  WHEN '=' THEN version_cmp(p.manager, p.version, ?4) = 0"
    "  WHEN '!=' THEN version_cmp(p.manager, p.version, ?4) <> 0"
    "  WHEN '<' THEN version_cmp(p.manager, p.version, ?4) < 0"
    "  WHEN '<=' THEN version_cmp(p.manager, p.version, ?4) <= 0"
    "  WHEN '>' THEN version_cmp(p.manager, p.version, ?4) > 0"
    "  WHEN '>=' THEN version_cmp(p.manager, p.version, ?4) >= 0 END)"
    " ORDER BY h.name, p.name, p.arch";

/* Split "<3.0.13" into operator text and version; a bare version is "=".
 * 0, or EXIT_USAGE with a message. */
static int
packages_version(const char *s, const char **op, const char **version)
{
	enum where_op	 o = WOP_EQ;
	size_t		 n;

	n = where_op_parse(s, &o);
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return cli_usage_error(&cmd_packages_entry, "--version needs a "
		    "version after the operator, e.g. '<3.0.13'");
	*op = where_op_str(o);
	*version = s;
	return 0;
}

const struct cmd_entry cmd_packages_entry = {
	"packages", NULL,
	"[-c FILE] [--db PATH] [--json | --csv]"
	    " [--limit PATTERN] [--version OPVERSION] [--group G] NAME",
	"which hosts have a package, at which version", cmd_packages
};

/* List hosts that have package NAME. */
int
cmd_packages(int argc, char **argv)
{
	const char		*version = NULL, *group = NULL;
	const struct cli_extra	 extra[] = {
		{ "version", "OPVERSION", "only versions matching, e.g. "
		    "'<3.0.13', '>=1:2.0', '=7.88.1-10', '~3.0.*' (glob); "
		    "compared in the package manager's order", &version,
		    NULL },
		{ "group", "G", "only hosts in inventory group G", &group,
		    NULL },
	};
	const struct cli_spec	 spec = { &cmd_packages_entry, "NAME",
		"List the hosts that have package NAME (a glob: 'openssl*') "
		"with its version,\narch and package manager (dpkg, rpm, apk). "
		"Exit 1 when none has it, or the group\nis unknown (said on "
		"stderr).", extra,
		sizeof extra / sizeof extra[0], 1, "No hosts found", 1 };
	struct cli_read		 c;
	const char		*params[4] = { NULL, NULL, NULL, NULL };
	int			 rc;

	if ((rc = cli_read_parse(&c, &spec, argc, argv)) != -1)
		return rc;
	if (version != NULL &&
	    (rc = packages_version(version, &params[2], &params[3])) != 0)
		return rc;
	if ((rc = cli_read_open(&c)) != 0)
		return rc;
	params[0] = c.args[0];
	params[1] = group;
	if ((rc = cli_read_check_group(&c, group)) == 0)
		rc = cli_read_print_found(&c, packages_sql, params, 4);
	cli_read_close(&c);
	return rc;
}
