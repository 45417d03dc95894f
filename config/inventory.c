/* Ansible YAML inventories: `all:` (or top-level groups), and in any group
 * `hosts:`, `vars:` and `children:` to any depth. Host names may hold
 * ranges. Every name and address is checked so nothing that could be read
 * as an option or holds shell metacharacters gets through. This file only
 * records what the files say; resolve.c works out groups and precedence. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/internal.h"

#define NOGROUP	((size_t)-1)

static void	inv_group(struct inventory *, const struct ynode *name,
		    const struct ynode *body, size_t parent);
static int	inv_jump_check(struct inventory *, const char *,
		    enum ivar_conn, const struct ynode *);

/* Connection vars under every spelling rollcall honours. */
static const struct {
	const char	*name;		/* as written in the inventory */
	enum ivar_conn	 conn;		/* the field it sets */
} conn_vars[] = {
	{ "ansible_host", CONN_ADDRESS },
	{ "ansible_ssh_host", CONN_ADDRESS },
	{ "address", CONN_ADDRESS },
	{ "ansible_port", CONN_PORT },
	{ "ansible_ssh_port", CONN_PORT },
	{ "port", CONN_PORT },
	{ "ansible_user", CONN_USER },
	{ "ansible_ssh_user", CONN_USER },
	{ "user", CONN_USER },
	{ "ansible_ssh_private_key_file", CONN_IDENTITY },
	{ "identity", CONN_IDENTITY },
	{ "rollcall_proxy_jump", CONN_JUMP },
	{ "ansible_ssh_common_args", CONN_SSH_ARGS },
	{ "ansible_ssh_extra_args", CONN_SSH_EXTRA },
};

/* An empty builder; group "all" always exists, at index 0. */
struct inventory *
inventory_new(const struct config *conf)
{
	struct inventory	*inv;
	struct iloc		 loc = { "(built-in)", 0, 0 };

	inv = xcalloc(1, sizeof *inv);
	inv->conf = conf;
	(void)inventory_group(inv, "all", &loc);
	return inv;
}

/* The group with that name, created on first sight. */
size_t
inventory_group(struct inventory *inv, const char *name,
    const struct iloc *loc)
{
	struct igroup	*g;
	size_t		 i;

	if (strmap_get(&inv->gmap, name, &i))
		return i;
	if (inv->ngroups == inv->capgroups) {
		inv->capgroups = inv->capgroups ? inv->capgroups * 2 : 16;
		inv->groups = xreallocarray(inv->groups, inv->capgroups,
		    sizeof *inv->groups);
	}
	g = &inv->groups[inv->ngroups];
	memset(g, 0, sizeof *g);
	g->name = xstrdup(name);
	g->loc = *loc;
	strmap_put(&inv->gmap, g->name, inv->ngroups);
	return inv->ngroups++;
}

/* The host with that name, created on first sight; NOGROUP past the
 * host limit. */
static size_t
inv_host(struct inventory *inv, const char *name, const struct ynode *at)
{
	struct ihost	*h;
	size_t		 i;

	if (strmap_get(&inv->hmap, name, &i))
		return i;
	if (inv->nhosts >= CFG_MAX_HOSTS) {
		cfg_errn(inv->errs, inv->file, at, "more than %d hosts in the "
		    "inventory", CFG_MAX_HOSTS);
		return NOGROUP;
	}
	if (inv->nhosts == inv->caphosts) {
		inv->caphosts = inv->caphosts ? inv->caphosts * 2 : 64;
		inv->hosts = xreallocarray(inv->hosts, inv->caphosts,
		    sizeof *inv->hosts);
	}
	h = &inv->hosts[inv->nhosts];
	memset(h, 0, sizeof *h);
	h->name = xstrdup(name);
	h->loc.file = inv->file;
	h->loc.line = at->line;
	h->loc.col = at->col;
	strmap_put(&inv->hmap, h->name, inv->nhosts);
	return inv->nhosts++;
}

/* Append to an index list unless already there. */
static int
idx_add(size_t **v, size_t *n, size_t x)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return 0;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = x;
	return 1;
}

/* Record that parent lists child under children:. */
static void
inv_edge(struct inventory *inv, size_t parent, size_t child,
    const struct ynode *at)
{
	struct igroup	*p = &inv->groups[parent];

	if (!idx_add(&p->kids, &p->nkids, child))
		return;
	p->kidloc = xreallocarray(p->kidloc, p->nkids, sizeof *p->kidloc);
	p->kidloc[p->nkids - 1].file = inv->file;
	p->kidloc[p->nkids - 1].line = at->line;
	p->kidloc[p->nkids - 1].col = at->col;
	inv->groups[child].nparents++;
}

