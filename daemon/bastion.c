/* Bastions: see bastion.h. One bastion is a small state machine (connect
 * or tunnel through the previous hop, handshake, host key, auth) and then
 * a pump: every wake-up retries the one libssh2 call that said EAGAIN (a
 * session takes one pending call at a time, and a half-sent packet must be
 * finished before another), then moves bytes between each channel and its
 * socketpair, then opens channels for queued targets up to the cap. */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/bastion.h"
#include "daemon/knownhosts.h"
#include "daemon/ssh.h"
#include "daemon/sshagent.h"
#include "daemon/worker.h"

#define BASTION_BUF		32768	/* bytes in flight per direction */
#define BASTION_LINGER_MS	1000	/* idle session kept for the next */
#define BASTION_TICK_MS		250	/* deadline checks while busy */
#define BASTION_SHORTAGE_MS	200	/* wait after "resource shortage" */

/* What one channel's step did (not SSH_*: SSH_AGAIN is 1). */
#define STEP_IDLE	0	/* nothing to move */
#define STEP_MOVED	1	/* bytes or state moved */
#define STEP_PENDING	2	/* a libssh2 call must be retried first */

enum bstate {
	B_START,		/* nothing yet */
	B_RESOLVE,		/* DNS */
	B_CONNECT,		/* TCP, or the previous hop's tunnel */
	B_HANDSHAKE,
	B_HOSTKEY,
	B_AUTH,
	B_READY,		/* pumping channels */
	B_DEAD,			/* failed or torn down */
};

enum bop {
	OP_NONE,		/* nothing pending */
	OP_READ,		/* a read that left a send half done */
	OP_WRITE,		/* ssh_chan_write of chan's up buffer */
	OP_EOF,			/* ssh_chan_send_eof */
	OP_FREE,		/* ssh_chan_free */
};

enum rqstate {
	RQ_QUEUED,		/* waiting for a channel slot */
	RQ_OPENING,		/* its channel is being opened */
	RQ_DELIVER,		/* answer scheduled; owned by that event */
};

struct bastion;

/* One target's request. */
struct bastion_req {
	STAILQ_ENTRY(bastion_req) entry;	/* in the bastion's queue */
	struct bastion		*b;		/* the last hop */
	enum rqstate		 state;
	char			*host;		/* target, as the bastion sees it */
	int			 port;
	bastion_cb		 cb;		/* the caller's answer */
	void			*arg;
	int			 cancelled;	/* the caller went away */
	int			 fd;		/* tunnel end to hand over */
	struct bastion_chan	*chan;		/* RQ_OPENING: its channel */
	enum host_status	 status;	/* or why not */
	char			 why[400];
	int64_t			 deadline_ms;	/* channel open, monotonic */
};

/* One tunnel. */
struct bastion_chan {
	TAILQ_ENTRY(bastion_chan) entry;	/* in the bastion's list */
	struct bastion		*b;
	struct bastion_req	*req;		/* while opening */
	char			*host;		/* where it goes, for retries */
	int			 port;
	struct ssh_chan		*ch;		/* NULL until open */
	int			 sp;		/* our socketpair end, or -1 */
	struct event		*ev;		/* sp readiness */
	short			 ev_flags;	/* what ev waits for */
	char			 up[BASTION_BUF];	/* sp -> channel */
	size_t			 uplen, upoff;
	char			 down[BASTION_BUF];	/* channel -> sp */
	size_t			 downlen, downoff;
	int			 sp_eof;	/* the target closed its end */
	int			 ch_eof;	/* told the target: no more */
	int			 eof_sent;	/* channel EOF sent */
	int			 closing;	/* tearing down */
};

struct bastion {
	LIST_ENTRY(bastion)	 entry;		/* in the pool */
	struct bastion_pool	*pool;
	struct worker		*worker;
	struct sweep		*sweep;		/* known_hosts, keys */
	char			*key;		/* identity of the session */
	char			*user, *host, *identity;
	char			*known_hosts;	/* its file; NULL = ssh.known_hosts */
	int			 port;
	char			*name;		/* user@host:port, for messages */
	struct jump_hop		*prev;		/* hops before this one (copy) */
	size_t			 nprev;
	struct bastion_req	*up;		/* our tunnel request there */
	enum bstate		 state;
	int			 fd;
	struct ssh		*ssh;
	struct event		*io;		/* fd readiness */
	short			 io_flags;
	struct event		*tick;		/* deadlines, linger */
	struct event		*kick;		/* run the pump from the loop */
	struct evdns_getaddrinfo_request *dns;
	int			 dns_pending;	/* answer still to come */
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int64_t			 deadline_ms;	/* connect phase */
	int64_t			 idle_since_ms;	/* refs dropped to 0 */
	int64_t			 shortage_until_ms;
	STAILQ_HEAD(, bastion_req) queue;	/* waiting for a channel */
	TAILQ_HEAD(, bastion_chan) chans;	/* opening or open */
	int			 nchans;
	int			 cap;		/* bastion_concurrency */
	int			 refs;		/* queued requests + channels */
	enum bop		 op;		/* the call to retry first */
	struct bastion_chan	*opchan;	/* and its channel */
	struct bastion_chan	*opening;	/* the one channel being opened
						   (libssh2 opens one at a time) */
	struct agent_conn	*agent;		/* identity: agent */
	struct event		*agent_io;
	size_t			 agent_next;
	int			 logged_in;	/* reached B_READY once */
};

