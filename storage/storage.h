/* Storage: the only module that includes sqlite3.h. One writer thread owns
 * the only read-write connection and batches results into transactions; the
 * CLI reads through read-only connections. */
#ifndef ROLLCALL_STORAGE_H
#define ROLLCALL_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "config/config.h"

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

/* Counters for status/metrics; cheap, lock-protected. */
struct writer_stats {
	size_t	 queue_depth;		/* results waiting */
	uint64_t commits;		/* transactions committed */
	uint64_t results;		/* host results stored */
	int64_t	 last_commit_us;	/* duration of the last commit */
	int	 degraded;		/* last write failed; retrying */
	char	 last_error[256];	/* why, if degraded */
};
void		 writer_get_stats(struct writer *, struct writer_stats *);

/* ---- Read side (CLI) ---- */

/* A result set: column names and rows of cells, every cell text or NULL,
 * with a flag per column saying whether it holds numbers (for JSON). */
struct table {
	size_t	 ncols;
	char	**cols;		/* column names */
	int	*numeric;	/* per column: 1 when every cell is a number */
	size_t	 nrows;
	char	***rows;	/* rows[r][c], NULL for SQL NULL */
};
void		 table_free(struct table *);

struct db;
/* Open read-only (the file must exist). Returns NULL with err filled. */
struct db	*db_open_ro(const char *path, char *err, size_t errlen);
void		 db_close(struct db *);
/* Make the SQL function host_selected(name) true only for these hosts
 * (the CLI's --limit); until called it is true for every host. */
void		 db_limit_hosts(struct db *, char *const *names, size_t n);

/* Run one read-only SQL statement. Returns NULL with err filled. */
struct table	*db_query(struct db *, const char *sql, char *err,
		    size_t errlen);
/* The same with text parameters bound to ?1..?n (NULL binds SQL NULL), so
 * user input never becomes SQL text. */
struct table	*db_query_params(struct db *, const char *sql,
		    const char *const *params, size_t nparams, char *err,
		    size_t errlen);

#endif
