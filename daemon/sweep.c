/* The per-sweep shared state: private keys read once per sweep, and their
 * teardown. Runs on the main loop before any job of the sweep starts. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/knownhosts.h"
#include "daemon/ssh.h"
#include "daemon/sweep.h"

#define SWEEP_KEY_MAX	(64 * 1024)	/* larger "keys" are not keys */
#define SWEEP_AGENT_MS	2000		/* ssh-agent's answer, at most */

/* "agent": list ssh-agent's keys once per sweep (a bounded wait, here and
 * not on a worker's loop); keep the ones libssh2 can sign with. */
static void
sweep_read_agent(struct identity *id)
{
	struct agent_keys	*ks = &id->agent;
	char			 err[256];
	size_t			 i, j;

	if (agent_list(NULL, SWEEP_AGENT_MS, ks, err, sizeof err) == -1) {
		xasprintf(&id->error, "%s", err);
		return;
	}
	for (i = j = 0; i < ks->n; i++) {
		if (strcmp(ks->k[i].type, "ssh-rsa") == 0) {
			log_debug("ssh-agent key %s (RSA) skipped: this libssh2 "
			    "has no rsa-sha2 signatures", ks->k[i].comment);
			free(ks->k[i].blob);
			free(ks->k[i].type);
			free(ks->k[i].comment);
		} else
			ks->k[j++] = ks->k[i];
	}
	ks->n = j;
	if (j == 0)
		xasprintf(&id->error, "ssh-agent holds no ed25519 or ECDSA key "
		    "(RSA keys need rsa-sha2 signatures, which libssh2 1.10 "
		    "lacks)");
}

/* Read and parse one private key file into an identity. */
static void
sweep_read_key(struct identity *id)
{
	struct stat	 st;
	char		*data, err[256];
	ssize_t		 n;
	int		 fd;

	if (strcmp(id->path, "agent") == 0) {
		sweep_read_agent(id);
		return;
	}
	if ((fd = open(id->path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(&id->error, "%s", strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    st.st_size > SWEEP_KEY_MAX) {
		xasprintf(&id->error, "not a private key file (size %lld)",
		    (long long)st.st_size);
		close(fd);
		return;
	}
	data = xmalloc((size_t)st.st_size);
	n = read(fd, data, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size)
		xasprintf(&id->error, "short read");
	else if ((id->key = ssh_key_load(data, (size_t)n, err,
	    sizeof err)) == NULL)
		xasprintf(&id->error, "%s", err);
	explicit_bzero(data, (size_t)st.st_size);
	free(data);
}

/* The identity for a key path (loaded by sweep_load_keys). */
const struct identity *
sweep_identity(const struct sweep *sw, const char *path)
{
	size_t	 i;

	for (i = 0; i < sw->nids; i++)
		if (strcmp(sw->ids[i].path, path) == 0)
			return &sw->ids[i];
	return NULL;
}

/* Read one key (a path, or "agent") unless the sweep has it already. */
static void
sweep_load_key(struct sweep *sw, const char *path)
{
	struct identity	*id;

	if (sweep_identity(sw, path) != NULL)
		return;
	sw->ids = xreallocarray(sw->ids, sw->nids + 1, sizeof *sw->ids);
	id = &sw->ids[sw->nids++];
	memset(id, 0, sizeof *id);
	id->path = xstrdup(path);
	sweep_read_key(id);
	if (id->error != NULL)
		log_warnx("identity %s: %s", id->path, id->error);
}

/* Read every distinct key the sweep's SSH hosts and their bastions use,
 * once (a local host logs in nowhere). */
void
sweep_load_keys(struct sweep *sw, const struct host *const *hosts, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		if (hosts[i]->transport != TRANSPORT_SSH)
			continue;
		sweep_load_key(sw, hosts[i]->identity);
		for (j = 0; j < hosts[i]->njumps; j++)
			sweep_load_key(sw, hosts[i]->jumps[j].identity);
	}
}

/* See sweep.h. */
size_t
sweep_known_hosts_index(const struct sweep *sw, const char *path)
{
	size_t	 i;

	for (i = 1; path != NULL && i < sw->nkhs; i++)
		if (strcmp(sw->khs[i].path, path) == 0)
			return i;
	return 0;
}

/* See sweep.h. */
const struct known_hosts *
sweep_known_hosts(const struct sweep *sw, const char *path)
{
	return sw->khs[sweep_known_hosts_index(sw, path)].kh;
}

/* Read one more known_hosts file unless the sweep has it already. */
static void
sweep_load_kh(struct sweep *sw, const char *path)
{
	struct kh_file	*f;
	char		 err[300];

	if (path == NULL || sweep_known_hosts_index(sw, path) != 0 ||
	    strcmp(sw->khs[0].path, path) == 0)
		return;
	sw->khs = xreallocarray(sw->khs, sw->nkhs + 1, sizeof *sw->khs);
	f = &sw->khs[sw->nkhs++];
	f->path = xstrdup(path);
	if ((f->kh = known_hosts_load(path, err, sizeof err)) == NULL) {
		log_warnx("known_hosts %s (ssh config UserKnownHostsFile): %s; "
		    "the hosts it is for will not be checked against anything "
		    "and fail", path, err);
		f->kh = known_hosts_parse("", 0);
	}
}

/* See sweep.h. */
int
sweep_load_known_hosts(struct sweep *sw, const struct config *conf,
    const struct host *const *hosts, size_t n, char *err, size_t errlen)
{
	struct known_hosts	*kh;
	size_t			 i, j;

	if ((kh = known_hosts_load(conf->ssh.known_hosts, err, errlen)) ==
	    NULL)
		return -1;
	sw->khs = xcalloc(1, sizeof *sw->khs);
	sw->khs[0].path = xstrdup(conf->ssh.known_hosts);
	sw->khs[0].kh = kh;
	sw->nkhs = 1;
	for (i = 0; i < n; i++) {
		sweep_load_kh(sw, hosts[i]->known_hosts);
		for (j = 0; j < hosts[i]->njumps; j++)
			sweep_load_kh(sw, hosts[i]->jumps[j].known_hosts);
	}
	return 0;
}

/* Free what the sweep loaded; idempotent. */
void
sweep_release(struct sweep *sw)
{
	size_t	 i;

	for (i = 0; i < sw->nids; i++) {
		free(sw->ids[i].path);
		ssh_key_free(sw->ids[i].key);
		agent_keys_free(&sw->ids[i].agent);
		free(sw->ids[i].error);
	}
	free(sw->ids);
	sw->ids = NULL;
	sw->nids = 0;
	for (i = 0; i < sw->nkhs; i++) {
		free(sw->khs[i].path);
		known_hosts_free(sw->khs[i].kh);
	}
	free(sw->khs);
	sw->khs = NULL;
	sw->nkhs = 0;
}
