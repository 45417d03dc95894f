/* config/: a full good config with a nested inventory (addresses, ports,
 * users, identities, groups and var precedence), every bad-input case with
 * its exact file:line:column message, hostile input in bounded time
 * (alias bomb, 10,000-deep nesting, a 100 MB file), durations, sizes,
 * range expansion and --limit matching. */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "collectors/collector.h"
#include "config/config.h"
#include "cli/cmd.h"
#include "test.h"

static const char *fixtures;	/* $FIXTURES/config */
static char tmpdir[] = "/tmp/rollcall-test-config.XXXXXX";

/* A fixture path. Caller frees. */
static char *
fx(const char *rel)
{
	char	*p;

	xasprintf(&p, "%s/%s", fixtures, rel);
	return p;
}

/* A host by name, or NULL. */
static const struct host *
find_host(const struct config *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return &c->hosts[i];
	return NULL;
}

/* A kept var of a host, or NULL. */
static const char *
host_var(const struct host *h, const char *key)
{
	size_t	 i;

	for (i = 0; h != NULL && i < h->nvars; i++)
		if (strcmp(h->vars[i].key, key) == 0)
			return h->vars[i].value;
	return NULL;
}

/* The host's groups joined with commas, for one comparison. */
static char *
host_groups(const struct host *h)
{
	char	*s = xstrdup(""), *t;
	size_t	 i;

	for (i = 0; h != NULL && i < h->ngroups; i++) {
		xasprintf(&t, "%s%s%s", s, i ? "," : "", h->groups[i]);
		free(s);
		s = t;
	}
	return s;
}

/* Check one host's connection fields and groups. */
static void
check_host(const struct config *c, const char *name, const char *address,
    int port, const char *user, const char *groups)
{
	const struct host	*h = find_host(c, name);
	char			*g = host_groups(h);

	CHECK(h != NULL);
	if (h == NULL) {
		fprintf(stderr, "  no host %s\n", name);
		free(g);
		return;
	}
	CHECK_STR(h->address, address);
	CHECK(h->port == port);
	CHECK_STR(h->user, user);
	CHECK_STR(g, groups);
	free(g);
}

/* The settings of the full rollcall.yml. */
static void
test_good_settings(const struct config *c)
{
	char	*p;

	p = fx("good/data/rollcall.db");
	CHECK_STR(c->database, p);
	free(p);
	p = fx("good/data/control.sock");
	CHECK_STR(c->control_socket, p);
	free(p);
	p = fx("good/keys/id_ed25519");
	CHECK_STR(c->ssh.identity, p);
	free(p);
	CHECK(c->ninventory == 2);
	CHECK_STR(c->ssh.user, "ops");
	CHECK(c->ssh.port == 2222);
	CHECK_STR(c->ssh.known_hosts, "/etc/rollcall/known_hosts");
	CHECK(c->ssh.host_key_checking == HOSTKEY_ACCEPT_NEW);
	CHECK(c->ssh.connect_timeout_ms == 5000);
	CHECK(c->ssh.command_timeout_ms == 60000);
	CHECK(c->ssh.host_timeout_ms == 90 * 60000);
	CHECK_STR(c->resolv_conf, "/etc/resolv.conf");
	CHECK(c->concurrency == 64);
	CHECK(c->workers == 2);
	CHECK(c->max_handshakes == 16);
	CHECK(c->max_output == 65536);
	CHECK_STR(c->channel_mode, "per-collector");
	CHECK(c->ncollectors == 2);
	if (c->ncollectors == 2) {
		CHECK_STR(c->collectors[0], "os");
		CHECK_STR(c->collectors[1], "kernel");
	}
	CHECK(c->ncustom == 2);
	if (c->ncustom == 2) {
		CHECK_STR(c->custom[0].name, "nginx");
		CHECK_STR(c->custom[0].command, "nginx -v 2>&1");
		CHECK(c->custom[0].parse == PARSE_RAW);
		CHECK(c->custom[0].timeout_ms == 10000);
		CHECK(c->custom[0].ngroups == 1);
		CHECK(c->custom[1].parse == PARSE_LINES);
		CHECK(c->custom[1].timeout_ms == 0);
	}
	CHECK(c->interval_ms == 30 * 60000);
	CHECK(c->jitter > 0.249 && c->jitter < 0.251);
	CHECK(c->retry_attempts == 3);
	CHECK(c->retry_backoff_ms == 10000);
	CHECK(c->retention_ms == 90LL * 24 * 3600 * 1000);
	CHECK_STR(c->metrics_listen, "127.0.0.1:9465");
}

/* Groups: "all" first then by name, counts through children. */
static void
test_good_groups(const struct config *c)
{
	static const char *const names[] = { "all", "db", "db_primary",
	    "db_replica", "monitoring", "ungrouped", "web" };
	static const size_t counts[] = { 12, 7, 3, 4, 5, 1, 4 };
	const struct group	*g;
	size_t			 i;

	CHECK(c->ngroups == 7);
	for (i = 0; i < 7 && i < c->ngroups; i++) {
		CHECK_STR(c->groups[i].name, names[i]);
		CHECK(c->groups[i].nhosts == counts[i]);
	}
	g = config_find_group(c, "db");
	CHECK(g != NULL && g->concurrency == 4 && g->interval_ms == 900000);
	CHECK(g != NULL && g->nchildren == 2);
	g = config_find_group(c, "web");
	CHECK(g != NULL && g->concurrency == 0 && g->interval_ms == 0);
	CHECK(config_find_group(c, "all") == &c->groups[0]);
	CHECK(config_find_group(c, "nope") == NULL);
	g = config_find_group(c, "monitoring");
	CHECK(g != NULL && g->nchildren == 1 &&
	    strcmp(g->children[0], "web") == 0);
	/* Ansible's order: "ungrouped" first, then as listed */
	g = config_find_group(c, "all");
	CHECK(g != NULL && g->nchildren == 4);
	CHECK(g != NULL && g->nchildren == 4 &&
	    strcmp(g->children[0], "ungrouped") == 0 &&
	    strcmp(g->children[1], "web") == 0 &&
	    strcmp(g->children[2], "db") == 0 &&
	    strcmp(g->children[3], "monitoring") == 0);
	g = config_find_group(c, "ungrouped");
	CHECK(g != NULL && g->nmembers == 1 &&
	    strcmp(g->members[0], "bastion.example.com") == 0);
}

