/* Digest skipping (issue 13): captured outputs of every built-in collector
 * go through the real harvest (digest check, parsers) and writer. An
 * unchanged output is not parsed and changes nothing; changing one package
 * on one host shows exactly that change; a skip the store does not back
 * is never applied. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/harvest.h"
#include "storage/digest.h"
#include "storage/storage.h"
#include "test.h"

#define T0	1700000000000000LL	/* a fixed wall clock, microseconds */

static char	 tmpdir[] = "/tmp/rollcall-test-digest.XXXXXX";
static struct db *rdb;			/* read-only connection */
static struct writer *wr;		/* the writer under test */

static int	mem_digests(const char *, const char *);

/* First cell of a query ("(none)" without rows). */
static const char *
q(const char *fmt, ...)
{
	static char	 out[1024];
	struct table	*t;
	char		 sql[2048], err[256];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	if ((t = db_query(rdb, sql, err, sizeof err)) == NULL) {
		snprintf(out, sizeof out, "(error: %s)", err);
		return out;
	}
	snprintf(out, sizeof out, "%s", t->nrows == 0 ? "(none)" :
	    t->rows[0][0] != NULL ? t->rows[0][0] : "NULL");
	table_free(t);
	return out;
}

/* Read a fixture of the debian12 host; NULL if missing. */
static char *
fixture(const char *coll, size_t *len)
{
	const char	*d = getenv("FIXTURES");
	char		 path[512], *p;
	FILE		*fp;
	long		 n;

	snprintf(path, sizeof path, "%s/collectors/debian12/%s.txt",
	    d != NULL ? d : "fixtures", coll);
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = malloc((size_t)n + 1);
	*len = fread(p, 1, (size_t)n, fp);
	p[*len] = '\0';
	fclose(fp);
	return p;
}

/* One host's attempt: every built-in collector's fixture output through
 * harvest_output; with bump, the version of package "adduser" changed. */
static struct host_result *
sweep_host(struct digests *dg, const char *host, int64_t sweep, int bump)
{
	const struct collector	*c, *all;
	struct host_result	*r;
	struct coll_result	*cr;
	struct host_digests	*last;
	size_t			 i, n, len;
	char			*out, *p;

	last = digests_host(dg, host);	/* as the dispatcher copies them */
	r = host_result_new(host, "192.0.2.1", 22, sweep);
	r->started_us = T0 + sweep * 60000000LL;
	r->ended_us = r->started_us + 250000;
	all = collector_builtins(&n);
	for (i = 0; i < n; i++) {
		c = &all[i];
		cr = host_result_add_coll(r, c->name);
		if ((out = fixture(c->name, &len)) == NULL)
			continue;		/* stays not_run */
		if (bump && strcmp(c->name, "packages") == 0 &&
		    (p = strstr(out, "adduser\t3.134")) != NULL)
			p[12] = '5';		/* 3.134 -> 3.135 */
		cr->exit_code = 0;
		cr->out_bytes = len;
		harvest_output(last, r, cr, c, NULL, 0, out, len);
		free(out);
	}
	host_digests_free(last);
	return r;
}

/* Store one sweep of both hosts, bumping adduser on host b if asked. */
static int64_t
sweep(struct writer *w, int bump)
{
	int64_t	 s;

	s = writer_sweep_begin(w, "test", 2);
	writer_submit(w, sweep_host(writer_digests(w), "a", s, 0));
	writer_submit(w, sweep_host(writer_digests(w), "b", s, bump));
	writer_sweep_end(w, s);
	writer_flush(w);
	return s;
}

/* The changes of one sweep as "host key change old>new" lines. */
static const char *
changes(int64_t s)
{
	return q("SELECT coalesce(group_concat(x, ';'), '') FROM (SELECT "
	    "host || ' ' || key || ' ' || change || ' ' || coalesce(old_value, "
	    "'') || '>' || coalesce(new_value, '') AS x FROM changes WHERE "
	    "sweep_id=%lld ORDER BY host, key)", (long long)s);
}