/* Append one variable. */
static void
ivars_add(struct ivars *vs, const char *key, char *value, enum ivar_conn c)
{
	vs->v = xreallocarray(vs->v, vs->n + 1, sizeof *vs->v);
	vs->v[vs->n].key = xstrdup(key);
	vs->v[vs->n].value = value;
	vs->v[vs->n].conn = c;
	vs->n++;
}

/* Free a variable list. */
void
ivars_free(struct ivars *vs)
{
	size_t	 i;

	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].key);
		free(vs->v[i].value);
	}
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

/* Check a connection var's value; returns its stored text or NULL after
 * an error. */
static char *
inv_conn_value(struct inventory *inv, const char *key, enum ivar_conn c,
    const struct ynode *v)
{
	char	 why[128], *p, *end;
	long	 port;

	if (v->kind != YN_SCALAR || ynode_is_null(v) ||
	    strlen(v->str) != v->len) {
		cfg_errn(inv->errs, inv->file, v, "'%s' must be a non-empty "
		    "scalar, not %s", key, ynode_kind_str(v));
		return NULL;
	}
	p = cfg_printable(v->str, 64);
	switch (c) {
	case CONN_ADDRESS:
		if (cfg_check_name(v->str, why, sizeof why) == -1) {
			cfg_errn(inv->errs, inv->file, v, "%s '%s' %s", key, p,
			    why);
			break;
		}
		free(p);
		return xstrdup(v->str);
	case CONN_PORT:
		port = strtol(v->str, &end, 10);
		if (!isdigit((unsigned char)v->str[0]) || *end != '\0' ||
		    port < 1 || port > 65535) {
			cfg_errn(inv->errs, inv->file, v, "%s must be a port "
			    "number from 1 to 65535, not '%s'", key, p);
			break;
		}
		free(p);
		return xstrdup(v->str);
	case CONN_USER:
		if (!cfg_check_user(v->str)) {
			cfg_errn(inv->errs, inv->file, v, "%s '%s' is not a "
			    "valid login name", key, p);
			break;
		}
		free(p);
		return xstrdup(v->str);
	case CONN_JUMP:
	case CONN_SSH_ARGS:
	case CONN_SSH_EXTRA:
		if (inv_jump_check(inv, key, c, v) == -1)
			break;
		free(p);
		return xstrdup(v->str);
	default:
		free(p);
		if (strcmp(v->str, "agent") == 0)	/* ssh-agent, no file */
			return xstrdup(v->str);
		return cfg_expand_path(v->str, inv->dir);
	}
	free(p);
	return NULL;
}

/* A bastion given by rollcall_proxy_jump, or by ProxyJump inside ssh
 * arguments, must parse; -1 after an error at the value. */
static int
inv_jump_check(struct inventory *inv, const char *key, enum ivar_conn c,
    const struct ynode *v)
{
	struct jump_hop	*hops;
	size_t		 n;
	char		*spec, err[200], *p;
	int		 rc = 0;

	spec = c == CONN_JUMP ? xstrdup(v->str) : config_ssh_args_jump(v->str);
	if (spec != NULL && config_parse_jump(spec, &hops, &n, err,
	    sizeof err) == -1) {
		p = cfg_printable(spec, 64);
		cfg_errn(inv->errs, inv->file, v, "%s: ProxyJump '%s': %s", key,
		    p, err);
		free(p);
		rc = -1;
	} else if (spec != NULL)
		config_jump_free(hops, n);
	free(spec);
	return rc;
}

/* Which connection field a var name sets, if any. */
static enum ivar_conn
inv_conn(const char *key)
{
	size_t	 i;

	for (i = 0; i < sizeof conn_vars / sizeof conn_vars[0]; i++)
		if (strcmp(conn_vars[i].name, key) == 0)
			return conn_vars[i].conn;
	return CONN_NONE;
}

/* Read a vars mapping (group vars: or a host's own mapping) into vs. */
static void
inv_vars(struct inventory *inv, struct ivars *vs, const struct ynode *map,
    const char *what)
{
	const struct ynode	*k, *v;
	enum ivar_conn		 c;
	size_t			 i;
	char			*value;

	if (ynode_is_null(map))
		return;
	if (map->kind != YN_MAP) {
		cfg_errn(inv->errs, inv->file, map, "%s must be a mapping of "
		    "variables, not %s", what, ynode_kind_str(map));
		return;
	}
	cfg_dup_keys(inv->errs, inv->file, map, "variable");
	for (i = 0; i < ymap_len(map); i++) {
		k = ymap_key(map, i);
		v = ymap_val(map, i);
		if (k->kind != YN_SCALAR || k->len == 0) {
			cfg_errn(inv->errs, inv->file, k, "a variable name "
			    "must be a non-empty scalar");
			continue;
		}
		if ((c = inv_conn(k->str)) != CONN_NONE)
			value = inv_conn_value(inv, k->str, c, v);
		else
			value = ynode_to_text(v);
		if (value != NULL)
			ivars_add(vs, k->str, value, c);
	}
}

