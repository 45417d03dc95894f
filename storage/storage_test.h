/* Hooks for tests/unit/test_storage.c: ways to reach into the writer (and
 * the read side) that production code never uses. No SQLite types, so
 * tests need not include sqlite3.h. */
#ifndef ROLLCALL_STORAGE_TEST_H
#define ROLLCALL_STORAGE_TEST_H

#include <stddef.h>
#include <stdint.h>

struct writer;

/* Run SQL on the writer's connection, on its thread, outside any
 * transaction (e.g. PRAGMA max_page_count to simulate a full disk);
 * returns once it ran. */
void	writer_test_exec(struct writer *, const char *sql);
/* Check databases above this many bytes in the background instead of
 * DB_QUICK_CHECK_SYNC_MAX (0: every database). */
void	dbcheck_test_sync_max(long long bytes);
/* Backlogged above high bytes, oldest dropped above max (instead of
 * 8 MB and 32 MB). */
void	writer_test_bytes(struct writer *, size_t high, size_t max);
/* A slow writer: sleep ms before every transaction. */
void	writer_test_delay(struct writer *, int64_t ms);
/* Bound the queue at n results instead of 10,000. */
void	writer_test_queue_max(struct writer *, size_t n);

/* The "file:" URI db_open_ro uses on a read-only file system: path
 * %-encoded, then "?" and query. Caller frees. */
char	*db_uri(const char *path, const char *query);

#endif
