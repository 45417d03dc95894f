/* SQL functions on the read-only connection, so the CLI filters inside
 * the query (and `rollcall query` users can too):
 *   version_cmp(manager, a, b)       -1, 0, 1 in the manager's version order
 *   fact_match(value, op, operand)   1 if "value op operand" holds
 * Both are deterministic; NULL arguments give NULL (fact_match: 0). */
#include "storage/storage_int.h"
#include "storage/version.h"
#include "storage/where.h"

/* version_cmp(manager, a, b). */
static void
sql_version_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*m, *a, *b;
	int		 c;

	m = (const char *)sqlite3_value_text(argv[0]);
	a = (const char *)sqlite3_value_text(argv[1]);
	b = (const char *)sqlite3_value_text(argv[2]);
	if (a == NULL || b == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	c = version_cmp(m, a, b);
	sqlite3_result_int(ctx, c < 0 ? -1 : c > 0);
}

/* fact_match(value, op, operand). */
static void
sql_fact_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*v, *o;
	char		 err[512];
	int		 op, m;

	v = (const char *)sqlite3_value_text(argv[0]);
	op = where_op_from_str((const char *)sqlite3_value_text(argv[1]));
	o = (const char *)sqlite3_value_text(argv[2]);
	if (op < 0) {
		sqlite3_result_error(ctx, "fact_match: unknown operator "
		    "(use = != < <= > >= ~)", -1);
		return;
	}
	if ((m = where_match(v, op, o, err, sizeof err)) == -1)
		sqlite3_result_error(ctx, err, -1);
	else
		sqlite3_result_int(ctx, m);
}

/* Register the functions on a connection; an SQLite result code. */
int
sqlfunc_register(sqlite3 *db)
{
	int	 rc, flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	rc = sqlite3_create_function_v2(db, "version_cmp", 3, flags, NULL,
	    sql_version_cmp, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "fact_match", 3, flags,
		    NULL, sql_fact_match, NULL, NULL, NULL);
	return rc;
}