/* Hosts: resolution and precedence host > child > parent > all. */
static void
test_good_hosts(const struct config *c)
{
	const struct host	*h;
	char			*p;
	size_t			 i;

	CHECK(c->nhosts == 12);
	for (i = 1; i < c->nhosts; i++)
		CHECK(strcmp(c->hosts[i - 1].name, c->hosts[i].name) < 0);
	check_host(c, "bastion.example.com", "192.0.2.10", 2200, "allu",
	    "all,ungrouped");
	check_host(c, "web01.example.com", "web01.example.com", 8022, "allu",
	    "all,monitoring,web");
	check_host(c, "web03.example.com", "web03.example.com", 8022, "allu",
	    "all,monitoring,web");
	/* a plain "user" is a host var; ansible_ssh_user beats ansible_user */
	check_host(c, "shared.example.com", "shared.example.com", 8022,
	    "dbadmin", "all,db,db_replica,monitoring,web");
	check_host(c, "db-b", "db-b", 2222, "dbprim", "all,db,db_primary");
	check_host(c, "10.0.1.3", "10.0.1.3", 2222, "dbadmin",
	    "all,db,db_replica");
	check_host(c, "mon1", "mon1", 2222, "allu", "all,monitoring");
	CHECK(find_host(c, "web04.example.com") == NULL);
	CHECK(find_host(c, "db-d") == NULL);

	h = find_host(c, "db-a");
	CHECK_STR(h ? h->identity : NULL, "/home/tester/.ssh/db_key");
	p = fx("good/keys/id_ed25519");
	h = find_host(c, "mon1");
	CHECK_STR(h ? h->identity : NULL, p);
	free(p);
	CHECK(h != NULL && h->line == 9 && strstr(h->file, "extra.yml"));
	CHECK_STR(host_var(h, "ansible_become"), "true");
	CHECK_STR(host_var(h, "team"), "ops");
	CHECK_STR(host_var(h, "tier"), "2");
	CHECK_STR(host_var(h, "port"), "2201");
	CHECK_STR(host_var(h, "ansible_user"), "allu");

	h = find_host(c, "shared.example.com");
	CHECK_STR(host_var(h, "env"), "web-env");
	CHECK_STR(host_var(h, "tags"), "[\"a\",\"b\"]");
	CHECK_STR(host_var(h, "role"), "{\"tier\":1,\"name\":\"x y\"}");
	CHECK_STR(host_var(h, "ansible_python_interpreter"), "/usr/bin/python3");
	CHECK_STR(host_var(h, "team"), "sre");
	CHECK_STR(host_var(h, "user"), "hostuser");
	CHECK(h != NULL && host_in_group(h, "db") && host_in_group(h, "web"));
	CHECK(h != NULL && !host_in_group(h, "db_primary"));
	h = find_host(c, "bastion.example.com");
	CHECK_STR(host_var(h, "env"), "prod");
	CHECK(h != NULL && h->nvars == 5);
	for (i = 0; i < c->nhosts; i++)
		CHECK(c->hosts[i].error == NULL);
}

/* Is "FIXTURE:line:col: text" among the config's warnings? */
static void
want_warning(const struct config *c, const char *file, int line, int col,
    const char *text)
{
	char	*full, *path = fx(file);
	size_t	 i;
	int	 found = 0;

	xasprintf(&full, "%s:%d:%d: %s", path, line, col, text);
	for (i = 0; i < c->warnings->n; i++)
		found |= strcmp(c->warnings->msgs[i], full) == 0;
	CHECK(found);
	if (!found) {
		fprintf(stderr, "  wanted warning: %s\n", full);
		for (i = 0; i < c->warnings->n; i++)
			fprintf(stderr, "  got:    %s\n", c->warnings->msgs[i]);
	}
	free(full);
	free(path);
}

/* The full good config and its two inventory files. */
static void
test_good(void)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	char			*path = fx("good/rollcall.yml");
	size_t			 i;

	c = config_load(path, &errs);
	CHECK(c != NULL);
	CHECK(errs.n == 0);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "  unexpected: %s\n", errs.msgs[i]);
	if (c != NULL) {
		CHECK_STR(c->path, path);
		want_warning(c, "good/inventory.yml", 36, 21, "'user' is an "
		    "ordinary host var with no effect on the connection; use "
		    "ansible_user or rollcall_user");
		want_warning(c, "good/inventory.d/extra.yml", 13, 13, "'port' "
		    "is an ordinary host var with no effect on the connection; "
		    "use ansible_port or rollcall_port");
		CHECK(c->warnings->n == 2);
		test_good_settings(c);
		test_good_groups(c);
		test_good_hosts(c);
	}
	config_free(c);
	cfg_errors_free(&errs);
	free(path);
}

/* Load a config that must fail; return its errors. */
static struct cfg_errors
load_bad(const char *path)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*c;

	c = config_load(path, &errs);
	CHECK(c == NULL);
	CHECK(errs.n > 0);
	config_free(c);
	return errs;
}

