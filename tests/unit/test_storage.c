/* Storage: migrations, file modes, the writer round trip, history only on
 * change (facts and list tables), ownership of facts by collectors that ran
 * ok, sweep counts, the read-only query guard and the degraded writer. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/log.h"
#include "common/result.h"
#include "config/config.h"
#include "storage/storage.h"
#include "storage/storage_int.h"
#include "storage/storage_test.h"
#include "test.h"

#define T0	1700000000000000LL	/* a fixed wall clock, microseconds */

static char	 tmpdir[] = "/tmp/rollcall-test-storage.XXXXXX";
static char	 dbpath[512];
static struct db *rdb;			/* read-only connection */

/* First cell of the first row of a query on db as text ("NULL", or
 * "(none)" if no row). */
static const char *
vq(struct db *db, const char *fmt, va_list ap)
{
	static char	 out[1024];
	struct table	*t;
	char		 sql[2048], err[256];

	vsnprintf(sql, sizeof sql, fmt, ap);
	if ((t = db_query(db, sql, err, sizeof err)) == NULL) {
		snprintf(out, sizeof out, "(error: %s)", err);
		return out;
	}
	if (t->nrows == 0)
		snprintf(out, sizeof out, "(none)");
	else
		snprintf(out, sizeof out, "%s", t->rows[0][0] != NULL ?
		    t->rows[0][0] : "NULL");
	table_free(t);
	return out;
}

/* The same on the test's read-only connection. */
static const char *
q(const char *fmt, ...)
{
	const char	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = vq(rdb, fmt, ap);
	va_end(ap);
	return r;
}

/* The same on another database. */
static const char *
qdb(struct db *db, const char *fmt, ...)
{
	const char	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = vq(db, fmt, ap);
	va_end(ap);
	return r;
}

/* A result with the given collectors (name=status) and facts (k=v). */
static struct host_result *
mkres(const char *host, int64_t sweep, const char *colls, ...)
{
	struct host_result	*r;
	struct coll_result	*c;
	char			*list, *tok, *save, *eq;
	const char		*kv;
	va_list			 ap;

	r = host_result_new(host, "192.0.2.1", 22, sweep);
	r->started_us = T0 + sweep * 60000000LL;
	r->authed_us = r->started_us + 40000;
	r->ended_us = r->started_us + 250000;
	list = strdup(colls);
	for (tok = strtok_r(list, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		*eq = '\0';
		c = host_result_add_coll(r, tok);
		c->status = strcmp(eq + 1, "ok") == 0 ? COLL_OK : COLL_FAILED;
		c->exit_code = c->status == COLL_OK ? 0 : 1;
	}
	free(list);
	va_start(ap, colls);
	while ((kv = va_arg(ap, const char *)) != NULL) {
		list = strdup(kv);
		eq = strchr(list, '=');
		*eq = '\0';
		facts_add(&r->facts, list, eq + 1);
		free(list);
	}
	va_end(ap);
	return r;
}

/* Add a list row to a result. */
static void
item(struct host_result *r, enum item_kind k, const char *a, const char *b,
    const char *c, const char *d, const char *e)
{
	const char	*f[ITEM_FIELDS] = { a, b, c, d, e, NULL };

	facts_add_item(&r->facts, k, f);
}

/* File mode of path + suffix, or -1. */
static int
filemode(const char *suffix)
{
	struct stat	 sb;
	char		 p[600];

	snprintf(p, sizeof p, "%s%s", dbpath, suffix);
	if (stat(p, &sb) == -1)
		return -1;
	return sb.st_mode & 0777;
}

/* Fresh database: schema at the latest version, reopening changes
 * nothing, files 0600 even with a permissive umask. */
static struct writer *
test_open(void)
{
	struct writer	*w;
	char		 err[256];

	umask(022);
	snprintf(dbpath, sizeof dbpath, "%s/rollcall.db", tmpdir);
	w = writer_open(dbpath, err, sizeof err);
	CHECK(w != NULL);
	writer_close(w);
	w = writer_open(dbpath, err, sizeof err);	/* migrated: no-op */
	CHECK(w != NULL);
	rdb = db_open_ro(dbpath, err, sizeof err);
	CHECK(rdb != NULL);
	CHECK_STR(q("PRAGMA user_version"), "6");
	CHECK_STR(q("SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('hosts','sweeps','attempts','collector_runs','facts',"
	    "'fact_history','packages','services','interfaces','addresses',"
	    "'filesystems','item_history','host_status','host_facts',"
	    "'changes','host_packages','host_services','package_items',"
	    "'package_links','collector_state')"), "20");
	CHECK(filemode("") == 0600);
	CHECK(filemode("-wal") == 0600);
	CHECK(filemode("-shm") == 0600);
	return w;
}

/* Missing files are named with a hint; bad SQL never runs. */
static void
test_readonly(void)
{
	char	 err[256];
	char	 p[600];

	snprintf(p, sizeof p, "%s/nope.db", tmpdir);
	CHECK(db_open_ro(p, err, sizeof err) == NULL);
	CHECK(strstr(err, "cannot open DB") != NULL);
	CHECK(strstr(err, "No such file (run 'rollcall collect'") != NULL);
	CHECK(strncmp(q("DELETE FROM hosts"), "(error: only read-only", 22)
	    == 0);
	CHECK(strncmp(q("INSERT INTO hosts(name) VALUES ('x')"),
	    "(error: only read-only", 22) == 0);
	CHECK(strncmp(q("SELECT 1; DELETE FROM hosts"),
	    "(error: only one SQL statement", 30) == 0);
	CHECK_STR(q("SELECT 1; -- trailing comment"), "1");
	/* Every kind of write gets the one message. */
	CHECK(strncmp(q("ATTACH '%s/x.db' AS x", tmpdir),
	    "(error: only read-only", 22) == 0);
	CHECK(strncmp(q("DETACH x"), "(error: only read-only", 22) == 0);
	CHECK(strncmp(q("DROP TABLE hosts"), "(error: only read-only", 22) == 0);
	CHECK(strncmp(q("CREATE TABLE t(a)"), "(error: only read-only", 22) == 0);
	CHECK(strncmp(q("UPDATE hosts SET name = 'y'"), "(error: only read-only",
	    22) == 0);
	CHECK(strncmp(q("PRAGMA journal_mode = DELETE"),
	    "(error: only read-only", 22) == 0);
	CHECK(strncmp(q("VACUUM"), "(error: only read-only", 22) == 0);
	CHECK(access(p, F_OK) == -1);
}

/* The URI of the read-only file system fallback names the same file:
 * '?', '#', '%' encoded, "//" not taken for an authority. */
static void
test_uri(void)
{
	char	*u;

	u = db_uri("/var/lib/rollcall/rollcall.db", "immutable=1");
	CHECK_STR(u, "file:///var/lib/rollcall/rollcall.db?immutable=1");
	free(u);
	u = db_uri("/a?b#c%41/x.db", "immutable=1");
	CHECK_STR(u, "file:///a%3Fb%23c%2541/x.db?immutable=1");
	free(u);
	u = db_uri("//srv/x.db", "vfs=unix-none");
	CHECK_STR(u, "file:////srv/x.db?vfs=unix-none");
	free(u);
	u = db_uri("rel/x.db", "immutable=1");
	CHECK_STR(u, "file:rel/x.db?immutable=1");
	free(u);
}

/* A version-2 database with an attempt in it is upgraded in place: the old row keeps its data and
 * gets a NULL authed_us, new rows get theirs. */
static void
test_upgrade(void)
{
	struct writer	*w;
	struct db	*udb;
	sqlite3		*db;		/* read-write, to make version 2 */
	char		 p[600], err[256], *msg = NULL;
	int64_t		 s;

	snprintf(p, sizeof p, "%s/upgrade.db", tmpdir);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	CHECK(schema_migrate_to(db, 2, err, sizeof err) == 0);
	CHECK(sqlite3_exec(db, "INSERT INTO hosts(id, name, first_seen, last_seen) "
	    "VALUES (1, 'old01', 1, 1);"
	    "INSERT INTO attempts(sweep_id, host_id, status, started_us, "
	    "ended_us) VALUES (NULL, 1, 'ok', 1000000, 2000000);", NULL, NULL,
	    &msg) == SQLITE_OK);
	sqlite3_free(msg);
	sqlite3_close(db);

	w = writer_open(p, err, sizeof err);
	CHECK(w != NULL);
	if (w == NULL)
		return;
	s = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mkres("new01", s, "os=ok", "os.id=debian", NULL));
	writer_sweep_end(w, s);
	writer_flush(w);
	writer_close(w);
	if ((udb = db_open_ro(p, err, sizeof err)) == NULL) {
		CHECK(udb != NULL);
		return;
	}
	CHECK_STR(qdb(udb, "PRAGMA user_version"), "6");
	CHECK_STR(qdb(udb, "SELECT group_concat(x, ' ') FROM (SELECT "
	    "h.name || ':' || coalesce(a.authed_us - a.started_us, 'NULL') || "
	    "':' || (a.ended_us - a.started_us) AS x FROM attempts a JOIN "
	    "hosts h ON h.id = a.host_id ORDER BY a.id)"),
	    "old01:NULL:1000000 new01:40000:250000");
	db_close(udb);
}

