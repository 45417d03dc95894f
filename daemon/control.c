/* The control socket (relayd/ntpd control.c style): status and sweep
 * requests from `rollcall status` and `rollcall sweep`, on the main loop.
 * Connections are short: one request line, one JSON line, close; only
 * sweep-wait holds its connection (without a timeout) until the sweep
 * ends. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/json.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/control.h"
#include "daemon/scheduler.h"
#include "daemon/summary.h"

#define CONTROL_MAX_CLIENTS	64	/* connections at once */
#define CONTROL_LINE_MAX	4096	/* request line bytes */
#define CONTROL_TIMEOUT_S	10	/* idle connection, both sides */
#define CONTROL_RESP_MAX	(1024 * 1024)	/* response bytes (client) */

/* One accepted connection. */
struct cclient {
	struct control		*ctl;		/* owner */
	struct bufferevent	*bev;		/* the socket */
	int			 closing;	/* response queued: close */
	int			 waiting;	/* sweep-wait: answer at the end */
	size_t			 nhosts;	/* hosts of the awaited sweep */
	char			*refused;	/* why the peer may not ask */
	struct cclient		*next;		/* in ctl->clients */
};

struct control {
	struct event_base	*base;		/* main loop */
	struct sched		*sched;		/* what we report and drive */
	char			*path;		/* socket file */
	int			 fd;		/* listening socket */
	struct event		*ev;		/* accept */
	struct cclient		*clients;	/* open connections */
	size_t			 nclients;
};

