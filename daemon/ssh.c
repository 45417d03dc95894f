/* libssh2 in non-blocking mode: the one file that calls it. Private keys
 * are daemon/sshkey.c's; this file hands their signatures to libssh2. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>

#include "common/base64.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/knownhosts.h"
#include "daemon/openfail.h"
#include "daemon/ssh.h"
#include "daemon/sshkey.h"
#include "daemon/sshagent.h"
#include "daemon/sshmem.h"

#define SSH_RBUF	2048	/* read-ahead for libssh2's small reads */
#define SSH_SMALL_READ	64	/* a read this small reads ahead */

/* libssh2 versions whose channel open we read (1.10, 1.11, master of
 * 2026): it frees the open-failure packet, then the open request, in one
 * call. Elsewhere the watch may see nothing, and the failure reads as
 * libssh2 puts it. */
#if LIBSSH2_VERSION_NUM >= 0x010a00
#define SSH_WATCH_OPEN	1
#else
#define SSH_WATCH_OPEN	0
#endif

/* What the watch on a tunnel open has seen in the blocks libssh2 freed. */
enum ssh_seen {
	SEEN_NONE,		/* nothing yet */
	SEEN_FAILURE,		/* an open-failure packet */
	SEEN_OURS,		/* and then the open it answered: ours */
};

struct ssh {
	LIBSSH2_SESSION		*s;	/* the session */
	LIBSSH2_CHANNEL		*ch;	/* the one open channel, or NULL */
	int			 fd;	/* its socket (not owned) */
	LIBSSH2_KNOWNHOSTS	*khc;	/* this host's entries, for libssh2 */
	char			*host;	/* as looked up in known_hosts */
	int			 port;	/* likewise */
	void			*sign_key; /* sign callback's abstract */
	struct agent_conn	*agent;	/* agent auth: the conversation */
	const struct agent_key	*agent_key; /* the key being tried */
	char			 agent_err[200]; /* why the agent failed */
	int			 gated;	/* reads gated on readiness (jobs) */
	int			 readable; /* gated: the socket may have data */
	size_t			 roff;	/* next unread byte of rbuf */
	size_t			 rlen;	/* bytes in rbuf */
	char			 rbuf[SSH_RBUF]; /* read ahead of small reads */
	int			 watch;	/* in libssh2's tunnel open: read
					 * what it frees (ssh_free_cb) */
	enum ssh_seen		 seen;	/* what the watch found */
	struct openfail		 openfail; /* the server's answer, if seen */
};

/*
 * Host key types: libssh2 session type, known_hosts type bit, name. The
 * order is the preference among the types known_hosts already pins for a
 * host (ssh_known_types), cheapest check first: with libssh2 1.10 on
 * OpenSSL 3.0, verifying the server's signature costs about 1.0 M
 * instructions for ecdsa-sha2-nistp256 (assembler P-256) and 1.55 M for
 * ssh-ed25519 (portable C), measured with callgrind on libssh2's call
 * sequence. Both are 128-bit-secure and in OpenSSH's defaults, and only a
 * key the user pinned is ever accepted, so the choice costs no security;
 * P-384/521 are dearer, ssh-rsa (SHA-1 signatures in libssh2 1.10) last.
 */
static const struct {
	int		 type;
	int		 khbit;
	const char	*name;
} ssh_keytypes[] = {
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	    "ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519,
	    "ssh-ed25519" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	    "ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	    "ecdsa-sha2-nistp521" },
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa" },
};
#define SSH_NKEYTYPES	(sizeof ssh_keytypes / sizeof ssh_keytypes[0])

/* Initialise libssh2 (and its crypto) once, before threads exist. */
void
ssh_global_init(void)
{
	if (libssh2_init(0) != 0)
		fatalx("libssh2_init failed");
}

/* Release libssh2's global state. */
void
ssh_global_exit(void)
{
	libssh2_exit();
}

/* Version string of the libssh2 we run with. */
const char *
ssh_library_version(void)
{
	return libssh2_version(0);
}

/* libssh2's collection of only the entries that may name host:port (the
 * index's candidates): its checks then compare a few entries, not every
 * host of the fleet (hashed and pattern lines are still tried per host,
 * as ssh(1) does). */
