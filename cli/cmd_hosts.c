/* `rollcall hosts`: every inventory host with the outcome of its last
 * attempt, from the host_status view, optionally filtered by status,
 * group and any number of --where KEY OP VALUE fact filters (ANDed). The
 * SQL grows by one fixed EXISTS clause per filter; the key, operator and
 * value are always bound parameters, evaluated by fact_match() (see
 * storage/where.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/result.h"
#include "common/xmalloc.h"
#include "cli/clirender.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "storage/where.h"

static const char hosts_sql[] =
    "SELECT name, address, status, error, last_attempt, last_success"
    " FROM host_status WHERE in_inventory = 1"
    " AND (?1 IS NULL OR status = ?1"
    "  OR (?1 = 'failed' AND status <> 'ok')"
    "  OR (?1 = 'never' AND status IS NULL))"
    " AND host_selected(name)";

/* --group G (repeatable: a host in any of them). */
static const char hosts_group_sql[] =
    "%s instr(',' || groups || ',', ',' || ?%zu || ',') > 0";

/* Does any host have fact ?1? */
static const char hosts_key_known_sql[] =
    "SELECT 1 FROM facts WHERE key = ?1 LIMIT 1";

/* One --where: the host has the fact and it matches. */
static const char hosts_where_sql[] =
    " AND EXISTS (SELECT 1 FROM facts f JOIN hosts w ON w.id = f.host_id"
    " WHERE w.name = host_status.name AND f.key = ?%zu"
    " AND fact_match(f.value, ?%zu, ?%zu))";

/* Is S something --status accepts? */
static int
hosts_status_ok(const char *s)
{
	return strcmp(s, "failed") == 0 || strcmp(s, "never") == 0 ||
	    host_status_parse(s) >= 0;
}

/* Parse every --where; 0, or EXIT_USAGE with a message. */
static int
hosts_parse_where(const struct cli_multi *m, struct where *w)
{
	char	 err[512];
	size_t	 i;

	for (i = 0; i < m->n; i++)
		if (where_parse(m->v[i], &w[i], err, sizeof err) == -1) {
			while (i-- > 0)
				where_free(&w[i]);
			return cli_usage_error(&cmd_hosts_entry, "--where %s",
			    err);
		}
	return 0;
}

/* Does sql with ?1 = v find a row? 1, 0, or -1 (error printed). */
static int
hosts_exists(struct cli_read *c, const char *sql, const char *v)
{
	struct table	*t;
	int		 found;

	if ((t = cli_read_query(c, sql, &v, 1)) == NULL)
		return -1;
	found = t->nrows > 0;
	table_free(t);
	return found;
}

/* The distinct values of fact ?1 on the inventory's hosts. */
static const char hosts_key_values_sql[] =
    "SELECT DISTINCT f.value FROM facts f JOIN hosts h ON h.id = f.host_id"
    " WHERE f.key = ?1 AND h.in_inventory = 1";

/* A --where that cannot be evaluated on the values stored (a number or
 * size compared with a fact that is not a number) is the user's mistake,
 * a usage error (exit 2), found before the query runs: 0, EXIT_USAGE, or
 * the exit code of a failed read. */
static int
hosts_check_values(struct cli_read *c, const struct where *w)
{
	struct table	*t;
	const char	*key = w->key;
	char		 err[512];
	size_t		 r;
	int		 rc = 0;

	if ((t = cli_read_query(c, hosts_key_values_sql, &key, 1)) == NULL)
		return cli_read_failed(c);
	for (r = 0; r < t->nrows && rc == 0; r++)
		if (where_match(t->rows[r][0], w->op, w->value, err,
		    sizeof err) == -1)
			rc = cli_usage_error(&cmd_hosts_entry, "--where '%s %s %s': %s",
			    w->key, where_op_str(w->op), w->value, err);
	table_free(t);
	return rc;
}

/* Every --group and --where key names something the database knows: a
 * typo is said on stderr, not answered with an empty list. 0 or
 * EXIT_FAIL (EXIT_USAGE for a --where its fact's values cannot meet). */
