/* The per-host job: one small function per state, run by job_run() until a
 * state has to wait for the socket, a timer or DNS. Every failure path is
 * the same call, job_fail(), which records one status and tears down. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/job.h"
#include "daemon/knownhosts.h"
#include "daemon/ssh.h"
#include "daemon/worker.h"
#include "storage/storage.h"

#define JOB_GRACE_MS	2000	/* local deadline past the remote timeout */
#define JOB_CLEANUP_MS	2000	/* polite close, then abort */
#define JOB_STDERR_CAP	65536	/* stderr kept per channel */
#define JOB_READ_CHUNK	32768	/* one full SSH packet */
#define JOB_MAX_SPINS	64	/* reruns with no direction before waiting */

enum step {
	STEP_NEXT,		/* state changed: run the next one now */
	STEP_SSH,		/* libssh2 said EAGAIN: wait as it wants */
	STEP_WAIT,		/* waiting for DNS, connect or a timer */
};

static const char *job_state_names[JOB_STATE_MAX] = {
	"new", "resolve", "connect", "handshake", "hostkey", "auth",
	"chan_open", "chan_exec", "chan_read", "chan_close", "chan_free",
	"disconnect", "session_free", "done",
};

static void	job_run(struct job *);
static void	job_io_cb(evutil_socket_t, short, void *);
static enum step job_fail(struct job *, enum host_status, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Name of a state, for logs. */
const char *
job_state_str(enum job_state s)
{
	return (unsigned)s < JOB_STATE_MAX ? job_state_names[s] : "?";
}

/* Move to the next state; states only go forward, except that a freed
 * channel leads to the next channel, and teardown may be re-entered. */
static void
job_set_state(struct job *job, enum job_state next)
{
	enum job_state	 cur = job->state;

	assert(next > cur || (cur == JOB_CHAN_FREE && next == JOB_CHAN_OPEN) ||
	    (next == cur && next == JOB_SESSION_FREE));
	log_debug("%s: %s -> %s", job->host->name, job_state_str(cur),
	    job_state_str(next));
	job->state = next;
}

/* (Re)arm the deadline of the current phase. */
static void
job_arm_phase(struct job *job, int64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(job->phase_timer, &tv);
}

/* Wait on the socket for the given libevent flags. The event persists, so
 * waiting again for the same direction costs no epoll_ctl. */
static void
job_wait_fd(struct job *job, short flags)
{
	if (job->io_flags == flags && event_pending(job->io, EV_READ |
	    EV_WRITE, NULL))
		return;
	event_del(job->io);
	event_assign(job->io, worker_base(job->worker), job->fd,
	    flags | EV_PERSIST, job_io_cb, job);
	event_add(job->io, NULL);
	job->io_flags = flags;
}

/* Wait as libssh2 wants; if it wants nothing in particular, run again
 * soon (bounded, then fall back to waiting for input). */
static void
job_wait_ssh(struct job *job)
{
	int	 w = ssh_wants(job->ssh);
	short	 flags = 0;

	if (w & SSH_WANT_READ)
		flags |= EV_READ;
	if (w & SSH_WANT_WRITE)
		flags |= EV_WRITE;
	if (flags == 0 && ++job->spins <= JOB_MAX_SPINS) {
		job_wait_fd(job, EV_READ);
		event_active(job->io, EV_TIMEOUT, 0);
		return;
	}
	job_wait_fd(job, flags != 0 ? flags : EV_READ);
}

/* The part the current channel is running now. */
static const struct job_part *
job_current_part(const struct job *job)
{
	const struct job_unit	*u = &job->units[job->unit];
	size_t			 i = u->first + job->ends;

	if (i >= u->first + u->nparts)
		i = u->first + u->nparts - 1;
	return &job->parts[i];
}

/* Local deadline for that part: its remote timeout plus a grace. */
static int64_t
job_part_deadline(const struct job *job)
{
	return job_current_part(job)->timeout_ms + JOB_GRACE_MS;
}

/* Which status a deadline means in the current state. */
static enum host_status
job_timeout_status(const struct job *job)
{
	switch (job->state) {
	case JOB_NEW:
	case JOB_RESOLVE:
		return HOST_DNS_ERROR;
	case JOB_CONNECT:
		return HOST_CONNECT_TIMEOUT;
	case JOB_HANDSHAKE:
	case JOB_HOSTKEY:
	case JOB_AUTH:
		return HOST_HANDSHAKE_TIMEOUT;
	default:
		return HOST_COMMAND_TIMEOUT;
	}
}

/* A deadline passed: fail the phase we are in, or cut cleanup short. */
static void
job_deadline(struct job *job, const char *which)
{
	static const char *phase[JOB_STATE_MAX] = {
		[JOB_NEW] = "DNS lookup", [JOB_RESOLVE] = "DNS lookup",
		[JOB_CONNECT] = "TCP connect", [JOB_HANDSHAKE] = "SSH handshake",
		[JOB_HOSTKEY] = "SSH handshake", [JOB_AUTH] = "authentication",
	};
	char	 t[32];

	fmt_ms(mono_ms() - (job->state >= JOB_CHAN_OPEN ?
	    job->unit_started_ms : job->started_ms), t, sizeof t);
	if (job->state >= JOB_DISCONNECT) {
		if (!job->aborting)
			job_fail(job, HOST_OK, "cleanup took too long");
	} else if (job->state >= JOB_CHAN_OPEN)
		job_fail(job, HOST_COMMAND_TIMEOUT, "collector %s did not "
		    "finish in time (%s; %s deadline)",
		    job_current_part(job)->name, t, which);
	else
		job_fail(job, job_timeout_status(job), "%s did not complete "
		    "in time (%s; %s deadline)", phase[job->state], t, which);
	job_run(job);
}

/* Phase deadline callback. */
static void
job_phase_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*job = arg;

	job_deadline(job, job->state >= JOB_CHAN_OPEN ? "command_timeout" :
	    "connect_timeout");
}

