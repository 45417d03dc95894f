/* From what the inventory files say to the config's hosts and groups, as
 * Ansible's reconcile_inventory() and VariableManager do: groups without a
 * parent become children of "all", a host in no group but "all" joins
 * "ungrouped" (and leaves it once in another group), cycles are errors,
 * every host gets all its groups (through children, any depth) and its
 * variables with Ansible's precedence: host > child group > parent group
 * > all, groups of equal depth by ansible_group_priority then name. No
 * recursion: group graphs come from untrusted files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

/* A DFS frame: a group and the next child to look at. */
struct dfs {
	size_t	 g;		/* group index */
	size_t	 next;		/* next index into its kids */
};

/* A group with its sort key, for ordering a host's groups. */
struct granked {
	size_t	 rank;		/* position in the wanted order */
	size_t	 g;		/* group index */
};

/* Per-run scratch of the resolver. */
struct resolver {
	struct inventory	*inv;
	struct cfg_errors	*errs;
	size_t			*order;		/* groups, topological */
	size_t			 norder;
	size_t			*vrank;		/* (depth, name) rank per group */
	size_t			*nrank;		/* output position per group */
	size_t			*pstart;	/* parents of g: pidx[pstart[g]..] */
	size_t			*pidx;
	size_t			*stamp;		/* last host that visited g */
	uint64_t		 varbytes;	/* resolved var text so far */
};

/* Groups that no file lists as a child are children of "all". */
static void
resolve_roots(struct inventory *inv)
{
	struct igroup	*all;
	size_t		 g;

	for (g = 1; g < inv->ngroups; g++) {
		if (inv->groups[g].nparents > 0)
			continue;
		all = &inv->groups[0];
		all->kids = xreallocarray(all->kids, all->nkids + 1,
		    sizeof *all->kids);
		all->kidloc = xreallocarray(all->kidloc, all->nkids + 1,
		    sizeof *all->kidloc);
		all->kids[all->nkids] = g;
		all->kidloc[all->nkids++] = inv->groups[g].loc;
		inv->groups[g].nparents++;
	}
}

/* Report the cycle closed by the edge from the top of the stack to k. */
static void
resolve_cycle(struct resolver *rs, const struct dfs *st, size_t n, size_t k,
    const struct iloc *at)
{
	struct inventory	*inv = rs->inv;
	struct buf		 b = { 0 };
	size_t			 i;

	for (i = 0; i < n && st[i].g != k; i++)
		;
	for (; i < n; i++)
		buf_printf(&b, "%s -> ", inv->groups[st[i].g].name);
	buf_printf(&b, "%s", inv->groups[k].name);
	cfg_err(rs->errs, at->file, at->line, at->col, "group '%s' is its own "
	    "ancestor (cycle: %s)", inv->groups[k].name, buf_str(&b));
	buf_free(&b);
}

/* Depth-first search from one group; finished groups go to rs->order in
 * post-order. Returns the number of cycles found. */
static int
resolve_dfs(struct resolver *rs, struct dfs *st, size_t root)
{
	struct igroup	*grp = rs->inv->groups, *g;
	size_t		 n = 0, k;
	int		 cycles = 0;

	st[n].g = root;
	st[n++].next = 0;
	grp[root].mark = 1;
	while (n > 0) {
		g = &grp[st[n - 1].g];
		if (st[n - 1].next == g->nkids) {
			g->mark = 2;
			rs->order[rs->norder++] = st[--n].g;
			continue;
		}
		k = g->kids[st[n - 1].next++];
		if (grp[k].mark == 1) {
			resolve_cycle(rs, st, n, k,
			    &g->kidloc[st[n - 1].next - 1]);
			cycles++;
		} else if (grp[k].mark == 0) {
			grp[k].mark = 1;
			st[n].g = k;
			st[n++].next = 0;
		}
	}
	return cycles;
}

/* Order groups topologically (parents first) and report every cycle.
 * Returns -1 when there is one. */
