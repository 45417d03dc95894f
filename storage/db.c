/* Read side for the CLI: a read-only connection and one-statement queries
 * returned as a table of text cells. The writer is never blocked beyond its
 * busy timeout: WAL readers do not block writers. On a read-only file
 * system the database is still readable (db_connect_rofs). */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "storage/storage.h"
#include "storage/storage_int.h"

#define DB_BUSY_MS	5000
#define DB_WAL_HEADER	32	/* bytes of a -wal before its first frame */

/* What any statement that would change something gets, however SQLite
 * found out (not read-only, denied by the authorizer, or refused by the
 * read-only connection while it ran). */
#define DB_READONLY_MSG	"only read-only statements are allowed (SELECT, " \
			"WITH ... SELECT): the database is opened read-only"

/* Order names, for bsearch. */
static int
db_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* host_selected(name): 1 when no --limit was given or the host is one it
 * selected, else 0 (NULL stays NULL). */
static void
sql_host_selected(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct db	*d = sqlite3_user_data(ctx);
	const char	*name = (const char *)sqlite3_value_text(argv[0]);

	if (name == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int(ctx, d->limit == NULL || bsearch(&name, d->limit,
	    d->nlimit, sizeof *d->limit, db_name_cmp) != NULL);
}

/* Keep only these hosts for host_selected() (the CLI's --limit, resolved
 * against the inventory by config_select()). */
void
db_limit_hosts(struct db *d, char *const *names, size_t n)
{
	size_t	 i;

	for (i = 0; i < d->nlimit; i++)
		free(d->limit[i]);
	free(d->limit);
	d->limit = xcalloc(n + 1, sizeof *d->limit);
	for (i = 0; i < n; i++)
		d->limit[i] = xstrdup(names[i]);
	d->nlimit = n;
	qsort(d->limit, n, sizeof *d->limit, db_name_cmp);
}

/* Refuse what could reach other files, even read-only. */
static int
db_authorize(void *arg, int action, const char *a, const char *b,
    const char *c, const char *d)
{
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH)
		return SQLITE_DENY;
	return SQLITE_OK;
}

/* Open read-only and read the schema at once, so a database SQLite cannot
 * open fails here and not at the first query; pragma runs first if given.
 * Returns an SQLite code, with *dbp to close either way. */
