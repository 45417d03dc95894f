/* What a host runs (its collector parts, grouped into channel units) and
 * what came back (collector statuses and facts). Runs on the worker
 * thread, so parsing is spread over every core. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/harvest.h"
#include "daemon/job.h"
#include "daemon/sweep.h"
#include "storage/digest.h"

#define HARVEST_ERRLINE	200	/* stderr bytes quoted in an error */

/* Does the custom collector apply to this host? */
static int
harvest_applies(const struct custom_collector *cc, const struct host *h)
{
	size_t	 i;

	if (cc->ngroups == 0)
		return 1;
	for (i = 0; i < cc->ngroups; i++)
		if (host_in_group(h, cc->groups[i]))
			return 1;
	return 0;
}

/* Collect the parts: built-ins in config order, then custom ones. */
static void
harvest_parts(struct job *job)
{
	const struct config	*conf = job->sweep->conf;
	const struct collector	*c;
	const struct custom_collector *cc;
	struct job_part		*p;
	size_t			 i;

	job->parts = xcalloc(conf->ncollectors + conf->ncustom + 1,
	    sizeof *job->parts);
	for (i = 0; i < conf->ncollectors; i++) {
		if ((c = collector_find(conf->collectors[i])) == NULL)
			continue;	/* config validated the names */
		p = &job->parts[job->nparts++];
		p->name = c->name;
		p->command = c->command;
		p->timeout_ms = conf->ssh.command_timeout_ms;
		p->builtin = c;
	}
	for (i = 0; i < conf->ncustom; i++) {
		cc = &conf->custom[i];
		if (!harvest_applies(cc, job->host))
			continue;
		p = &job->parts[job->nparts++];
		xasprintf(&p->alloc_name, "custom.%s", cc->name);
		p->name = p->alloc_name;
		p->custom = cc->name;
		p->command = cc->command;
		p->timeout_ms = cc->timeout_ms > 0 ? cc->timeout_ms :
		    conf->ssh.command_timeout_ms;
		p->mode = cc->parse;
	}
}

/* The parts as the script builder sees them. */
static struct script_part *
harvest_script_parts(const struct job *job, size_t first, size_t n)
{
	struct script_part	*sp;
	size_t			 i;

	sp = xcalloc(n + 1, sizeof *sp);
	for (i = 0; i < n; i++) {
		sp[i].name = job->parts[first + i].name;
		sp[i].command = job->parts[first + i].command;
		sp[i].timeout_ms = job->parts[first + i].timeout_ms;
		sp[i].capture = job->parts[first + i].builtin != NULL;
		if (job->parts[first + i].ask_same) {
			sp[i].same = job->parts[first + i].same;
			sp[i].mode = -1;	/* built-ins only */
		}
	}
	return sp;
}

/* The big built-ins whose last digest we hold: let the host answer
 * "same" instead of sending that output again (collectors/script.c). */
static void
harvest_ask_same(struct job *job)
{
	struct job_part	*p;
	size_t		 i;

	for (i = 0; i < job->nparts; i++) {
		p = &job->parts[i];
		p->ask_same = p->builtin != NULL &&
		    collector_host_checks(p->builtin) &&
		    host_digests_get(job->last, p->name, p->same);
		if (p->ask_same)
			log_debug("%s: %s: asking the host for \"same\"",
			    job->host->name, p->name);
	}
}

/* Decide what runs: one combined channel, or one channel per part. */
void
job_plan(struct job *job)
{
	struct script_part	*sp;
	size_t			 i;

	harvest_parts(job);
	for (i = 0; i < job->nparts; i++)
		host_result_add_coll(job->res, job->parts[i].name);
	for (i = 0; i < job->nparts; i++)	/* colls is stable now */
		job->parts[i].res = &job->res->colls[i];
	if (job->nparts == 0)
		return;
	if (job->sweep->combined) {
		harvest_ask_same(job);
		job->units = xcalloc(1, sizeof *job->units);
		job->nunits = 1;
		job->units[0].nparts = job->nparts;
		sp = harvest_script_parts(job, 0, job->nparts);
		job->units[0].command = script_build(sp, job->nparts,
		    job->sweep->nonce);
		free(sp);
		return;
	}
	job->units = xcalloc(job->nparts, sizeof *job->units);
	job->nunits = job->nparts;
	for (i = 0; i < job->nparts; i++) {
		job->units[i].first = i;
		job->units[i].nparts = 1;
		job->units[i].command = script_wrap_one(job->parts[i].command,
		    job->parts[i].timeout_ms);
	}
}