static int
resolve_order(struct resolver *rs)
{
	struct inventory	*inv = rs->inv;
	struct dfs		*st;
	size_t			 g, i, tmp;
	int			 cycles = 0;

	st = xcalloc(inv->ngroups, sizeof *st);
	rs->order = xcalloc(inv->ngroups, sizeof *rs->order);
	for (g = 0; g < inv->ngroups; g++)
		if (inv->groups[g].mark == 0)
			cycles += resolve_dfs(rs, st, g);
	free(st);
	for (i = 0; i < rs->norder / 2; i++) {
		tmp = rs->order[i];
		rs->order[i] = rs->order[rs->norder - 1 - i];
		rs->order[rs->norder - 1 - i] = tmp;
	}
	return cycles ? -1 : 0;
}

/* Depth of each group (longest path from "all") and parent lists. */
static void
resolve_depths(struct resolver *rs)
{
	struct inventory	*inv = rs->inv;
	struct igroup		*g;
	size_t			 i, j, k, *fill;

	rs->pstart = xcalloc(inv->ngroups + 1, sizeof *rs->pstart);
	for (i = 0; i < inv->ngroups; i++)
		for (j = 0; j < inv->groups[i].nkids; j++)
			rs->pstart[inv->groups[i].kids[j] + 1]++;
	for (i = 0; i < inv->ngroups; i++)
		rs->pstart[i + 1] += rs->pstart[i];
	rs->pidx = xcalloc(rs->pstart[inv->ngroups] + 1, sizeof *rs->pidx);
	fill = xcalloc(inv->ngroups, sizeof *fill);
	for (i = 0; i < rs->norder; i++) {
		g = &inv->groups[rs->order[i]];
		for (j = 0; j < g->nkids; j++) {
			k = g->kids[j];
			if (inv->groups[k].depth < g->depth + 1)
				inv->groups[k].depth = g->depth + 1;
			rs->pidx[rs->pstart[k] + fill[k]++] = rs->order[i];
		}
	}
	free(fill);
}

/* Groups by (depth, priority, name): the order their vars apply in. */
static int
group_cmp_depth(const void *a, const void *b)
{
	const struct igroup	*ga = *(const struct igroup *const *)a;
	const struct igroup	*gb = *(const struct igroup *const *)b;

	if (ga->depth != gb->depth)
		return ga->depth < gb->depth ? -1 : 1;
	if (ga->priority != gb->priority)
		return ga->priority < gb->priority ? -1 : 1;
	return strcmp(ga->name, gb->name);
}

/* Drop index x from a list, keeping the order. */
static void
idx_del(size_t *v, size_t *n, size_t x)
{
	size_t	 i, j = 0;

	for (i = 0; i < *n; i++)
		if (v[i] != x)
			v[j++] = v[i];
	*n = j;
}

/* Ansible's rule for "ungrouped" (index 1): a host whose only group is
 * "all" (or none) joins it; a host listed there and in another group
 * leaves it. Hosts in order of first sight, as Ansible walks them. */
static void
resolve_ungrouped(struct inventory *inv)
{
	struct ihost	*h;
	size_t		 i, j;
	int		 other, in_ungrouped;

	for (i = 0; i < inv->nhosts; i++) {
		h = &inv->hosts[i];
		other = in_ungrouped = 0;
		for (j = 0; j < h->ngroups; j++) {
			if (h->groups[j] == 1)
				in_ungrouped = 1;
			else if (h->groups[j] != 0)
				other = 1;
		}
		if (in_ungrouped && other) {
			idx_del(h->groups, &h->ngroups, 1);
			idx_del(inv->groups[1].members,
			    &inv->groups[1].nmembers, i);
		} else if (!in_ungrouped && !other)
			inventory_member(inv, 1, i);
	}
}

/* Groups by name, "all" first: the order people see. */
static int
group_cmp_name(const void *a, const void *b)
{
	const struct igroup	*ga = *(const struct igroup *const *)a;
	const struct igroup	*gb = *(const struct igroup *const *)b;

	if (strcmp(ga->name, "all") == 0 || strcmp(gb->name, "all") == 0)
		return strcmp(ga->name, "all") == 0 ? -1 :
		    strcmp(gb->name, "all") == 0;
	return strcmp(ga->name, gb->name);
}