/* Whole-host deadline callback. */
static void
job_host_cb(evutil_socket_t fd, short what, void *arg)
{
	job_deadline(arg, "host_timeout");
}

/* Socket readiness callback. */
static void
job_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*job = arg;

	if (what & (EV_READ | EV_WRITE))
		job->spins = 0;
	job_run(job);
}

/* Record the failure, keep what a channel produced so far, and tear the
 * session down without waiting for the peer. status HOST_OK means "the
 * result stands, just stop" (cleanup that overran). */
static enum step
job_fail(struct job *job, enum host_status status, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (status != HOST_OK) {
		if (job->state >= JOB_CHAN_OPEN && job->state <= JOB_CHAN_FREE &&
		    job->unit < job->nunits)
			job_harvest_unit_abnormal(job, status ==
			    HOST_COMMAND_TIMEOUT ? COLL_TIMEOUT : COLL_FAILED,
			    msg);
		host_result_set_error(job->res, status, "%s", msg);
	} else
		log_debug("%s: %s", job->host->name, msg);
	job->aborting = 1;
	event_del(job->io);
	evtimer_del(job->phase_timer);
	if (job->dns_pending && job->dns != NULL) {
		evdns_getaddrinfo_cancel(job->dns);	/* answers later */
		job->dns = NULL;
	}
	if (job->fd != -1)
		shutdown(job->fd, SHUT_RDWR);
	if (job->state != JOB_DONE)
		job_set_state(job, JOB_SESSION_FREE);
	return STEP_NEXT;
}

/* DNS answer. It may come from inside evdns_getaddrinfo(), and after a
 * cancel it still comes, later: the job stays allocated until then. */