/* Baseline, unchanged re-sweep, one package on one host, and back. */
static void
test_skip(struct writer *w)
{
	char	 facts[64], items[64];
	int64_t	 s;

	s = sweep(w, 0);
	CHECK_STR(q("SELECT count(*) FROM changes WHERE sweep_id=%lld",
	    (long long)s), "2");		/* first_seen of a and b */
	CHECK_STR(q("SELECT count(*) FROM host_packages WHERE host='b'"),
	    "860");
	CHECK_STR(q("SELECT count(*) FROM attempts WHERE unchanged > 0"), "0");
	/* Same packages: one set for both hosts, 860 rows in all. */
	CHECK_STR(q("SELECT count(*) || ' ' || sum(nhosts) || ' ' || sum(items) "
	    "FROM package_sets"), "1 2 860");
	CHECK_STR(q("SELECT count(*) FROM package_set_items"), "860");
	snprintf(facts, sizeof facts, "%s", q("SELECT count(*) FROM facts"));
	snprintf(items, sizeof items, "%s", q("SELECT count(*) FROM "
	    "package_links"));

	/* The same outputs: nothing parsed, nothing changed, nothing lost. */
	s = sweep(w, 0);
	CHECK_STR(changes(s), "");
	/* Every collector with output was confirmed, none stored a run. */
	CHECK_STR(q("SELECT group_concat(unchanged) FROM attempts WHERE "
	    "sweep_id=%lld", (long long)s), q("SELECT group_concat(n) FROM "
	    "(SELECT count(*) AS n FROM collector_runs c JOIN attempts a ON "
	    "a.id=c.attempt_id WHERE a.sweep_id=%lld AND c.status='ok' GROUP "
	    "BY a.id)", (long long)(s - 1)));
	CHECK(atoi(q("SELECT min(unchanged) FROM attempts WHERE sweep_id=%lld",
	    (long long)s)) >= 10);
	CHECK_STR(q("SELECT count(*) FROM collector_runs c JOIN attempts a ON "
	    "a.id=c.attempt_id WHERE a.sweep_id=%lld AND c.status='ok'",
	    (long long)s), "0");
	CHECK_STR(q("SELECT count(*) FROM facts"), facts);
	CHECK_STR(q("SELECT count(*) FROM package_links"), items);
	CHECK_STR(q("SELECT version FROM host_packages WHERE host='b' AND "
	    "name='adduser'"), "3.134");

	/* One package on one host: exactly that change. */
	s = sweep(w, 1);
	CHECK_STR(changes(s), "b package:adduser upgraded 3.134>3.135");
	CHECK_STR(q("SELECT version FROM host_packages WHERE host='b' AND "
	    "name='adduser'"), "3.135");
	CHECK_STR(q("SELECT version FROM host_packages WHERE host='a' AND "
	    "name='adduser'"), "3.134");
	CHECK_STR(q("SELECT c.status FROM collector_runs c "
	    "JOIN attempts a ON a.id=c.attempt_id JOIN hosts h ON "
	    "h.id=a.host_id WHERE a.sweep_id=%lld AND h.name='b' AND "
	    "c.collector='packages'", (long long)s), "ok");
	CHECK_STR(q("SELECT count(*) FROM package_items WHERE name="
	    "'adduser'"), "2");
	CHECK_STR(q("SELECT group_concat(nhosts || ':' || items, ' ') FROM "
	    "(SELECT nhosts, items FROM package_sets ORDER BY id)"),
	    "1:860 1:860");

	/* And back: the old digest is not the stored one any more. */
	s = sweep(w, 0);
	CHECK_STR(changes(s), "b package:adduser downgraded 3.135>3.134");
	/* b is back on the shared set; the one only it used is gone. */
	CHECK_STR(q("SELECT count(*) || ' ' || sum(nhosts) FROM package_sets"),
	    "1 2");
	CHECK_STR(q("SELECT count(*) FROM package_set_items"), "860");
	s = sweep(w, 0);
	CHECK_STR(changes(s), "");
	CHECK_STR(q("SELECT count(*) FROM facts"), facts);
}

/* A result that claims "unchanged" with a digest the store does not hold
 * (it moved on meanwhile) changes nothing and stores no digest. */
