/* The inventory builder every format shares (inventory.c for YAML, ini.c
 * for INI): groups, hosts, memberships, child edges and variables as the
 * files give them, by index, in order of first sight, as Ansible's
 * InventoryData records them. No parsing here and no precedence
 * (resolve.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/internal.h"

/* An empty builder: "all" at 0 and "ungrouped" at 1, its first child, as
 * Ansible's InventoryData starts. */
struct inventory *
inventory_new(const struct config *conf)
{
	struct inventory	*inv;
	struct iloc		 loc = { "(built-in)", 0, 0 };

	inv = xcalloc(1, sizeof *inv);
	inv->conf = conf;
	(void)inventory_group(inv, "all", &loc);
	(void)inventory_group(inv, "ungrouped", &loc);
	inventory_edge(inv, 0, 1, &loc);
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
	g->priority = 1;
	strmap_put(&inv->gmap, g->name, inv->ngroups);
	return inv->ngroups++;
}

/* The host with that name, created on first sight (with the port of its
 * key as ansible_port, as Ansible's Host() does); NOGROUP past the host
 * limit. */
size_t
inventory_host(struct inventory *inv, const char *name,
    const struct iloc *loc)
{
	struct ihost	*h;
	size_t		 i;

	if (strmap_get(&inv->hmap, name, &i))
		return i;
	if (inv->nhosts >= CFG_MAX_HOSTS) {
		cfg_err(inv->errs, loc->file, loc->line, loc->col, "more than "
		    "%d hosts in the inventory", CFG_MAX_HOSTS);
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
	h->loc = *loc;
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

/* Put host h in group g (both lists keep the order of first listing). */
void
inventory_member(struct inventory *inv, size_t g, size_t h)
{
	idx_add(&inv->hosts[h].groups, &inv->hosts[h].ngroups, g);
	idx_add(&inv->groups[g].members, &inv->groups[g].nmembers, h);
}

/* Record that parent lists child among its children. */
void
inventory_edge(struct inventory *inv, size_t parent, size_t child,
    const struct iloc *at)
{
	struct igroup	*p = &inv->groups[parent];

	if (!idx_add(&p->kids, &p->nkids, child))
		return;
	p->kidloc = xreallocarray(p->kidloc, p->nkids, sizeof *p->kidloc);
	p->kidloc[p->nkids - 1] = *at;
	inv->groups[child].nparents++;
}

/* Free a variable list. */
void
ivars_free(struct ivars *vs)
{
	size_t	 i;

	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].key);
		free(vs->v[i].value);
		free(vs->v[i].json);
	}
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

/* ansible_group_priority: an integer, as Python's int() reads the value;
 * not a var (Ansible keeps it out of hostvars). */
static int
inv_priority(struct inventory *inv, size_t g, const char *value,
    const struct iloc *at)
{
	char	*end;
	long	 v;

	v = strtol(value, &end, 10);
	if (end == value || (*end != '\0' && *end != '.')) {
		cfg_err(inv->errs, at->file, at->line, at->col,
		    "ansible_group_priority must be an integer, not '%s'",
		    value);
		return -1;
	}
	inv->groups[g].priority = (int)v;
	return 0;
}

/* Set one variable of a host or group (g names the group, else NOGROUP):
 * takes value and json. Returns -1 when the bound on variable text is
 * hit (a range times a big value must not exhaust memory). */
int
inventory_set(struct inventory *inv, struct ivars *vs, size_t g,
    const char *key, char *value, char *json, int flags,
    const struct iloc *at)
{
	struct ivar	*v;

	connvars_warn_plain(inv, key, at);
	if (g != NOGROUP && strcmp(key, "ansible_group_priority") == 0) {
		inv_priority(inv, g, value, at);
		free(value);
		free(json);
		return 0;
	}
	inv->varbytes += strlen(value) + strlen(json) + strlen(key) + 3;
	if (inv->varbytes > CFG_MAX_VARBYTES) {
		cfg_err(inv->errs, at->file, at->line, at->col, "inventory "
		    "variables take more than %llu MiB",
		    CFG_MAX_VARBYTES >> 20);
		free(value);
		free(json);
		return -1;
	}
	vs->v = xreallocarray(vs->v, vs->n + 1, sizeof *vs->v);
	v = &vs->v[vs->n++];
	v->key = xstrdup(key);
	v->value = value;
	v->json = json;
	v->flags = flags;
	v->loc = *at;
	return 0;
}

/* Split the port off a host key and expand its ranges. Returns the count
 * of names (caller frees them), or -1 after an error at loc. */
int
inventory_hostkey(struct inventory *inv, const char *key,
    const struct iloc *loc, char ***names, int *port)
{
	char	*pattern, err[512], *p;
	int	 n;

	pattern = cfg_split_hostport(key, port);
	n = config_expand_range(pattern, names, err, sizeof err);
	free(pattern);
	if (n == -1) {
		p = cfg_printable(err, 512);
		cfg_err(inv->errs, loc->file, loc->line, loc->col, "%s", p);
		free(p);
	} else if (*port > 65535) {
		cfg_err(inv->errs, loc->file, loc->line, loc->col, "port of "
		    "host '%s' is over 65535", key);
		for (; n > 0; n--)
			free((*names)[n - 1]);
		free(*names);
		n = -1;
	}
	return n;
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
		free(inv->groups[i].members);
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