/* Rank every group in one order: rank[g] = position. */
static size_t *
resolve_rank(struct inventory *inv, int (*cmp)(const void *, const void *))
{
	struct igroup	**v;
	size_t		 *rank, i;

	v = xcalloc(inv->ngroups, sizeof *v);
	for (i = 0; i < inv->ngroups; i++)
		v[i] = &inv->groups[i];
	qsort(v, inv->ngroups, sizeof *v, cmp);
	rank = xcalloc(inv->ngroups, sizeof *rank);
	for (i = 0; i < inv->ngroups; i++)
		rank[v[i] - inv->groups] = i;
	free(v);
	return rank;
}

/* Order ranked groups. */
static int
granked_cmp(const void *a, const void *b)
{
	const struct granked	*ra = a, *rb = b;

	return ra->rank < rb->rank ? -1 : ra->rank > rb->rank;
}

/* Every group a host is in, directly or through children: walk up the
 * parent lists from its direct groups. Caller frees. */
static struct granked *
resolve_host_groups(struct resolver *rs, size_t h, size_t *np)
{
	struct ihost	*host = &rs->inv->hosts[h];
	struct granked	*v;
	size_t		 n = 0, cap = 8, i, j, g, p;

	v = xcalloc(cap, sizeof *v);
	for (i = 0; i < host->ngroups; i++) {
		if (rs->stamp[host->groups[i]] == h + 1)
			continue;
		rs->stamp[host->groups[i]] = h + 1;
		v[n++].g = host->groups[i];
		if (n == cap)
			v = xreallocarray(v, cap *= 2, sizeof *v);
	}
	for (i = 0; i < n; i++) {
		g = v[i].g;
		for (j = rs->pstart[g]; j < rs->pstart[g + 1]; j++) {
			p = rs->pidx[j];
			if (rs->stamp[p] == h + 1)
				continue;
			rs->stamp[p] = h + 1;
			v[n++].g = p;
			if (n == cap)
				v = xreallocarray(v, cap *= 2, sizeof *v);
		}
	}
	*np = n;
	return v;
}

/* Resolved variables of one host, borrowed from the builder. */
struct rvars {
	struct strmap	  seen;		/* key -> index in v */
	const struct ivar **v;		/* winning definition per key */
	size_t		  n;		/* used */
};

/* Lay one var list over the resolved set: later definitions win. */
static void
resolve_apply(struct rvars *rv, const struct ivars *vs)
{
	size_t	 i, j;

	for (i = 0; i < vs->n; i++) {
		if (strmap_get(&rv->seen, vs->v[i].key, &j)) {
			rv->v[j] = &vs->v[i];
			continue;
		}
		rv->v = xreallocarray(rv->v, rv->n + 1, sizeof *rv->v);
		rv->v[rv->n] = &vs->v[i];
		strmap_put(&rv->seen, vs->v[i].key, rv->n++);
	}
}

/* Order vars by key. */
static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Fill the host's vars (every key, by name) and its connection. */
static int
resolve_fill(struct resolver *rs, const struct rvars *rv, struct host *out)
{
	const struct ivar	*v;
	size_t			 i;

	out->vars = xcalloc(rv->n + 1, sizeof *out->vars);
	for (i = 0; i < rv->n; i++) {
		v = rv->v[i];
		rs->varbytes += strlen(v->value) + strlen(v->json) + 2;
		out->vars[out->nvars].key = xstrdup(v->key);
		out->vars[out->nvars].json = xstrdup(v->json);
		out->vars[out->nvars++].value = xstrdup(v->value);
	}
	qsort(out->vars, out->nvars, sizeof *out->vars, kv_cmp);
	connvars_apply(rs->inv->conf, rs->inv->sshcfg, out, rv->v, rv->n);
	return rs->varbytes > CFG_MAX_VARBYTES ? -1 : 0;
}

/* Build one output host: its groups ("all" first, then by name) and its
 * variables (groups by depth then name, then the host's own). */
