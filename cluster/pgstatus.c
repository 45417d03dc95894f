/* The nodes table for people (or JSON): one blocking libpq session from
 * the CLI, the same password handling as the shipper (a separate keyword,
 * wiped after use). Liveness is judged in the query by PostgreSQL's now(),
 * as the nodes judge it. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/pgread.h"
#include "cluster/pgschema.h"
#include "cluster/pgstatus.h"
#include "common/json.h"
#include "config/cluster.h"

/* Columns of pgschema_nodes, as JSON keys and table headers. */
static const char *const pgs_keys[] = { "node", "segment",
    "heartbeat_age_seconds", "alive", "hosts_owned", "backlog",
    "backlog_oldest_seconds" };
static const char *const pgs_heads[] = { "NODE", "SEGMENT", "HEARTBEAT",
    "ALIVE", "OWNED", "BACKLOG", "OLDEST" };
#define PGS_NCOLS	7

/* The rows as a JSON array of objects. */
static void
pgs_json(const PGresult *res, FILE *fp)
{
	struct json_writer	 w;
	int			 i, j;

	json_writer_init(&w, fp);
	json_array_open(&w);
	for (i = 0; i < PQntuples(res); i++) {
		json_object_open(&w);
		for (j = 0; j < PGS_NCOLS; j++) {
			json_key(&w, pgs_keys[j]);
			if (*PQgetvalue(res, i, j) == '\0')
				json_null(&w);
			else
				json_str(&w, PQgetvalue(res, i, j));
		}
		json_object_close(&w);
	}
	json_array_close(&w);
	fputc('\n', fp);
}

/* The rows as a table ('-' where a node did not report a value). */
static void
pgs_table(const PGresult *res, FILE *fp)
{
	const char	*v;
	int		 i, j;

	for (j = 0; j < PGS_NCOLS; j++)
		fprintf(fp, j < 2 ? "%-16s " : "%10s ", pgs_heads[j]);
	fputc('\n', fp);
	for (i = 0; i < PQntuples(res); i++) {
		for (j = 0; j < PGS_NCOLS; j++) {
			v = PQgetvalue(res, i, j);
			if (*v == '\0')
				v = "-";
			if (j == 2 || j == 6)
				fprintf(fp, "%9s%s ", v, *v == '-' ? " " : "s");
			else
				fprintf(fp, j < 2 ? "%-16s " : "%10s ", v);
		}
		fputc('\n', fp);
	}
}

/* Print the cluster's nodes. */
int
pgstatus_print(const struct cluster_config *cc, int json, FILE *fp,
    char *err, size_t errlen)
{
	PGconn		*conn;
	PGresult	*res;
	const char	*params[1];
	char		 dead[24];

	if ((conn = pgread_connect(cc, "rollcall-status", err, errlen)) == NULL)
		return -1;
	snprintf(dead, sizeof dead, "%lld", (long long)(cc->dead_after_ms > 0 ?
	    cc->dead_after_ms : CLUSTER_DEAD_AFTER_MS));
	params[0] = dead;
	res = PQexecParams(conn, pgschema_nodes, 1, NULL, params, NULL, NULL,
	    0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "PostgreSQL: %.*s",
		    (int)strcspn(PQresultErrorMessage(res), "\n"),
		    PQresultErrorMessage(res));
		PQclear(res);
		PQfinish(conn);
		return -1;
	}
	if (json)
		pgs_json(res, fp);
	else
		pgs_table(res, fp);
	PQclear(res);
	PQfinish(conn);
	return 0;
}
