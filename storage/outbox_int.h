/* The outbox's writer side, called by storage/writer.c on its thread
 * inside the open transaction. Not for use outside storage/. */
#ifndef ROLLCALL_STORAGE_OUTBOX_INT_H
#define ROLLCALL_STORAGE_OUTBOX_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

#define OUTBOX_ORIGIN_LEN	32	/* hex digits of a database's origin */

/* Create the outbox tables if missing and read this database's origin (a
 * random id made once per database file, so attempt ids stay unique
 * across nodes and across a database that is recreated). */
int	outbox_create(sqlite3 *, char origin[OUTBOX_ORIGIN_LEN + 1]);
/* Queue the attempt just stored (the newest attempts row) for shipping;
 * drops the oldest beyond max. */
int	outbox_add(sqlite3 *, const char *origin, const struct host_result *,
	    size_t max);
/* Delete what PostgreSQL acknowledged. */
int	outbox_ack(sqlite3 *, int64_t upto_id);

#endif
