/* The central schema's text. Never edit a migration that has shipped; add
 * the next one inside the DO block with its own IF v < N. The views have
 * the names and columns of the local ones (docs/SCHEMA.md) where they
 * apply, plus the node that made each attempt. */
#include "cluster/pgschema.h"
#include "cluster/pgschema_v4.h"

#define PGSCHEMA_STR_(x)	#x
#define PGSCHEMA_STR(x)		PGSCHEMA_STR_(x)
#define PGSCHEMA_VERSION_S	PGSCHEMA_STR(PGSCHEMA_VERSION)

#define ISO_US(x) "to_char(to_timestamp((" x ") / 1000000.0) AT TIME ZONE " \
	"'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


/* Version 3 (issue 14): what the central reads need. Collectors whose
 * output was unchanged ship nothing but their count; a collector that was
 * parsed ships its facts (fact_data) and its list kinds as a set of rows
 * stored once per distinct content (item_sets, item_set_rows, named by an
 * md5 of the sorted rows), so hosts with the same packages share one set
 * and an unchanged list is never sent again. The current state of a host
 * is the newest data of each collector and kind, whichever node sent it
 * (carried forward over attempts that had none); history is the
 * difference between consecutive data of a host, so it is one history
 * when a host moves between nodes, and it does not depend on the order in
 * which nodes' batches arrive. The views and compatibility views (hosts,
 * facts, packages, fact_history, ...) have the local names and columns,
 * so rollcall's own SELECTs run unchanged (docs/DISTRIBUTED.md). */
#define V3_ISO(x) "to_char(to_timestamp(" x ") AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/* The newest data row before d of the same host and collector (kind). */
#define V3_PREV(tbl, col) \
"JOIN LATERAL (SELECT p.* FROM " tbl " p WHERE p.host = d.host" \
"  AND p." col " = d." col " AND (p.started_us, p.id) < (d.started_us, d.id)" \
"  ORDER BY p.started_us DESC, p.id DESC LIMIT 1) p ON true"
#define V3_KV(f, n) "'" f "=' || coalesce(e->>" #n ", '')"

/* Functions the views and rollcall's own SQL call: SQLite built-ins and
 * the functions storage registers on its read connections, so one text of
 * SQL runs on both. */