/* Is msg (a full "file:line:col: text" line) among the errors? */
static int
has_error(const struct cfg_errors *errs, const char *msg)
{
	size_t	 i;

	for (i = 0; i < errs->n; i++)
		if (strcmp(errs->msgs[i], msg) == 0)
			return 1;
	return 0;
}

/* Check one expected error of a loaded bad config, at file:line:col. */
static void
want_error(const struct cfg_errors *errs, const char *file, int line, int col,
    const char *text)
{
	char	*full, *path = fx(file);
	size_t	 i;

	xasprintf(&full, "%s:%d:%d: %s", path, line, col, text);
	CHECK(has_error(errs, full));
	if (!has_error(errs, full)) {
		fprintf(stderr, "  wanted: %s\n", full);
		for (i = 0; i < errs->n; i++)
			fprintf(stderr, "  got:    %s\n", errs->msgs[i]);
	}
	free(full);
	free(path);
}

/* A config that must fail with exactly one error, at file:line:col. */
static void
expect_one(const char *config, const char *file, int line, int col,
    const char *text)
{
	struct cfg_errors	 errs;
	char			*path = fx(config);

	errs = load_bad(path);
	CHECK(errs.n == 1);
	want_error(&errs, file, line, col, text);
	cfg_errors_free(&errs);
	free(path);
}

/* Every bad-input case, each with its expected message. */
static void
test_bad_files(void)
{
	expect_one("bad/syntax.yml", "bad/inv-syntax.yml", 4, 4,
	    "YAML syntax error: did not find expected key while parsing a "
	    "block mapping (line 2)");
	expect_one("bad/unknown-key.yml", "bad/unknown-key.yml", 2, 1,
	    "unknown key 'concurrancy'");
	expect_one("bad/wrong-type.yml", "bad/wrong-type.yml", 3, 9,
	    "'ssh.port' must be a scalar, not a list");
	expect_one("bad/bad-duration.yml", "bad/bad-duration.yml", 3, 20,
	    "'ssh.connect_timeout': bad duration '10x' (want e.g. 500ms, 10s, "
	    "2m, 1h, 7d)");
	expect_one("bad/dup-key.yml", "bad/dup-key.yml", 3, 1,
	    "duplicate key 'concurrency' (first at line 2, column 1)");
	expect_one("bad/unknown-collector.yml", "bad/unknown-collector.yml",
	    2, 18, "unknown collector 'kernal'");
	expect_one("bad/cycle.yml", "bad/inv-cycle.yml", 11, 9,
	    "group 'a' is its own ancestor (cycle: a -> b -> c -> a)");
	expect_one("bad/bad-user.yml", "bad/bad-user.yml", 2, 13,
	    "'ssh.user': '-oProxyCommand=x' is not a valid login name");
	expect_one("bad/no-inventory.yml", "bad/no-inventory.yml", 1, 1,
	    "missing required key 'inventory'");
	expect_one("bad/missing-inventory.yml", "bad/missing-inventory.yml",
	    1, 25, "inventory pattern 'nothere/*.yml' matches no file");
}

/* Load a config that must load; caller frees. */
static struct config *
load_ok(const char *rel)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	char			*path = fx(rel);
	size_t			 i;

	c = config_load(path, &errs);
	CHECK(c != NULL);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "  unexpected: %s\n", errs.msgs[i]);
	cfg_errors_free(&errs);
	free(path);
	return c;
}

/* A host's error must be exactly FIXTURE:line:col: text. */
static void
want_host_error(const struct config *c, const char *host, const char *file,
    int line, int col, const char *text)
{
	const struct host	*h = c ? find_host(c, host) : NULL;
	char			*full, *path = fx(file);

	xasprintf(&full, "%s:%d:%d: %s", path, line, col, text);
	CHECK(h != NULL);
	CHECK_STR(h ? h->error : NULL, full);
	free(full);
	free(path);
}

/* One bad host is that host's error; the file and the others load. */
static void
test_host_errors(void)
{
	struct config	*c;
	char		*long_name, *msg;

	c = load_ok("bad/option-host.yml");
	want_host_error(c, "-oProxyCommand=x", "bad/inv-option-host.yml", 3, 5,
	    "host name '-oProxyCommand=x' is its address and starts with '-' "
	    "(it could be read as an option); set ansible_host");
	config_free(c);

	c = load_ok("bad/shell-host.yml");
	want_host_error(c, "$(reboot)", "bad/inv-shell-host.yml", 3, 5,
	    "host name '$(reboot)' is its address and contains the shell "
	    "metacharacter '$'; set ansible_host");
	want_host_error(c, "ok2", "bad/inv-shell-host.yml", 5, 21,
	    "ansible_host 'a;b' contains the shell metacharacter ';'");
	config_free(c);

	long_name = xmalloc(65);
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	xasprintf(&msg, "host name '%s...' is its address and is longer than "
	    "253 characters; set ansible_host", long_name);
	c = load_ok("bad/long-host.yml");
	CHECK(c != NULL && c->nhosts == 1);
	if (c != NULL && c->nhosts == 1)
		want_host_error(c, c->hosts[0].name, "bad/inv-long-host.yml",
		    3, 5, msg);
	config_free(c);
	free(msg);
	free(long_name);

	/* web1 listed twice (once through a range): one host, no error */
	c = load_ok("bad/dup-host.yml");
	CHECK(c != NULL && c->nhosts == 2 && c->warnings->n == 0);
	CHECK(c != NULL && find_host(c, "web1") && find_host(c, "web2"));
	config_free(c);
}

