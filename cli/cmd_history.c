/* `rollcall history HOST` (and, through history_run(), `rollcall
 * changes`): what changed, when, from what to what, newest first, from fact_history and item_history (the
 * base tables, so their changed_at indexes serve --since). Facts show
 * their key; list items "<kind>:<name>" as in the changes view, with
 * detail = arch (packages) or interface (addresses). */
#include <stdio.h>

#include "cli/clirender.h"
#include "cli/cmd.h"

/* Both histories for ?1 host (NULL = all), since ?2 (epoch seconds), key
 * prefix ?3, group ?4. */
#define HISTORY_ROWS \
    "SELECT c.changed_at AS t, 0 AS src, c.id AS id, h.name AS host," \
    " c.key AS key, NULL AS detail," \
    " CASE WHEN c.old_value IS NULL THEN 'added'" \
    "  WHEN c.new_value IS NULL THEN 'removed' ELSE 'changed' END AS change," \
    " c.old_value AS old_value, c.new_value AS new_value," \
    " c.sweep_id AS sweep_id" \
    " FROM fact_history c JOIN hosts h ON h.id = c.host_id" \
    " WHERE c.changed_at >= CAST(?2 AS INTEGER) AND (?1 IS NULL OR h.name = ?1)" \
    " AND host_selected(h.name)" \
    " AND (?3 IS NULL OR substr(c.key, 1, length(?3)) = ?3)" \
    " AND (?4 IS NULL OR instr(',' || h.groups || ',', ',' || ?4 || ',') > 0)" \
    " UNION ALL" \
    " SELECT i.changed_at, 1, i.id, h.name, i.kind || ':' || i.name," \
    " i.detail, i.change, i.old_value, i.new_value, i.sweep_id" \
    " FROM item_history i JOIN hosts h ON h.id = i.host_id" \
    " WHERE i.changed_at >= CAST(?2 AS INTEGER) AND (?1 IS NULL OR h.name = ?1)" \
    " AND host_selected(h.name)" \
    " AND (?3 IS NULL OR substr(i.kind || ':' || i.name, 1, length(?3)) = ?3)" \
    " AND (?4 IS NULL OR instr(',' || h.groups || ',', ',' || ?4 || ',') > 0)"

#define HISTORY_WHEN \
    "strftime('%Y-%m-%dT%H:%M:%SZ', t, 'unixepoch') AS changed_at"
#define HISTORY_ORDER	" ORDER BY t DESC, src DESC, id DESC"

static const char history_sql[] =
    "SELECT " HISTORY_WHEN ", key, detail, change, old_value, new_value,"
    " sweep_id FROM (" HISTORY_ROWS ") AS x" HISTORY_ORDER;

static const char changes_sql[] =
    "SELECT " HISTORY_WHEN ", host, key, detail, change, old_value,"
    " new_value, sweep_id FROM (" HISTORY_ROWS ") AS x" HISTORY_ORDER;

/* A list item's history value, as storage writes it: "f=v f=v" (the
 * CAST: PostgreSQL does not turn a number into text by itself). */
#define KV(f)	"'" #f "=' || coalesce(CAST(" #f " AS TEXT), '')"

/* `history HOST --baseline`: what the host had at first sight (its
 * first_seen row, else hosts.first_seen). Storage writes no history for a
 * baseline, so it is read back: a key's value before its earliest change
 * since, or its current value if it never changed (volatile facts: their
 * current value). Keys first added after the baseline are not in it. */
static const char baseline_sql[] =
    "WITH h AS (SELECT id, coalesce((SELECT min(changed_at) FROM"
    "  item_history WHERE host_id = hosts.id AND kind = 'host'), first_seen)"
    "  AS t, (SELECT min(sweep_id) FROM item_history WHERE"
    "  host_id = hosts.id AND kind = 'host') AS sw FROM hosts"
    "  WHERE name = ?1),"
    " cur(key, detail, value) AS ("
    "  SELECT key, NULL, value FROM facts WHERE host_id = (SELECT id FROM h)"
    "  UNION ALL SELECT 'package:' || name, arch, version FROM packages"
    "  WHERE host_id = (SELECT id FROM h)"
    "  UNION ALL SELECT 'service:' || name, NULL, " KV(load) " || ' ' || "
    KV(active) " || ' ' || " KV(sub) " || ' ' || " KV(enabled)
    "  FROM services WHERE host_id = (SELECT id FROM h)"
    "  UNION ALL SELECT 'interface:' || name, NULL, " KV(mac) " || ' ' || "
    KV(mtu) " || ' ' || " KV(state) " FROM interfaces"
    "  WHERE host_id = (SELECT id FROM h)"
    "  UNION ALL SELECT 'address:' || address, interface, " KV(family)
    "  || ' ' || " KV(prefix) " FROM addresses"
    "  WHERE host_id = (SELECT id FROM h)"
    "  UNION ALL SELECT 'filesystem:' || mount, NULL, " KV(device)
    "  || ' ' || " KV(fstype) " || ' ' || " KV(size_bytes)
    "  FROM filesystems WHERE host_id = (SELECT id FROM h)),"
    " hist(key, detail, old_value, id) AS MATERIALIZED ("
    "  SELECT key, NULL, old_value, id FROM fact_history"
    "  WHERE host_id = (SELECT id FROM h) AND changed_at >= (SELECT t FROM h)"
    "  UNION ALL SELECT kind || ':' || name, detail, old_value, id"
    "  FROM item_history WHERE host_id = (SELECT id FROM h)"
    "  AND kind <> 'host' AND changed_at >= (SELECT t FROM h)),"
    " base(key, detail, value) AS ("
    "  SELECT key, detail, value FROM cur c WHERE NOT EXISTS (SELECT 1"
    "  FROM hist y WHERE y.key = c.key AND y.detail IS NOT DISTINCT FROM c.detail)"
    "  UNION ALL SELECT key, detail, old_value FROM hist x"
    "  WHERE old_value IS NOT NULL AND id = (SELECT min(id) FROM hist y"
    "  WHERE y.key = x.key AND y.detail IS NOT DISTINCT FROM x.detail))"
    " SELECT strftime('%Y-%m-%dT%H:%M:%SZ', (SELECT t FROM h), 'unixepoch')"
    " AS changed_at, key, detail, 'baseline' AS change, NULL AS old_value,"
    " value AS new_value, (SELECT sw FROM h) AS sweep_id FROM base"
    " ORDER BY key, detail";