/* Every row of a query as one string ("a|b|NULL\n..."); caller frees. */
static char *
dump(struct db *db, const char *sql)
{
	struct table	*t;
	char		 err[256], *out = NULL;
	size_t		 r, c, len = 0;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return strdup("(open_memstream failed)");
	if ((t = db_query(db, sql, err, sizeof err)) == NULL)
		fprintf(f, "(error: %s)", err);
	for (r = 0; t != NULL && r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			fprintf(f, "%s%c", t->rows[r][c] != NULL ?
			    t->rows[r][c] : "NULL",
			    c + 1 < t->ncols ? '|' : '\n');
	if (t != NULL)
		fprintf(f, "(%zu cols: %s...)", t->ncols, t->ncols ?
		    t->cols[0] : "");
	table_free(t);
	fclose(f);
	return out;
}

/* A populated version-3 database: two hosts sharing most packages, one
 * with a NULL version and a NULL manager, services, interfaces, addresses,
 * filesystems, facts and both histories, as version 3 wrote them. */
static const char v3_data[] =
"INSERT INTO hosts(id, name, address, groups, first_seen, last_seen) VALUES"
" (1, 'db-07', '10.0.0.7', 'db,prod', 1763800000, 1763900000),"
" (2, 'web-01', '10.0.0.8', 'web', 1763800000, 1763900000),"
" (3, 'gone', NULL, '', 1763700000, 1763700000);"
"INSERT INTO sweeps(id, trigger, started_at, ended_at, nhosts, ok, failed)"
" VALUES (1, 'schedule', 1763800000, 1763800010, 3, 2, 1),"
" (2, 'schedule', 1763890000, 1763890010, 2, 2, 0);"
"INSERT INTO attempts(id, sweep_id, host_id, status, error, started_us,"
" ended_us, address, port, authed_us) VALUES"
" (1, 1, 1, 'ok', NULL, 1763800000000000, 1763800001000000, '10.0.0.7', 22,"
"  1763800000040000),"
" (2, 1, 2, 'ok', NULL, 1763800000000000, 1763800002000000, '10.0.0.8', 22,"
"  NULL),"
" (3, 1, 3, 'refused', 'connection refused', 1763700000000000,"
"  1763700000100000, NULL, 22, NULL),"
" (4, 2, 1, 'ok', NULL, 1763890000000000, 1763890001000000, '10.0.0.7', 22,"
"  1763890000040000),"
" (5, 2, 2, 'ok', NULL, 1763890000000000, 1763890001000000, '10.0.0.8', 22,"
"  1763890000050000);"
"INSERT INTO collector_runs(attempt_id, collector, status, exit_code,"
" error, out_bytes, duration_ms) SELECT a.id, c.column1, 'ok', 0, NULL,"
" 100, 5 FROM attempts a, (VALUES ('os'), ('packages'), ('services'),"
" ('network'), ('filesystems')) c WHERE a.status = 'ok';"
"INSERT INTO facts(host_id, key, value, collector, updated_at) VALUES"
" (1, 'os.id', 'debian', 'os', 1763800001),"
" (1, 'os.version_id', '12', 'os', 1763890001),"
" (2, 'os.id', 'rocky', 'os', 1763800002),"
" (2, 'memory.total_bytes', '17179869184', 'memory', 1763800002);"
"INSERT INTO fact_history(host_id, key, old_value, new_value, changed_at,"
" sweep_id) VALUES (1, 'os.id', NULL, 'debian', 1763800001, 1),"
" (1, 'os.version_id', '11', '12', 1763890001, 2),"
" (2, 'os.id', NULL, 'rocky', 1763800002, 1);"
"INSERT INTO packages(host_id, name, version, arch, manager) VALUES"
" (1, 'openssl', '3.0.11-1~deb12u2', 'amd64', 'dpkg'),"
" (1, 'curl', '7.88.1-10+deb12u5', 'amd64', 'dpkg'),"
" (1, 'odd', NULL, '', NULL),"
" (2, 'openssl', '1:3.0.7-27.el9', 'x86_64', 'rpm'),"
" (2, 'curl', '7.88.1-10+deb12u5', 'amd64', 'dpkg');"
"INSERT INTO services(host_id, name, load, active, sub, enabled) VALUES"
" (1, 'ssh.service', 'loaded', 'active', 'running', 'enabled'),"
" (2, 'ssh.service', 'loaded', 'active', 'running', 'enabled'),"
" (2, 'cron.service', 'loaded', 'inactive', 'dead', NULL);"
"INSERT INTO interfaces(host_id, name, mac, mtu, state) VALUES"
" (1, 'lo', NULL, 65536, 'unknown'), (2, 'lo', NULL, 65536, 'unknown'),"
" (1, 'eth0', '52:54:00:00:00:07', 1500, 'up');"
"INSERT INTO addresses(host_id, interface, family, address, prefix) VALUES"
" (1, 'eth0', 'inet', '10.0.0.7', 24), (1, 'lo', 'inet', '127.0.0.1', 8),"
" (2, 'lo', 'inet', '127.0.0.1', 8);"
"INSERT INTO filesystems(host_id, mount, device, fstype, size_bytes,"
" used_bytes) VALUES (1, '/', '/dev/vda1', 'ext4', 1000, 500),"
" (2, '/', '/dev/vda1', 'ext4', 1000, 700);"
"INSERT INTO item_history(host_id, kind, name, detail, change, old_value,"
" new_value, changed_at, sweep_id) VALUES"
" (1, 'package', 'openssl', 'amd64', 'installed', NULL, '3.0.11-1~deb12u1',"
"  1763800001, 1),"
" (1, 'package', 'openssl', 'amd64', 'upgraded', '3.0.11-1~deb12u1',"
"  '3.0.11-1~deb12u2', 1763890001, 2),"
" (2, 'service', 'cron.service', NULL, 'changed',"
"  'load=loaded active=active sub=running enabled=', "
"  'load=loaded active=inactive sub=dead enabled=', 1763890001, 2);";

/* The example queries of docs/SCHEMA.md, then every documented view and
 * every version-3 table name whole, in a fixed order. */
static const char *const doc_queries[] = {
	"SELECT host FROM host_facts WHERE key='os.id' AND value='debian'",
	"SELECT host, version FROM host_packages WHERE name='openssl'"
	" ORDER BY host",
	"SELECT * FROM changes WHERE host='db-07' AND changed_at >= "
	"'2026-11-22T00:00:00Z' ORDER BY changed_at, key",
	"SELECT * FROM changes WHERE host='db-07' AND changed_at >= "
	"'2025-11-22T00:00:00Z' ORDER BY changed_at, key",
	"SELECT name, status, error FROM host_status WHERE status <> 'ok'",
	"SELECT host, version FROM host_packages WHERE name='openssl' AND"
	" version_cmp(manager, version, '3.0.13') < 0 ORDER BY host",
	"SELECT host FROM host_facts WHERE key='memory.total_bytes' AND"
	" fact_match(value, '>', '8G')",
	"SELECT * FROM host_status ORDER BY name",
	"SELECT * FROM host_facts ORDER BY host, key",
	"SELECT * FROM changes ORDER BY host, key, changed_at",
	"SELECT * FROM host_packages ORDER BY host, name, arch",
	"SELECT * FROM host_services ORDER BY host, name",
	"SELECT * FROM host_interfaces ORDER BY host, name",
	"SELECT * FROM host_addresses ORDER BY host, interface, address",
	"SELECT * FROM host_filesystems ORDER BY host, mount",
	"SELECT * FROM packages ORDER BY host_id, name, arch",
	"SELECT * FROM services ORDER BY host_id, name",
	"SELECT * FROM interfaces ORDER BY host_id, name",
	"SELECT * FROM addresses ORDER BY host_id, interface, address",
	"SELECT * FROM filesystems ORDER BY host_id, mount",
	"SELECT attempt_id, collector, status, exit_code, error, out_bytes,"
	" duration_ms FROM collector_runs ORDER BY attempt_id, collector",
	"SELECT * FROM item_history ORDER BY id",
	"SELECT * FROM fact_history ORDER BY id",
};
#define NDOC	(sizeof doc_queries / sizeof doc_queries[0])

/* Version 3 with data is migrated to 4 (and on) in place: every documented query
 * answers the same before and after, and the next sweep of a migrated host
 * records exactly its one change (its collectors already had a baseline). */
static void
test_migrate4(void)
{
	struct writer	*w;
	struct db	*udb;
	sqlite3		*db;
	char		 p[600], err[256], *before[NDOC], *after;
	struct host_result *r;
	int64_t		 s;
	size_t		 i;

	snprintf(p, sizeof p, "%s/v3.db", tmpdir);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	CHECK(schema_migrate_to(db, 3, err, sizeof err) == 0);
	CHECK(sqlite3_exec(db, v3_data, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	udb = db_open_ro(p, err, sizeof err);
	CHECK(udb != NULL);
	CHECK_STR(qdb(udb, "PRAGMA user_version"), "3");
	for (i = 0; i < NDOC; i++) {
		before[i] = dump(udb, doc_queries[i]);
		CHECK(strstr(before[i], "(error") == NULL);
	}
	/* The data is really there to compare. */
	CHECK_STR(before[1], "db-07|3.0.11-1~deb12u2\nweb-01|1:3.0.7-27.el9\n"
	    "(2 cols: host...)");
	CHECK_STR(before[3], "db-07|os.id|NULL|debian|2025-11-22T08:26:41Z|"
	    "added|fact|1\ndb-07|package:openssl|NULL|3.0.11-1~deb12u1|"
	    "2025-11-22T08:26:41Z|installed|package|1\ndb-07|os.version_id|"
	    "11|12|2025-11-23T09:26:41Z|changed|fact|2\ndb-07|package:openssl|"
	    "3.0.11-1~deb12u1|3.0.11-1~deb12u2|2025-11-23T09:26:41Z|upgraded|"
	    "package|2\n(8 cols: host...)");
	CHECK(strlen(before[10]) > 200 && strlen(before[14]) > 60);
	db_close(udb);
	w = writer_open(p, err, sizeof err);
	CHECK(w != NULL);
	udb = db_open_ro(p, err, sizeof err);
	CHECK_STR(qdb(udb, "PRAGMA user_version"), "6");
	for (i = 0; i < NDOC; i++) {
		after = dump(udb, doc_queries[i]);
		if (strcmp(before[i], after) != 0)
			fprintf(stderr, "%s\nbefore:\n%s\nafter:\n%s\n",
			    doc_queries[i], before[i], after);
		CHECK_STR(after, before[i]);
		free(after);
		free(before[i]);
	}
	CHECK_STR(qdb(udb, "SELECT count(*) FROM package_items WHERE "
	    "name='curl'"), "1");	/* shared by both hosts */
	CHECK_STR(qdb(udb, "SELECT group_concat(items || ':' || nhosts, ' ') "
	    "FROM (SELECT * FROM package_sets ORDER BY id)"), "3:1 2:1");
	CHECK_STR(qdb(udb, "PRAGMA foreign_key_check"), "(none)");
	CHECK_STR(qdb(udb, "PRAGMA integrity_check"), "ok");

	/* The next sweep: one package upgraded, nothing else. */
	s = writer_sweep_begin(w, "test", 1);
	r = mkres("db-07", s, "packages=ok", NULL);
	item(r, ITEM_PACKAGE, "openssl", "3.0.13-1~deb12u1", "amd64", "dpkg",
	    NULL);
	item(r, ITEM_PACKAGE, "curl", "7.88.1-10+deb12u5", "amd64", "dpkg",
	    NULL);
	item(r, ITEM_PACKAGE, "odd", NULL, NULL, NULL, NULL);
	writer_submit(w, r);
	writer_sweep_end(w, s);
	writer_flush(w);
	CHECK_STR(qdb(udb, "SELECT group_concat(key || ' ' || change || ' ' || "
	    "new_value) FROM changes WHERE sweep_id=%lld", (long long)s),
	    "package:openssl upgraded 3.0.13-1~deb12u1");
	CHECK_STR(qdb(udb, "SELECT count(*) FROM host_packages WHERE "
	    "host='db-07'"), "3");
	/* db-07 moved to a new set; the migrated one nobody uses is gone. */
	CHECK_STR(qdb(udb, "SELECT group_concat(items || ':' || nhosts || ':' "
	    "|| (digest IS NULL), ' ') FROM (SELECT * FROM package_sets ORDER "
	    "BY id)"), "2:1:1 3:1:0");
	CHECK_STR(qdb(udb, "SELECT count(*) FROM package_set_items"), "5");
	db_close(udb);
	writer_close(w);
}

/* What version 4 added on top of version 3's rows: a later attempt of
 * db-07 in which one collector failed, one was unsupported, one timed
 * out and two were unchanged (no row), as version 4 writes them. */
static const char v4_data[] =
"INSERT INTO sweeps(id, trigger, started_at, ended_at, nhosts, ok, failed)"
" VALUES (3, 'schedule', 1763990000, 1763990010, 1, 1, 0);"
"INSERT INTO attempts(id, sweep_id, host_id, status, error, started_us,"
" ended_us, address, port, authed_us, unchanged) VALUES"
" (6, 3, 1, 'ok', NULL, 1763990000000000, 1763990001000000, '10.0.0.7', 22,"
"  1763990000040000, 2);"
"INSERT INTO collector_runs(attempt_id, collector, status, exit_code,"
" error, out_bytes, duration_ms) VALUES"
" (6, 'packages', 'failed', 3, 'dpkg-query: error', 20, 1200),"
" (6, 'dmi', 'unsupported', 0, 'no /sys/class/dmi/id', 0, 4),"
" (6, 'services', 'timeout', -1, 'timed out after 30s', 0, 30000);";

/* What a version-5 database adds: volatile facts as the writer stored
 * them (in facts, like every fact), and a custom fact named like one. */
static const char v5_data[] =
"INSERT INTO facts(host_id, key, value, collector, updated_at) VALUES"
" (1, 'uptime.seconds', '86400', 'uptime', 1763990001),"
" (1, 'uptime.load1', '0.10', 'uptime', 1763990001),"
" (1, 'time.epoch', '1763990001', 'time', 1763990001),"
" (1, 'time.timezone', 'UTC', 'time', 1763990001),"
" (1, 'custom.uptime.seconds', '5', 'custom.uptime', 1763990001),"
" (2, 'memory.available_bytes', '4000000', 'memory', 1763890001);";

/* A file at version upto (3-5) holding each version's test data on the
 * way; before[i] gets every documented query's answer (caller frees).
 * Returns a read-only connection to it. */
static struct db *
populated(const char *p, int upto, char *before[NDOC])
{
	static const char *const data[] = { v3_data, v4_data, v5_data };
	struct db	*udb;
	sqlite3		*db;
	char		 err[256], v[16];
	size_t		 i;
	int		 k;

	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	for (k = 3; k <= upto; k++) {
		CHECK(schema_migrate_to(db, k, err, sizeof err) == 0);
		CHECK(sqlite3_exec(db, data[k - 3], NULL, NULL, NULL) ==
		    SQLITE_OK);
	}
	sqlite3_close(db);
	udb = db_open_ro(p, err, sizeof err);
	CHECK(udb != NULL);
	snprintf(v, sizeof v, "%d", upto);
	CHECK_STR(qdb(udb, "PRAGMA user_version"), v);
	for (i = 0; i < NDOC; i++) {
		before[i] = dump(udb, doc_queries[i]);
		CHECK(strstr(before[i], "(error") == NULL);
	}
	return udb;
}

/* Close udb, let a writer (*w) migrate p to this build's version, and
 * check that every documented query answers as before[] did (freed).
 * Returns a new read-only connection. */
static struct db *
migrated(const char *p, struct db *udb, char *before[NDOC],
    struct writer **w)
{
	char	 err[256], v[16], *after;
	size_t	 i;

	db_close(udb);
	*w = writer_open(p, err, sizeof err);
	CHECK(*w != NULL);
	udb = db_open_ro(p, err, sizeof err);
	CHECK(udb != NULL);
	snprintf(v, sizeof v, "%d", SCHEMA_VERSION);
	CHECK_STR(qdb(udb, "PRAGMA user_version"), v);
	for (i = 0; i < NDOC; i++) {
		after = dump(udb, doc_queries[i]);
		CHECK_STR(after, before[i]);
		free(after);
		free(before[i]);
	}
	return udb;
}

/* Version 4 with data is migrated to 5 in place: every documented query
 * (and every table) answers the same before and after, and the new view
 * host_collectors lists each host's last attempt's collectors. */
static void
test_migrate5(void)
{
	struct writer	*w;
	struct db	*udb;
	char		 p[600], *before[NDOC], *after;

	snprintf(p, sizeof p, "%s/v4.db", tmpdir);
	udb = populated(p, 4, before);
	CHECK(strncmp(qdb(udb, "SELECT 1 FROM host_collectors"), "(error",
	    6) == 0);
	CHECK(strstr(before[20], "6|packages|failed|3|dpkg-query: error") !=
	    NULL);
	udb = migrated(p, udb, before, &w);
	after = dump(udb, "SELECT * FROM host_collectors ORDER BY host, "
	    "collector");
	CHECK_STR(after,
	    "db-07|dmi|unsupported|0|no /sys/class/dmi/id|4|0|"
	    "2025-11-24T13:13:20Z|3\n"
	    "db-07|packages|failed|3|dpkg-query: error|1200|20|"
	    "2025-11-24T13:13:20Z|3\n"
	    "db-07|services|timeout|-1|timed out after 30s|30000|0|"
	    "2025-11-24T13:13:20Z|3\n"
	    "web-01|filesystems|ok|0|NULL|5|100|2025-11-23T09:26:40Z|2\n"
	    "web-01|network|ok|0|NULL|5|100|2025-11-23T09:26:40Z|2\n"
	    "web-01|os|ok|0|NULL|5|100|2025-11-23T09:26:40Z|2\n"
	    "web-01|packages|ok|0|NULL|5|100|2025-11-23T09:26:40Z|2\n"
	    "web-01|services|ok|0|NULL|5|100|2025-11-23T09:26:40Z|2\n"
	    "(9 cols: host...)");
	free(after);
	CHECK_STR(qdb(udb, "PRAGMA integrity_check"), "ok");
	db_close(udb);
	writer_close(w);
}

/* Database page numbers the WAL file holds frames of, as a
 * ",N,N,...," string (caller frees): what the writer wrote since the WAL
 * was last reset. */
static char *
wal_pages(const char *db)
{
	unsigned char	 h[32];
	char		 p[700], *out = NULL;
	size_t		 len = 0;
	uint32_t	 psz, pg;
	FILE		*f, *o;

	snprintf(p, sizeof p, "%s-wal", db);
	if ((o = open_memstream(&out, &len)) == NULL)
		return strdup("(open_memstream failed)");
	fputc(',', o);
	if ((f = fopen(p, "r")) != NULL && fread(h, 1, 32, f) == 32) {
		psz = (uint32_t)h[8] << 24 | h[9] << 16 | h[10] << 8 | h[11];
		while (fread(h, 1, 24, f) == 24 &&
		    fseek(f, (long)psz, SEEK_CUR) == 0) {
			pg = (uint32_t)h[0] << 24 | h[1] << 16 | h[2] << 8 |
			    h[3];
			fprintf(o, "%u,", pg);
		}
	}
	if (f != NULL)
		fclose(f);
	fclose(o);
	return out;
}

/* How many pages of table or index name the WAL holds a frame of. */
static int
wal_touched(struct db *udb, const char *wal, const char *name)
{
	struct table	*t;
	char		 sql[200], err[256], pg[32];
	size_t		 r;
	int		 n = 0;

	snprintf(sql, sizeof sql, "SELECT pageno FROM dbstat WHERE name = '%s'",
	    name);
	if ((t = db_query(udb, sql, err, sizeof err)) == NULL) {
		fprintf(stderr, "dbstat: %s\n", err);
		return -1;
	}
	for (r = 0; r < t->nrows; r++) {
		snprintf(pg, sizeof pg, ",%s,", t->rows[r][0]);
		n += strstr(wal, pg) != NULL;
	}
	CHECK(t->nrows > 0);
	table_free(t);
	return n;
}

/* Version 5 with data (volatile facts included) is migrated to 6 in
 * place: facts, now a view, holds the same rows, the volatile ones moved
 * to facts_volatile, every documented query answers the same; the next
 * sweep's new uptime goes to facts_volatile and no page of facts_key. */
static void
test_migrate6(void)
{
	struct writer	*w;
	struct db	*udb;
	char		 p[600], *before[NDOC], *after, *facts, *wal;
	int64_t		 s;

	snprintf(p, sizeof p, "%s/v5.db", tmpdir);
	udb = populated(p, 5, before);
	facts = dump(udb, "SELECT * FROM facts ORDER BY host_id, key");
	CHECK(strstr(facts, "1|uptime.seconds|86400|uptime|1763990001\n") !=
	    NULL);
	CHECK(strstr(before[8], "db-07|time.epoch|1763990001|") != NULL);
	udb = migrated(p, udb, before, &w);
	after = dump(udb, "SELECT * FROM facts ORDER BY host_id, key");
	CHECK_STR(after, facts);		/* 10 rows, values equal */
	free(after);
	free(facts);
	CHECK_STR(qdb(udb, "SELECT group_concat(x, ' ') FROM (SELECT host_id "
	    "|| ':' || key AS x FROM facts_volatile ORDER BY host_id, key)"),
	    "1:time.epoch 1:uptime.load1 "
	    "1:uptime.seconds 2:memory.available_bytes");
	CHECK_STR(qdb(udb, "SELECT count(*) FROM facts_stable"), "6");
	CHECK_STR(qdb(udb, "SELECT value FROM facts_stable WHERE "
	    "key = 'custom.uptime.seconds'"), "5");
	CHECK_STR(qdb(udb, "SELECT type || ' ' || tbl_name FROM sqlite_master "
	    "WHERE name = 'facts_key'"), "index facts_stable");
	CHECK(strstr(qdb(udb, "SELECT sql FROM sqlite_master WHERE name = "
	    "'host_facts'"), "FROM facts f JOIN hosts h") != NULL);
	CHECK_STR(qdb(udb, "PRAGMA foreign_key_check"), "(none)");
	CHECK_STR(qdb(udb, "PRAGMA integrity_check"), "ok");

	/* A steady sweep of db-07: volatile values move, nothing else (the
	 * custom fact is uptime's too: "C." and "custom.C."). */
	writer_test_exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
	s = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mkres("db-07", s, "uptime=ok", "uptime.seconds=90000",
	    "uptime.load1=0.20", "custom.uptime.seconds=5", NULL));
	writer_sweep_end(w, s);
	writer_flush(w);
	CHECK_STR(qdb(udb, "SELECT group_concat(key || '=' || value, ' ') FROM "
	    "facts_volatile WHERE host_id = 1 AND key LIKE 'uptime.%%'"),
	    "uptime.load1=0.20 uptime.seconds=90000");
	CHECK_STR(qdb(udb, "SELECT count(*) FROM fact_history WHERE "
	    "sweep_id = %lld", (long long)s), "0");
	CHECK_STR(qdb(udb, "SELECT count(*) FROM facts_stable"), "6");
	wal = wal_pages(p);
	CHECK(wal_touched(udb, wal, "facts_volatile") == 1);
	CHECK(wal_touched(udb, wal, "facts_key") == 0);
	CHECK(wal_touched(udb, wal, "facts_stable") == 0);
	/* An update of value leaves the key-only index alone. */
	CHECK(wal_touched(udb, wal, "facts_volatile_key") == 0);
	free(wal);

	/* Removing a host removes its facts of both kinds. */
	writer_test_exec(w, "DELETE FROM hosts WHERE name = 'web-01'");
	CHECK_STR(qdb(udb, "SELECT count(*) FROM facts WHERE host_id = 2"),
	    "0");
	db_close(udb);
	writer_close(w);
}

/* Facts round trip; history rows only for what changed. */
static void
test_history(struct writer *w)
{
	int64_t	 s1, s2, s3;

	s1 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mkres("web01", s1, "os=ok kernel=ok", "os.id=debian",
	    "os.version_id=12", "kernel.release=6.1.0", "os.pretty_name=D",
	    NULL));
	writer_sweep_end(w, s1);
	writer_flush(w);
	CHECK(s1 == 1);
	CHECK_STR(q("SELECT value FROM host_facts WHERE host='web01' AND "
	    "key='os.id'"), "debian");
	CHECK_STR(q("SELECT count(*) FROM facts"), "4");
	/* First sight is a baseline: one first_seen row, no history. */
	CHECK_STR(q("SELECT count(*) FROM fact_history WHERE sweep_id=%lld",
	    (long long)s1), "0");
	CHECK_STR(q("SELECT change || ' ' || new_value FROM changes WHERE "
	    "host='web01'"), "first_seen facts=4");

	/* One changed, one removed, one added. */
	s2 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mkres("web01", s2, "os=ok kernel=ok", "os.id=debian",
	    "os.version_id=13", "kernel.release=6.1.0", "os.codename=trixie",
	    NULL));
	writer_sweep_end(w, s2);
	writer_flush(w);
	CHECK_STR(q("SELECT count(*) FROM fact_history WHERE sweep_id=%lld",
	    (long long)s2), "3");
	CHECK_STR(q("SELECT old_value || '>' || new_value FROM fact_history "
	    "WHERE key='os.version_id' AND sweep_id=%lld", (long long)s2),
	    "12>13");
	CHECK_STR(q("SELECT coalesce(new_value, 'NULL') FROM fact_history "
	    "WHERE key='os.pretty_name' AND sweep_id=%lld", (long long)s2),
	    "NULL");
	CHECK_STR(q("SELECT coalesce(old_value, 'NULL') || '>' || new_value "
	    "FROM fact_history WHERE key='os.codename'"), "NULL>trixie");
	CHECK_STR(q("SELECT count(*) FROM facts WHERE key='os.pretty_name'"),
	    "0");
	CHECK_STR(q("SELECT change FROM changes WHERE key='os.codename'"),
	    "added");

	/* Identical re-sweep: no history at all. */
	s3 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mkres("web01", s3, "os=ok kernel=ok", "os.id=debian",
	    "os.version_id=13", "kernel.release=6.1.0", "os.codename=trixie",
	    NULL));
	writer_sweep_end(w, s3);
	writer_flush(w);
	CHECK_STR(q("SELECT count(*) FROM fact_history"), "3");
	CHECK_STR(q("SELECT count(*) FROM changes WHERE host='web01'"), "4");
	CHECK_STR(q("SELECT count(*) FROM attempts"), "3");
	CHECK_STR(q("SELECT ok || '/' || failed || '/' || nhosts FROM sweeps "
	    "WHERE id=%lld", (long long)s3), "1/0/1");
}