#define V3_FUNCS \
"    CREATE FUNCTION rc_int(t text) RETURNS bigint LANGUAGE sql IMMUTABLE" \
"      AS $f$ SELECT CASE WHEN t ~ '^-?[0-9]{1,18}$' THEN t::bigint END $f$;" \
"    CREATE FUNCTION instr(a text, b text) RETURNS integer LANGUAGE sql" \
"      IMMUTABLE AS $f$ SELECT strpos(a, b) $f$;" \
"    CREATE FUNCTION glob(p text, s text) RETURNS boolean LANGUAGE sql" \
"      IMMUTABLE AS $f$ SELECT s ~ ('^' || replace(replace(regexp_replace(" \
"      p, '([.+(){}|^$\\\\])', '\\\\\\1', 'g'), '*', '.*'), '?', '.')" \
"      || '$') $f$;" \
"    CREATE FUNCTION strftime(f text, t bigint, m text) RETURNS text" \
"      LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN" \
"      IF f <> '%Y-%m-%dT%H:%M:%SZ' OR m <> 'unixepoch' THEN RAISE EXCEPTION" \
"        'strftime: only the ISO-8601 form is available centrally'; END IF;" \
"      RETURN " V3_ISO("t") "; END $f$;" \
"    CREATE FUNCTION host_selected(n text) RETURNS boolean LANGUAGE sql" \
"      STABLE AS $f$ SELECT coalesce(current_setting('rollcall.limit', true)," \
"      '') = '' OR position(E'\\n' || n || E'\\n' IN" \
"      current_setting('rollcall.limit', true)) > 0 $f$;" \
"    CREATE FUNCTION fact_match(v text, op text, x text) RETURNS boolean" \
"      LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION 'fact_match (hosts" \
" --where) is not available centrally yet: docs/DISTRIBUTED.md'; END $f$;" \
"    CREATE FUNCTION rc_dpkg_ord(c text) RETURNS integer LANGUAGE sql" \
"      IMMUTABLE AS $f$ SELECT CASE WHEN c = '' OR c ~ '^[0-9]$' THEN 0" \
"      WHEN c ~ '^[A-Za-z]$' THEN ascii(c) WHEN c = '~' THEN -1" \
"      ELSE ascii(c) + 256 END $f$;" \
"    CREATE FUNCTION rc_verrevcmp(a text, b text) RETURNS integer" \
"      LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE ac int; bc int; da text;" \
"      db text; BEGIN a := coalesce(a, ''); b := coalesce(b, '');" \
"      WHILE a <> '' OR b <> '' LOOP" \
"        WHILE (a <> '' AND left(a, 1) !~ '[0-9]') OR" \
"          (b <> '' AND left(b, 1) !~ '[0-9]') LOOP" \
"          ac := rc_dpkg_ord(left(a, 1)); bc := rc_dpkg_ord(left(b, 1));" \
"          IF ac <> bc THEN RETURN sign(ac - bc); END IF;" \
"          a := substr(a, 2); b := substr(b, 2);" \
"        END LOOP;" \
"        da := substring(a from '^[0-9]*'); db := substring(b from '^[0-9]*');" \
"        a := substr(a, length(da) + 1); b := substr(b, length(db) + 1);" \
"        da := ltrim(da, '0'); db := ltrim(db, '0');" \
"        IF length(da) <> length(db) THEN" \
"          RETURN sign(length(da) - length(db)); END IF;" \
"        IF da <> db THEN RETURN CASE WHEN da COLLATE \"C\" < db" \
"          THEN -1 ELSE 1 END; END IF;" \
"      END LOOP; RETURN 0; END $f$;" \
"    CREATE FUNCTION version_cmp(m text, a text, b text) RETURNS integer" \
"      LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE ea numeric; eb numeric;" \
"      c int; BEGIN IF a IS NULL OR b IS NULL THEN RETURN NULL; END IF;" \
"      IF m IN ('rpm', 'apk') THEN RAISE EXCEPTION 'version_cmp: % order" \
" is not available centrally yet (dpkg order is): docs/DISTRIBUTED.md'," \
"        m; END IF;" \
"      ea := coalesce(substring(a from '^([0-9]+):'), '0')::numeric;" \
"      eb := coalesce(substring(b from '^([0-9]+):'), '0')::numeric;" \
"      IF ea <> eb THEN RETURN sign(ea - eb); END IF;" \
"      a := regexp_replace(a, '^[0-9]+:', '');" \
"      b := regexp_replace(b, '^[0-9]+:', '');" \
"      c := rc_verrevcmp(regexp_replace(a, '-[^-]*$', '')," \
"        regexp_replace(b, '-[^-]*$', ''));" \
"      IF c <> 0 THEN RETURN c; END IF;" \
"      RETURN rc_verrevcmp(substring(a from '-([^-]*)$')," \
"        substring(b from '-([^-]*)$')); END $f$;" \
"    CREATE FUNCTION rc_order(m text, a text, b text) RETURNS integer" \
"      LANGUAGE sql IMMUTABLE AS $f$ SELECT CASE WHEN m IN ('rpm', 'apk')" \
"      THEN NULL ELSE version_cmp(m, a, b) END $f$;"

/* The first_seen history value of a host's first data (uid): as storage
 * writes it, "facts=N packages=M ...". */
#define V3_FIRST_SEEN \
"    CREATE FUNCTION rc_first_seen(u text) RETURNS text LANGUAGE sql STABLE" \
"      AS $f$ SELECT 'facts=' || (SELECT count(*) FROM fact_data f," \
"      jsonb_object_keys(f.facts) WHERE f.uid = u) || coalesce((SELECT" \
"      string_agg(' ' || CASE s.kind WHEN 'package' THEN 'packages'" \
"      WHEN 'service' THEN 'services' WHEN 'interface' THEN 'interfaces'" \
"      WHEN 'address' THEN 'addresses' ELSE 'filesystems' END || '=' ||" \
"      s.nitems, '' ORDER BY array_position(ARRAY['package', 'service'," \
"      'interface', 'address', 'filesystem'], s.kind)) FROM item_data d" \
"      JOIN item_sets s ON s.digest = d.set_digest WHERE d.uid = u" \
"      AND s.nitems > 0), '') $f$;"

