/* The daemon's start-up state from the database; see daemon/restore.h. */
#include <stdio.h>

#include "daemon/restore.h"
#include "daemon/scheduler.h"
#include "storage/storage.h"

/* The host_status view is the documented interface (docs/SCHEMA.md). */
static const char restore_hosts_sql[] =
    "SELECT name, status, CAST(strftime('%s', last_success) AS INTEGER)"
    " FROM host_status WHERE in_inventory = 1";

/* The newest finished sweeps, as `status` lists them. */
static const char restore_sweeps_sql[] =
    "SELECT id, trigger, started_at, ended_at, nhosts, ok, failed"
    " FROM sweeps WHERE ended_at IS NOT NULL ORDER BY id DESC LIMIT 10";

/* Read both and hand them to the scheduler. */
int
restore_state(const char *dbpath, struct sched *s, char *err, size_t errlen)
{
	struct db	*db;
	struct table	*hosts = NULL, *sweeps = NULL;
	int		 rc = -1;

	if ((db = db_open_ro(dbpath, err, errlen)) == NULL)
		return -1;
	if ((hosts = db_query(db, restore_hosts_sql, err, errlen)) != NULL &&
	    (sweeps = db_query(db, restore_sweeps_sql, err, errlen)) != NULL) {
		sched_restore(s, hosts, sweeps);
		rc = 0;
	}
	if (hosts != NULL)
		table_free(hosts);
	if (sweeps != NULL)
		table_free(sweeps);
	db_close(db);
	return rc;
}