/* Files with several errors: each one reported, parsing goes on. */
static void
test_bad_multi(void)
{
	struct cfg_errors	 errs;
	char			*path;

	/* web[5:1] is no host at all in Ansible (range() is empty) */
	path = fx("bad/range.yml");
	errs = load_bad(path);
	CHECK(errs.n == 2);
	want_error(&errs, "bad/inv-range.yml", 4, 5, "bad range in 'db[a:3]': "
	    "range bounds must be both numbers or both letters");
	want_error(&errs, "bad/inv-range.yml", 5, 5, "bad range in 'app[1:3': "
	    "unterminated '['");
	cfg_errors_free(&errs);
	free(path);

	path = fx("bad/multi.yml");
	errs = load_bad(path);
	CHECK(errs.n == 7);
	want_error(&errs, "bad/multi.yml", 3, 14, "'concurrency' must be an "
	    "integer from 1 to 1000000, not '0'");
	want_error(&errs, "bad/multi.yml", 4, 13, "'max_output': bad size "
	    "'12Q' (want e.g. 512, 64K, 1M, 2G)");
	want_error(&errs, "bad/multi.yml", 5, 15, "'channel_mode' must be "
	    "'combined' or 'per-collector', not 'sideways'");
	want_error(&errs, "bad/multi.yml", 6, 9, "'jitter' must be a number "
	    "from 0 to 1, not '2'");
	want_error(&errs, "bad/multi.yml", 8, 22, "'ssh.host_key_checking' "
	    "must be 'strict' or 'accept-new', not 'maybe'");
	want_error(&errs, "bad/multi.yml", 9, 3, "unknown key 'ssh.colour'");
	want_error(&errs, "bad/multi.yml", 10, 21, "'group_concurrency': no "
	    "group 'nosuchgroup' in the inventory");
	cfg_errors_free(&errs);
	free(path);
}

/* Write text to a file in the temp dir. Caller frees the path. */
static char *
write_tmp(const char *name, const char *text)
{
	char	*path;
	FILE	*fp;

	xasprintf(&path, "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	CHECK(fp != NULL);
	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
	return path;
}

/* Load a config pointing at inventory inv, expecting one error that
 * starts with prefix; and in less than max_ms. */
static void
expect_bounded(const char *inv, const char *prefix, int64_t max_ms)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	char			*text, *cfg;
	int64_t			 t0, took;

	xasprintf(&text, "inventory: %s\n", inv);
	cfg = write_tmp("rollcall.yml", text);
	t0 = mono_ms();
	c = config_load(cfg, &errs);
	took = mono_ms() - t0;
	CHECK(c == NULL);
	CHECK(errs.n == 1);
	CHECK(errs.n >= 1 && strncmp(errs.msgs[0], prefix,
	    strlen(prefix)) == 0);
	if (errs.n >= 1 && strncmp(errs.msgs[0], prefix, strlen(prefix)) != 0)
		fprintf(stderr, "  wanted %s..., got %s\n", prefix,
		    errs.msgs[0]);
	CHECK(took < max_ms);
	if (took >= max_ms)
		fprintf(stderr, "  %s took %lld ms\n", inv, (long long)took);
	config_free(c);
	cfg_errors_free(&errs);
	free(cfg);
	free(text);
}

/* Load "collectors: VALUE" with the good inventory; the config or NULL,
 * errors in errs. */
static struct config *
load_collectors(const char *value, struct cfg_errors *errs)
{
	struct config	*c;
	char		*text, *cfg, *inv = fx("good/inventory.yml");

	xasprintf(&text, "inventory: %s\ncollectors: %s\n", inv, value);
	cfg = write_tmp("rollcall.yml", text);
	c = config_load(cfg, errs);
	free(cfg);
	free(text);
	free(inv);
	return c;
}

/* collectors: all is every built-in, in run order; other words are
 * errors that say what is accepted. */
static void
test_collectors_all(void)
{
	struct cfg_errors	 errs = { 0 };
	const struct collector	*b;
	struct config		*c;
	size_t			 i, n;

	b = collector_builtins(&n);
	c = load_collectors("all", &errs);
	CHECK(c != NULL && errs.n == 0);
	CHECK(c != NULL && c->ncollectors == n && n >= 16);
	for (i = 0; c != NULL && i < n && i < c->ncollectors; i++)
		CHECK_STR(c->collectors[i], b[i].name);
	CHECK(c != NULL && c->collectors[c->ncollectors] == NULL);
	config_free(c);
	c = load_collectors("[os, kernel]", &errs);
	CHECK(c != NULL && c->ncollectors == 2);
	config_free(c);
	c = load_collectors("everything", &errs);
	CHECK(c == NULL && errs.n == 1);
	CHECK(errs.n == 1 && strstr(errs.msgs[0], "'collectors' must be a "
	    "list of collector names or 'all'") != NULL);
	cfg_errors_free(&errs);
	c = load_collectors("[all]", &errs);
	CHECK(c == NULL && errs.n == 1);
	CHECK(errs.n == 1 && strstr(errs.msgs[0], "write 'collectors: "
	    "all', not in a list") != NULL);
	cfg_errors_free(&errs);
}

/* The read commands' paths: only database and control_socket matter, so
 * a mistake elsewhere (that config_load rejects) does not stop them. */
