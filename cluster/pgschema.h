/* The central PostgreSQL schema (docs/DISTRIBUTED.md): versioned
 * migrations applied by the first node that connects, and the statement
 * that ships a batch of attempts idempotently. */
#ifndef ROLLCALL_CLUSTER_PGSCHEMA_H
#define ROLLCALL_CLUSTER_PGSCHEMA_H

/* Highest central schema version this build knows. */
#define PGSCHEMA_VERSION	4

/* One text of statements for PQsendQuery: creates rollcall_schema, locks
 * it (nodes starting together migrate one after the other), applies every
 * missing migration and fails if the database is newer than this build. */
extern const char pgschema_migrate[];

/* $1 = JSON array of outbox documents, $2 = node, $3 = segment. Inserts
 * the attempts not there yet (ON CONFLICT (uid) DO NOTHING), records the
 * node as seen, returns one row: how many were new. */
extern const char pgschema_ship[];

/* The advisory lock key that lets one node at a time prune. */
#define PGSCHEMA_PRUNE_LOCK	"7283160014"

/* Retention: $1 = retention in ms, $2 = rows per kind at most. One row:
 * 1 if this node held the prune lock (0: another node is pruning, nothing
 * done), and the central rows deleted. */
extern const char pgschema_prune[];

/* Heartbeat: $1 = node, $2 = segment, $3 = started (epoch us), $4 =
 * hosts owned (NULL: not known yet), $5 = backlog, $6 = its oldest
 * (epoch us, NULL: none), $7 = dead_after in ms, $8 = this instance's
 * random id, $9 = its machine, $10 = its pid, $11 = a pid of this machine
 * whose process is gone and may be taken over from (NULL: none). Upserts
 * the node's row with heartbeat_at = now() (PostgreSQL's clock: node
 * clocks never judge liveness) unless another instance holds the name
 * with a live heartbeat. Rows (name, host, pid): held, the live nodes of
 * the segment, this one included (host, pid NULL); not held, one row
 * with name NULL and the holder's machine and pid. */
extern const char pgschema_beat[];

/* For `status --cluster`: $1 = dead_after in ms. One row per node: name,
 * segment, seconds since its heartbeat, alive (yes/no), hosts owned,
 * backlog, age in seconds of its oldest unshipped attempt ('' = unknown). */
extern const char pgschema_nodes[];

#endif
