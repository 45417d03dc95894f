/* What selects how rollcall reaches a host: only Ansible's connection
 * variables (ansible_host, ansible_port, ansible_user,
 * ansible_private_key_file, ansible_connection and their ansible_ssh_*
 * spellings, which Ansible prefers when both are set) and rollcall's own
 * rollcall_* names, which win over both. Bastions: rollcall_proxy_jump,
 * else a ProxyJump in ansible_ssh_common_args / ansible_ssh_extra_args,
 * else ssh.config_file's (reach.c). Every other variable, "port" and
 * "user" included, is just a host var. A value rollcall cannot use (a
 * !vault, a Jinja template, an address that could be read as an option)
 * is that host's error, never the inventory's. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/internal.h"

enum cfield {
	CF_ADDRESS,		/* where to connect */
	CF_PORT,		/* TCP port */
	CF_USER,		/* login name */
	CF_IDENTITY,		/* private key file */
	CF_CONNECTION,		/* ssh, local, or something rollcall lacks */
	CF_JUMP,		/* bastions: rollcall_proxy_jump */
	CF_SSH_ARGS,		/* ssh(1) arguments: a ProxyJump in them */
	CF_SSH_EXTRA,		/* more of them, after the common ones */
	CF_SEGMENT,		/* cluster mode: the network segment */
	CF_COUNT
};

/* Names per field, in the order they win (first present is used). */
static const struct {
	const char	*name;		/* variable name */
	enum cfield	 field;		/* what it sets */
} connvars[] = {
	{ "rollcall_address", CF_ADDRESS },
	{ "ansible_ssh_host", CF_ADDRESS },
	{ "ansible_host", CF_ADDRESS },
	{ "rollcall_port", CF_PORT },
	{ "ansible_ssh_port", CF_PORT },
	{ "ansible_port", CF_PORT },
	{ "rollcall_user", CF_USER },
	{ "ansible_ssh_user", CF_USER },
	{ "ansible_user", CF_USER },
	{ "rollcall_identity", CF_IDENTITY },
	{ "ansible_ssh_private_key_file", CF_IDENTITY },
	{ "ansible_private_key_file", CF_IDENTITY },
	{ "ansible_connection", CF_CONNECTION },
	{ "rollcall_proxy_jump", CF_JUMP },
	{ "ansible_ssh_common_args", CF_SSH_ARGS },
	{ "ansible_ssh_extra_args", CF_SSH_EXTRA },
	{ "rollcall_segment", CF_SEGMENT },
};

/* Plain names older rollcall read as connection settings. */
static const char *const plain_names[] = { "address", "port", "user",
    "identity" };

/* ansible_connection values that mean an SSH session. */
static const char *const ssh_plugins[] = { "ssh", "smart", "paramiko",
    "paramiko_ssh", "ansible.builtin.ssh", "ansible.builtin.paramiko_ssh",
    "ansible.legacy.ssh" };

/* Warn where a plain address/port/user/identity no longer connects. */
void
connvars_warn_plain(struct inventory *inv, const char *key,
    const struct iloc *at)
{
	size_t	 i;

	for (i = 0; i < sizeof plain_names / sizeof plain_names[0]; i++)
		if (strcmp(key, plain_names[i]) == 0)
			cfg_err(inv->warns, at->file, at->line, at->col, "'%s' "
			    "is an ordinary host var with no effect on the "
			    "connection; use ansible_%s or rollcall_%s",
			    key, strcmp(key, "address") == 0 ? "host" :
			    strcmp(key, "identity") == 0 ?
			    "private_key_file" : key, key);
}

