/* Storage: the only module that includes sqlite3.h. One writer thread owns
 * the only read-write connection and batches results into transactions; the
 * CLI reads through read-only connections. */
#ifndef ROLLCALL_STORAGE_H
#define ROLLCALL_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "config/config.h"

/* Why a database could not be read or written: what the operator does
 * next depends on it (storage/dbcare.c has the table). */
enum db_fault {
	DBF_NONE = 0,
	DBF_MISSING,		/* no such file */
	DBF_PERM,		/* not allowed (the database is 0600) */
	DBF_CORRUPT,		/* damaged or not a database: restore a backup */
	DBF_FULL,		/* disk or quota full: transient */
	DBF_READONLY,		/* read-only file or file system: transient */
	DBF_BUSY,		/* locked by another process: transient */
	DBF_IO,			/* other I/O error: retried, may be transient */
	DBF_OTHER,		/* anything else */
	DBF_MAX
};
/* A short name: "corruption", "disk full", ... */
const char	*db_fault_str(enum db_fault);
/* 1 when retrying may succeed without anyone acting (disk full, read-only,
 * busy, I/O); 0 for corruption, which never heals by itself. */
int		 db_fault_transient(enum db_fault);

/* ---- Writer side (daemon and `rollcall collect`) ---- */
struct writer;

/* Open (creating 0600, WAL, migrating) the database and start the writer
 * thread. Runs on the caller's thread before any event loop starts.
 * Returns NULL with err filled. */
struct writer	*writer_open(const char *path, char *err, size_t errlen);

/* Record the inventory (hosts, addresses, groups) as of this config; copies
 * what it needs, the write happens on the writer thread. */
void		 writer_sync_inventory(struct writer *, const struct config *);

/* Start a sweep: returns its id at once (no database call on the caller's
 * thread); the row is written on the writer thread. */
int64_t		 writer_sweep_begin(struct writer *, const char *trigger,
		    size_t nhosts);

/* Hand over one host's result; the writer owns and frees it. */
void		 writer_submit(struct writer *, struct host_result *);

/* Finish a sweep: the row gets its end time and counts once every result
 * submitted before this call is stored. */
void		 writer_sweep_end(struct writer *, int64_t sweep_id);

/* Prune history older than older_than (epoch seconds) in small
 * transactions on the writer thread, between batches (storage/retention.c
 * says what goes). Returns at once; a newer call replaces a pending one. */
void		 writer_prune(struct writer *, int64_t older_than);

/* Block until everything submitted so far is committed. */
void		 writer_flush(struct writer *);

/* Flush, stop the thread, close the database, free. NULL is fine. */
void		 writer_close(struct writer *);

/* Backpressure: 1 while the results waiting hold more memory than the
 * writer wants queued (8 MB); the dispatcher starts no host meanwhile. */
int		 writer_backlogged(struct writer *);

/* The database file, for a sweep's digest window (storage/digest.h) to
 * read on its own connection; NULL when there is none (w NULL, or the
 * database could not be opened). Valid while w is open. */
const char	*writer_db_path(struct writer *);

/* Counters for status/metrics; cheap, lock-protected. */
struct writer_stats {
	size_t	 queue_depth;		/* results waiting */
	size_t	 queue_bytes;		/* memory they hold, roughly */
	size_t	 queue_bytes_peak;	/* the most it ever was */
	uint64_t commits;		/* transactions committed */
	uint64_t submitted;		/* host results handed to the writer */
	uint64_t results;		/* host results stored */
	uint64_t lost;			/* results never stored: dropped, refused
					   (database broken), given up at close */
	int64_t	 last_commit_us;	/* duration of the last commit */
	int	 degraded;		/* last write failed (or the database
					   failed its check) */
	int	 broken;		/* degraded for good: the cause cannot
					   heal by itself (corruption), nothing
					   is written until a restart */
	enum db_fault fault;		/* the cause, if degraded */
	char	 last_error[1024];	/* why, if degraded */
};
void		 writer_get_stats(struct writer *, struct writer_stats *);

/* Flush, stop, close like writer_close, and fill *final with the counters
 * as they ended (results stored, results lost), for `collect`. */
void		 writer_close_stats(struct writer *, struct writer_stats *final);

/* ---- Read side (CLI) ---- */

/* A result set: column names and rows of cells, every cell text or NULL,
 * with a flag per column saying whether it holds numbers (for JSON). */
struct arena;
struct table {
	size_t	 ncols;
	char	**cols;		/* column names */
	int	*numeric;	/* per column: 1 when every cell is a number */
	size_t	 nrows;
	char	***rows;	/* rows[r][c], NULL for SQL NULL */
	struct arena *arena;	/* every row array and cell lives here
				 * (freed at once, never one by one) */
};
void		 table_free(struct table *);
/* Replace cell (r, c) with a copy of v (NULL: SQL NULL); the table owns
 * its cells, so never free() or assign one directly. */