/* Set a collector's outcome with a formatted reason. */
static void
harvest_set(struct coll_result *r, enum coll_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
harvest_set(struct coll_result *r, enum coll_status st, const char *fmt, ...)
{
	va_list	 ap;

	r->status = st;
	free(r->error);
	r->error = NULL;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&r->error, fmt, ap);
	va_end(ap);
}

/* First non-empty stderr line, made printable, for an error message. */
static void
harvest_errline(const char *p, size_t len, char *out, size_t outlen)
{
	size_t	 i = 0, o = 0;

	while (i < len && (p[i] == '\n' || p[i] == '\r' || p[i] == ' '))
		i++;
	for (; i < len && p[i] != '\n' && o + 1 < outlen &&
	    o < HARVEST_ERRLINE; i++)
		out[o++] = ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) ?
		    '?' : p[i];
	out[o] = '\0';
}

/* Parse one collector's output unless its digest says it is unchanged. */
void
harvest_output(const struct host_digests *last, struct host_result *r,
    struct coll_result *c, const struct collector *builtin,
    const char *custom, enum parse_mode mode, const char *out, size_t len)
{
	struct facts	*f = &r->facts;
	size_t		 n0 = f->n, i0 = f->nitems;
	unsigned char	 old[RESULT_DIGEST_KEPT];
	char		*copy, err[256] = "";
	enum coll_status st;

	c->has_digest = collector_digest(c->name, builtin != NULL ? -1 :
	    (int)mode, out, len, c->digest) == 0;
	if (c->has_digest && host_digests_get(last, c->name, old) &&
	    memcmp(old, c->digest, RESULT_DIGEST_KEPT) == 0) {
		c->unchanged = 1;
		harvest_set(c, COLL_OK, NULL);
		return;
	}
	copy = xmalloc(len + 1);
	memcpy(copy, out, len);
	copy[len] = '\0';
	if (builtin != NULL)
		st = builtin->parse(copy, len, f, err, sizeof err);
	else
		st = collector_parse_custom(custom, mode, copy, len, f, err,
		    sizeof err);
	free(copy);
	if (st != COLL_OK)
		facts_truncate(f, n0, i0);
	harvest_set(c, st, err[0] != '\0' ? "%s" : NULL, err);
}

/* Parse a part's complete output into the host's facts; a "same" answer
 * to the digest we sent is an unchanged output, as if we had hashed it. */
static void
harvest_parse(struct job *job, struct job_part *p, const char *out,
    size_t len)
{
	size_t	 bytes;

	if (p->ask_same && script_is_same(out, len, job->sweep->nonce,
	    &bytes)) {
		/* Only the kept bytes are known: an unchanged claim is checked
		 * on those (collstate_plan) and never stored. */
		memset(p->res->digest, 0, RESULT_DIGEST_LEN);
		memcpy(p->res->digest, p->same, RESULT_DIGEST_KEPT);
		p->res->has_digest = 1;
		p->res->unchanged = 1;
		p->res->out_bytes = bytes;
		harvest_set(p->res, COLL_OK, NULL);
		log_debug("%s: %s: unchanged on the host, %zu bytes not sent",
		    job->host->name, p->name, bytes);
		return;
	}
	harvest_output(job->last, job->res, p->res, p->builtin, p->custom,
	    p->mode, out, len);
}