static void
test_paths(void)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	char			*cfg, *db, *sock, *want;

	cfg = write_tmp("paths.yml", "database: state/r.db\n"
	    "inventory: nosuch-inventory.yml\n"
	    "ssh:\n  connect_timeout: 10 parsecs\nno_such_key: 1\n");
	c = config_load(cfg, &errs);
	CHECK(c == NULL && errs.n >= 3);	/* the full load refuses it */
	cfg_errors_free(&errs);
	CHECK(config_load_paths(cfg, &db, &sock, &errs) == 0 && errs.n == 0);
	xasprintf(&want, "%s/state/r.db", tmpdir);
	CHECK_STR(db, want);
	free(want);
	xasprintf(&want, "%s/state/control.sock", tmpdir);
	CHECK_STR(sock, want);
	free(want);
	free(db);
	free(sock);
	free(cfg);

	cfg = write_tmp("paths.yml", "control_socket: /run/rollcall/c.sock\n"
	    "concurrency: lots\n");
	CHECK(config_load_paths(cfg, &db, &sock, &errs) == 0);
	CHECK_STR(db, CONFIG_DEFAULT_DATABASE);
	CHECK_STR(sock, "/run/rollcall/c.sock");
	free(db);
	free(sock);
	free(cfg);

	cfg = write_tmp("paths.yml", "database: [a, b]\n");
	CHECK(config_load_paths(cfg, &db, &sock, &errs) == -1);
	CHECK(db == NULL && sock == NULL && errs.n == 1);
	CHECK(errs.n == 1 && strstr(errs.msgs[0], "paths.yml:1:11: "
	    "'database' must be a path") != NULL);
	cfg_errors_free(&errs);
	free(cfg);

	cfg = write_tmp("paths.yml", "database: x\n  bad: [\n");
	CHECK(config_load_paths(cfg, &db, &sock, &errs) == -1 && errs.n >= 1);
	cfg_errors_free(&errs);
	free(cfg);
	CHECK(config_load_paths("/nonexistent/r.yml", &db, &sock, &errs) ==
	    -1 && errs.n == 1);
	cfg_errors_free(&errs);
}

/* Hostile files: alias bomb, 10,000-deep nesting, a 100 MB file. */
static void
test_hostile(void)
{
	char	*bomb = fx("bad/inv-alias-bomb.yml"), *deep, *path, *prefix;
	size_t	 depth = 10000, len;
	int	 fd;

	xasprintf(&prefix, "%s:9:12: document too large: more than 1000000 "
	    "nodes with aliases expanded", bomb);
	expect_bounded(bomb, prefix, 2000);
	free(prefix);
	free(bomb);

	len = strlen("all:\n  vars:\n    x: ");
	deep = xmalloc(len + 2 * depth + 2);
	memcpy(deep, "all:\n  vars:\n    x: ", len);
	memset(deep + len, '[', depth);
	memset(deep + len + depth, ']', depth);
	memcpy(deep + len + 2 * depth, "\n", 2);
	path = write_tmp("deep.yml", deep);
	xasprintf(&prefix, "%s:3:69: nesting deeper than 64 levels", path);
	expect_bounded(path, prefix, 2000);
	free(prefix);
	free(path);
	free(deep);

	xasprintf(&path, "%s/huge.yml", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd != -1 && ftruncate(fd, 100 * 1024 * 1024) == 0);
	if (fd != -1)
		close(fd);
	xasprintf(&prefix, "%s: file too large (104857600 bytes, limit 16 "
	    "MiB)", path);
	expect_bounded(path, prefix, 500);
	free(prefix);
	unlink(path);
	free(path);
}

/* Durations and sizes. */
static void
test_units(void)
{
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "500ms", 500 }, { "10s", 10000 }, { "2m", 120000 },
		{ "1h", 3600000 }, { "7d", 604800000 }, { "1h30m", 5400000 },
		{ "90", 90000 }, { "0", 0 }, { "1w", 604800000 },
		{ "2m5s", 125000 },
	};
	static const char *const bad[] = { "", "10x", "-1s", "1.5s", "s",
	    "10 s", "99999999999999999999s", "5min", "1h-", "ms" };
	static const struct { const char *s; uint64_t b; } sizes[] = {
		{ "512", 512 }, { "64K", 65536 }, { "1M", 1048576 },
		{ "2G", 2147483648ULL }, { "1k", 1024 }, { "1KB", 1024 },
		{ "1MiB", 1048576 }, { "0", 0 },
	};
	static const char *const badsizes[] = { "", "1Q", "K", "-1", "1.5M",
	    "99999999999999999999", "17179869184G", "1 M" };
	int64_t		 ms;
	uint64_t	 b;
	size_t		 i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK(config_parse_duration(good[i].s, &ms) == 0 &&
		    ms == good[i].ms);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(config_parse_duration(bad[i], &ms) == -1);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		CHECK(config_parse_size(sizes[i].s, &b) == 0 &&
		    b == sizes[i].b);
	for (i = 0; i < sizeof badsizes / sizeof badsizes[0]; i++)
		CHECK(config_parse_size(badsizes[i], &b) == -1);
}

/* Expand a pattern and compare with the expected names, comma-joined. */
static void
check_range(const char *pattern, const char *want)
{
	char	**out, err[256], *got = xstrdup(""), *t;
	int	 n, i;

	n = config_expand_range(pattern, &out, err, sizeof err);
	CHECK(n > 0);
	for (i = 0; i < n; i++) {
		xasprintf(&t, "%s%s%s", got, i ? "," : "", out[i]);
		free(got);
		got = t;
		free(out[i]);
	}
	free(out);
	CHECK_STR(got, want);
	free(got);
}