static void
test_unbacked(struct writer *w)
{
	struct host_result	*r;
	struct coll_result	*c;
	int64_t			 s;

	s = writer_sweep_begin(w, "test", 1);
	r = host_result_new("b", "192.0.2.1", 22, s);
	r->started_us = T0;
	r->ended_us = T0 + 1;
	c = host_result_add_coll(r, "packages");
	c->status = COLL_OK;
	c->unchanged = 1;
	c->has_digest = 1;
	memset(c->digest, 0xab, sizeof c->digest);
	writer_submit(w, r);
	writer_sweep_end(w, s);
	writer_flush(w);
	CHECK_STR(changes(s), "");
	CHECK_STR(q("SELECT count(*) FROM host_packages WHERE host='b'"),
	    "860");
	CHECK_STR(q("SELECT hex(digest) <> '%s' FROM collector_state s JOIN "
	    "hosts h ON h.id=s.host_id WHERE h.name='b' AND "
	    "collector='packages'", "ABABABABABABABABABABABABABABABAB"), "1");
	/* The in-memory copy forgot the entry that made the claim: the next
	 * sweep of b parses its packages again. */
	CHECK(mem_digests("b", "packages") == 0);
	CHECK(mem_digests("b", "os") == 1);
}

/* Does the writer's in-memory copy hold host's digest of coll, equal to
 * the stored one? 1 yes, 0 none, -1 different. */
static int
mem_digests(const char *host, const char *coll)
{
	struct host_digests	*hd;
	unsigned char		 dg[RESULT_DIGEST_KEPT];
	char			 hex[2 * RESULT_DIGEST_KEPT + 1];
	size_t			 i;
	int			 found;

	hd = digests_host(writer_digests(wr), host);
	found = host_digests_get(hd, coll, dg);
	host_digests_free(hd);
	if (!found)
		return 0;
	for (i = 0; i < RESULT_DIGEST_KEPT; i++)
		snprintf(hex + 2 * i, 3, "%02X", dg[i]);
	/* The copy keeps the stored digest's first RESULT_DIGEST_KEPT bytes. */
	return strcmp(q("SELECT substr(hex(digest), 1, %d) FROM collector_state"
	    " s JOIN hosts h ON h.id=s.host_id WHERE h.name='%s' AND"
	    " collector='%s'", 2 * RESULT_DIGEST_KEPT, host, coll), hex) == 0 ?
	    1 : -1;
}

/* After the forgotten claim the next sweep parses b's packages and the
 * copy holds their digest again; a reopened writer loads the same digests
 * in one query. */
static void
test_reload(const char *path)
{
	char	 err[256];
	int64_t	 s;

	s = sweep(wr, 0);
	CHECK_STR(changes(s), "");
	CHECK_STR(q("SELECT count(*) FROM collector_runs c JOIN attempts a ON "
	    "a.id=c.attempt_id JOIN hosts h ON h.id=a.host_id WHERE "
	    "a.sweep_id=%lld AND h.name='b' AND c.collector='packages' AND "
	    "c.status='ok'", (long long)s), "1");
	CHECK(mem_digests("b", "packages") == 1);
	writer_close(wr);
	wr = writer_open(path, err, sizeof err);
	CHECK(wr != NULL);
	CHECK(mem_digests("a", "packages") == 1);
	CHECK(mem_digests("b", "packages") == 1);
	CHECK(mem_digests("b", "kernel") == 1);
}

int
main(void)
{
	char		 path[600], err[256], cmd[600];

	log_init(0, "test_digest");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/rollcall.db", tmpdir);
	wr = writer_open(path, err, sizeof err);
	CHECK(wr != NULL);
	rdb = wr != NULL ? db_open_ro(path, err, sizeof err) : NULL;
	CHECK(rdb != NULL);
	if (wr != NULL && rdb != NULL) {
		/* Nothing stored yet: nothing in memory. */
		CHECK(digests_host(writer_digests(wr), "a") == NULL);
		test_skip(wr);
		test_unbacked(wr);
		test_reload(path);
	}
	writer_close(wr);
	db_close(rdb);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (getenv("TEST_KEEP") != NULL)	/* to look at it afterwards */
		printf("kept %s\n", tmpdir);
	else if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	TEST_MAIN_END();
}
