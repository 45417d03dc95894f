/* OpenSSH client configuration (ssh_config(5)): the subset rollcall uses to
 * reach a host (HostName, User, Port, IdentityFile, ProxyJump,
 * UserKnownHostsFile, ConnectTimeout), resolved the way ssh(1) does: Host
 * and Match blocks in file order, the first value obtained for an option
 * wins, Include followed. Nothing is executed (Match exec never matches). */
#ifndef ROLLCALL_SSHCONFIG_H
#define ROLLCALL_SSHCONFIG_H

#include <stddef.h>
#include <stdint.h>

struct cfg_errors;
struct sshcfg;		/* a parsed file with its includes */

/* What ssh_config says about one host; NULL / 0 / -1 = not said. */
struct sshcfg_host {
	char	*hostname;	/* HostName, %h expanded */
	char	*user;		/* User */
	int	 port;		/* Port; 0 = not set */
	char	*identity;	/* first IdentityFile, unexpanded */
	char	*proxy_jump;	/* ProxyJump as written; "none" = none */
	char	*known_hosts;	/* first UserKnownHostsFile, unexpanded */
	int64_t	 connect_timeout_ms; /* ConnectTimeout; -1 = not set */
};

/* Values for the %-tokens of IdentityFile and UserKnownHostsFile. */
struct sshcfg_tokens {
	const char	*host;		/* %h: the host name connected to */
	const char	*original;	/* %n: the name as given */
	const char	*user;		/* %r: remote user */
	int		 port;		/* %p */
	const char	*local_user;	/* %u */
	const char	*home;		/* %d and ~ */
};

#define SSHCFG_NO_INCLUDE	0x1	/* Include is an error (fuzzing) */

/* Parse a file and what it includes. NULL with errs filled ("file:line:
 * column: message") when something is wrong. Caller frees. */
struct sshcfg	*sshcfg_load(const char *path, struct cfg_errors *errs);
/* The same from text in memory; file names it in messages. */
struct sshcfg	*sshcfg_parse(const char *text, size_t len, const char *file,
		    int flags, struct cfg_errors *errs);
/* Resolve host (as ssh(1) would be given it) for the running local_user.
 * Fills *out; caller frees it with sshcfg_host_clear. */
void		 sshcfg_lookup(const struct sshcfg *, const char *host,
		    const char *local_user, struct sshcfg_host *out);
/* Expand ~ and %-tokens of a path option. NULL with err filled on an
 * unknown token. Caller frees. */
char		*sshcfg_expand(const char *path, const struct sshcfg_tokens *,
		    char *err, size_t errlen);
void		 sshcfg_host_clear(struct sshcfg_host *);
void		 sshcfg_free(struct sshcfg *);
/* Does host match an ssh_config pattern list ("a*,!b")? 1, 0 or -1 (a
 * negated pattern matched), as OpenSSH's match_pattern_list. */
int		 sshcfg_match_list(const char *s, const char *list);

#endif
