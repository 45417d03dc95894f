/* Schema version 4 (issue 13): list items stored once per distinct value
 * with narrow per-host links, a digest and baseline time per host and
 * collector, and per attempt the number of collectors whose output was
 * unchanged (they get no collector_runs row). The old list
 * tables become views of the same names and columns, so every query
 * written against version 3 keeps working. Runs inside schema_apply's
 * transaction; existing rows and all history are carried over. */
#include "storage/schemasql.h"
#include "storage/storage_int.h"

/* One kind: its distinct values (<kind>_items, id + the fields that make
 * a value) and who has them (<kind>_links: host_id, item_id and the
 * fields that change too often to be part of a value). */
#define ITEMS(kind, cols) \
"CREATE TABLE " kind "_items (id INTEGER PRIMARY KEY, " cols ");"
#define LINKS(kind, extra) \
"CREATE TABLE " kind "_links (" \
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE," \
"  item_id INTEGER NOT NULL" extra "," \
"  PRIMARY KEY (host_id, item_id)) WITHOUT ROWID;" \
"CREATE INDEX " kind "_links_item ON " kind "_links(item_id);"

const char schema_migration4[] =
/* Views that name the old tables go first. */
"DROP VIEW host_packages; DROP VIEW host_services; DROP VIEW host_interfaces;"
"DROP VIEW host_addresses; DROP VIEW host_filesystems;"

/* packages: a value is name + version + arch + manager; a host links to
 * the one set of package ids it has (storage/itemset.c), stored once for
 * every host with that set. Version 3's hosts are grouped by the list of
 * their ids (digest NULL: the writer makes new sets with digests as hosts
 * change, and drops these once unused). */
ITEMS("package", "name TEXT NOT NULL, version TEXT, arch TEXT NOT NULL,"
    " manager TEXT")
"CREATE UNIQUE INDEX package_items_value ON package_items(name, arch,"
"  version, manager);"
"INSERT INTO package_items(name, version, arch, manager)"
"  SELECT DISTINCT name, version, arch, manager FROM packages"
"  ORDER BY name, arch, version, manager;"
"CREATE TABLE package_sets (id INTEGER PRIMARY KEY, digest BLOB,"
"  items INTEGER NOT NULL, nhosts INTEGER NOT NULL);"
"CREATE INDEX package_sets_digest ON package_sets(digest);"
"CREATE TABLE package_set_items ("
"  set_id INTEGER NOT NULL, item_id INTEGER NOT NULL,"
"  PRIMARY KEY (set_id, item_id)) WITHOUT ROWID;"
"CREATE INDEX package_set_items_item ON package_set_items(item_id);"
"CREATE TABLE package_links ("
"  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,"
"  set_id INTEGER NOT NULL);"
"CREATE INDEX package_links_set ON package_links(set_id);"
"CREATE TEMP TABLE m4_host (host_id INTEGER PRIMARY KEY, sig TEXT);"
"INSERT INTO m4_host SELECT host_id, group_concat(item_id) FROM"
"  (SELECT p.host_id AS host_id, i.id AS item_id FROM packages p"
"  JOIN package_items i ON i.name = p.name AND i.arch = p.arch"
"  AND i.version IS p.version AND i.manager IS p.manager"
"  ORDER BY p.host_id, i.id) GROUP BY host_id;"
"CREATE TEMP TABLE m4_set (id INTEGER PRIMARY KEY, sig TEXT UNIQUE);"
"INSERT INTO m4_set(sig) SELECT DISTINCT sig FROM m4_host ORDER BY sig;"
"INSERT INTO package_links(host_id, set_id) SELECT h.host_id, s.id"
"  FROM m4_host h JOIN m4_set s ON s.sig = h.sig;"
"INSERT OR IGNORE INTO package_set_items(set_id, item_id)"
"  SELECT l.set_id, i.id FROM packages p JOIN package_links l"
"  ON l.host_id = p.host_id JOIN package_items i ON i.name = p.name"
"  AND i.arch = p.arch AND i.version IS p.version"
"  AND i.manager IS p.manager;"
"INSERT INTO package_sets(id, digest, items, nhosts) SELECT s.id, NULL,"
"  (SELECT count(*) FROM package_set_items i WHERE i.set_id = s.id),"
"  (SELECT count(*) FROM package_links l WHERE l.set_id = s.id)"
"  FROM m4_set s;"
"DROP TABLE m4_host; DROP TABLE m4_set;"
"DROP TABLE packages;"
"CREATE VIEW packages AS SELECT l.host_id AS host_id, i.name AS name,"
"  i.version AS version, i.arch AS arch, i.manager AS manager"
"  FROM package_links l JOIN package_set_items s ON s.set_id = l.set_id"
"  JOIN package_items i ON i.id = s.item_id;"

/* services: name + load, active, sub, enabled. */
ITEMS("service", "name TEXT NOT NULL, load TEXT, active TEXT, sub TEXT,"
    " enabled TEXT")
