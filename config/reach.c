/* How a host is reached, beyond its own inventory variables: what the
 * user's ssh_config says (below the inventory's ansible_* variables, as
 * with Ansible, which runs ssh(1) with them as options), and the bastions
 * it goes through (rollcall_proxy_jump, ProxyJump inside
 * ansible_ssh_common_args / ansible_ssh_extra_args, ssh_config's
 * ProxyJump), parsed into hops. Nothing here is ever run by a shell. */
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "config/internal.h"
#include "config/sshconfig.h"

#define REACH_MAX_HOPS	8	/* bastions in one chain */

/* The running user's name and home, for ssh_config's tokens. */
static void
reach_local_user(const char **name, const char **home)
{
	struct passwd	*pw = getpwuid(getuid());
	const char	*h = getenv("HOME");

	*name = pw != NULL ? pw->pw_name : "root";
	*home = h != NULL && *h != '\0' ? h : pw != NULL ? pw->pw_dir : "/";
}

/* Free a host's hops. */
void
config_jump_free(struct jump_hop *hops, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(hops[i].user);
		free(hops[i].host);
		free(hops[i].identity);
		free(hops[i].known_hosts);
	}
	free(hops);
}

/* One hop: "[ssh://][user@]host[:port]", host may be "[v6]". */
static int
reach_parse_hop(char *s, struct jump_hop *hop, char *err, size_t errlen)
{
	char	*at, *colon, *end, why[128];
	long	 port;

	if (strncmp(s, "ssh://", 6) == 0)
		s += 6;
	if ((at = strrchr(s, '@')) != NULL) {
		*at = '\0';
		if (!cfg_check_user(s))
			return snprintf(err, errlen, "bad user '%s'", s), -1;
		hop->user = xstrdup(s);
		s = at + 1;
	}
	if (*s == '[' && (end = strchr(s, ']')) != NULL) {
		*end = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return snprintf(err, errlen, "junk after ']'"), -1;
		s++;
	} else if ((colon = strrchr(s, ':')) != NULL)
		*colon = '\0';
	if (colon != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port < 1 ||
		    port > 65535)
			return snprintf(err, errlen, "bad port '%s'",
			    colon + 1), -1;
		hop->port = (int)port;
	}
	if (cfg_check_address(s, why, sizeof why) == -1)
		return snprintf(err, errlen, "bastion name %s", why), -1;
	hop->host = xstrdup(s);
	return 0;
}

/* See config.h. */
int
config_parse_jump(const char *spec, struct jump_hop **hopsp, size_t *np,
    char *err, size_t errlen)
{
	struct jump_hop	*hops = NULL;
	char		*copy, *p, *tok;
	size_t		 n = 0;
	int		 rc = 0;

	*hopsp = NULL;
	*np = 0;
	if (strcmp(spec, "none") == 0)
		return 0;
	copy = xstrdup(spec);
	for (p = copy; rc == 0 && (tok = strsep(&p, ",")) != NULL;) {
		if (n == REACH_MAX_HOPS) {
			snprintf(err, errlen, "more than %d bastions",
			    REACH_MAX_HOPS);
			rc = -1;
			break;
		}
		hops = xreallocarray(hops, n + 1, sizeof *hops);
		memset(&hops[n], 0, sizeof *hops);
		rc = reach_parse_hop(tok, &hops[n++], err, errlen);
	}
	free(copy);
	if (rc == -1) {
		config_jump_free(hops, n);
		return -1;
	}
	*hopsp = hops;
	*np = n;
	return 0;
}

/* The next word of ssh arguments as a POSIX shell would split them
 * (quotes and backslashes), without expanding anything. NULL at end. */
static char *
reach_next_word(const char **sp)
{
	const char	*s = *sp;
	struct buf	 b = { 0 };
	char		 q = 0, *w;

	s += strspn(s, " \t\n");
	if (*s == '\0')
		return NULL;
	for (; *s != '\0' && (q != 0 || !isspace((unsigned char)*s)); s++) {
		if (q == 0 && (*s == '"' || *s == '\''))
			q = *s;
		else if (q != 0 && *s == q)
			q = 0;
		else if (*s == '\\' && q != '\'' && s[1] != '\0')
			buf_append(&b, ++s, 1);
		else
			buf_append(&b, s, 1);
	}
	*sp = s;
	w = xstrdup(buf_str(&b));
	buf_free(&b);
	return w;
}

/* The ProxyJump in ssh(1) arguments ("-o ProxyJump=x", "-oProxyJump x",
 * "-J x"), first one wins as in ssh; NULL if none. Other options are not
 * followed (rollcall is not ssh): said at debug level. Caller frees. */
