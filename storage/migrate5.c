/* Schema version 5 (issue 15): the view host_collectors, how each
 * collector went in every host's last attempt, which is what `rollcall
 * show HOST` prints per collector, for `rollcall query`. Adds no table
 * and touches no row, so a version-4 file keeps all its data. Runs
 * inside schema_apply's transaction. */
#include "storage/storage_int.h"

#define ISO_US(x) "strftime('%Y-%m-%dT%H:%M:%SZ', (" x ") / 1000000, 'unixepoch')"

/* The last attempt is chosen as host_status chooses it (latest start,
 * then highest id), so both views speak of the same attempt. Collectors
 * that ran ok with unchanged output have no collector_runs row (they are
 * counted in attempts.unchanged), here as in show. */
const char schema_migration5[] =
"CREATE VIEW host_collectors AS SELECT h.name AS host,"
"  r.collector AS collector, r.status AS status,"
"  r.exit_code AS exit_code, r.error AS error,"
"  r.duration_ms AS duration_ms, r.out_bytes AS out_bytes,"
"  " ISO_US("a.started_us") " AS started_at, a.sweep_id AS sweep_id"
"  FROM hosts h JOIN attempts a ON a.id = (SELECT l.id FROM attempts l"
"    WHERE l.host_id = h.id ORDER BY l.started_us DESC, l.id DESC LIMIT 1)"
"  JOIN collector_runs r ON r.attempt_id = a.id;";
