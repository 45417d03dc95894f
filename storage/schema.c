/* Schema migrations: each entry brings the database from version i to i+1
 * (PRAGMA user_version) inside one transaction. Never edit a migration that
 * has shipped; add a new one. docs/SCHEMA.md describes the result. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "storage/schemasql.h"
#include "storage/storage_int.h"


/* Version 1: hosts, sweeps, attempts, scalar facts and their history. */
static const char migration1[] =
"CREATE TABLE hosts ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT UNIQUE NOT NULL,"
"  address TEXT, port INTEGER, user TEXT,"
"  groups TEXT,"
"  first_seen INTEGER NOT NULL,"
"  last_seen INTEGER NOT NULL,"
"  in_inventory INTEGER NOT NULL DEFAULT 1);"
"CREATE TABLE sweeps ("
"  id INTEGER PRIMARY KEY,"
"  trigger TEXT NOT NULL,"
"  started_at INTEGER NOT NULL,"
"  ended_at INTEGER,"
"  nhosts INTEGER NOT NULL DEFAULT 0,"
"  ok INTEGER, failed INTEGER);"
"CREATE TABLE attempts ("
"  id INTEGER PRIMARY KEY,"
"  sweep_id INTEGER,"
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  status TEXT NOT NULL, error TEXT,"
"  started_us INTEGER NOT NULL, ended_us INTEGER NOT NULL,"
"  address TEXT, port INTEGER);"
"CREATE INDEX attempts_host ON attempts(host_id, started_us);"
"CREATE INDEX attempts_sweep ON attempts(sweep_id);"
"CREATE TABLE collector_runs ("
"  attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,"
"  collector TEXT NOT NULL, status TEXT NOT NULL, exit_code INTEGER,"
"  error TEXT, out_bytes INTEGER, duration_ms INTEGER);"
"CREATE INDEX collector_runs_attempt ON collector_runs(attempt_id);"
"CREATE TABLE facts ("
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  key TEXT NOT NULL, value TEXT NOT NULL, collector TEXT NOT NULL,"
"  updated_at INTEGER NOT NULL,"
"  PRIMARY KEY (host_id, key)) WITHOUT ROWID;"
"CREATE INDEX facts_key ON facts(key, value);"
"CREATE TABLE fact_history ("
"  id INTEGER PRIMARY KEY,"
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  key TEXT NOT NULL, old_value TEXT, new_value TEXT,"
"  changed_at INTEGER NOT NULL, sweep_id INTEGER);"
"CREATE INDEX fact_history_host ON fact_history(host_id, changed_at);"
"CREATE INDEX fact_history_time ON fact_history(changed_at);"
"CREATE VIEW host_status AS SELECT h.name AS name, h.address AS address,"
"  a.status AS status, a.error AS error,"
"  " ISO_US("a.started_us") " AS last_attempt,"
"  " ISO_US("(SELECT max(s.started_us) FROM attempts s"
"    WHERE s.host_id = h.id AND s.status = 'ok')") " AS last_success,"
"  h.groups AS groups, h.in_inventory AS in_inventory"
"  FROM hosts h LEFT JOIN attempts a ON a.id = (SELECT l.id FROM attempts l"
"    WHERE l.host_id = h.id ORDER BY l.started_us DESC, l.id DESC LIMIT 1);"
"CREATE VIEW host_facts AS SELECT h.name AS host, f.key AS key,"
"  f.value AS value, " ISO("f.updated_at") " AS updated_at,"
"  f.collector AS collector"
"  FROM facts f JOIN hosts h ON h.id = f.host_id;"
SCHEMA_FACT_CHANGES
";";