/* A failed collector and a failed host keep the old facts. */
static void
test_failures(struct writer *w)
{
	struct host_result	*r;
	int64_t			 s;

	s = writer_sweep_begin(w, "test", 2);
	/* kernel failed: its old fact stays although the result lacks it;
	 * os ran ok: its facts are replaced. */
	writer_submit(w, mkres("web01", s, "os=ok kernel=failed",
	    "os.id=debian", "os.version_id=13", "os.codename=trixie", NULL));
	r = mkres("web02", s, "", NULL);
	r->authed_us = 0;		/* never got that far */
	host_result_set_error(r, HOST_REFUSED, "connection refused");
	writer_submit(w, r);
	writer_sweep_end(w, s);
	writer_flush(w);
	CHECK_STR(q("SELECT a.authed_us - a.started_us FROM attempts a JOIN "
	    "hosts h ON h.id=a.host_id WHERE h.name='web01' AND "
	    "a.sweep_id=%lld", (long long)s), "40000");
	CHECK_STR(q("SELECT coalesce(a.authed_us, 'NULL') FROM attempts a "
	    "JOIN hosts h ON h.id=a.host_id WHERE h.name='web02'"), "NULL");
	CHECK_STR(q("SELECT value FROM facts WHERE key='kernel.release'"),
	    "6.1.0");
	CHECK_STR(q("SELECT count(*) FROM fact_history WHERE sweep_id=%lld",
	    (long long)s), "0");
	CHECK_STR(q("SELECT c.status FROM collector_runs c JOIN attempts a ON "
	    "a.id=c.attempt_id WHERE a.sweep_id=%lld AND c.collector="
	    "'kernel'", (long long)s), "failed");
	CHECK_STR(q("SELECT ok || '/' || failed FROM sweeps WHERE id=%lld",
	    (long long)s), "1/1");
	CHECK_STR(q("SELECT status || ':' || error FROM host_status WHERE "
	    "name='web02'"), "refused:connection refused");
	CHECK_STR(q("SELECT coalesce(last_success, 'NULL') FROM host_status "
	    "WHERE name='web02'"), "NULL");
	CHECK_STR(q("SELECT last_success FROM host_status WHERE "
	    "name='web01'"), "2023-11-14T22:17:20Z");

	/* web01 fails to connect: attempt recorded, facts untouched. */
	s = writer_sweep_begin(w, "test", 1);
	r = mkres("web01", s, "", NULL);
	r->authed_us = 0;
	host_result_set_error(r, HOST_CONNECT_TIMEOUT, "timed out");
	writer_submit(w, r);
	writer_sweep_end(w, s);
	writer_flush(w);
	CHECK_STR(q("SELECT count(*) FROM facts f JOIN hosts h ON "
	    "h.id=f.host_id WHERE h.name='web01'"), "4");
	CHECK_STR(q("SELECT status FROM host_status WHERE name='web01'"),
	    "connect_timeout");
	CHECK_STR(q("SELECT count(*) FROM attempts a JOIN hosts h ON "
	    "h.id=a.host_id WHERE h.name='web01'"), "5");
}