struct bastion_pool {
	LIST_HEAD(, bastion)	 all;		/* live bastions */
};

static void	bastion_run(struct bastion *);
static void	bastion_fail(struct bastion *, enum host_status, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static void	bastion_io_cb(evutil_socket_t, short, void *);
static void	bastion_req_deliver(struct bastion_req *);
static void	bastion_release(struct bastion *);
static struct bastion *bastion_new(struct bastion_pool *, struct worker *,
		    struct sweep *, const struct jump_hop *, size_t,
		    const struct jump_hop *, const char *);

/* Run the bastion from the loop (never inside a caller's own call). */
static void
bastion_kick(struct bastion *b)
{
	event_active(b->kick, EV_TIMEOUT, 0);
}

/* Kick callback. */
static void
bastion_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	bastion_run(arg);
}

/* Answer a request from the loop: the caller's callback never runs
 * inside bastion code that is still using the request. */
static void
bastion_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bastion_req	*r = arg;

	if (r->cancelled) {
		if (r->fd != -1)
			close(r->fd);
	} else
		r->cb(r->arg, r->fd, r->status, r->why);
	free(r->host);
	free(r);
}

/* Schedule a request's answer. */
static void
bastion_req_deliver(struct bastion_req *r)
{
	struct timeval	 zero = { 0, 0 };

	r->state = RQ_DELIVER;
	event_base_once(worker_base(r->b->worker), -1, EV_TIMEOUT,
	    bastion_deliver_cb, r, &zero);
}

/* Fail one request with a status and reason. */
static void
bastion_req_fail(struct bastion_req *r, enum host_status st, const char *why)
{
	r->fd = -1;
	r->status = st;
	snprintf(r->why, sizeof r->why, "%s", why);
	bastion_req_deliver(r);
}

/* The bastion this one goes through reports on our tunnel. */
static void
bastion_up_cb(void *arg, int fd, enum host_status st, const char *why)
{
	struct bastion	*b = arg;

	b->up = NULL;
	if (fd == -1) {
		/* the previous hop's own failure stays what it is; a hop it
		 * cannot reach (or not in time) is unreachable for us */
		bastion_fail(b, st >= HOST_BASTION_UNREACHABLE &&
		    st <= HOST_BASTION_HOSTKEY_MISMATCH ? st :
		    HOST_BASTION_UNREACHABLE, "%s", why);
		return;
	}
	b->fd = fd;
	b->state = B_HANDSHAKE;
	b->ssh = ssh_new(b->fd, sweep_known_hosts(b->sweep, b->known_hosts),
	    b->host, b->port);
	bastion_run(b);
}

/* Wait on the session's socket as libssh2 wants (input at least: a
 * ready bastion always listens for its channels' data). */
static void
bastion_wait(struct bastion *b)
{
	int	 w = b->ssh != NULL ? ssh_wants(b->ssh) : 0;
	short	 flags = EV_READ;

	if (w & SSH_WANT_WRITE)
		flags |= EV_WRITE;
	if (b->fd == -1)
		return;
	if (b->io_flags == flags && event_pending(b->io, EV_READ | EV_WRITE,
	    NULL))
		return;
	event_del(b->io);
	event_assign(b->io, worker_base(b->worker), b->fd, flags | EV_PERSIST,
	    bastion_io_cb, b);
	event_add(b->io, NULL);
	b->io_flags = flags;
}

/* Socket readiness. */
static void
bastion_io_cb(evutil_socket_t fd, short what, void *arg)
{
	bastion_run(arg);
}

/* A channel's socketpair readiness. */
static void
bastion_chan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bastion_chan	*c = arg;

	bastion_run(c->b);
}

/* Wait on a channel's socketpair (when active): input while there is
 * room for it, output while bytes wait to go to the target. */
static void
bastion_chan_wait(struct bastion_chan *c, int active)
{
	short	 flags = 0;

	if (c->sp == -1)
		return;
	if (active && c->uplen == 0 && !c->sp_eof && !c->closing)
		flags |= EV_READ;
	if (active && c->downlen > c->downoff)
		flags |= EV_WRITE;
	if (flags == c->ev_flags)
		return;
	event_del(c->ev);
	c->ev_flags = flags;
	if (flags == 0)
		return;
	event_assign(c->ev, worker_base(c->b->worker), c->sp,
	    flags | EV_PERSIST, bastion_chan_cb, c);
	event_add(c->ev, NULL);
}

/* Forget a channel (its libssh2 side is done or goes with the session). */
static void
bastion_chan_drop(struct bastion *b, struct bastion_chan *c)
{
	TAILQ_REMOVE(&b->chans, c, entry);
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->sp != -1)
		close(c->sp);
	if (b->opchan == c) {
		b->op = OP_NONE;
		b->opchan = NULL;
	}
	if (b->opening == c)
		b->opening = NULL;
	if (c->req != NULL)
		c->req->chan = NULL;
	free(c->host);
	free(c);
	b->nchans--;
	bastion_release(b);
}

/* One reference fewer; an unused bastion lingers, then goes. */
static void
bastion_release(struct bastion *b)
{
	if (--b->refs == 0)
		b->idle_since_ms = mono_ms();
}

/* Free a dead bastion from the loop (it may still be on the stack when
 * it dies). A DNS answer still to come frees it instead. */
