/* ssh-agent client (draft-miller-ssh-agent): list the agent's public keys
 * once per sweep, and ask it to sign during authentication over a
 * non-blocking socket the job waits on like any other, so an event loop
 * never sits in a read from the agent. Private keys never leave the agent.
 * libssh2 1.10's own agent code (libssh2_agent_*) opens a blocking socket
 * it does not expose, so it cannot be waited on; hence this. */
#ifndef ROLLCALL_SSHAGENT_H
#define ROLLCALL_SSHAGENT_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_MAX_MSG	(256 * 1024)	/* OpenSSH's bound on a message */

/* One public key the agent holds. */
struct agent_key {
	unsigned char	*blob;		/* SSH wire form of the public key */
	size_t		 len;
	char		*type;		/* "ssh-ed25519", "ecdsa-sha2-nistp256" */
	char		*comment;	/* as ssh-add set it, for messages */
};

/* The keys of one agent, listed at sweep start. */
struct agent_keys {
	struct agent_key *k;		/* in the agent's order */
	size_t		  n;
};

struct agent_conn;	/* one conversation with the agent */

/* List the agent's keys (SSH_AUTH_SOCK when sock is NULL), waiting at
 * most timeout_ms. 0, or -1 with err filled. */
int		 agent_list(const char *sock, int timeout_ms,
		    struct agent_keys *out, char *err, size_t errlen);
void		 agent_keys_free(struct agent_keys *);
/* Parse an SSH_AGENT_IDENTITIES_ANSWER body (type byte first). */
int		 agent_parse_identities(const unsigned char *, size_t,
		    struct agent_keys *);
/* The signature blob libssh2 wants from an SSH_AGENT_SIGN_RESPONSE body
 * (type byte first): the bytes after the algorithm name. *sig points
 * into the message. */
int		 agent_parse_signature(const unsigned char *, size_t,
		    const unsigned char **sig, size_t *siglen);

/* Connect without blocking; NULL with err filled. */
struct agent_conn *agent_open(const char *sock, char *err, size_t errlen);
int		 agent_fd(const struct agent_conn *);
/* What the conversation waits for: SSH_WANT_READ / SSH_WANT_WRITE bits
 * (daemon/sshdefs.h); 0 when no request is in flight. */
int		 agent_wants(const struct agent_conn *);
/* Ask for a signature of data with key, or go on asking: SSH_DONE with
 * *sig / *siglen (malloc'd by alloc, caller frees), SSH_AGAIN (wait as
 * agent_wants says, then call again with the same arguments) or SSH_FAIL
 * with err filled. */
int		 agent_sign(struct agent_conn *, const struct agent_key *,
		    const unsigned char *data, size_t datalen,
		    void *(*alloc)(size_t, void **), unsigned char **sig,
		    size_t *siglen, char *err, size_t errlen);
void		 agent_close(struct agent_conn *);

#endif