/* The packages/services of one sweep. */
static struct host_result *
mklist(int64_t s, const char *openssl, int with_curl, int with_vim,
    const char *ssh_active)
{
	struct host_result	*r;

	r = mkres("db01", s, "packages=ok services=ok filesystems=ok", NULL);
	item(r, ITEM_PACKAGE, "openssl", openssl, "amd64", "dpkg", NULL);
	if (with_curl)
		item(r, ITEM_PACKAGE, "curl", "7.88.1", "amd64", "dpkg", NULL);
	if (with_vim)
		item(r, ITEM_PACKAGE, "vim", "9.0", "amd64", "dpkg", NULL);
	item(r, ITEM_SERVICE, "ssh.service", "loaded", ssh_active,
	    strcmp(ssh_active, "active") == 0 ? "running" : "dead",
	    "enabled");
	/* used_bytes changes every sweep: not history. */
	item(r, ITEM_FILESYSTEM, "/", "/dev/sda1", "ext4", "1000000",
	    s % 2 ? "500" : "501");
	return r;
}

/* List tables: installed, upgraded, removed, service changed; nothing on
 * an identical sweep; a failed collector keeps its rows. */
static void
test_lists(struct writer *w)
{
	struct host_result	*r;
	int64_t			 s1, s2, s3, s4;

	s1 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mklist(s1, "3.0.11-1", 1, 0, "active"));
	writer_flush(w);
	CHECK_STR(q("SELECT count(*) FROM item_history WHERE change="
	    "'installed'"), "0");
	CHECK_STR(q("SELECT new_value FROM item_history WHERE change="
	    "'first_seen' AND name='db01'"), "facts=0 packages=2 services=1 "
	    "filesystems=1");
	CHECK_STR(q("SELECT count(*) FROM host_packages WHERE host='db01'"),
	    "2");
	s2 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mklist(s2, "3.0.13-1", 0, 1, "inactive"));
	writer_flush(w);
	CHECK_STR(q("SELECT old_value || '>' || new_value FROM item_history "
	    "WHERE change='upgraded' AND name='openssl' AND detail='amd64'"),
	    "3.0.11-1>3.0.13-1");
	CHECK_STR(q("SELECT change FROM item_history WHERE name='curl' AND "
	    "sweep_id=%lld", (long long)s2), "removed");
	CHECK_STR(q("SELECT change FROM item_history WHERE name='vim'"),
	    "installed");
	CHECK_STR(q("SELECT new_value FROM item_history WHERE kind='service' "
	    "AND change='changed'"), "load=loaded active=inactive sub=dead "
	    "enabled=enabled");
	CHECK_STR(q("SELECT count(*) FROM item_history WHERE sweep_id=%lld",
	    (long long)s2), "4");
	CHECK_STR(q("SELECT used_bytes FROM host_filesystems WHERE "
	    "host='db01'"), s2 % 2 ? "500" : "501");
	CHECK_STR(q("SELECT key FROM changes WHERE kind='service'"),
	    "service:ssh.service");
	s3 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mklist(s3, "3.0.13-1", 0, 1, "inactive"));
	writer_flush(w);
	CHECK_STR(q("SELECT count(*) FROM item_history WHERE sweep_id=%lld",
	    (long long)s3), "0");
	CHECK_STR(q("SELECT used_bytes FROM filesystems"),
	    s3 % 2 ? "500" : "501");
	/* packages collector failed: rows stay as they were. */
	s4 = writer_sweep_begin(w, "test", 1);
	r = mkres("db01", s4, "packages=failed", NULL);
	writer_submit(w, r);
	writer_flush(w);
	CHECK_STR(q("SELECT version FROM packages WHERE name='openssl'"),
	    "3.0.13-1");
	CHECK_STR(q("SELECT count(*) FROM packages"), "2");
}