static void
job_dns_cb(int err, struct evutil_addrinfo *ai, void *arg)
{
	struct job	*job = arg;

	job->dns_pending = 0;
	job->dns = NULL;
	if (err == EVUTIL_EAI_CANCEL || job->aborting) {
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		if (job->free_on_dns)
			job_free(job);
		return;
	}
	if (err != 0 || ai == NULL)
		job_fail(job, HOST_DNS_ERROR, "cannot resolve %s: %s",
		    job->host->address, evutil_gai_strerror(err));
	else {
		memcpy(&job->addr, ai->ai_addr, ai->ai_addrlen);
		job->addrlen = ai->ai_addrlen;
		job_set_state(job, JOB_CONNECT);
	}
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
	if (!job->in_dns_call)
		job_run(job);
}

/* Fill the address from an IP literal; 0 if it is one. */
static int
job_literal(struct job *job)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&job->addr;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&job->addr;

	memset(&job->addr, 0, sizeof job->addr);
	if (inet_pton(AF_INET, job->host->address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		job->addrlen = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, job->host->address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		job->addrlen = sizeof *sin6;
		return 0;
	}
	return -1;
}

/* Resolve the address unless it is a literal. */
static enum step
job_state_resolve(struct job *job)
{
	struct evutil_addrinfo			 hints;
	struct evdns_getaddrinfo_request	*req;

	job_set_state(job, JOB_RESOLVE);
	if (job_literal(job) == 0) {
		job_set_state(job, JOB_CONNECT);
		return STEP_NEXT;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	job_arm_phase(job, job->sweep->conf->ssh.connect_timeout_ms);
	job->dns_pending = job->in_dns_call = 1;
	req = evdns_getaddrinfo(worker_dns(job->worker), job->host->address,
	    NULL, &hints, job_dns_cb, job);
	job->in_dns_call = 0;
	if (!job->dns_pending)
		return STEP_NEXT;	/* answered at once */
	job->dns = req;
	return STEP_WAIT;
}

/* Port in network order into the resolved address. */
static void
job_set_port(struct job *job)
{
	in_port_t	 port = htons((in_port_t)job->host->port);

	if (job->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&job->addr)->sin_port = port;
	else
		((struct sockaddr_in6 *)&job->addr)->sin6_port = port;
}

/* Classify a failed connect. */
static enum step
job_connect_error(struct job *job, int err)
{
	if (err == ETIMEDOUT)
		return job_fail(job, HOST_CONNECT_TIMEOUT, "connect to %s "
		    "port %d: %s", job->host->address, job->host->port,
		    strerror(err));
	return job_fail(job, HOST_REFUSED, "connect to %s port %d: %s",
	    job->host->address, job->host->port, strerror(err));
}

/* Non-blocking connect; on wake-up, read its outcome. */
static enum step
job_state_connect(struct job *job)
{
	int		 one = 1, err = 0;
	socklen_t	 len = sizeof err;

	if (job->fd == -1) {
		job_set_port(job);
		job->fd = socket(job->addr.ss_family, SOCK_STREAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (job->fd == -1)
			return job_fail(job, HOST_REFUSED, "socket: %s",
			    strerror(errno));
		setsockopt(job->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one);
		job_arm_phase(job, job->sweep->conf->ssh.connect_timeout_ms);
		if (connect(job->fd, (struct sockaddr *)&job->addr,
		    job->addrlen) == -1) {
			if (errno != EINPROGRESS)
				return job_connect_error(job, errno);
			job_wait_fd(job, EV_WRITE);
			return STEP_WAIT;
		}
	} else if (getsockopt(job->fd, SOL_SOCKET, SO_ERROR, &err,
	    &len) == -1 || err != 0)
		return job_connect_error(job, err != 0 ? err : errno);
	job_set_state(job, JOB_HANDSHAKE);
	job_arm_phase(job, job->sweep->conf->ssh.connect_timeout_ms);
	job->ssh = ssh_new(job->fd, worker_known_hosts(job->worker,
	    job->sweep), job->host->address, job->host->port);
	return STEP_NEXT;
}

/* Fail with libssh2's own account of what went wrong. */
static enum step
job_ssh_error(struct job *job, const char *what)
{
	char			 msg[300];
	enum host_status	 s;

	s = ssh_error(job->ssh, msg, sizeof msg);
	return job_fail(job, s, "%s: %s", what, msg);
}

/* SSH key exchange. */
static enum step
job_state_handshake(struct job *job)
{
	switch (ssh_handshake(job->ssh)) {
	case SSH_AGAIN:
		return STEP_SSH;
	case SSH_FAIL:
		return job_ssh_error(job, "SSH handshake failed");
	}
	job_set_state(job, JOB_HOSTKEY);
	return STEP_NEXT;
}

/* Learn an unknown key (accept-new), never a changed one. */
static enum step
job_learn_key(struct job *job, const char *fp, const char *line)
{
	const char	*path = job->sweep->conf->ssh.known_hosts;
	char		 err[300];

	if (job->sweep->conf->ssh.host_key_checking != HOSTKEY_ACCEPT_NEW ||
	    line == NULL)
		return job_fail(job, HOST_HOSTKEY_UNKNOWN, "host key %s of %s "
		    "is not in %s (host_key_checking: strict); verify it and "
		    "add it, or use accept-new", fp, job->host->address, path);
	if (known_hosts_append(path, line, err, sizeof err) == -1)
		return job_fail(job, HOST_HOSTKEY_UNKNOWN, "host key %s is "
		    "new and cannot be recorded: %s", fp, err);
	log_info("%s: learned host key %s into %s (accept-new)",
	    job->host->name, fp, path);
	job_set_state(job, JOB_AUTH);
	return STEP_NEXT;
}

/* Host key against known_hosts: strict by default. */
static enum step
job_state_hostkey(struct job *job)
{
	char	 fp[128], *learn = NULL;
	enum step rc;

	switch (ssh_check_hostkey(job->ssh, job->sweep->kh, fp, sizeof fp,
	    &learn)) {
	case SSH_HOSTKEY_MATCH:
		job_set_state(job, JOB_AUTH);
		return STEP_NEXT;
	case SSH_HOSTKEY_UNKNOWN:
		rc = job_learn_key(job, fp, learn);
		free(learn);
		return rc;
	case SSH_HOSTKEY_MISMATCH:
		log_warnx("%s: HOST KEY CHANGED: %s offers %s, which is not "
		    "the key in %s; not authenticating (possible "
		    "man-in-the-middle)", job->host->name, job->host->address,
		    fp, job->sweep->conf->ssh.known_hosts);
		return job_fail(job, HOST_HOSTKEY_MISMATCH, "host key changed: "
		    "%s offers %s, known_hosts has another key; not "
		    "authenticating until known_hosts is fixed",
		    job->host->address, fp);
	case SSH_HOSTKEY_REVOKED:
		log_warnx("%s: host key %s is marked @revoked",
		    job->host->name, fp);
		return job_fail(job, HOST_HOSTKEY_MISMATCH, "host key %s is "
		    "marked @revoked in known_hosts; not authenticating", fp);
	default:
		return job_fail(job, HOST_PROTOCOL_ERROR, "cannot read the "
		    "server's host key");
	}
}

/* Public-key authentication with the key read at sweep start. */
static enum step
job_state_auth(struct job *job)
{
	const struct identity	*id;

	id = sweep_identity(job->sweep, job->host->identity);
	if (id == NULL || id->key == NULL)
		return job_fail(job, HOST_AUTH_FAILED, "cannot use identity "
		    "%s: %s", job->host->identity,
		    id != NULL && id->error != NULL ? id->error : "not loaded");
	switch (ssh_auth_pubkey(job->ssh, job->host->user, id->key)) {
	case SSH_AGAIN:
		return STEP_SSH;
	case SSH_FAIL:
		if (!ssh_is_auth_error(job->ssh))
			return job_ssh_error(job, "authentication");
		return job_fail(job, HOST_AUTH_FAILED, "public key %s rejected "
		    "for user %s%s", id->path, job->host->user,
		    ssh_auth_hint(id->key));
	}
	job->authed = 1;
	job->res->authed_us = wall_us();
	worker_report(job->worker, job->idx, JOB_EV_AUTHED, HOST_OK);
	job_plan(job);
	job->unit = 0;
	job_set_state(job, job->nunits > 0 ? JOB_CHAN_OPEN : JOB_DISCONNECT);
	return STEP_NEXT;
}

/* Open the channel for the current unit. */
static enum step
job_state_chan_open(struct job *job)
{
	if (job->unit_started_ms == 0) {
		job->unit_started_ms = mono_ms();
		job->ends = job->scan = 0;
		job->truncated = 0;
		job->out_cap = job->sweep->conf->max_output *
		    job->units[job->unit].nparts;
		job->exit_code = -1;
		job->exit_signal[0] = '\0';
		buf_reset(&job->out);
		buf_reset(&job->err);
		job_arm_phase(job, job_part_deadline(job));
	}
	switch (ssh_channel_open(job->ssh, job->sweep->window)) {
	case SSH_AGAIN:
		return STEP_SSH;
	case SSH_FAIL:
		return job_ssh_error(job, "cannot open a channel");
	}
	job_set_state(job, JOB_CHAN_EXEC);
	return STEP_NEXT;
}

/* Start the unit's command. */
static enum step
job_state_chan_exec(struct job *job)
{
	switch (ssh_channel_exec(job->ssh, job->units[job->unit].command)) {
	case SSH_AGAIN:
		return STEP_SSH;
	case SSH_FAIL:
		return job_ssh_error(job, "cannot start the collectors");
	}
	job_set_state(job, JOB_CHAN_READ);
	return STEP_NEXT;
}

/* Combined channel: count finished parts, so each part gets its own
 * deadline (the phase timer is re-armed as each one ends). */
static void
job_scan_ends(struct job *job)
{
	char		 mark[64];
	size_t		 mlen;
	const char	*p;

	if (job->units[job->unit].nparts < 2)
		return;
	mlen = (size_t)snprintf(mark, sizeof mark, "\n@@rc:%s:end:",
	    job->sweep->nonce);
	while (job->scan < job->out.len && (p = memmem(job->out.data +
	    job->scan, job->out.len - job->scan, mark, mlen)) != NULL) {
		job->scan = (size_t)(p - job->out.data) + 1;
		job->ends++;
		job_arm_phase(job, job_part_deadline(job));
	}
	if (job->out.len >= mlen && job->scan < job->out.len - mlen)
		job->scan = job->out.len - mlen;
}

/* Keep stdout up to the cap; past it, stop reading and close. */
static void
job_keep_stdout(struct job *job, const char *p, size_t n)
{
	if (job->out.len + n > job->out_cap) {
		n = job->out_cap - job->out.len;
		job->truncated = 1;
	}
	buf_append(&job->out, p, n);
	job_scan_ends(job);
}

/* Drain stdout and stderr, every wake-up, until EOF. Each read makes
 * libssh2 pull everything the socket has into its queue; further reads are
 * made only while the queue holds data, so a wake-up costs one recv() that
 * says EAGAIN, not one per stream and round. */
static enum step
job_state_chan_read(struct job *job)
{
	char	 chunk[JOB_READ_CHUNK];
	ssize_t	 n, m = 0;

	for (;;) {
		n = ssh_channel_read(job->ssh, 0, chunk, sizeof chunk);
		if (n > 0)
			job_keep_stdout(job, chunk, (size_t)n);
		if (job->truncated)
			break;
		if (ssh_channel_pending(job->ssh, 1) &&
		    !ssh_channel_pending(job->ssh, 0)) {
			m = ssh_channel_read(job->ssh, 1, chunk, sizeof chunk);
			if (m > 0 && job->err.len < JOB_STDERR_CAP)
				buf_append(&job->err, chunk, (size_t)m);
		}
		if (n == SSH_FAIL || m == SSH_FAIL)
			return job_ssh_error(job, "reading command output");
		if (!ssh_channel_pending(job->ssh, 1))
			break;
	}
	if (!job->truncated && !ssh_channel_eof(job->ssh))
		return STEP_SSH;
	job_set_state(job, JOB_CHAN_CLOSE);
	return STEP_NEXT;
}

/* Close the channel; the exit status is known once the peer closed. */
static enum step
job_state_chan_close(struct job *job)
{
	switch (ssh_channel_close(job->ssh)) {
	case SSH_AGAIN:
		return STEP_SSH;
	case SSH_FAIL:
		if (!job->truncated)
			return job_ssh_error(job, "closing the channel");
		break;		/* we cut it short: the peer may be rude */
	default:
		job->exit_code = ssh_channel_exit_status(job->ssh,
		    job->exit_signal, sizeof job->exit_signal);
	}
	job_harvest_unit(job);
	job_set_state(job, JOB_CHAN_FREE);
	return STEP_NEXT;
}

/* Free the channel, then the next unit or goodbye. */
static enum step
job_state_chan_free(struct job *job)
{
	if (ssh_channel_free(job->ssh) == SSH_AGAIN)
		return STEP_SSH;
	job->unit_started_ms = 0;
	if (++job->unit < job->nunits) {
		job_set_state(job, JOB_CHAN_OPEN);
		return STEP_NEXT;
	}
	job_set_state(job, JOB_DISCONNECT);
	job_arm_phase(job, JOB_CLEANUP_MS);
	return STEP_NEXT;
}

/* Say goodbye; a failure here changes nothing about the result. */
static enum step
job_state_disconnect(struct job *job)
{
	if (ssh_disconnect(job->ssh) == SSH_AGAIN)
		return STEP_SSH;
	job_set_state(job, JOB_SESSION_FREE);
	return STEP_NEXT;
}

/* Free the session (may take several calls when not aborting). */
static enum step
job_state_session_free(struct job *job)
{
	int	 i, rc;

	if (job->ssh != NULL) {
		rc = ssh_free(job->ssh);
		if (rc == SSH_AGAIN && !job->aborting)
			return STEP_SSH;
		/* On a shut-down socket libssh2's sends fail at once. */
		for (i = 0; i < 4 && rc == SSH_AGAIN; i++)
			rc = ssh_free(job->ssh);
		if (rc == SSH_AGAIN)
			log_warnx("%s: libssh2 session could not be freed",
			    job->host->name);
		job->ssh = NULL;
	}
	job_set_state(job, JOB_DONE);
	return STEP_NEXT;
}

/* Free the job from the loop, never from inside its own callbacks; a
 * cancelled lookup still to answer frees it instead. */
static void
job_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*job = arg;

	if (job->dns_pending)
		job->free_on_dns = 1;
	else
		job_free(job);
}

/* Report the result and schedule the free. */
static void
job_finish(struct job *job)
{
	struct host_result	*res = job->res;
	struct timeval		 zero = { 0, 0 };
	enum host_status	 status;
	size_t			 i;

	event_del(job->io);
	evtimer_del(job->phase_timer);
	evtimer_del(job->host_timer);
	if (job->fd >= 0)
		close(job->fd);
	job->fd = -1;
	worker_job_done(job->worker, job);
	for (i = 0; i < job->nparts && res->status == HOST_OK; i++)
		if (job->parts[i].res->status == COLL_TIMEOUT)
			host_result_set_error(res, HOST_COMMAND_TIMEOUT,
			    "collector %s timed out", job->parts[i].name);
	res->ended_us = wall_us();
	status = res->status;
	if (job->cancelled)
		log_debug("%s: cancelled, result dropped", job->host->name);
	else if (status != HOST_OK)
		log_warnx("%s (%s): %s: %s", job->host->name,
		    job->host->address, host_status_str(status),
		    res->error != NULL ? res->error : "");
	if (!job->cancelled) {
		job->res = NULL;
		writer_submit(job->sweep->writer, res);
	}
	worker_report(job->worker, job->idx, JOB_EV_DONE, job->cancelled ?
	    HOST_STATUS_MAX : status);
	event_base_once(worker_base(job->worker), -1, EV_TIMEOUT, job_free_cb,
	    job, &zero);
}

/* Run states until one has to wait. */
static void
job_run(struct job *job)
{
	enum step	 rc = STEP_NEXT;

	while (rc == STEP_NEXT) {
		switch (job->state) {
		case JOB_NEW:
			rc = job_state_resolve(job);
			break;
		case JOB_RESOLVE:
			rc = STEP_WAIT;
			break;
		case JOB_CONNECT:
			rc = job_state_connect(job);
			break;
		case JOB_HANDSHAKE:
			rc = job_state_handshake(job);
			break;
		case JOB_HOSTKEY:
			rc = job_state_hostkey(job);
			break;
		case JOB_AUTH:
			rc = job_state_auth(job);
			break;
		case JOB_CHAN_OPEN:
			rc = job_state_chan_open(job);
			break;
		case JOB_CHAN_EXEC:
			rc = job_state_chan_exec(job);
			break;
		case JOB_CHAN_READ:
			rc = job_state_chan_read(job);
			break;
		case JOB_CHAN_CLOSE:
			rc = job_state_chan_close(job);
			break;
		case JOB_CHAN_FREE:
			rc = job_state_chan_free(job);
			break;
		case JOB_DISCONNECT:
			rc = job_state_disconnect(job);
			break;
		case JOB_SESSION_FREE:
			rc = job_state_session_free(job);
			break;
		case JOB_DONE:
			job_finish(job);
			return;
		default:
			fatalx("job %s: bad state %d", job->host->name,
			    job->state);
		}
	}
	if (rc == STEP_SSH)
		job_wait_ssh(job);
}

/* Start a job on this worker: timers, then the first state. */
void
job_start(struct job *job)
{
	struct event_base	*base = worker_base(job->worker);
	struct timeval		 tv;
	int64_t			 ms = job->sweep->conf->ssh.host_timeout_ms;

	job->fd = -1;
	job->started_ms = mono_ms();
	job->io = event_new(base, -1, 0, job_io_cb, job);
	job->phase_timer = evtimer_new(base, job_phase_cb, job);
	job->host_timer = evtimer_new(base, job_host_cb, job);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(job->host_timer, &tv);
	job->res = host_result_new(job->host->name, job->host->address,
	    job->host->port, job->sweep->id);
	job->res->started_us = wall_us();
	job_run(job);
}

/* Abort a running job at shutdown: it ends at once and reports nothing
 * to storage (a half-done host is not a result). */
void
job_cancel(struct job *job)
{
	if (job->state == JOB_DONE)
		return;
	job->cancelled = 1;
	if (job->aborting)
		return;		/* already tearing down */
	job_fail(job, HOST_OK, "cancelled at shutdown");
	job_run(job);
}

/* Free a job and everything it still holds. */
void
job_free(struct job *job)
{
	size_t	 i;

	if (job == NULL)
		return;
	if (job->io != NULL)
		event_free(job->io);
	if (job->phase_timer != NULL)
		event_free(job->phase_timer);
	if (job->host_timer != NULL)
		event_free(job->host_timer);
	if (job->fd >= 0)
		close(job->fd);
	for (i = 0; i < job->nunits; i++)
		free(job->units[i].command);
	for (i = 0; i < job->nparts; i++)
		free(job->parts[i].alloc_name);
	free(job->units);
	free(job->parts);
	buf_free(&job->out);
	buf_free(&job->err);
	host_result_free(job->res);
	if (job->worker != NULL)
		worker_job_freed(job->worker);
	free(job);
}