/* Copy a variable list onto the end of another, within the bound on
 * variable text (a range times a big value must not exhaust memory).
 * Returns -1 when the bound is hit. */
static int
ivars_append(struct inventory *inv, struct ivars *dst,
    const struct ivars *src, const struct ynode *at)
{
	size_t	 i;

	for (i = 0; i < src->n; i++)
		inv->varbytes += strlen(src->v[i].value) + 1;
	if (inv->varbytes > CFG_MAX_VARBYTES) {
		cfg_errn(inv->errs, inv->file, at, "inventory variables take "
		    "more than %llu MiB", CFG_MAX_VARBYTES >> 20);
		return -1;
	}

	for (i = 0; i < src->n; i++)
		ivars_add(dst, src->v[i].key, xstrdup(src->v[i].value),
		    src->v[i].conn);
	return 0;
}

/* One key of a hosts: mapping: expand its ranges, check each name, and
 * put each host in the group with its vars. seen catches a host written
 * twice in this one mapping. */
static void
inv_host_entry(struct inventory *inv, size_t g, const struct ynode *key,
    const struct ynode *val, struct strmap *seen)
{
	struct ivars	 vs = { 0 };
	char		**names, err[512], why[128], *p;
	size_t		 h, first;
	int		 n, i;

	if ((n = config_expand_range(key->str, &names, err, sizeof err)) ==
	    -1) {
		p = cfg_printable(err, 512);
		cfg_errn(inv->errs, inv->file, key, "%s", p);
		free(p);
		return;
	}
	inv_vars(inv, &vs, val, "host variables");
	for (i = 0; i < n; i++) {
		p = cfg_printable(names[i], 64);
		if (cfg_check_name(names[i], why, sizeof why) == -1)
			cfg_errn(inv->errs, inv->file, key, "host name '%s' %s",
			    p, why);
		else if ((h = inv_host(inv, names[i], key)) == NOGROUP)
			i = n;
		else if (strmap_get(seen, inv->hosts[h].name, &first))
			cfg_errn(inv->errs, inv->file, key, "host '%s' defined "
			    "twice in this mapping (first at line %zu)", p,
			    first);
		else {
			strmap_put(seen, inv->hosts[h].name, (size_t)key->line);
			idx_add(&inv->hosts[h].groups, &inv->hosts[h].ngroups,
			    g);
			if (ivars_append(inv, &inv->hosts[h].vars, &vs, key))
				i = n;
		}
		free(p);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ivars_free(&vs);
}

/* A group's hosts: mapping, host name (or pattern) -> null or vars. */
static void
inv_hosts(struct inventory *inv, size_t g, const struct ynode *map)
{
	struct strmap		 seen = { 0 };
	const struct ynode	*k;
	size_t			 i;

	if (ynode_is_null(map))
		return;
	if (map->kind != YN_MAP) {
		cfg_errn(inv->errs, inv->file, map, "'hosts' of group '%s' "
		    "must be a mapping of host names, not %s",
		    inv->groups[g].name, ynode_kind_str(map));
		return;
	}
	for (i = 0; i < ymap_len(map); i++) {
		k = ymap_key(map, i);
		if (k->kind != YN_SCALAR) {
			cfg_errn(inv->errs, inv->file, k, "a host name must be "
			    "a scalar, not %s", ynode_kind_str(k));
			continue;
		}
		if (strlen(k->str) != k->len) {
			cfg_errn(inv->errs, inv->file, k, "a host name holds "
			    "a NUL byte");
			continue;
		}
		inv_host_entry(inv, g, k, ymap_val(map, i), &seen);
	}
	strmap_free(&seen);
}

/* A group's children: mapping, group name -> group body. */
static void
inv_children(struct inventory *inv, size_t g, const struct ynode *map)
{
	size_t	 i;

	if (ynode_is_null(map))
		return;
	if (map->kind != YN_MAP) {
		cfg_errn(inv->errs, inv->file, map, "'children' of group '%s' "
		    "must be a mapping of group names, not %s",
		    inv->groups[g].name, ynode_kind_str(map));
		return;
	}
	cfg_dup_keys(inv->errs, inv->file, map, "group");
	for (i = 0; i < ymap_len(map); i++)
		inv_group(inv, ymap_key(map, i), ymap_val(map, i), g);
}

/* The body of a group: hosts, vars and children, each optional. */
static void
inv_group_body(struct inventory *inv, size_t g, const struct ynode *body)
{
	const struct ynode	*k, *v;
	size_t			 i;
	char			*what;

	cfg_dup_keys(inv->errs, inv->file, body, "key");
	for (i = 0; i < ymap_len(body); i++) {
		k = ymap_key(body, i);
		v = ymap_val(body, i);
		if (k->kind == YN_SCALAR && strcmp(k->str, "hosts") == 0)
			inv_hosts(inv, g, v);
		else if (k->kind == YN_SCALAR && strcmp(k->str, "children") == 0)
			inv_children(inv, g, v);
		else if (k->kind == YN_SCALAR && strcmp(k->str, "vars") == 0) {
			xasprintf(&what, "'vars' of group '%s'",
			    inv->groups[g].name);
			inv_vars(inv, &inv->groups[g].vars, v, what);
			free(what);
		} else if (k->kind == YN_SCALAR) {
			what = cfg_printable(k->str, 64);
			cfg_errn(inv->errs, inv->file, k, "unknown key '%s' in "
			    "group '%s' (expected hosts, vars or children)",
			    what, inv->groups[g].name);
			free(what);
		} else
			cfg_errn(inv->errs, inv->file, k, "a key must be a "
			    "scalar, not %s", ynode_kind_str(k));
	}
}

/* One group definition, listed under parent (NOGROUP at the top level).
 * Recursion follows YAML nesting, which the loader bounds. */
static void
inv_group(struct inventory *inv, const struct ynode *name,
    const struct ynode *body, size_t parent)
{
	struct iloc	 loc;
	size_t		 g;
	char		 why[128], *p;

	if (name->kind != YN_SCALAR) {
		cfg_errn(inv->errs, inv->file, name, "a group name must be a "
		    "scalar, not %s", ynode_kind_str(name));
		return;
	}
	if (strlen(name->str) != name->len) {
		cfg_errn(inv->errs, inv->file, name, "a group name holds a "
		    "NUL byte");
		return;
	}
	if (cfg_check_name(name->str, why, sizeof why) == -1) {
		p = cfg_printable(name->str, 64);
		cfg_errn(inv->errs, inv->file, name, "group name '%s' %s", p,
		    why);
		free(p);
		return;
	}
	loc.file = inv->file;
	loc.line = name->line;
	loc.col = name->col;
	g = inventory_group(inv, name->str, &loc);
	if (parent != NOGROUP)
		inv_edge(inv, parent, g, name);
	if (ynode_is_null(body))
		return;
	if (body->kind != YN_MAP) {
		cfg_errn(inv->errs, inv->file, body, "group '%s' must be a "
		    "mapping (hosts, vars, children), not %s",
		    inv->groups[g].name, ynode_kind_str(body));
		return;
	}
	inv_group_body(inv, g, body);
}

/* Read one inventory file into the builder. */
void
inventory_load(struct inventory *inv, const char *path,
    struct cfg_errors *errs)
{
	struct ydoc	*doc;
	size_t		 i;

	inv->errs = errs;
	if ((doc = ydoc_load(path, errs)) == NULL)
		return;
	inv->files = xreallocarray(inv->files, inv->nfiles + 1,
	    sizeof *inv->files);
	inv->files[inv->nfiles++] = xstrdup(path);
	inv->file = inv->files[inv->nfiles - 1];
	inv->dir = cfg_dirname(path);
	if (ynode_is_null(doc->root))
		;
	else if (doc->root->kind != YN_MAP)
		cfg_errn(errs, inv->file, doc->root, "an inventory must be a "
		    "mapping of groups (e.g. 'all:'), not %s",
		    ynode_kind_str(doc->root));
	else {
		cfg_dup_keys(errs, inv->file, doc->root, "group");
		for (i = 0; i < ymap_len(doc->root); i++)
			inv_group(inv, ymap_key(doc->root, i),
			    ymap_val(doc->root, i), NOGROUP);
	}
	free(inv->dir);
	inv->dir = NULL;
	ydoc_free(doc);
}

/* Free the builder. */
void
inventory_free(struct inventory *inv)
{
	size_t	 i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->ngroups; i++) {
		free(inv->groups[i].name);
		free(inv->groups[i].kids);
		free(inv->groups[i].kidloc);
		ivars_free(&inv->groups[i].vars);
	}
	free(inv->groups);
	for (i = 0; i < inv->nhosts; i++) {
		free(inv->hosts[i].name);
		free(inv->hosts[i].groups);
		ivars_free(&inv->hosts[i].vars);
	}
	free(inv->hosts);
	strmap_free(&inv->gmap);
	strmap_free(&inv->hmap);
	for (i = 0; i < inv->nfiles; i++)
		free(inv->files[i]);
	free(inv->files);
	free(inv);
}
