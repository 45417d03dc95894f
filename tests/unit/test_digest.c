/* Digest skipping (issue 13): captured outputs of every built-in collector
 * go through the real harvest (digest check, parsers) and writer, with the
 * digests read by a sweep's digest window as the dispatcher reads them. An
 * unchanged output is not parsed and changes nothing; changing one package
 * on one host shows exactly that change; a skip the store does not back
 * is never applied; the window holds no more than it is allowed and a host
 * taken before its reader got there goes without digests. */
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

static int	stored_digest(const char *, const char *);

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

/* Take host i's digests from a window, waiting for its reader as the
 * dispatcher does (up to 10 s here: a loaded test machine). */
static struct host_digests *
take(struct digest_window *dw, size_t i)
{
	struct host_digests	*hd;
	int			 tries = 0;

	while (digest_window_take(dw, i, 0, &hd) == -1 && tries++ < 10000)
		usleep(1000);
	CHECK(tries < 10000);
	return hd;
}

/* One host's attempt: every built-in collector's fixture output through
 * harvest_output; with bump, the version of package "adduser" changed. */
static struct host_result *
sweep_host(struct host_digests *last, const char *host, int64_t sweep,
    int bump)
{
	const struct collector	*c, *all;
	struct host_result	*r;
	struct coll_result	*cr;
	size_t			 i, n, len;
	char			*out, *p;

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
	static const char *const names[] = { "a", "b" };
	struct digest_window	*dw;
	int64_t			 s;

	s = writer_sweep_begin(w, "test", 2);
	dw = digest_window_open(writer_db_path(w), names, 2, 0);
	writer_submit(w, sweep_host(take(dw, 0), "a", s, 0));
	writer_submit(w, sweep_host(take(dw, 1), "b", s, bump));
	digest_window_close(dw);
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
	/* The stored digest, which backs the stored packages, is what the
	 * next sweep's window reads. */
	CHECK(stored_digest("b", "packages") == 1);
	CHECK(stored_digest("b", "os") == 1);
}

/* Does a window read host's digest of coll, equal to the stored one?
 * 1 yes, 0 none, -1 different. */
static int
stored_digest(const char *host, const char *coll)
{
	struct digest_window	*dw;
	struct host_digests	*hd;
	unsigned char		 dg[RESULT_DIGEST_KEPT];
	char			 hex[2 * RESULT_DIGEST_KEPT + 1];
	size_t			 i;
	int			 found;

	dw = digest_window_open(writer_db_path(wr), &host, 1, 0);
	hd = take(dw, 0);
	digest_window_close(dw);
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

/* After the unbacked claim the next sweep's claims are made against the
 * stored digests: b's packages are confirmed, nothing changes; a reopened
 * writer's database gives the same digests. */
static void
test_reload(const char *path)
{
	char	 err[256];
	int64_t	 s;

	s = sweep(wr, 0);
	CHECK_STR(changes(s), "");
	CHECK_STR(q("SELECT count(*) FROM collector_runs c JOIN attempts a ON "
	    "a.id=c.attempt_id JOIN hosts h ON h.id=a.host_id WHERE "
	    "a.sweep_id=%lld AND h.name='b' AND c.collector='packages'",
	    (long long)s), "0");
	CHECK(atoi(q("SELECT a.unchanged FROM attempts a JOIN hosts h ON "
	    "h.id=a.host_id WHERE a.sweep_id=%lld AND h.name='b'",
	    (long long)s)) >= 10);
	writer_close(wr);
	wr = writer_open(path, err, sizeof err);
	CHECK(wr != NULL);
	CHECK(stored_digest("a", "packages") == 1);
	CHECK(stored_digest("b", "packages") == 1);
	CHECK(stored_digest("b", "kernel") == 1);
	CHECK(stored_digest("nosuchhost", "kernel") == 0);
}

/* Take host i from a window until it answers (bounded): its digests'
 * count of collectors with a stored digest, 0 without digests. */
static int
take_n(struct digest_window *dw, size_t i)
{
	struct host_digests	*hd = take(dw, i);
	unsigned char		 dg[RESULT_DIGEST_KEPT];
	int			 n;

	n = host_digests_get(hd, "packages", dg) + host_digests_get(hd,
	    "kernel", dg);
	host_digests_free(hd);
	return n;
}

/* The window's bounds: with room for one host, a host taken past one
 * held back goes without digests (a miss) instead of waiting; the reader
 * skips it and goes on once the held one is taken; no database, or a
 * forced take, means no digests at once; closing while the reader waits
 * for room ends it. */
static void
test_window(struct writer *w)
{
	static const char *const names[] = { "a", "b", "nosuchhost", "b" };
	struct digest_window		*dw;
	struct digest_window_stats	 st;
	struct host_digests		*hd;

	dw = digest_window_open(writer_db_path(w), names, 4, 1);
	CHECK(take_n(dw, 1) == 0);	/* "a" is held, not taken: a miss */
	CHECK(take_n(dw, 0) == 2);	/* "a", read before */
	CHECK(take_n(dw, 2) == 0);	/* read, nothing stored */
	CHECK(take_n(dw, 3) == 2);	/* "b" again, read after the miss */
	digest_window_stats(dw, &st);
	CHECK(st.hits == 2 && st.misses == 1 && st.none == 1);
	digest_window_close(dw);

	dw = digest_window_open(writer_db_path(w), names, 4, 1);
	CHECK(digest_window_take(dw, 3, 1, &hd) == 0 && hd == NULL);
	usleep(20000);			/* the reader waits for room */
	digest_window_close(dw);

	dw = digest_window_open(NULL, names, 4, 0);
	CHECK(digest_window_take(dw, 0, 0, &hd) == 0 && hd == NULL);
	digest_window_stats(dw, &st);
	CHECK(st.misses == 1);
	digest_window_close(dw);
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
		/* Nothing stored yet: no digests. */
		CHECK(stored_digest("a", "packages") == 0);
		test_skip(wr);
		test_unbacked(wr);
		test_reload(path);
		test_window(wr);
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
