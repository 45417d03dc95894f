/* The per-host job: one small function per state, run by job_run() until a
 * state has to wait for the socket, a timer or DNS. What a state means (its
 * name, phase, deadline and the status that deadline gives) is one line of
 * job_states[]. Every failure path is the same call, job_fail(), which
 * records one status and tears down. A local host (ansible_connection:
 * local) goes from new straight to its units and runs each unit's command
 * text as a local process (daemon/localrun.c) with the same deadlines,
 * output cap and harvest as a channel. */
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
#include "daemon/bastion.h"
#include "daemon/job.h"
#include "daemon/knownhosts.h"
#include "daemon/localrun.h"
#include "daemon/ssh.h"
#include "daemon/sshagent.h"
#include "daemon/worker.h"
#include "storage/digest.h"
#include "storage/storage.h"

#define JOB_GRACE_MS	2000	/* local deadline past the remote timeout */
#define JOB_CLEANUP_MS	2000	/* polite close, then abort */
#define JOB_STDERR_CAP	65536	/* stderr kept per channel */
#define JOB_READ_CHUNK	32768	/* one full SSH packet */
#define JOB_MAX_SPINS	64	/* reruns with no direction before waiting */
#define JOB_ATTEMPTS	2	/* TCP connections per host (ConnectionAttempts) */
#define JOB_RETRY_MIN_MS 100	/* delay before the second one: at least */
#define JOB_RETRY_SPREAD_MS 400	/* plus a random part up to this */
#define JOB_FD_RETRY_MS	250	/* FD_WAIT: try again this often */
#define JOB_FD_WARN_MS	10000	/* at most one EMFILE warning this often */
#define JOB_LOCAL_READS	16	/* local: reads per stream per wake-up */

#define STEP_NEXT	JOB_STEP_NEXT
#define STEP_SSH	JOB_STEP_SSH
#define STEP_WAIT	JOB_STEP_WAIT

static enum job_step job_state_resolve(struct job *);
static enum job_step job_state_wait(struct job *);
static enum job_step job_state_socket(struct job *);
static enum job_step job_state_fd_wait(struct job *);
static enum job_step job_state_connect(struct job *);
static enum job_step job_state_tunnel(struct job *);
static enum job_step job_state_reconnect(struct job *);
static enum job_step job_state_handshake(struct job *);
static enum job_step job_state_hostkey(struct job *);
static enum job_step job_state_auth(struct job *);
static enum job_step job_state_unit_start(struct job *);
static enum job_step job_state_local_spawn(struct job *);
static enum job_step job_state_local_read(struct job *);
static enum job_step job_state_local_exit(struct job *);
static enum job_step job_state_chan_open(struct job *);
static enum job_step job_state_chan_exec(struct job *);
static enum job_step job_state_chan_read(struct job *);
static enum job_step job_state_chan_close(struct job *);
static enum job_step job_state_chan_wait_closed(struct job *);
static enum job_step job_state_chan_free(struct job *);
static enum job_step job_state_disconnect(struct job *);
static enum job_step job_state_session_free(struct job *);
static enum job_step job_state_abort(struct job *);
static enum job_step job_state_done(struct job *);
static enum job_step job_authed(struct job *);

#define CONN	JOB_BUDGET_CONNECT
#define CMD	JOB_BUDGET_COMMAND
#define CLEAN	JOB_BUDGET_CLEANUP
#define NONE	JOB_BUDGET_NONE
/* Every state: function, name, phase (for messages), deadline, whether
 * entering it starts a new phase (else it goes on with the phase's budget,
 * as DNS and TCP connect share connect_timeout), the status that deadline
 * gives, and the earlier state it may go back to. */
