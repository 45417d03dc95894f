/* Result objects: statuses, facts and per-host outcomes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/result.h"
#include "common/xmalloc.h"

static const char *host_status_names[] = {
	[HOST_OK] = "ok",
	[HOST_DNS_ERROR] = "dns_error",
	[HOST_REFUSED] = "refused",
	[HOST_CONNECT_TIMEOUT] = "connect_timeout",
	[HOST_HANDSHAKE_TIMEOUT] = "handshake_timeout",
	[HOST_PROTOCOL_ERROR] = "protocol_error",
	[HOST_HOSTKEY_UNKNOWN] = "hostkey_unknown",
	[HOST_HOSTKEY_MISMATCH] = "hostkey_mismatch",
	[HOST_AUTH_FAILED] = "auth_failed",
	[HOST_COMMAND_TIMEOUT] = "command_timeout",
	[HOST_DISCONNECTED] = "disconnected",
	[HOST_UNREACHABLE] = "unreachable",
	[HOST_LOCAL_ERROR] = "local_error",
	[HOST_BASTION_UNREACHABLE] = "bastion_unreachable",
	[HOST_BASTION_AUTH_FAILED] = "bastion_auth_failed",
	[HOST_BASTION_HOSTKEY_UNKNOWN] = "bastion_hostkey_unknown",
	[HOST_BASTION_HOSTKEY_MISMATCH] = "bastion_hostkey_mismatch",
	[HOST_CONFIG_ERROR] = "config_error",
	[HOST_UNSUPPORTED_CONNECTION] = "unsupported_connection",
};
_Static_assert(sizeof host_status_names / sizeof host_status_names[0] ==
    HOST_STATUS_MAX, "a host status without a name");

static const char *coll_status_names[COLL_STATUS_MAX] = {
	[COLL_OK] = "ok",
	[COLL_FAILED] = "failed",
	[COLL_UNSUPPORTED] = "unsupported",
	[COLL_PARSE_ERROR] = "parse_error",
	[COLL_TRUNCATED] = "output_truncated",
	[COLL_TIMEOUT] = "timeout",
	[COLL_NOT_RUN] = "not_run",
};

static const char *item_kind_names[ITEM_KIND_MAX] = {
	[ITEM_PACKAGE] = "package",
	[ITEM_SERVICE] = "service",
	[ITEM_INTERFACE] = "interface",
	[ITEM_ADDRESS] = "address",
	[ITEM_FILESYSTEM] = "filesystem",
};

/* Stored name of a host status. */
const char *
host_status_str(enum host_status s)
{
	if ((unsigned)s >= HOST_STATUS_MAX)
		return "unknown";
	return host_status_names[s];
}

/* Status from its stored name, -1 if none matches. */
int
host_status_parse(const char *s)
{
	int	 i;

	for (i = 0; i < HOST_STATUS_MAX; i++)
		if (strcmp(host_status_names[i], s) == 0)
			return i;
	return -1;
}

/* Stored name of a collector status. */
const char *
coll_status_str(enum coll_status s)
{
	if ((unsigned)s >= COLL_STATUS_MAX)
		return "unknown";
	return coll_status_names[s];
}

/* Name of a list-table kind. */
const char *
item_kind_str(enum item_kind k)
{
	if ((unsigned)k >= ITEM_KIND_MAX)
		return "unknown";
	return item_kind_names[k];
}

/* Append a scalar fact (copies both strings). */
void
facts_add(struct facts *f, const char *key, const char *value)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->v = xreallocarray(f->v, f->cap, sizeof *f->v);
	}
	f->v[f->n].key = xstrdup(key);
	f->v[f->n].value = xstrdup(value != NULL ? value : "");
	f->n++;
}

/* Append a scalar fact with a formatted value. */
void
facts_addf(struct facts *f, const char *key, const char *fmt, ...)
{
	va_list	 ap;
	char	*v;

	va_start(ap, fmt);
	xvasprintf(&v, fmt, ap);
	va_end(ap);
	facts_add(f, key, v);
	free(v);
}

/* Append a list row (copies the fields). */
void
facts_add_item(struct facts *f, enum item_kind kind,
    const char *const fields[ITEM_FIELDS])
{
	struct item	*it;
	int		 i;

	if (f->nitems == f->capitems) {
		f->capitems = f->capitems ? f->capitems * 2 : 16;
		f->items = xreallocarray(f->items, f->capitems,
		    sizeof *f->items);
	}
	it = &f->items[f->nitems++];
	it->kind = kind;
	for (i = 0; i < ITEM_FIELDS; i++)
		it->f[i] = fields[i] != NULL ? xstrdup(fields[i]) : NULL;
}

/* Value of the first fact with this key, or NULL. */
const char *
facts_get(const struct facts *f, const char *key)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].key, key) == 0)
			return f->v[i].value;
	return NULL;
}

/* Drop what was added after the first n facts and nitems items. */
void
facts_truncate(struct facts *f, size_t n, size_t nitems)
{
	int	 j;

	while (f->n > n) {
		f->n--;
		free(f->v[f->n].key);
		free(f->v[f->n].value);
	}
	while (f->nitems > nitems) {
		f->nitems--;
		for (j = 0; j < ITEM_FIELDS; j++)
			free(f->items[f->nitems].f[j]);
	}
}

/* Free everything a facts set holds; it is empty afterwards. */
void
facts_free(struct facts *f)
{
	size_t	 i;
	int	 j;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].key);
		free(f->v[i].value);
	}
	for (i = 0; i < f->nitems; i++)
		for (j = 0; j < ITEM_FIELDS; j++)
			free(f->items[i].f[j]);
	free(f->v);
	free(f->items);
	memset(f, 0, sizeof *f);
}

/* New empty result for one host attempt. */
struct host_result *
host_result_new(const char *name, const char *address, int port,
    int64_t sweep_id)
{
	struct host_result	*r;

	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(name);
	r->address = xstrdup(address);
	r->port = port;
	r->sweep_id = sweep_id;
	r->status = HOST_OK;
	return r;
}

/* Add a collector slot, initially not run. */
struct coll_result *
host_result_add_coll(struct host_result *r, const char *name)
{
	struct coll_result	*c;

	r->colls = xreallocarray(r->colls, r->ncolls + 1, sizeof *r->colls);
	c = &r->colls[r->ncolls++];
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->status = COLL_NOT_RUN;
	c->exit_code = -1;
	return c;
}

/* Record the host's failure; the first failure wins. */
void
host_result_set_error(struct host_result *r, enum host_status s,
    const char *fmt, ...)
{
	va_list	 ap;

	if (r->status != HOST_OK)
		return;
	r->status = s;
	va_start(ap, fmt);
	xvasprintf(&r->error, fmt, ap);
	va_end(ap);
}

/* Free a result and everything it holds. */
void
host_result_free(struct host_result *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncolls; i++) {
		free(r->colls[i].name);
		free(r->colls[i].error);
	}
	free(r->colls);
	facts_free(&r->facts);
	free(r->name);
	free(r->address);
	free(r->error);
	free(r);
}
