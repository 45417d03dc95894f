/* SQL text more than one migration writes (storage/schema.c,
 * storage/migrate4.c): the timestamp formats and the views a later
 * migration drops and creates again exactly as before. Macros, so each
 * migration stays one string literal; a migration that has shipped never
 * changes, so neither does what it uses from here. */
#ifndef ROLLCALL_SCHEMASQL_H
#define ROLLCALL_SCHEMASQL_H

/* Timestamps: columns ending in _us hold epoch microseconds, every other
 * time column (first_seen, last_seen, *_at) epoch seconds. Views show both
 * as ISO-8601 UTC text. */
#define ISO(x)	"strftime('%Y-%m-%dT%H:%M:%SZ', " x ", 'unixepoch')"
#define ISO_US(x) \
	"strftime('%Y-%m-%dT%H:%M:%SZ', (" x ") / 1000000, 'unixepoch')"

/* The documented list views by host name (version 2; version 4 makes the
 * tables they read views themselves and creates these again). */
#define SCHEMA_LIST_VIEWS \
"CREATE VIEW host_packages AS SELECT h.name AS host, p.name AS name," \
"  p.version AS version, p.arch AS arch, p.manager AS manager" \
"  FROM packages p JOIN hosts h ON h.id = p.host_id;" \
"CREATE VIEW host_services AS SELECT h.name AS host, s.name AS name," \
"  s.load AS load, s.active AS active, s.sub AS sub, s.enabled AS enabled" \
"  FROM services s JOIN hosts h ON h.id = s.host_id;" \
"CREATE VIEW host_interfaces AS SELECT h.name AS host, i.name AS name," \
"  i.mac AS mac, i.mtu AS mtu, i.state AS state" \
"  FROM interfaces i JOIN hosts h ON h.id = i.host_id;" \
"CREATE VIEW host_addresses AS SELECT h.name AS host," \
"  a.interface AS interface, a.family AS family, a.address AS address," \
"  a.prefix AS prefix FROM addresses a JOIN hosts h ON h.id = a.host_id;" \
"CREATE VIEW host_filesystems AS SELECT h.name AS host, f.mount AS mount," \
"  f.device AS device, f.fstype AS fstype, f.size_bytes AS size_bytes," \
"  f.used_bytes AS used_bytes" \
"  FROM filesystems f JOIN hosts h ON h.id = f.host_id;"

/* The fact part of the changes view, without its ';' (version 1 ends it
 * there, version 2 adds the list changes with UNION ALL). */
#define SCHEMA_FACT_CHANGES \
"CREATE VIEW changes AS SELECT h.name AS host, c.key AS key," \
"  c.old_value AS old_value, c.new_value AS new_value," \
"  " ISO("c.changed_at") " AS changed_at," \
"  CASE WHEN c.old_value IS NULL THEN 'added'" \
"    WHEN c.new_value IS NULL THEN 'removed' ELSE 'changed' END AS change," \
"  'fact' AS kind, c.sweep_id AS sweep_id" \
"  FROM fact_history c JOIN hosts h ON h.id = c.host_id"

#endif
