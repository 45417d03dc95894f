/* ssh_config (config/sshconfig.c): precedence cases checked against OpenSSH
 * itself (`ssh -G HOST -F FILE` is the oracle), plus what ssh(1) would
 * refuse or run that rollcall must not: unknown options, bad values,
 * Match exec, include loops. */
#include <sys/stat.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "config/sshconfig.h"
#include "test.h"

static char	 dir[64];	/* temporary directory for the files */

/* Write a file under dir; "@D@" in text becomes dir. Returns the path. */
static char *
put(const char *name, const char *text)
{
	char	*path, *p;
	FILE	*f;

	xasprintf(&path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	for (p = (char *)text; *p != '\0'; p++) {
		if (strncmp(p, "@D@", 3) == 0) {
			fputs(dir, f);
			p += 2;
		} else
			fputc(*p, f);
	}
	fclose(f);
	return path;
}

/* One field of `ssh -G` output ("port 22" -> "22"), first word only;
 * "" when ssh does not print it. Caller frees. */
static char *
oracle_field(const char *dump, const char *key)
{
	const char	*p = dump;
	size_t		 klen = strlen(key), n;
	char		*v;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			p += klen + 1;
			n = strcspn(p, " \n");
			v = xmalloc(n + 1);
			memcpy(v, p, n);
			v[n] = '\0';
			return v;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return xstrdup("");
}

/* Run `ssh -G host -F file`; its whole output. Caller frees. */
static char *
oracle(const char *file, const char *host)
{
	char	*cmd, *out = NULL;
	size_t	 len = 0;
	FILE	*p, *m;
	int	 c;

	xasprintf(&cmd, "ssh -G '%s' -F '%s' </dev/null 2>/dev/null", host,
	    file);
	m = open_memstream(&out, &len);
	if ((p = popen(cmd, "r")) == NULL) {
		perror("popen");
		exit(2);
	}
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	CHECK(pclose(p) == 0);
	fclose(m);
	free(cmd);
	return out;
}

/* Compare one field, saying which case went wrong. */
static void
same(const char *what, const char *host, const char *ours,
    const char *theirs)
{
	if (strcmp(ours, theirs) == 0) {
		test_passed++;
		return;
	}
	test_failed++;
	fprintf(stderr, "oracle: %s for %s: rollcall '%s', ssh -G '%s'\n",
	    what, host, ours, theirs);
}

/* Our resolution of host against ssh's, field by field. */
static void
compare(const char *file, const struct sshcfg *c, const char *host)
{
	struct sshcfg_host	 o;
	struct sshcfg_tokens	 t;
	struct passwd		*pw = getpwuid(getuid());
	char			*dump, *v, num[32], err[128], *kh, *lower;
	size_t			 i;

	lower = xstrdup(host);
	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)(lower[i] >= 'A' && lower[i] <= 'Z' ?
		    lower[i] + 32 : lower[i]);
	sshcfg_lookup(c, host, pw->pw_name, &o);
	dump = oracle(file, host);
	same("hostname", host, o.hostname ? o.hostname : lower,
	    v = oracle_field(dump, "hostname"));
	free(v);
	same("user", host, o.user ? o.user : pw->pw_name,
	    v = oracle_field(dump, "user"));
	free(v);
	snprintf(num, sizeof num, "%d", o.port ? o.port : 22);
	same("port", host, num, v = oracle_field(dump, "port"));
	free(v);
	if (o.identity != NULL) {
		same("identityfile", host, o.identity,
		    v = oracle_field(dump, "identityfile"));
		free(v);
	}
	same("proxyjump", host, o.proxy_jump && strcmp(o.proxy_jump, "none") ?
	    o.proxy_jump : "", v = oracle_field(dump, "proxyjump"));
	free(v);
	t.host = o.hostname ? o.hostname : lower;
	t.original = lower;
	t.user = o.user ? o.user : pw->pw_name;
	t.port = o.port ? o.port : 22;
	t.local_user = pw->pw_name;
	t.home = pw->pw_dir;
	kh = sshcfg_expand(o.known_hosts ? o.known_hosts : "~/.ssh/known_hosts",
	    &t, err, sizeof err);
	same("userknownhostsfile", host, kh ? kh : err,
	    v = oracle_field(dump, "userknownhostsfile"));
	free(v);
	free(kh);
	if (o.connect_timeout_ms < 0)
		snprintf(num, sizeof num, "none");
	else
		snprintf(num, sizeof num, "%lld",
		    (long long)(o.connect_timeout_ms / 1000));
	same("connecttimeout", host, num,
	    v = oracle_field(dump, "connecttimeout"));
	free(v);
	sshcfg_host_clear(&o);
	free(dump);
	free(lower);
}

