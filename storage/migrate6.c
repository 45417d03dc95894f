/* Schema version 6 (issue 13): the volatile facts (uptime, load, free
 * memory, clock: collectors/collector.c volatile_keys) get a table of
 * their own, so a steady sweep that rewrites their values every time no
 * longer moves entries of facts_key(key, value) to scattered pages (972
 * of 2,229 WAL frames of a 300-host steady sweep; docs/PERFORMANCE.md).
 * facts_volatile's index holds the key only: SQLite leaves an index alone
 * when an UPDATE sets none of its columns, so a new value rewrites one
 * table leaf and nothing else. The old table, renamed facts_stable, keeps
 * its rows; `facts` becomes a view over both so every read that names it
 * answers as before. A query that aggregates over that view (GROUP BY,
 * count, DISTINCT) cannot be flattened and reads every column of each
 * row: facts_key now holds all of them, so that stays an index scan
 * instead of one random table read per row (10k hosts, GROUP BY of a
 * key: 3.5 ms CPU before, 54 ms with facts_key(key, value), 7 ms with
 * it covering). The stable rows' index costs nothing more to keep: their
 * collector and updated_at change only with their value. Runs inside
 * schema_apply's transaction. */
#include "storage/schemasql.h"
#include "storage/storage_int.h"

/* The volatile keys of version 6, frozen here: the writer keeps a fact in
 * whichever table it was found, so a later change of collectors/'s list
 * needs no migration to stay correct. */
#define VOLATILE_KEYS "('memory.available_bytes', 'memory.swap_free_bytes'," \
    " 'time.epoch', 'uptime.load1', 'uptime.load15', 'uptime.load5'," \
    " 'uptime.seconds')"

/* host_facts goes first so the rename rewrites no view (its new text
 * names the view facts, as version 1's named the table). */
const char schema_migration6[] =
"DROP VIEW host_facts;"
"ALTER TABLE facts RENAME TO facts_stable;"
"CREATE TABLE facts_volatile ("
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  key TEXT NOT NULL, value TEXT NOT NULL, collector TEXT NOT NULL,"
"  updated_at INTEGER NOT NULL,"
"  PRIMARY KEY (host_id, key)) WITHOUT ROWID;"
"CREATE INDEX facts_volatile_key ON facts_volatile(key);"
"INSERT INTO facts_volatile(host_id, key, value, collector, updated_at)"
"  SELECT host_id, key, value, collector, updated_at FROM facts_stable"
"  WHERE key IN " VOLATILE_KEYS ";"
"DELETE FROM facts_stable WHERE key IN " VOLATILE_KEYS ";"
"DROP INDEX facts_key;"
"CREATE INDEX facts_key ON facts_stable(key, value, collector, updated_at);"
"CREATE VIEW facts AS"
"  SELECT host_id, key, value, collector, updated_at FROM facts_stable"
"  UNION ALL"
"  SELECT host_id, key, value, collector, updated_at FROM facts_volatile;"
"CREATE VIEW host_facts AS SELECT h.name AS host, f.key AS key,"
"  f.value AS value, " ISO("f.updated_at") " AS updated_at,"
"  f.collector AS collector"
"  FROM facts f JOIN hosts h ON h.id = f.host_id;";
