/* Reading one inventory file: the format chosen as Ansible chooses it
 * (YAML by extension when it parses to a mapping, else INI), and Ansible
 * YAML inventories, read the way Ansible's yaml plugin reads them:
 * top-level keys are groups; in a group `hosts:`, `vars:` and `children:`
 * to any depth (a string stands for a one-key mapping); host keys may
 * hold a port ("web1:2222", "[2001:db8::1]:22") and ranges. What Ansible
 * skips with a warning (unknown keys, a group that is not a mapping,
 * anchor holders like `.base: &b`) is a warning here too; what it rejects
 * is an error with file:line:column. builder.c records what the files
 * say; resolve.c works out groups and precedence, connvars.c the
 * connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

static size_t	inv_group(struct inventory *, const struct ynode *name,
		    const struct ynode *body);

/* A node's position in the file being read. */
static struct iloc
inv_at(const struct inventory *inv, const struct ynode *n)
{
	struct iloc	 l = { inv->file, n->line, n->col };

	return l;
}

/* Mark keys a later duplicate shadows: PyYAML, and so Ansible, keeps the
 * last value and warns. Caller frees. */
static char *
inv_shadowed(struct inventory *inv, const struct ynode *map)
{
	struct strmap	 seen = { 0 };
	const struct ynode *k;
	char		*sh = xcalloc(ymap_len(map) + 1, 1), *p;
	size_t		 i, j;

	for (i = ymap_len(map); i-- > 0; ) {
		k = ymap_key(map, i);
		if (k->kind != YN_SCALAR)
			continue;
		if (!strmap_get(&seen, k->str, &j)) {
			strmap_put(&seen, k->str, i);
			continue;
		}
		sh[i] = 1;
		p = cfg_printable(k->str, 64);
		cfg_errn(inv->warns, inv->file, k, "duplicate key '%s' (the "
		    "one at line %d is used, as Ansible does)", p,
		    ymap_key(map, j)->line);
		free(p);
	}
	strmap_free(&seen);
	return sh;
}

/* Read a vars mapping (a group's vars: or a host's own mapping). */
static void
inv_vars(struct inventory *inv, struct ivars *vs, size_t g,
    const struct ynode *map)
{
	const struct ynode	*k, *v;
	struct iloc		 at;
	size_t			 i;
	char			*sh, *value;
	int			 flags;

	sh = inv_shadowed(inv, map);
	for (i = 0; i < ymap_len(map); i++) {
		k = ymap_key(map, i);
		v = ymap_val(map, i);
		if (sh[i])
			continue;
		if (k->kind != YN_SCALAR || strlen(k->str) != k->len) {
			cfg_errn(inv->errs, inv->file, k, "a variable name "
			    "must be a scalar without NUL bytes");
			continue;
		}
		flags = 0;
		if (v->kind == YN_SCALAR && v->tag != NULL &&
		    strcmp(v->tag, "!vault") == 0) {
			flags |= IVAR_VAULT;
			value = xstrdup("<vault>");
		} else
			value = ynode_to_text(v);
		if (v->kind == YN_SCALAR && (strstr(value, "{{") ||
		    strstr(value, "{%") || strstr(value, "{#")))
			flags |= IVAR_JINJA;
		at = inv_at(inv, v);
		if (inventory_set(inv, vs, g, k->str, value, ynode_to_json(v),
		    flags, &at) == -1)
			break;
	}
	free(sh);
}

/* One key of a hosts: mapping: each name it stands for joins group g with
 * the key's vars, in order. */