#define PGSCHEMA_V3 \
"DO $v3$ DECLARE v integer; BEGIN" \
"  SELECT max(version) INTO v FROM rollcall_schema;" \
"  IF v < 3 THEN" \
V3_FUNCS \
"    ALTER TABLE attempts ADD COLUMN id bigserial," \
"      ADD COLUMN host_id text GENERATED ALWAYS AS (host) STORED," \
"      ADD COLUMN groups text, ADD COLUMN trigger text," \
"      ADD COLUMN sweep_started_at bigint, ADD COLUMN sweep_nhosts integer," \
"      ADD COLUMN authed_us bigint, ADD COLUMN unchanged integer;" \
"    CREATE UNIQUE INDEX attempts_id ON attempts(id);" \
"    CREATE INDEX attempts_sweep ON attempts(node, sweep_id);" \
"    CREATE TABLE collector_runs (" \
"      rowid bigserial PRIMARY KEY," \
"      attempt_id bigint NOT NULL, collector text NOT NULL," \
"      status text NOT NULL, exit_code integer, error text," \
"      out_bytes bigint, duration_ms bigint);" \
"    CREATE INDEX collector_runs_attempt ON collector_runs(attempt_id);" \
"    CREATE TABLE fact_data (" \
"      id bigserial PRIMARY KEY, uid text NOT NULL, host text NOT NULL," \
"      collector text NOT NULL, started_us bigint NOT NULL," \
"      ended_us bigint NOT NULL, sweep_id bigint, facts jsonb NOT NULL);" \
"    CREATE INDEX fact_data_host ON fact_data(host, collector, started_us);" \
"    CREATE INDEX fact_data_uid ON fact_data(uid);" \
"    CREATE TABLE item_sets (digest text PRIMARY KEY, kind text NOT NULL," \
"      nitems integer NOT NULL);" \
"    CREATE TABLE item_set_rows (set_digest text NOT NULL," \
"      name text, detail text, hv text," \
"      f0 text, f1 text, f2 text, f3 text, f4 text);" \
"    CREATE INDEX item_set_rows_set ON item_set_rows(set_digest);" \
"    CREATE INDEX item_set_rows_name ON item_set_rows(name);" \
"    CREATE TABLE item_data (" \
"      id bigserial PRIMARY KEY, uid text NOT NULL, host text NOT NULL," \
"      kind text NOT NULL, started_us bigint NOT NULL," \
"      ended_us bigint NOT NULL, sweep_id bigint," \
"      set_digest text NOT NULL, used jsonb);" \
"    CREATE INDEX item_data_host ON item_data(host, kind, started_us);" \
"    CREATE INDEX item_data_uid ON item_data(uid);" \
V3_FIRST_SEEN \
/* Current state: newest data per host and collector / kind. */ \
"    CREATE VIEW cur_facts AS SELECT DISTINCT ON (host, collector) *" \
"      FROM fact_data ORDER BY host, collector, started_us DESC, id DESC;" \
"    CREATE VIEW cur_items AS SELECT DISTINCT ON (host, kind) *" \
"      FROM item_data ORDER BY host, kind, started_us DESC, id DESC;" \
"    CREATE VIEW hosts AS SELECT DISTINCT ON (host) host AS id," \
"      host AS name, address, port, NULL::text AS user, groups," \
"      min(started_us) OVER (PARTITION BY host) / 1000000 AS first_seen," \
"      ended_us / 1000000 AS last_seen, 1 AS in_inventory, node, segment" \
"      FROM attempts ORDER BY host, started_us DESC, id DESC;" \
"    DROP VIEW host_status; DROP VIEW host_facts;" \
"    CREATE VIEW host_status AS SELECT DISTINCT ON (a.host) a.host AS name," \
"      a.address AS address, a.status AS status, a.error AS error," \
"      " ISO_US("a.started_us") " AS last_attempt," \
"      (SELECT " ISO_US("max(s.started_us)") " FROM attempts s" \
"        WHERE s.host = a.host AND s.status = 'ok') AS last_success," \
"      a.groups AS groups, 1 AS in_inventory," \
"      a.node AS node, a.segment AS segment" \
"      FROM attempts a ORDER BY a.host, a.started_us DESC, a.id DESC;" \
"    CREATE VIEW facts AS SELECT c.host AS host_id, f.key AS key," \
"      f.value AS value, c.collector AS collector," \
"      c.ended_us / 1000000 AS updated_at, c.uid AS uid" \
"      FROM cur_facts c, jsonb_each_text(c.facts) f;" \
"    CREATE VIEW host_facts AS SELECT f.host_id AS host, f.key AS key," \
"      f.value AS value, " V3_ISO("f.updated_at") " AS updated_at," \
"      f.collector AS collector, a.node AS node" \
"      FROM facts f JOIN attempts a ON a.uid = f.uid;" \
"    CREATE VIEW packages AS SELECT c.host AS host_id, r.f0 AS name," \
"      r.f1 AS version, r.f2 AS arch, r.f3 AS manager" \
"      FROM cur_items c JOIN item_set_rows r ON r.set_digest = c.set_digest" \
"      WHERE c.kind = 'package';" \
"    CREATE VIEW services AS SELECT c.host AS host_id, r.f0 AS name," \
"      r.f1 AS load, r.f2 AS active, r.f3 AS sub, r.f4 AS enabled" \
"      FROM cur_items c JOIN item_set_rows r ON r.set_digest = c.set_digest" \
"      WHERE c.kind = 'service';" \
"    CREATE VIEW interfaces AS SELECT c.host AS host_id, r.f0 AS name," \
"      r.f1 AS mac, rc_int(r.f2) AS mtu, r.f3 AS state" \
"      FROM cur_items c JOIN item_set_rows r ON r.set_digest = c.set_digest" \
"      WHERE c.kind = 'interface';" \
"    CREATE VIEW addresses AS SELECT c.host AS host_id, r.f0 AS interface," \
"      r.f1 AS family, r.f2 AS address, rc_int(r.f3) AS prefix" \
"      FROM cur_items c JOIN item_set_rows r ON r.set_digest = c.set_digest" \
"      WHERE c.kind = 'address';" \
"    CREATE VIEW filesystems AS SELECT c.host AS host_id, r.f0 AS mount," \
"      r.f1 AS device, r.f2 AS fstype, rc_int(r.f3) AS size_bytes," \
"      rc_int(c.used->>r.f0) AS used_bytes" \
"      FROM cur_items c JOIN item_set_rows r ON r.set_digest = c.set_digest" \
"      WHERE c.kind = 'filesystem';" \
"    CREATE VIEW host_packages AS SELECT host_id AS host, name, version," \
"      arch, manager FROM packages;" \
"    CREATE VIEW host_services AS SELECT host_id AS host, name, load," \
"      active, sub, enabled FROM services;" \
"    CREATE VIEW host_interfaces AS SELECT host_id AS host, name, mac, mtu," \
"      state FROM interfaces;" \
"    CREATE VIEW host_addresses AS SELECT host_id AS host, interface," \
"      family, address, prefix FROM addresses;" \
"    CREATE VIEW host_filesystems AS SELECT host_id AS host, mount, device," \
"      fstype, size_bytes, used_bytes FROM filesystems;" \
/* History: consecutive data of a host, whichever node made it. */ \
"    CREATE VIEW fact_history AS SELECT d.id AS id, d.host AS host_id," \
"      k.key AS key, k.ov AS old_value, k.nv AS new_value," \
"      d.ended_us / 1000000 AS changed_at, d.sweep_id AS sweep_id" \
"      FROM fact_data d " V3_PREV("fact_data", "collector") "," \
"      LATERAL (SELECT coalesce(o.key, n.key) AS key, o.value AS ov," \
"        n.value AS nv FROM jsonb_each_text(p.facts) o FULL JOIN" \
"        jsonb_each_text(d.facts) n ON n.key = o.key" \
"        WHERE o.value IS DISTINCT FROM n.value) k" \
"      WHERE k.key NOT IN ('memory.available_bytes'," \
"        'memory.swap_free_bytes', 'time.epoch', 'uptime.load1'," \
"        'uptime.load15', 'uptime.load5', 'uptime.seconds');" \
"    CREATE VIEW item_history AS SELECT d.id AS id, d.host AS host_id," \
"      d.kind AS kind, coalesce(n.name, o.name) AS name," \
"      coalesce(n.detail, o.detail) AS detail," \
"      CASE WHEN o.name IS NULL THEN CASE d.kind WHEN 'package'" \
"        THEN 'installed' ELSE 'added' END" \
"      WHEN n.name IS NULL THEN 'removed'" \
"      WHEN d.kind <> 'package' THEN 'changed'" \
"      ELSE CASE sign(rc_order(n.f3, o.f1, n.f1)) WHEN -1 THEN 'upgraded'" \
"        WHEN 1 THEN 'downgraded' ELSE 'changed' END END AS change," \
"      o.hv AS old_value, n.hv AS new_value," \
"      d.ended_us / 1000000 AS changed_at, d.sweep_id AS sweep_id" \
"      FROM item_data d " V3_PREV("item_data", "kind") "," \
"      LATERAL (SELECT * FROM item_set_rows WHERE set_digest = p.set_digest" \
"        AND p.set_digest <> d.set_digest) o FULL JOIN" \
"      LATERAL (SELECT * FROM item_set_rows WHERE set_digest = d.set_digest" \
"        AND p.set_digest <> d.set_digest) n" \
"      ON n.name = o.name AND n.detail IS NOT DISTINCT FROM o.detail" \
"      WHERE o.hv IS DISTINCT FROM n.hv" \
"    UNION ALL SELECT f.id, f.host, 'host', f.host, NULL, 'first_seen'," \
"      NULL, rc_first_seen(f.uid), f.ended_us / 1000000, f.sweep_id" \
"      FROM (SELECT DISTINCT ON (host) id, host, uid, ended_us, sweep_id" \
"        FROM (SELECT id, host, uid, started_us, ended_us, sweep_id" \
"        FROM fact_data UNION ALL SELECT id, host, uid, started_us," \
"        ended_us, sweep_id FROM item_data) x" \
"        ORDER BY host, started_us, id) f;" \
"    CREATE VIEW changes AS SELECT h.host_id AS host, h.key AS key," \
"      h.old_value AS old_value, h.new_value AS new_value," \
"      " V3_ISO("h.changed_at") " AS changed_at," \
"      CASE WHEN h.old_value IS NULL THEN 'added'" \
"        WHEN h.new_value IS NULL THEN 'removed' ELSE 'changed' END" \
"      AS change, 'fact' AS kind, h.sweep_id AS sweep_id" \
"      FROM fact_history h" \
"      UNION ALL SELECT i.host_id, i.kind || ':' || i.name, i.old_value," \
"      i.new_value, " V3_ISO("i.changed_at") ", i.change, i.kind, i.sweep_id" \
"      FROM item_history i;" \
"    CREATE VIEW sweeps AS SELECT node, sweep_id AS id," \
"      max(trigger) AS trigger, min(sweep_started_at) AS started_at," \
"      max(ended_us) / 1000000 AS ended_at, max(sweep_nhosts) AS nhosts," \
"      count(*) FILTER (WHERE status = 'ok') AS ok," \
"      count(*) FILTER (WHERE status <> 'ok') AS failed" \
"      FROM attempts WHERE sweep_id IS NOT NULL GROUP BY node, sweep_id;" \
"    INSERT INTO rollcall_schema VALUES (3);" \
"  END IF;" \
"END $v3$;"

