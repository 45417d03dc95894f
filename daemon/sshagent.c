/* ssh-agent protocol over a non-blocking Unix socket: a request is queued,
 * then pumped by whoever waits on the socket (a job's event, or poll() at
 * sweep start), and the answer is parsed with bounds checks everywhere:
 * the agent is local, but its answers are still input. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/sshagent.h"
#include "daemon/sshdefs.h"

#define AGENT_FAILURE		5
#define AGENTC_REQUEST_IDS	11
#define AGENT_IDS_ANSWER	12
#define AGENTC_SIGN_REQUEST	13
#define AGENT_SIGN_RESPONSE	14
#define AGENT_MAX_KEYS		1024	/* keys listed at most */

enum agent_state {
	AG_IDLE,		/* no request in flight */
	AG_SEND,		/* writing the request */
	AG_RECV,		/* reading the answer */
};

struct agent_conn {
	int		 fd;		/* non-blocking Unix socket */
	enum agent_state state;		/* where the conversation is */
	struct buf	 out;		/* request, length prefix included */
	size_t		 sent;		/* bytes of out written */
	unsigned char	 hdr[4];	/* answer length */
	size_t		 got;		/* bytes of hdr + msg read */
	unsigned char	*msg;		/* answer body, type byte first */
	size_t		 msglen;
};

/* Read a big-endian uint32. */
static uint32_t
agent_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* An SSH wire string at *p, bounds-checked; -1 past the end. */
static int
agent_string(const unsigned char **p, const unsigned char *end,
    const unsigned char **s, size_t *len)
{
	uint32_t	 n;

	if (end - *p < 4)
		return -1;
	n = agent_u32(*p);
	*p += 4;
	if ((size_t)(end - *p) < n)
		return -1;
	*s = *p;
	*len = n;
	*p += n;
	return 0;
}

/* Append a uint32 and a wire string. */
static void
agent_put_string(struct buf *b, const void *s, size_t len)
{
	unsigned char	 n[4] = { (unsigned char)(len >> 24),
	    (unsigned char)(len >> 16), (unsigned char)(len >> 8),
	    (unsigned char)len };

	buf_append(b, n, 4);
	buf_append(b, s, len);
}

/* Free a key list. */
void
agent_keys_free(struct agent_keys *ks)
{
	size_t	 i;

	for (i = 0; i < ks->n; i++) {
		free(ks->k[i].blob);
		free(ks->k[i].type);
		free(ks->k[i].comment);
	}
	free(ks->k);
	ks->k = NULL;
	ks->n = 0;
}

/* A copy of wire bytes as a C string, NULs and all cut at the first. */
static char *
agent_cstr(const unsigned char *s, size_t len)
{
	const unsigned char	*nul = memchr(s, '\0', len);

	return xstrndup((const char *)s, nul ? (size_t)(nul - s) : len);
}

/* See sshagent.h. */
int
agent_parse_identities(const unsigned char *m, size_t len,
    struct agent_keys *out)
{
	const unsigned char	*p = m + 5, *end = m + len, *blob, *cmt, *t, *q;
	size_t			 blen, clen, tlen, i;
	uint32_t		 n;
	struct agent_key	*k;

	memset(out, 0, sizeof *out);
	if (len < 5 || m[0] != AGENT_IDS_ANSWER ||
	    (n = agent_u32(m + 1)) > AGENT_MAX_KEYS)
		return -1;
	for (i = 0; i < n; i++) {
		if (agent_string(&p, end, &blob, &blen) == -1 ||
		    agent_string(&p, end, &cmt, &clen) == -1) {
			agent_keys_free(out);
			return -1;
		}
		q = blob;
		if (agent_string(&q, blob + blen, &t, &tlen) == -1)
			continue;	/* not a key blob: skip it */
		out->k = xreallocarray(out->k, out->n + 1, sizeof *out->k);
		k = &out->k[out->n++];
		k->blob = xmalloc(blen);
		memcpy(k->blob, blob, blen);
		k->len = blen;
		k->type = agent_cstr(t, tlen);
		k->comment = agent_cstr(cmt, clen);
	}
	return 0;
}

/* See sshagent.h. */
int
agent_parse_signature(const unsigned char *m, size_t len,
    const unsigned char **sig, size_t *siglen)
{
	const unsigned char	*p = m + 1, *end = m + len, *s, *alg;
	size_t			 slen, alen;

	if (len < 1 || m[0] != AGENT_SIGN_RESPONSE ||
	    agent_string(&p, end, &s, &slen) == -1)
		return -1;
	p = s;
	end = s + slen;
	if (agent_string(&p, end, &alg, &alen) == -1 ||
	    agent_string(&p, end, sig, siglen) == -1 || *siglen == 0)
		return -1;
	return 0;
}