/* What history and changes share: parse, open, run, print. baseline
 * (history only, else NULL) is set by --baseline. */
int
history_run(int argc, char **argv, const struct cli_spec *spec, int fleet,
    const char **since, const char **key, const char **group,
    const char *since_def, const char **baseline)
{
	const char	*sql = fleet ? changes_sql : history_sql;
	struct cli_read	 c;
	const char	*params[4];
	char		 from[32];
	struct table	*t;
	int64_t		 s;
	int		 rc;

	if ((rc = cli_read_parse(&c, spec, argc, argv)) != -1)
		return rc;
	if ((s = cli_since(spec->entry, *since != NULL ? *since : since_def))
	    == -1)
		return EXIT_USAGE;
	if (baseline != NULL && *baseline != NULL)
		sql = baseline_sql;
	if ((rc = cli_read_open(&c)) != 0)
		return rc;
	params[0] = spec->nargs > 0 ? c.args[0] : NULL;
	if (params[0] != NULL) {
		t = cli_read_query(&c, "SELECT 1 FROM hosts WHERE name = ?1",
		    params, 1);
		if (t != NULL && t->nrows == 0)
			fprintf(stderr, "rollcall %s: no host named '%s' in "
			    "the database\n", spec->entry->name, params[0]);
		rc = t == NULL ? cli_read_failed(&c) : t->nrows == 0 ?
		    EXIT_FAIL : EXIT_OK;
		table_free(t);
		if (rc != EXIT_OK) {
			cli_read_close(&c);
			return rc;
		}
	}
	if ((rc = cli_read_check_group(&c, *group)) != 0) {
		cli_read_close(&c);
		return rc;
	}
	snprintf(from, sizeof from, "%lld", (long long)s);
	params[1] = from;
	params[2] = *key;
	params[3] = *group;
	rc = cli_read_print_found(&c, sql, params, sql == baseline_sql ? 1 : 4);
	cli_read_close(&c);
	return rc;
}

const struct cmd_entry cmd_history_entry = {
	"history", NULL,
	"[-c FILE] [--db PATH] [--json | --csv] [--since DURATION]"
	    " [--key PREFIX] [--baseline] HOST",
	"what changed on one host, newest first", cmd_history
};

/* One host's history. */
int
cmd_history(int argc, char **argv)
{
	const char		*since = NULL, *key = NULL, *group = NULL;
	const char		*baseline = NULL;
	const struct cli_extra	 extra[] = {
		{ "since", "DURATION", "only changes in the last DURATION "
		    "(30m, 24h, 7d); default all", &since, NULL },
		{ "key", "PREFIX", "only keys starting with PREFIX: 'os.', "
		    "'package:', 'service:ssh'", &key, NULL },
		{ "baseline", NULL, "instead, what HOST had when first seen "
		    "(change 'baseline')", &baseline, NULL },
	};
	const struct cli_spec	 spec = { &cmd_history_entry, "HOST",
		"What changed on HOST, newest first: when (UTC), the fact key "
		"or <kind>:<name>\nof a package, service, interface, address "
		"or filesystem, detail (arch,\ninterface), the change, old "
		"-> new value and the sweep. A host's first sight is its "
		"baseline, not a\nchange: one 'first_seen' row (key "
		"host:NAME). Exit 1 when there is none.", extra,
		sizeof extra / sizeof extra[0], 1, "No changes found", 0 };

	return history_run(argc, argv, &spec, 0, &since, &key, &group, NULL,
	    &baseline);
}
