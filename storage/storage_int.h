/* Storage internals shared by the files of storage/ (and its unit test):
 * migrations, the per-connection statement cache, and applying one queued
 * message inside the writer's transaction. Not for use outside storage/. */
#ifndef ROLLCALL_STORAGE_INT_H
#define ROLLCALL_STORAGE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "storage/storage.h"
#include "storage/storage_test.h"

/* Highest schema version this build knows (PRAGMA user_version). */
#define SCHEMA_VERSION	6

/* Bring the schema to SCHEMA_VERSION, one transaction per migration.
 * Returns 0, or -1 with err filled. */
int	schema_migrate(sqlite3 *, char *err, size_t errlen);
/* The same, stopping at version target (tests: an old database). */
int	schema_migrate_to(sqlite3 *, int target, char *err, size_t errlen);

/* Version 4's migration (storage/migrate4.c): distinct list items with
 * per-host links, collector digests and baselines. */
extern const char schema_migration4[];
/* Version 5's (storage/migrate5.c): the view host_collectors. */
extern const char schema_migration5[];
/* Version 6's (storage/migrate6.c): volatile facts in a table of their
 * own, `facts` a view over both. */
extern const char schema_migration6[];

/* One inventory host as copied for the writer thread. */
struct inv_host {
	char	*name;		/* inventory name */
	char	*address;	/* address to connect to */
	int	 port;		/* resolved port */
	char	*user;		/* resolved login user */
	char	*groups;	/* group names, comma separated */
};

/* Statements of the write path, prepared once per connection. */
enum store_stmt {
	ST_HOST_UPSERT,		/* host seen in a result */
	ST_INV_CLEAR,		/* everyone out of the inventory */
	ST_INV_UPSERT,		/* host from the inventory */
	ST_SWEEP_BEGIN,
	ST_SWEEP_END,
	ST_ATTEMPT,
	ST_COLL_RUN,
	ST_FACTS_RANGE,		/* current facts of one prefix, both tables */
	ST_FACT_INSERT,		/* facts_stable: insert, update, delete */
	ST_FACT_UPDATE,
	ST_FACT_DELETE,
	ST_VFACT_INSERT,	/* facts_volatile: the same three, same order */
	ST_VFACT_UPDATE,
	ST_VFACT_DELETE,
	ST_FACT_HISTORY,
	ST_MAX
};

/* Per list kind (storage/items.c): a host's rows, find and add a
 * distinct value, link, unlink and relink a host to one. */
enum item_stmt {
	IST_SELECT,
	IST_FIND,
	IST_ADD,
	IST_LINK,
	IST_UNLINK,
	IST_RELINK,
	IST_HISTORY,		/* item_history row (same SQL for every kind) */
	IST_MAX
};

/* Statements of storage/itemset.c, per shared kind. */
enum itemset_stmt {
	SST_SET_OF,		/* a host's set */
	SST_SET_FIND,		/* a set by digest */
	SST_SET_ADD,		/* a new set */
	SST_SET_ITEM,		/* one of its items */
	SST_SET_USE,		/* its host count */
	SST_SET_DROP_ITEMS,	/* dropping an unused set's items */
	SST_SET_DROP,		/* and the set */
	SST_SET_HOST,		/* the host's link to its set */
	SST_MAX
};

/* Statements of storage/collstate.c. */
enum collstate_stmt {
	CST_GET,		/* a host's stored digests, every collector */
	CST_PUT,		/* store a digest (and baseline time) */
	CST_FIRST_SEEN,		/* a host's first_seen history row */
	CST_MAX
};

/* The writer's connection and its cached statements. */
struct store {
	sqlite3		*db;			/* read-write connection */
	sqlite3_stmt	*st[ST_MAX];		/* store.c's, lazily prepared */
	sqlite3_stmt	*ist[ITEM_KIND_MAX][IST_MAX];	/* items.c's */
	sqlite3_stmt	*cst[CST_MAX];		/* collstate.c's */
	sqlite3_stmt	*sst[ITEM_KIND_MAX][SST_MAX];	/* itemset.c's */
};

/* The statement cache (storage/stmt.c). stmt_cached prepares sql into
 * *slot on first use and returns it reset and unbound, NULL on error. */
sqlite3_stmt	*stmt_cached(sqlite3 *, sqlite3_stmt **slot, const char *sql);
/* Finalize every cached statement of a store (connection stays open). */
void		 stmt_finalize_all(struct store *);
/* Run a statement that returns no rows (exec helper): SQLITE_OK or code. */
int		 stmt_step_done(sqlite3_stmt *);
/* Bind text, NULL stays NULL. */
void		 stmt_bind_text(sqlite3_stmt *, int, const char *);
/* The first column of a one-row query (PRAGMA user_version, max(id)):
 * SQLITE_OK with *out set (left as it was when there is no row), or the
 * error code. */