/* Close and free one connection. */
static void
cclient_free(struct cclient *c)
{
	struct cclient	**pp;

	for (pp = &c->ctl->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->ctl->nclients--;
	if (c->waiting)
		sched_cancel_wait(c->ctl->sched, c);
	bufferevent_free(c->bev);
	free(c->refused);
	free(c);
}

/* ISO-8601 UTC of epoch seconds into buf. */
static const char *
control_iso(int64_t t, char *buf, size_t len)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* One "name":count member per status, zeros left out unless all. */
static void
control_counts(struct json_writer *w, const char *name, const uint64_t *v,
    int from, int all)
{
	int	 i;

	json_key(w, name);
	json_object_open(w);
	for (i = from; i < HOST_STATUS_MAX; i++) {
		if (v[i] == 0 && !all)
			continue;
		json_key(w, host_status_str(i));
		json_uint(w, v[i]);
	}
	json_object_close(w);
}

/* "daemon": who answers, since when, with which config. */
static void
control_json_daemon(struct json_writer *w, const struct sched_stats *st,
    int64_t now)
{
	char	 t[32];

	json_key(w, "daemon");
	json_object_open(w);
	json_kv_int(w, "pid", (long long)getpid());
	json_kv_str(w, "version", ROLLCALL_VERSION);
	json_kv_str(w, "up_since", control_iso(st->up_since, t, sizeof t));
	json_kv_int(w, "uptime_seconds", (long long)(now - st->up_since));
	json_kv_str(w, "config", st->config_path != NULL ? st->config_path :
	    "");
	json_object_close(w);
}

/* "key": null when nothing is due (at <= 0), else an object opened with
 * "at" and "in_seconds" that the caller completes and closes; 1 if open. */
static int
control_json_due(struct json_writer *w, const char *key, int64_t at,
    int64_t now)
{
	char	 t[32];

	json_key(w, key);
	if (at <= 0) {
		json_null(w);
		return 0;
	}
	json_object_open(w);
	json_kv_str(w, "at", control_iso(at, t, sizeof t));
	json_kv_int(w, "in_seconds", (long long)(at > now ? at - now : 0));
	return 1;
}

/* "sweep" (the running one), "next_sweep" (the next regular one, or
 * null), "next_retry" (the earliest retry and how many hosts, or null),
 * "queued_sweeps". */
static void
control_json_sweeps(struct json_writer *w, const struct sched_stats *st,
    int64_t now)
{
	json_key(w, "sweep");
	json_object_open(w);
	json_kv_bool(w, "running", st->sweeping);
	if (st->sweeping) {
		json_kv_str(w, "trigger", st->trigger);
		json_kv_uint(w, "done", st->done);
		json_kv_uint(w, "total", st->total);
		json_kv_uint(w, "in_flight", st->inflight);
		json_kv_uint(w, "failed", st->failed);
	}
	json_object_close(w);
	json_kv_uint(w, "queued_sweeps", st->queued);
	if (control_json_due(w, "next_retry", st->next_retry, now)) {
		json_kv_uint(w, "hosts", st->retry_pending);
		json_object_close(w);
	}
	if (control_json_due(w, "next_sweep", st->next_sweep, now)) {
		json_kv_str(w, "trigger", "schedule");
		json_object_close(w);
	}
}

/* "last_sweeps": the most recent first. */
static void
control_json_last(struct json_writer *w, const struct sched_stats *st)
{
	const struct sched_sweep *l;
	char			 t[32];
	size_t			 i;

	json_key(w, "last_sweeps");
	json_array_open(w);
	for (i = 0; i < st->nlast; i++) {
		l = &st->last[i];
		json_object_open(w);
		json_kv_int(w, "id", (long long)l->id);
		json_kv_str(w, "trigger", l->trigger);
		json_kv_str(w, "started", control_iso(l->started, t, sizeof t));
		json_kv_int(w, "duration_ms", (long long)l->duration_ms);
		json_kv_uint(w, "hosts", l->nhosts);
		json_kv_uint(w, "ok", l->ok);
		json_kv_uint(w, "failed", l->failed);
		json_kv_uint(w, "interrupted", l->interrupted);
		json_object_close(w);
	}
	json_array_close(w);
}

/* "writer": the database writer thread's queue and health. */
static void
control_json_writer(struct json_writer *w, const struct sched_stats *st)
{
	json_key(w, "writer");
	json_object_open(w);
	json_kv_uint(w, "queue_depth", st->writer.queue_depth);
	json_kv_bool(w, "degraded", st->writer.degraded);
	json_kv_str(w, "last_error", st->writer.last_error);
	/* transient: retried until it passes (disk full); broken: nothing
	 * is written and no sweep runs until a restart (corruption). */
	json_kv_str(w, "fault", st->writer.degraded ?
	    db_fault_str(st->writer.fault) : "none");
	json_kv_bool(w, "transient", st->writer.degraded && !st->writer.broken);
	json_kv_bool(w, "broken", st->writer.broken);
	json_kv_uint(w, "commits", st->writer.commits);
	json_kv_uint(w, "results", st->writer.results);
	json_kv_uint(w, "results_lost", st->writer.lost);
	json_key(w, "last_commit_ms");
	json_fixed(w, (double)st->writer.last_commit_us / 1000.0, 3);
	json_object_close(w);
}

/* "cluster": this node, PostgreSQL reached or not, backlog, hosts owned
 * (absent on a single node). */
static void
control_json_cluster(struct json_writer *w, const struct sched_stats *st)
{
	int64_t	 age = st->ship.oldest_us > 0 ?
	    (wall_us() - st->ship.oldest_us) / 1000000 : 0;

	if (!st->cluster)
		return;
	json_key(w, "cluster");
	json_object_open(w);
	json_key(w, "node");
	json_str(w, st->node);
	json_key(w, "segment");
	json_str(w, st->segment);
	json_key(w, "connected");
	json_bool(w, st->ship.connected);
	json_key(w, "last_error");
	json_str(w, st->ship.last_error);
	json_key(w, "backlog");
	json_int(w, (long long)st->ship.backlog);
	json_key(w, "backlog_oldest_seconds");
	json_int(w, (long long)(age > 0 ? age : 0));
	json_key(w, "shipped");
	json_uint(w, st->ship.shipped);
	json_key(w, "live_nodes");
	json_uint(w, st->ship.nmembers);
	json_key(w, "view_age_ms");
	json_int(w, (long long)st->ship.members_age_ms);
	json_key(w, "hosts_owned");
	json_uint(w, st->hosts_owned);
	json_key(w, "segment_hosts");
	json_uint(w, st->segment_hosts);
	json_key(w, "stepped_back");
	json_bool(w, st->ship.stepped_back);
	json_object_close(w);
}

/* The status object. */
static void
control_status_json(FILE *fp, const struct sched_stats *st)
{
	struct json_writer	 w;
	uint64_t		 hosts[HOST_STATUS_MAX];
	int64_t			 now = wall_us() / 1000000;
	size_t			 i;

	json_writer_init(&w, fp);
	json_object_open(&w);
	control_json_daemon(&w, st, now);
	json_kv_uint(&w, "hosts_total", st->nhosts);
	control_json_sweeps(&w, st, now);
	control_json_last(&w, st);
	json_kv_uint(&w, "sweeps_total", st->sweeps_total);
	for (i = 0; i < HOST_STATUS_MAX; i++)
		hosts[i] = st->hosts[i];
	control_counts(&w, "hosts", hosts, 0, 1);
	json_kv_uint(&w, "hosts_never_attempted", st->hosts_never);
	if (st->cluster)
		json_kv_uint(&w, "hosts_other_segments", st->hosts_elsewhere);
	control_counts(&w, "failures", hosts, 1, 0);
	control_counts(&w, "failures_total", st->failures_total, 1, 0);
	json_kv_uint(&w, "retry_pending", st->retry_pending);
	json_kv_uint(&w, "hostkey_parked", st->hostkey_parked);
	control_json_writer(&w, st);
	control_json_cluster(&w, st);
	json_object_close(&w);
}

/* {"error":"..."} */
static void
control_error_json(FILE *fp, const char *msg)
{
	struct json_writer	 w;

	json_writer_init(&w, fp);
	json_object_open(&w);
	json_kv_str(&w, "error", msg);
	json_object_close(&w);
}

/* {"ok":true,"hosts":N,"queued":BOOL}: a sweep of N hosts started, or
 * queued behind the running one. */
static void
control_sweep_json(FILE *fp, size_t n, int queued)
{
	struct json_writer	 w;

	json_writer_init(&w, fp);
	json_object_open(&w);
	json_kv_bool(&w, "ok", 1);
	json_kv_uint(&w, "hosts", n);
	json_kv_bool(&w, "queued", queued);
	json_object_close(&w);
}

/* Queue a response and close once it is sent. */
static void
cclient_reply(struct cclient *c, const char *resp, size_t len)
{
	c->closing = 1;
	c->waiting = 0;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_write(c->bev, resp, len);
}

/* {"ok":true,"hosts":N,"sweep":{...}}: the awaited sweep ended. */
static void
control_waited_json(FILE *fp, size_t n, const struct sweep_summary *sum)
{
	struct json_writer	 w;
	char			*line = summary_line(sum);

	json_writer_init(&w, fp);
	json_object_open(&w);
	json_kv_bool(&w, "ok", 1);
	json_kv_uint(&w, "hosts", n);
	json_key(&w, "sweep");
	json_object_open(&w);
	json_kv_int(&w, "id", (long long)sum->id);
	json_kv_uint(&w, "hosts", sum->nhosts);
	json_kv_uint(&w, "ok", sum->counts[HOST_OK]);
	json_kv_uint(&w, "failed", summary_failed(sum));
	json_kv_uint(&w, "interrupted", sum->skipped + sum->cancelled);
	json_kv_int(&w, "duration_ms", (long long)sum->wall_ms);
	json_kv_str(&w, "summary", line);
	json_object_close(&w);
	json_object_close(&w);
	free(line);
}

/* The awaited sweep ended (or will not run): answer sweep-wait. */
static void
control_wait_cb(const struct sweep_summary *sum, const char *err, void *arg)
{
	struct cclient	*c = arg;
	char		*resp = NULL;
	size_t		 rlen = 0;
	FILE		*fp;

	if ((fp = open_memstream(&resp, &rlen)) == NULL)
		fatal("open_memstream");
	if (sum == NULL)
		control_error_json(fp, err != NULL ? err : "sweep not run");
	else
		control_waited_json(fp, c->nhosts, sum);
	fputc('\n', fp);
	fclose(fp);
	cclient_reply(c, resp, rlen);
	free(resp);
}

/* sweep [LIMIT] / sweep-wait [LIMIT]. Returns 1 when the answer waits
 * for the sweep's end. */
static int
control_sweep(struct cclient *c, const char *line, FILE *fp)
{
	const char	*limit, *arg;
	size_t		 n;
	int		 wait, queued;
	char		 err[512];

	wait = strncmp(line, "sweep-wait", 10) == 0;
	arg = line + (wait ? 10 : 5);
	limit = *arg == ' ' && arg[1] != '\0' ? arg + 1 : NULL;
	if (sched_sweep_now(c->ctl->sched, limit, wait ? control_wait_cb :
	    NULL, c, &n, &queued, err, sizeof err) == -1) {
		control_error_json(fp, err);
		return 0;
	}
	log_info("control: sweep of %zu hosts requested%s%s%s", n,
	    limit != NULL ? " with --limit " : "", limit != NULL ? limit : "",
	    queued ? " (queued: a sweep runs)" : "");
	if (wait) {
		c->nhosts = n;
		return 1;
	}
	control_sweep_json(fp, n, queued);
	return 0;
}

/* Answer one request line into fp; 1 if the answer comes later. */
static int
control_handle(struct cclient *c, const char *line, FILE *fp)
{
	struct sched_stats	 st;

	if (strcmp(line, "status") == 0) {
		sched_get_stats(c->ctl->sched, &st);
		control_status_json(fp, &st);
	} else if (strcmp(line, "sweep") == 0 || strcmp(line,
	    "sweep-wait") == 0 || strncmp(line, "sweep ", 6) == 0 ||
	    strncmp(line, "sweep-wait ", 11) == 0) {
		if (control_sweep(c, line, fp))
			return 1;
	} else
		control_error_json(fp, "unknown request (expected: status, "
		    "sweep [LIMIT], sweep-wait [LIMIT])");
	fputc('\n', fp);
	return 0;
}

/* Response sent: close. */
static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct cclient	*c = arg;

	if (c->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		cclient_free(c);
}

/* A request line: answer it. */
static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct cclient	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line, *resp = NULL;
	size_t		 len, rlen = 0;
	FILE		*fp;

	if (c->closing || c->waiting) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) == NULL) {
		if (evbuffer_get_length(in) > CONTROL_LINE_MAX)
			cclient_free(c);
		return;
	}
	if ((fp = open_memstream(&resp, &rlen)) == NULL)
		fatal("open_memstream");
	if (c->refused != NULL) {
		control_error_json(fp, c->refused);
		fputc('\n', fp);
	} else if (control_handle(c, line, fp)) {
		/* No timeout while the sweep runs; reading on shows EOF when
		 * the client gives up. */
		c->waiting = 1;
		bufferevent_set_timeouts(bev, NULL, NULL);
	}
	fclose(fp);
	free(line);
	if (!c->waiting)
		cclient_reply(c, resp, rlen);
	free(resp);
}