static void
bastion_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bastion	*b = arg;
	int		 i, rc;

	if (b->dns_pending)
		return;			/* bastion_dns_cb frees it */
	event_free(b->io);
	event_free(b->tick);
	event_free(b->kick);
	if (b->agent_io != NULL)
		event_free(b->agent_io);
	agent_close(b->agent);
	if (b->ssh != NULL) {
		if (b->fd != -1)
			shutdown(b->fd, SHUT_RDWR);
		for (i = 0, rc = SSH_AGAIN; i < 8 && rc == SSH_AGAIN; i++)
			rc = ssh_free(b->ssh);
		if (rc == SSH_AGAIN)
			log_warnx("bastion %s: libssh2 session could not be "
			    "freed", b->name);
	}
	if (b->fd != -1)
		close(b->fd);
	free(b->key);
	free(b->user);
	free(b->host);
	free(b->identity);
	free(b->known_hosts);
	free(b->name);
	config_jump_free(b->prev, b->nprev);
	free(b);
}

/* Take the bastion out of use: no new request finds it; its channels
 * lose their tunnels (the targets see the connection end); requests that
 * had no tunnel yet are handed to next, or failed. */
static void
bastion_teardown(struct bastion *b, struct bastion *next, enum host_status st,
    const char *why)
{
	struct bastion_chan	*c;
	struct bastion_req	*r;
	struct timeval		 zero = { 0, 0 };

	b->state = B_DEAD;
	LIST_REMOVE(b, entry);
	event_del(b->io);
	event_del(b->tick);
	event_del(b->kick);
	if (b->agent_io != NULL)
		event_del(b->agent_io);
	if (b->up != NULL)
		bastion_cancel(b->up);
	b->up = NULL;
	if (b->dns_pending && b->dns != NULL)
		evdns_getaddrinfo_cancel(b->dns);
	b->dns = NULL;
	while ((c = TAILQ_FIRST(&b->chans)) != NULL) {
		if ((r = c->req) != NULL) {
			c->req = NULL;
			r->chan = NULL;
			r->state = RQ_QUEUED;
			STAILQ_INSERT_TAIL(&b->queue, r, entry);
			b->refs++;
		}
		if (c->sp != -1)
			shutdown(c->sp, SHUT_RDWR);
		if (c->ch != NULL)
			ssh_chan_forget(c->ch);
		bastion_chan_drop(b, c);
	}
	while ((r = STAILQ_FIRST(&b->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&b->queue, entry);
		if (next != NULL) {
			r->b = next;
			STAILQ_INSERT_TAIL(&next->queue, r, entry);
			next->refs++;
		} else
			bastion_req_fail(r, st, why);
	}
	if (next != NULL)
		bastion_kick(next);
	event_base_once(worker_base(b->worker), -1, EV_TIMEOUT,
	    bastion_free_cb, b, &zero);
}

/* Are there targets still waiting for a tunnel (queued or opening)? */
static int
bastion_has_waiting(const struct bastion *b)
{
	const struct bastion_chan	*c;

	if (!STAILQ_EMPTY(&b->queue))
		return 1;
	TAILQ_FOREACH(c, &b->chans, entry)
		if (c->req != NULL)
			return 1;
	return 0;
}

/* The bastion failed: before it ever logged in, every request fails with
 * its status; after (it died mid-sweep), targets in flight lose their
 * tunnels (they fail "disconnected" on their own) and the rest go to a
 * fresh session, logged in anew. */
static void
bastion_fail(struct bastion *b, enum host_status st, const char *fmt, ...)
{
	struct bastion	*next = NULL;
	va_list		 ap;
	char		 msg[300], why[400];

	if (b->state == B_DEAD)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(why, sizeof why, "bastion %s: %s", b->name, msg);
	log_warnx("%s", why);
	if (b->logged_in && bastion_has_waiting(b)) {
		struct jump_hop	 self = { b->user, b->host, b->port,
		    b->identity, b->known_hosts };

		next = bastion_new(b->pool, b->worker, b->sweep, b->prev,
		    b->nprev, &self, b->key);
		log_info("bastion %s: reconnecting for the targets not yet "
		    "started", b->name);
	}
	bastion_teardown(b, next, st, why);
}

/* A failure of the session's own: the status it means for its targets. */
static void
bastion_ssh_fail(struct bastion *b, enum host_status st, const char *what)
{
	char	 msg[300];

	ssh_error(b->ssh, msg, sizeof msg);
	bastion_fail(b, st, "%s: %s", what, msg);
}

/* DNS answer (possibly from inside evdns_getaddrinfo). */
static void
bastion_dns_cb(int err, struct evutil_addrinfo *ai, void *arg)
{
	struct bastion	*b = arg;
	struct timeval	 zero = { 0, 0 };

	b->dns_pending = 0;
	b->dns = NULL;
	if (b->state == B_DEAD) {
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		event_base_once(worker_base(b->worker), -1, EV_TIMEOUT,
		    bastion_free_cb, b, &zero);
		return;
	}
	if (err != 0 || ai == NULL)
		bastion_fail(b, HOST_BASTION_UNREACHABLE, "cannot resolve %s: %s",
		    b->host, evutil_gai_strerror(err));
	else {
		memcpy(&b->addr, ai->ai_addr, ai->ai_addrlen);
		b->addrlen = ai->ai_addrlen;
		b->state = B_CONNECT;
		bastion_kick(b);
	}
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
}

/* Where to connect: an IP literal at once, else a lookup. */
static void
bastion_resolve(struct bastion *b)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&b->addr;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&b->addr;
	struct evutil_addrinfo	 hints;
	struct evdns_getaddrinfo_request *req;

	memset(&b->addr, 0, sizeof b->addr);
	if (inet_pton(AF_INET, b->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		b->addrlen = sizeof *sin;
		b->state = B_CONNECT;
		return;
	}
	if (inet_pton(AF_INET6, b->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		b->addrlen = sizeof *sin6;
		b->state = B_CONNECT;
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	b->state = B_RESOLVE;
	b->dns_pending = 1;
	req = evdns_getaddrinfo(worker_dns(b->worker), b->host, NULL, &hints,
	    bastion_dns_cb, b);
	if (b->dns_pending)
		b->dns = req;
}

/* Start: through the previous hop's tunnel, or by TCP. */
static void
bastion_start(struct bastion *b)
{
	b->deadline_ms = mono_ms() + b->sweep->conf->ssh.connect_timeout_ms;
	if (b->nprev > 0) {
		b->state = B_CONNECT;
		b->up = bastion_open(b->worker, b->sweep, b->prev, b->nprev,
		    b->host, b->port, bastion_up_cb, b);
		return;
	}
	bastion_resolve(b);
}

/* Non-blocking TCP connect; on wake-up, its outcome. */
static void
bastion_connect(struct bastion *b)
{
	int		 one = 1, err = 0;
	socklen_t	 len = sizeof err;

	if (b->nprev > 0)
		return;			/* bastion_up_cb moves us on */
	if (b->fd == -1) {
		if (b->addr.ss_family == AF_INET)
			((struct sockaddr_in *)&b->addr)->sin_port =
			    htons((in_port_t)b->port);
		else
			((struct sockaddr_in6 *)&b->addr)->sin6_port =
			    htons((in_port_t)b->port);
		b->fd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (b->fd == -1) {
			bastion_fail(b, HOST_BASTION_UNREACHABLE, "socket: %s",
			    strerror(errno));
			return;
		}
		setsockopt(b->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(b->fd, (struct sockaddr *)&b->addr, b->addrlen) ==
		    -1 && errno != EINPROGRESS) {
			bastion_fail(b, HOST_BASTION_UNREACHABLE, "connect to "
			    "port %d: %s", b->port, strerror(errno));
			return;
		}
		event_assign(b->io, worker_base(b->worker), b->fd,
		    EV_WRITE | EV_PERSIST, bastion_io_cb, b);
		event_add(b->io, NULL);
		b->io_flags = EV_WRITE;
		return;
	}
	if (getsockopt(b->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err != 0) {
		bastion_fail(b, HOST_BASTION_UNREACHABLE, "connect to port %d: "
		    "%s", b->port, strerror(err));
		return;
	}
	b->state = B_HANDSHAKE;
	b->ssh = ssh_new(b->fd, sweep_known_hosts(b->sweep, b->known_hosts),
	    b->host, b->port);
}

/* Key exchange with the bastion. */
static void
bastion_handshake(struct bastion *b)
{
	switch (ssh_handshake(b->ssh)) {
	case SSH_AGAIN:
		return;
	case SSH_FAIL:
		bastion_ssh_fail(b, HOST_BASTION_UNREACHABLE, "SSH handshake");
		return;
	}
	b->state = B_HOSTKEY;
}

/* The bastion's host key, strictly, as for any host. */
static void
bastion_hostkey(struct bastion *b)
{
	const struct config	*conf = b->sweep->conf;
	const char		*path = b->known_hosts != NULL ?
				    b->known_hosts : conf->ssh.known_hosts;
	char			 fp[128], err[300], *learn = NULL;

	switch (ssh_check_hostkey(b->ssh, sweep_known_hosts(b->sweep,
	    b->known_hosts), fp, sizeof fp, &learn)) {
	case SSH_HOSTKEY_MATCH:
		b->state = B_AUTH;
		break;
	case SSH_HOSTKEY_UNKNOWN:
		if (conf->ssh.host_key_checking != HOSTKEY_ACCEPT_NEW ||
		    learn == NULL)
			bastion_fail(b, HOST_BASTION_HOSTKEY_UNKNOWN, "host key "
			    "%s is not in %s (host_key_checking: strict)", fp,
			    path);
		else if (known_hosts_append(path, learn, err, sizeof err) == -1)
			bastion_fail(b, HOST_BASTION_HOSTKEY_UNKNOWN, "host key "
			    "%s is new and cannot be recorded: %s", fp, err);
		else {
			log_info("bastion %s: learned host key %s (accept-new)",
			    b->name, fp);
			b->state = B_AUTH;
		}
		break;
	case SSH_HOSTKEY_MISMATCH:
	case SSH_HOSTKEY_REVOKED:
		bastion_fail(b, HOST_BASTION_HOSTKEY_MISMATCH, "HOST KEY CHANGED "
		    "or revoked: it offers %s, which is not the key in %s; not "
		    "authenticating (possible man-in-the-middle)", fp, path);
		break;
	default:
		bastion_fail(b, HOST_BASTION_UNREACHABLE, "cannot read its "
		    "host key");
	}
	free(learn);
}

/* While the agent signs, wait on its socket, not the session's. */
static void
bastion_wait_agent(struct bastion *b)
{
	short	 flags = agent_wants(b->agent) & SSH_WANT_WRITE ? EV_WRITE :
	    EV_READ;

	event_del(b->io);
	b->io_flags = 0;
	if (b->agent_io == NULL)
		b->agent_io = event_new(worker_base(b->worker), -1, 0, NULL,
		    NULL);
	event_del(b->agent_io);
	event_assign(b->agent_io, worker_base(b->worker), agent_fd(b->agent),
	    flags | EV_PERSIST, bastion_io_cb, b);
	event_add(b->agent_io, NULL);
}

/* Authentication with ssh-agent's keys, one after another. SSH_AGAIN
 * while waiting, SSH_DONE logged in, SSH_FAIL after bastion_fail. */
static int
bastion_auth_agent(struct bastion *b, const struct identity *id)
{
	char	 err[256];

	if (id->error != NULL)
		return bastion_fail(b, HOST_BASTION_AUTH_FAILED, "ssh-agent: "
		    "%s", id->error), SSH_FAIL;
	if (b->agent == NULL && (b->agent = agent_open(NULL, err,
	    sizeof err)) == NULL)
		return bastion_fail(b, HOST_BASTION_AUTH_FAILED, "%s", err),
		    SSH_FAIL;
	for (; b->agent_next < id->agent.n; b->agent_next++) {
		switch (ssh_auth_agent(b->ssh, b->user, b->agent,
		    &id->agent.k[b->agent_next])) {
		case SSH_AGAIN:
			if (agent_wants(b->agent) != 0)
				bastion_wait_agent(b);
			else if (b->agent_io != NULL)
				event_del(b->agent_io);
			return SSH_AGAIN;
		case SSH_FAIL:
			if (*ssh_agent_error(b->ssh) != '\0' ||
			    !ssh_is_auth_error(b->ssh))
				return bastion_ssh_fail(b,
				    HOST_BASTION_AUTH_FAILED, "authentication"),
				    SSH_FAIL;
			continue;
		}
		return SSH_DONE;
	}
	return bastion_fail(b, HOST_BASTION_AUTH_FAILED, "none of ssh-agent's "
	    "keys accepted for user %s", b->user), SSH_FAIL;
}

/* Log in with the hop's key (read at sweep start) or the agent's. */
static void
bastion_auth(struct bastion *b)
{
	const struct identity	*id;
	int			 rc;

	id = sweep_identity(b->sweep, b->identity);
	if (id != NULL && strcmp(id->path, "agent") == 0)
		rc = bastion_auth_agent(b, id);
	else if (id == NULL || id->key == NULL) {
		bastion_fail(b, HOST_BASTION_AUTH_FAILED, "cannot use identity "
		    "%s: %s", b->identity, id != NULL && id->error != NULL ?
		    id->error : "not loaded");
		return;
	} else if ((rc = ssh_auth_pubkey(b->ssh, b->user, id->key)) ==
	    SSH_FAIL) {
		if (ssh_is_auth_error(b->ssh))
			bastion_fail(b, HOST_BASTION_AUTH_FAILED, "public key %s "
			    "rejected for user %s", b->identity, b->user);
		else
			bastion_ssh_fail(b, HOST_BASTION_AUTH_FAILED,
			    "authentication");
		return;
	}
	if (rc != SSH_DONE)
		return;
	if (b->agent_io != NULL)
		event_del(b->agent_io);
	agent_close(b->agent);
	b->agent = NULL;
	b->state = B_READY;
	b->logged_in = 1;
	log_debug("bastion %s: logged in", b->name);
}

/* The target is gone or the channel broke: tell the target (EOF on its
 * end) and close the channel on the next step. */
static void
bastion_chan_end(struct bastion_chan *c)
{
	if (c->sp != -1)
		shutdown(c->sp, SHUT_RDWR);
	c->sp_eof = c->ch_eof = 1;
	c->uplen = c->upoff = c->downlen = c->downoff = 0;
	c->closing = 1;
}

/* Answer a request whose channel opened: a socketpair, one end each. */
static void
bastion_chan_opened(struct bastion *b, struct bastion_chan *c)
{
	struct bastion_req	*r = c->req;
	int			 sv[2];

	c->req = NULL;
	if (r != NULL)
		r->chan = NULL;
	if (r == NULL) {		/* its target gave up meanwhile */
		c->closing = 1;
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1) {
		bastion_req_fail(r, HOST_REFUSED, strerror(errno));
		c->closing = 1;
		return;
	}
	c->sp = sv[0];
	c->ev = event_new(worker_base(b->worker), -1, 0, NULL, NULL);
	r->fd = sv[1];
	r->status = HOST_OK;
	r->why[0] = '\0';
	bastion_req_deliver(r);
}

/* The pending channel open, again. */
static int
bastion_do_open(struct bastion *b, struct bastion_chan *c)
{
	struct bastion_req	*r = c->req;
	struct ssh_chan		*ch = NULL;
	char			 msg[300], why[400];
	int			 shortage;
	enum host_status	 st;

	switch (ssh_tunnel_open(b->ssh, c->host, c->port, &ch, &shortage)) {
	case SSH_AGAIN:
		return SSH_AGAIN;
	case SSH_DONE:
		b->opening = NULL;
		c->ch = ch;
		bastion_chan_opened(b, c);
		return SSH_DONE;
	}
	b->opening = NULL;
	if ((st = ssh_tunnel_error(b->ssh, msg, sizeof msg)) ==
	    HOST_DISCONNECTED) {
		bastion_fail(b, HOST_DISCONNECTED, "%s", msg);
		return SSH_FAIL;
	}
	c->req = NULL;
	if (r != NULL)
		r->chan = NULL;
	if (r != NULL && shortage) {
		log_debug("bastion %s: no resources for a channel to %s:%d; "
		    "waiting", b->name, r->host, r->port);
		b->shortage_until_ms = mono_ms() + BASTION_SHORTAGE_MS;
		r->state = RQ_QUEUED;
		STAILQ_INSERT_HEAD(&b->queue, r, entry);
		b->refs++;
	} else if (r != NULL) {
		snprintf(why, sizeof why, "bastion %s cannot reach %s port %d: "
		    "%s", b->name, r->host, r->port, msg);
		bastion_req_fail(r, st, why);
	}
	bastion_chan_drop(b, c);
	return SSH_DONE;
}

/* Open channels for queued targets, one at a time, up to the cap. An
 * open that waits for its answer does not hold the other channels up. */
static int
bastion_open_queued(struct bastion *b)
{
	struct bastion_chan	*c;
	struct bastion_req	*r;
	int			 rc;

	while (b->opening == NULL && b->nchans < b->cap &&
	    (r = STAILQ_FIRST(&b->queue)) != NULL &&
	    mono_ms() >= b->shortage_until_ms) {
		STAILQ_REMOVE_HEAD(&b->queue, entry);
		c = xcalloc(1, sizeof *c);
		c->b = b;
		c->req = r;
		c->host = xstrdup(r->host);
		c->port = r->port;
		c->sp = -1;
		r->chan = c;
		TAILQ_INSERT_TAIL(&b->chans, c, entry);
		b->nchans++;		/* the request's reference moves here */
		r->state = RQ_OPENING;
		r->deadline_ms = mono_ms() +
		    b->sweep->conf->ssh.connect_timeout_ms;
		b->opening = c;
		if ((rc = bastion_do_open(b, c)) != SSH_DONE)
			return rc;
	}
	return SSH_DONE;
}

/* Channel -> target: read what the channel has into the down buffer and
 * write it to the socketpair. STEP_MOVED, or STEP_PENDING if a read left
 * a send half done (it becomes the pending call). */
static int
bastion_chan_down(struct bastion *b, struct bastion_chan *c)
{
	ssize_t	 n;
	int	 moved = 0;

	for (;;) {
		if (c->downoff < c->downlen) {
			n = write(c->sp, c->down + c->downoff, c->downlen -
			    c->downoff);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				bastion_chan_end(c);
				return 1;
			}
			c->downoff += (size_t)n;
			moved = 1;
			if (c->downoff < c->downlen)
				break;
			c->downlen = c->downoff = 0;
		}
		n = ssh_chan_read(c->ch, c->down, sizeof c->down);
		if (n > 0) {
			c->downlen = (size_t)n;
			moved = 1;
			continue;
		}
		if (n == SSH_FAIL) {
			bastion_chan_end(c);
			return 1;
		}
		if (ssh_wants(b->ssh) & SSH_WANT_WRITE) {
			b->op = OP_READ;
			b->opchan = c;
			return STEP_PENDING;
		}
		break;
	}
	if (!c->ch_eof && c->downlen == 0 && ssh_chan_eof(c->ch)) {
		shutdown(c->sp, SHUT_WR);	/* the target's server went away */
		c->ch_eof = 1;
		moved = 1;
	}
	return moved;
}

/* Target -> channel: read the socketpair into the up buffer and write it
 * into the channel. STEP_MOVED, or STEP_PENDING if the write must wait. */
static int
bastion_chan_up(struct bastion *b, struct bastion_chan *c)
{
	ssize_t	 n;
	int	 moved = 0;

	for (;;) {
		if (c->uplen == 0 && !c->sp_eof) {
			n = read(c->sp, c->up, sizeof c->up);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				c->sp_eof = 1;	/* the target is done */
				break;
			}
			c->uplen = (size_t)n;
			c->upoff = 0;
		}
		if (c->upoff >= c->uplen)
			break;
		n = ssh_chan_write(c->ch, c->up + c->upoff, c->uplen - c->upoff);
		if (n == SSH_AGAIN) {
			b->op = OP_WRITE;
			b->opchan = c;
			return STEP_PENDING;
		}
		if (n == SSH_FAIL) {
			bastion_chan_end(c);
			return 1;
		}
		if (n == 0)
			break;		/* window full: the far end reads on */
		moved = 1;
		if ((c->upoff += (size_t)n) == c->uplen)
			c->uplen = c->upoff = 0;
	}
	if (c->sp_eof && c->uplen == 0 && !c->closing) {
		c->closing = 1;
		moved = 1;
	}
	return moved;
}

/* One channel's turn: close it, or move bytes both ways. */
static int
bastion_chan_step(struct bastion *b, struct bastion_chan *c)
{
	int	 rc, moved = 0;

	if (c->ch == NULL)
		return 0;		/* still opening: the pending call */
	if (c->closing) {
		b->op = OP_FREE;
		b->opchan = c;
		if ((rc = ssh_chan_free(c->ch)) == SSH_AGAIN)
			return STEP_PENDING;
		b->op = OP_NONE;
		c->ch = NULL;
		bastion_chan_drop(b, c);
		return 1;
	}
	if ((rc = bastion_chan_down(b, c)) == STEP_PENDING)
		return rc;
	moved |= rc;
	if (c->closing)
		return 1;
	if ((rc = bastion_chan_up(b, c)) == STEP_PENDING)
		return rc;
	return moved | rc;
}

/* The call that said EAGAIN, again, with the same arguments. */
static int
bastion_retry(struct bastion *b)
{
	struct bastion_chan	*c = b->opchan;
	ssize_t			 n;

	switch (b->op) {
	case OP_NONE:
		return SSH_DONE;
	case OP_READ:
		n = ssh_chan_read(c->ch, c->down, sizeof c->down);
		if (n == 0 && (ssh_wants(b->ssh) & SSH_WANT_WRITE))
			return SSH_AGAIN;
		if (n > 0)
			c->downlen = (size_t)n;
		else if (n == SSH_FAIL)
			bastion_chan_end(c);
		break;
	case OP_WRITE:
		n = ssh_chan_write(c->ch, c->up + c->upoff, c->uplen - c->upoff);
		if (n == SSH_AGAIN)
			return SSH_AGAIN;
		if (n == SSH_FAIL)
			bastion_chan_end(c);
		else if ((c->upoff += (size_t)n) == c->uplen)
			c->uplen = c->upoff = 0;
		break;
	case OP_EOF:
	case OP_FREE:
		return bastion_chan_step(b, c) == STEP_PENDING ? SSH_AGAIN :
		    SSH_DONE;
	}
	b->op = OP_NONE;
	b->opchan = NULL;
	return SSH_DONE;
}

/* A read for one channel pulls every packet the socket has, for any
 * channel: did one that had its turn already get data or EOF that way?
 * (The socket is drained, so no wake-up would come for it.) */
static int
bastion_queued_input(struct bastion *b)
{
	struct bastion_chan	*c;

	TAILQ_FOREACH(c, &b->chans, entry)
		if (c->ch != NULL && !c->closing && c->downlen == 0 &&
		    (ssh_chan_pending(c->ch) || (!c->ch_eof &&
		    ssh_chan_eof(c->ch))))
			return 1;
	return 0;
}

/* Move bytes until nothing moves or a call must wait, then wait. */
static void
bastion_pump(struct bastion *b)
{
	struct bastion_chan	*c, *next;
	int			 rc, moved, reading = 0;

	do {
		moved = 0;
		if (bastion_retry(b) == SSH_AGAIN || b->state == B_DEAD)
			goto wait;
		if (b->opening != NULL) {
			rc = bastion_do_open(b, b->opening);
			if (b->state == B_DEAD)
				return;
			if (rc == SSH_AGAIN && (ssh_wants(b->ssh) &
			    SSH_WANT_WRITE))
				goto wait;	/* half sent: nothing else */
			moved |= rc == SSH_DONE;
		}
		for (c = TAILQ_FIRST(&b->chans); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			rc = bastion_chan_step(b, c);
			if (b->state == B_DEAD)
				return;
			if (rc == STEP_PENDING)
				goto wait;
			moved |= rc;
		}
		rc = bastion_open_queued(b);
		if (b->state == B_DEAD)
			return;
		if (rc == SSH_AGAIN && (ssh_wants(b->ssh) & SSH_WANT_WRITE))
			goto wait;
		moved |= bastion_queued_input(b);
	} while (moved);
wait:
	if (b->state == B_DEAD)
		return;
	/* while a call must be retried first, the targets' sockets are not
	 * watched: they would wake us for nothing, again and again */
	TAILQ_FOREACH(c, &b->chans, entry) {
		bastion_chan_wait(c, b->op == OP_NONE);
		if (c->ch != NULL && c->downlen == 0)
			reading = 1;
	}
	if (reading || b->op != OP_NONE || b->opening != NULL)
		bastion_wait(b);
	else {
		event_del(b->io);	/* nothing could take input now */
		b->io_flags = 0;
	}
}

/* Run the states until one waits; a ready bastion pumps. */
static void
bastion_run(struct bastion *b)
{
	enum bstate	 before;

	do {
		before = b->state;
		switch (b->state) {
		case B_START:
			bastion_start(b);
			break;
		case B_RESOLVE:
			break;
		case B_CONNECT:
			bastion_connect(b);
			break;
		case B_HANDSHAKE:
			bastion_handshake(b);
			break;
		case B_HOSTKEY:
			bastion_hostkey(b);
			break;
		case B_AUTH:
			bastion_auth(b);
			break;
		case B_READY:
			bastion_pump(b);
			return;
		case B_DEAD:
			return;
		}
	} while (b->state != before);
	if (b->state >= B_HANDSHAKE && b->state <= B_AUTH &&
	    (b->agent == NULL || agent_wants(b->agent) == 0))
		bastion_wait(b);
}

/* Every tick while the bastion lives: the connect deadline, channel
 * opens that take too long, the end of a "resource shortage" wait, and
 * an idle session that has lingered long enough. */
static void
bastion_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bastion		*b = arg;
	struct bastion_chan	*c;
	struct bastion_req	*r;
	int64_t			 now = mono_ms();
	char			 why[400];

	if (b->state < B_READY && now >= b->deadline_ms) {
		bastion_fail(b, HOST_BASTION_UNREACHABLE, "no session within "
		    "connect_timeout (stuck at %s)", b->state <= B_CONNECT ?
		    "connect" : b->state == B_HANDSHAKE ? "key exchange" :
		    b->state == B_HOSTKEY ? "host key" : "authentication");
		return;
	}
	TAILQ_FOREACH(c, &b->chans, entry) {
		if ((r = c->req) == NULL || now < r->deadline_ms)
			continue;
		c->req = NULL;		/* the open goes on; closed once open */
		r->chan = NULL;
		snprintf(why, sizeof why, "bastion %s did not open a tunnel to "
		    "%s port %d in time", b->name, r->host, r->port);
		r->status = HOST_CONNECT_TIMEOUT;
		r->fd = -1;
		snprintf(r->why, sizeof r->why, "%s", why);
		bastion_req_deliver(r);
	}
	if (b->refs == 0 && now - b->idle_since_ms >= BASTION_LINGER_MS) {
		log_debug("bastion %s: idle, closing", b->name);
		bastion_teardown(b, NULL, HOST_DISCONNECTED, "closed");
		return;
	}
	if (b->state == B_READY && !STAILQ_EMPTY(&b->queue))
		bastion_run(b);
}

/* A new bastion in the pool, started from the loop. */
static struct bastion *
bastion_new(struct bastion_pool *pool, struct worker *w, struct sweep *sw,
    const struct jump_hop *prev, size_t nprev, const struct jump_hop *hop,
    const char *key)
{
	struct event_base	*base = worker_base(w);
	struct timeval		 tv = { 0, BASTION_TICK_MS * 1000 };
	struct bastion		*b;
	size_t			 i;

	b = xcalloc(1, sizeof *b);
	b->pool = pool;
	b->worker = w;
	b->sweep = sw;
	b->key = xstrdup(key);
	b->user = xstrdup(hop->user);
	b->host = xstrdup(hop->host);
	b->port = hop->port;
	b->identity = xstrdup(hop->identity);
	if (hop->known_hosts != NULL)
		b->known_hosts = xstrdup(hop->known_hosts);
	xasprintf(&b->name, "%s@%s:%d", b->user, b->host, b->port);
	b->prev = xcalloc(nprev + 1, sizeof *b->prev);
	for (i = 0; i < nprev; i++) {
		b->prev[i].user = xstrdup(prev[i].user);
		b->prev[i].host = xstrdup(prev[i].host);
		b->prev[i].port = prev[i].port;
		b->prev[i].identity = xstrdup(prev[i].identity);
		if (prev[i].known_hosts != NULL)
			b->prev[i].known_hosts =
			    xstrdup(prev[i].known_hosts);
	}
	b->nprev = nprev;
	b->fd = -1;
	b->cap = sw->conf->bastion_concurrency;
	b->idle_since_ms = mono_ms();
	STAILQ_INIT(&b->queue);
	TAILQ_INIT(&b->chans);
	b->io = event_new(base, -1, 0, NULL, NULL);
	b->kick = event_new(base, -1, 0, bastion_kick_cb, b);
	b->tick = event_new(base, -1, EV_PERSIST, bastion_tick_cb, b);
	evtimer_add(b->tick, &tv);
	LIST_INSERT_HEAD(&pool->all, b, entry);
	bastion_kick(b);
	return b;
}

/* The session key: everything that makes two logins the same. */
static char *
bastion_key(const struct sweep *sw, const struct jump_hop *hops, size_t n)
{
	struct buf	 k = { 0 };
	size_t		 i;

	buf_printf(&k, "%lld", (long long)sw->id);
	for (i = 0; i < n; i++)
		buf_printf(&k, "|%s@%s:%d/%s/%s", hops[i].user, hops[i].host,
		    hops[i].port, hops[i].identity, hops[i].known_hosts != NULL ?
		    hops[i].known_hosts : "");
	return buf_steal(&k);
}

/* See bastion.h. */
struct bastion_req *
bastion_open(struct worker *w, struct sweep *sw, const struct jump_hop *hops,
    size_t n, const char *host, int port, bastion_cb cb, void *arg)
{
	struct bastion_pool	**pp = worker_bastions(w);
	const struct jump_hop	*last = &hops[n - 1];
	struct bastion		*b;
	struct bastion_req	*r;
	char			*key;

	if (*pp == NULL) {
		*pp = xcalloc(1, sizeof **pp);
		LIST_INIT(&(*pp)->all);
	}
	key = bastion_key(sw, hops, n);
	LIST_FOREACH(b, &(*pp)->all, entry)
		if (strcmp(b->key, key) == 0)
			break;
	if (b == NULL)
		b = bastion_new(*pp, w, sw, hops, n - 1, last, key);
	free(key);
	r = xcalloc(1, sizeof *r);
	r->b = b;
	r->host = xstrdup(host);
	r->port = port;
	r->cb = cb;
	r->arg = arg;
	r->fd = -1;
	r->state = RQ_QUEUED;
	STAILQ_INSERT_TAIL(&b->queue, r, entry);
	b->refs++;
	if (b->state == B_READY)
		bastion_kick(b);
	return r;
}

/* See bastion.h. */
void
bastion_cancel(struct bastion_req *r)
{
	struct bastion	*b = r->b;

	switch (r->state) {
	case RQ_QUEUED:
		STAILQ_REMOVE(&b->queue, r, bastion_req, entry);
		bastion_release(b);
		free(r->host);
		free(r);
		break;
	case RQ_OPENING:
		if (r->chan != NULL)
			r->chan->req = NULL;	/* closed once it opens */
		free(r->host);
		free(r);
		break;
	case RQ_DELIVER:
		r->cancelled = 1;		/* the answer event frees it */
		break;
	}
}

/* See bastion.h: after the worker's loop has stopped. */
void
bastion_pool_free(struct bastion_pool *pool)
{
	struct event_base	*base;
	struct bastion		*b;

	if (pool == NULL)
		return;
	while ((b = LIST_FIRST(&pool->all)) != NULL) {
		base = worker_base(b->worker);
		bastion_teardown(b, NULL, HOST_DISCONNECTED, "shutting down");
		event_base_loop(base, EVLOOP_NONBLOCK);	/* runs the frees */
	}
	free(pool);
}
