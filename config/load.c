/* Loading the configuration: rollcall.yml, then every inventory file it
 * names, validated whole. Errors are collected, never fatal, so one run
 * shows every problem with its file:line:column. Nothing is executed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/internal.h"
#include "config/sshconfig.h"
#include "config/cluster.h"

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

/* Read inventory files, in order, into the config's hosts and groups. */
static void
config_inventories(struct config *conf, char *const *files, size_t n,
    struct cfg_errors *errs)
{
	struct inventory	*inv;
	size_t			 i;

	inv = inventory_new(conf);
	if (conf->ssh.config_file != NULL)
		inv->sshcfg = sshcfg_load(conf->ssh.config_file, errs);
	for (i = 0; i < n; i++)
		inventory_load(inv, files[i], errs, conf->warnings);
	inventory_finish(inv, conf, errs);
	sshcfg_free(inv->sshcfg);
	inventory_free(inv);
}

/* Only inventories (`rollcall inventory -i`): no rollcall.yml, every
 * setting at its default. Returns NULL with errs filled when anything is
 * wrong. Caller frees both. */
struct config *
config_load_inventory(char *const *paths, size_t n, struct cfg_errors *errs)
{
	struct config	*c;

	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(n > 0 ? paths[0] : "(no inventory)");
	c->warnings = xcalloc(1, sizeof *c->warnings);
	settings_defaults(c);
	config_inventories(c, paths, n, errs);
	if (errs->n > 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

/* Load and validate the whole config and every inventory file. Returns
 * NULL with errs filled when anything is wrong. Caller frees both. */
struct config *
config_load(const char *path, struct cfg_errors *errs)
{
	struct cfgload	 ld = { 0 };
	struct ydoc	*doc;
	size_t		 i, before;

	ld.conf = xcalloc(1, sizeof *ld.conf);
	ld.conf->path = xstrdup(path);
	ld.conf->warnings = xcalloc(1, sizeof *ld.conf->warnings);
	ld.errs = errs;
	ld.file = path;
	ld.dir = cfg_dirname(path);
	settings_defaults(ld.conf);
	if ((doc = ydoc_load(path, errs)) != NULL) {
		settings_walk(&ld, doc->root);
		config_control_default(ld.conf);
		before = errs->n;
		config_inventories(ld.conf, ld.files, ld.nfiles, errs);
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
	free(h->known_hosts);
	config_jump_free(h->jumps, h->njumps);
	free(h->connection);
	free(h->segment);
	free(h->error);
	strv_free(h->groups, h->ngroups);
	for (i = 0; i < h->nvars; i++) {
		free(h->vars[i].key);
		free(h->vars[i].value);
		free(h->vars[i].json);
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
	free(c->ssh.identity_at);
	free(c->ssh.known_hosts_at);
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
		strv_free(c->groups[i].members, c->groups[i].nmembers);
	}
	free(c->groups);
	cfg_errors_free(c->warnings);
	free(c->warnings);
	free(c);
}

