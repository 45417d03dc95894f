/* Loading the configuration: rollcall.yml, then every inventory file it
 * names, validated whole. Errors are collected, never fatal, so one run
 * shows every problem with its file:line:column. Nothing is executed. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/internal.h"
#include "config/sshconfig.h"
#include "config/cluster.h"

/* Append one message; past the limit, one last line says so. */
static void
cfg_verr(struct cfg_errors *errs, const char *file, int line, int col,
    const char *fmt, va_list ap)
{
	char	*msg, *full;

	if (errs->n > CFG_MAX_ERRORS)
		return;
	if (errs->n == CFG_MAX_ERRORS) {
		msg = xstrdup("too many errors; stopped reporting");
		line = 0;
	} else if (vasprintf(&msg, fmt, ap) == -1)
		msg = xstrdup("out of memory formatting an error");
	if (line > 0)
		xasprintf(&full, "%s:%d:%d: %s", file, line, col, msg);
	else
		xasprintf(&full, "%s: %s", file, msg);
	free(msg);
	errs->msgs = xreallocarray(errs->msgs, errs->n + 1,
	    sizeof *errs->msgs);
	errs->msgs[errs->n++] = full;
}

/* An error at a position; line 0 means the file as a whole. */
void
cfg_err(struct cfg_errors *errs, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cfg_verr(errs, file, line, col, fmt, ap);
	va_end(ap);
}

/* An error at a node's position. */
void
cfg_errn(struct cfg_errors *errs, const char *file, const struct ynode *n,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cfg_verr(errs, file, n ? n->line : 0, n ? n->col : 0, fmt, ap);
	va_end(ap);
}

/* Free the error list. */
void
cfg_errors_free(struct cfg_errors *errs)
{
	size_t	 i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* Report every scalar key that appears twice in one mapping (YAML says
 * keys are unique; PyYAML silently keeps the last, which hides typos).
 * Returns how many duplicates were found. */
int
cfg_dup_keys(struct cfg_errors *errs, const char *file,
    const struct ynode *map, const char *what)
{
	struct strmap		 seen = { 0 };
	const struct ynode	*k, *first;
	size_t			 i, j;
	int			 ndup = 0;
	char			*p;

	for (i = 0; i < ymap_len(map); i++) {
		k = ymap_key(map, i);
		if (k->kind != YN_SCALAR)
			continue;
		if (!strmap_get(&seen, k->str, &j)) {
			strmap_put(&seen, k->str, i);
			continue;
		}
		first = ymap_key(map, j);
		p = cfg_printable(k->str, 64);
		cfg_errn(errs, file, k, "duplicate %s '%s' (first at line "
		    "%d, column %d)", what, p, first->line, first->col);
		free(p);
		ndup++;
	}
	strmap_free(&seen);
	return ndup;
}

/* The directory part of a path ("." when there is none). Caller frees. */
char *
cfg_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Default control socket: "control.sock" beside the database. */
static void
config_control_default(struct config *c)
{
	char	*dir;

	if (c->control_socket != NULL)
		return;
	dir = cfg_dirname(c->database);
	xasprintf(&c->control_socket, "%s/control.sock", dir);
	free(dir);
}

/* Load and validate the whole config and every inventory file. Returns
 * NULL with errs filled when anything is wrong. Caller frees both. */
struct config *
config_load(const char *path, struct cfg_errors *errs)
{
	struct cfgload	 ld = { 0 };
	struct inventory *inv;
	struct ydoc	*doc;
	size_t		 i, before;

	ld.conf = xcalloc(1, sizeof *ld.conf);
	ld.conf->path = xstrdup(path);
	ld.errs = errs;
	ld.file = path;
	ld.dir = cfg_dirname(path);
	settings_defaults(ld.conf);
	if ((doc = ydoc_load(path, errs)) != NULL) {
		settings_walk(&ld, doc->root);
		config_control_default(ld.conf);
		before = errs->n;
		inv = inventory_new(ld.conf);
		if (ld.conf->ssh.config_file != NULL)
			inv->sshcfg = sshcfg_load(ld.conf->ssh.config_file,
			    errs);
		for (i = 0; i < ld.nfiles; i++)
			inventory_load(inv, ld.files[i], errs);
		inventory_finish(inv, ld.conf, errs);
		sshcfg_free(inv->sshcfg);
		inventory_free(inv);
		settings_groups(&ld, errs->n == before);
	}
	ydoc_free(doc);
	for (i = 0; i < ld.nfiles; i++)
		free(ld.files[i]);
	free(ld.files);
	free(ld.dir);
	if (errs->n > 0) {
		config_free(ld.conf);
		return NULL;
	}
	return ld.conf;
}

/* Free a NULL-terminated or counted array of strings. */
static void
strv_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Free one host. */
static void
host_free(struct host *h)
{
	size_t	 i;

	free(h->name);
	free(h->address);
	free(h->user);
	free(h->identity);
	config_jump_free(h->jumps, h->njumps);
	strv_free(h->groups, h->ngroups);
	for (i = 0; i < h->nvars; i++) {
		free(h->vars[i].key);
		free(h->vars[i].value);
	}
	free(h->vars);
	free(h->file);
}

/* Free a config and everything in it. */
void
config_free(struct config *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->database);
	strv_free(c->inventory, c->ninventory);
	free(c->ssh.user);
	free(c->ssh.identity);
	free(c->ssh.known_hosts);
	free(c->ssh.config_file);
	free(c->resolv_conf);
	cluster_config_free(c->cluster);
	free(c->channel_mode);
	strv_free(c->collectors, c->ncollectors);
	for (i = 0; i < c->ncustom; i++) {
		free(c->custom[i].name);
		free(c->custom[i].command);
		strv_free(c->custom[i].groups, c->custom[i].ngroups);
	}
	free(c->custom);
	free(c->metrics_listen);
	free(c->control_socket);
	for (i = 0; i < c->nhosts; i++)
		host_free(&c->hosts[i]);
	free(c->hosts);
	for (i = 0; i < c->ngroups; i++) {
		free(c->groups[i].name);
		strv_free(c->groups[i].children, c->groups[i].nchildren);
	}
	free(c->groups);
	free(c);
}