int		 stmt_int64(sqlite3 *, const char *sql, int64_t *out);

/* Apply one message's worth of data; each returns an SQLite result code
 * (SQLITE_OK on success). All run inside the caller's transaction. */
int	store_sync_inventory(struct store *, const struct inv_host *, size_t,
	    int64_t now);
int	store_sweep_begin(struct store *, int64_t id, const char *trigger,
	    size_t nhosts, int64_t started_at);
int	store_sweep_end(struct store *, int64_t id, int64_t ended_at);
int	store_result(struct store *, const struct host_result *);

/* Replace one host's list rows of one kind, writing item_history rows for
 * what changed, none at the collector's baseline (storage/items.c). */
int	store_items(struct store *, int64_t host_id, enum item_kind,
	    const struct host_result *, int64_t when, int baseline);

/* What storing does with one collector of a result (storage/collstate.c). */
enum collplan {
	CP_NONE,		/* not ok (or unbacked claim): keep what is stored */
	CP_BASELINE,		/* first data on this host: store, no history */
	CP_DIFF,		/* parsed: diff against what is stored */
	CP_CONFIRMED,		/* output unchanged: facts confirmed as they are */
};

/* Plan each collector of r (plan[i] for r->colls[i]); *fresh when the host
 * has no collector data yet (its first sight). Returns an SQLite code. */
int	collstate_plan(struct store *, int64_t host_id,
	    const struct host_result *, enum collplan *plan, int *fresh);
/* After storing: digests of what was parsed, the first_seen row. */
int	collstate_commit(struct store *, int64_t host_id,
	    const struct host_result *, const enum collplan *plan, int fresh,
	    int64_t when);
/* Does the host have no collector state at all? */


/* Shared kinds (packages): a host links to one set of items, stored once
 * for every host with exactly those items (storage/itemset.c). */
/* Link the host to the set of these item ids (sorted here), creating it
 * if no host had it, dropping its old set if no host has that any more. */
int	 itemset_store(struct store *, enum item_kind, int64_t host_id,
	    int64_t *ids, size_t n);

/* Collector that owns a list kind ("packages", "network", ...). */
const char	*item_owner(enum item_kind);

/* version_cmp() and fact_match() for SQL (storage/sqlfunc.c). */
int	sqlfunc_register(sqlite3 *);

/* A read-only connection of the CLI (storage/db.c). */
struct db {
	sqlite3		*db;		/* read-only connection */
	char		*path;		/* for messages */
	enum db_fault	 fault;		/* why the last query failed, if the
					   database could not be read */
	char		**limit;	/* --limit's hosts, sorted; NULL = every
					   host (host_selected()) */
	size_t		 nlimit;
};

/* The class of an SQLite error code (extended or not), with the system
 * errno behind an I/O error if known (0 if not). */
enum db_fault	 db_fault_of(int rc, int sys_errno);
/* The directory that holds path ("." for a bare name); caller frees
 * (storage/db.c). */
char		*db_dir(const char *path);

/* The checks the writer runs at open, before anything is written
 * (storage/dbcheck.c). The header: magic, page size, a file cut short.
 * 0 when fine (or empty: a new database), -1 with err filled. */
int	dbcheck_header(const char *path, char *err, size_t errlen);
/* Above this size the quick_check runs in the background (normally
 * DB_QUICK_CHECK_SYNC_MAX; tests lower it). */
int64_t	dbcheck_sync_max(void);
/* Read path sequentially so the page cache holds it before a check. */
void	dbcheck_preread(const char *path);
/* PRAGMA quick_check on an open connection, at most a few problems.
 * Returns DBF_NONE, DBF_CORRUPT with err naming the first problem, or
 * another fault when the check could not run (err filled). */
enum db_fault dbcheck_quick(sqlite3 *, char *err, size_t errlen);
/* What to tell the operator when path is corrupt: err gets the cause and
 * the way out (restore a backup, .recover), and that nothing is written. */
void	dbcheck_advice(const char *path, const char *cause, char *err,
	    size_t errlen);

/* A quick_check of a large database on a thread of its own, with its own
 * read-only connection, so the writer starts at once. */
struct dbcheck_bg;
/* Called on the check's thread when it found corruption (err says what). */
typedef void (*dbcheck_bg_cb)(void *arg, const char *err);
struct dbcheck_bg *dbcheck_bg_start(const char *path, dbcheck_bg_cb,
	    void *arg);
/* Interrupt the check if it still runs, wait for its thread, free. NULL
 * is fine. */
void	dbcheck_bg_stop(struct dbcheck_bg *);

#endif