/* Volatile facts (uptime, load, free memory, clock) keep a current value
 * and never write history; a real change next to them still does. */
static void
test_volatile(struct writer *w)
{
	int64_t	 s1, s2, s3;

	s1 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mkres("vol01", s1, "uptime=ok memory=ok time=ok",
	    "uptime.seconds=100", "uptime.load1=0.10", "uptime.load5=0.20",
	    "uptime.load15=0.30", "memory.total_bytes=8589934592",
	    "memory.available_bytes=4000", "memory.swap_free_bytes=10",
	    "time.epoch=1700000000", "time.timezone=UTC", NULL));
	writer_flush(w);
	CHECK_STR(q("SELECT count(*) FROM fact_history WHERE sweep_id=%lld",
	    (long long)s1), "0");		/* baseline */
	CHECK_STR(q("SELECT count(*) FROM host_facts WHERE host='vol01'"),
	    "9");
	s2 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mkres("vol01", s2, "uptime=ok memory=ok time=ok",
	    "uptime.seconds=160", "uptime.load1=0.50", "uptime.load5=0.25",
	    "uptime.load15=0.31", "memory.total_bytes=8589934592",
	    "memory.available_bytes=3000", "memory.swap_free_bytes=9",
	    "time.epoch=1700000060", "time.timezone=UTC", NULL));
	writer_flush(w);
	CHECK_STR(q("SELECT count(*) FROM fact_history WHERE sweep_id=%lld",
	    (long long)s2), "0");
	CHECK_STR(q("SELECT value FROM host_facts WHERE host='vol01' AND "
	    "key='uptime.seconds'"), "160");
	CHECK_STR(q("SELECT value FROM host_facts WHERE host='vol01' AND "
	    "key='memory.available_bytes'"), "3000");
	/* A volatile fact gone and a real change: only the real one. */
	s3 = writer_sweep_begin(w, "test", 1);
	writer_submit(w, mkres("vol01", s3, "uptime=ok memory=ok time=ok",
	    "uptime.seconds=220", "memory.total_bytes=17179869184",
	    "time.epoch=1700000120", "time.timezone=UTC", NULL));
	writer_flush(w);
	CHECK_STR(q("SELECT group_concat(key) FROM fact_history WHERE "
	    "sweep_id=%lld", (long long)s3), "memory.total_bytes");
	CHECK_STR(q("SELECT count(*) FROM host_facts WHERE host='vol01' AND "
	    "key LIKE 'uptime.load%%'"), "0");
	CHECK(collector_fact_is_volatile("uptime.seconds"));
	CHECK(collector_fact_is_volatile("time.epoch"));
	CHECK(!collector_fact_is_volatile("memory.total_bytes"));
	CHECK(!collector_fact_is_volatile("custom.uptime.seconds"));
	CHECK(!collector_fact_is_volatile(NULL));
}