/* Load a file that must be good, compare every host, free. */
static void
oracle_case(const char *name, const char *text, const char *const *hosts)
{
	struct cfg_errors	 errs = { 0 };
	struct sshcfg		*c;
	char			*path;
	size_t			 i;

	path = put(name, text);
	c = sshcfg_load(path, &errs);
	CHECK(c != NULL);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s: unexpected error: %s\n", name,
		    errs.msgs[i]);
	if (c != NULL)
		for (i = 0; hosts[i] != NULL; i++)
			compare(path, c, hosts[i]);
	sshcfg_free(c);
	cfg_errors_free(&errs);
	free(path);
}

/* Precedence: first value obtained wins; Host * first or last. */
static void
test_first_match(void)
{
	static const char *const hosts[] = { "web1", "db1", "other", "WEB2",
	    NULL };

	oracle_case("first", "# comment\n"
	    "Host web*\n"
	    "  HostName %h.example.net\n"
	    "  Port 2201\n"
	    "  User webop\n"
	    "Host db1 web1\n"
	    "  Port 2202\n"
	    "  User dbop\n"
	    "  IdentityFile ~/.ssh/db_key\n"
	    "Host *\n"
	    "  User everyone\n"
	    "  Port 2299\n"
	    "  IdentityFile ~/.ssh/fallback\n"
	    "  ConnectTimeout 7\n", hosts);
	oracle_case("star_first", "Host *\n"
	    "  ProxyJump jump@bastion:2222\n"
	    "  ConnectTimeout 1m30s\n"
	    "Host a\n"
	    "  ProxyJump other\n"
	    "  User alice\n", (const char *const[]){ "a", "b", NULL });
}

/* Negation, wildcards, case and syntax variants. */
static void
test_patterns(void)
{
	static const char *const hosts[] = { "x.example", "bad.example",
	    "Q1.example", "q12.example", "zz", NULL };

	oracle_case("patterns", "Host *.example !bad.example\n"
	    "\tUSER=pat\n"
	    "Host q?.example\n"
	    "  Port = 2400 # trailing comment\n"
	    "  hostname \"quoted name\"\n"
	    "Host *.*\n"
	    "  ProxyJump none\n"
	    "  UserKnownHostsFile ~/kh/%h-%p %d/second\n"
	    "Host *\n"
	    "  ProxyJump j1,j2@host2:23\n"
	    "  ForwardAgent no\n"
	    "  ServerAliveInterval 5\n", hosts);
}

/* Match: host sees HostName's rewrite, originalhost does not; user,
 * localuser, all, negation. */
static void
test_match(void)
{
	static const char *const hosts[] = { "short", "long", "neg", "LONG",
	    "Short", NULL };
	struct passwd	*pw = getpwuid(getuid());
	char		*text;

	xasprintf(&text, "Host short\n"
	    "  HostName short.internal\n"
	    "Match host *.internal\n"
	    "  Port 2500\n"
	    "Match originalhost short\n"
	    "  User origuser\n"
	    "Match originalhost long,neg user origuser\n"
	    "  Port 1\n"
	    "Match localuser %s !originalhost neg\n"
	    "  IdentityFile ~/.ssh/local_match\n"
	    "Match !host long\n"
	    "  ConnectTimeout 3\n"
	    "Match all\n"
	    "  User matchall\n"
	    "  Port 2600\n", pw->pw_name);
	oracle_case("match", text, hosts);
	free(text);
}

/* Include: conditional inside a Host block, starts active, the including
 * block's state comes back after it; globs. */
