/* What a database failure means for the operator (enum db_fault): one
 * table of names and of whether retrying can help, and the mapping from
 * SQLite's codes and the errno behind them. */
#include <errno.h>

#include "storage/storage.h"
#include "storage/storage_int.h"

/* What each fault is called and whether it may heal by itself. */
static const struct {
	const char	*name;		/* for logs, status and metrics */
	int		 transient;	/* retrying may succeed */
} db_faults[] = {
	[DBF_NONE] = { "none", 1 },
	[DBF_MISSING] = { "missing", 0 },
	[DBF_PERM] = { "permission denied", 1 },
	[DBF_CORRUPT] = { "corruption", 0 },
	[DBF_FULL] = { "disk full", 1 },
	[DBF_READONLY] = { "read-only", 1 },
	[DBF_BUSY] = { "busy", 1 },
	[DBF_IO] = { "I/O error", 1 },
	[DBF_OTHER] = { "error", 1 },
};
_Static_assert(sizeof db_faults / sizeof db_faults[0] == DBF_MAX,
    "one db_faults entry per enum db_fault");

/* A fault's name. */
const char *
db_fault_str(enum db_fault f)
{
	return f < DBF_MAX ? db_faults[f].name : "?";
}

/* Can retrying help? */
int
db_fault_transient(enum db_fault f)
{
	return f < DBF_MAX && db_faults[f].transient;
}

/* Map SQLite's code (and the errno behind an I/O error) to a fault. */
enum db_fault
db_fault_of(int rc, int sys)
{
	if (sys == ENOSPC || sys == EDQUOT)
		return DBF_FULL;
	if (sys == EROFS)
		return DBF_READONLY;
	if (sys == EACCES || sys == EPERM)
		return DBF_PERM;
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return DBF_NONE;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return DBF_CORRUPT;
	case SQLITE_FULL:
		return DBF_FULL;
	case SQLITE_READONLY:
		return DBF_READONLY;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DBF_BUSY;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return DBF_PERM;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return DBF_IO;
	default:
		return DBF_OTHER;
	}
}