const char pgschema_migrate[] =
"BEGIN;"
"CREATE TABLE IF NOT EXISTS rollcall_schema (version integer NOT NULL);"
"LOCK TABLE rollcall_schema IN EXCLUSIVE MODE;"
"DO $rc$ DECLARE v integer; BEGIN"
"  SELECT max(version) INTO v FROM rollcall_schema;"
"  v := coalesce(v, 0);"
"  IF v > " PGSCHEMA_VERSION_S " THEN RAISE EXCEPTION 'central schema "
"version % is newer than this rollcall knows (" PGSCHEMA_VERSION_S ")', v;"
"  END IF;"
"  IF v < 1 THEN"
"    CREATE TABLE nodes ("
"      name text PRIMARY KEY,"
"      segment text NOT NULL,"
"      last_ship timestamptz NOT NULL);"
"    CREATE TABLE attempts ("
"      uid text PRIMARY KEY,"
"      node text NOT NULL,"
"      segment text NOT NULL,"
"      host text NOT NULL,"
"      local_id bigint NOT NULL,"
"      sweep_id bigint,"
"      status text NOT NULL,"
"      error text,"
"      started_us bigint NOT NULL,"
"      ended_us bigint NOT NULL,"
"      address text, port integer,"
"      facts jsonb NOT NULL DEFAULT '{}',"
"      received_at timestamptz NOT NULL DEFAULT now());"
"    CREATE INDEX attempts_host ON attempts(host, started_us);"
"    CREATE VIEW host_status AS SELECT DISTINCT ON (a.host) a.host AS name,"
"      a.address AS address, a.status AS status, a.error AS error,"
"      " ISO_US("a.started_us") " AS last_attempt,"
"      (SELECT " ISO_US("max(s.started_us)") " FROM attempts s"
"        WHERE s.host = a.host AND s.status = 'ok') AS last_success,"
"      a.node AS node, a.segment AS segment"
"      FROM attempts a ORDER BY a.host, a.started_us DESC, a.uid DESC;"
"    CREATE VIEW host_facts AS SELECT l.host AS host, f.key AS key,"
"      f.value AS value, " ISO_US("l.started_us") " AS updated_at,"
"      split_part(f.key, '.', 1) AS collector, l.node AS node"
"      FROM (SELECT DISTINCT ON (host) host, started_us, node, facts"
"        FROM attempts WHERE status = 'ok'"
"        ORDER BY host, started_us DESC, uid DESC) l,"
"      jsonb_each_text(l.facts) f;"
"    INSERT INTO rollcall_schema VALUES (1);"
"  END IF;"
/* 2: membership (heartbeats; what each node reports of itself). */
"  IF v < 2 THEN"
"    ALTER TABLE nodes"
"      ADD COLUMN heartbeat_at timestamptz,"
"      ADD COLUMN started_at timestamptz,"
"      ADD COLUMN hosts_owned integer,"
"      ADD COLUMN backlog bigint,"
"      ADD COLUMN backlog_oldest_us bigint;"
"    CREATE INDEX nodes_segment ON nodes(segment, heartbeat_at);"
"    INSERT INTO rollcall_schema VALUES (2);"
"  END IF;"
"END $rc$;"
PGSCHEMA_V3
PGSCHEMA_V4
"COMMIT;";