/* See sshagent.h. */
struct agent_conn *
agent_open(const char *sock, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct agent_conn	*c;
	int			 fd;

	if (sock == NULL && (sock = getenv("SSH_AUTH_SOCK")) == NULL) {
		snprintf(err, errlen, "no ssh-agent: SSH_AUTH_SOCK is not set");
		return NULL;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "agent socket path too long");
		return NULL;
	}
	memcpy(sun.sun_path, sock, strlen(sock));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || (connect(fd, (struct sockaddr *)&sun, sizeof sun) ==
	    -1 && errno != EAGAIN && errno != EINPROGRESS)) {
		snprintf(err, errlen, "ssh-agent at %s: %s", sock,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	return c;
}

/* The socket, for the caller's event. */
int
agent_fd(const struct agent_conn *c)
{
	return c->fd;
}

/* See sshagent.h. */
int
agent_wants(const struct agent_conn *c)
{
	switch (c->state) {
	case AG_SEND:
		return SSH_WANT_WRITE;
	case AG_RECV:
		return SSH_WANT_READ;
	default:
		return 0;
	}
}

/* Close the conversation. */
void
agent_close(struct agent_conn *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	buf_free(&c->out);
	free(c->msg);
	free(c);
}

/* Queue a request: length, type, body. */
static void
agent_request(struct agent_conn *c, int type, const struct buf *body)
{
	unsigned char	 t = (unsigned char)type;
	size_t		 len = 1 + body->len;
	unsigned char	 n[4] = { (unsigned char)(len >> 24),
	    (unsigned char)(len >> 16), (unsigned char)(len >> 8),
	    (unsigned char)len };

	buf_reset(&c->out);
	buf_append(&c->out, n, 4);
	buf_append(&c->out, &t, 1);
	if (body->len > 0)
		buf_append(&c->out, body->data, body->len);
	c->sent = c->got = 0;
	free(c->msg);
	c->msg = NULL;
	c->state = AG_SEND;
}

/* Write what can be written, then read what has come. SSH_DONE once a
 * whole answer is in c->msg. */
static int
agent_pump(struct agent_conn *c, char *err, size_t errlen)
{
	ssize_t	 n;

	while (c->state == AG_SEND) {
		n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return SSH_AGAIN;
		if (n <= 0)
			goto fail;
		if ((c->sent += (size_t)n) == c->out.len)
			c->state = AG_RECV;
	}
	while (c->state == AG_RECV) {
		if (c->got < 4)
			n = recv(c->fd, c->hdr + c->got, 4 - c->got, 0);
		else
			n = recv(c->fd, c->msg + c->got - 4, c->msglen + 4 -
			    c->got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return SSH_AGAIN;
		if (n <= 0)
			goto fail;
		c->got += (size_t)n;
		if (c->got == 4) {
			c->msglen = agent_u32(c->hdr);
			if (c->msglen == 0 || c->msglen > AGENT_MAX_MSG) {
				snprintf(err, errlen, "ssh-agent sent a %zu-byte "
				    "message", c->msglen);
				return SSH_FAIL;
			}
			c->msg = xmalloc(c->msglen);
		} else if (c->got == c->msglen + 4)
			c->state = AG_IDLE;
	}
	return SSH_DONE;
fail:
	snprintf(err, errlen, "ssh-agent connection: %s", n == 0 ?
	    "closed by the agent" : strerror(errno));
	c->state = AG_IDLE;
	return SSH_FAIL;
}

/* See sshagent.h. */
int
agent_sign(struct agent_conn *c, const struct agent_key *k,
    const unsigned char *data, size_t datalen,
    void *(*alloc)(size_t, void **), unsigned char **sig, size_t *siglen,
    char *err, size_t errlen)
{
	struct buf		 body = { 0 };
	const unsigned char	*s;
	unsigned char		 flags[4] = { 0, 0, 0, 0 };
	int			 rc;

	if (c->state == AG_IDLE) {
		agent_put_string(&body, k->blob, k->len);
		agent_put_string(&body, data, datalen);
		buf_append(&body, flags, 4);
		agent_request(c, AGENTC_SIGN_REQUEST, &body);
		buf_free(&body);
	}
	if ((rc = agent_pump(c, err, errlen)) != SSH_DONE)
		return rc;
	if (c->msglen >= 1 && c->msg[0] == AGENT_FAILURE) {
		snprintf(err, errlen, "ssh-agent refused to sign with %s key "
		    "%s", k->type, k->comment);
		return SSH_FAIL;
	}
	if (agent_parse_signature(c->msg, c->msglen, &s, siglen) == -1) {
		snprintf(err, errlen, "ssh-agent's signature is malformed");
		return SSH_FAIL;
	}
	if ((*sig = alloc(*siglen, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return SSH_FAIL;
	}
	memcpy(*sig, s, *siglen);
	return SSH_DONE;
}

/* See sshagent.h: the one place that waits, with poll() and a deadline,
 * at sweep start rather than on an event loop that drives hosts. */
int
agent_list(const char *sock, int timeout_ms, struct agent_keys *out,
    char *err, size_t errlen)
{
	struct agent_conn	*c;
	struct buf		 none = { 0 };
	struct pollfd		 pfd;
	int64_t			 deadline = mono_ms() + timeout_ms;
	int			 rc;

	memset(out, 0, sizeof *out);
	if ((c = agent_open(sock, err, errlen)) == NULL)
		return -1;
	agent_request(c, AGENTC_REQUEST_IDS, &none);
	while ((rc = agent_pump(c, err, errlen)) == SSH_AGAIN) {
		pfd.fd = c->fd;
		pfd.events = agent_wants(c) & SSH_WANT_WRITE ? POLLOUT : POLLIN;
		if (mono_ms() >= deadline || poll(&pfd, 1, (int)(deadline -
		    mono_ms())) == 0) {
			snprintf(err, errlen, "ssh-agent did not answer within "
			    "%d ms", timeout_ms);
			rc = SSH_FAIL;
			break;
		}
	}
	if (rc == SSH_DONE && agent_parse_identities(c->msg, c->msglen,
	    out) == -1) {
		snprintf(err, errlen, "ssh-agent's key list is malformed");
		rc = SSH_FAIL;
	}
	agent_close(c);
	return rc == SSH_DONE ? 0 : -1;
}