/* Package history in each manager's order: upgraded, downgraded, and
 * "changed" when the order calls two spellings equal. */
static void
test_versions(struct writer *w)
{
	struct host_result	*r;
	int64_t			 s;
	const char		*v1[] = { "1.0~rc1", "2.0-1.el9", "1.2.3_rc1" };
	const char		*v2[] = { "1.0", "1:1.0-1.el9", "1.2.3" };
	const char		*v3[] = { "0.9", "1:1.0", "1.2.3-r0" };
	const char		**vs[] = { v1, v2, v3 };
	int			 i;

	for (i = 0; i < 3; i++) {
		s = writer_sweep_begin(w, "test", 1);
		r = mkres("pkg01", s, "packages=ok", NULL);
		item(r, ITEM_PACKAGE, "a", vs[i][0], "amd64", "dpkg", NULL);
		item(r, ITEM_PACKAGE, "b", vs[i][1], "x86_64", "rpm", NULL);
		item(r, ITEM_PACKAGE, "c", vs[i][2], "x86_64", "apk", NULL);
		writer_submit(w, r);
		writer_flush(w);
	}
	CHECK_STR(q("SELECT group_concat(name || ':' || change, ' ') FROM "
	    "(SELECT i.name, i.change FROM item_history i JOIN hosts h ON "
	    "h.id=i.host_id WHERE h.name='pkg01' AND change <> 'first_seen' "
	    "ORDER BY i.id)"), "a:upgraded b:upgraded c:upgraded "
	    "a:downgraded b:changed c:upgraded");
	CHECK_STR(q("SELECT change FROM changes WHERE host='pkg01' AND "
	    "key='package:a' AND old_value='1.0'"), "downgraded");
	/* The read-only connection's SQL functions. */
	CHECK_STR(q("SELECT version_cmp('dpkg', '1.0~rc1', '1.0')"), "-1");
	CHECK_STR(q("SELECT version_cmp('rpm', '1.0^git1', '1.0')"), "1");
	CHECK_STR(q("SELECT version_cmp('apk', '1.2.3-r1', '1.2.3_p1')"),
	    "-1");
	CHECK_STR(q("SELECT coalesce(version_cmp('dpkg', NULL, '1'), 'N')"),
	    "N");
	CHECK_STR(q("SELECT group_concat(name) FROM (SELECT name FROM "
	    "host_packages WHERE host='pkg01' AND version_cmp(manager, "
	    "version, '1.0') < 0 ORDER BY name)"), "a");
	CHECK_STR(q("SELECT fact_match('17179869184', '>', '8G')"), "1");
	CHECK_STR(q("SELECT fact_match('debian', '~', 'deb*')"), "1");
	CHECK(strncmp(q("SELECT fact_match('a', '<>', 'b')"),
	    "(error: fact_match: unknown operator", 36) == 0);
	CHECK_STR(q("SELECT fact_match('33554432000', '>', '30GB')"), "1");
	CHECK_STR(q("SELECT fact_match('33554432000', '>', '100TB')"), "0");
	CHECK_STR(q("SELECT fact_match('debian', '>', '30G')"),
	    "(error: 'debian' is not a number, cannot compare it with 30G)");
	CHECK_STR(q("SELECT fact_match('1', '>', '30XB')"),
	    "(error: unknown size unit 'XB' in '30XB' (B; K M G T P or "
	    "KiB..PiB: powers of 1024; KB MB GB TB PB: powers of 1000))");
}

/* The inventory sync: hosts in, others out, groups as a list. */
static void
test_inventory(struct writer *w)
{
	struct config	 conf;
	struct host	 h[2];
	char		*g1[] = { "all", "web" }, *g2[] = { "all" };

	memset(&conf, 0, sizeof conf);
	memset(h, 0, sizeof h);
	h[0].name = "web01";
	h[0].address = "10.0.0.1";
	h[0].port = 2222;
	h[0].user = "rc";
	h[0].groups = g1;
	h[0].ngroups = 2;
	h[1].name = "new01";
	h[1].address = "10.0.0.9";
	h[1].port = 22;
	h[1].groups = g2;
	h[1].ngroups = 1;
	conf.hosts = h;
	conf.nhosts = 2;
	writer_sync_inventory(w, &conf);
	writer_flush(w);
	CHECK_STR(q("SELECT groups || ' ' || port || ' ' || address FROM "
	    "hosts WHERE name='web01'"), "all,web 2222 10.0.0.1");
	CHECK_STR(q("SELECT in_inventory FROM hosts WHERE name='web02'"),
	    "0");
	CHECK_STR(q("SELECT group_concat(name) FROM (SELECT name FROM "
	    "host_status WHERE in_inventory=1 ORDER BY name)"), "new01,web01");
	CHECK_STR(q("SELECT coalesce(status, 'NULL') FROM host_status WHERE "
	    "name='new01'"), "NULL");
}