/* One statement, one round trip: the attempts not there yet, and only
 * for those their collector runs, the facts of each collector that was
 * parsed, and per list kind the set of rows (stored once per content) with
 * which host data points at it. */
const char pgschema_ship[] =
"WITH n AS (INSERT INTO nodes(name, segment, last_ship)"
"  VALUES ($2, $3, now()) ON CONFLICT (name) DO UPDATE"
"  SET segment = EXCLUDED.segment, last_ship = now()),"
" x AS (SELECT d FROM jsonb_array_elements($1::jsonb) AS e(d)),"
" ins AS (INSERT INTO attempts(uid, node, segment, host, local_id,"
"  sweep_id, status, error, started_us, ended_us, address, port,"
"  authed_us, unchanged, groups, trigger, sweep_started_at, sweep_nhosts)"
"  SELECT d->>'uid', $2, $3, d->>'host', (d->>'local_id')::bigint,"
"   (d->>'sweep_id')::bigint, d->>'status', d->>'error',"
"   (d->>'started_us')::bigint, (d->>'ended_us')::bigint, d->>'address',"
"   (d->>'port')::integer, (d->>'authed_us')::bigint,"
"   (d->>'unchanged')::integer, d->>'groups', d->>'trigger',"
"   (d->>'sweep_started_at')::bigint, (d->>'sweep_nhosts')::integer"
"  FROM x ON CONFLICT (uid) DO NOTHING"
"  RETURNING id, uid, host, started_us, ended_us, sweep_id),"
" nw AS (SELECT i.*, x.d FROM ins i JOIN x ON x.d->>'uid' = i.uid),"
" runs AS (INSERT INTO collector_runs(attempt_id, collector, status,"
"  exit_code, error, out_bytes, duration_ms)"
"  SELECT nw.id, r->>'collector', r->>'status', (r->>'exit_code')::integer,"
"   r->>'error', (r->>'out_bytes')::bigint, (r->>'duration_ms')::bigint"
"  FROM nw, jsonb_array_elements(nw.d->'runs') WITH ORDINALITY AS q(r, o)"
"  ORDER BY nw.id, q.o),"
" fd AS (INSERT INTO fact_data(uid, host, collector, started_us, ended_us,"
"  sweep_id, facts) SELECT nw.uid, nw.host, c.key, nw.started_us,"
"  nw.ended_us, nw.sweep_id, c.value FROM nw, jsonb_each(nw.d->'data') c),"
" it AS (SELECT nw.uid, nw.host, nw.started_us, nw.ended_us, nw.sweep_id,"
"  nw.d->'used' AS used, k.key AS kind, k.value AS rows,"
"  md5(k.key || ':' || coalesce((SELECT jsonb_agg(e ORDER BY e::text)"
"   FROM jsonb_array_elements(k.value) e), '[]')::text) AS digest"
"  FROM nw, jsonb_each(nw.d->'items') k),"
" u AS (SELECT DISTINCT ON (digest) digest, kind, rows FROM it"
"  ORDER BY digest),"
" sets AS (INSERT INTO item_sets(digest, kind, nitems)"
"  SELECT digest, kind, jsonb_array_length(rows) FROM u"
"  ON CONFLICT DO NOTHING RETURNING digest),"
" setrows AS (INSERT INTO item_set_rows(set_digest, name, detail, hv,"
"  f0, f1, f2, f3, f4)"
"  SELECT s.digest, CASE s.kind WHEN 'address' THEN e->>2 ELSE e->>0 END,"
"   CASE s.kind WHEN 'package' THEN e->>2 WHEN 'address' THEN e->>0 END,"
"   CASE s.kind WHEN 'package' THEN e->>1"
"    WHEN 'service' THEN " V3_KV("load", 1) " || ' ' || " V3_KV("active", 2)
"     || ' ' || " V3_KV("sub", 3) " || ' ' || " V3_KV("enabled", 4)
"    WHEN 'interface' THEN " V3_KV("mac", 1) " || ' ' || " V3_KV("mtu", 2)
"     || ' ' || " V3_KV("state", 3)
"    WHEN 'address' THEN " V3_KV("family", 1) " || ' ' || " V3_KV("prefix", 3)
"    ELSE " V3_KV("device", 1) " || ' ' || " V3_KV("fstype", 2) " || ' ' || "
    V3_KV("size_bytes", 3) " END,"