static int
hosts_check_names(struct cli_read *c, const struct cli_multi *groups,
    const struct where *w, size_t nw)
{
	size_t	 i;
	int	 k;

	for (i = 0; i < groups->n; i++)
		if ((k = cli_read_check_group(c, groups->v[i])) != 0)
			return k;
	for (i = 0; i < nw; i++)
		if ((k = hosts_exists(c, hosts_key_known_sql, w[i].key)) !=
		    1) {
			if (k == 0)
				fprintf(stderr, "rollcall hosts: no fact "
				    "'%s' on any host (rollcall show HOST "
				    "lists the keys)\n", w[i].key);
			return EXIT_FAIL;
		} else if ((k = hosts_check_values(c, &w[i])) != 0)
			return k;
	return 0;
}

/* Build the query and its parameters, then print the hosts found. */
static int
hosts_run(struct cli_read *c, const char *status,
    const struct cli_multi *groups, const struct where *w, size_t nw)
{
	struct buf	 sql = { 0 };
	const char	**params;
	size_t		 i, n = 1;
	int		 rc;

	if ((rc = hosts_check_names(c, groups, w, nw)) != 0)
		return rc;
	params = xcalloc(1 + groups->n + 3 * nw, sizeof *params);
	params[0] = status;
	buf_printf(&sql, "%s", hosts_sql);
	for (i = 0; i < groups->n; i++) {
		buf_printf(&sql, hosts_group_sql, i == 0 ? " AND (" : " OR",
		    n + 1);
		params[n++] = groups->v[i];
	}
	if (groups->n > 0)
		buf_printf(&sql, ")");
	for (i = 0; i < nw; i++) {
		buf_printf(&sql, hosts_where_sql, n + 1, n + 2, n + 3);
		params[n++] = w[i].key;
		params[n++] = where_op_str(w[i].op);
		params[n++] = w[i].value;
	}
	buf_printf(&sql, " ORDER BY name");
	rc = cli_read_print_found(c, buf_str(&sql), params, n);
	buf_free(&sql);
	free(params);
	return rc;
}

const struct cmd_entry cmd_hosts_entry = {
	"hosts", NULL,
	"[-c FILE] [--db PATH] [--json | --csv] [--limit PATTERN] [--status S]"
	    " [--group G]... [--where 'KEY OP VALUE']...",
	"list hosts with their last status", cmd_hosts
};

/* List hosts and their last status. */
int
cmd_hosts(int argc, char **argv)
{
	const char		*status = NULL;
	struct cli_multi	 wheres = { NULL, 0 }, groups = { NULL, 0 };
	const struct cli_extra	 extra[] = {
		{ "status", "S", "only hosts whose last attempt was S: ok, "
		    "failed (any failure), never, or a status such as "
		    "refused", &status, NULL },
		{ "group", "G", "only hosts in inventory group G; repeat "
		    "for hosts in any of them", NULL, &groups },
		{ "where", "'KEY OP VALUE'", "only hosts whose fact KEY "
		    "matches; OP: = != < <= > >= ~(glob); sizes: 30G = "
		    "30GiB (1024), 30GB (1000); repeat to AND", NULL, &wheres },
	};
	const struct cli_spec	 spec = { &cmd_hosts_entry, "",
		"List the hosts of the inventory with the status of their "
		"last attempt\n(times in UTC). Exit 1 when no host matches, "
		"or a group or fact key\nis unknown (said on stderr). "
		"A host without the fact\nnever matches a --where. Example:\n"
		"  rollcall hosts --where 'os.id=debian' --where "
		"'memory.total_bytes>8G' --group web", extra,
		sizeof extra / sizeof extra[0], 0, "No hosts found", 1 };
	struct cli_read		 c;
	struct where		*w;
	size_t			 i;
	int			 rc;

	if ((rc = cli_read_parse(&c, &spec, argc, argv)) != -1) {
		cli_multi_free(&wheres);
		cli_multi_free(&groups);
		return rc;
	}
	w = xcalloc(wheres.n + 1, sizeof *w);
	if (status != NULL && !hosts_status_ok(status))
		rc = cli_usage_error(&cmd_hosts_entry, "unknown status '%s'",
		    status);
	else if ((rc = hosts_parse_where(&wheres, w)) == 0 &&
	    (rc = cli_read_open(&c)) == 0) {
		rc = hosts_run(&c, status, &groups, w, wheres.n);
		cli_read_close(&c);
	}
	for (i = 0; i < wheres.n; i++)	/* zeroed ones are fine */
		where_free(&w[i]);
	free(w);
	cli_multi_free(&wheres);
	cli_multi_free(&groups);
	return rc;
}