static void
inv_host_entry(struct inventory *inv, size_t g, const struct ynode *key,
    const struct ynode *val)
{
	struct iloc	 at = inv_at(inv, key);
	char		**names, *json;
	size_t		 h;
	int		 n, i, port, isnew, stop = 0;

	if (!yscalar_is_string(key) || strlen(key->str) != key->len ||
	    key->len == 0) {
		cfg_errn(inv->errs, inv->file, key, "host pattern '%s' must be "
		    "a string (quote it)", key->kind == YN_SCALAR ? key->str :
		    "?");
		return;
	}
	if (!ynode_is_null(val) && val->kind != YN_MAP) {
		cfg_errn(inv->errs, inv->file, val, "variables of host '%s' "
		    "must be a mapping, not %s", key->str, ynode_kind_str(val));
		return;
	}
	if ((n = inventory_hostkey(inv, key->str, &at, &names, &port)) == -1)
		return;
	for (i = 0; i < n && !stop; i++) {
		isnew = !strmap_get(&inv->hmap, names[i], &h);
		if ((h = inventory_host(inv, names[i], &at)) == NOGROUP)
			break;
		if (port != 0 && isnew) {
			xasprintf(&json, "%d", port);
			stop = inventory_set(inv, &inv->hosts[h].vars, NOGROUP,
			    "ansible_port", xstrdup(json), json, 0, &at);
		}
		inventory_member(inv, g, h);
		if (!stop && !ynode_is_null(val))
			inv_vars(inv, &inv->hosts[h].vars, NOGROUP, val);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* A section value that is a string stands for a one-key mapping (Ansible
 * converts it); returns 1 when sec is usable as a mapping or null. */
static int
inv_section_ok(struct inventory *inv, size_t g, const char *what,
    const struct ynode *sec)
{
	if (ynode_is_null(sec) || sec->kind == YN_MAP ||
	    (sec->kind == YN_SCALAR && yscalar_is_string(sec)))
		return 1;
	cfg_errn(inv->errs, inv->file, sec, "'%s' of group '%s' must be a "
	    "mapping, not %s", what, inv->groups[g].name,
	    ynode_kind_str(sec));
	return 0;
}

/* A group's hosts:, vars: or children: section. */
static void
inv_section(struct inventory *inv, size_t g, const char *what,
    const struct ynode *sec)
{
	struct ynode	 fake = { 0 }, nul = { 0 }, *kids[2];
	struct iloc	 at;
	char		*sh;
	size_t		 i, child;

	if (sec->kind == YN_SCALAR) {
		nul.kind = YN_SCALAR;
		nul.str = "";
		nul.plain = 1;
		nul.line = sec->line;
		nul.col = sec->col;
		kids[0] = (struct ynode *)sec;
		kids[1] = &nul;
		fake.kind = YN_MAP;
		fake.kids = kids;
		fake.nkids = 2;
		sec = &fake;
	}
	if (strcmp(what, "vars") == 0) {
		inv_vars(inv, &inv->groups[g].vars, g, sec);
		return;
	}
	sh = inv_shadowed(inv, sec);
	for (i = 0; i < ymap_len(sec); i++) {
		if (sh[i])
			continue;
		if (strcmp(what, "hosts") == 0) {
			inv_host_entry(inv, g, ymap_key(sec, i),
			    ymap_val(sec, i));
			continue;
		}
		child = inv_group(inv, ymap_key(sec, i), ymap_val(sec, i));
		at = inv_at(inv, ymap_key(sec, i));
		if (child != NOGROUP && child != g)
			inventory_edge(inv, g, child, &at);
		else if (child == g)
			cfg_err(inv->errs, at.file, at.line, at.col, "group "
			    "'%s' is its own child", inv->groups[g].name);
	}
	free(sh);
}

/* The body of a group: hosts, vars and children, each optional; other
 * keys, and sections that are not mappings, are skipped with a warning. */
static void
inv_group_body(struct inventory *inv, size_t g, const struct ynode *body)
{
	const struct ynode	*k, *v;
	const char		*name = inv->groups[g].name;
	size_t			 i;
	char			*sh, *p;

	sh = inv_shadowed(inv, body);
	for (i = 0; i < ymap_len(body); i++) {
		k = ymap_key(body, i);
		v = ymap_val(body, i);
		if (sh[i] || k->kind != YN_SCALAR)
			continue;
		p = cfg_printable(k->str, 64);
		if (strcmp(k->str, "hosts") == 0 ||
		    strcmp(k->str, "vars") == 0 ||
		    strcmp(k->str, "children") == 0) {
			if (inv_section_ok(inv, g, k->str, v) &&
			    !ynode_is_null(v))
				inv_section(inv, g, k->str, v);
		} else if (v->kind != YN_MAP && !ynode_is_null(v))
			cfg_errn(inv->warns, inv->file, k, "key '%s' in group "
			    "'%s' skipped: not a mapping (Ansible skips it "
			    "too)", p, name);
		else if (!ynode_is_null(v))
			cfg_errn(inv->warns, inv->file, k, "unknown key '%s' "
			    "in group '%s' skipped (expected hosts, vars or "
			    "children)", p, name);
		free(p);
	}
	free(sh);
}

/* One group definition; returns its index, or NOGROUP when Ansible would
 * not define it. Recursion follows YAML nesting, which the loader
 * bounds. */
static size_t
inv_group(struct inventory *inv, const struct ynode *name,
    const struct ynode *body)
{
	struct iloc	 loc = inv_at(inv, name);
	size_t		 g;
	char		*p;

	if (!yscalar_is_string(name) || name->len == 0 ||
	    strlen(name->str) != name->len) {
		cfg_errn(inv->errs, inv->file, name, "a group name must be a "
		    "non-empty string (quote it)");
		return NOGROUP;
	}
	if (!ynode_is_null(body) && body->kind != YN_MAP) {
		p = cfg_printable(name->str, 64);
		cfg_errn(inv->warns, inv->file, name, "'%s' skipped: not a "
		    "valid group definition (a mapping of hosts, vars, "
		    "children); Ansible skips it too", p);
		free(p);
		return NOGROUP;
	}
	g = inventory_group(inv, name->str, &loc);
	if (!ynode_is_null(body))
		inv_group_body(inv, g, body);
	return g;
}

/* A YAML inventory document: a mapping of groups. */
static void
inv_yaml(struct inventory *inv, const struct ynode *root)
{
	char	*sh;
	size_t	 i;

	sh = inv_shadowed(inv, root);
	for (i = 0; i < ymap_len(root); i++) {
		if (sh[i])
			continue;
		if (ymap_key(root, i)->kind == YN_SCALAR &&
		    strcmp(ymap_key(root, i)->str, "plugin") == 0) {
			cfg_errn(inv->errs, inv->file, ymap_key(root, i),
			    "an inventory plugin configuration ('plugin:') "
			    "is not supported; list the hosts instead");
			break;
		}
		(void)inv_group(inv, ymap_key(root, i), ymap_val(root, i));
	}
	free(sh);
}

/* Does the name's extension let Ansible's yaml plugin try it? */
static int
inv_yaml_name(const char *path)
{
	const char	*base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	if ((dot = strrchr(base, '.')) == NULL || dot == base)
		return 1;
	return strcmp(dot, ".yml") == 0 || strcmp(dot, ".yaml") == 0 ||
	    strcmp(dot, ".json") == 0;
}

/* Choose the format as Ansible does: YAML (by extension) when it parses
 * to a mapping, else INI. Errors come from the format the file is. */
static void
inv_parse(struct inventory *inv, const char *text, size_t len)
{
	struct cfg_errors	 yerrs = { 0 };
	struct ydoc		*doc = NULL;

	if (inv_yaml_name(inv->file))
		doc = ydoc_parse_text(inv->file, text, len, &yerrs);
	if (doc != NULL && (doc->root == NULL || ynode_is_null(doc->root)))
		;
	else if (doc != NULL && doc->root->kind == YN_MAP)
		inv_yaml(inv, doc->root);
	else if (doc == NULL && yerrs.n > 0 && !ini_looks_like(text, len))
		cfg_errors_move(inv->errs, &yerrs);
	else
		ini_load(inv, text, len);
	ydoc_free(doc);
	cfg_errors_free(&yerrs);
}

/* Read one inventory file into the builder. */
void
inventory_load(struct inventory *inv, const char *path,
    struct cfg_errors *errs, struct cfg_errors *warns)
{
	struct buf	 b = { 0 };

	inv->errs = errs;
	inv->warns = warns;
	if (cfg_read_file(path, &b, errs) == -1) {
		buf_free(&b);
		return;
	}
	inv->files = xreallocarray(inv->files, inv->nfiles + 1,
	    sizeof *inv->files);
	inv->files[inv->nfiles++] = xstrdup(path);
	inv->file = inv->files[inv->nfiles - 1];
	inv->dir = cfg_dirname(path);
	inv_parse(inv, buf_str(&b), b.len);
	free(inv->dir);
	inv->dir = NULL;
	buf_free(&b);
}
