/* The `cluster:` block of rollcall.yml: defaults, every key, and the errors
 * (a password in the conninfo, unknown keys, bad names and durations), each
 * at file:line:column. The password file is read only by its owner. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "config/cluster.h"
#include "config/config.h"

#include "test.h"

static char dir[] = "/tmp/rollcall-test-cluster.XXXXXX";

/* Write a file under dir; returns its path (caller frees). */
static char *
put(const char *name, const char *text, mode_t mode)
{
	char	*p;
	FILE	*fp;

	xasprintf(&p, "%s/%s", dir, name);
	fp = fopen(p, "w");
	if (fp == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	chmod(p, mode);
	return p;
}

/* Load rollcall.yml = "inventory: inv.yml\n" + block. */
static struct config *
load(const char *block, struct cfg_errors *errs)
{
	char		*text, *path;
	struct config	*c;

	xasprintf(&text, "inventory: inv.yml\n%s", block);
	path = put("rollcall.yml", text, 0644);
	c = config_load(path, errs);
	free(text);
	free(path);
	return c;
}

/* Does some error end with text (after "file:line:col: ")? */
static int
has_error(const struct cfg_errors *e, const char *where, const char *text)
{
	char	*want;
	size_t	 i;
	int	 found = 0;

	xasprintf(&want, "%s/rollcall.yml:%s: %s", dir, where, text);
	for (i = 0; i < e->n; i++)
		if (strcmp(e->msgs[i], want) == 0)
			found = 1;
	if (!found) {
		fprintf(stderr, "  wanted: %s\n", want);
		for (i = 0; i < e->n; i++)
			fprintf(stderr, "  got:    %s\n", e->msgs[i]);
	}
	free(want);
	return found;
}

/* No block: single node. A block with only postgres: the defaults. */
static void
test_defaults(void)
{
	struct cfg_errors	 e = { 0 };
	struct config		*c;
	char			 host[256];

	c = load("", &e);
	CHECK(c != NULL && c->cluster == NULL);
	config_free(c);
	c = load("cluster:\n  postgres: \"host=db dbname=rc\"\n", &e);
	CHECK(c != NULL && c->cluster != NULL);
	if (c == NULL || c->cluster == NULL)
		return;
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	CHECK_STR(c->cluster->postgres, "host=db dbname=rc");
	CHECK_STR(c->cluster->node, host);
	CHECK_STR(c->cluster->segment, "default");
	CHECK(c->cluster->password_file == NULL);
	CHECK(c->cluster->dead_after_ms == 30000);
	CHECK(c->cluster->outbox_max == CLUSTER_OUTBOX_MAX);
	config_free(c);
}

/* Every key set; password_file relative to the config's directory. */
static void
test_all_keys(void)
{
	struct cfg_errors	 e = { 0 };
	struct config		*c;
	char			*pf;

	c = load("cluster:\n  postgres: host=db\n  password_file: pg.pass\n"
	    "  node: collector-a1\n  segment: dc1\n  dead_after: 45s\n"
	    "  outbox_max: 5000\n", &e);
	CHECK(c != NULL && c->cluster != NULL);
	if (c == NULL || c->cluster == NULL)
		return;
	xasprintf(&pf, "%s/pg.pass", dir);
	CHECK_STR(c->cluster->password_file, pf);
	CHECK_STR(c->cluster->node, "collector-a1");
	CHECK_STR(c->cluster->segment, "dc1");
	CHECK(c->cluster->dead_after_ms == 45000);
	CHECK(c->cluster->outbox_max == 5000);
	free(pf);
	config_free(c);
}

/* Each mistake is reported at its place, and all of them at once. */
static void
test_errors(void)
{
	struct cfg_errors	 e = { 0 };
	struct config		*c;

	c = load("cluster:\n  postgres: \"host=db password=hunter2\"\n"
	    "  node: \"a b\"\n  dead_after: 10x\n  outbox_max: 0\n"
	    "  colour: red\n", &e);
	CHECK(c == NULL);
	CHECK(has_error(&e, "3:13", "'cluster.postgres' must not carry a "
	    "password: put it in 'cluster.password_file' (or ~/.pgpass)"));
	CHECK(has_error(&e, "4:9", "'cluster.node' must be letters, digits, "
	    "'.', '_' or '-' (at most 64), not 'a b'"));
	CHECK(has_error(&e, "5:15", "'cluster.dead_after': bad duration '10x' "
	    "(want 1s to 1d, e.g. 30s)"));
	CHECK(has_error(&e, "6:15", "'cluster.outbox_max' must be a count "
	    "from 1 to 100000000, not '0'"));
	CHECK(has_error(&e, "7:3", "unknown key 'cluster.colour'"));
	cfg_errors_free(&e);
	c = load("cluster:\n  postgres: postgresql://u:secret@db/rc\n", &e);
	CHECK(c == NULL && e.n == 1);
	cfg_errors_free(&e);
	c = load("cluster:\n  segment: dc1\n", &e);
	CHECK(c == NULL);
	CHECK(has_error(&e, "3:3", "'cluster' needs 'postgres' (a libpq "
	    "connection string)"));
	cfg_errors_free(&e);
	c = load("cluster: [a]\n", &e);
	CHECK(c == NULL);
	CHECK(has_error(&e, "2:10", "'cluster' must be a mapping, not a "
	    "list"));
	cfg_errors_free(&e);
}

/* The password file: first line only; refused when others can read it;
 * the error names the file, never the content. */
static void
test_password_file(void)
{
	char	 err[256], *p, *pw;

	p = put("pw", "s3cret\nignored\n", 0600);
	pw = cluster_read_password(p, err, sizeof err);
	CHECK_STR(pw, "s3cret");
	free(pw);
	chmod(p, 0644);
	pw = cluster_read_password(p, err, sizeof err);
	CHECK(pw == NULL && strstr(err, "chmod 600") != NULL);
	CHECK(strstr(err, "s3cret") == NULL);
	free(p);
	p = put("empty", "\n", 0600);
	CHECK(cluster_read_password(p, err, sizeof err) == NULL);
	free(p);
}

/* Remove dir and what the tests put there. */
static int
test_rmdir(void)
{
	char	*cmd;
	int	 rc;

	xasprintf(&cmd, "rm -rf '%s'", dir);
	rc = system(cmd);
	free(cmd);
	return rc;
}

int
main(void)
{
	char	*inv;

	if (mkdtemp(dir) == NULL)
		return 2;
	inv = put("inv.yml", "all:\n  hosts:\n    h1:\n", 0644);
	test_defaults();
	test_all_keys();
	test_errors();
	test_password_file();
	free(inv);
	if (test_rmdir() != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
	TEST_MAIN_END();
}
