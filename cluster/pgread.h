/* Blocking reads of the central PostgreSQL for the CLI's --cluster
 * (docs/DISTRIBUTED.md): the same SQL text the CLI runs on SQLite, with
 * its ?N parameters, run against the central views. Only the CLI uses
 * it; no daemon thread ever calls it. */
#ifndef ROLLCALL_CLUSTER_PGREAD_H
#define ROLLCALL_CLUSTER_PGREAD_H

#include <stddef.h>

struct cluster_config;
struct table;
struct pgread;
struct pg_conn;

/* A blocking libpq session (PGconn) with the cluster block's conninfo and
 * password file, application_name appname. NULL with err filled (never
 * holding the password). Caller PQfinish()es it. */
struct pg_conn	*pgread_connect(const struct cluster_config *,
		    const char *appname, char *err, size_t errlen);

/* Connect with the cluster block's conninfo and password file. Returns
 * NULL with err filled (never holding the password). */
struct pgread	*pgread_open(const struct cluster_config *, char *err,
		    size_t errlen);
/* Run one read-only statement: ?N become $N, every parameter is text
 * (NULL binds SQL NULL). Returns a table (caller frees with table_free)
 * or NULL with err filled. */
struct table	*pgread_query(struct pgread *, const char *sql,
		    const char *const *params, size_t nparams, char *err,
		    size_t errlen);
/* --limit: host_selected(name) is true only for these names. 0 or -1. */
int		 pgread_limit(struct pgread *, char *const *names, size_t n,
		    char *err, size_t errlen);
/* Close; NULL is fine. */
void		 pgread_close(struct pgread *);

#endif
