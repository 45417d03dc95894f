/* Retention: the SQL that prunes history older than `retention`, run by the
 * writer thread in small transactions between its batches (writer_prune). */
#ifndef ROLLCALL_RETENTION_H
#define ROLLCALL_RETENTION_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define RETENTION_BATCH	500	/* rows deleted per transaction, at most */

/* Delete up to `limit` rows older than `before` (epoch seconds) in one
 * transaction. Returns the rows deleted (0: nothing left), or -1 with err
 * filled and the transaction rolled back. */
int64_t	retention_prune_batch(sqlite3 *, int64_t before, int limit,
	    char *err, size_t errlen);

#endif
