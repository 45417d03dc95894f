/* The central schema's text. Never edit a migration that has shipped; add
 * the next one inside the DO block with its own IF v < N. The views have
 * the names and columns of the local ones (docs/SCHEMA.md) where they
 * apply, plus the node that made each attempt. */
#include "cluster/pgschema.h"

#define PGSCHEMA_STR_(x)	#x
#define PGSCHEMA_STR(x)		PGSCHEMA_STR_(x)
#define PGSCHEMA_VERSION_S	PGSCHEMA_STR(PGSCHEMA_VERSION)

#define ISO_US(x) "to_char(to_timestamp((" x ") / 1000000.0) AT TIME ZONE " \
	"'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

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
"COMMIT;";

const char pgschema_ship[] =
"WITH n AS (INSERT INTO nodes(name, segment, last_ship)"
"  VALUES ($2, $3, now()) ON CONFLICT (name) DO UPDATE"
"  SET segment = EXCLUDED.segment, last_ship = now()),"
" ins AS (INSERT INTO attempts(uid, node, segment, host, local_id,"
"  sweep_id, status, error, started_us, ended_us, address, port, facts)"
"  SELECT x.uid, $2, $3, x.host, x.local_id, x.sweep_id, x.status,"
"   x.error, x.started_us, x.ended_us, x.address, x.port,"
"   coalesce(x.facts, '{}')"
"  FROM jsonb_to_recordset($1::jsonb) AS x(uid text, host text,"
"   local_id bigint, sweep_id bigint, status text, error text,"
"   started_us bigint, ended_us bigint, address text, port integer,"
"   facts jsonb)"
"  ON CONFLICT (uid) DO NOTHING RETURNING 1)"
"SELECT count(*) FROM ins";

const char pgschema_beat[] =
"WITH me AS (INSERT INTO nodes(name, segment, last_ship, heartbeat_at,"
"  started_at, hosts_owned, backlog, backlog_oldest_us)"
"  VALUES ($1, $2, now(), now(), to_timestamp($3::bigint / 1000000.0),"
"   $4::integer, $5::bigint, $6::bigint)"
"  ON CONFLICT (name) DO UPDATE SET segment = EXCLUDED.segment,"
"   heartbeat_at = now(), started_at = EXCLUDED.started_at,"
"   hosts_owned = EXCLUDED.hosts_owned, backlog = EXCLUDED.backlog,"
"   backlog_oldest_us = EXCLUDED.backlog_oldest_us)"
"SELECT $1::text UNION SELECT name FROM nodes WHERE segment = $2"
"  AND name <> $1 AND heartbeat_at > now() - $7::bigint * interval '1 ms'";

const char pgschema_nodes[] =
"SELECT name, segment,"
"  coalesce(round(extract(epoch FROM now() - heartbeat_at))::text, ''),"
"  CASE WHEN heartbeat_at > now() - $1::bigint * interval '1 ms'"
"   THEN 'yes' ELSE 'no' END,"
"  coalesce(hosts_owned::text, ''), coalesce(backlog::text, ''),"
"  coalesce(round(extract(epoch FROM now()) - backlog_oldest_us / 1e6)"
"   ::text, '')"
"  FROM nodes ORDER BY segment, name";