static void
test_include(void)
{
	static const char *const hosts[] = { "inc1", "inc2", "plain", NULL };

	free(put("inc_a.conf", "User from_a\n"
	    "Host inc2\n"
	    "  Port 2702\n"));
	free(put("inc_b.conf", "IdentityFile ~/.ssh/from_b\n"));
	free(put("cond.conf", "Port 2777\n"));
	oracle_case("include", "Host inc1\n"
	    "  Include @D@/cond.conf\n"
	    "  HostName after-include\n"
	    "Host *\n"
	    "  Include @D@/inc_?.conf\n"
	    "  ProxyJump jumper\n", hosts);
}

/* What ssh_config may say that rollcall must not follow or accept. */
static void
test_refusals(void)
{
	struct cfg_errors	 errs = { 0 };
	struct sshcfg_host	 o;
	struct sshcfg		*c;
	char			*path;

	path = put("unknown", "Host *\n  NoSuchOption 1\n  User u\n"
	    "Match exec \"touch @D@/ran\"\n  Port 2\n");
	c = sshcfg_load(path, &errs);
	CHECK(c != NULL && errs.n == 0);
	if (c != NULL) {
		sshcfg_lookup(c, "h", "me", &o);
		CHECK_STR(o.user, "u");
		CHECK(o.port == 0);		/* Match exec never matches */
		sshcfg_host_clear(&o);
	}
	sshcfg_free(c);
	free(path);
	xasprintf(&path, "%s/ran", dir);
	CHECK(access(path, F_OK) == -1);	/* and nothing ran */
	free(path);

	path = put("bad", "Host a\n  Port 70000\n  Port x\n"
	    "  HostName %r.x\n  User \"open\n  Match bogus\n"
	    "  ConnectTimeout 5q\n  IdentityFile %C\n  Port\n");
	c = sshcfg_load(path, &errs);
	CHECK(c == NULL);
	CHECK(errs.n == 8);
	if (errs.n > 0)
		CHECK(strstr(errs.msgs[0], "/bad:2:1: Port: bad port") != NULL);
	free(path);
	cfg_errors_free(&errs);
	memset(&errs, 0, sizeof errs);

	path = put("loop", "Include @D@/loop\n");
	c = sshcfg_load(path, &errs);
	CHECK(c == NULL && errs.n >= 1);
	if (errs.n > 0)
		CHECK(strstr(errs.msgs[0], "nested more than 16") != NULL);
	cfg_errors_free(&errs);
	free(path);
}

/* The host with that name in a loaded config. */
static const struct host *
find_host(const struct config *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return &c->hosts[i];
	return NULL;
}

/* In rollcall.yml: ssh_config under the inventory's variables (Ansible's
 * order), over rollcall.yml's ssh defaults; the three ways to name a
 * bastion, and which wins. */