static LIBSSH2_KNOWNHOSTS *
ssh_kh_host(LIBSSH2_SESSION *s, const struct known_hosts *text,
    const char *host, int port)
{
	LIBSSH2_KNOWNHOSTS	*kh;
	size_t			*lines, n, i;

	if ((kh = libssh2_knownhost_init(s)) == NULL)
		fatalx("libssh2_knownhost_init failed");
	n = known_hosts_lookup(text, host, port, &lines);
	for (i = 0; i < n; i++)
		if (libssh2_knownhost_readline(kh, text->lines[lines[i]],
		    strlen(text->lines[lines[i]]),
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
			log_debug("known_hosts: entry %zu not understood by "
			    "libssh2, skipped", lines[i] + 1);
	free(lines);
	return kh;
}

/* Which key types does known_hosts hold for host:port? Checking a dummy key
 * of each type gives MISMATCH exactly when an entry of that type exists. */
static void
ssh_known_types(LIBSSH2_KNOWNHOSTS *kh, const char *host, int port,
    struct buf *b)
{
	struct libssh2_knownhost	*entry;
	size_t				 i;
	int				 rc;

	for (i = 0; i < SSH_NKEYTYPES; i++) {
		rc = libssh2_knownhost_checkp(kh, host, port, "x", 1,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		    ssh_keytypes[i].khbit, &entry);
		if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			buf_printf(b, "%s%s", b->len ? "," : "",
			    ssh_keytypes[i].name);
	}
}

/* libssh2's own trace, into our debug log (only when -v; Debian's
 * libssh2 may be built without tracing, then it says nothing). */
static void
ssh_trace_cb(LIBSSH2_SESSION *session, void *context, const char *data,
    size_t len)
{
	log_debug("libssh2: %.*s", (int)(len > 0 && data[len - 1] == '\n' ?
	    len - 1 : len), data);
}

/*
 * Algorithms we offer, best first; libssh2 1.10's defaults also offer SHA-1
 * key exchanges, CBC, arcfour, blowfish, 3DES and MD5/RIPEMD MACs, which we
 * never want, so they are not in the lists. Key exchange leads with
 * ecdh-sha2-nistp256: with libssh2 1.10 on OpenSSL 3 its path costs about
 * 0.8 M instructions less per handshake than curve25519-sha256, whose raw
 * X25519 keys go through OpenSSL 3's provider look-ups on every session
 * (measured with callgrind: 6.7 vs 7.5 M instructions per host). Both are
 * in OpenSSH's defaults; the server takes the first one it also has.
 * HMAC-SHA1 stays last for hosts older than OpenSSH 5.9.
 */
static const struct {
	int		 type;
	const char	*list;
} ssh_methods[] = {
	{ LIBSSH2_METHOD_KEX, "ecdh-sha2-nistp256,curve25519-sha256,"
	    "curve25519-sha256@libssh.org,ecdh-sha2-nistp384,"
	    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	    "diffie-hellman-group14-sha256" },
	{ LIBSSH2_METHOD_CRYPT_CS, "aes128-ctr,aes192-ctr,aes256-ctr" },
	{ LIBSSH2_METHOD_CRYPT_SC, "aes128-ctr,aes192-ctr,aes256-ctr" },
	{ LIBSSH2_METHOD_MAC_CS, "hmac-sha2-256,hmac-sha2-512,hmac-sha1" },
	{ LIBSSH2_METHOD_MAC_SC, "hmac-sha2-256,hmac-sha2-512,hmac-sha1" },
};

/* Set the algorithm lists on a new session. */
static void
ssh_method_prefs(LIBSSH2_SESSION *s, const char *host)
{
	size_t	 i;

	for (i = 0; i < sizeof ssh_methods / sizeof ssh_methods[0]; i++)
		if (libssh2_session_method_pref(s, ssh_methods[i].type,
		    ssh_methods[i].list) != 0)
			log_warnx("%s: libssh2 refused algorithm list %s",
			    host, ssh_methods[i].list);
}

/* libssh2's free. During a tunnel open it also reads each freed block:
 * libssh2 drops the server's reason for refusing a channel with the
 * packet that carried it. The block's size bounds the reading. */
static void
ssh_free_cb(void *ptr, void **abstract)
{
	struct ssh	*c = abstract != NULL ? *abstract : NULL;
	struct openfail	 f;
	uint32_t	 id;

	if (ptr != NULL && c != NULL && c->watch) {
		if (openfail_parse(ptr, ssh_mem_size(ptr), &f) == 0) {
			c->openfail = f;
			c->seen = SEEN_FAILURE;
		} else if (c->seen == SEEN_FAILURE && openfail_open_id(ptr,
		    ssh_mem_size(ptr), &id) == 0 &&
		    id == c->openfail.recipient)
			c->seen = SEEN_OURS;
	}
	ssh_mem_free(ptr, abstract);
}

/* New non-blocking session on a connected socket. */
struct ssh *
ssh_new(int fd, const struct known_hosts *kh, const char *host, int port)
{
	struct ssh	*c;
	struct buf	 prefs = { 0 };

	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->host = xstrdup(host);
	c->port = port;
	if ((c->s = libssh2_session_init_ex(ssh_mem_alloc, ssh_free_cb,
	    ssh_mem_realloc, c)) == NULL)
		fatalx("libssh2_session_init failed");
	ssh_mem_trim(c->s);
	libssh2_session_set_blocking(c->s, 0);
	if (log_getverbose()) {
		libssh2_trace_sethandler(c->s, NULL, ssh_trace_cb);
		/* not AUTH or TRANS: they may carry credentials */
		libssh2_trace(c->s, LIBSSH2_TRACE_KEX | LIBSSH2_TRACE_CONN |
		    LIBSSH2_TRACE_ERROR);
	}
	c->khc = ssh_kh_host(c->s, kh, host, port);
	ssh_known_types(c->khc, host, port, &prefs);
	if (prefs.len > 0 && libssh2_session_method_pref(c->s,
	    LIBSSH2_METHOD_HOSTKEY, prefs.data) != 0)
		log_debug("%s: host key preference %s not accepted", host,
		    prefs.data);
	buf_free(&prefs);
	ssh_method_prefs(c->s, host);
	return c;
}

/* Serve a read from the read-ahead buffer. */
static ssize_t
ssh_recv_buffered(struct ssh *c, void *buf, size_t len)
{
	size_t	 n = c->rlen - c->roff;

	if (n > len)
		n = len;
	memcpy(buf, c->rbuf + c->roff, n);
	c->roff += n;
	if (c->roff == c->rlen)
		c->roff = c->rlen = 0;
	return (ssize_t)n;
}

/* libssh2's recv, gated (ssh_gate_reads): after a short read or EAGAIN
 * the socket is taken as drained until the loop says it is readable, so
 * libssh2's read-until-EAGAIN costs no system call; and its one-byte
 * reads of the server's banner are served from one read ahead. */
static ssize_t
ssh_recv_cb(libssh2_socket_t fd, void *buf, size_t len, int flags,
    void **abstract)
{
	struct ssh	*c = *abstract;
	ssize_t		 n;

	if (c->rlen > c->roff)
		return ssh_recv_buffered(c, buf, len);
	if (!c->readable)
		return -EAGAIN;
	if (len < SSH_SMALL_READ) {
		if ((n = recv(fd, c->rbuf, sizeof c->rbuf, flags)) > 0) {
			c->rlen = (size_t)n;
			if ((size_t)n < sizeof c->rbuf)
				c->readable = 0;
			return ssh_recv_buffered(c, buf, len);
		}
	} else if ((n = recv(fd, buf, len, flags)) >= 0) {
		if ((size_t)n < len)
			c->readable = 0;
		return n;
	}
	if (n == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		c->readable = 0;
		return -EAGAIN;
	}
	return -errno;
}

/* Gate reads on readiness: the caller reports each readable wake-up
 * (ssh_readable) and runs again at once while input is buffered
 * (ssh_buffered). */
void
ssh_gate_reads(struct ssh *c)
{
	c->gated = 1;
	c->readable = 1;
	libssh2_session_callback_set(c->s, LIBSSH2_CALLBACK_RECV,
	    (void *)ssh_recv_cb);
}

/* The loop saw the socket readable. */
void
ssh_readable(struct ssh *c)
{
	c->readable = 1;
}

/* Input read ahead and not yet handed to libssh2. */
int
ssh_buffered(const struct ssh *c)
{
	return c->rlen > c->roff;
}

/* Map libssh2's block directions to what we wait for. */
int
ssh_wants(struct ssh *c)
{
	int	 dir = libssh2_session_block_directions(c->s), w = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		w |= SSH_WANT_READ;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		w |= SSH_WANT_WRITE;
	return w;
}

/* Fold a libssh2 return code into DONE/AGAIN/FAIL. */
static int
ssh_rc(int rc)
{
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return SSH_AGAIN;
	return rc < 0 ? SSH_FAIL : SSH_DONE;
}

/* Key exchange. */
int
ssh_handshake(struct ssh *c)
{
	int	 rc;

	rc = ssh_rc(libssh2_session_handshake(c->s, c->fd));
	if (rc == 0 && log_getverbose())
		log_debug("%s: kex %s, host key %s, cipher %s, mac %s",
		    c->host, libssh2_session_methods(c->s, LIBSSH2_METHOD_KEX),
		    libssh2_session_methods(c->s, LIBSSH2_METHOD_HOSTKEY),
		    libssh2_session_methods(c->s, LIBSSH2_METHOD_CRYPT_CS),
		    libssh2_session_methods(c->s, LIBSSH2_METHOD_MAC_CS));
	return rc;
}

/* The server's key as "SHA256:..." (OpenSSH's form), for messages. */
static void
ssh_hostkey_fingerprint(struct ssh *c, char *fp, size_t fplen)
{
	const char	*hash;
	struct buf	 b = { 0 };

	snprintf(fp, fplen, "(unknown)");
	hash = libssh2_hostkey_hash(c->s, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (hash == NULL)
		return;
	buf_append(&b, "SHA256:", 7);
	base64_encode(&b, hash, 32, 0);
	snprintf(fp, fplen, "%s", b.data);
	buf_free(&b);
}

/* Index of a libssh2 host key type in ssh_keytypes, or -1. */
static int
ssh_keytype_index(int type)
{
	size_t	 i;

	for (i = 0; i < SSH_NKEYTYPES; i++)
		if (ssh_keytypes[i].type == type)
			return (int)i;
	return -1;
}

/* libssh2's verdict on key (of type index t) for our host:port. */
static enum ssh_hostkey
ssh_hostkey_known(struct ssh *c, const char *key, size_t len, int t)
{
	struct libssh2_knownhost	*entry;

	switch (libssh2_knownhost_checkp(c->khc, c->host, c->port, key,
	    len, LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    ssh_keytypes[t].khbit, &entry)) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return SSH_HOSTKEY_MATCH;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		return SSH_HOSTKEY_UNKNOWN;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		return SSH_HOSTKEY_MISMATCH;
	default:
		return SSH_HOSTKEY_ERROR;
	}
}

/* The known_hosts line accept-new would add (caller frees). */
char *
ssh_hostkey_line(const char *host, int port, const char *type,
    const char *b64)
{
	char	*line;

	if (port == 22)
		xasprintf(&line, "%s %s %s\n", host, type, b64);
	else
		xasprintf(&line, "[%s]:%d %s %s\n", host, port, type, b64);
	return line;
}

/* Check the server's host key: @revoked first, then known_hosts. */
enum ssh_hostkey
ssh_check_hostkey(struct ssh *c, const struct known_hosts *text,
    char *fp, size_t fplen, char **learn)
{
	const char		*key;
	struct buf		 b64 = { 0 };
	size_t			 len;
	int			 type, t;
	enum ssh_hostkey	 rc;

	*learn = NULL;
	ssh_hostkey_fingerprint(c, fp, fplen);
	if ((key = libssh2_session_hostkey(c->s, &len, &type)) == NULL ||
	    (t = ssh_keytype_index(type)) < 0)
		return SSH_HOSTKEY_ERROR;
	base64_encode(&b64, key, len, 1);
	if (known_hosts_is_revoked(text, c->host, c->port, b64.data))
		rc = SSH_HOSTKEY_REVOKED;
	else if ((rc = ssh_hostkey_known(c, key, len, t)) ==
	    SSH_HOSTKEY_UNKNOWN)
		*learn = ssh_hostkey_line(c->host, c->port,
		    ssh_keytypes[t].name, b64.data);
	buf_free(&b64);
	return rc;
}

/* libssh2 sign callback: the key parsed at sweep start signs. */
static int
ssh_sign_cb(LIBSSH2_SESSION *session, unsigned char **sig, size_t *siglen,
    const unsigned char *data, size_t datalen, void **abstract)
{
	return ssh_key_sign(*abstract, data, datalen, sig, siglen);
}

/* What to add when the server rejected this key: libssh2 before 1.11
 * signs RSA only with ssh-rsa (SHA-1), which OpenSSH 8.8+ refuses. */
const char *
ssh_auth_hint(const struct ssh_key *k)
{
#if LIBSSH2_VERSION_NUM < 0x010b00
	if (ssh_key_is_rsa(k))
		return " (RSA keys need rsa-sha2 signatures, which this "
		    "libssh2 lacks: use an ed25519 or ECDSA key)";
#endif
	return "";
}

/* Public-key authentication: our own signature for ed25519 keys, else
 * libssh2 parses the key text. */
int
ssh_auth_pubkey(struct ssh *c, const char *user, struct ssh_key *k)
{
	const unsigned char	*pub;
	const char		*text;
	size_t			 len;

	if ((pub = ssh_key_pub(k, &len)) != NULL) {
		c->sign_key = k;
		return ssh_rc(libssh2_userauth_publickey(c->s, user, pub, len,
		    ssh_sign_cb, &c->sign_key));
	}
	text = ssh_key_text(k, &len);
	return ssh_rc(libssh2_userauth_publickey_frommemory(c->s, user,
	    strlen(user), NULL, 0, text, len, ""));
}

/* Open a session channel with a bounded window, so an unread channel can
 * hold at most that much in flight. */
int
ssh_channel_open(struct ssh *c, uint32_t window)
{
	if (c->ch != NULL)
		return SSH_DONE;
	c->ch = libssh2_channel_open_ex(c->s, "session",
	    sizeof "session" - 1, window, LIBSSH2_CHANNEL_PACKET_DEFAULT,
	    NULL, 0);
	if (c->ch != NULL)
		return SSH_DONE;
	return ssh_rc(libssh2_session_last_errno(c->s));
}

/* Start the command. */
int
ssh_channel_exec(struct ssh *c, const char *command)
{
	return ssh_rc(libssh2_channel_exec(c->ch, command));
}

/* Read what is there from one stream. */
ssize_t
ssh_channel_read(struct ssh *c, int stream, char *buf, size_t len)
{
	ssize_t	 n;

	n = libssh2_channel_read_ex(c->ch, stream, buf, len);
	if (n == LIBSSH2_ERROR_EAGAIN)
		return 0;
	return n < 0 ? SSH_FAIL : n;
}

/* Data queued for the channel, without touching the socket. */
int
ssh_channel_pending(struct ssh *c, int stream)
{
	return libssh2_poll_channel_read(c->ch, stream) == 1;
}

/* Has the remote side sent EOF? */
int
ssh_channel_eof(struct ssh *c)
{
	return libssh2_channel_eof(c->ch) == 1;
}

/* Send our close. */
int
ssh_channel_close(struct ssh *c)
{
	return ssh_rc(libssh2_channel_close(c->ch));
}

/* Wait for the peer's close (its exit status comes before it). */
int
ssh_channel_wait_closed(struct ssh *c)
{
	return ssh_rc(libssh2_channel_wait_closed(c->ch));
}

/* Exit status after close; when a signal ended the command its name goes
 * into sig (empty otherwise) and -1 is returned. */
int
ssh_channel_exit_status(struct ssh *c, char *sig, size_t siglen)
{
	char	*name = NULL;
	size_t	 namelen = 0;

	sig[0] = '\0';
	if (libssh2_channel_get_exit_signal(c->ch, &name, &namelen, NULL,
	    NULL, NULL, NULL) == 0 && name != NULL) {
		snprintf(sig, siglen, "%.*s", (int)namelen, name);
		libssh2_free(c->s, name);
		return -1;
	}
	return libssh2_channel_get_exit_status(c->ch);
}

/* Free the channel. */
int
ssh_channel_free(struct ssh *c)
{
	int	 rc;

	if (c->ch == NULL)
		return SSH_DONE;
	rc = ssh_rc(libssh2_channel_free(c->ch));
	if (rc != SSH_AGAIN)
		c->ch = NULL;
	return rc;
}

/* Polite goodbye. */
int
ssh_disconnect(struct ssh *c)
{
	return ssh_rc(libssh2_session_disconnect(c->s, "rollcall done"));
}

/* Free the session (channels included). */
int
ssh_free(struct ssh *c)
{
	int	 rc;

	if (c == NULL)
		return SSH_DONE;
	if (c->khc != NULL) {	/* before the session whose allocator it uses */
		libssh2_knownhost_free(c->khc);
		c->khc = NULL;
	}
	if (c->s != NULL) {
		rc = libssh2_session_free(c->s);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return SSH_AGAIN;
		c->s = NULL;
	}
	free(c->host);
	free(c);
	return SSH_DONE;
}

/* libssh2's last error code. */
int
ssh_last_errno(struct ssh *c)
{
	return libssh2_session_last_errno(c->s);
}

/* Did the peer drop the connection before its banner came (reset or
 * closed, as an accept queue or MaxStartups does to a flood)? */
int
ssh_banner_lost(struct ssh *c)
{
	switch (libssh2_session_last_errno(c->s)) {
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_SEND:
		return libssh2_session_banner_get(c->s) == NULL;
	default:
		return 0;
	}
}

/* Did authentication fail (as opposed to the connection)? */
int
ssh_is_auth_error(struct ssh *c)
{
	switch (libssh2_session_last_errno(c->s)) {
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
	case LIBSSH2_ERROR_FILE:
	case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
	case LIBSSH2_ERROR_PUBLICKEY_PROTOCOL:
		return 1;
	default:
		return 0;
	}
}

/* Describe the last error and classify it. A peer that went away is
 * "disconnected"; anything else it did wrong is a protocol error. */
enum host_status
ssh_error(struct ssh *c, char *buf, size_t len)
{
	char	*msg = NULL;
	int	 code, mlen = 0;

	code = libssh2_session_last_error(c->s, &msg, &mlen, 0);
	switch (code) {
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
		/* libssh2 says "transport read": say what it means */
		snprintf(buf, len, "connection lost: %.*s (libssh2 error %d)",
		    mlen, msg != NULL ? msg : "unknown error", code);
		return HOST_DISCONNECTED;
	default:
		snprintf(buf, len, "%.*s (libssh2 error %d)", mlen,
		    msg != NULL ? msg : "unknown error", code);
		return HOST_PROTOCOL_ERROR;
	}
}

/* libssh2 sign callback for agent keys: the agent signs; while its answer
 * is on the way libssh2 gets EAGAIN and the caller waits on the agent's
 * socket, then calls ssh_auth_agent() again, which lands here again with
 * the same data. */
static int
ssh_agent_sign_cb(LIBSSH2_SESSION *session, unsigned char **sig,
    size_t *siglen, const unsigned char *data, size_t datalen,
    void **abstract)
{
	struct ssh	*c = *abstract;

	switch (agent_sign(c->agent, c->agent_key, data, datalen,
	    ssh_mem_alloc, sig, siglen, c->agent_err, sizeof c->agent_err)) {
	case SSH_AGAIN:
		return LIBSSH2_ERROR_EAGAIN;
	case SSH_FAIL:
		return -1;
	}
	return 0;
}

/* Public-key authentication with a key the agent holds. */
int
ssh_auth_agent(struct ssh *c, const char *user, struct agent_conn *a,
    const struct agent_key *k)
{
	c->agent = a;
	c->agent_key = k;
	c->agent_err[0] = '\0';
	c->sign_key = c;
	return ssh_rc(libssh2_userauth_publickey(c->s, user, k->blob, k->len,
	    ssh_agent_sign_cb, &c->sign_key));
}

/* Why the agent could not sign ("" if it was not the agent). */
const char *
ssh_agent_error(const struct ssh *c)
{
	return c->agent_err;
}

struct ssh_chan {
	struct ssh		*c;	/* the session it lives on */
	LIBSSH2_CHANNEL		*ch;	/* the channel */
	int			 closing; /* close sent: now free */
};

/* A direct-tcpip channel (bastion tunnel). libssh2 says why an open
 * failed only as a reason code in its message, so the free callback
 * watches for the server's answer (ssh_free_cb): resource shortage means
 * "wait and ask again", anything else is the target's failure. */
int
ssh_tunnel_open(struct ssh *c, const char *host, int port,
    struct ssh_chan **out, int *shortage)
{
	LIBSSH2_CHANNEL	*ch;
	char		*msg = NULL;
	int		 rc;

	*shortage = 0;
	c->seen = SEEN_NONE;
	c->watch = SSH_WATCH_OPEN;
	ch = libssh2_channel_direct_tcpip_ex(c->s, host, port, "127.0.0.1",
	    22);
	c->watch = 0;
	if (ch != NULL) {
		*out = xcalloc(1, sizeof **out);
		(*out)->c = c;
		(*out)->ch = ch;
		return SSH_DONE;
	}
	rc = libssh2_session_last_error(c->s, &msg, NULL, 0);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return SSH_AGAIN;
	if (rc != LIBSSH2_ERROR_CHANNEL_FAILURE)
		c->seen = SEEN_NONE;	/* failed for another reason */
	if (c->seen == SEEN_OURS ? c->openfail.reason == OPENFAIL_SHORTAGE :
	    msg != NULL && strstr(msg, "resource shortage") != NULL)
		*shortage = 1;
	return SSH_FAIL;
}

/* Why the last tunnel open failed: the server's words if the watch saw
 * them, else libssh2's (the reason code only), which is "refused". */
enum host_status
ssh_tunnel_error(struct ssh *c, char *buf, size_t len)
{
	enum host_status	 st;

	if (c->seen == SEEN_OURS) {
		openfail_describe(&c->openfail, buf, len);
		return openfail_status(&c->openfail);
	}
	st = ssh_error(c, buf, len);
	return st == HOST_DISCONNECTED ? st : HOST_REFUSED;
}

/* Read what the tunnel has. */
ssize_t
ssh_chan_read(struct ssh_chan *t, char *buf, size_t len)
{
	ssize_t	 n = libssh2_channel_read(t->ch, buf, len);

	if (n == LIBSSH2_ERROR_EAGAIN)
		return 0;
	return n < 0 ? SSH_FAIL : n;
}

/* Write into the tunnel. */
ssize_t
ssh_chan_write(struct ssh_chan *t, const char *buf, size_t len)
{
	ssize_t	 n = libssh2_channel_write(t->ch, buf, len);

	if (n == LIBSSH2_ERROR_EAGAIN)
		return SSH_AGAIN;
	return n < 0 ? SSH_FAIL : n;
}

/* Has the far end sent EOF? */
int
ssh_chan_eof(struct ssh_chan *t)
{
	return libssh2_channel_eof(t->ch) == 1;
}

/* Data queued for the tunnel, without touching the socket. */
int
ssh_chan_pending(struct ssh_chan *t)
{
	return libssh2_poll_channel_read(t->ch, 0) == 1;
}

/* Tell the far end we will send no more. */
int
ssh_chan_send_eof(struct ssh_chan *t)
{
	return ssh_rc(libssh2_channel_send_eof(t->ch));
}

/* Close (without waiting for the peer's close: the tunnel is done either
 * way), then free. */
int
ssh_chan_free(struct ssh_chan *t)
{
	int	 rc;

	if (!t->closing) {
		rc = ssh_rc(libssh2_channel_close(t->ch));
		if (rc == SSH_AGAIN)
			return rc;
		t->closing = 1;
	}
	rc = ssh_rc(libssh2_channel_free(t->ch));
	if (rc == SSH_AGAIN)
		return rc;
	free(t);
	return rc;
}

/* The session takes its channels with it: only our handle goes. */
void
ssh_chan_forget(struct ssh_chan *t)
{
	free(t);
}
