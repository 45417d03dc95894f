/* The central PostgreSQL schema (docs/DISTRIBUTED.md): versioned
 * migrations applied by the first node that connects, and the statement
 * that ships a batch of attempts idempotently. */
#ifndef ROLLCALL_CLUSTER_PGSCHEMA_H
#define ROLLCALL_CLUSTER_PGSCHEMA_H

/* Highest central schema version this build knows. */
#define PGSCHEMA_VERSION	3
#define PGSCHEMA_VERSION_STR	"3"	/* the same, for the SQL text */

/* One text of statements for PQsendQuery: creates rollcall_schema, locks
 * it (nodes starting together migrate one after the other), applies every
 * missing migration and fails if the database is newer than this build. */
extern const char pgschema_migrate[];

/* $1 = JSON array of outbox documents, $2 = node, $3 = segment. Inserts
 * the attempts not there yet (ON CONFLICT (uid) DO NOTHING), records the
 * node as seen, returns one row: how many were new. */
extern const char pgschema_ship[];

#endif