static void
test_config_apply(void)
{
	struct cfg_errors	 errs = { 0 };
	const struct host	*h;
	struct config		*c;
	char			*path;
	size_t			 i;

	free(put("rc_ssh", "Host web*\n  HostName %h.internal\n  User cfguser\n"
	    "  Port 2201\n  IdentityFile ~/.ssh/id_%h\n  ConnectTimeout 4\n"
	    "  ProxyJump cfgjump\n"
	    "Host cfgjump\n  HostName 10.9.9.9\n  User jumper\n  Port 2022\n"));
	free(put("rc_inv.yml", "all:\n  hosts:\n"
	    "    web1:\n"
	    "    web2:\n      ansible_user: invuser\n      ansible_port: 22\n"
	    "      ansible_ssh_common_args: \"-o StrictHostKeyChecking=no "
	    "-o ProxyJump=a@b1:2200,c@b2\"\n"
	    "    web3:\n      rollcall_proxy_jump: none\n"
	    "    db1:\n      ansible_host: 10.0.0.5\n"
	    "      ansible_ssh_common_args: '-J x@y'\n"
	    "      rollcall_proxy_jump: 'ssh://r@[fd00::1]:2'\n"));
	path = put("rc.yml", "database: @D@/db\ninventory:\n  - rc_inv.yml\n"
	    "ssh:\n  user: yml\n  port: 2000\n  identity: /k\n"
	    "  config_file: rc_ssh\n");
	c = config_load(path, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "unexpected: %s\n", errs.msgs[i]);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	if ((h = find_host(c, "web1")) != NULL) {
		CHECK_STR(h->address, "web1.internal");
		CHECK_STR(h->user, "cfguser");
		CHECK(h->port == 2201);
		CHECK(strstr(h->identity, "/.ssh/id_web1.internal") != NULL);
		CHECK(h->connect_timeout_ms == 4000);
		CHECK(h->njumps == 1);
		if (h->njumps == 1) {
			CHECK_STR(h->jumps[0].host, "10.9.9.9");
			CHECK_STR(h->jumps[0].user, "jumper");
			CHECK(h->jumps[0].port == 2022);
			CHECK_STR(h->jumps[0].identity, "/k");
		}
	} else
		CHECK(!"web1 missing");
	if ((h = find_host(c, "web2")) != NULL) {
		CHECK_STR(h->user, "invuser");
		CHECK(h->port == 22);
		CHECK(h->njumps == 2);
		if (h->njumps == 2) {
			CHECK_STR(h->jumps[0].user, "a");
			CHECK_STR(h->jumps[0].host, "b1");
			CHECK(h->jumps[0].port == 2200);
			CHECK_STR(h->jumps[1].user, "c");
			CHECK(h->jumps[1].port == 2000);	/* ssh.port */
		}
	} else
		CHECK(!"web2 missing");
	if ((h = find_host(c, "web3")) != NULL)
		CHECK(h->njumps == 0);		/* none beats ssh_config */
	if ((h = find_host(c, "db1")) != NULL) {
		CHECK_STR(h->address, "10.0.0.5");
		CHECK_STR(h->user, "yml");
		CHECK(h->port == 2000);
		CHECK(h->njumps == 1);
		if (h->njumps == 1) {
			CHECK_STR(h->jumps[0].host, "fd00::1");
			CHECK(h->jumps[0].port == 2);
		}
	}
	config_free(c);
	free(path);

	free(put("rc_inv2.yml", "all:\n  hosts:\n    h1:\n"
	    "      rollcall_proxy_jump: 'a@$(reboot)'\n"
	    "    h2:\n      ansible_ssh_common_args: '-o ProxyJump=b:99999'\n"));
	path = put("rc2.yml", "database: @D@/db\ninventory:\n  - rc_inv2.yml\n");
	/* a bastion rollcall cannot use is that host's config_error, at the
	 * variable, never the inventory's */
	c = config_load(path, &errs);
	CHECK(c != NULL && errs.n == 0);
	for (i = 0; c != NULL && i < 2; i++) {
		h = find_host(c, i == 0 ? "h1" : "h2");
		CHECK(h != NULL && h->error != NULL && h->njumps == 0);
		if (h == NULL || h->error == NULL)
			continue;
		CHECK(strstr(h->error, "rc_inv2.yml:") != NULL);
		CHECK(strstr(h->error, i == 0 ? "rollcall_proxy_jump: "
		    "ProxyJump 'a@$(reboot)'" : "ansible_ssh_common_args: "
		    "ProxyJump 'b:99999': bad port") != NULL);
	}
	config_free(c);
	cfg_errors_free(&errs);
	free(path);
}

/* `ssh -G [-l user] [-p port] name -F file` as "user@hostname:port:kh"
 * (kh: the first UserKnownHostsFile); *pj gets its ProxyJump ("" none).
 * Caller frees both. */
