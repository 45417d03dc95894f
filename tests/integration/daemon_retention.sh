#!/usr/bin/env bash
# daemon_retention: history older than `retention` is pruned after a
# sweep, in batches, and newer history stays. Old rows are planted with
# sqlite3 into a database a first `collect` made.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

fleet_start --hosts 4 --delay 50:200
rc_run collect -c "$CONF"
assert_eq "collect exits 0" 0 "$RC"
# A first sight is a baseline: no fact history, one first_seen row a host.
recent=$(sql "SELECT count(*) FROM item_history WHERE change = 'first_seen'")
assert_eq "the first sweep wrote one first_seen row per host" 4 "$recent"
# 1,234 fact and 1,234 item history rows from 1970 (more than two batches),
# plus an old sweep with one old attempt.
sqlite3 "$DB" <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1234)
INSERT INTO fact_history(host_id, key, old_value, new_value, changed_at)
  SELECT (SELECT min(id) FROM hosts), 'old.k' || i, 'a', 'b', 1000 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1234)
INSERT INTO item_history(host_id, kind, name, change, changed_at)
  SELECT (SELECT min(id) FROM hosts), 'package', 'p' || i, 'installed', 1000 FROM n;
INSERT INTO sweeps(id, trigger, started_at, ended_at) VALUES (1000000, 'old', 1000, 1001);
INSERT INTO attempts(sweep_id, host_id, status, started_us, ended_us)
  VALUES (1000000, (SELECT min(id) FROM hosts), 'refused', 1000000000, 1000000000);
SQL
assert_eq "old rows planted" 2468 \
    "$(sql 'SELECT (SELECT count(*) FROM fact_history WHERE changed_at < 86400) + (SELECT count(*) FROM item_history WHERE changed_at < 86400)')"
conf_add <<'YML'
interval: 1h
retention: 1d
YML

daemon_start
wait_for "sweep done" 30 log_has 'sweep [0-9]+: 4 hosts in'
wait_for "prune logged" 15 log_has 'retention: pruned [0-9]+ history rows'
assert_eq "old fact_history pruned" 0 "$(sql 'SELECT count(*) FROM fact_history WHERE changed_at < 86400')"
assert_eq "old item_history pruned" 0 "$(sql 'SELECT count(*) FROM item_history WHERE changed_at < 86400')"
assert_eq "old sweep and attempt pruned" 0 "$(sql 'SELECT count(*) FROM sweeps WHERE id = 1000000')"
assert_eq "recent history kept" "$recent" "$(sql 'SELECT count(*) FROM item_history')"
assert_eq "... and no old fact history left" 0 "$(sql 'SELECT count(*) FROM fact_history')"
assert_eq "current facts kept" 4 "$(sql "SELECT count(*) FROM facts WHERE key = 'os.id'")"
daemon_term
assert_eq "daemon exits 0" 0 "$DRC"
assert_eq "PRAGMA integrity_check" ok "$(sql 'PRAGMA integrity_check')"
finish