static int
resolve_host(struct resolver *rs, size_t h, struct host *out)
{
	struct inventory	*inv = rs->inv;
	struct ihost		*ih = &inv->hosts[h];
	struct rvars		 rv = { 0 };
	struct granked		*gv;
	size_t			 n, i;
	int			 rc;

	out->name = xstrdup(ih->name);
	out->file = xstrdup(ih->loc.file);
	out->line = ih->loc.line;
	out->col = ih->loc.col;
	out->seq = h;
	gv = resolve_host_groups(rs, h, &n);
	for (i = 0; i < n; i++)
		gv[i].rank = rs->vrank[gv[i].g];
	qsort(gv, n, sizeof *gv, granked_cmp);
	for (i = 0; i < n; i++)
		resolve_apply(&rv, &inv->groups[gv[i].g].vars);
	resolve_apply(&rv, &ih->vars);
	rc = resolve_fill(rs, &rv, out);
	for (i = 0; i < n; i++)
		gv[i].rank = rs->nrank[gv[i].g];
	qsort(gv, n, sizeof *gv, granked_cmp);
	out->groups = xcalloc(n + 1, sizeof *out->groups);
	for (i = 0; i < n; i++) {
		out->groups[i] = xstrdup(inv->groups[gv[i].g].name);
		inv->groups[gv[i].g].nhosts++;
	}
	out->ngroups = n;
	free(gv);
	free(rv.v);
	strmap_free(&rv.seen);
	return rc;
}

/* A host index with its name, for sorting. */
struct hidx {
	const char	*name;		/* borrowed from the builder */
	size_t		 i;		/* index in inv->hosts */
};

/* Order hosts by name. */
static int
host_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hidx *)a)->name,
	    ((const struct hidx *)b)->name);
}

/* The output groups, "all" first then by name, with their children. */
static void
resolve_groups(struct resolver *rs, struct config *conf)
{
	struct inventory	*inv = rs->inv;
	struct igroup		*ig;
	struct group		*g;
	size_t			 i, j;

	conf->groups = xcalloc(inv->ngroups, sizeof *conf->groups);
	conf->ngroups = inv->ngroups;
	for (i = 0; i < inv->ngroups; i++) {
		ig = &inv->groups[i];
		g = &conf->groups[rs->nrank[i]];
		g->name = xstrdup(ig->name);
		g->nhosts = ig->nhosts;
		g->seq = i;
		g->children = xcalloc(ig->nkids + 1, sizeof *g->children);
		for (j = 0; j < ig->nkids; j++)
			g->children[j] = xstrdup(inv->groups[ig->kids[j]].name);
		g->nchildren = ig->nkids;
		g->members = xcalloc(ig->nmembers + 1, sizeof *g->members);
		for (j = 0; j < ig->nmembers; j++)
			g->members[j] = xstrdup(inv->hosts[ig->members[j]].name);
		g->nmembers = ig->nmembers;
	}
}

/* Free the resolver's scratch. */
static void
resolver_free(struct resolver *rs)
{
	free(rs->order);
	free(rs->vrank);
	free(rs->nrank);
	free(rs->pstart);
	free(rs->pidx);
	free(rs->stamp);
}

/* Turn everything the inventory files said into conf's hosts (sorted by
 * name) and groups. Errors (cycles, too much var text) are appended. */
void
inventory_finish(struct inventory *inv, struct config *conf,
    struct cfg_errors *errs)
{
	struct resolver	 rs = { 0 };
	struct hidx	*idx;
	size_t		 i;

	rs.inv = inv;
	rs.errs = errs;
	resolve_roots(inv);
	if (resolve_order(&rs) == -1) {
		resolver_free(&rs);
		return;
	}
	resolve_depths(&rs);
	resolve_ungrouped(inv);
	rs.vrank = resolve_rank(inv, group_cmp_depth);
	rs.nrank = resolve_rank(inv, group_cmp_name);
	rs.stamp = xcalloc(inv->ngroups, sizeof *rs.stamp);
	idx = xcalloc(inv->nhosts + 1, sizeof *idx);
	for (i = 0; i < inv->nhosts; i++) {
		idx[i].name = inv->hosts[i].name;
		idx[i].i = i;
	}
	qsort(idx, inv->nhosts, sizeof *idx, host_cmp);
	conf->hosts = xcalloc(inv->nhosts + 1, sizeof *conf->hosts);
	for (i = 0; i < inv->nhosts; i++) {
		conf->nhosts++;
		if (resolve_host(&rs, idx[i].i, &conf->hosts[i]) == -1) {
			cfg_err(errs, conf->path, 0, 0, "inventory variables "
			    "take more than %llu MiB once given to every host",
			    CFG_MAX_VARBYTES >> 20);
			break;
		}
	}
	free(idx);
	resolve_groups(&rs, conf);
	resolver_free(&rs);
}