/* Range expansion: padding, letters, strides, several ranges, errors. */
static void
test_ranges(void)
{
	static const char *const bad[] = { "db[a:3]", "x[1:3", "x[1:3:0]",
	    "x[1]", "x[0:999999][0:9]", "x[1:2][[", "x[1:]", "x[1:2:3:4]",
	    "x[01:100]", "x[c:a]", "x|[1:2]" };
	char	**out, err[256];
	size_t	 i;

	check_range("web[01:03].example.com", "web01.example.com,"
	    "web02.example.com,web03.example.com");
	check_range("10.0.1.[1:3]", "10.0.1.1,10.0.1.2,10.0.1.3");
	check_range("db-[a:c]", "db-a,db-b,db-c");
	check_range("n[1:10:3]", "n1,n4,n7,n10");
	check_range("n[8:10]", "n8,n9,n10");
	check_range("n[08:10]", "n08,n09,n10");
	check_range("n[:2]", "n0,n1,n2");
	check_range("r[1:2]-[A:B]", "r1-A,r1-B,r2-A,r2-B");
	check_range("plain.example.com", "plain.example.com");
	check_range("x[a:e:2]", "xa,xc,xe");
	/* as Ansible's expand_hostname_range() reads them */
	check_range("x]", "x]");
	check_range("x[ab:c]", "xa,xb,xc");
	check_range("x[y:B]", "xy,xz,xA,xB");
	check_range("x[10:1:-3]", "x10,x7,x4");
	check_range("a[1:2]b[x:y]", "a1bx,a1by,a2bx,a2by");
	CHECK(config_expand_range("web[5:1]", &out, err, sizeof err) == 0);
	free(out);
	CHECK(config_expand_range("h[1:65536]", &out, err, sizeof err) ==
	    65536);
	for (i = 0; i < 65536; i++)
		free(out[i]);
	free(out);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(config_expand_range(bad[i], &out, err, sizeof err) == -1);
		CHECK(strncmp(err, "bad range in '", 14) == 0);
	}
}

/* Load corpus inventories with -i semantics; caller frees. */
static struct config *
load_corpus(const char *name)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	char			*path;
	size_t			 i;

	xasprintf(&path, "%s/../inventories/%s", fixtures, name);
	c = config_load_inventory(&path, 1, &errs);
	CHECK(c != NULL);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "  %s: %s\n", name, errs.msgs[i]);
	cfg_errors_free(&errs);
	free(path);
	return c;
}

/* Hosts a pattern selects, comma-joined by name; or "ERR: message". */
static char *
selected(const struct config *c, const char *pattern)
{
	unsigned char	*sel = xcalloc(c->nhosts + 1, 1);
	char		 err[512], *s = xstrdup(""), *t;
	size_t		 i;

	if (config_select(c, pattern, sel, err, sizeof err) == -1) {
		free(s);
		xasprintf(&s, "ERR: %s", err);
	} else
		for (i = 0; i < c->nhosts; i++) {
			if (!sel[i])
				continue;
			xasprintf(&t, "%s%s%s", s, *s ? "," : "",
			    c->hosts[i].name);
			free(s);
			s = t;
		}
	free(sel);
	return s;
}

/* One pattern and what it must select. */
static void
check_select(const struct config *c, const char *pattern, const char *want)
{
	char	*got = selected(c, pattern);

	CHECK_STR(got, want);
	free(got);
}

/* Ansible's host patterns (tests/inventory_diff.sh checks the same
 * against `ansible --list-hosts`; these pin the rules one by one). */
static void
test_patterns(void)
{
	struct config	*c = load_corpus("overlap.yml");

	if (c == NULL)
		return;
	check_select(c, "webservers", "bar.example.com,foo.example.com");
	check_select(c, "webservers:dbservers", "bar.example.com,"
	    "foo.example.com,one.example.com,three.example.com,"
	    "two.example.com");
	check_select(c, "webservers,dbservers[0]", "bar.example.com,"
	    "foo.example.com,one.example.com");
	check_select(c, "webservers:&east", "foo.example.com");
	check_select(c, "east:!one.example.com", "foo.example.com,"
	    "two.example.com");
	check_select(c, "!east", "bar.example.com,three.example.com");
	/* t* names group "test" (bar, three) and host two */
	check_select(c, "t*", "bar.example.com,three.example.com,"
	    "two.example.com");
	check_select(c, "~(one|two)\\.", "one.example.com,two.example.com");
	check_select(c, "~o", "one.example.com");
	check_select(c, "dbservers[1:]", "three.example.com,two.example.com");
	check_select(c, "dbservers[-1]", "three.example.com");
	check_select(c, "prod", "foo.example.com,one.example.com,"
	    "two.example.com");
	check_select(c, "nomatch", "ERR: no host matches 'nomatch' "
	    "('nomatch' matched nothing)");
	check_select(c, "webservers:&dbservers", "ERR: no host matches "
	    "'webservers:&dbservers'");
	check_select(c, "dbservers[7]", "ERR: no hosts matched the "
	    "subscripted pattern 'dbservers[7]'");
	check_select(c, "~(", "ERR: invalid host list pattern '~('");
	check_select(c, "@/nonexistent/limit", "ERR: /nonexistent/limit: "
	    "cannot open: No such file or directory");
	config_free(c);
}

/* A host's connection fields and status, with its error if any. */
static void
check_conn(const struct config *c, const char *name, const char *address,
    int port, const char *user, enum host_transport t)
{
	const struct host	*h = config_find_host(c, name);

	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK_STR(h->address, address);
	CHECK(h->port == port);
	CHECK_STR(h->user, user);
	CHECK(h->transport == t);
}

/* What selects the connection: ansible_* (ansible_ssh_* first) and
 * rollcall_*, never plain port/user/address; other plugins are a status. */
