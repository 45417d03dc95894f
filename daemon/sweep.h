/* What every job of one sweep shares, read-only while jobs run: the config,
 * the writer, the parsed known_hosts and the private keys, each read and
 * parsed once per sweep (not once per host). The dispatcher (engine.c)
 * fills it when a sweep starts and frees it when the sweep ends. */
#ifndef ROLLCALL_SWEEP_H
#define ROLLCALL_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "daemon/sshagent.h"

struct known_hosts;
struct ssh_key;
struct writer;

/* A private key read and parsed once per sweep, or ssh-agent's keys. */
struct identity {
	char		*path;	/* as configured; "agent" for ssh-agent */
	struct ssh_key	*key;	/* parsed key, NULL if unusable or agent */
	struct agent_keys agent; /* "agent": public keys it holds */
	char		*error;	/* why it is unusable */
};

/* A known_hosts file read and parsed once per sweep. */
struct kh_file {
	char			*path;	/* as resolved */
	struct known_hosts	*kh;	/* parsed; empty if unreadable */
};

/* What every job of one sweep shares; read-only while jobs run. */
struct sweep {
	int64_t			 id;		/* database sweep id */
	const struct config	*conf;		/* outlives the sweep */
	struct writer		*writer;	/* results go here */
	struct kh_file		*khs;		/* [0] ssh.known_hosts, then
						   ssh_config's per host */
	size_t			 nkhs;		/* entries in khs */
	struct identity		*ids;		/* keys by path */
	size_t			 nids;		/* entries in ids */
	char			 nonce[17];	/* combined-script markers */
	int			 combined;	/* one channel for all parts */
	uint32_t		 window;	/* channel window bytes */
};

/* The identity loaded for a key path, or NULL. */
const struct identity *sweep_identity(const struct sweep *, const char *);
/* Read every distinct key the hosts use into sw->ids (errors are kept
 * per identity and logged, so a bad key fails its hosts only). */
void	 sweep_load_keys(struct sweep *, const struct host *const *, size_t);
/* Read ssh.known_hosts (a read error fails the sweep: -1, err filled)
 * and every other file the hosts and their bastions name (ssh_config's
 * UserKnownHostsFile; a read error there is logged and leaves that file
 * empty, so its hosts fail their host-key check, not the sweep). */
int	 sweep_load_known_hosts(struct sweep *, const struct config *,
	    const struct host *const *, size_t, char *err, size_t errlen);
/* Index in sw->khs of a host's known_hosts path (NULL: ssh.known_hosts). */
size_t	 sweep_known_hosts_index(const struct sweep *, const char *path);
/* The parsed file for a host's known_hosts path (NULL: ssh.known_hosts). */
const struct known_hosts *sweep_known_hosts(const struct sweep *,
	    const char *path);
/* Free the keys (wiped) and the known_hosts; sw itself is the caller's. */
void	 sweep_release(struct sweep *);

#endif
