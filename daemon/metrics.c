/* The metrics endpoint: Prometheus text format from sched_get_stats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/metrics.h"
#include "daemon/scheduler.h"

struct metrics {
	struct evhttp	*http;		/* the server */
	struct sched	*sched;		/* where the numbers come from */
};

/* HELP and TYPE lines of one metric. */
static void
metrics_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* The exposition text. */
static void
metrics_render(struct evbuffer *b, const struct sched_stats *st)
{
	int	 i;

	metrics_head(b, "rollcall_up", "gauge", "1 while the daemon runs.");
	evbuffer_add_printf(b, "rollcall_up 1\n");
	metrics_head(b, "rollcall_sweeps_total", "counter",
	    "Sweeps finished since the daemon started.");
	evbuffer_add_printf(b, "rollcall_sweeps_total %llu\n",
	    (unsigned long long)st->sweeps_total);
	metrics_head(b, "rollcall_sweep_duration_seconds", "gauge",
	    "Wall time of the last finished sweep.");
	evbuffer_add_printf(b, "rollcall_sweep_duration_seconds %.3f\n",
	    st->nlast > 0 ? (double)st->last[0].duration_ms / 1000.0 : 0.0);
	metrics_head(b, "rollcall_hosts", "gauge",
	    "Inventory hosts by the status of their last attempt.");
	for (i = 0; i < HOST_STATUS_MAX; i++)
		evbuffer_add_printf(b, "rollcall_hosts{status=\"%s\"} %zu\n",
		    host_status_str(i), st->hosts[i]);
	evbuffer_add_printf(b, "rollcall_hosts{status=\"never\"} %zu\n",
	    st->hosts_never);
	metrics_head(b, "rollcall_host_failures_total", "counter",
	    "Failed host attempts since the daemon started, by reason.");
	for (i = 1; i < HOST_STATUS_MAX; i++)
		evbuffer_add_printf(b, "rollcall_host_failures_total"
		    "{reason=\"%s\"} %llu\n", host_status_str(i),
		    (unsigned long long)st->failures_total[i]);
	metrics_head(b, "rollcall_sessions_in_flight", "gauge",
	    "Hosts being attempted right now.");
	evbuffer_add_printf(b, "rollcall_sessions_in_flight %zu\n",
	    st->inflight);
	metrics_head(b, "rollcall_writer_queue_depth", "gauge",
	    "Host results waiting for the database.");
	evbuffer_add_printf(b, "rollcall_writer_queue_depth %zu\n",
	    st->writer.queue_depth);
	metrics_head(b, "rollcall_writer_commit_seconds", "gauge",
	    "Duration of the writer's last transaction.");
	evbuffer_add_printf(b, "rollcall_writer_commit_seconds %.6f\n",
	    (double)st->writer.last_commit_us / 1e6);
	metrics_head(b, "rollcall_writer_degraded", "gauge",
	    "1 while database writes fail and results are held back.");
	evbuffer_add_printf(b, "rollcall_writer_degraded %d\n",
	    st->writer.degraded != 0);
	metrics_head(b, "rollcall_writer_degraded_transient", "gauge",
	    "1 while degraded by a cause that may pass (disk full, "
	    "read-only, busy, I/O): results are held and retried.");
	evbuffer_add_printf(b, "rollcall_writer_degraded_transient %d\n",
	    st->writer.degraded && !st->writer.broken);
	metrics_head(b, "rollcall_writer_broken", "gauge",
	    "1 when the database cannot be written until an operator acts "
	    "(corruption): no sweeps run.");
	evbuffer_add_printf(b, "rollcall_writer_broken %d\n",
	    st->writer.broken != 0);
	metrics_head(b, "rollcall_writer_results_lost_total", "counter",
	    "Host results that were never stored.");
	evbuffer_add_printf(b, "rollcall_writer_results_lost_total %llu\n",
	    (unsigned long long)st->writer.lost);
}

/* GET /metrics; anything else is 404 or 405. */
static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	struct sched_stats	 st;
	struct evbuffer		*b;
	const char		*path;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "try /metrics");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, HTTP_BADMETHOD, NULL);
		return;
	}
	if ((b = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	sched_get_stats(m->sched, &st);
	metrics_render(b, &st);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* Split "host:port" / "[v6]:port". */
static int
metrics_split(const char *listen, char **host, int *port)
{
	const char	*colon;
	char		*end;
	long		 p;

	if ((colon = strrchr(listen, ':')) == NULL)
		return -1;
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535)
		return -1;
	if (listen[0] == '[' && colon > listen && colon[-1] == ']')
		*host = xstrndup(listen + 1, (size_t)(colon - listen - 2));
	else
		*host = xstrndup(listen, (size_t)(colon - listen));
	*port = (int)p;
	return 0;
}

/* Bind the endpoint. */
struct metrics *
metrics_new(struct event_base *base, const char *listen, struct sched *sched,
    char *err, size_t errlen)
{
	struct metrics	*m;
	char		*host;
	int		 port;

	if (metrics_split(listen, &host, &port) == -1) {
		snprintf(err, errlen, "metrics_listen '%s': expected "
		    "ADDRESS:PORT", listen);
		return NULL;
	}
	m = xcalloc(1, sizeof *m);
	m->sched = sched;
	if ((m->http = evhttp_new(base)) == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_gencb(m->http, metrics_cb, m);
	if (evhttp_bind_socket(m->http, host, (ev_uint16_t)port) != 0) {
		snprintf(err, errlen, "metrics_listen %s: cannot listen "
		    "there", listen);
		evhttp_free(m->http);
		free(m);
		free(host);
		return NULL;
	}
	log_info("metrics on http://%s/metrics", listen);
	free(host);
	return m;
}

/* Close the endpoint. */
void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->http);
	free(m);
}