"   e->>0, e->>1, e->>2, e->>3, e->>4"
"  FROM sets JOIN u s ON s.digest = sets.digest,"
"   jsonb_array_elements(s.rows) e),"
" idata AS (INSERT INTO item_data(uid, host, kind, started_us, ended_us,"
"  sweep_id, set_digest, used) SELECT uid, host, kind, started_us, ended_us,"
"  sweep_id, digest, CASE kind WHEN 'filesystem' THEN used END FROM it)"
"SELECT count(*) FROM ins";

/* The name is taken only if no other instance holds it with a live
 * heartbeat (or that instance is $11: a dead process of this machine);
 * ON CONFLICT DO UPDATE ... WHERE decides on the locked row, so two
 * instances starting together cannot both win. */
/* Retention: one batch of central rows older than the retention window
 * ($1 ms before PostgreSQL's now()), at most $2 rows of each kind, by the
 * one node holding the advisory lock (the others skip: no waiting). Per
 * host and collector (kind) the newest data older than the window stays:
 * it is the current value or the baseline the first change inside the
 * window is computed from, so history inside the window is unchanged.
 * Attempts go except each host's newest and newest ok (host_status) and
 * those whose facts are still kept (host_facts names their node); their
 * collector runs go with them. Returns (lock taken, rows deleted). */
