/* check-config's look at the files a config names: the private keys
 * (ssh.identity and the ansible_private_key_file of every host) and
 * known_hosts must exist and be readable by the user running the check,
 * each problem named with the config line (or host) that names the file.
 * Nothing is opened for writing, nothing contacted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "config/internal.h"

/* One file: readable, or a message at where. */
static void
check_readable(struct cfg_errors *out, const char *where, const char *what,
    const char *path)
{
	if (access(path, R_OK) == 0)
		return;
	cfg_err(out, where, 0, 0, "%s '%s': %s", what, path, strerror(errno));
}

/* known_hosts: under accept-new a missing file is created on the first
 * new key, so only an unreadable existing one (or no directory) is a
 * problem there. */
static void
check_known_hosts(const struct config *c, struct cfg_errors *out,
    const char *where)
{
	char	*dir;

	if (c->ssh.host_key_checking == HOSTKEY_STRICT ||
	    access(c->ssh.known_hosts, F_OK) == 0) {
		check_readable(out, where, "ssh.known_hosts",
		    c->ssh.known_hosts);
		return;
	}
	dir = cfg_dirname(c->ssh.known_hosts);
	if (access(dir, W_OK | X_OK) == -1)
		cfg_err(out, where, 0, 0, "ssh.known_hosts '%s' does not exist "
		    "and its directory '%s' is not writable: %s",
		    c->ssh.known_hosts, dir, strerror(errno));
	free(dir);
}

/* Check every file the config names (see config.h). */
void
config_check_files(const struct config *c, struct cfg_errors *out)
{
	struct strmap		 seen = { 0 };
	const struct host	*h;
	char			*where, *dflt;
	size_t			 i, unused;

	xasprintf(&dflt, "%s (default)", c->path);
	if (strcmp(c->ssh.identity, "agent") != 0)	/* ssh-agent: no file */
		check_readable(out, c->ssh.identity_at ? c->ssh.identity_at :
		    dflt, "ssh.identity", c->ssh.identity);
	check_known_hosts(c, out, c->ssh.known_hosts_at ?
	    c->ssh.known_hosts_at : dflt);
	free(dflt);
	for (i = 0; i < c->nhosts; i++) {
		h = &c->hosts[i];
		if (h->error != NULL || h->transport != TRANSPORT_SSH ||
		    strcmp(h->identity, c->ssh.identity) == 0 ||
		    strcmp(h->identity, "agent") == 0 ||
		    strmap_get(&seen, h->identity, &unused) ||
		    access(h->identity, R_OK) == 0)
			continue;
		strmap_put(&seen, h->identity, i);
		xasprintf(&where, "%s:%d:%d", h->file, h->line, h->col);
		cfg_err(out, where, 0, 0, "host '%s' (and any other with this "
		    "key): identity '%s': %s", h->name, h->identity,
		    strerror(errno));
		free(where);
	}
	strmap_free(&seen);
}