void		 table_set_cell(struct table *, size_t r, size_t c,
		    const char *v);
/* Insert a column before column at (at == ncols: last), NULL in every
 * row. */
void		 table_add_column(struct table *, size_t at, const char *name,
		    int numeric);

struct db;
/* Open read-only (the file must exist). Returns NULL with err filled. A
 * struct db is used by one thread at a time (its connection is opened
 * without SQLite's per-call mutex). */
struct db	*db_open_ro(const char *path, char *err, size_t errlen);
/* The same, saying why it failed in *fault (DBF_MISSING, DBF_PERM,
 * DBF_CORRUPT, ...). */
struct db	*db_open_ro_fault(const char *path, enum db_fault *fault,
		    char *err, size_t errlen);
/* Why the last query on this connection failed: DBF_CORRUPT, DBF_IO, ...
 * when the database could not be read, DBF_NONE for a query's own error
 * (syntax, no such column) or success. */
enum db_fault	 db_fault(const struct db *);
void		 db_close(struct db *);
/* Make the SQL function host_selected(name) true only for these hosts
 * (the CLI's --limit); until called it is true for every host. */
void		 db_limit_hosts(struct db *, char *const *names, size_t n);

/* ---- Care of the file (storage/dbcare.c): check, backup, stats ---- */

/* Databases up to this size get PRAGMA quick_check when the writer opens
 * them, before anything is written; larger ones get it in the background
 * right after start (the writer stops writing if it fails). 130 MB took
 * 1.3 s from a cold cache on the test machine (read sequentially first). */
#define DB_QUICK_CHECK_SYNC_MAX	(128LL * 1024 * 1024)

/* The verdict of an integrity check. */
struct db_verdict {
	int	 ok;			/* integrity_check said "ok" */
	size_t	 nproblems;		/* problems listed (capped) */
	char	**problems;		/* SQLite's words, one per problem */
	int	 capped;		/* there were more than listed */
	int64_t	 bytes;			/* database file size */
	int64_t	 took_ms;		/* how long the check ran */
};
/* Full PRAGMA integrity_check of path, read-only, online. Returns 0 with
 * the verdict filled (corrupt or not), or -1 with err when the file could
 * not be read at all (missing, permission); *fault says which. */
int		 db_check(const char *path, struct db_verdict *,
		    enum db_fault *fault, char *err, size_t errlen);
void		 db_verdict_free(struct db_verdict *);

/* What a backup wrote. */
struct db_backup_info {
	int64_t	 bytes;			/* size of the copy */
	int64_t	 last_sweep;		/* newest finished sweep in it */
	int64_t	 took_ms;		/* how long it took */
	int	 rotated;		/* older copies renamed to FILE.1.. */
	enum db_fault fault;		/* why the source could not be read */
};
/* Consistent online copy of src to dst while a writer may be writing:
 * SQLite's backup API in one step (one read snapshot, the writer is not
 * blocked under WAL) into a 0600 temp file beside dst, quick_check'ed,
 * fsync'ed, then renamed over dst. keep > 0 first shifts dst to dst.1 ..
 * dst.<keep> (the oldest goes). Returns 0, or -1 with err filled and
 * nothing changed at dst. */
int		 db_backup(const char *src, const char *dst, int keep,
		    struct db_backup_info *, char *err, size_t errlen);

/* Size and contents of a database, for `rollcall db stats`. */
struct db_stats {
	int64_t	 file_bytes;		/* the database file */
	int64_t	 wal_bytes;		/* its -wal, 0 if none */
	int64_t	 page_size;
	int64_t	 pages;			/* page_count */
	int64_t	 free_pages;		/* freelist_count */
	int	 schema_version;	/* PRAGMA user_version */
	int64_t	 hosts;			/* rows in hosts */
	int64_t	 hosts_inventory;	/* of those, in the inventory */
	int64_t	 sweeps;		/* rows in sweeps */
	int64_t	 oldest_sweep;		/* epoch seconds, 0 none */
	int64_t	 oldest_history;	/* oldest change kept, 0 none */
	struct table *tables;		/* table, rows, bytes (with indexes) */
};
/* Fill st from the database at path (read-only). -1 with err filled. */
int		 db_stats(const char *path, struct db_stats *, char *err,
		    size_t errlen);
void		 db_stats_free(struct db_stats *);

/* Run one read-only SQL statement. Returns NULL with err filled. */
struct table	*db_query(struct db *, const char *sql, char *err,
		    size_t errlen);
/* The same with text parameters bound to ?1..?n (NULL binds SQL NULL), so
 * user input never becomes SQL text. */
struct table	*db_query_params(struct db *, const char *sql,
		    const char *const *params, size_t nparams, char *err,
		    size_t errlen);

#endif