static char *
oracle_hop(const char *file, const char *spec, char **pj)
{
	char	*s = xstrdup(spec), *name = s, *at, *colon, *cmd, *out = NULL;
	char	*u, *h, *p, *k, *res;
	size_t	 len = 0;
	FILE	*f, *m;
	int	 c;

	xasprintf(&cmd, "ssh -G");
	if ((at = strchr(name, '@')) != NULL) {
		*at = '\0';
		free(cmd);
		xasprintf(&cmd, "ssh -G -l '%s'", name);
		name = at + 1;
	}
	if ((colon = strchr(name, ':')) != NULL) {
		*colon = '\0';
		res = cmd;
		xasprintf(&cmd, "%s -p '%s'", res, colon + 1);
		free(res);
	}
	res = cmd;
	xasprintf(&cmd, "%s '%s' -F '%s' </dev/null 2>/dev/null", res, name,
	    file);
	free(res);
	m = open_memstream(&out, &len);
	if ((f = popen(cmd, "r")) == NULL)
		exit(2);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	CHECK(pclose(f) == 0);
	fclose(m);
	*pj = oracle_field(out, "proxyjump");
	xasprintf(&res, "%s@%s:%s:%s", u = oracle_field(out, "user"),
	    h = oracle_field(out, "hostname"), p = oracle_field(out, "port"),
	    k = oracle_field(out, "userknownhostsfile"));
	free(u);
	free(h);
	free(p);
	free(k);
	free(out);
	free(cmd);
	free(s);
	return res;
}

/* The bastions ssh(1) goes through to reach spec, first hop first, as
 * ssh itself resolves them: ProxyJump "a,b" runs `ssh -J a -W .. b`,
 * so a's own ProxyJump is followed and b's is not. Appends to m. */
static void
oracle_chain(const char *file, const char *spec, FILE *m, int depth)
{
	char	*self, *pj, *list, *p, *tok, *first, *hop, *ign;

	CHECK(depth < 10);
	self = oracle_hop(file, spec, &pj);
	free(self);
	if (*pj == '\0' || depth >= 10) {
		free(pj);
		return;
	}
	p = list = xstrdup(pj);
	first = xstrdup(strsep(&p, ","));
	oracle_chain(file, first, m, depth + 1);
	free(list);
	for (p = list = xstrdup(pj); (tok = strsep(&p, ",")) != NULL;) {
		hop = oracle_hop(file, tok, &ign);
		fprintf(m, "%s,", hop);
		free(hop);
		free(ign);
	}
	free(list);
	free(first);
	free(pj);
}

/* A host's hops as oracle_chain prints them. Caller frees. */
static char *
our_chain(const struct config *c, const struct host *h)
{
	char	*out = NULL;
	size_t	 len = 0, i;
	FILE	*m = open_memstream(&out, &len);

	for (i = 0; i < h->njumps; i++)
		fprintf(m, "%s@%s:%d:%s,", h->jumps[i].user, h->jumps[i].host,
		    h->jumps[i].port, h->jumps[i].known_hosts != NULL ?
		    h->jumps[i].known_hosts : c->ssh.known_hosts);
	fclose(m);
	return out;
}

/* ProxyJump chains defined in ssh_config, and UserKnownHostsFile per
 * host and per bastion, against `ssh -G` applied hop by hop; loops are a
 * host's error naming the hosts (ssh would start itself without end, or
 * stop at "jumphost loop"). */