/* EOF, error or timeout: drop the connection. */
static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	cclient_free(arg);
}

/* Is this peer allowed: root or our own uid? Says why not. */
static int
control_peer_ok(int fd, char *why, size_t len)
{
	struct ucred	 cr;
	socklen_t	 sl = sizeof cr;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == -1) {
		snprintf(why, len, "cannot read peer credentials: %s",
		    strerror(errno));
		return 0;
	}
	if (cr.uid == 0 || cr.uid == geteuid())
		return 1;
	snprintf(why, len, "permission denied: uid %u may not use the "
	    "control socket (only root and uid %u)", (unsigned)cr.uid,
	    (unsigned)geteuid());
	log_warnx("control: refused a connection from uid %u pid %ld",
	    (unsigned)cr.uid, (long)cr.pid);
	return 0;
}

/* A new connection. */
static void
control_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct control	*ctl = arg;
	struct cclient	*c;
	struct timeval	 tv = { CONTROL_TIMEOUT_S, 0 };
	char		 why[256];
	int		 fd, ok;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (ctl->nclients >= CONTROL_MAX_CLIENTS) {
		log_warnx("control: too many connections, dropping one");
		close(fd);
		return;
	}
	ok = control_peer_ok(fd, why, sizeof why);
	c = xcalloc(1, sizeof *c);
	c->ctl = ctl;
	/* A refused peer still gets its request line read and the reason
	 * as the answer (closing with its line unread would reset the
	 * connection and lose the message). */
	if (!ok)
		c->refused = xstrdup(why);
	if ((c->bev = bufferevent_socket_new(ctl->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new failed");
	bufferevent_setcb(c->bev, control_read_cb, control_write_cb,
	    control_event_cb, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ);
	c->next = ctl->clients;
	ctl->clients = c;
	ctl->nclients++;
}

/* Fill a sockaddr_un; -1 if the path does not fit. */
static int
control_addr(const char *path, struct sockaddr_un *sun, char *err,
    size_t errlen)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path) {
		snprintf(err, errlen, "%s: socket path too long (at most %zu "
		    "bytes)", path, sizeof sun->sun_path - 1);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Remove a leftover socket file; -1 if a daemon still listens there. */
static int
control_clear_stale(const char *path, const struct sockaddr_un *sun,
    char *err, size_t errlen)
{
	struct stat	 sb;
	int		 fd, rc;

	if (lstat(path, &sb) == -1)
		return 0;
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another rollcall daemon is "
		    "listening there", path);
		return -1;
	}
	unlink(path);
	return 0;
}