/* Version 2: list tables (current rows only) and their change history. */
static const char migration2[] =
"CREATE TABLE packages ("
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  name TEXT NOT NULL, version TEXT, arch TEXT NOT NULL, manager TEXT,"
"  PRIMARY KEY (host_id, name, arch)) WITHOUT ROWID;"
"CREATE INDEX packages_name ON packages(name, version);"
"CREATE TABLE services ("
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  name TEXT NOT NULL, load TEXT, active TEXT, sub TEXT, enabled TEXT,"
"  PRIMARY KEY (host_id, name)) WITHOUT ROWID;"
"CREATE INDEX services_name ON services(name, active);"
"CREATE TABLE interfaces ("
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  name TEXT NOT NULL, mac TEXT, mtu INTEGER, state TEXT,"
"  PRIMARY KEY (host_id, name)) WITHOUT ROWID;"
"CREATE TABLE addresses ("
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  interface TEXT NOT NULL, family TEXT, address TEXT NOT NULL,"
"  prefix INTEGER,"
"  PRIMARY KEY (host_id, interface, address)) WITHOUT ROWID;"
"CREATE INDEX addresses_address ON addresses(address);"
"CREATE TABLE filesystems ("
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  mount TEXT NOT NULL, device TEXT, fstype TEXT,"
"  size_bytes INTEGER, used_bytes INTEGER,"
"  PRIMARY KEY (host_id, mount)) WITHOUT ROWID;"
"CREATE TABLE item_history ("
"  id INTEGER PRIMARY KEY,"
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  kind TEXT NOT NULL, name TEXT NOT NULL, detail TEXT,"
"  change TEXT NOT NULL,"
"  old_value TEXT, new_value TEXT,"
"  changed_at INTEGER NOT NULL, sweep_id INTEGER);"
"CREATE INDEX item_history_host ON item_history(host_id, changed_at);"
"CREATE INDEX item_history_time ON item_history(changed_at);"
"CREATE INDEX item_history_name ON item_history(kind, name);"
SCHEMA_LIST_VIEWS
"DROP VIEW changes;"
SCHEMA_FACT_CHANGES
" UNION ALL SELECT h.name, i.kind || ':' || i.name, i.old_value,"
"  i.new_value, " ISO("i.changed_at") ", i.change, i.kind, i.sweep_id"
"  FROM item_history i JOIN hosts h ON h.id = i.host_id;";

/* Version 3: when each attempt finished authenticating, so the time a
 * session spent in DNS, connect, key exchange and authentication, and how
 * many were at that stage at once (max_handshakes), can be read back. */
static const char migration3[] =
"ALTER TABLE attempts ADD COLUMN authed_us INTEGER;";

static const char *const migrations[SCHEMA_VERSION] = {
	migration1,
	migration2,
	migration3,
	schema_migration4,
	schema_migration5,
	schema_migration6,
};

/* The database's schema version. */
static int
schema_version(sqlite3 *db, int *version)
{
	int64_t	 v = 0;
	int	 rc;

	if ((rc = stmt_int64(db, "PRAGMA user_version", &v)) == SQLITE_OK)
		*version = (int)v;
	return rc;
}

/* Run migration i (to version i+1) and set user_version, all or nothing. */
static int
schema_apply(sqlite3 *db, int i, char *err, size_t errlen)
{
	char	 sql[64];
	char	*msg = NULL;
	int	 v = 0, rc;

	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", i + 1);
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
	/* Another process may have migrated while we waited for the lock. */
	if (rc == SQLITE_OK && (rc = schema_version(db, &v)) == SQLITE_OK &&
	    v <= i) {
		rc = sqlite3_exec(db, migrations[i], NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "migration to schema version %d: %s",
		    i + 1, msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (v <= i)
		log_info("database schema migrated to version %d", i + 1);
	return 0;
}

/* Migrate from whatever version the file has to SCHEMA_VERSION. */
int
schema_migrate(sqlite3 *db, char *err, size_t errlen)
{
	return schema_migrate_to(db, SCHEMA_VERSION, err, errlen);
}

/* Migrate up to a given version (tests build old databases with it). */
int
schema_migrate_to(sqlite3 *db, int target, char *err, size_t errlen)
{
	int	 v = 0, i;

	if (schema_version(db, &v) != SQLITE_OK) {
		snprintf(err, errlen, "reading schema version: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema version %d is newer "
		    "than this rollcall knows (%d)", v, SCHEMA_VERSION);
		return -1;
	}
	for (i = v; i < target && i < SCHEMA_VERSION; i++)
		if (schema_apply(db, i, err, errlen) == -1)
			return -1;
	return 0;
}