/* Is the host in that group (directly or through a child group)? */
int
host_in_group(const struct host *h, const char *group)
{
	size_t	 i;

	for (i = 0; i < h->ngroups; i++)
		if (strcmp(h->groups[i], group) == 0)
			return 1;
	return 0;
}

/* Does one glob match the host's name, address or one of its groups? */
static int
host_matches_glob(const struct host *h, const char *glob)
{
	size_t	 i;

	if (fnmatch(glob, h->name, 0) == 0 ||
	    (h->address != NULL && fnmatch(glob, h->address, 0) == 0))
		return 1;
	for (i = 0; i < h->ngroups; i++)
		if (fnmatch(glob, h->groups[i], 0) == 0)
			return 1;
	return 0;
}

/* --limit: comma-separated globs, "!glob" excludes. A host matches when
 * it matches a positive glob (or there are only negative ones) and no
 * negative one. An empty limit matches every host. */
int
host_matches_limit(const struct host *h, const char *limit)
{
	char	*copy, *tok, *save, *end;
	int	 pos = 0, hit = 0, excluded = 0;

	if (limit == NULL)
		return 1;
	copy = xstrdup(limit);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok == '!') {
			if (tok[1] != '\0' && host_matches_glob(h, tok + 1))
				excluded = 1;
		} else if (*tok != '\0') {
			pos = 1;
			if (host_matches_glob(h, tok))
				hit = 1;
		}
	}
	free(copy);
	return !excluded && (hit || !pos);
}

/* Order groups by name, for bsearch. */
static int
group_cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct group *)elem)->name);
}

/* A group by name: "all" is first, the rest sorted by name. */
const struct group *
config_find_group(const struct config *c, const char *name)
{
	if (c->ngroups == 0)
		return NULL;
	if (strcmp(c->groups[0].name, name) == 0)
		return &c->groups[0];
	return bsearch(name, c->groups + 1, c->ngroups - 1,
	    sizeof *c->groups, group_cmp_name);
}
