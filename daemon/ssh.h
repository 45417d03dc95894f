/* The only user of libssh2. A thin non-blocking layer: every call returns
 * SSH_DONE, SSH_AGAIN (retry the same call with the same arguments once the
 * socket is ready for what ssh_wants() says) or SSH_FAIL (ssh_error() says
 * why). One session has at most one channel open at a time. */
#ifndef ROLLCALL_SSH_H
#define ROLLCALL_SSH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/result.h"
#include "daemon/sshdefs.h"
#include "daemon/sshkey.h"

struct known_hosts;

enum ssh_hostkey {
	SSH_HOSTKEY_MATCH,
	SSH_HOSTKEY_UNKNOWN,
	SSH_HOSTKEY_MISMATCH,
	SSH_HOSTKEY_REVOKED,
	SSH_HOSTKEY_ERROR,
};

struct ssh_key;		/* a private key, parsed once per sweep (sshkey.h) */
struct ssh;		/* one session */

/* Once in main, before any thread. */
void	 ssh_global_init(void);
void	 ssh_global_exit(void);
const char *ssh_library_version(void);

/* New session over a connected non-blocking socket (not owned), checked
 * against the sweep's parsed known_hosts (read-only, shared by every
 * worker: each session takes its host's candidate lines). Offers only
 * the host key types known_hosts already has for host:port, as OpenSSH
 * does, cheapest to verify first (ecdsa-sha2-nistp256, then ssh-ed25519). */
struct ssh *ssh_new(int fd, const struct known_hosts *, const char *host,
	    int port);
int	 ssh_wants(struct ssh *);		/* SSH_WANT_* bits, may be 0 */
/* Gate the session's reads on readiness (saves libssh2's EAGAIN reads and
 * its byte-by-byte banner reads): the caller then calls ssh_readable() on
 * every readable wake-up and runs again at once while ssh_buffered(). */
void	 ssh_gate_reads(struct ssh *);
void	 ssh_readable(struct ssh *);
int	 ssh_buffered(const struct ssh *);
int	 ssh_handshake(struct ssh *);
/* Check the server's key. fp gets "SHA256:..." for messages. When the key
 * is unknown, *learn (caller frees) gets the known_hosts line to add. */
enum ssh_hostkey ssh_check_hostkey(struct ssh *, const struct known_hosts *,
	    char *fp, size_t fplen, char **learn);
/* The known_hosts line for a learned key: "host type b64" on port 22,
 * "[host]:port type b64" elsewhere. Caller frees. */
char	*ssh_hostkey_line(const char *host, int port, const char *type,
	    const char *b64);
/* Public-key login: we sign for ed25519/ECDSA keys, libssh2 for others. */
int	 ssh_auth_pubkey(struct ssh *, const char *user, struct ssh_key *);
/* Text to append to "key rejected": why this key may not work with the
 * libssh2 we were built against ("" when there is no reason to think so). */
const char *ssh_auth_hint(const struct ssh_key *);
/* Public-key authentication signed by ssh-agent (daemon/sshagent.h):
 * SSH_AGAIN with agent_wants(a) != 0 means wait on the agent's socket,
 * not the session's. */
struct agent_conn;
struct agent_key;
int	 ssh_auth_agent(struct ssh *, const char *user, struct agent_conn *,
	    const struct agent_key *);
const char *ssh_agent_error(const struct ssh *);
int	 ssh_channel_open(struct ssh *, uint32_t window);
int	 ssh_channel_exec(struct ssh *, const char *command);
/* Read from stream 0 (stdout) or 1 (stderr): >0 bytes, 0 nothing now,
 * SSH_FAIL on error (never SSH_AGAIN: no data is "nothing now"). */
ssize_t	 ssh_channel_read(struct ssh *, int stream, char *buf, size_t len);
int	 ssh_channel_eof(struct ssh *);
/* Is data already queued in libssh2 (no I/O)? stream 0: stdout; 1: any. */
int	 ssh_channel_pending(struct ssh *, int stream);
int	 ssh_channel_close(struct ssh *);	/* send our close */
int	 ssh_channel_wait_closed(struct ssh *);	/* then wait for theirs */
int	 ssh_channel_exit_status(struct ssh *, char *sig, size_t siglen);
int	 ssh_channel_free(struct ssh *);
int	 ssh_disconnect(struct ssh *);
/* Free the session; may need several calls (SSH_AGAIN). Once the caller
 * has shut the socket down it never waits: libssh2's sends fail at once. */
int	 ssh_free(struct ssh *);

/* Tunnels through a bastion's session (daemon/bastion.c): any number of
 * direct-tcpip channels on one session, each driven by the same rules
 * (retry an SSH_AGAIN call first, with the same arguments). */
struct ssh_chan;
/* Open a channel to host:port as seen from the server. On SSH_FAIL,
 * *shortage says the server lacked resources (try again later). */
int	 ssh_tunnel_open(struct ssh *, const char *host, int port,
	    struct ssh_chan **, int *shortage);
/* After ssh_tunnel_open() failed: why, in the server's words when they
 * were seen ("connect failed: No route to host"), into buf, and what that
 * means for the target (refused, unreachable, ...), or "disconnected" when
 * the server itself went away. */
enum host_status ssh_tunnel_error(struct ssh *, char *buf, size_t len);
/* >0 bytes, 0 nothing now, SSH_FAIL. */
ssize_t	 ssh_chan_read(struct ssh_chan *, char *buf, size_t len);
/* >0 bytes taken, SSH_AGAIN (retry the same), SSH_FAIL. */
ssize_t	 ssh_chan_write(struct ssh_chan *, const char *buf, size_t len);
int	 ssh_chan_eof(struct ssh_chan *);	/* peer sent EOF */
int	 ssh_chan_pending(struct ssh_chan *);	/* data queued, no I/O */
int	 ssh_chan_send_eof(struct ssh_chan *);	/* DONE/AGAIN/FAIL */
/* Close and free; SSH_AGAIN until done. The handle is gone after
 * SSH_DONE or SSH_FAIL. */
int	 ssh_chan_free(struct ssh_chan *);
/* Drop the handle of a channel whose session is being freed (libssh2
 * frees the channel with it). */
void	 ssh_chan_forget(struct ssh_chan *);

/* Last libssh2 error: message into buf, and the host status it means:
 * "disconnected" when the peer went away, else a protocol error. */
enum host_status ssh_error(struct ssh *, char *buf, size_t len);
int	 ssh_last_errno(struct ssh *);
int	 ssh_is_auth_error(struct ssh *);
/* After a failed handshake: did the peer drop us before its banner? */
int	 ssh_banner_lost(struct ssh *);

#endif