/* Wait up to ms for the writer to say it is degraded (or, with broken,
 * broken); *st is its last report either way. */
static void
wait_writer(struct writer *w, struct writer_stats *st, int broken, int ms)
{
	int	 i;

	for (i = 0; i < ms / 10; i++) {
		writer_get_stats(w, st);
		if (broken ? st->broken : st->degraded)
			return;
		usleep(10000);
	}
}

/* A full disk (max_page_count) makes the writer degraded; the results stay
 * queued and are stored once space returns; stored data is untouched. */
static void
test_degraded(struct writer *w)
{
	struct writer_stats	 st;
	struct host_result	*r;
	int64_t			 s;
	int			 i, j;
	char			 k[64], v[1100];

	writer_test_exec(w, "PRAGMA max_page_count = 1");
	s = writer_sweep_begin(w, "full", 1);
	for (i = 0; i < 20; i++) {
		snprintf(k, sizeof k, "bulk%02d", i);
		r = mkres(k, s, "os=ok", NULL);
		for (j = 0; j < 30; j++) {
			snprintf(k, sizeof k, "os.k%d", j);
			memset(v, 'a' + j % 26, sizeof v - 1);
			v[sizeof v - 1] = '\0';
			facts_add(&r->facts, k, v);
		}
		writer_submit(w, r);
	}
	writer_sweep_end(w, s);
	wait_writer(w, &st, 0, 1000);
	CHECK(st.degraded == 1);
	CHECK(st.queue_depth == 20);
	CHECK(strstr(st.last_error, "full") != NULL);
	CHECK_STR(q("SELECT count(*) FROM hosts WHERE name LIKE 'bulk%%'"),
	    "0");
	CHECK_STR(q("SELECT value FROM facts WHERE key='os.id'"), "debian");
	/* Bounded queue: 10 more with room for 25 drops 5 of the oldest. */
	writer_test_queue_max(w, 25);
	for (i = 20; i < 30; i++) {
		snprintf(k, sizeof k, "bulk%02d", i);
		writer_submit(w, mkres(k, s, "os=ok", "os.id=x", NULL));
	}
	/* 25, or up to 30 for a moment: each submit wakes the writer to retry,
	 * and a submit while that retry is in flight owes its drop until the
	 * batch fails again, so any of 25..30 can show here. */
	writer_get_stats(w, &st);
	CHECK(st.queue_depth >= 25 && st.queue_depth <= 30);
	usleep(300000);
	writer_get_stats(w, &st);
	CHECK(st.queue_depth == 25);
	writer_test_exec(w, "PRAGMA max_page_count = 1073741823");
	writer_flush(w);
	writer_get_stats(w, &st);
	CHECK(st.degraded == 0);
	CHECK(st.queue_depth == 0);
	CHECK_STR(q("SELECT count(*) FROM hosts WHERE name LIKE 'bulk%%'"),
	    "25");
	CHECK_STR(q("SELECT count(*) FROM hosts WHERE name BETWEEN 'bulk00' "
	    "AND 'bulk04'"), "0");		/* the oldest were dropped */
	/* sweep_end came before the last 10: it counts the 15 kept. */
	CHECK_STR(q("SELECT ok FROM sweeps WHERE id=%lld", (long long)s),
	    "15");
	CHECK_STR(q("PRAGMA integrity_check"), "ok");
}

/* A result the database rejects for its content (here a trigger's
 * RAISE, a constraint error) is dropped alone: the writer's first pass
 * has no per-message savepoint, so it rolls the batch back and runs it
 * again with them; the results before and after it in the batch are
 * stored, and only it is counted as lost. */
static void
test_rejected(struct writer *w)
{
	struct writer_stats	 st0, st;
	int64_t			 s;

	writer_get_stats(w, &st0);
	writer_test_exec(w, "CREATE TEMP TRIGGER reject BEFORE INSERT ON hosts"
	    " WHEN NEW.name = 'rej02' BEGIN SELECT RAISE(ABORT, 'no'); END");
	s = writer_sweep_begin(w, "reject", 3);
	writer_submit(w, mkres("rej01", s, "os=ok", "os.id=alpha", NULL));
	writer_submit(w, mkres("rej02", s, "os=ok", "os.id=beta", NULL));
	writer_submit(w, mkres("rej03", s, "os=ok", "os.id=gamma", NULL));
	writer_sweep_end(w, s);
	writer_flush(w);
	writer_get_stats(w, &st);
	CHECK(st.lost == st0.lost + 1);
	CHECK(st.degraded == 0);
	CHECK_STR(q("SELECT group_concat(h.name || '=' || f.value, ' ') FROM"
	    " hosts h JOIN facts f ON f.host_id = h.id WHERE h.name LIKE"
	    " 'rej%%' AND f.key = 'os.id' ORDER BY h.name"),
	    "rej01=alpha rej03=gamma");
	CHECK_STR(q("SELECT ok FROM sweeps WHERE id=%lld", (long long)s), "2");
	writer_test_exec(w, "DROP TRIGGER temp.reject");
	writer_submit(w, mkres("rej02", s, "os=ok", "os.id=beta", NULL));
	writer_flush(w);
	CHECK_STR(q("SELECT f.value FROM hosts h JOIN facts f ON f.host_id ="
	    " h.id WHERE h.name = 'rej02' AND f.key = 'os.id'"), "beta");
}

/* SQLITE_READONLY (here PRAGMA query_only) is a database that cannot be
 * written for now, like a full disk: degraded, kept, stored later. */
static void
test_degraded_readonly(struct writer *w)
{
	struct writer_stats	 st;
	int64_t			 s;

	writer_test_exec(w, "PRAGMA query_only = 1");
	s = writer_sweep_begin(w, "readonly", 2);
	writer_submit(w, mkres("ro01", s, "os=ok", "os.id=debian", NULL));
	writer_submit(w, mkres("ro02", s, "os=ok", "os.id=debian", NULL));
	writer_sweep_end(w, s);
	wait_writer(w, &st, 0, 1000);
	CHECK(st.degraded == 1);
	CHECK(st.queue_depth == 2);
	CHECK(strstr(st.last_error, "readonly") != NULL);
	CHECK_STR(q("SELECT count(*) FROM hosts WHERE name LIKE 'ro0%%'"),
	    "0");
	writer_test_exec(w, "PRAGMA query_only = 0");
	writer_flush(w);
	writer_get_stats(w, &st);
	CHECK(st.degraded == 0);
	CHECK(st.queue_depth == 0);
	CHECK_STR(q("SELECT count(*) FROM attempts WHERE sweep_id=%lld",
	    (long long)s), "2");
	CHECK_STR(q("SELECT ok FROM sweeps WHERE id=%lld", (long long)s),
	    "2");
	CHECK_STR(q("PRAGMA integrity_check"), "ok");
}

/* Overwrite page n (1-based) of path with 0xff bytes. */
static void
smash_page(const char *path, int n, int psz)
{
	char	*page;
	FILE	*fp;

	page = malloc((size_t)psz);
	memset(page, 0xff, (size_t)psz);
	fp = fopen(path, "r+b");
	CHECK(fp != NULL);
	if (fp != NULL) {
		fseek(fp, (long)(n - 1) * psz, SEEK_SET);
		CHECK(fwrite(page, 1, (size_t)psz, fp) == (size_t)psz);
		fclose(fp);
	}
	free(page);
}

/* A backup of the live database, then one page of it overwritten: the
 * writer finds it at open (at once, or in the background above the
 * bound), writes nothing, counts what it could not store, and leaves the
 * file's bytes as they were; db check lists the page; the fault table
 * says corruption is not transient. */