static int
db_connect(const char *name, int flags, const char *pragma, sqlite3 **dbp)
{
	int	 rc;

	*dbp = NULL;
	if ((rc = sqlite3_open_v2(name, dbp, flags, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_busy_timeout(*dbp, DB_BUSY_MS);
	if (pragma != NULL &&
	    (rc = sqlite3_exec(*dbp, pragma, NULL, NULL, NULL)) != SQLITE_OK)
		return rc;
	return sqlite3_exec(*dbp, "SELECT count(*) FROM sqlite_master", NULL,
	    NULL, NULL);
}

/* A "file:" URI for path with query appended: '?', '#' and '%' are
 * %-encoded, an absolute path gets an empty authority ("file:///...") so
 * a leading "//" is not read as a host name. Caller frees. */
char *
db_uri(const char *path, const char *query)
{
	struct buf	 b = { 0 };
	const char	*p;

	buf_printf(&b, "file:%s", path[0] == '/' ? "//" : "");
	for (p = path; *p != '\0'; p++) {
		if (*p == '?' || *p == '#' || *p == '%')
			buf_printf(&b, "%%%02X", (unsigned char)*p);
		else
			buf_printf(&b, "%c", *p);
	}
	buf_printf(&b, "?%s", query);
	return buf_steal(&b);
}

/* The directory that holds path: what is before its last '/', "/" for a
 * file in the root, "." for a bare name. Caller frees. */
char *
db_dir(const char *path)
{
	char	*dir = xstrdup(path), *slash;

	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

/* Is the directory that holds path (where the -shm would go) on a
 * read-only file system? */
static int
db_dir_readonly(const char *path)
{
	struct statvfs	 sv;
	char		*dir;
	int		 ro;

	dir = db_dir(path);
	ro = statvfs(dir, &sv) == 0 && (sv.f_flag & ST_RDONLY);
	free(dir);
	return ro;
}

/* Bytes in the -wal beyond its header: committed frames may be there that
 * are not yet in the database file. */
static long long
db_wal_bytes(const char *path)
{
	struct stat	 sb;
	char		*wal;
	long long	 n = 0;

	xasprintf(&wal, "%s-wal", path);
	if (stat(wal, &sb) == 0 && sb.st_size > DB_WAL_HEADER)
		n = (long long)sb.st_size - DB_WAL_HEADER;
	free(wal);
	return n;
}

/* A WAL database on a read-only file system without a usable -shm cannot
 * be opened the normal way (SQLite must create the -shm). Nothing can write
 * it through this mount, so: with no WAL frames the database file is the
 * whole story and immutable=1 reads it; with frames, immutable=1 would
 * silently drop commits not yet checkpointed, so the WAL is read instead
 * with an in-memory index (exclusive locking mode, which needs the
 * lock-free unix-none VFS as an O_RDONLY file cannot take a write lock).
 * Either way a writer on another, writable mount would not be seen. */
static int
db_connect_rofs(const char *path, sqlite3 **dbp)
{
	const char	*query, *pragma = NULL;
	char		*uri;
	long long	 wal;
	int		 rc;

	if ((wal = db_wal_bytes(path)) == 0) {
		query = "immutable=1";
		log_warnx("warning: %s: read-only file system, SQLite cannot "
		    "set up its -shm: reading the file as immutable (no -wal "
		    "frames, so nothing committed is missed; a writer on "
		    "another mount would not be seen)", path);
	} else {
		query = "vfs=unix-none";
		pragma = "PRAGMA locking_mode = EXCLUSIVE";
		log_warnx("warning: %s: read-only file system, SQLite cannot "
		    "set up its -shm: reading the file and its -wal (%lld "
		    "bytes not checkpointed) without locks, as immutable=1 "
		    "would ignore the -wal; a writer on another mount would "
		    "not be seen", path, wal);
	}
	uri = db_uri(path, query);
	rc = db_connect(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOMUTEX, pragma, dbp);
	free(uri);
	return rc;
}

/* Can the file be opened at all? Missing and permission are the usual
 * reasons, and the ones with a clear way out. */
static int
db_stat(const char *path, enum db_fault *fault, char *err, size_t errlen)
{
	struct stat	 sb;

	if (stat(path, &sb) == 0 && access(path, R_OK) == 0)
		return 0;
	if (errno == ENOENT) {
		*fault = DBF_MISSING;
		snprintf(err, errlen, "cannot open DB %s: No such file (run "
		    "'rollcall collect' or start the daemon first, or pass "
		    "--db PATH)", path);
	} else if (errno == EACCES || errno == EPERM) {
		*fault = DBF_PERM;
		snprintf(err, errlen, "cannot open DB %s: permission denied "
		    "(the database is 0600; run as root or the rollcall user)",
		    path);
	} else {
		*fault = DBF_OTHER;
		snprintf(err, errlen, "cannot open DB %s: %s", path,
		    strerror(errno));
	}
	return -1;
}

/* Open an existing database read-only, saying why not. */
struct db *
db_open_ro_fault(const char *path, enum db_fault *fault, char *err,
    size_t errlen)
{
	struct db	*d;
	sqlite3		*db = NULL;
	int		 rc;

	*fault = DBF_NONE;
	if (db_stat(path, fault, err, errlen) == -1)
		return NULL;
	/* NOMUTEX: a struct db is one thread's (storage.h); with SQLite's
	 * serialized default every sqlite3_column_* call took the
	 * connection's mutex, 2k instructions a row of packages NAME. */
	rc = db_connect(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL,
	    &db);
	if (((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY)
	    && db_dir_readonly(path)) {
		sqlite3_close(db);
		rc = db_connect_rofs(path, &db);
	}
	if (rc != SQLITE_OK) {
		*fault = db_fault_of(rc, 0);
		snprintf(err, errlen, "cannot read DB %s: %s%s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory",
		    *fault == DBF_CORRUPT ? " (run 'rollcall db check')" : "");
		sqlite3_close(db);
		return NULL;
	}
	if (sqlfunc_register(db) != SQLITE_OK) {
		*fault = DBF_OTHER;
		snprintf(err, errlen, "%s: registering SQL functions: %s",
		    path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_set_authorizer(db, db_authorize, NULL);
	d = xcalloc(1, sizeof *d);
	d->db = db;
	d->path = xstrdup(path);
	if (sqlite3_create_function_v2(db, "host_selected", 1, SQLITE_UTF8, d,
	    sql_host_selected, NULL, NULL, NULL) != SQLITE_OK) {
		*fault = DBF_OTHER;
		snprintf(err, errlen, "%s: registering SQL functions: %s",
		    path, sqlite3_errmsg(db));
		db_close(d);
		return NULL;
	}
	return d;
}

/* Open an existing database read-only. */
struct db *
db_open_ro(const char *path, char *err, size_t errlen)
{
	enum db_fault	 fault;

	return db_open_ro_fault(path, &fault, err, errlen);
}

/* Why the last query failed, when the database itself was the reason. */
enum db_fault
db_fault(const struct db *d)
{
	return d->fault;
}

/* Close; NULL is fine. */
void
db_close(struct db *d)
{
	if (d == NULL)
		return;
	sqlite3_close(d->db);
	free(d->path);
	db_limit_hosts(d, NULL, 0);
	free(d->limit);
	free(d);
}

/* Free a result set; NULL is fine. */
void
table_free(struct table *t)
{
	size_t	 c;

	if (t == NULL)
		return;
	if (t->arena != NULL)
		arena_free(t->arena);
	free(t->arena);
	for (c = 0; c < t->ncols; c++)
		free(t->cols[c]);
	free(t->rows);
	free(t->cols);
	free(t->numeric);
	free(t);
}

/* Replace one cell; the old copy stays in the arena until table_free. */
void
table_set_cell(struct table *t, size_t r, size_t c, const char *v)
{
	t->rows[r][c] = v != NULL ? arena_strdup(t->arena, v) : NULL;
}

/* Widen every row by one NULL cell at column at. */
void
table_add_column(struct table *t, size_t at, const char *name, int numeric)
{
	char	**row;
	size_t	  r, n = t->ncols + 1;

	t->cols = xreallocarray(t->cols, n + 1, sizeof *t->cols);
	t->numeric = xreallocarray(t->numeric, n + 1, sizeof *t->numeric);
	memmove(t->cols + at + 1, t->cols + at, (n - at) * sizeof *t->cols);
	memmove(t->numeric + at + 1, t->numeric + at,
	    (n - at) * sizeof *t->numeric);
	t->cols[at] = xstrdup(name);
	t->numeric[at] = numeric;
	for (r = 0; r < t->nrows; r++) {
		row = arena_alloc(t->arena, (n + 1) * sizeof *row);
		memcpy(row, t->rows[r], at * sizeof *row);
		row[at] = NULL;
		memcpy(row + at + 1, t->rows[r] + at, (n - 1 - at) *
		    sizeof *row);
		row[n] = NULL;
		t->rows[r] = row;
	}
	t->ncols = n;
}

/* Is the rest of the SQL only blanks, semicolons and comments? */
static int
sql_tail_empty(sqlite3 *db, const char *tail)
{
	sqlite3_stmt	*st = NULL;

	if (tail == NULL || tail[strspn(tail, " \t\r\n;")] == '\0')
		return 1;
	/* Comments only: preparing them yields no statement. */
	if (sqlite3_prepare_v2(db, tail, -1, &st, NULL) == SQLITE_OK &&
	    st == NULL)
		return 1;
	sqlite3_finalize(st);
	return 0;
}

/* Remember whether a failure was the database's (unreadable) rather than
 * the query's own (SQLITE_ERROR: syntax, no such table). */
static void
db_note_fault(struct db *d, int rc)
{
	enum db_fault	 f = db_fault_of(rc, 0);

	/* A statement refused for writing (our authorizer, or the read-only
	 * connection) is the statement's fault, not the database's. */
	if ((rc & 0xff) == SQLITE_AUTH || (rc & 0xff) == SQLITE_READONLY)
		f = DBF_NONE;
	d->fault = f == DBF_OTHER ? DBF_NONE : f;
}

/* Prepare exactly one read-only statement. */
static sqlite3_stmt *
db_prepare(struct db *d, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*tail = NULL;
	int		 rc;

	d->fault = DBF_NONE;
	if ((rc = sqlite3_prepare_v2(d->db, sql, -1, &st, &tail)) !=
	    SQLITE_OK) {
		db_note_fault(d, rc);
		snprintf(err, errlen, "%s", rc == SQLITE_AUTH ? DB_READONLY_MSG :
		    sqlite3_errmsg(d->db));
		return NULL;
	}
	if (st == NULL) {
		snprintf(err, errlen, "empty query");
		return NULL;
	}
	if (!sql_tail_empty(d->db, tail)) {
		snprintf(err, errlen, "only one SQL statement is allowed");
		sqlite3_finalize(st);
		return NULL;
	}
	if (!sqlite3_stmt_readonly(st)) {
		snprintf(err, errlen, "%s", DB_READONLY_MSG);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Column names and the numeric flags, before any row; the rows go to an
 * arena. */
static struct table *
table_new(sqlite3_stmt *st)
{
	struct table	*t;
	const char	*name;
	size_t		 c;

	t = xcalloc(1, sizeof *t);
	t->arena = xcalloc(1, sizeof *t->arena);
	t->ncols = (size_t)sqlite3_column_count(st);
	t->cols = xcalloc(t->ncols + 1, sizeof *t->cols);
	t->numeric = xcalloc(t->ncols + 1, sizeof *t->numeric);
	for (c = 0; c < t->ncols; c++) {
		name = sqlite3_column_name(st, (int)c);
		t->cols[c] = xstrdup(name != NULL ? name : "?");
		t->numeric[c] = -1;	/* unknown until a non-NULL cell */
	}
	return t;
}

/* Append the statement's current row: the row array and its cells are
 * carved from the table's arena (no malloc per cell: at 100,000 rows
 * those cost more than SQLite's step). */
static void
table_add_row(struct table *t, sqlite3_stmt *st, size_t *cap)
{
	const unsigned char	*text;
	char			**row;
	size_t			  c;
	int			  type;

	if (t->nrows == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		t->rows = xreallocarray(t->rows, *cap, sizeof *t->rows);
	}
	row = arena_alloc(t->arena, (t->ncols + 1) * sizeof *row);
	row[t->ncols] = NULL;
	for (c = 0; c < t->ncols; c++) {
		type = sqlite3_column_type(st, (int)c);
		if (type == SQLITE_NULL) {
			row[c] = NULL;
			continue;
		}
		/* text first, then its length (SQLite's documented order) */
		text = sqlite3_column_text(st, (int)c);
		row[c] = text != NULL ? arena_strndup(t->arena,
		    (const char *)text, (size_t)sqlite3_column_bytes(st,
		    (int)c)) : arena_strndup(t->arena, "", 0);
		if (type != SQLITE_INTEGER && type != SQLITE_FLOAT)
			t->numeric[c] = 0;
		else if (t->numeric[c] == -1)
			t->numeric[c] = 1;
	}
	t->rows[t->nrows++] = row;
}

/* Step through every row into a table. */
static struct table *
db_collect(struct db *d, sqlite3_stmt *st, char *err, size_t errlen)
{
	struct table	*t;
	size_t		 cap = 0, c;
	int		 rc;

	t = table_new(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		table_add_row(t, st, &cap);
	if (rc != SQLITE_DONE) {
		db_note_fault(d, rc);
		if ((rc & 0xff) == SQLITE_READONLY)
			snprintf(err, errlen, "%s", DB_READONLY_MSG);
		else
			snprintf(err, errlen, "%s%s", sqlite3_errmsg(d->db),
			    d->fault == DBF_CORRUPT ? " (the database is "
			    "damaged: run 'rollcall db check')" : "");
		table_free(t);
		return NULL;
	}
	for (c = 0; c < t->ncols; c++)
		t->numeric[c] = t->numeric[c] == 1;
	return t;
}

/* Run one read-only statement with text parameters ?1..?n. */
struct table *
db_query_params(struct db *d, const char *sql, const char *const *params,
    size_t nparams, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	struct table	*t;
	size_t		 i;

	if ((st = db_prepare(d, sql, err, errlen)) == NULL)
		return NULL;
	for (i = 0; i < nparams; i++)
		stmt_bind_text(st, (int)i + 1, params[i]);
	t = db_collect(d, st, err, errlen);
	sqlite3_finalize(st);
	return t;
}

/* Run one read-only statement. */
struct table *
db_query(struct db *d, const char *sql, char *err, size_t errlen)
{
	return db_query_params(d, sql, NULL, 0, err, errlen);
}