static void
test_chain(void)
{
	static const char *const names[] = { "t1", "t2", "t3", "t4", NULL };
	struct cfg_errors	 errs = { 0 };
	const struct host	*h;
	struct config		*c;
	char			*path, *sshf, *ours, *theirs, *pj, *self;
	size_t			 i, len;
	FILE			*m;

	sshf = put("chain_ssh", "Host t1\n  HostName 10.0.0.1\n"
	    "  ProxyJump hop2\n  UserKnownHostsFile ~/kh-t1-%h-%p\n"
	    "Host t2\n  ProxyJump u@hop2:2200,hop3\n"
	    "Host t3\n  ProxyJump hop3\n"
	    "Host hop2\n  HostName 10.0.0.2\n  User j2\n  ProxyJump hop1\n"
	    "  UserKnownHostsFile @D@/kh-%h-%r\n"
	    "Host hop1\n  HostName 10.0.0.3\n  Port 2201\n"
	    "Host hop3\n  HostName 10.0.0.4\n  ProxyJump hop1\n"
	    "Host t4\n  ProxyJump t4b\nHost t4b\n  ProxyJump hop1,t4\n"
	    "Host loop-a\n  ProxyJump loop-b\nHost loop-b\n  ProxyJump loop-c\n"
	    "Host loop-c\n  ProxyJump loop-a,hop1\n"
	    "Host self\n  ProxyJump self\n"
	    "Host nokh\n  UserKnownHostsFile none\n");
	free(put("chain_inv.yml", "all:\n  hosts:\n    t1:\n    t2:\n    t3:\n"
	    "    t4:\n"
	    "    loop-a:\n    self:\n    nokh:\n"));
	path = put("chain.yml", "database: @D@/db\ninventory:\n"
	    "  - chain_inv.yml\nssh:\n  config_file: chain_ssh\n");
	c = config_load(path, &errs);
	CHECK(c != NULL && errs.n == 0);
	for (i = 0; c != NULL && names[i] != NULL; i++) {
		if ((h = find_host(c, names[i])) == NULL) {
			CHECK(!"chain host missing");
			continue;
		}
		CHECK(h->error == NULL);
		ours = our_chain(c, h);
		theirs = NULL;
		m = open_memstream(&theirs, &len);
		oracle_chain(sshf, names[i], m, 0);
		fclose(m);
		same("bastion chain", names[i], ours, theirs);
		self = oracle_hop(sshf, names[i], &pj);
		free(pj);
		free(ours);
		xasprintf(&ours, "%s@%s:%d:%s", h->user != NULL ? h->user :
		    c->ssh.user, h->address, h->port ? h->port : c->ssh.port,
		    h->known_hosts != NULL ? h->known_hosts :
		    c->ssh.known_hosts);
		same("target", names[i], ours, self);
		free(self);
		free(ours);
		free(theirs);
	}
	if (c != NULL && (h = find_host(c, "loop-a")) != NULL) {
		CHECK(h->error != NULL && h->njumps == 0);
		CHECK(h->error != NULL && strstr(h->error, "ssh config "
		    "ProxyJump loop: loop-a -> loop-b -> loop-c -> loop-a") != NULL);
	}
	if (c != NULL && (h = find_host(c, "self")) != NULL)
		CHECK(h->error != NULL && strstr(h->error, "ProxyJump loop: "
		    "self -> self") != NULL);
	if (c != NULL && (h = find_host(c, "nokh")) != NULL)
		CHECK(h->error != NULL && strstr(h->error, "UserKnownHostsFile "
		    "none for nokh") != NULL);
	/* ssh refuses the self loop too */
	xasprintf(&self, "ssh -G self -F '%s' >/dev/null 2>&1 </dev/null", sshf);
	CHECK(system(self) != 0);
	free(self);
	config_free(c);
	cfg_errors_free(&errs);
	free(path);
	free(sshf);
}

/* ProxyJump in ssh arguments, as Ansible users write it. */
static void
test_ssh_args(void)
{
	char	*j;

	CHECK_STR(j = config_ssh_args_jump("-o ProxyJump=u@b:22"), "u@b:22");
	free(j);
	CHECK_STR(j = config_ssh_args_jump("-oProxyJump=b"), "b");
	free(j);
	CHECK_STR(j = config_ssh_args_jump("-o 'ProxyJump b2' -J b3"), "b2");
	free(j);
	CHECK_STR(j = config_ssh_args_jump("-J b3 -o ProxyJump=b4"), "b3");
	free(j);
	CHECK(config_ssh_args_jump("-o ForwardAgent=yes -C") == NULL);
	CHECK(config_ssh_args_jump("") == NULL);
}

/* Pattern lists as OpenSSH's match_pattern_list. */
static void
test_match_list(void)
{
	CHECK(sshcfg_match_list("web1", "web*") == 1);
	CHECK(sshcfg_match_list("web1", "db*,web?") == 1);
	CHECK(sshcfg_match_list("web1", "*,!web1") == -1);
	CHECK(sshcfg_match_list("web1", "db*") == 0);
	CHECK(sshcfg_match_list("aaaaaaaaaaaaaaaaaaaaaaaab",
	    "*a*a*a*a*a*a*a*a*a*a*a*c") == 0);
	CHECK(sshcfg_match_list("", "*") == 1);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/rc-sshcfg-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_first_match();
	test_patterns();
	test_match();
	test_include();
	test_refusals();
	test_match_list();
	test_config_apply();
	test_ssh_args();
	test_chain();
	if (test_failed == 0) {
		char	*cmd;

		xasprintf(&cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		free(cmd);
	}
	TEST_MAIN_END();
}