/* Bind and listen. */
struct control *
control_new(struct event_base *base, const char *path, struct sched *sched,
    char *err, size_t errlen)
{
	struct control		*ctl;
	struct sockaddr_un	 sun;
	mode_t			 omask;
	int			 fd;

	if (control_addr(path, &sun, err, errlen) == -1 ||
	    control_clear_stale(path, &sun, err, errlen) == -1)
		return NULL;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	omask = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(omask);
		snprintf(err, errlen, "%s: bind: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	umask(omask);
	if (chmod(path, 0660) == -1 || listen(fd, 16) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return NULL;
	}
	ctl = xcalloc(1, sizeof *ctl);
	ctl->base = base;
	ctl->sched = sched;
	ctl->path = xstrdup(path);
	ctl->fd = fd;
	ctl->ev = event_new(base, fd, EV_READ | EV_PERSIST, control_accept_cb,
	    ctl);
	event_add(ctl->ev, NULL);
	log_info("control socket %s", path);
	return ctl;
}

/* Close everything and remove the socket file. */
void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients != NULL)
		cclient_free(ctl->clients);
	event_free(ctl->ev);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}

/* Wait for fd to be ready for events, up to timeout_ms (-1: no limit);
 * 0 or -1. */
static int
control_wait(int fd, short events, int timeout_ms)
{
	struct pollfd	 pfd = { fd, events, 0 };
	int		 rc;

	while ((rc = poll(&pfd, 1, timeout_ms)) == -1 &&
	    errno == EINTR)
		;
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

/* Client: connect, send the line, read the answer up to EOF. */
char *
control_request(const char *path, const char *request, char *err,
    size_t errlen)
{
	return control_request_wait(path, request, CONTROL_TIMEOUT_S * 1000,
	    err, errlen);
}

/* The same, waiting up to timeout_ms (-1: for ever) for the answer. */
char *
control_request_wait(const char *path, const char *request, int timeout_ms,
    char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	char			*resp = NULL, buf[4096];
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;

	if (control_addr(path, &sun, err, errlen) == -1)
		return NULL;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		snprintf(err, errlen, "cannot connect to %s: %s: is the "
		    "daemon running?", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (dprintf(fd, "%s\n", request) < 0) {
		snprintf(err, errlen, "%s: send: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	for (;;) {
		if (control_wait(fd, POLLIN, timeout_ms) == -1 ||
		    (n = read(fd, buf, sizeof buf)) == -1) {
			snprintf(err, errlen, "%s: no answer: %s", path,
			    strerror(errno));
			free(resp);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		if (len + (size_t)n > CONTROL_RESP_MAX) {
			snprintf(err, errlen, "%s: answer too long", path);
			free(resp);
			close(fd);
			return NULL;
		}
		resp = xrealloc(resp, len + (size_t)n + 1);
		memcpy(resp + len, buf, (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	if (resp == NULL) {
		snprintf(err, errlen, "%s: the daemon closed the connection "
		    "without an answer", path);
		return NULL;
	}
	resp[len] = '\0';
	if (len > 0 && resp[len - 1] == '\n')
		resp[len - 1] = '\0';
	return resp;
}