/* Record the host's first error, at the variable's position. */
static void
connvars_fail(struct host *h, const struct ivar *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
connvars_fail(struct host *h, const struct ivar *v, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (h->error != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (v != NULL && v->loc.line > 0)
		xasprintf(&h->error, "%s:%d:%d: %s", v->loc.file, v->loc.line,
		    v->loc.col, msg ? msg : "out of memory");
	else
		xasprintf(&h->error, "%s:%d:%d: %s", h->file, h->line, h->col,
		    msg ? msg : "out of memory");
	free(msg);
}

/* Can the value be used at all: not vaulted, not a template, a scalar? */
static int
connvars_usable(struct host *h, const struct ivar *v)
{
	char	*p;

	if (v->flags & IVAR_VAULT) {
		connvars_fail(h, v, "%s is vaulted (!vault): rollcall cannot "
		    "decrypt it; give host '%s' a plain value", v->key, h->name);
		return 0;
	}
	if (v->flags & IVAR_JINJA) {
		p = cfg_printable(v->value, 64);
		connvars_fail(h, v, "%s holds a Jinja template ('%s'): rollcall "
		    "does not render templates", v->key, p);
		free(p);
		return 0;
	}
	if (v->json[0] == '{' || v->json[0] == '[' || v->value[0] == '\0') {
		connvars_fail(h, v, "%s must be a non-empty scalar", v->key);
		return 0;
	}
	return 1;
}

/* The address: brackets of "[2001:db8::1]" dropped, then checked. */
static void
connvars_address(struct host *h, const struct ivar *v)
{
	const char	*s = v ? v->value : h->name;
	size_t		 len = strlen(s);
	char		 why[160], *p;

	if (len > 2 && s[0] == '[' && s[len - 1] == ']')
		h->address = xstrndup(s + 1, len - 2);
	else
		h->address = xstrdup(s);
	if (cfg_check_address(h->address, why, sizeof why) == 0)
		return;
	p = cfg_printable(s, 64);
	if (v != NULL)
		connvars_fail(h, v, "%s '%s' %s", v->key, p, why);
	else
		connvars_fail(h, NULL, "host name '%s' is its address and %s; "
		    "set ansible_host", p, why);
	free(p);
}

/* The port: an integer from 1 to 65535 (number or digits in a string). */
static void
connvars_port(struct host *h, const struct ivar *v)
{
	char	*end, *p;
	long	 port;

	port = strtol(v->value, &end, 10);
	if (v->value[0] < '0' || v->value[0] > '9' || *end != '\0' ||
	    port < 1 || port > 65535) {
		p = cfg_printable(v->value, 64);
		connvars_fail(h, v, "%s must be a port number from 1 to 65535, "
		    "not '%s'", v->key, p);
		free(p);
		return;
	}
	h->port = (int)port;
}

/* ansible_connection: ssh-like, local, or unsupported. */
static void
connvars_transport(struct host *h, const struct ivar *v)
{
	size_t	 i;

	h->connection = xstrdup(v->value);
	for (i = 0; i < sizeof ssh_plugins / sizeof ssh_plugins[0]; i++)
		if (strcmp(v->value, ssh_plugins[i]) == 0)
			return;
	if (strcmp(v->value, "local") == 0 ||
	    strcmp(v->value, "ansible.builtin.local") == 0)
		h->transport = TRANSPORT_LOCAL;
	else
		h->transport = TRANSPORT_UNSUPPORTED;
}

/* One field from its winning variable. */
static void
connvars_field(const struct config *c, struct host *h, enum cfield f,
    const struct ivar *v)
{
	char	*p, *dir;

	if (!connvars_usable(h, v))
		return;
	switch (f) {
	case CF_PORT:
		connvars_port(h, v);
		break;
	case CF_USER:
		if (!cfg_check_user(v->value)) {
			p = cfg_printable(v->value, 64);
			connvars_fail(h, v, "%s '%s' is not a valid login name",
			    v->key, p);
			free(p);
		} else
			h->user = xstrdup(v->value);
		break;
	case CF_IDENTITY:
		if (strcmp(v->value, "agent") == 0) {	/* ssh-agent, no file */
			h->identity = xstrdup(v->value);
			break;
		}
		dir = cfg_dirname(v->loc.file);
		h->identity = cfg_expand_path(v->value, dir);
		free(dir);
		break;
	default:
		connvars_transport(h, v);
		break;
	}
}

/* ssh(1) arguments, of which only a ProxyJump is used: an empty one is
 * none, a !vault or a list cannot be read. NULL when there is nothing. */
static const char *
connvars_args(struct host *h, const struct ivar *v)
{
	if (v == NULL || v->value[0] == '\0')
		return NULL;
	if (v->flags & IVAR_VAULT) {
		connvars_fail(h, v, "%s is vaulted (!vault): rollcall cannot "
		    "decrypt it to find a ProxyJump", v->key);
		return NULL;
	}
	if (v->json[0] == '{' || v->json[0] == '[') {
		connvars_fail(h, v, "%s must be a string", v->key);
		return NULL;
	}
	return v->value;
}

/* A bastion spec from a variable must parse; 0 after the host's error at
 * that variable. */
static int
connvars_jump_ok(struct host *h, const struct ivar *v, const char *spec)
{
	struct jump_hop	*hops;
	size_t		 n;
	char		 err[200], *p;

	if (spec == NULL)
		return 1;
	if (config_parse_jump(spec, &hops, &n, err, sizeof err) == -1) {
		p = cfg_printable(spec, 64);
		connvars_fail(h, v, "%s: ProxyJump '%s': %s", v->key, p, err);
		free(p);
		return 0;
	}
	config_jump_free(hops, n);
	return 1;
}

/* Bastions and ssh_config (reach.c), under what the variables set and
 * before the defaults: rollcall_proxy_jump, else a ProxyJump in the ssh
 * arguments (common, then extra, as ssh sees them), else ssh_config's. */
static void
connvars_reach(const struct config *c, const struct sshcfg *sc,
    struct host *h, const struct ivar *const *win)
{
	const char	*jump = NULL, *args, *extra;
	char		*sargs = NULL, *spec, err[300];

	if (win[CF_JUMP] != NULL && connvars_usable(h, win[CF_JUMP]) &&
	    connvars_jump_ok(h, win[CF_JUMP], win[CF_JUMP]->value))
		jump = win[CF_JUMP]->value;
	args = connvars_args(h, win[CF_SSH_ARGS]);
	extra = connvars_args(h, win[CF_SSH_EXTRA]);
	if (args != NULL || extra != NULL)
		xasprintf(&sargs, "%s %s", args ? args : "", extra ? extra : "");
	if (jump == NULL && args != NULL &&
	    (spec = config_ssh_args_jump(args)) != NULL) {
		(void)connvars_jump_ok(h, win[CF_SSH_ARGS], spec);
		free(spec);
	} else if (jump == NULL && extra != NULL &&
	    (spec = config_ssh_args_jump(extra)) != NULL) {
		(void)connvars_jump_ok(h, win[CF_SSH_EXTRA], spec);
		free(spec);
	}
	if (h->error == NULL && config_reach_host(c, sc, h, jump, sargs,
	    err, sizeof err) == -1)
		connvars_fail(h, NULL, "%s", err);
	free(sargs);
}

/* The host's segment (docs/DISTRIBUTED.md): rollcall_segment, else
 * "default". A name of letters, digits, '.', '_', '-' as the cluster
 * block's segment; anything else is the host's error. */
static void
connvars_segment(struct host *h, const struct ivar *v)
{
	const char	*p;
	char		*q;

	if (v != NULL && connvars_usable(h, v)) {
		for (p = v->value; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) &&
			    strchr("._-", *p) == NULL)
				break;
		if (*p == '\0' && p != v->value && p - v->value <= 64) {
			h->segment = xstrdup(v->value);
			return;
		}
		q = cfg_printable(v->value, 64);
		connvars_fail(h, v, "%s '%s' is not a segment name (1 to 64 "
		    "letters, digits, '.', '_', '-')", v->key, q);
		free(q);
	}
	h->segment = xstrdup("default");
}

/* Fill the host's connection from its resolved vars (each the winning
 * definition of its key), then ssh_config and the config's defaults. */
void
connvars_apply(const struct config *c, const struct sshcfg *sc,
    struct host *h, const struct ivar *const *vars, size_t n)
{
	const struct ivar	*win[CF_COUNT] = { 0 };
	size_t			 i, j;
	int			 f;

	for (j = sizeof connvars / sizeof connvars[0]; j-- > 0; )
		for (i = 0; i < n; i++)
			if (strcmp(vars[i]->key, connvars[j].name) == 0)
				win[connvars[j].field] = vars[i];
	if (win[CF_CONNECTION] != NULL)
		connvars_field(c, h, CF_CONNECTION, win[CF_CONNECTION]);
	for (f = CF_PORT; h->transport == TRANSPORT_SSH && f < CF_CONNECTION;
	    f++)
		if (win[f] != NULL)
			connvars_field(c, h, (enum cfield)f, win[f]);
	if (h->transport == TRANSPORT_SSH && (win[CF_ADDRESS] == NULL ||
	    connvars_usable(h, win[CF_ADDRESS])))
		connvars_address(h, win[CF_ADDRESS]);
	if (h->transport == TRANSPORT_SSH && h->error == NULL)
		connvars_reach(c, sc, h, win);
	if (h->address == NULL)
		h->address = xstrdup(h->name);
	if (h->port == 0)
		h->port = c->ssh.port;
	if (h->user == NULL)
		h->user = xstrdup(c->ssh.user);
	if (h->identity == NULL)
		h->identity = xstrdup(c->ssh.identity);
	connvars_segment(h, win[CF_SEGMENT]);
}