"CREATE UNIQUE INDEX service_items_value ON service_items(name, load,"
"  active, sub, enabled);"
"INSERT INTO service_items(name, load, active, sub, enabled)"
"  SELECT DISTINCT name, load, active, sub, enabled FROM services"
"  ORDER BY name, load, active, sub, enabled;"
LINKS("service", "")
"INSERT OR IGNORE INTO service_links(host_id, item_id)"
"  SELECT s.host_id, i.id FROM services s JOIN service_items i"
"  ON i.name = s.name AND i.load IS s.load AND i.active IS s.active"
"  AND i.sub IS s.sub AND i.enabled IS s.enabled;"
"DROP TABLE services;"
"CREATE VIEW services AS SELECT l.host_id AS host_id, i.name AS name,"
"  i.load AS load, i.active AS active, i.sub AS sub, i.enabled AS enabled"
"  FROM service_links l JOIN service_items i ON i.id = l.item_id;"

/* interfaces: name + mac, mtu, state. */
ITEMS("interface", "name TEXT NOT NULL, mac TEXT, mtu INTEGER, state TEXT")
"CREATE UNIQUE INDEX interface_items_value ON interface_items(name, mac,"
"  mtu, state);"
"INSERT INTO interface_items(name, mac, mtu, state)"
"  SELECT DISTINCT name, mac, mtu, state FROM interfaces"
"  ORDER BY name, mac, mtu, state;"
LINKS("interface", "")
"INSERT OR IGNORE INTO interface_links(host_id, item_id)"
"  SELECT f.host_id, i.id FROM interfaces f JOIN interface_items i"
"  ON i.name = f.name AND i.mac IS f.mac AND i.mtu IS f.mtu"
"  AND i.state IS f.state;"
"DROP TABLE interfaces;"
"CREATE VIEW interfaces AS SELECT l.host_id AS host_id, i.name AS name,"
"  i.mac AS mac, i.mtu AS mtu, i.state AS state"
"  FROM interface_links l JOIN interface_items i ON i.id = l.item_id;"

/* addresses: interface + family + address + prefix. */
ITEMS("address", "interface TEXT NOT NULL, family TEXT,"
    " address TEXT NOT NULL, prefix INTEGER")
"CREATE UNIQUE INDEX address_items_value ON address_items(address,"
"  interface, family, prefix);"
"INSERT INTO address_items(interface, family, address, prefix)"
"  SELECT DISTINCT interface, family, address, prefix FROM addresses"
"  ORDER BY address, interface, family, prefix;"
LINKS("address", "")
"INSERT OR IGNORE INTO address_links(host_id, item_id)"
"  SELECT a.host_id, i.id FROM addresses a JOIN address_items i"
"  ON i.address = a.address AND i.interface = a.interface"
"  AND i.family IS a.family AND i.prefix IS a.prefix;"
"DROP TABLE addresses;"
"CREATE VIEW addresses AS SELECT l.host_id AS host_id,"
"  i.interface AS interface, i.family AS family, i.address AS address,"
"  i.prefix AS prefix"
"  FROM address_links l JOIN address_items i ON i.id = l.item_id;"

/* filesystems: mount + device, fstype, size; used_bytes changes every
 * sweep, so it lives in the link, not in the value. */
ITEMS("filesystem", "mount TEXT NOT NULL, device TEXT, fstype TEXT,"
    " size_bytes INTEGER")
"CREATE UNIQUE INDEX filesystem_items_value ON filesystem_items(mount,"
"  device, fstype, size_bytes);"
"INSERT INTO filesystem_items(mount, device, fstype, size_bytes)"
"  SELECT DISTINCT mount, device, fstype, size_bytes FROM filesystems"
"  ORDER BY mount, device, fstype, size_bytes;"
LINKS("filesystem", ", used_bytes INTEGER")
"INSERT OR IGNORE INTO filesystem_links(host_id, item_id, used_bytes)"
"  SELECT f.host_id, i.id, f.used_bytes FROM filesystems f"
"  JOIN filesystem_items i ON i.mount = f.mount AND i.device IS f.device"
"  AND i.fstype IS f.fstype AND i.size_bytes IS f.size_bytes;"
"DROP TABLE filesystems;"
"CREATE VIEW filesystems AS SELECT l.host_id AS host_id, i.mount AS mount,"
"  i.device AS device, i.fstype AS fstype, i.size_bytes AS size_bytes,"
"  l.used_bytes AS used_bytes"
"  FROM filesystem_links l JOIN filesystem_items i ON i.id = l.item_id;"

/* The documented views, same names and columns as before. */
SCHEMA_LIST_VIEWS

/* Per host and collector: the digest of the raw output last parsed and
 * stored (NULL: not known, e.g. stored by version 3) and since when the
 * collector has data on the host (its baseline). Every pair that ever
 * ran ok before this version already has its baseline. */
"CREATE TABLE collector_state ("
"  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
"  collector TEXT NOT NULL, digest BLOB,"
"  baseline_at INTEGER NOT NULL,"
"  PRIMARY KEY (host_id, collector)) WITHOUT ROWID;"
"INSERT INTO collector_state(host_id, collector, digest, baseline_at)"
"  SELECT a.host_id, c.collector, NULL, min(a.ended_us) / 1000000"
"  FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id"
"  WHERE c.status = 'ok' GROUP BY a.host_id, c.collector;"

/* A collector that ran ok with the same output as last time gets no
 * collector_runs row (its facts are confirmed as they are): the attempt
 * counts them, so a sweep in which nothing changed writes a few rows per
 * host, not one per collector. */
"ALTER TABLE attempts ADD COLUMN unchanged INTEGER;";
