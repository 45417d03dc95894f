/* Configuration: rollcall.yml plus Ansible inventories (YAML or INI, read
 * as Ansible reads them), parsed into plain structs. libyaml types never leave config/.
 * Every error names file:line:column; loading goes on to report them all. */
#ifndef ROLLCALL_CONFIG_H
#define ROLLCALL_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "collectors/parse_mode.h"	/* enum parse_mode: collectors own it */

#define CONFIG_DEFAULT_PATH	"/etc/rollcall/rollcall.yml"
#define CONFIG_DEFAULT_DATABASE	"/var/lib/rollcall/rollcall.db"

/* Error list: each entry "file:line:column: message". */
struct cfg_errors {
	char	**msgs;
	size_t	 n;
};

enum hostkey_policy {
	HOSTKEY_STRICT = 0,	/* unknown or changed key: no authentication */
	HOSTKEY_ACCEPT_NEW,	/* learn unknown keys, never replace changed */
};

/* How a host is reached: ansible_connection. */
enum host_transport {
	TRANSPORT_SSH = 0,	/* ssh, smart, paramiko (the default) */
	TRANSPORT_LOCAL,	/* local: run on this machine, no SSH */
	TRANSPORT_UNSUPPORTED,	/* winrm, docker, network_cli, ... */
};

/* A host variable after Ansible's precedence, as the inventory gave it. */
struct kv {
	char	*key;
	char	*value;		/* scalars as written; lists/maps as JSON;
				   a !vault value as "<vault>" */
	char	*json;		/* the value as ansible-inventory prints it */
};

/* One bastion a host is reached through (ProxyJump). */
struct jump_hop {
	char	*user;		/* login on the bastion */
	char	*host;		/* its address (ssh_config HostName applied) */
	int	 port;
	char	*identity;	/* key path, or "agent" */
	char	*known_hosts;	/* ssh_config UserKnownHostsFile, expanded;
				   NULL = ssh.known_hosts */
};

/* One host of the inventory, with everything resolved. */
struct host {
	char	*name;		/* inventory name, unique in the config */
	char	*address;	/* ansible_host/address, else name */
	int	 port;		/* resolved: host > groups > ssh.port */
	char	*user;		/* resolved: host > groups > ssh.user */
	char	*identity;	/* resolved private key path, or "agent" */
	char	*known_hosts;	/* ssh_config UserKnownHostsFile, expanded;
				   NULL = ssh.known_hosts */
	struct jump_hop *jumps;	/* bastions, first hop first; none: direct */
	size_t	 njumps;
	int64_t	 connect_timeout_ms; /* ssh_config's; 0 = ssh.connect_timeout */
	char	**groups;	/* every group it is in, "all" first */
	size_t	 ngroups;
	struct kv *vars;	/* every var after precedence, by key */
	size_t	 nvars;
	char	*file;		/* where first defined, for messages */
	int	 line;
	int	 col;
	enum host_transport transport;	/* from ansible_connection */
	char	*connection;	/* ansible_connection as given; NULL = ssh */
	char	*error;		/* "file:line:col: why" when the inventory
				   gives no usable connection; NULL = ok */
	size_t	 seq;		/* order of first sight in the inventory */
	char	*segment;	/* rollcall_segment, else "default" */
};

/* A group, for check-config summaries and per-group settings. */
struct group {
	char	*name;
	char	**children;	/* direct child group names, as listed */
	size_t	 nchildren;
	char	**members;	/* hosts listed in it directly, as listed */
	size_t	 nmembers;
	size_t	 seq;		/* order of first sight in the inventory */
	size_t	 nhosts;	/* hosts in it, directly or via children */
	int	 concurrency;	/* group_concurrency limit; 0 = none */
	int64_t	 interval_ms;	/* per-group sweep interval; 0 = global */
};

/* A collector defined in the config file. */
struct custom_collector {
	char	*name;		/* facts go under custom.<name>. */
	char	*command;	/* fixed remote command text */
	enum parse_mode parse;
	int64_t	 timeout_ms;	/* 0 = ssh.command_timeout */
	char	**groups;	/* run only on hosts in one of these; none = all */
	size_t	 ngroups;
};

struct ssh_config {
	char	*user;		/* default: login name of the running user */
	int	 port;		/* default 22 */
	char	*identity;	/* default ~/.ssh/id_ed25519, else id_ecdsa */
	char	*known_hosts;	/* default ~/.ssh/known_hosts */
	char	*identity_at;	/* "file:line:col" that set identity, or NULL */
	char	*known_hosts_at;	/* same for known_hosts */
	char	*config_file;	/* ssh_config to follow; NULL (default) = none */
	enum hostkey_policy host_key_checking;	/* default strict */
	int64_t	 connect_timeout_ms;	/* default 10s */
	int64_t	 command_timeout_ms;	/* default 60s */
	int64_t	 host_timeout_ms;	/* default 5m: whole-host budget */
};

struct cluster_config;	/* config/cluster.h */