/* Outcome of a part that ran to its end, from its exit status. */
static void
harvest_finished(struct job *job, struct job_part *p, const char *out,
    size_t len, int code, const char *sig, const char *err, size_t errlen)
{
	char	 line[HARVEST_ERRLINE + 1];

	harvest_errline(err, errlen, line, sizeof line);
	p->res->exit_code = code;
	p->res->out_bytes = len;
	if (len > job->sweep->conf->max_output)
		harvest_set(p->res, COLL_TRUNCATED, "output over max_output "
		    "(%zu bytes)", job->sweep->conf->max_output);
	else if (sig != NULL && sig[0] != '\0')
		harvest_set(p->res, COLL_FAILED, "killed by signal %s", sig);
	else if (code == 124)
		harvest_set(p->res, COLL_TIMEOUT, "timed out after %llds "
		    "(remote timeout)", (long long)(p->timeout_ms + 999) / 1000);
	else if (code != 0)
		harvest_set(p->res, COLL_FAILED, "exit status %d%s%s", code,
		    line[0] != '\0' ? ": " : "", line);
	else
		harvest_parse(job, p, out, len);
}

/* A part that started but did not finish. */
static void
harvest_unfinished(struct job *job, struct job_part *p, size_t len,
    enum coll_status cut, const char *why)
{
	p->res->out_bytes = len;
	if (cut != COLL_OK)
		harvest_set(p->res, cut, "%s", why);
	else if (job->truncated)
		harvest_set(p->res, COLL_TRUNCATED, "output over max_output "
		    "(%zu bytes); channel closed", job->sweep->conf->max_output);
	else
		harvest_set(p->res, COLL_FAILED, "output ended before the "
		    "collector finished");
}

/* A combined channel: split on the markers, one outcome per part. */
static void
harvest_combined(struct job *job, enum coll_status cut, const char *why)
{
	const struct job_unit	*u = &job->units[job->unit];
	struct script_part	*sp;
	struct script_section	*so, *se;
	struct job_part		*p;
	size_t			 i;

	sp = harvest_script_parts(job, u->first, u->nparts);
	so = xcalloc(u->nparts, sizeof *so);
	se = xcalloc(u->nparts, sizeof *se);
	script_split_all(buf_str(&job->out), job->out.len, buf_str(&job->err),
	    job->err.len, job->sweep->nonce, sp, u->nparts, so, se);
	for (i = 0; i < u->nparts; i++) {
		p = &job->parts[u->first + i];
		/* One channel ran them all: no collector's own time is
		 * known (stored as NULL, shown as "-"), only the host's. */
		p->res->duration_ms = -1;
		if (so[i].complete)
			harvest_finished(job, p, so[i].out, so[i].len,
			    so[i].exit_code, NULL, se[i].out, se[i].len);
		else {
			/* The first part that did not finish is the one the
			 * channel ended in, even if its begin marker never
			 * came (a host printing noise instead); the rest
			 * did not run. */
			harvest_unfinished(job, p, so[i].len, cut, why);
			break;
		}
	}
	free(sp);
	free(so);
	free(se);
}

/* Shared body: the current unit's outcome, normal (cut COLL_OK) or not. */
static void
harvest(struct job *job, enum coll_status cut, const char *why)
{
	const struct job_unit	*u = &job->units[job->unit];
	struct job_part		*p = &job->parts[u->first];

	if (job->sweep->combined) {
		harvest_combined(job, cut, why);
		return;
	}
	p->res->duration_ms = mono_ms() - job->unit_started_ms;
	if (cut != COLL_OK || job->truncated)
		harvest_unfinished(job, p, job->out.len, cut, why);
	else
		harvest_finished(job, p, buf_str(&job->out), job->out.len,
		    job->exit_code, job->exit_signal, buf_str(&job->err),
		    job->err.len);
}

/* The current unit ended normally. */
void
job_harvest_unit(struct job *job)
{
	harvest(job, COLL_OK, NULL);
}

/* The current unit was cut short (timeout, lost connection). */
void
job_harvest_unit_abnormal(struct job *job, enum coll_status cut,
    const char *why)
{
	harvest(job, cut, why);
}