const char pgschema_prune[] =
"WITH l AS (SELECT pg_try_advisory_xact_lock(" PGSCHEMA_PRUNE_LOCK ") AS ok,"
"  (extract(epoch FROM now()) * 1000000)::bigint - $1::bigint * 1000"
"  AS cut),"
" fd AS (DELETE FROM fact_data WHERE id IN (SELECT f.id FROM fact_data f, l"
"  WHERE l.ok AND f.started_us < l.cut AND EXISTS (SELECT 1 FROM fact_data n"
"   WHERE n.host = f.host AND n.collector = f.collector"
"   AND n.started_us < l.cut AND (n.started_us, n.id) > (f.started_us, f.id))"
"  LIMIT $2) RETURNING 1),"
" idd AS (DELETE FROM item_data WHERE id IN (SELECT d.id FROM item_data d, l"
"  WHERE l.ok AND d.started_us < l.cut AND EXISTS (SELECT 1 FROM item_data n"
"   WHERE n.host = d.host AND n.kind = d.kind"
"   AND n.started_us < l.cut AND (n.started_us, n.id) > (d.started_us, d.id))"
"  LIMIT $2) RETURNING 1),"
" a AS (DELETE FROM attempts WHERE id IN (SELECT a.id FROM attempts a, l"
"  WHERE l.ok AND a.started_us < l.cut"
"  AND a.id <> (SELECT o.id FROM attempts o WHERE o.host = a.host"
"   ORDER BY o.started_us DESC, o.id DESC LIMIT 1)"
"  AND a.id IS DISTINCT FROM (SELECT o.id FROM attempts o"
"   WHERE o.host = a.host AND o.status = 'ok'"
"   ORDER BY o.started_us DESC, o.id DESC LIMIT 1)"
"  AND NOT EXISTS (SELECT 1 FROM fact_data f WHERE f.uid = a.uid)"
"  LIMIT $2) RETURNING id),"
" r AS (DELETE FROM collector_runs WHERE attempt_id IN (SELECT id FROM a)"
"  RETURNING 1)"
"SELECT CASE WHEN (SELECT ok FROM l) THEN 1 ELSE 0 END,"
"  (SELECT count(*) FROM fd) + (SELECT count(*) FROM idd) +"
"  (SELECT count(*) FROM a) + (SELECT count(*) FROM r)";