static void
test_connection_vars(void)
{
	struct config		*c = load_corpus("connection.yml");
	const struct host	*h;
	char			*p;

	if (c == NULL)
		return;
	check_conn(c, "aliased", "192.0.2.20", 2020, "legacy", TRANSPORT_SSH);
	check_conn(c, "modern", "192.0.2.21", 2021, "ops", TRANSPORT_SSH);
	check_conn(c, "mine", "192.0.2.23", 2223, "ops", TRANSPORT_SSH);
	check_conn(c, "dbhost", "dbhost", 22, "ops", TRANSPORT_SSH);
	check_conn(c, "self", "self", 22, c->ssh.user, TRANSPORT_LOCAL);
	check_conn(c, "win1", "win1", 22, c->ssh.user, TRANSPORT_UNSUPPORTED);
	check_conn(c, "box", "box", 22, c->ssh.user, TRANSPORT_UNSUPPORTED);
	h = config_find_host(c, "switch1");
	CHECK_STR(h ? h->connection : NULL, "ansible.netcommon.network_cli");
	h = config_find_host(c, "aliased");
	xasprintf(&p, "%s/../inventories/keys/legacy", fixtures);
	CHECK_STR(h ? h->identity : NULL, p);
	free(p);
	CHECK_STR(host_var(config_find_host(c, "dbhost"), "port"), "5432");
	CHECK(c->warnings->n == 3);
	CHECK(c->warnings->n == 3 && strstr(c->warnings->msgs[0],
	    "connection.yml:32:13: 'port' is an ordinary host var") != NULL);
	config_free(c);
}

/* The error of a corpus host must end with text. */
static void
check_host_error(const struct config *c, const char *name, const char *text)
{
	const struct host	*h = config_find_host(c, name);

	CHECK(h != NULL && h->error != NULL && strlen(h->error) >=
	    strlen(text) && strcmp(h->error + strlen(h->error) -
	    strlen(text), text) == 0);
	if (h != NULL && h->error != NULL && strstr(h->error, text) == NULL)
		fprintf(stderr, "  %s: got %s\n", name, h->error);
}

/* Values rollcall cannot use are that host's error; the file loads. */
static void
test_unusable_values(void)
{
	struct config		*c = load_corpus("vault.yml");
	const struct host	*h;

	if (c != NULL) {
		check_host_error(c, "secret1", "vault.yml:12:21: ansible_host "
		    "is vaulted (!vault): rollcall cannot decrypt it; give "
		    "host 'secret1' a plain value");
		check_host_error(c, "secret2", "ansible_user is vaulted "
		    "(!vault): rollcall cannot decrypt it; give host 'secret2' "
		    "a plain value");
		h = config_find_host(c, "plain1");
		CHECK(h != NULL && h->error == NULL);
		CHECK_STR(host_var(h, "db_password"), "<vault>");
		config_free(c);
	}
	if ((c = load_corpus("jinja.yml")) != NULL) {
		check_host_error(c, "j2", "jinja.yml:10:37: "
		    "ansible_ssh_private_key_file holds a Jinja template ('{{ "
		    "inventory_dir }}/keys/j2'): rollcall does not render "
		    "templates");
		check_host_error(c, "j3", "ansible_host holds a Jinja template "
		    "('{{ fqdn }}'): rollcall does not render templates");
		h = config_find_host(c, "j1");
		CHECK(h != NULL && h->error == NULL);
		CHECK_STR(host_var(h, "fqdn"), "{{ inventory_hostname }}.{{ "
		    "domain }}");
		config_free(c);
	}
}

/* IPv6 and ports in host keys, as Ansible's parse_address() reads them. */
static void
test_addresses(void)
{
	struct config	*c = load_corpus("ipv6.yml");

	if (c != NULL) {
		check_conn(c, "2001:db8::10", "2001:db8::10", 22, c->ssh.user,
		    TRANSPORT_SSH);
		check_conn(c, "2001:db8::11", "2001:db8::11", 2222, c->ssh.user,
		    TRANSPORT_SSH);
		check_conn(c, "fe80::1%eth0", "fe80::1%eth0", 22, c->ssh.user,
		    TRANSPORT_SSH);
		check_conn(c, "v6named", "2001:db8::12", 22, c->ssh.user,
		    TRANSPORT_SSH);
		check_conn(c, "v4port.example.com", "v4port.example.com", 2201,
		    c->ssh.user, TRANSPORT_SSH);
		config_free(c);
	}
	if ((c = load_corpus("hostport.yml")) != NULL) {
		/* the port of the first listing; ansible_port overrides */
		check_conn(c, "web1", "web1", 2222, c->ssh.user, TRANSPORT_SSH);
		check_conn(c, "web2", "web2", 2201, c->ssh.user, TRANSPORT_SSH);
		check_conn(c, "ranged2", "ranged2", 2100, c->ssh.user,
		    TRANSPORT_SSH);
		/* not a host:port to Ansible (a label ends in '-') */
		check_host_error(c, "badlabel-:22", "host name 'badlabel-:22' "
		    "is its address and contains ':' (allowed: letters, "
		    "digits, '.', '-', '_', or an IPv6 address); set "
		    "ansible_host");
		config_free(c);
	}
	if ((c = load_corpus("unicode.yml")) != NULL) {
		check_conn(c, "příbor", "192.0.2.7", 22, c->ssh.user,
		    TRANSPORT_SSH);
		config_free(c);
	}
}

/* Groups: ungrouped, priority, warnings for what Ansible skips. */
static void
test_group_rules(void)
{
	struct config		*c;
	const struct group	*g;

	if ((c = load_corpus("ungrouped.yml")) != NULL) {
		g = config_find_group(c, "ungrouped");
		CHECK(g != NULL && g->nmembers == 2 &&
		    strcmp(g->members[0], "explicit") == 0 &&
		    strcmp(g->members[1], "lonely") == 0);
		config_free(c);
	}
	if ((c = load_corpus("priority.yml")) != NULL) {
		CHECK_STR(host_var(config_find_host(c, "p1"), "color"), "zeta");
		CHECK_STR(host_var(config_find_host(c, "p2"), "color"), "zeta");
		CHECK_STR(host_var(config_find_host(c, "p3"), "color"), "mid");
		CHECK(host_var(config_find_host(c, "p1"),
		    "ansible_group_priority") == NULL);
		config_free(c);
	}
	if ((c = load_corpus("unknown-keys.yml")) != NULL) {
		CHECK(c->warnings->n == 5);
		CHECK(c->warnings->n > 0 && strstr(c->warnings->msgs[0],
		    "unknown-keys.yml:10:7: unknown key 'hostz' in group 'web' "
		    "skipped") != NULL);
		config_free(c);
	}
	if ((c = load_corpus("dupkeys.yml")) != NULL) {
		CHECK(c->warnings->n == 2);
		CHECK_STR(host_var(config_find_host(c, "d1"), "size"), "big");
		CHECK(host_var(config_find_host(c, "d1"), "color") == NULL);
		config_free(c);
	}
}

