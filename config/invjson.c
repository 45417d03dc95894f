/* The inventory as ansible-inventory shows it: --list (groups with their
 * direct hosts and children, empty groups left out, "_meta.hostvars" with
 * each host's merged variables), --host (one host's variables) and --graph
 * (the group tree). Same shape and order as Ansible's, so the two can be
 * compared with `jq -S`. No recursion: group graphs come from files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

/* One key of a JSON object with its value already written. */
struct jentry {
	const char	*key;		/* borrowed */
	char		*val;		/* JSON text (owned) */
};

/* Order entries by key, as json.dumps(sort_keys=True). */
static int
jentry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct jentry *)a)->key,
	    ((const struct jentry *)b)->key);
}

/* Write entries as one object, sorted, indented like Ansible's output. */
static void
jobject(FILE *fp, struct jentry *e, size_t n, int indent)
{
	struct buf	 k = { 0 };
	size_t		 i;

	qsort(e, n, sizeof *e, jentry_cmp);
	fprintf(fp, "{");
	for (i = 0; i < n; i++) {
		cfg_json_string(&k, e[i].key, strlen(e[i].key));
		fprintf(fp, "%s\n%*s%s: %s", i ? "," : "", indent + 4, "",
		    buf_str(&k), e[i].val);
		buf_free(&k);
		free(e[i].val);
	}
	fprintf(fp, "%s}", n ? "\n" : "");
}

/* A host's variables as one JSON object text. */
static char *
host_vars_json(const struct host *h)
{
	struct buf	 b = { 0 };
	size_t		 i;

	buf_append(&b, "{", 1);
	for (i = 0; i < h->nvars; i++) {
		if (i)
			buf_append(&b, ", ", 2);
		cfg_json_string(&b, h->vars[i].key, strlen(h->vars[i].key));
		buf_printf(&b, ": %s", h->vars[i].json);
	}
	buf_append(&b, "}", 1);
	return buf_steal(&b);
}

/* A JSON list of names. */
static void
json_names(struct buf *b, char *const *v, size_t n)
{
	size_t	 i;

	buf_append(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i)
			buf_append(b, ", ", 2);
		cfg_json_string(b, v[i], strlen(v[i]));
	}
	buf_append(b, "]", 1);
}

/* One group's entry: hosts (not for "all") and children, when any. */
static char *
group_json(const struct group *g, int is_all)
{
	struct buf	 b = { 0 };

	if (g->nchildren == 0 && (is_all || g->nmembers == 0))
		return NULL;
	buf_append(&b, "{", 1);
	if (g->nchildren > 0) {
		buf_printf(&b, "\"children\": ");
		json_names(&b, g->children, g->nchildren);
	}
	if (!is_all && g->nmembers > 0) {
		buf_printf(&b, "%s\"hosts\": ", g->nchildren ? ", " : "");
		json_names(&b, g->members, g->nmembers);
	}
	buf_append(&b, "}", 1);
	return buf_steal(&b);
}

/* Hostvars of every host that has any, as an object text. */
static char *
meta_json(const struct config *c)
{
	struct buf	 b = { 0 };
	size_t		 i, n = 0;

	buf_append(&b, "{\"hostvars\": {", 14);
	for (i = 0; i < c->nhosts; i++) {
		char *v;

		if (c->hosts[i].nvars == 0)
			continue;
		v = host_vars_json(&c->hosts[i]);
		buf_printf(&b, "%s", n++ ? ", " : "");
		cfg_json_string(&b, c->hosts[i].name, strlen(c->hosts[i].name));
		buf_printf(&b, ": %s", v);
		free(v);
	}
	buf_append(&b, "}}", 2);
	return buf_steal(&b);
}

/* ansible-inventory --list: every group reachable from "all". */
void
config_inventory_list(const struct config *c, FILE *fp)
{
	struct jentry	*e;
	size_t		 i, n = 0;
	char		*v;

	e = xcalloc(c->ngroups + 1, sizeof *e);
	for (i = 0; i < c->ngroups; i++)
		if ((v = group_json(&c->groups[i], i == 0)) != NULL) {
			e[n].key = c->groups[i].name;
			e[n++].val = v;
		}
	e[n].key = "_meta";
	e[n++].val = meta_json(c);
	jobject(fp, e, n, 0);
	fprintf(fp, "\n");
	free(e);
}

/* Order hosts by name, for bsearch. */
static int
host_cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct host *)elem)->name);
}

/* A host by name, or NULL. */
const struct host *
config_find_host(const struct config *c, const char *name)
{
	return bsearch(name, c->hosts, c->nhosts, sizeof *c->hosts,
	    host_cmp_name);
}

/* ansible-inventory --host NAME. Returns -1 when there is no such host. */
int
config_inventory_host(const struct config *c, const char *name, FILE *fp)
{
	const struct host	*h = config_find_host(c, name);
	struct jentry		*e;
	size_t			 i;

	if (h == NULL)
		return -1;
	e = xcalloc(h->nvars + 1, sizeof *e);
	for (i = 0; i < h->nvars; i++) {
		e[i].key = h->vars[i].key;
		e[i].val = xstrdup(h->vars[i].json);
	}
	jobject(fp, e, h->nvars, 0);
	fprintf(fp, "\n");
	free(e);
	return 0;
}

/* One frame of the graph walk: a group and the next child to show. */
struct gframe {
	const struct group	*g;	/* the group */
	size_t			 next;	/* next child index */
};

/* Print "  |" depth times, then "--" and the name: "@group:" for a
 * group, the bare name for a host (Ansible's format). */
static void
graph_line(FILE *fp, size_t depth, const char *name, int is_group)
{
	size_t	 i;

	for (i = 0; i < depth; i++)
		fputs("  |", fp);
	fprintf(fp, "%s%s%s%s\n", depth ? "--" : "", is_group ? "@" : "",
	    name, is_group ? ":" : "");
}

/* ansible-inventory --graph [GROUP]: children first, then hosts. Returns
 * -1 when there is no such group. */
int
config_inventory_graph(const struct config *c, const char *group, FILE *fp)
{
	struct gframe		*st;
	const struct group	*g, *k;
	size_t			 n = 0, i;

	if ((g = config_find_group(c, group ? group : "all")) == NULL)
		return -1;
	st = xcalloc(c->ngroups + 1, sizeof *st);
	st[n].g = g;
	st[n++].next = 0;
	graph_line(fp, 0, g->name, 1);
	while (n > 0) {
		g = st[n - 1].g;
		if (st[n - 1].next < g->nchildren) {
			k = config_find_group(c, g->children[st[n - 1].next++]);
			if (k == NULL || n > c->ngroups)
				continue;
			graph_line(fp, n, k->name, 1);
			st[n].g = k;
			st[n++].next = 0;
			continue;
		}
		if (strcmp(g->name, "all") != 0)
			for (i = 0; i < g->nmembers; i++)
				graph_line(fp, n, g->members[i], 0);
		n--;
	}
	free(st);
	return 0;
}