static const struct job_state_info job_states[] = {
	[JOB_NEW] = { job_state_resolve, "new", "start", NONE, 0,
	    HOST_DNS_ERROR, JOB_NEW },
	[JOB_RESOLVE] = { job_state_wait, "resolve", "DNS lookup", CONN, 1,
	    HOST_DNS_ERROR, JOB_NEW },
	[JOB_SOCKET] = { job_state_socket, "socket", "TCP connect", CONN, 0,
	    HOST_CONNECT_TIMEOUT, JOB_NEW },
	[JOB_FD_WAIT] = { job_state_fd_wait, "fd_wait", "waiting for a free "
	    "file descriptor", NONE, 0, HOST_LOCAL_ERROR, JOB_SOCKET },
	[JOB_CONNECT] = { job_state_connect, "connect", "TCP connect", CONN, 0,
	    HOST_CONNECT_TIMEOUT, JOB_NEW },
	[JOB_RECONNECT] = { job_state_reconnect, "reconnect", "TCP connect "
	    "(second attempt)", CONN, 1, HOST_CONNECT_TIMEOUT, JOB_SOCKET },
	[JOB_TUNNEL] = { job_state_tunnel, "tunnel", "bastion tunnel", NONE,
	    0, HOST_CONNECT_TIMEOUT, JOB_NEW },
	[JOB_HANDSHAKE] = { job_state_handshake, "handshake", "SSH handshake",
	    CONN, 1, HOST_HANDSHAKE_TIMEOUT, JOB_RECONNECT },
	[JOB_HOSTKEY] = { job_state_hostkey, "hostkey", "SSH handshake", CONN,
	    0, HOST_HANDSHAKE_TIMEOUT, JOB_NEW },
	[JOB_AUTH] = { job_state_auth, "auth", "authentication", CONN, 0,
	    HOST_HANDSHAKE_TIMEOUT, JOB_NEW },
	[JOB_UNIT_START] = { job_state_unit_start, "unit_start", "collector",
	    NONE, 0, HOST_COMMAND_TIMEOUT, JOB_NEW },
	[JOB_LOCAL_SPAWN] = { job_state_local_spawn, "local_spawn",
	    "collector", CMD, 1, HOST_COMMAND_TIMEOUT, JOB_NEW },
	[JOB_LOCAL_READ] = { job_state_local_read, "local_read", "collector",
	    CMD, 0, HOST_COMMAND_TIMEOUT, JOB_NEW },
	[JOB_LOCAL_EXIT] = { job_state_local_exit, "local_exit", "collector",
	    CMD, 0, HOST_COMMAND_TIMEOUT, JOB_UNIT_START },
	[JOB_CHAN_OPEN] = { job_state_chan_open, "chan_open", "collector", CMD,
	    1, HOST_COMMAND_TIMEOUT, JOB_NEW },
	[JOB_CHAN_EXEC] = { job_state_chan_exec, "chan_exec", "collector", CMD,
	    0, HOST_COMMAND_TIMEOUT, JOB_NEW },
	[JOB_CHAN_READ] = { job_state_chan_read, "chan_read", "collector", CMD,
	    0, HOST_COMMAND_TIMEOUT, JOB_NEW },
	[JOB_CHAN_CLOSE] = { job_state_chan_close, "chan_close", "collector",
	    CMD, 0, HOST_COMMAND_TIMEOUT, JOB_NEW },
	[JOB_CHAN_WAIT_CLOSED] = { job_state_chan_wait_closed,
	    "chan_wait_closed", "collector", CMD, 0, HOST_COMMAND_TIMEOUT,
	    JOB_NEW },
	[JOB_CHAN_FREE] = { job_state_chan_free, "chan_free", "collector", CMD,
	    0, HOST_COMMAND_TIMEOUT, JOB_UNIT_START },
	[JOB_DISCONNECT] = { job_state_disconnect, "disconnect", "cleanup",
	    CLEAN, 1, HOST_OK, JOB_NEW },
	[JOB_SESSION_FREE] = { job_state_session_free, "session_free",
	    "cleanup", CLEAN, 0, HOST_OK, JOB_NEW },
	[JOB_ABORT] = { job_state_abort, "abort", "cleanup", NONE, 0, HOST_OK,
	    JOB_NEW },
	[JOB_DONE] = { job_state_done, "done", "done", NONE, 0, HOST_OK,
	    JOB_NEW },
};
_Static_assert(sizeof job_states / sizeof job_states[0] == JOB_STATE_MAX,
    "every job state needs its line in job_states[]");
#undef CONN
#undef CMD
#undef CLEAN
#undef NONE

/* Deadline names, for timeout messages. */
static const char *job_budget_names[] = {
	[JOB_BUDGET_NONE] = "host_timeout",
	[JOB_BUDGET_CONNECT] = "connect_timeout",
	[JOB_BUDGET_COMMAND] = "command_timeout",
	[JOB_BUDGET_CLEANUP] = "cleanup",
};

/* Jobs of this worker thread in JOB_FD_WAIT, oldest first: a descriptor
 * freed here goes to the first of them. */
static _Thread_local TAILQ_HEAD(job_fdq, job) job_fdq;