const char pgschema_beat[] =
"WITH me AS (INSERT INTO nodes(name, segment, last_ship, heartbeat_at,"
"  started_at, hosts_owned, backlog, backlog_oldest_us, instance,"
"  instance_host, instance_pid)"
"  VALUES ($1, $2, now(), now(), to_timestamp($3::bigint / 1000000.0),"
"   $4::integer, $5::bigint, $6::bigint, $8, $9, $10::integer)"
"  ON CONFLICT (name) DO UPDATE SET segment = EXCLUDED.segment,"
"   heartbeat_at = now(), started_at = EXCLUDED.started_at,"
"   hosts_owned = EXCLUDED.hosts_owned, backlog = EXCLUDED.backlog,"
"   backlog_oldest_us = EXCLUDED.backlog_oldest_us,"
"   instance = EXCLUDED.instance, instance_host = EXCLUDED.instance_host,"
"   instance_pid = EXCLUDED.instance_pid"
"  WHERE nodes.instance IS NULL OR nodes.instance = EXCLUDED.instance"
"   OR nodes.heartbeat_at IS NULL"
"   OR nodes.heartbeat_at <= now() - $7::bigint * interval '1 ms'"
"   OR (nodes.instance_host = EXCLUDED.instance_host"
"    AND nodes.instance_pid = $11::integer)"
"  RETURNING name)"
"SELECT $1::text, NULL::text, NULL::text WHERE EXISTS (SELECT 1 FROM me)"
"UNION ALL SELECT name, NULL, NULL FROM nodes WHERE EXISTS (SELECT 1 FROM me)"
"  AND segment = $2 AND name <> $1"
"  AND heartbeat_at > now() - $7::bigint * interval '1 ms'"
"UNION ALL SELECT NULL, coalesce(instance_host, '?'),"
"  coalesce(instance_pid::text, '?') FROM nodes"
"  WHERE NOT EXISTS (SELECT 1 FROM me) AND name = $1";

const char pgschema_nodes[] =
"SELECT name, segment,"
"  coalesce(round(extract(epoch FROM now() - heartbeat_at))::text, ''),"
"  CASE WHEN heartbeat_at > now() - $1::bigint * interval '1 ms'"
"   THEN 'yes' ELSE 'no' END,"
"  coalesce(hosts_owned::text, ''), coalesce(backlog::text, ''),"
"  coalesce(round(extract(epoch FROM now()) - backlog_oldest_us / 1e6)"
"   ::text, '')"
"  FROM nodes ORDER BY segment, name";