char *
config_ssh_args_jump(const char *args)
{
	const char	*s = args;
	char		*w, *opt, *jump = NULL;
	int		 next_o = 0, next_j = 0;

	while ((w = reach_next_word(&s)) != NULL) {
		opt = NULL;
		if (next_j)
			opt = xstrdup(w);
		else if (next_o || strncmp(w, "-o", 2) == 0) {
			const char *o = next_o ? w : w + 2;

			if (*o == '\0') {
				next_o = 1;
				free(w);
				continue;
			}
			if (strncasecmp(o, "proxyjump", 9) == 0 &&
			    (o[9] == '=' || o[9] == ' '))
				opt = xstrdup(o + 10 + strspn(o + 10, " ="));
			else
				log_debug("ssh args: '%s' is not used by "
				    "rollcall", o);
		} else if (strcmp(w, "-J") == 0) {
			next_j = 1;
			free(w);
			continue;
		} else if (strncmp(w, "-J", 2) == 0)
			opt = xstrdup(w + 2);
		next_o = next_j = 0;
		if (opt != NULL && jump == NULL)
			jump = opt;
		else
			free(opt);
		free(w);
	}
	return jump;
}

/* Expand an ssh_config path option for a host; NULL (error filled) on a
 * token rollcall cannot expand. */
static char *
reach_expand(const char *raw, const char *host, const char *orig,
    const char *user, int port, char *err, size_t errlen)
{
	struct sshcfg_tokens	 t;

	reach_local_user(&t.local_user, &t.home);
	t.host = host;
	t.original = orig;
	t.user = user;
	t.port = port;
	return sshcfg_expand(raw, &t, err, errlen);
}

/* ssh_config's UserKnownHostsFile for a host, expanded; *out stays NULL
 * when it says none (ssh.known_hosts then). -1 with err filled when
 * rollcall cannot use it. */
static int
reach_known_hosts(const char *raw, const char *host, const char *orig,
    const char *user, int port, char **out, char *err, size_t errlen)
{
	if (raw == NULL)
		return 0;
	if (strcmp(raw, "none") == 0) {
		snprintf(err, errlen, "ssh config UserKnownHostsFile none for "
		    "%s: rollcall checks every host key and needs a file", orig);
		return -1;
	}
	*out = reach_expand(raw, host, orig, user, port, err, errlen);
	return *out == NULL ? -1 : 0;
}

/* Fill one bastion from ssh_config (for its own name) and the defaults;
 * what the jump spec said stays. */
static int
reach_fill_hop(const struct config *c, const struct sshcfg *sc,
    struct jump_hop *hop, char *err, size_t errlen)
{
	struct sshcfg_host	 o = { 0 };
	const char		*lu, *home;
	char			*orig = xstrdup(hop->host);
	int			 rc = 0;

	reach_local_user(&lu, &home);
	if (sc != NULL) {
		sshcfg_lookup(sc, hop->host, lu, &o);
		if (o.hostname != NULL) {
			free(hop->host);
			hop->host = o.hostname;
			o.hostname = NULL;
		}
	}
	if (hop->user == NULL)
		hop->user = xstrdup(o.user != NULL ? o.user : c->ssh.user);
	if (hop->port == 0)
		hop->port = o.port != 0 ? o.port : c->ssh.port;
	if (o.identity != NULL)
		rc = (hop->identity = reach_expand(o.identity, hop->host, orig,
		    hop->user, hop->port, err, errlen)) == NULL ? -1 : 0;
	else
		hop->identity = xstrdup(c->ssh.identity);
	if (rc == 0)
		rc = reach_known_hosts(o.known_hosts, hop->host, orig,
		    hop->user, hop->port, &hop->known_hosts, err, errlen);
	sshcfg_host_clear(&o);
	free(orig);
	return rc;
}

/* The names whose ProxyJump a chain followed, target first: a name seen
 * twice is a loop (ssh(1) would start itself without end). */
struct reach_walk {
	const char	*names[REACH_MAX_HOPS + 2];	/* borrowed */
	size_t		 n;
};

/* "ssh config ProxyJump loop: a -> b -> a" into err. */
static int
reach_loop(const struct reach_walk *w, const char *again, char *err,
    size_t errlen)
{
	struct buf	 b = { 0 };
	size_t		 i;

	buf_printf(&b, "ssh config ProxyJump loop:");
	for (i = 0; i < w->n; i++)
		buf_printf(&b, " %s ->", w->names[i]);
	buf_printf(&b, " %s", again);
	snprintf(err, errlen, "%s", buf_str(&b));
	buf_free(&b);
	return -1;
}

/* Has the walk followed this name's ProxyJump already? */
static int
reach_seen(const struct reach_walk *w, const char *name)
{
	size_t	 i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->names[i], name) == 0)
			return 1;
	return 0;
}

/* Parse a jump spec into hops, following ssh_config as ssh(1) does: ssh
 * reaches the last hop of "a,b" with "-J a" (so b's own ProxyJump is not
 * read) and a as a host of its own (so a's ProxyJump is), recursively. */
static int
reach_chain(const struct sshcfg *sc, const char *spec, struct reach_walk *w,
    struct jump_hop **hopsp, size_t *np, char *err, size_t errlen)
{
	struct sshcfg_host	 o;
	struct jump_hop		*pre = NULL, *hops;
	const char		*lu, *home;
	size_t			 npre = 0, n;
	int			 rc = 0;

