/* The metrics endpoint: Prometheus text format from sched_get_stats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/metrics.h"
#include "daemon/scheduler.h"

struct metrics {
	struct evhttp	*http;		/* the server */
	struct sched	*sched;		/* where the numbers come from */
	int		 reload_ok;	/* the last load or reload succeeded */
	int64_t		 reload_ok_at;	/* epoch seconds of the last success */
};

/* What `/` answers, as Prometheus' own exporters do: a pointer to the
 * metrics for whoever opens the address in a browser. */
static const char metrics_index[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>rollcall</title></head>\n"
    "<body><h1>rollcall</h1>\n"
    "<p>rollcall " ROLLCALL_VERSION ": server inventory collector.</p>\n"
    "<p><a href=\"/metrics\">Metrics</a></p>\n"
    "</body></html>\n";

/* HELP and TYPE lines of one metric. */
static void
metrics_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* Identity and config state, in the names Prometheus' own exporters use
 * (prometheus_build_info, prometheus_config_last_reload_successful). */
static void
metrics_render_daemon(struct evbuffer *b, const struct metrics *m,
    const struct sched_stats *st)
{
	const struct sched_sweep	*l;

	metrics_head(b, "rollcall_build_info", "gauge",
	    "A metric with a constant '1' value labeled by the version of "
	    "rollcall.");
	evbuffer_add_printf(b, "rollcall_build_info{version=\"%s\"} 1\n",
	    ROLLCALL_VERSION);
	metrics_head(b, "rollcall_up", "gauge", "1 while the daemon runs.");
	evbuffer_add_printf(b, "rollcall_up 1\n");
	metrics_head(b, "rollcall_start_time_seconds", "gauge",
	    "When the daemon started, in seconds since the epoch.");
	evbuffer_add_printf(b, "rollcall_start_time_seconds %lld\n",
	    (long long)st->up_since);
	metrics_head(b, "rollcall_config_last_reload_successful", "gauge",
	    "Whether the last configuration load or reload (SIGHUP) "
	    "succeeded.");
	evbuffer_add_printf(b, "rollcall_config_last_reload_successful %d\n",
	    m->reload_ok);
	metrics_head(b, "rollcall_config_last_reload_success_timestamp_seconds",
	    "gauge", "When the configuration in use was loaded, in seconds "
	    "since the epoch.");
	evbuffer_add_printf(b, "rollcall_config_last_reload_success_timestamp_"
	    "seconds %lld\n", (long long)m->reload_ok_at);
	metrics_head(b, "rollcall_last_sweep_end_timestamp_seconds", "gauge",
	    "When the last sweep ended, in seconds since the epoch (no "
	    "sample before the first sweep).");
	if (st->nlast > 0) {
		l = &st->last[0];
		evbuffer_add_printf(b, "rollcall_last_sweep_end_timestamp_"
		    "seconds %.3f\n", (double)l->started +
		    (double)l->duration_ms / 1000.0);
	}
}

/* One host's last-success sample; the name escaped as a label value
 * (backslash, double quote and newline, as the text format asks). */
static void
metrics_host_cb(const char *name, int status, int64_t last_ok, void *arg)
{
	struct evbuffer	*b = arg;
	const char	*p;

	if (last_ok <= 0)
		return;
	evbuffer_add_printf(b, "rollcall_host_last_success_timestamp_seconds"
	    "{host=\"");
	for (p = name; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			evbuffer_add_printf(b, "\\%c", *p);
		else if (*p == '\n')
			evbuffer_add_printf(b, "\\n");
		else
			evbuffer_add(b, p, 1);
	}
	evbuffer_add_printf(b, "\"} %lld\n", (long long)last_ok);
}

/* The writer's queue and health: what an operator watches when the
 * database falls behind or cannot be written. */
static void
metrics_render_writer(struct evbuffer *b, const struct writer_stats *w)
{
	metrics_head(b, "rollcall_writer_queue_depth", "gauge",
	    "Host results waiting for the database.");
	evbuffer_add_printf(b, "rollcall_writer_queue_depth %zu\n",
	    w->queue_depth);
	metrics_head(b, "rollcall_writer_queue_bytes", "gauge",
	    "Memory held by results waiting for the database (bytes).");
	evbuffer_add_printf(b, "rollcall_writer_queue_bytes %zu\n",
	    w->queue_bytes);
	metrics_head(b, "rollcall_writer_commit_seconds", "gauge",
	    "Duration of the writer's last transaction.");
	evbuffer_add_printf(b, "rollcall_writer_commit_seconds %.6f\n",
	    (double)w->last_commit_us / 1e6);
	metrics_head(b, "rollcall_writer_degraded", "gauge",
	    "1 while database writes fail and results are held back.");
	evbuffer_add_printf(b, "rollcall_writer_degraded %d\n",
	    w->degraded != 0);
	metrics_head(b, "rollcall_writer_degraded_transient", "gauge",
	    "1 while degraded by a cause that may pass (disk full, "
	    "read-only, busy, I/O): results are held and retried.");
	evbuffer_add_printf(b, "rollcall_writer_degraded_transient %d\n",
	    w->degraded && !w->broken);
	metrics_head(b, "rollcall_writer_broken", "gauge",
	    "1 when the database cannot be written until an operator acts "
	    "(corruption): no sweeps run.");
	evbuffer_add_printf(b, "rollcall_writer_broken %d\n",
	    w->broken != 0);
	metrics_head(b, "rollcall_writer_results_lost_total", "counter",
	    "Host results that were never stored.");
	evbuffer_add_printf(b, "rollcall_writer_results_lost_total %llu\n",
	    (unsigned long long)w->lost);
}

/* Cluster mode's gauges (absent on a single node). */
static void
metrics_render_cluster(struct evbuffer *b, const struct sched_stats *st)
{
	int64_t	 age = st->ship.oldest_us > 0 ?
	    (wall_us() - st->ship.oldest_us) / 1000000 : 0;

	if (!st->cluster)
		return;
	metrics_head(b, "rollcall_cluster_connected", "gauge",
	    "1 when the session to the central PostgreSQL is up.");
	evbuffer_add_printf(b, "rollcall_cluster_connected %d\n",
	    st->ship.connected != 0);
	metrics_head(b, "rollcall_cluster_backlog_attempts", "gauge",
	    "Attempts waiting in the local outbox to be shipped.");
	evbuffer_add_printf(b, "rollcall_cluster_backlog_attempts %lld\n",
	    (long long)st->ship.backlog);
	metrics_head(b, "rollcall_cluster_backlog_oldest_age_seconds", "gauge",
	    "Age of the oldest unshipped attempt (0: none).");
	evbuffer_add_printf(b, "rollcall_cluster_backlog_oldest_age_seconds "
	    "%lld\n", (long long)(age > 0 ? age : 0));
	metrics_head(b, "rollcall_cluster_hosts_owned", "gauge",
	    "Hosts of this node's segment it sweeps now.");
	evbuffer_add_printf(b, "rollcall_cluster_hosts_owned %zu\n",
	    st->hosts_owned);
}

/* The exposition text. */
static void
metrics_render(struct evbuffer *b, const struct metrics *m,
    const struct sched_stats *st)
{
	int	 i;

	metrics_render_daemon(b, m, st);
	metrics_render_cluster(b, st);
	if (sched_config(m->sched)->metrics_per_host) {
		metrics_head(b, "rollcall_host_last_success_timestamp_seconds",
		    "gauge", "When each host last succeeded, in seconds since "
		    "the epoch (metrics_per_host: true; hosts never ok have "
		    "no sample).");
		sched_foreach_host(m->sched, metrics_host_cb, b);
	}
	metrics_head(b, "rollcall_sweeps_total", "counter",
	    "Sweeps finished since the daemon started.");
	evbuffer_add_printf(b, "rollcall_sweeps_total %llu\n",
	    (unsigned long long)st->sweeps_total);
	metrics_head(b, "rollcall_sweep_duration_seconds", "gauge",
	    "Wall time of the last finished sweep.");
	evbuffer_add_printf(b, "rollcall_sweep_duration_seconds %.3f\n",
	    st->nlast > 0 ? (double)st->last[0].duration_ms / 1000.0 : 0.0);
	metrics_head(b, "rollcall_hosts", "gauge",
	    "Inventory hosts (cluster: of this node's segment) by the "
	    "status of their last attempt.");
	for (i = 0; i < HOST_STATUS_MAX; i++)
		evbuffer_add_printf(b, "rollcall_hosts{status=\"%s\"} %zu\n",
		    host_status_str(i), st->hosts[i]);
	evbuffer_add_printf(b, "rollcall_hosts{status=\"never\"} %zu\n",
	    st->hosts_never);
	if (st->cluster) {
		metrics_head(b, "rollcall_hosts_other_segments", "gauge",
		    "Inventory hosts of other segments: other nodes' to "
		    "sweep, not in rollcall_hosts.");
		evbuffer_add_printf(b, "rollcall_hosts_other_segments %zu\n",
		    st->hosts_elsewhere);
	}
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
	metrics_render_writer(b, &st->writer);
}

/* GET /metrics, and / with a link to it; anything else is 404 or 405. */
static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	struct sched_stats	 st;
	struct evbuffer		*b;
	const char		*path, *type;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || (strcmp(path, "/metrics") != 0 &&
	    strcmp(path, "/") != 0)) {
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
	if (strcmp(path, "/") == 0) {
		evbuffer_add(b, metrics_index, sizeof metrics_index - 1);
		type = "text/html; charset=utf-8";
	} else {
		sched_get_stats(m->sched, &st);
		metrics_render(b, m, &st);
		type = "text/plain; version=0.0.4; charset=utf-8";
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
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
    int64_t loaded_at, char *err, size_t errlen)
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
	m->reload_ok = 1;
	m->reload_ok_at = loaded_at;
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

/* Note a reload's outcome for rollcall_config_last_reload_*. */
void
metrics_reloaded(struct metrics *m, int ok, int64_t when)
{
	if (m == NULL)
		return;
	m->reload_ok = ok != 0;
	if (ok)
		m->reload_ok_at = when;
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