/* INI: Ansible's quoting and literal_eval types; format by content. */
static void
test_ini(void)
{
	struct config		*c;
	const struct host	*h;
	size_t			 i;

	if ((c = load_corpus("types.ini")) != NULL) {
		h = config_find_host(c, "t1");
		for (i = 0; h != NULL && i < h->nvars; i++) {
			if (strcmp(h->vars[i].key, "q") == 0)
				CHECK_STR(h->vars[i].json, "42");
			if (strcmp(h->vars[i].key, "qq") == 0)
				CHECK_STR(h->vars[i].json, "\"42\"");
			if (strcmp(h->vars[i].key, "t") == 0)
				CHECK_STR(h->vars[i].json, "true");
			if (strcmp(h->vars[i].key, "e") == 0)
				CHECK_STR(h->vars[i].json, "1000.0");
			if (strcmp(h->vars[i].key, "tup") == 0)
				CHECK_STR(h->vars[i].json, "[1,2]");
		}
		CHECK_STR(host_var(h, "k") ? host_var(h, "k") : "", "");
		CHECK_STR(host_var(h, "g_text_hash"), "abc # not a comment for "
		    "text");
		CHECK_STR(host_var(h, "g_comment"), "12");
		config_free(c);
	}
	if ((c = load_corpus("noext-ini")) != NULL) {
		check_conn(c, "beta", "beta", 2022, c->ssh.user, TRANSPORT_SSH);
		CHECK(config_find_group(c, "g") != NULL);
		config_free(c);
	}
}

/* The shipped example config loads cleanly. */
static void
test_example(void)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	char			*path;
	size_t			 i;

	path = fx("../../../examples/rollcall.yml");
	c = config_load(path, &errs);
	CHECK(c != NULL);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "  example: %s\n", errs.msgs[i]);
	CHECK(c != NULL && c->nhosts > 0);
	config_free(c);
	cfg_errors_free(&errs);
	free(path);
}

/* Run check-config with its output thrown away; returns its exit code. */
static int
run_check_config(const char *a1, const char *a2, const char *a3)
{
	char	*argv[5] = { "check-config", (char *)a1, (char *)a2,
		    (char *)a3, NULL };
	int	 argc = 1 + (a1 != NULL) + (a2 != NULL) + (a3 != NULL);
	int	 out, err, null, rc;

	fflush(stdout);
	fflush(stderr);
	out = dup(1);
	err = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	rc = cmd_check_config(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	return rc;
}

/* rollcall check-config: exit codes for good, bad and usage errors. */
static void
test_check_config(void)
{
	char	*good = fx("good/rollcall.yml"), *bad = fx("bad/multi.yml");
	char	*text, *clean, *hostbad;

	/* every file it names exists: 0; good/ names keys that do not: 1 */
	xasprintf(&text, "inventory: %s/../inventories/docs-basic.yml\n"
	    "ssh: {identity: /dev/null, known_hosts: /dev/null}\n", fixtures);
	clean = write_tmp("rollcall.yml", text);
	free(text);
	CHECK(run_check_config("-c", clean, NULL) == EXIT_OK);
	CHECK(run_check_config("-c", clean, "--json") == EXIT_OK);
	CHECK(run_check_config("-c", good, NULL) == EXIT_FAIL);
	/* a host with no usable connection: the file is valid, exit 1 */
	xasprintf(&text, "inventory: %s/../inventories/vault.yml\n"
	    "ssh: {identity: /dev/null, known_hosts: /dev/null}\n", fixtures);
	hostbad = write_tmp("hostbad.yml", text);
	free(text);
	CHECK(run_check_config("-c", hostbad, NULL) == EXIT_FAIL);
	free(clean);
	free(hostbad);
	CHECK(run_check_config("--config", bad, NULL) == EXIT_USAGE);
	CHECK(run_check_config("--help", NULL, NULL) == EXIT_OK);
	CHECK(run_check_config("--bogus", NULL, NULL) == EXIT_USAGE);
	CHECK(run_check_config("-c", good, "extra") == EXIT_USAGE);
	free(good);
	free(bad);
}

/* Remove what the tests wrote. */
static void
cleanup_tmp(void)
{
	static const char *const names[] = { "rollcall.yml", "deep.yml",
	    "huge.yml", "hostbad.yml" };
	char	*p;
	size_t	 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		xasprintf(&p, "%s/%s", tmpdir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(tmpdir);
}

int
main(void)
{
	char	*p;

	if ((fixtures = getenv("FIXTURES")) == NULL)
		fixtures = "fixtures";
	xasprintf(&p, "%s/config", fixtures);
	fixtures = p;
	setenv("HOME", "/home/tester", 1);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_units();
	test_ranges();
	test_patterns();
	test_connection_vars();
	test_unusable_values();
	test_addresses();
	test_group_rules();
	test_ini();
	test_good();
	test_bad_files();
	test_bad_multi();
	test_host_errors();
	test_hostile();
	test_collectors_all();
	test_paths();
	test_example();
	test_check_config();
	cleanup_tmp();
	TEST_MAIN_END();
}