static void	job_run(struct job *);
static void	job_io_cb(evutil_socket_t, short, void *);
static void	job_arm_phase(struct job *);
static enum job_step job_fail(struct job *, enum host_status, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Name of a state, for logs. */
const char *
job_state_str(enum job_state s)
{
	return (unsigned)s < JOB_STATE_MAX ? job_states[s].name : "?";
}

/* What a state means, for tests; NULL past the end. */
const struct job_state_info *
job_state_info(enum job_state s)
{
	return (unsigned)s < JOB_STATE_MAX ? &job_states[s] : NULL;
}

/* Start, pause or resume the phase deadline as the table says. */
static void
job_phase_enter(struct job *job, enum job_state next)
{
	const struct job_state_info	*t = &job_states[next];
	int64_t				 now = mono_ms();

	if (t->budget == JOB_BUDGET_NONE) {
		if (job->paused_ms == 0)
			job->paused_ms = now;
		evtimer_del(job->phase_timer);
	} else if (t->starts) {
		job->phase_ms = now;
		job->paused_ms = 0;
		job_arm_phase(job);
	} else if (job->paused_ms != 0) {
		job->phase_ms += now - job->paused_ms;	/* the pause is free */
		job->paused_ms = 0;
		job_arm_phase(job);
	}
}

/* Move to a state: forward, or back to the one state the table allows
 * (next channel, second connection, descriptor retry). */
static void
job_set_state(struct job *job, enum job_state next)
{
	enum job_state	 cur = job->state;

	assert(next < JOB_STATE_MAX);
	assert(next > cur || next == job_states[cur].back);
	log_debug("%s: %s -> %s", job->host->name, job_state_str(cur),
	    job_state_str(next));
	job->state = next;
	job_phase_enter(job, next);
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

/* The current phase's budget in milliseconds. */
static int64_t
job_budget_ms(const struct job *job)
{
	switch (job_states[job->state].budget) {
	case JOB_BUDGET_CONNECT:	/* ssh_config's ConnectTimeout wins */
		return job->host->connect_timeout_ms > 0 ?
		    job->host->connect_timeout_ms :
		    job->sweep->conf->ssh.connect_timeout_ms;
	case JOB_BUDGET_COMMAND:
		return job_current_part(job)->timeout_ms + JOB_GRACE_MS;
	case JOB_BUDGET_CLEANUP:
		return JOB_CLEANUP_MS;
	default:
		return 0;
	}
}

/* Arm the phase deadline from the phase's monotonic start. */
static void
job_arm_phase(struct job *job)
{
	struct timeval	 tv;
	int64_t		 ms = job->phase_ms + job_budget_ms(job) - mono_ms();

	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(job->phase_timer, &tv);
}

/* A new phase in the same state: the next collector of a combined
 * channel gets its own budget from now. */
static void
job_phase_restart(struct job *job)
{
	job->phase_ms = mono_ms();
	job_arm_phase(job);
}

/* Arm the job's one-shot retry timer (FD_WAIT, RECONNECT). */
static void
job_arm_retry(struct job *job, int64_t ms)
{
	struct timeval	 tv;

	if (job->retry_timer == NULL)
		job->retry_timer = evtimer_new(worker_base(job->worker),
		    job_io_cb, job);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(job->retry_timer, &tv);
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
	if (ssh_buffered(job->ssh) && !(flags & EV_WRITE)) { /* read ahead */
		job_wait_fd(job, EV_READ);
		event_active(job->io, EV_READ, 0);
		return;
	}
	if (flags == 0 && ++job->spins <= JOB_MAX_SPINS) {
		job_wait_fd(job, EV_READ);
		event_active(job->io, EV_TIMEOUT, 0);
		return;
	}
	job_wait_fd(job, flags != 0 ? flags : EV_READ);
}

/* Time spent in the current phase; waiting for a descriptor, the whole
 * wait (its retries included); in another pause, the pause. */
static int64_t
job_phase_elapsed(const struct job *job)
{
	int64_t	 now = mono_ms();

	if (job->state == JOB_FD_WAIT && job->fdwait_ms != 0)
		return now - job->fdwait_ms;
	if (job_states[job->state].budget == JOB_BUDGET_NONE &&
	    job->paused_ms != 0)
		return now - job->paused_ms;
	return now - job->phase_ms;
}

/* A deadline passed: fail the phase we are in, or cut cleanup short. The
 * message gives the phase's own elapsed time (and the host's, when it is
 * host_timeout that fired). */
static void
job_deadline(struct job *job, int whole_host)
{
	const struct job_state_info	*t = &job_states[job->state];
	const char			*which;
	char				 ph[32], all[32], took[96];

	which = whole_host ? "host_timeout" : job_budget_names[t->budget];
	fmt_ms(job_phase_elapsed(job), ph, sizeof ph);
	fmt_ms(mono_ms() - job->started_ms, all, sizeof all);
	if (whole_host)
		snprintf(took, sizeof took, "%s in this phase, %s in all", ph,
		    all);
	else
		snprintf(took, sizeof took, "%s", ph);
	if (t->timeout == HOST_OK) {
		if (job->state < JOB_ABORT)
			job_fail(job, HOST_OK, "cleanup took too long");
	} else if (t->budget == JOB_BUDGET_COMMAND)
		job_fail(job, HOST_COMMAND_TIMEOUT, "collector %s did not "
		    "finish in time (%s; %s deadline)",
		    job_current_part(job)->name, took, which);
	else
		job_fail(job, t->timeout, "%s did not complete in time (%s; %s "
		    "deadline)", t->phase, took, which);
	job_run(job);
}

/* Phase deadline callback. */
static void
job_phase_cb(evutil_socket_t fd, short what, void *arg)
{
	job_deadline(arg, 0);
}

/* Whole-host deadline callback. */
static void
job_host_cb(evutil_socket_t fd, short what, void *arg)
{
	job_deadline(arg, 1);
}

/* Socket readiness callback. */
static void
job_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*job = arg;

	if (what & (EV_READ | EV_WRITE))
		job->spins = 0;
	if ((what & EV_READ) && job->ssh != NULL)
		ssh_readable(job->ssh);
	job_run(job);
}

/* Leave the FD_WAIT queue, if in it. */
static void
job_fdq_unlink(struct job *job)
{
	if (job->fdwait.tqe_prev == NULL)
		return;
	TAILQ_REMOVE(&job_fdq, job, fdwait);
	job->fdwait.tqe_prev = NULL;
}

/* A descriptor of this thread was closed: wake the oldest job waiting for
 * one (the others keep their JOB_FD_RETRY_MS timer). */
static void
job_fd_freed(void)
{
	struct job	*w;

	if (job_fdq.tqh_last == NULL || (w = TAILQ_FIRST(&job_fdq)) == NULL)
		return;
	job_fdq_unlink(w);
	event_active(w->retry_timer, EV_TIMEOUT, 0);
}

/* Record the failure, keep what a channel produced so far, and tear the
 * session down without waiting for the peer. status HOST_OK means "the
 * result stands, just stop" (cleanup that overran, shutdown). */
static enum job_step
job_fail(struct job *job, enum host_status status, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (status != HOST_OK) {
		if (job->state > JOB_UNIT_START &&
		    job->state <= JOB_CHAN_WAIT_CLOSED &&
		    job->unit < job->nunits)
			job_harvest_unit_abnormal(job, status ==
			    HOST_COMMAND_TIMEOUT ? COLL_TIMEOUT : COLL_FAILED,
			    msg);
		host_result_set_error(job->res, status, "%s", msg);
	} else
		log_debug("%s: %s", job->host->name, msg);
	if (job->breq != NULL)
		bastion_cancel(job->breq);
	job->breq = NULL;
	event_del(job->io);
	if (job->agent_io != NULL)
		event_del(job->agent_io);
	evtimer_del(job->phase_timer);
	if (job->retry_timer != NULL)
		evtimer_del(job->retry_timer);
	job_fdq_unlink(job);
	if (job->dns_pending && job->dns != NULL) {
		evdns_getaddrinfo_cancel(job->dns);	/* answers later */
		job->dns = NULL;
	}
	if (job->fd != -1)
		shutdown(job->fd, SHUT_RDWR);
	if (job->state < JOB_ABORT)
		job_set_state(job, JOB_ABORT);
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
	if (err == EVUTIL_EAI_CANCEL || job->state != JOB_RESOLVE) {
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
		job_set_state(job, JOB_SOCKET);
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

/* Resolve the address unless it is a literal; the connect phase (and its
 * one connect_timeout budget) starts here. */
static enum job_step
job_state_resolve(struct job *job)
{
	struct evutil_addrinfo			 hints;
	struct evdns_getaddrinfo_request	*req;

	if (job->host->transport == TRANSPORT_LOCAL)
		return job_authed(job);	/* nothing to connect to */
	job_set_state(job, JOB_RESOLVE);
	if (job->host->njumps > 0) {	/* the bastion resolves the name */
		job_set_state(job, JOB_TUNNEL);
		return STEP_NEXT;
	}
	if (job_literal(job) == 0) {
		job_set_state(job, JOB_SOCKET);
		return STEP_NEXT;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	job->dns_pending = job->in_dns_call = 1;
	req = evdns_getaddrinfo(worker_dns(job->worker), job->host->address,
	    NULL, &hints, job_dns_cb, job);
	job->in_dns_call = 0;
	if (!job->dns_pending)
		return STEP_NEXT;	/* answered at once */
	job->dns = req;
	return STEP_WAIT;
}

/* A state that only waits: a callback (DNS) moves the job on. */
static enum job_step
job_state_wait(struct job *job)
{
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

static enum job_step job_reconnect(struct job *);

/* Classify a failed connect: the network's answer, the host's, or ours.
 * A reset of a connection the server had accepted is the flood case of
 * job_reconnect, seen before we read the connect's outcome. */
static enum job_step
job_connect_error(struct job *job, int err)
{
	enum host_status	 s;
	const char		*whose = "";

	switch (err) {
	case ECONNRESET:
		if (job->attempts < JOB_ATTEMPTS)
			return job_reconnect(job);
		s = HOST_DISCONNECTED;
		whose = " (second connection)";
		break;
	case ETIMEDOUT:
		s = HOST_CONNECT_TIMEOUT;
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		s = HOST_UNREACHABLE;
		break;
	case EADDRNOTAVAIL:
	case ENOBUFS:
	case ENOMEM:
		s = HOST_LOCAL_ERROR;
		whose = " (a local error, not the host's)";
		break;
	default:
		s = HOST_REFUSED;
	}
	return job_fail(job, s, "connect to %s port %d: %s%s",
	    job->host->address, job->host->port, strerror(err), whose);
}

/* socket() failed. Out of descriptors is our problem, not the host's:
 * wait for one to free (or host_timeout); any other error is local too. */
static enum job_step
job_socket_error(struct job *job, int err)
{
	static _Thread_local int64_t	 warned_ms;
	int64_t				 now = mono_ms();

	if (err != EMFILE && err != ENFILE)
		return job_fail(job, HOST_LOCAL_ERROR, "socket: %s (a local "
		    "error, not the host's)", strerror(err));
	if (warned_ms == 0 || now - warned_ms >= JOB_FD_WARN_MS) {
		log_warnx("%s: socket: %s: no file descriptor free here (a "
		    "local limit, not the host's fault); waiting for one",
		    job->host->name, strerror(err));
		warned_ms = now;
	} else
		log_debug("%s: socket: %s; waiting", job->host->name,
		    strerror(err));
	if (job->fdwait_ms == 0)
		job->fdwait_ms = now;
	job_set_state(job, JOB_FD_WAIT);
	if (job_fdq.tqh_last == NULL)
		TAILQ_INIT(&job_fdq);
	TAILQ_INSERT_TAIL(&job_fdq, job, fdwait);
	job_arm_retry(job, JOB_FD_RETRY_MS);
	return STEP_WAIT;
}

/* New socket and a non-blocking connect. */
static enum job_step
job_state_socket(struct job *job)
{
	int	 one = 1;

	job_set_port(job);
	job->fd = socket(job->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (job->fd == -1)
		return job_socket_error(job, errno);
	job->fdwait_ms = 0;
	job->attempts++;
	setsockopt(job->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(job->fd, (struct sockaddr *)&job->addr,
	    job->addrlen) == 0) {
		job_set_state(job, JOB_CONNECT);
		return STEP_NEXT;
	}
	if (errno != EINPROGRESS)
		return job_connect_error(job, errno);
	job_set_state(job, JOB_CONNECT);
	job_wait_fd(job, EV_WRITE);
	return STEP_WAIT;
}

/* Woken in FD_WAIT (a descriptor freed, or the retry timer): try again.
 * A wake-up by job_fd_freed leaves the timer pending: stop it, or it
 * would run the job again later in whatever state it is in then. */
static enum job_step
job_state_fd_wait(struct job *job)
{
	job_fdq_unlink(job);
	evtimer_del(job->retry_timer);
	job_set_state(job, JOB_SOCKET);
	return STEP_NEXT;
}

/* The connect finished: read its outcome, then start the session. */
static enum job_step
job_state_connect(struct job *job)
{
	int		 err = 0;
	socklen_t	 len = sizeof err;

	if (getsockopt(job->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0)
		return job_connect_error(job, err != 0 ? err : errno);
	job_set_state(job, JOB_HANDSHAKE);
	job->ssh = ssh_new(job->fd, sweep_known_hosts(job->sweep,
	    job->host->known_hosts), job->host->address, job->host->port);
	ssh_gate_reads(job->ssh);	/* job_io_cb reports readiness */
	return STEP_NEXT;
}

/* Free the session at once (socket shut down: libssh2 cannot wait). */
static void
job_drop_session(struct job *job)
{
	int	 i, rc = SSH_DONE;

	if (job->ssh == NULL)
		return;
	for (i = 0; i < 5; i++)
		if ((rc = ssh_free(job->ssh)) != SSH_AGAIN)
			break;
	if (rc == SSH_AGAIN)
		log_warnx("%s: libssh2 session could not be freed",
		    job->host->name);
	job->ssh = NULL;
}

/* The peer dropped us before its banner, as a full accept queue or
 * sshd's MaxStartups does to a flood: close, and connect once more after
 * a short random delay (ssh's ConnectionAttempts), so a burst spreads. */
static enum job_step
job_reconnect(struct job *job)
{
	uint32_t	 ms = JOB_RETRY_MIN_MS +
			    arc4random_uniform(JOB_RETRY_SPREAD_MS);

	log_info("%s: connection lost before the SSH banner; connecting "
	    "again in %u ms", job->host->name, ms);
	event_del(job->io);
	shutdown(job->fd, SHUT_RDWR);
	job_drop_session(job);
	close(job->fd);
	job->fd = -1;
	job_fd_freed();
	job_set_state(job, JOB_RECONNECT);
	job_arm_retry(job, ms);
	return STEP_WAIT;
}

/* The delay before the second connection is over. */
static enum job_step
job_state_reconnect(struct job *job)
{
	job_set_state(job, JOB_SOCKET);
	return STEP_NEXT;
}

/* Fail with libssh2's own account of what went wrong. */
static enum job_step
job_ssh_error(struct job *job, const char *what)
{
	char			 msg[300];
	enum host_status	 s;

	s = ssh_error(job->ssh, msg, sizeof msg);
	return job_fail(job, s, "%s: %s", what, msg);
}

/* The bastion answered: a tunnel to run the session on, or why not. */
static void
job_tunnel_cb(void *arg, int fd, enum host_status st, const char *why)
{
	struct job	*job = arg;

	job->breq = NULL;
	if (fd == -1)
		job_fail(job, st, "%s", why);
	else {
		job->fd = fd;
		job_set_state(job, JOB_HANDSHAKE);
		job->ssh = ssh_new(job->fd, sweep_known_hosts(job->sweep,
		    job->host->known_hosts), job->host->address,
		    job->host->port);
	}
	job_run(job);
}

/* Through bastions: ask for a tunnel and wait. No deadline of our own
 * here: the bastion has its connect deadlines, and host_timeout bounds a
 * wait in its queue. */
static enum job_step
job_state_tunnel(struct job *job)
{
	if (job->breq == NULL)
		job->breq = bastion_open(job->worker, job->sweep,
		    job->host->jumps, job->host->njumps, job->host->address,
		    job->host->port, job_tunnel_cb, job);
	return STEP_WAIT;
}

/* SSH key exchange; a connection lost before the banner gets a second
 * attempt. */
static enum job_step
job_state_handshake(struct job *job)
{
	switch (ssh_handshake(job->ssh)) {
	case SSH_AGAIN:
		return STEP_SSH;
	case SSH_FAIL:
		if (ssh_banner_lost(job->ssh) && job->attempts < JOB_ATTEMPTS &&
		    job->host->njumps == 0)	/* a tunnel is not retried */
			return job_reconnect(job);
		return job_ssh_error(job, job->attempts > 1 ?
		    "SSH handshake failed (second connection)" :
		    "SSH handshake failed");
	}
	job_set_state(job, JOB_HOSTKEY);
	return STEP_NEXT;
}

/* The known_hosts file this host is checked against: ssh_config's
 * UserKnownHostsFile for it, else ssh.known_hosts. */
static const char *
job_known_hosts(const struct job *job)
{
	return job->host->known_hosts != NULL ? job->host->known_hosts :
	    job->sweep->conf->ssh.known_hosts;
}

/* Learn an unknown key (accept-new), never a changed one. */
static enum job_step
job_learn_key(struct job *job, const char *fp, const char *line)
{
	const char	*path = job_known_hosts(job);
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
static enum job_step
job_state_hostkey(struct job *job)
{
	char	 fp[128], *learn = NULL;
	enum job_step rc;

	switch (ssh_check_hostkey(job->ssh, sweep_known_hosts(job->sweep,
	    job->host->known_hosts), fp, sizeof fp, &learn)) {
	case SSH_HOSTKEY_MATCH:
		job_set_state(job, JOB_AUTH);
		return STEP_NEXT;
	case SSH_HOSTKEY_UNKNOWN:
		rc = job_learn_key(job, fp, learn);
		free(learn);
		return rc;
	case SSH_HOSTKEY_MISMATCH:
		/* One loud line: the host's failure line carries it. */
		return job_fail(job, HOST_HOSTKEY_MISMATCH, "HOST KEY CHANGED: "
		    "%s offers %s, which is not the key in %s; not "
		    "authenticating until known_hosts is fixed (possible "
		    "man-in-the-middle)", job->host->address, fp,
		    job_known_hosts(job));
	case SSH_HOSTKEY_REVOKED:
		log_warnx("%s: host key %s is marked @revoked",
		    job->host->name, fp);
		return job_fail(job, HOST_HOSTKEY_MISMATCH, "host key %s is "
		    "marked @revoked in %s; not authenticating", fp,
		    job_known_hosts(job));
	default:
		return job_fail(job, HOST_PROTOCOL_ERROR, "cannot read the "
		    "server's host key");
	}
}

/* Did the peer close the connection? A key "rejected" on a connection
 * that died (a bastion's tunnel cut mid-login) is a lost connection. */
static int
job_peer_closed(const struct job *job)
{
	char	 c;
	ssize_t	 n = recv(job->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR);
}

/* The next unit, or the end: a session says goodbye, a local host has
 * none to say it to. */
static enum job_step
job_next_unit(struct job *job)
{
	if (job->unit < job->nunits)
		job_set_state(job, JOB_UNIT_START);
	else if (job->host->transport == TRANSPORT_LOCAL)
		job_set_state(job, JOB_DONE);
	else
		job_set_state(job, JOB_DISCONNECT);
	return STEP_NEXT;
}

/* Authenticated (a local host: at once): tell the dispatcher, so it holds
 * no handshake slot, and plan the channels. */
static enum job_step
job_authed(struct job *job)
{
	if (job->agent_io != NULL)
		event_del(job->agent_io);
	agent_close(job->agent);
	job->agent = NULL;
	job->authed = 1;
	job->res->authed_us = wall_us();
	worker_report(job->worker, job->idx, JOB_EV_AUTHED, HOST_OK);
	job_plan(job);
	job->unit = 0;
	return job_next_unit(job);
}

/* While the agent signs, wait on its socket instead of the session's
 * (libssh2 reads nothing until the signature is there). */
static enum job_step
job_wait_agent(struct job *job)
{
	short	 flags = agent_wants(job->agent) & SSH_WANT_WRITE ? EV_WRITE :
	    EV_READ;

	event_del(job->io);
	if (job->agent_io == NULL)
		job->agent_io = event_new(worker_base(job->worker),
		    agent_fd(job->agent), flags | EV_PERSIST, job_io_cb, job);
	else {
		event_del(job->agent_io);
		event_assign(job->agent_io, worker_base(job->worker),
		    agent_fd(job->agent), flags | EV_PERSIST, job_io_cb, job);
	}
	event_add(job->agent_io, NULL);
	return STEP_WAIT;
}

/* ssh-agent's keys, one after another until the server takes one. */
static enum job_step
job_state_auth_agent(struct job *job, const struct identity *id)
{
	char	 err[256];

	if (id->error != NULL)
		return job_fail(job, HOST_AUTH_FAILED, "cannot use ssh-agent: "
		    "%s", id->error);
	if (job->agent == NULL && (job->agent = agent_open(NULL, err,
	    sizeof err)) == NULL)
		return job_fail(job, HOST_AUTH_FAILED, "%s", err);
	for (; job->agent_next < id->agent.n; job->agent_next++) {
		switch (ssh_auth_agent(job->ssh, job->host->user, job->agent,
		    &id->agent.k[job->agent_next])) {
		case SSH_AGAIN:
			if (agent_wants(job->agent) != 0)
				return job_wait_agent(job);
			if (job->agent_io != NULL)
				event_del(job->agent_io);
			return STEP_SSH;
		case SSH_FAIL:
			if (job_peer_closed(job))
				return job_fail(job, HOST_DISCONNECTED,
				    "connection lost during authentication");
			if (*ssh_agent_error(job->ssh) != '\0')
				return job_fail(job, HOST_AUTH_FAILED, "%s",
				    ssh_agent_error(job->ssh));
			if (!ssh_is_auth_error(job->ssh))
				return job_ssh_error(job, "authentication");
			continue;	/* this key is not wanted: the next */
		}
		return job_authed(job);
	}
	return job_fail(job, HOST_AUTH_FAILED, "none of ssh-agent's %zu "
	    "key(s) accepted for user %s", id->agent.n, job->host->user);
}

/* Public-key authentication with the key read at sweep start. */
static enum job_step
job_state_auth(struct job *job)
{
	const struct identity	*id;

	id = sweep_identity(job->sweep, job->host->identity);
	if (id != NULL && strcmp(id->path, "agent") == 0)
		return job_state_auth_agent(job, id);
	if (id == NULL || id->key == NULL)
		return job_fail(job, HOST_AUTH_FAILED, "cannot use identity "
		    "%s: %s", job->host->identity,
		    id != NULL && id->error != NULL ? id->error : "not loaded");
	switch (ssh_auth_pubkey(job->ssh, job->host->user, id->key)) {
	case SSH_AGAIN:
		return STEP_SSH;
	case SSH_FAIL:
		if (job_peer_closed(job))
			return job_fail(job, HOST_DISCONNECTED, "connection lost "
			    "during authentication");
		if (!ssh_is_auth_error(job->ssh))
			return job_ssh_error(job, "authentication");
		return job_fail(job, HOST_AUTH_FAILED, "public key %s rejected "
		    "for user %s%s", id->path, job->host->user,
		    ssh_auth_hint(id->key));
	}
	return job_authed(job);
}

/* Fresh buffers and counters for the unit about to run. */
static enum job_step
job_state_unit_start(struct job *job)
{
	job->unit_started_ms = mono_ms();
	job->ends = job->scan = 0;
	job->truncated = 0;
	job->out_cap = job->sweep->conf->max_output *
	    job->units[job->unit].nparts;
	job->exit_code = -1;
	job->exit_signal[0] = '\0';
	buf_reset(&job->out);
	buf_reset(&job->err);
	job_set_state(job, job->host->transport == TRANSPORT_LOCAL ?
	    JOB_LOCAL_SPAWN : JOB_CHAN_OPEN);
	return STEP_NEXT;
}

/* Open the channel for the current unit. */
static enum job_step
job_state_chan_open(struct job *job)
{
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
static enum job_step
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
 * deadline (the phase restarts as each one ends). */
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
		job_phase_restart(job);
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
static enum job_step
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

/* The local command's pipes or exit moved: run the job. */
static void
job_local_cb(void *arg)
{
	job_run(arg);
}

/* Local host: start the unit's command text, the very text a channel's
 * exec request carries, as /bin/sh -c on this machine. */
static enum job_step
job_state_local_spawn(struct job *job)
{
	char	 err[256];

	job->local = localrun_start(worker_base(job->worker),
	    job->units[job->unit].command, job_local_cb, job, err, sizeof err);
	if (job->local == NULL)
		return job_fail(job, HOST_LOCAL_ERROR, "cannot run the "
		    "collectors on this machine: %s", err);
	job_set_state(job, JOB_LOCAL_READ);
	return STEP_NEXT;
}

/* Local host: drain stdout (up to the cap, as a channel) and stderr, a
 * bounded number of reads per wake-up so a chatty command cannot hold the
 * loop; past the cap, kill it. */
static enum job_step
job_state_local_read(struct job *job)
{
	char	 chunk[JOB_READ_CHUNK];
	ssize_t	 n = 0, m = 0;
	int	 i;

	for (i = 0; i < JOB_LOCAL_READS && !job->truncated; i++)
		if ((n = localrun_read(job->local, LOCALRUN_STDOUT, chunk,
		    sizeof chunk)) > 0)
			job_keep_stdout(job, chunk, (size_t)n);
		else
			break;
	for (i = 0; i < JOB_LOCAL_READS; i++)
		if ((m = localrun_read(job->local, LOCALRUN_STDERR, chunk,
		    sizeof chunk)) > 0 && job->err.len < JOB_STDERR_CAP)
			buf_append(&job->err, chunk, (size_t)m);
		else if (m <= 0)
			break;
	if (n == -1 || m == -1)
		return job_fail(job, HOST_LOCAL_ERROR, "reading the local "
		    "command's output: %s", strerror(errno));
	if (job->truncated)
		localrun_kill(job->local);
	else if (!localrun_eof(job->local, LOCALRUN_STDOUT) ||
	    !localrun_eof(job->local, LOCALRUN_STDERR))
		return STEP_WAIT;
	job_set_state(job, JOB_LOCAL_EXIT);
	return STEP_NEXT;
}

/* Local host: once the command is reaped, its status is known; harvest
 * the unit as a closed channel's, then the next one. */
static enum job_step
job_state_local_exit(struct job *job)
{
	if (!localrun_exited(job->local, &job->exit_code, job->exit_signal,
	    sizeof job->exit_signal))
		return STEP_WAIT;
	localrun_free(job->local);
	job->local = NULL;
	job_harvest_unit(job);
	job->unit++;
	return job_next_unit(job);
}

/* Send our close. A peer we cut short (output over the cap) may be rude
 * about it: then its exit status is not waited for. */
static enum job_step
job_state_chan_close(struct job *job)
{
	switch (ssh_channel_close(job->ssh)) {
	case SSH_AGAIN:
		return STEP_SSH;
	case SSH_FAIL:
		if (!job->truncated)
			return job_ssh_error(job, "closing the channel");
		job_harvest_unit(job);
		job_set_state(job, JOB_CHAN_FREE);
		return STEP_NEXT;
	}
	job_set_state(job, JOB_CHAN_WAIT_CLOSED);
	return STEP_NEXT;
}

/* Wait for the peer's close; the exit status is known once it came. */
static enum job_step
job_state_chan_wait_closed(struct job *job)
{
	switch (ssh_channel_wait_closed(job->ssh)) {
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
static enum job_step
job_state_chan_free(struct job *job)
{
	if (ssh_channel_free(job->ssh) == SSH_AGAIN)
		return STEP_SSH;
	job->unit++;
	return job_next_unit(job);
}

/* Say goodbye; a failure here changes nothing about the result. */
static enum job_step
job_state_disconnect(struct job *job)
{
	if (ssh_disconnect(job->ssh) == SSH_AGAIN)
		return STEP_SSH;
	job_set_state(job, JOB_SESSION_FREE);
	return STEP_NEXT;
}

/* Free the session politely (libssh2 may need several calls). */
static enum job_step
job_state_session_free(struct job *job)
{
	if (job->ssh != NULL) {
		if (ssh_free(job->ssh) == SSH_AGAIN)
			return STEP_SSH;
		job->ssh = NULL;
	}
	job_set_state(job, JOB_DONE);
	return STEP_NEXT;
}

/* Free the session now: job_fail shut the socket down, so libssh2's
 * sends fail at once and nothing waits. */
static enum job_step
job_state_abort(struct job *job)
{
	localrun_free(job->local);	/* kills what still runs */
	job->local = NULL;
	job_drop_session(job);
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

/* Stop every event and give the socket back (to a job waiting for one). */
static void
job_quiesce(struct job *job)
{
	event_del(job->io);
	evtimer_del(job->phase_timer);
	evtimer_del(job->host_timer);
	if (job->retry_timer != NULL)
		evtimer_del(job->retry_timer);
	if (job->fd >= 0) {
		close(job->fd);
		job->fd = -1;
		job_fd_freed();
	}
}

/* Report the result and schedule the free. */
static enum job_step
job_state_done(struct job *job)
{
	struct host_result	*res = job->res;
	struct timeval		 zero = { 0, 0 };
	enum host_status	 status;
	size_t			 i;

	job_quiesce(job);
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
	return STEP_WAIT;
}

/* Run states until one has to wait. */
static void
job_run(struct job *job)
{
	enum job_step	 rc = STEP_NEXT;

	while (rc == STEP_NEXT)
		rc = job_states[job->state].run(job);
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
	if (job->host->error != NULL)
		job_fail(job, HOST_CONFIG_ERROR, "%s", job->host->error);
	else if (job->host->transport == TRANSPORT_UNSUPPORTED)
		job_fail(job, HOST_UNSUPPORTED_CONNECTION, "ansible_connection "
		    "'%s' is not supported (rollcall speaks SSH, and runs "
		    "local hosts itself)", job->host->connection);
	job_run(job);
}

/* Abort a running job at shutdown: it ends at once and reports nothing
 * to storage (a half-done host is not a result). */
void
job_cancel(struct job *job)
{
	if (job->state >= JOB_ABORT)
		return;
	job->cancelled = 1;
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
	job_fdq_unlink(job);
	if (job->io != NULL)
		event_free(job->io);
	if (job->phase_timer != NULL)
		event_free(job->phase_timer);
	if (job->host_timer != NULL)
		event_free(job->host_timer);
	if (job->retry_timer != NULL)
		event_free(job->retry_timer);
	if (job->agent_io != NULL)
		event_free(job->agent_io);
	agent_close(job->agent);
	localrun_free(job->local);
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
	host_digests_free(job->last);
	if (job->worker != NULL)
		worker_job_freed(job->worker);
	free(job);
}