static void
test_corrupt(void)
{
	struct db_backup_info	 bi;
	struct db_verdict	 v;
	struct writer_stats	 st;
	struct writer		*w;
	enum db_fault		 f;
	char			 p[600], err[1024], *before, *after, want[64];
	size_t			 blen = 0, alen = 0;
	int			 page;

	snprintf(p, sizeof p, "%s/corrupt.db", tmpdir);
	CHECK(db_backup(dbpath, p, 0, &bi, err, sizeof err) == 0);
	CHECK(filemode("") == 0600);
	page = atoi(q("SELECT rootpage FROM sqlite_master WHERE name = "
	    "'hosts'"));
	smash_page(p, page, atoi(q("PRAGMA page_size")));
	before = test_slurp(p, &blen);
	w = writer_open(p, err, sizeof err);
	CHECK(w != NULL);
	writer_get_stats(w, &st);
	CHECK(st.broken == 1 && st.degraded == 1 && st.fault == DBF_CORRUPT);
	CHECK(strstr(st.last_error, "the database is corrupt") != NULL);
	CHECK(strstr(st.last_error, p) != NULL);
	writer_submit(w, mkres("lost01", 1, "os=ok", "os.id=x", NULL));
	writer_flush(w);		/* returns at once: nothing to wait for */
	writer_close_stats(w, &st);
	CHECK(st.submitted == 1 && st.results == 0 && st.lost == 1);
	after = test_slurp(p, &alen);
	CHECK(before != NULL && after != NULL && alen == blen &&
	    memcmp(before, after, blen) == 0);
	free(after);
	/* The same file checked in the background. */
	dbcheck_test_sync_max(0);
	w = writer_open(p, err, sizeof err);
	CHECK(w != NULL);
	wait_writer(w, &st, 1, 5000);
	CHECK(st.broken == 1 && st.fault == DBF_CORRUPT);
	writer_close(w);
	dbcheck_test_sync_max(DB_QUICK_CHECK_SYNC_MAX);
	/* db check: the page is named. */
	CHECK(db_check(p, &v, &f, err, sizeof err) == 0);
	CHECK(v.ok == 0 && f == DBF_CORRUPT && v.nproblems >= 1);
	snprintf(want, sizeof want, "Page %d: ", page);
	CHECK(v.nproblems >= 1 && strncmp(v.problems[0], want,
	    strlen(want)) == 0);
	db_verdict_free(&v);
	CHECK(db_check(dbpath, &v, &f, err, sizeof err) == 0);
	CHECK(v.ok == 1 && f == DBF_NONE);
	db_verdict_free(&v);
	CHECK(!db_fault_transient(DBF_CORRUPT));
	CHECK(db_fault_transient(DBF_FULL) && db_fault_transient(DBF_BUSY) &&
	    db_fault_transient(DBF_READONLY));
	free(before);
}

/* db stats agrees with the tables it sums up. */
static void
test_stats(void)
{
	struct db_stats	 st;
	char		 err[512];
	size_t		 r;

	CHECK(db_stats(dbpath, &st, err, sizeof err) == 0);
	CHECK(st.hosts == atoll(q("SELECT count(*) FROM hosts")));
	CHECK(st.schema_version == atoll(q("PRAGMA user_version")));
	CHECK(st.page_size > 0 && st.pages > 0 && st.file_bytes > 0);
	for (r = 0; st.tables != NULL && r < st.tables->nrows; r++)
		if (strcmp(st.tables->rows[r][0], "attempts") == 0)
			CHECK_STR(st.tables->rows[r][1],
			    q("SELECT count(*) FROM attempts"));
	db_stats_free(&st);
}

/* A query's table (cells in its arena): NULL and empty cells kept apart,
 * numeric flags, a cell replaced, a column inserted; table_free frees it
 * all (LeakSanitizer in the ASan build). */
static void
test_table(void)
{
	struct table	*t;
	char		 err[256];

	t = db_query(rdb, "SELECT 'a' AS x, NULL AS y, 3 AS z UNION ALL"
	    " SELECT 'b\tc', '', 40", err, sizeof err);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK(t->nrows == 2 && t->ncols == 3);
	CHECK(t->rows[0][1] == NULL);
	CHECK_STR(t->rows[1][1], "");
	CHECK_STR(t->rows[1][0], "b\tc");
	CHECK(!t->numeric[0] && !t->numeric[1] && t->numeric[2]);
	table_set_cell(t, 1, 0, "replaced");
	table_set_cell(t, 0, 2, NULL);
	CHECK_STR(t->rows[1][0], "replaced");
	CHECK(t->rows[0][2] == NULL);
	table_add_column(t, 1, "new", 1);
	CHECK(t->ncols == 4 && t->cols[4] == NULL);
	CHECK_STR(t->cols[1], "new");
	CHECK_STR(t->cols[3], "z");
	CHECK(t->numeric[1] && t->numeric[3] && !t->numeric[2]);
	CHECK(t->rows[0][1] == NULL && t->rows[1][4] == NULL);
	CHECK_STR(t->rows[1][0], "replaced");
	CHECK_STR(t->rows[1][3], "40");
	table_free(t);
}

/* A result with n packages of about 100 bytes each, ~20 KB. */
static struct host_result *
mkbig(int i, int64_t s, int n)
{
	struct host_result	*r;
	char			 host[32], name[64];
	int			 j;

	snprintf(host, sizeof host, "bp%04d", i);
	r = mkres(host, s, "packages=ok", NULL);
	for (j = 0; j < n; j++) {
		snprintf(name, sizeof name, "package-with-a-long-name-%d", j);
		item(r, ITEM_PACKAGE, name, "1.2.3-4+deb12u5~really-long",
		    "amd64", "dpkg", NULL);
	}
	return r;
}

/* Backpressure with a slow writer (50 ms per transaction): a producer
 * that waits while the writer is backlogged (as the dispatcher does)
 * never has more than the high mark plus one result waiting, and loses
 * nothing; one that ignores it is held at the hard bound by dropping the
 * oldest results. */
static void
test_backpressure(struct writer *w)
{
	struct writer_stats	 st;
	const size_t		 high = 256 << 10, max = 1 << 20;
	uint64_t		 before;
	int64_t			 s;
	int			 i, waited = 0;

	writer_flush(w);
	writer_test_delay(w, 50);
	writer_test_bytes(w, high, max);
	writer_get_stats(w, &st);
	before = st.results;
	s = writer_sweep_begin(w, "test", 200);
	for (i = 0; i < 200; i++) {
		while (writer_backlogged(w)) {
			usleep(1000);
			waited = 1;
		}
		writer_submit(w, mkbig(i, s, 200));
	}
	writer_flush(w);
	writer_get_stats(w, &st);
	CHECK(waited);
	CHECK(st.queue_bytes_peak > 0);
	CHECK(st.queue_bytes_peak <= high + 64 * 1024);
	CHECK(st.results - before == 200);
	fprintf(stderr, "backpressure: peak %zu bytes waiting (high mark "
	    "%zu)\n", st.queue_bytes_peak, high);

	writer_test_bytes(w, high, max);
	before = st.results;
	for (i = 0; i < 200; i++)
		writer_submit(w, mkbig(i, s, 200));
	writer_sweep_end(w, s);
	writer_flush(w);
	writer_get_stats(w, &st);
	CHECK(st.queue_bytes_peak <= max);
	CHECK(st.results - before < 200);
	CHECK(st.queue_bytes == 0);
	fprintf(stderr, "no backpressure: peak %zu bytes waiting (bound %zu), "
	    "%llu of 200 stored\n", st.queue_bytes_peak, max,
	    (unsigned long long)(st.results - before));
	writer_test_delay(w, 0);
	writer_test_bytes(w, 8u << 20, 32u << 20);
}

int
main(void)
{
	struct writer	*w;
	char		 cmd[600];

	log_init(0, "test_storage");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	w = test_open();
	if (w != NULL && rdb != NULL) {
		test_readonly();
		test_uri();
		test_upgrade();
		test_migrate4();
		test_migrate5();
		test_migrate6();
		test_history(w);
		test_failures(w);
		test_lists(w);
		test_volatile(w);
		test_versions(w);
		test_inventory(w);
		test_degraded(w);
		test_degraded_readonly(w);
		test_rejected(w);
		test_corrupt();
		test_stats();
		test_table();
		test_backpressure(w);
	}
	writer_close(w);
	db_close(rdb);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	TEST_MAIN_END();
}
