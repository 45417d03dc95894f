/* The keys of rollcall.yml: one table with each key's type, bounds and
 * place in struct config (Redis config.c style), plus handlers for the few
 * keys that need more than a type. Unknown keys, wrong types and values out
 * of range are errors naming file:line:column. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/xmalloc.h"
#include "config/internal.h"

enum cktype {
	CK_MAP,		/* a nested mapping: keys "parent.child" */
	CK_INT,		/* int within [min, max] */
	CK_DURATION,	/* int64_t ms within [min, max] */
	CK_SIZE,	/* size_t bytes within [min, max] */
	CK_STRING,	/* char *, any non-empty text */
	CK_PATH,	/* char *, ~ expanded, relative to the config dir */
	CK_FN,		/* a handler of its own */
};

struct cfgkey;
typedef void (*cfgkey_fn)(struct cfgload *, const struct ynode *,
    const struct cfgkey *);

/* One key of rollcall.yml. */
struct cfgkey {
	const char	*name;		/* dotted: "ssh.port" */
	enum cktype	 type;		/* how to read the value */
	size_t		 off;		/* field in struct config */
	int64_t		 min;		/* bounds for numbers */
	int64_t		 max;
	cfgkey_fn	 fn;		/* CK_FN handler */
};

static void	key_inventory(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_user(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_hostkey(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_identity(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_channel_mode(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_collectors(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_defer(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_jitter(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_retention(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_metrics(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_bool(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);
static void	key_cluster(struct cfgload *, const struct ynode *,
		    const struct cfgkey *);

#define OFF(f)	offsetof(struct config, f)
#define DAY	(24LL * 3600 * 1000)
static const struct cfgkey cfgkeys[] = {
	{ "database", CK_PATH, OFF(database), 0, 0, NULL },
	{ "inventory", CK_FN, 0, 0, 0, key_inventory },
	{ "ssh", CK_MAP, 0, 0, 0, NULL },
	{ "ssh.user", CK_FN, OFF(ssh.user), 0, 0, key_user },
	{ "ssh.port", CK_INT, OFF(ssh.port), 1, 65535, NULL },
	{ "ssh.identity", CK_FN, OFF(ssh.identity), 0, 0, key_identity },
	{ "ssh.known_hosts", CK_PATH, OFF(ssh.known_hosts), 0, 0, NULL },
	{ "ssh.config_file", CK_PATH, OFF(ssh.config_file), 0, 0, NULL },
	{ "ssh.host_key_checking", CK_FN, 0, 0, 0, key_hostkey },
	{ "ssh.connect_timeout", CK_DURATION, OFF(ssh.connect_timeout_ms),
	    1, DAY, NULL },
	{ "ssh.command_timeout", CK_DURATION, OFF(ssh.command_timeout_ms),
	    1, DAY, NULL },
	{ "ssh.host_timeout", CK_DURATION, OFF(ssh.host_timeout_ms),
	    1, DAY, NULL },
	{ "dns", CK_MAP, 0, 0, 0, NULL },
	{ "dns.resolv_conf", CK_PATH, OFF(resolv_conf), 0, 0, NULL },
	{ "concurrency", CK_INT, OFF(concurrency), 1, 1000000, NULL },
	{ "workers", CK_INT, OFF(workers), 0, 1024, NULL },
	{ "max_handshakes", CK_INT, OFF(max_handshakes), 0, 1000000, NULL },
	{ "bastion_concurrency", CK_INT, OFF(bastion_concurrency), 1, 100000,
	    NULL },
	{ "max_output", CK_SIZE, OFF(max_output), 1, 1LL << 32, NULL },
	{ "channel_mode", CK_FN, 0, 0, 0, key_channel_mode },
	{ "collectors", CK_FN, 0, 0, 0, key_collectors },
	{ "custom_collectors", CK_FN, 0, 0, 0, key_defer },
	{ "group_concurrency", CK_FN, 0, 0, 0, key_defer },
	{ "group_interval", CK_FN, 0, 0, 0, key_defer },
	{ "interval", CK_DURATION, OFF(interval_ms), 1000, 366 * DAY, NULL },
	{ "jitter", CK_FN, 0, 0, 0, key_jitter },
	{ "retry", CK_MAP, 0, 0, 0, NULL },
	{ "retry.attempts", CK_INT, OFF(retry_attempts), 0, 100, NULL },
	{ "retry.backoff", CK_DURATION, OFF(retry_backoff_ms), 0, 366 * DAY,
	    NULL },
	{ "retention", CK_FN, 0, 0, 0, key_retention },
	{ "metrics_listen", CK_FN, 0, 0, 0, key_metrics },
	{ "metrics_per_host", CK_FN, OFF(metrics_per_host), 0, 0, key_bool },
	{ "control_socket", CK_PATH, OFF(control_socket), 0, 0, NULL },
	{ "cluster", CK_FN, 0, 0, 0, key_cluster },
};
#define NCFGKEYS	(sizeof cfgkeys / sizeof cfgkeys[0])

/* A field of the config being filled. */
#define FIELD(ld, k, type)	((type *)(void *)((char *)(ld)->conf + (k)->off))

/* Set the defaults every key has when the file does not give it. */
void
settings_defaults(struct config *c)
{
	struct passwd		*pw;
	const char *const	*names;
	size_t			 i, n;
	char			*ecdsa;

	c->database = xstrdup(CONFIG_DEFAULT_DATABASE);
	pw = getpwuid(getuid());
	c->ssh.user = xstrdup(pw != NULL ? pw->pw_name : "root");
	c->ssh.port = 22;
	c->ssh.identity = cfg_expand_path("~/.ssh/id_ed25519", NULL);
	ecdsa = cfg_expand_path("~/.ssh/id_ecdsa", NULL);
	if (getenv("SSH_AUTH_SOCK") != NULL && *getenv("SSH_AUTH_SOCK")) {
		/* an agent is there and no key is named: use it, as ssh does */
		free(c->ssh.identity);
		free(ecdsa);
		c->ssh.identity = xstrdup("agent");
	} else if (access(c->ssh.identity, F_OK) == -1 &&
	    access(ecdsa, F_OK) == 0) {
		free(c->ssh.identity);
		c->ssh.identity = ecdsa;
	} else
		free(ecdsa);
	c->ssh.known_hosts = cfg_expand_path("~/.ssh/known_hosts", NULL);
	c->ssh.host_key_checking = HOSTKEY_STRICT;
	c->ssh.connect_timeout_ms = 10 * 1000;
	c->ssh.command_timeout_ms = 60 * 1000;
	c->ssh.host_timeout_ms = 5 * 60 * 1000;
	c->concurrency = 256;
	c->bastion_concurrency = 64;	/* docs/PERFORMANCE.md, bastions */
	c->max_output = 1024 * 1024;
	c->channel_mode = xstrdup("combined");
	names = collector_default_names(&n);
	c->collectors = xcalloc(n + 1, sizeof *c->collectors);
	for (i = 0; i < n; i++)
		c->collectors[i] = xstrdup(names[i]);
	c->ncollectors = n;
	c->interval_ms = 3600 * 1000;
	c->jitter = 0.1;
	c->retry_attempts = 2;
	c->retry_backoff_ms = 30 * 1000;
	c->retention_ms = 180 * DAY;
}

/* The text of a scalar value, or NULL after a wrong-type error. */
static const char *
key_scalar(struct cfgload *ld, const struct ynode *v, const char *name)
{
	if (v->kind != YN_SCALAR) {
		cfg_errn(ld->errs, ld->file, v, "'%s' must be a scalar, not %s",
		    name, ynode_kind_str(v));
		return NULL;
	}
	if (ynode_is_null(v) || v->len == 0) {
		cfg_errn(ld->errs, ld->file, v, "'%s' needs a value", name);
		return NULL;
	}
	if (strlen(v->str) != v->len) {
		cfg_errn(ld->errs, ld->file, v, "'%s' holds a NUL byte", name);
		return NULL;
	}
	return v->str;
}

/* A decimal integer, or -1. */
static int
parse_int64(const char *s, int64_t *v)
{
	char	*end;
	long long ll;

	if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' &&
	    isdigit((unsigned char)s[1])))
		return -1;
	errno = 0;
	ll = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = ll;
	return 0;
}

/* Remember where ssh.identity and ssh.known_hosts were set, so
 * check-config can name the line when the file is missing. */
static void
key_where(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	char	**at;

	if (strcmp(k->name, "ssh.identity") == 0)
		at = &ld->conf->ssh.identity_at;
	else if (strcmp(k->name, "ssh.known_hosts") == 0)
		at = &ld->conf->ssh.known_hosts_at;
	else
		return;
	free(*at);
	xasprintf(at, "%s:%d:%d", ld->file, v->line, v->col);
}

/* Read a scalar value of a typed key into its field. */
static void
key_typed(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	const char	*s;
	int64_t		 n;
	uint64_t	 u;

	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	switch (k->type) {
	case CK_INT:
		if (parse_int64(s, &n) == -1 || n < k->min || n > k->max)
			cfg_errn(ld->errs, ld->file, v, "'%s' must be an "
			    "integer from %lld to %lld, not '%s'", k->name,
			    (long long)k->min, (long long)k->max, s);
		else
			*FIELD(ld, k, int) = (int)n;
		break;
	case CK_DURATION:
		if (config_parse_duration(s, &n) == -1)
			cfg_errn(ld->errs, ld->file, v, "'%s': bad duration "
			    "'%s' (want e.g. 500ms, 10s, 2m, 1h, 7d)", k->name,
			    s);
		else if (n < k->min || n > k->max)
			cfg_errn(ld->errs, ld->file, v, "'%s': duration '%s' "
			    "out of range", k->name, s);
		else
			*FIELD(ld, k, int64_t) = n;
		break;
	case CK_SIZE:
		if (config_parse_size(s, &u) == -1)
			cfg_errn(ld->errs, ld->file, v, "'%s': bad size '%s' "
			    "(want e.g. 512, 64K, 1M, 2G)", k->name, s);
		else if (u < (uint64_t)k->min || u > (uint64_t)k->max)
			cfg_errn(ld->errs, ld->file, v, "'%s': size '%s' out "
			    "of range", k->name, s);
		else
			*FIELD(ld, k, size_t) = (size_t)u;
		break;
	case CK_STRING:
		free(*FIELD(ld, k, char *));
		*FIELD(ld, k, char *) = xstrdup(s);
		break;
	case CK_PATH:
		free(*FIELD(ld, k, char *));
		*FIELD(ld, k, char *) = cfg_expand_path(s, ld->dir);
		key_where(ld, v, k);
		break;
	default:
		break;
	}
}

/* Find a key by its dotted name. */
static const struct cfgkey *
key_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NCFGKEYS; i++)
		if (strcmp(cfgkeys[i].name, name) == 0)
			return &cfgkeys[i];
	return NULL;
}

/* Walk one mapping of the file against the key table. */
static void
key_walk(struct cfgload *ld, const struct ynode *map, const char *prefix)
{
	const struct cfgkey	*k;
	const struct ynode	*key, *val;
	size_t			 i;
	char			*name;

	cfg_dup_keys(ld->errs, ld->file, map, "key");
	for (i = 0; i < ymap_len(map); i++) {
		key = ymap_key(map, i);
		val = ymap_val(map, i);
		if (key->kind != YN_SCALAR) {
			cfg_errn(ld->errs, ld->file, key, "a key must be a "
			    "scalar, not %s", ynode_kind_str(key));
			continue;
		}
		xasprintf(&name, "%s%s", prefix, key->str);
		if ((k = key_find(name)) == NULL)
			cfg_errn(ld->errs, ld->file, key, "unknown key '%s'",
			    name);
		else if (k->type == CK_MAP && ynode_is_null(val))
			;
		else if (k->type == CK_MAP && val->kind != YN_MAP)
			cfg_errn(ld->errs, ld->file, val, "'%s' must be a "
			    "mapping, not %s", name, ynode_kind_str(val));
		else if (k->type == CK_MAP) {
			free(name);
			xasprintf(&name, "%s%s.", prefix, key->str);
			key_walk(ld, val, name);
		} else if (k->type == CK_FN)
			k->fn(ld, val, k);
		else
			key_typed(ld, val, k);
		free(name);
	}
}

/* Walk the whole file. The root must be a mapping with `inventory`. */
void
settings_walk(struct cfgload *ld, const struct ynode *root)
{
	if (root == NULL || ynode_is_null(root)) {
		cfg_err(ld->errs, ld->file, 1, 1, "the config is empty: it "
		    "needs at least 'inventory'");
		return;
	}
	if (root->kind != YN_MAP) {
		cfg_errn(ld->errs, ld->file, root, "the config must be a "
		    "mapping of keys, not %s", ynode_kind_str(root));
		return;
	}
	key_walk(ld, root, "");
	if (ld->inventory == NULL)
		cfg_errn(ld->errs, ld->file, root, "missing required key "
		    "'inventory'");
}

/* Add one inventory pattern: resolve it against the config dir, expand
 * the glob, remember every file once. A pattern matching nothing is an
 * error, so a typo never silently empties the fleet. */
static void
inventory_pattern(struct cfgload *ld, const struct ynode *v)
{
	struct config	*c = ld->conf;
	const char	*s;
	glob_t		 g;
	size_t		 i, j;
	char		*pat;

	if ((s = key_scalar(ld, v, "inventory")) == NULL)
		return;
	pat = cfg_expand_path(s, ld->dir);
	c->inventory = xreallocarray(c->inventory, c->ninventory + 1,
	    sizeof *c->inventory);
	c->inventory[c->ninventory++] = pat;
	memset(&g, 0, sizeof g);
	if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		if (strpbrk(s, "*?[") != NULL)
			cfg_errn(ld->errs, ld->file, v, "inventory pattern "
			    "'%s' matches no file", s);
		else
			cfg_errn(ld->errs, ld->file, v, "inventory file '%s' "
			    "does not exist", s);
		globfree(&g);
		return;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		for (j = 0; j < ld->nfiles; j++)
			if (strcmp(ld->files[j], g.gl_pathv[i]) == 0)
				break;
		if (j < ld->nfiles)
			continue;
		ld->files = xreallocarray(ld->files, ld->nfiles + 1,
		    sizeof *ld->files);
		ld->files[ld->nfiles++] = xstrdup(g.gl_pathv[i]);
	}
	globfree(&g);
}

/* inventory: one pattern or a list of them. */
static void
key_inventory(struct cfgload *ld, const struct ynode *v,
    const struct cfgkey *k)
{
	size_t	 i;

	ld->inventory = v;
	if (v->kind == YN_MAP) {
		cfg_errn(ld->errs, ld->file, v, "'inventory' must be a file "
		    "name or a list of them, not a mapping");
		return;
	}
	if (v->kind == YN_SCALAR) {
		inventory_pattern(ld, v);
		return;
	}
	if (v->nkids == 0)
		cfg_errn(ld->errs, ld->file, v, "'inventory' is an empty list");
	for (i = 0; i < v->nkids; i++)
		inventory_pattern(ld, v->kids[i]);
}

/* ssh.user: a login name that cannot be read as an option. */
static void
key_user(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	const char	*s;

	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	if (!cfg_check_user(s)) {
		cfg_errn(ld->errs, ld->file, v, "'%s': '%s' is not a valid "
		    "login name", k->name, s);
		return;
	}
	free(ld->conf->ssh.user);
	ld->conf->ssh.user = xstrdup(s);
}

/* ssh.identity: a private key file, or "agent" for ssh-agent's keys. */
static void
key_identity(struct cfgload *ld, const struct ynode *v,
    const struct cfgkey *k)
{
	const char	*s;

	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	free(ld->conf->ssh.identity);
	if (strcmp(s, "agent") == 0)
		ld->conf->ssh.identity = xstrdup(s);
	else
		ld->conf->ssh.identity = cfg_expand_path(s, ld->dir);
	key_where(ld, v, k);
}

/* ssh.host_key_checking: strict or accept-new. */
static void
key_hostkey(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	const char	*s;

	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	if (strcmp(s, "strict") == 0)
		ld->conf->ssh.host_key_checking = HOSTKEY_STRICT;
	else if (strcmp(s, "accept-new") == 0)
		ld->conf->ssh.host_key_checking = HOSTKEY_ACCEPT_NEW;
	else
		cfg_errn(ld->errs, ld->file, v, "'%s' must be 'strict' or "
		    "'accept-new', not '%s'", k->name, s);
}

/* channel_mode: combined or per-collector. */
static void
key_channel_mode(struct cfgload *ld, const struct ynode *v,
    const struct cfgkey *k)
{
	const char	*s;

	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	if (strcmp(s, "combined") != 0 && strcmp(s, "per-collector") != 0) {
		cfg_errn(ld->errs, ld->file, v, "'%s' must be 'combined' or "
		    "'per-collector', not '%s'", k->name, s);
		return;
	}
	free(ld->conf->channel_mode);
	ld->conf->channel_mode = xstrdup(s);
}

/* collectors: all, every built-in in run order (as ansible gathers every
 * fact unless told otherwise). */
static void
key_collectors_all(struct config *c)
{
	const struct collector	*b;
	size_t			 i, n;

	b = collector_builtins(&n);
	c->collectors = xreallocarray(c->collectors, n + 1,
	    sizeof *c->collectors);
	for (i = 0; i < n; i++)
		c->collectors[i] = xstrdup(b[i].name);
	c->collectors[n] = NULL;
	c->ncollectors = n;
}

/* collectors: a list of built-in collector names, each known, once; or
 * the word all. */
static void
key_collectors(struct cfgload *ld, const struct ynode *v,
    const struct cfgkey *k)
{
	struct config	*c = ld->conf;
	const char	*s;
	size_t		 i, j;

	if (v->kind != YN_SEQ && !ynode_is_null(v) && !(v->kind == YN_SCALAR &&
	    strcmp(v->str, "all") == 0)) {
		cfg_errn(ld->errs, ld->file, v, "'collectors' must be a list "
		    "of collector names or 'all', not %s", ynode_kind_str(v));
		return;
	}
	for (i = 0; i < c->ncollectors; i++)
		free(c->collectors[i]);
	c->ncollectors = 0;
	if (v->kind == YN_SCALAR && strcmp(v->str, "all") == 0) {
		key_collectors_all(c);
		return;
	}
	for (i = 0; v->kind == YN_SEQ && i < v->nkids; i++) {
		if ((s = key_scalar(ld, v->kids[i], "collectors")) == NULL)
			continue;
		if (strcmp(s, "all") == 0) {
			cfg_errn(ld->errs, ld->file, v->kids[i], "'all' is "
			    "not a collector: write 'collectors: all', not "
			    "in a list");
			continue;
		}
		if (collector_find(s) == NULL) {
			cfg_errn(ld->errs, ld->file, v->kids[i], "unknown "
			    "collector '%s'", s);
			continue;
		}
		for (j = 0; j < c->ncollectors; j++)
			if (strcmp(c->collectors[j], s) == 0)
				break;
		if (j < c->ncollectors) {
			cfg_errn(ld->errs, ld->file, v->kids[i], "collector "
			    "'%s' listed twice", s);
			continue;
		}
		c->collectors = xreallocarray(c->collectors,
		    c->ncollectors + 2, sizeof *c->collectors);
		c->collectors[c->ncollectors++] = xstrdup(s);
		c->collectors[c->ncollectors] = NULL;
	}
}

/* Keys that need the inventory: kept for settings_groups(). */
static void
key_defer(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	if (strcmp(k->name, "group_concurrency") == 0)
		ld->gconc = v;
	else if (strcmp(k->name, "group_interval") == 0)
		ld->gint = v;
	else
		ld->custom = v;
}

/* jitter: a fraction of the interval, 0 to 1. */
static void
key_jitter(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	const char	*s;
	char		*end;
	double		 d;

	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(d >= 0.0 && d <= 1.0) ||
	    !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		cfg_errn(ld->errs, ld->file, v, "'jitter' must be a number "
		    "from 0 to 1, not '%s'", s);
	else
		ld->conf->jitter = d;
}

/* retention: a duration, or 0 / "forever" to keep all history. */
static void
key_retention(struct cfgload *ld, const struct ynode *v,
    const struct cfgkey *k)
{
	const char	*s;
	int64_t		 ms;

	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	if (strcmp(s, "forever") == 0)
		ld->conf->retention_ms = 0;
	else if (config_parse_duration(s, &ms) == -1)
		cfg_errn(ld->errs, ld->file, v, "'retention': bad duration "
		    "'%s' (want e.g. 180d, or 0 or 'forever')", s);
	else
		ld->conf->retention_ms = ms;
}

/* A YAML boolean (true/false, as YAML 1.2 core spells it) into the int
 * at k->off. */
static void
key_bool(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	const char	*s;

	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	if (strcmp(s, "true") == 0)
		*FIELD(ld, k, int) = 1;
	else if (strcmp(s, "false") == 0)
		*FIELD(ld, k, int) = 0;
	else
		cfg_errn(ld->errs, ld->file, v, "'%s' must be true or false, "
		    "not '%s'", k->name, s);
}

/* metrics_listen: "address:port"; null turns it off. */
static void
key_metrics(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	const char	*s, *colon;
	int64_t		 port;

	if (ynode_is_null(v)) {
		free(ld->conf->metrics_listen);
		ld->conf->metrics_listen = NULL;
		return;
	}
	if ((s = key_scalar(ld, v, k->name)) == NULL)
		return;
	if ((colon = strrchr(s, ':')) == NULL || colon == s ||
	    parse_int64(colon + 1, &port) == -1 || port < 1 || port > 65535) {
		cfg_errn(ld->errs, ld->file, v, "'metrics_listen' must be "
		    "ADDRESS:PORT, not '%s'", s);
		return;
	}
	free(ld->conf->metrics_listen);
	ld->conf->metrics_listen = xstrdup(s);
}

/* cluster: its own file (config/cluster.c). */
static void
key_cluster(struct cfgload *ld, const struct ynode *v, const struct cfgkey *k)
{
	settings_cluster(ld, v);
}

/* The group a per-group setting names, or NULL (an error when the
 * inventory loaded cleanly, so a typo does not go unnoticed). */
static struct group *
settings_group(struct cfgload *ld, const struct ynode *key, const char *what,
    int inventory_ok)
{
	const struct group	*g;

	if (key->kind != YN_SCALAR) {
		cfg_errn(ld->errs, ld->file, key, "'%s': a group name must "
		    "be a scalar, not %s", what, ynode_kind_str(key));
		return NULL;
	}
	if ((g = config_find_group(ld->conf, key->str)) != NULL)
		return &ld->conf->groups[g - ld->conf->groups];
	if (inventory_ok)
		cfg_errn(ld->errs, ld->file, key, "'%s': no group '%s' in the "
		    "inventory", what, key->str);
	return NULL;
}

/* group_concurrency and group_interval: group name -> value. */
static void
settings_pergroup(struct cfgload *ld, const struct ynode *map, int interval,
    int inventory_ok)
{
	const char	*what = interval ? "group_interval" :
			    "group_concurrency";
	const char	*s;
	struct group	*g;
	int64_t		 v;
	size_t		 i;

	if (map == NULL || ynode_is_null(map))
		return;
	if (map->kind != YN_MAP) {
		cfg_errn(ld->errs, ld->file, map, "'%s' must be a mapping of "
		    "group names, not %s", what, ynode_kind_str(map));
		return;
	}
	cfg_dup_keys(ld->errs, ld->file, map, "group");
	for (i = 0; i < ymap_len(map); i++) {
		g = settings_group(ld, ymap_key(map, i), what, inventory_ok);
		if ((s = key_scalar(ld, ymap_val(map, i), what)) == NULL)
			continue;
		if (interval && (config_parse_duration(s, &v) == -1 ||
		    v < 1000)) {
			cfg_errn(ld->errs, ld->file, ymap_val(map, i), "'%s': "
			    "bad duration '%s' (want e.g. 15m, at least 1s)",
			    what, s);
			continue;
		}
		if (!interval && (parse_int64(s, &v) == -1 || v < 1 ||
		    v > 1000000)) {
			cfg_errn(ld->errs, ld->file, ymap_val(map, i), "'%s' "
			    "must be an integer from 1 to 1000000, not '%s'",
			    what, s);
			continue;
		}
		if (g != NULL && interval)
			g->interval_ms = v;
		else if (g != NULL)
			g->concurrency = (int)v;
	}
}

/* Is a custom collector name usable as a fact key part? */
static int
custom_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* A custom collector's scalar key: name, command, parse or timeout. */
static void
custom_value(struct cfgload *ld, struct custom_collector *cc, const char *k,
    const char *name, const struct ynode *v)
{
	static const char *const modes[] = { "raw", "lines", "kv", "json" };
	const char	*s;
	size_t		 i;

	if ((s = key_scalar(ld, v, name)) == NULL)
		return;
	if (strcmp(k, "name") == 0 && !custom_name_ok(s))
		cfg_errn(ld->errs, ld->file, v, "'%s' must be letters, digits, "
		    "'_' or '-' (at most 64), not '%s'", name, s);
	else if (strcmp(k, "name") == 0) {
		free(cc->name);
		cc->name = xstrdup(s);
	} else if (strcmp(k, "command") == 0) {
		free(cc->command);
		cc->command = xstrdup(s);
	} else if (strcmp(k, "timeout") == 0) {
		if (config_parse_duration(s, &cc->timeout_ms) == -1 ||
		    cc->timeout_ms < 1)
			cfg_errn(ld->errs, ld->file, v, "'%s': bad duration "
			    "'%s' (want e.g. 10s)", name, s);
	} else {
		for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
			if (strcmp(s, modes[i]) == 0)
				break;
		if (i == sizeof modes / sizeof modes[0])
			cfg_errn(ld->errs, ld->file, v, "'%s' must be raw, "
			    "lines, kv or json, not '%s'", name, s);
		else
			cc->parse = (enum parse_mode)i;
	}
}

/* A custom collector's groups: names of inventory groups. */
static void
custom_groups(struct cfgload *ld, struct custom_collector *cc,
    const struct ynode *v, int inventory_ok)
{
	size_t	 i;

	if (v->kind != YN_SEQ) {
		cfg_errn(ld->errs, ld->file, v, "'custom_collectors.groups' "
		    "must be a list, not %s", ynode_kind_str(v));
		return;
	}
	for (i = 0; i < v->nkids; i++) {
		(void)settings_group(ld, v->kids[i],
		    "custom_collectors.groups", inventory_ok);
		if (v->kids[i]->kind != YN_SCALAR)
			continue;
		cc->groups = xreallocarray(cc->groups, cc->ngroups + 1,
		    sizeof *cc->groups);
		cc->groups[cc->ngroups++] = xstrdup(v->kids[i]->str);
	}
}

/* One entry of custom_collectors: a mapping with name and command. */
static void
custom_one(struct cfgload *ld, struct custom_collector *cc,
    const struct ynode *m, int inventory_ok)
{
	const struct ynode	*key;
	size_t			 i;
	char			*name;

	cfg_dup_keys(ld->errs, ld->file, m, "key");
	for (i = 0; i < ymap_len(m); i++) {
		key = ymap_key(m, i);
		if (key->kind != YN_SCALAR) {
			cfg_errn(ld->errs, ld->file, key, "a key must be a "
			    "scalar, not %s", ynode_kind_str(key));
			continue;
		}
		xasprintf(&name, "custom_collectors.%s", key->str);
		if (strcmp(key->str, "groups") == 0)
			custom_groups(ld, cc, ymap_val(m, i), inventory_ok);
		else if (strcmp(key->str, "name") == 0 ||
		    strcmp(key->str, "command") == 0 ||
		    strcmp(key->str, "parse") == 0 ||
		    strcmp(key->str, "timeout") == 0)
			custom_value(ld, cc, key->str, name, ymap_val(m, i));
		else
			cfg_errn(ld->errs, ld->file, key, "unknown key '%s'",
			    name);
		free(name);
	}
	if (cc->name == NULL)
		cfg_errn(ld->errs, ld->file, m, "custom collector without "
		    "'name'");
	if (cc->command == NULL)
		cfg_errn(ld->errs, ld->file, m, "custom collector without "
		    "'command'");
}

/* custom_collectors: a list of mappings, names unique. */
static void
settings_custom(struct cfgload *ld, const struct ynode *v, int inventory_ok)
{
	struct config		*c = ld->conf;
	struct custom_collector	*cc;
	size_t			 i, j;

	if (v == NULL || ynode_is_null(v))
		return;
	if (v->kind != YN_SEQ) {
		cfg_errn(ld->errs, ld->file, v, "'custom_collectors' must be "
		    "a list, not %s", ynode_kind_str(v));
		return;
	}
	c->custom = xcalloc(v->nkids + 1, sizeof *c->custom);
	for (i = 0; i < v->nkids; i++) {
		if (v->kids[i]->kind != YN_MAP) {
			cfg_errn(ld->errs, ld->file, v->kids[i], "a custom "
			    "collector must be a mapping, not %s",
			    ynode_kind_str(v->kids[i]));
			continue;
		}
		cc = &c->custom[c->ncustom++];
		custom_one(ld, cc, v->kids[i], inventory_ok);
		for (j = 0; cc->name != NULL && j + 1 < c->ncustom; j++)
			if (c->custom[j].name != NULL &&
			    strcmp(c->custom[j].name, cc->name) == 0)
				cfg_errn(ld->errs, ld->file, v->kids[i],
				    "custom collector '%s' defined twice",
				    cc->name);
	}
}

/* The keys that name inventory groups, once the inventory is loaded. */
void
settings_groups(struct cfgload *ld, int inventory_ok)
{
	settings_pergroup(ld, ld->gconc, 0, inventory_ok);
	settings_pergroup(ld, ld->gint, 1, inventory_ok);
	settings_custom(ld, ld->custom, inventory_ok);
}
