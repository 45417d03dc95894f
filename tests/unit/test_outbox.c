/* The cluster outbox (storage/outbox.c) through the writer: every stored
 * attempt is queued once with a unique id, the bound drops the oldest,
 * an ack deletes exactly what was shipped, and ids never go back. */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/result.h"
#include "common/xmalloc.h"
#include "storage/outbox.h"
#include "storage/storage.h"

#include "test.h"

/* A stored result of host name: collector os parsed (one fact),
 * packages parsed (one package), kernel ok but unchanged (not shipped). */
static void
submit(struct writer *w, const char *name)
{
	const char *const	 pkg[ITEM_FIELDS] = { "openssl", "3.0.11", NULL,
				    "dpkg", NULL, NULL };
	struct host_result	*r;
	struct coll_result	*c;

	r = host_result_new(name, "127.0.0.1", 22, 0);
	r->started_us = 1000000;
	r->ended_us = 2000000;
	host_result_add_coll(r, "os")->status = COLL_OK;
	host_result_add_coll(r, "packages")->status = COLL_OK;
	c = host_result_add_coll(r, "kernel");
	c->status = COLL_OK;
	c->unchanged = 1;
	facts_add(&r->facts, "os.id", "debian");
	facts_add_item(&r->facts, ITEM_PACKAGE, pkg);
	writer_submit(w, r);
}

/* How many times needle occurs in s. */
static int
count(const char *s, const char *needle)
{
	int	 n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Rows of the attempts table in the database file at path; -1 on error. */
static int
attempts_rows(const char *path)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, "SELECT count(*) FROM attempts",
	    -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

/* docs/DISTRIBUTED.md "outbox full": with outbox_max 3 and five attempts
 * that no shipper acknowledges, exactly the two oldest leave the outbox,
 * each drop is a warning in the log, and the local attempts table keeps
 * all five. stderr (the log) goes to a file meanwhile. */
static void
test_full(void)
{
	char			 dir[] = "/tmp/rollcall-test-outbox.XXXXXX";
	char			 path[128], logp[128], err[256], *log;
	struct writer		*w;
	struct outbox_reader	*r;
	struct outbox_batch	 b;
	size_t			 len;
	int			 fd, saved;

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/t.db", dir);
	snprintf(logp, sizeof logp, "%s/log", dir);
	w = writer_open(path, err, sizeof err);
	CHECK(w != NULL);
	if (w == NULL)
		return;
	writer_outbox_enable(w, 3);
	fflush(stderr);
	saved = dup(2);
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(saved != -1 && fd != -1 && dup2(fd, 2) == 2);
	submit(w, "f1");
	submit(w, "f2");
	submit(w, "f3");
	submit(w, "f4");
	submit(w, "f5");
	writer_flush(w);		/* the writer thread logged by now */
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	log = test_slurp(logp, &len);
	CHECK(log != NULL);
	if (log != NULL) {
		fputs(log, stderr);	/* shown in the test's output too */
		CHECK(count(log, "cluster: outbox full (outbox_max 3): dropped "
		    "the 1 oldest unshipped attempt(s)") == 2);
	}
	free(log);
	r = outbox_reader_open(path, err, sizeof err);
	CHECK(r != NULL);
	CHECK(r != NULL && outbox_read(r, 0, 10, &b, err, sizeof err) == 0);
	if (r != NULL) {
		CHECK(b.n == 3);
		CHECK(strstr(b.json, "\"host\":\"f1\"") == NULL);
		CHECK(strstr(b.json, "\"host\":\"f2\"") == NULL);
		CHECK(strstr(b.json, "\"host\":\"f3\"") != NULL);
		CHECK(strstr(b.json, "\"host\":\"f4\"") != NULL);
		CHECK(strstr(b.json, "\"host\":\"f5\"") != NULL);
		free(b.json);
		outbox_reader_close(r);
	}
	writer_close(w);
	CHECK(attempts_rows(path) == 5);	/* the local database keeps all */
	snprintf(err, sizeof err, "rm -rf '%s'", dir);
	if (system(err) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int
main(void)
{
	char			 dir[] = "/tmp/rollcall-test-outbox.XXXXXX";
	char			 path[128], err[256];
	struct writer		*w;
	struct outbox_reader	*r;
	struct outbox_batch	 b;
	struct outbox_backlog	 bl;
	int64_t			 last;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof path, "%s/t.db", dir);
	w = writer_open(path, err, sizeof err);
	CHECK(w != NULL);
	if (w == NULL)
		return 1;
	r = outbox_reader_open(path, err, sizeof err);
	CHECK(r != NULL);
	/* Before the outbox exists: empty, not an error. */
	CHECK(outbox_read(r, 0, 10, &b, err, sizeof err) == 0 && b.n == 0);
	free(b.json);
	submit(w, "before");		/* not in cluster mode yet: not queued */
	writer_outbox_enable(w, 3);
	submit(w, "h1");
	submit(w, "h2");
	submit(w, "h3");
	submit(w, "h4");
	writer_flush(w);
	CHECK(outbox_backlog(r, &bl, err, sizeof err) == 0);
	CHECK(bl.count == 3 && bl.oldest_us > 0);	/* h1 dropped */
	CHECK(outbox_read(r, 0, 10, &b, err, sizeof err) == 0);
	CHECK(b.n == 3 && b.json[0] == '[');
	CHECK(strstr(b.json, "\"host\":\"h1\"") == NULL);
	CHECK(strstr(b.json, "\"host\":\"before\"") == NULL);
	CHECK(count(b.json, "\"uid\":\"") == 3);
	CHECK(count(b.json, "\"data\":{\"os\":{\"os.id\":\"debian\"},"
	    "\"packages\":{}}") == 3);
	/* The package list, arch "" as stored; kernel only counted. */
	CHECK(count(b.json, "\"items\":{\"package\":[[\"openssl\","
	    "\"3.0.11\",\"\",\"dpkg\"]]}") == 3);
	CHECK(count(b.json, "\"unchanged\":1") == 3);
	CHECK(strstr(b.json, "\"collector\":\"kernel\"") == NULL);
	CHECK(strstr(b.json, ":5\",\"local_id\":5,\"host\":\"h4\"") != NULL);
	last = b.last_id;
	free(b.json);
	CHECK(outbox_read(r, last - 1, 10, &b, err, sizeof err) == 0 &&
	    b.n == 1);
	free(b.json);
	writer_outbox_ack(w, last);
	writer_flush(w);
	CHECK(outbox_backlog(r, &bl, err, sizeof err) == 0 && bl.count == 0);
	submit(w, "h5");
	writer_flush(w);
	CHECK(outbox_read(r, last, 10, &b, err, sizeof err) == 0 && b.n == 1);
	CHECK(b.last_id == last + 1);		/* ids never go back */
	free(b.json);
	CHECK(outbox_backlog(r, &bl, err, sizeof err) == 0 && bl.count == 1 &&
	    bl.oldest_us > 0);			/* one row after an ack */
	outbox_reader_close(r);
	writer_close(w);
	snprintf(err, sizeof err, "rm -rf '%s'", dir);
	if (system(err) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	test_full();
	TEST_MAIN_END();
}
