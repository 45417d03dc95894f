/* The CLI's reader of the central database: one blocking libpq
 * connection in a read-only transaction. rollcall's own queries are
 * written once, in SQL both engines accept; the central schema supplies
 * the SQLite functions they call (instr, glob, strftime, version_cmp,
 * host_selected), so only the parameter markers are rewritten here. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/pgread.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/cluster.h"
#include "storage/storage.h"

#define PG_TEXT_OID	25	/* every parameter is text */

struct pgread {
	PGconn	*conn;		/* blocking connection */
};

/* A libpq message on one line. */
static void
pgread_err(char *err, size_t errlen, const char *what, const char *msg)
{
	snprintf(err, errlen, "PostgreSQL %s: %.*s", what,
	    (int)strcspn(msg, "\n"), msg);
}

/* A blocking session for the CLI: the cluster block's conninfo, the
 * password from its file (wiped after use, never in err). */
PGconn *
pgread_connect(const struct cluster_config *cc, const char *appname,
    char *err, size_t errlen)
{
	const char	*keys[4], *vals[4];
	char		*password = NULL;
	PGconn		*conn;
	int		 n = 0;

	if (cc->password_file != NULL && (password =
	    cluster_read_password(cc->password_file, err, errlen)) == NULL)
		return NULL;
	keys[n] = "dbname";		vals[n++] = cc->postgres;
	keys[n] = "application_name";	vals[n++] = appname;
	if (password != NULL) {
		keys[n] = "password";	vals[n++] = password;
	}
	keys[n] = NULL;			vals[n] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		pgread_err(err, errlen, "connection", conn != NULL ?
		    PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* Connect and start a read-only transaction. */
struct pgread *
pgread_open(const struct cluster_config *cc, char *err, size_t errlen)
{
	struct pgread	*p;
	PGresult	*res;

	p = xcalloc(1, sizeof *p);
	if ((p->conn = pgread_connect(cc, "rollcall-cli", err, errlen)) ==
	    NULL) {
		pgread_close(p);
		return NULL;
	}
	res = PQexec(p->conn, "BEGIN TRANSACTION READ ONLY");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pgread_err(err, errlen, "connection", PQerrorMessage(p->conn));
		PQclear(res);
		pgread_close(p);
		return NULL;
	}
	PQclear(res);
	return p;
}

/* The SQL with ?N as $N, outside quoted text and identifiers. */
static char *
pgread_sql(const char *sql)
{
	struct buf	 b = { 0 };
	char		 quote = 0;

	for (; *sql != '\0'; sql++) {
		if (quote != 0) {
			if (*sql == quote)
				quote = 0;
		} else if (*sql == '\'' || *sql == '"')
			quote = *sql;
		else if (*sql == '?' && sql[1] >= '0' && sql[1] <= '9') {
			buf_append(&b, "$", 1);
			continue;
		}
		buf_append(&b, sql, 1);
	}
	return b.len > 0 ? buf_steal(&b) : xstrdup("");
}

/* Is this column type a number (JSON output prints it bare)? */
static int
pgread_numeric(Oid type)
{
	return type == 20 || type == 21 || type == 23 || type == 700 ||
	    type == 701 || type == 1700;
}

/* A PGresult as a table, its cells in one arena. */
static struct table *
pgread_table(PGresult *res)
{
	struct table	*t;
	size_t		 r, c;

	t = xcalloc(1, sizeof *t);
	t->ncols = (size_t)PQnfields(res);
	t->nrows = (size_t)PQntuples(res);
	t->cols = xcalloc(t->ncols + 1, sizeof *t->cols);
	t->numeric = xcalloc(t->ncols + 1, sizeof *t->numeric);
	t->rows = xcalloc(t->nrows + 1, sizeof *t->rows);
	for (c = 0; c < t->ncols; c++) {
		t->cols[c] = xstrdup(PQfname(res, (int)c));
		t->numeric[c] = pgread_numeric(PQftype(res, (int)c));
	}
	t->arena = xcalloc(1, sizeof *t->arena);	/* as db_query's */
	for (r = 0; r < t->nrows; r++) {
		t->rows[r] = arena_alloc(t->arena, (t->ncols + 1) *
		    sizeof *t->rows[r]);
		for (c = 0; c <= t->ncols; c++)
			t->rows[r][c] = c == t->ncols || PQgetisnull(res,
			    (int)r, (int)c) ? NULL : arena_strndup(t->arena,
			    PQgetvalue(res, (int)r, (int)c),
			    (size_t)PQgetlength(res, (int)r, (int)c));
	}
	return t;
}

/* Run one statement under a savepoint, so a failed one leaves the
 * transaction usable for the next. */
struct table *
pgread_query(struct pgread *p, const char *sql, const char *const *params,
    size_t nparams, char *err, size_t errlen)
{
	struct table	*t = NULL;
	PGresult	*res;
	Oid		*types;
	char		*q;
	size_t		 i;

	PQclear(PQexec(p->conn, "SAVEPOINT q"));
	types = xcalloc(nparams + 1, sizeof *types);
	for (i = 0; i < nparams; i++)
		types[i] = PG_TEXT_OID;
	q = pgread_sql(sql);
	res = PQexecParams(p->conn, q, (int)nparams, types, params, NULL,
	    NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		t = pgread_table(res);
	else
		pgread_err(err, errlen, "query", PQresultErrorMessage(res));
	PQclear(res);
	PQclear(PQexec(p->conn, t != NULL ? "RELEASE SAVEPOINT q" :
	    "ROLLBACK TO SAVEPOINT q"));
	free(q);
	free(types);
	return t;
}

/* host_selected() reads the names from a session setting. */
int
pgread_limit(struct pgread *p, char *const *names, size_t n, char *err,
    size_t errlen)
{
	struct buf	 b = { 0 };
	const char	*v;
	struct table	*t;
	size_t		 i;

	buf_append(&b, "\n", 1);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s\n", names[i]);
	v = buf_str(&b);
	t = pgread_query(p, "SELECT set_config('rollcall.limit', ?1, true)",
	    &v, 1, err, errlen);
	buf_free(&b);
	table_free(t);
	return t != NULL ? 0 : -1;
}

/* Close the connection. */
void
pgread_close(struct pgread *p)
{
	if (p == NULL)
		return;
	if (p->conn != NULL)
		PQfinish(p->conn);
	free(p);
}