	if (config_parse_jump(spec, hopsp, np, err, errlen) == -1)
		return -1;
	if (sc == NULL || *np == 0)
		return 0;
	hops = *hopsp;
	n = *np;
	reach_local_user(&lu, &home);
	sshcfg_lookup(sc, hops[0].host, lu, &o);
	if (reach_seen(w, hops[0].host))
		rc = reach_loop(w, hops[0].host, err, errlen);
	else if (o.proxy_jump != NULL && strcmp(o.proxy_jump, "none") != 0 &&
	    w->n > REACH_MAX_HOPS) {
		snprintf(err, errlen, "more than %d bastions (ssh config "
		    "ProxyJump of %s)", REACH_MAX_HOPS, hops[0].host);
		rc = -1;
	} else if (o.proxy_jump != NULL && strcmp(o.proxy_jump, "none") != 0) {
		w->names[w->n++] = hops[0].host;
		rc = reach_chain(sc, o.proxy_jump, w, &pre, &npre, err, errlen);
		if (rc == 0 && npre + n > REACH_MAX_HOPS) {
			snprintf(err, errlen, "more than %d bastions (ssh "
			    "config ProxyJump of %s)", REACH_MAX_HOPS,
			    hops[0].host);
			rc = -1;
		}
		w->n--;
	}
	sshcfg_host_clear(&o);
	if (rc == 0 && npre > 0) {
		pre = xreallocarray(pre, npre + n, sizeof *pre);
		memcpy(pre + npre, hops, n * sizeof *hops);
		free(hops);
		*hopsp = pre;
		*np = npre + n;
		return 0;
	}
	config_jump_free(pre, npre);
	if (rc == -1) {
		config_jump_free(hops, n);
		*hopsp = NULL;
		*np = 0;
	}
	return rc;
}

/* What ssh_config says about a host, under what the inventory set. */
static int
reach_apply_sshcfg(const struct config *c, const struct sshcfg *sc,
    struct host *h, char **cfg_jump, char *err, size_t errlen)
{
	struct sshcfg_host	 o;
	const char		*lu, *home, *arg;
	char			 why[128];
	int			 rc = 0;

	reach_local_user(&lu, &home);
	arg = h->address != NULL ? h->address : h->name;
	sshcfg_lookup(sc, arg, lu, &o);
	if (o.hostname != NULL && cfg_check_address(o.hostname, why,
	    sizeof why) == -1) {
		snprintf(err, errlen, "ssh config HostName '%s' %s",
		    o.hostname, why);
		rc = -1;
	} else if (o.hostname != NULL) {
		free(h->address);
		h->address = o.hostname;
		o.hostname = NULL;
	}
	if (h->port == 0)
		h->port = o.port;
	if (h->user == NULL && o.user != NULL) {
		if (!cfg_check_user(o.user)) {
			snprintf(err, errlen, "ssh config User '%s' is not a "
			    "user name", o.user);
			rc = -1;
		} else
			h->user = xstrdup(o.user);
	}
	if (rc == 0 && h->identity == NULL && o.identity != NULL &&
	    (h->identity = reach_expand(o.identity, h->address != NULL ?
	    h->address : arg, arg, h->user != NULL ? h->user : c->ssh.user,
	    h->port != 0 ? h->port : c->ssh.port, err, errlen)) == NULL)
		rc = -1;
	if (rc == 0 && reach_known_hosts(o.known_hosts, h->address != NULL ?
	    h->address : arg, arg, h->user != NULL ? h->user : c->ssh.user,
	    h->port != 0 ? h->port : c->ssh.port, &h->known_hosts, err,
	    errlen) == -1)
		rc = -1;
	if (o.connect_timeout_ms > 0)
		h->connect_timeout_ms = o.connect_timeout_ms;
	*cfg_jump = o.proxy_jump;
	o.proxy_jump = NULL;
	sshcfg_host_clear(&o);
	return rc;
}

/* See config.h. */
int
config_reach_host(const struct config *c, const struct sshcfg *sc,
    struct host *h, const char *jump_var, const char *ssh_args, char *err,
    size_t errlen)
{
	struct reach_walk	 w;
	char			*cfg_jump = NULL, *args_jump = NULL, *self;
	const char		*spec;
	size_t			 i;
	int			 rc = 0;

	self = xstrdup(h->address != NULL ? h->address : h->name);
	w.names[0] = self;	/* the name ssh(1) would be given */
	w.n = 1;
	if (sc != NULL)
		rc = reach_apply_sshcfg(c, sc, h, &cfg_jump, err, errlen);
	if (ssh_args != NULL)
		args_jump = config_ssh_args_jump(ssh_args);
	spec = jump_var != NULL ? jump_var : args_jump != NULL ? args_jump :
	    cfg_jump;
	if (rc == 0 && spec != NULL) {
		if (reach_chain(sc, spec, &w, &h->jumps, &h->njumps, err,
		    errlen) == -1)
			rc = -1;
		for (i = 0; rc == 0 && i < h->njumps; i++)
			rc = reach_fill_hop(c, sc, &h->jumps[i], err, errlen);
	}
	if (rc == -1) {
		config_jump_free(h->jumps, h->njumps);
		h->jumps = NULL;
		h->njumps = 0;
	}
	free(self);
	free(cfg_jump);
	free(args_jump);
	return rc;
}