struct config {
	char	*path;		/* the file loaded, as given */
	char	*database;	/* default /var/lib/rollcall/rollcall.db */
	char	**inventory;	/* patterns, resolved against the config dir */
	size_t	 ninventory;
	struct ssh_config ssh;
	char	*resolv_conf;	/* dns.resolv_conf; NULL = /etc/resolv.conf */
	int	 concurrency;	/* hosts in flight; default 256 */
	int	 workers;	/* event-loop threads; 0 = one per core */
	int	 max_handshakes;	/* unauthenticated sessions; 0 = no cap */
	int	 bastion_concurrency;	/* tunnels per bastion session; 64 */
	size_t	 max_output;	/* bytes per collector; default 1 MiB */
	char	*channel_mode;	/* "combined" (default) or "per-collector" */
	char	**collectors;	/* built-in names to run; default set */
	size_t	 ncollectors;
	struct custom_collector *custom;
	size_t	 ncustom;

	/* daemon */
	int64_t	 interval_ms;	/* default 1h */
	double	 jitter;	/* fraction of interval, default 0.1 */
	int	 retry_attempts;	/* retries before next sweep, default 2 */
	int64_t	 retry_backoff_ms;	/* first backoff, doubles; default 30s */
	int64_t	 retention_ms;	/* history kept; 0 = forever; default 180d */
	char	*metrics_listen;	/* "127.0.0.1:9465" or NULL */
	int	 metrics_per_host;	/* a last-success series per host */
	char	*control_socket;	/* default next to the database */
	struct cluster_config *cluster;	/* cluster: block; NULL = single node */

	struct host *hosts;	/* sorted by name */
	size_t	 nhosts;
	struct group *groups;	/* every group, "all" first, then by name */
	size_t	 ngroups;
	struct cfg_errors *warnings;	/* what Ansible warns about, and
					   per-host errors; never fatal */
};


/* Load and validate the whole config and every inventory file. Returns NULL
 * with errs filled when anything is wrong. Caller frees both. */
struct config	*config_load(const char *path, struct cfg_errors *errs);
/* Only inventories (`rollcall inventory -i`): no rollcall.yml, every
 * setting at its default. Same ownership as config_load. */
struct config	*config_load_inventory(char *const *paths, size_t n,
		    struct cfg_errors *errs);
/* Only `database` and `control_socket` (defaults applied, paths expanded
 * as config_load does), ignoring every other key, so the read commands
 * and the control client work while an unrelated key is wrong. 0, or -1
 * with errs filled (unreadable file, bad YAML, those keys not paths).
 * Caller frees both strings. */
int		 config_load_paths(const char *path, char **database,
		    char **control_socket, struct cfg_errors *errs);
void		 config_free(struct config *);
void		 cfg_errors_free(struct cfg_errors *);

/* Durations: "500ms", "10s", "2m", "1h", "7d", or a bare number of seconds.
 * Returns 0 and sets *ms, or -1. */
int		 config_parse_duration(const char *, int64_t *ms);
/* Sizes: "1M", "64K", "8G", "512" (bytes), K=1024. Returns 0 or -1. */
int		 config_parse_size(const char *, uint64_t *bytes);

/* Expand an inventory host pattern: "web[01:20].x", "10.0.1.[1:254]",
 * "db-[a:c]". Returns the count and fills *out (caller frees each and the
 * array), or -1 with err filled. */
int		 config_expand_range(const char *pattern, char ***out,
		    char *err, size_t errlen);

/* ansible-inventory's views of the loaded inventory (invjson.c): --list,
 * --host NAME and --graph [GROUP]; the last two return -1 when there is
 * no such host or group. */
void		 config_inventory_list(const struct config *, FILE *);
int		 config_inventory_host(const struct config *, const char *,
		    FILE *);
int		 config_inventory_graph(const struct config *, const char *,
		    FILE *);
const struct host *config_find_host(const struct config *, const char *);

/* Ansible host patterns (pattern.c): "web:db", "web,db", "web:&prod",
 * "web:!web03", globs "db*", regexes "~web0[12]", subscripts "web[0:2]",
 * "@file" (one pattern a line). Marks sel[i] for each conf->hosts[i]
 * selected; returns how many, or -1 with err filled: a bad pattern, or an
 * empty selection naming the part that matched nothing. */
int		 config_select(const struct config *, const char *pattern,
		    unsigned char *sel, char *err, size_t errlen);

/* check-config's look at the files the config names (check.c): the
 * identity files (ssh.identity and every host's own) and known_hosts
 * must exist and be readable. Appends one "place: problem" each. */
void		 config_check_files(const struct config *, struct cfg_errors *);
/* ProxyJump text ("[user@]host[:port],...", "none") into hops; user,
 * identity and a port left 0 are for the caller to fill. -1 with err
 * filled when it is not one. Caller frees the hops' strings and array. */
int		 config_parse_jump(const char *spec, struct jump_hop **hops,
		    size_t *n, char *err, size_t errlen);
void		 config_jump_free(struct jump_hop *, size_t);
/* The ProxyJump given in ssh(1) arguments (ansible_ssh_common_args), or
 * NULL. Caller frees. */
char		*config_ssh_args_jump(const char *args);

/* Is the host in that group? */
int		 host_in_group(const struct host *, const char *group);
const struct group *config_find_group(const struct config *, const char *);

#endif
