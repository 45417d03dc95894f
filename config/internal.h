/* Private to config/: the YAML node tree, error helpers (cfgerr.c), a
 * string map and the inventory builder. libyaml types stay inside yamlnode.c; everything
 * else in config/ works on this tree. */
#ifndef ROLLCALL_CONFIG_INTERNAL_H
#define ROLLCALL_CONFIG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "config/config.h"

#define CFG_MAX_FILE	(16 * 1024 * 1024)	/* bytes per YAML file */
#define CFG_MAX_DEPTH	64		/* nesting of YAML collections */
#define CFG_MAX_NODES	1000000		/* nodes per document, aliases expanded */
#define CFG_MAX_ERRORS	1000		/* errors kept; then one "too many" */
#define CFG_MAX_HOSTS	1000000		/* hosts in the whole inventory */
#define CFG_MAX_NAME	253		/* host name / address length */
#define CFG_MAX_VARBYTES (256ULL << 20)	/* var text over all hosts */

enum ynode_kind {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
};

/* One YAML node. Alias references share the anchored node, so the tree is
 * a DAG; its expanded size is bounded by CFG_MAX_NODES at load time. */
struct ynode {
	enum ynode_kind	  kind;		/* scalar, sequence or mapping */
	int		  line;		/* 1-based start position */
	int		  col;
	char		 *str;		/* scalar text, NUL-terminated */
	size_t		  len;		/* scalar length (may hold NULs) */
	int		  plain;	/* scalar was unquoted (can be null) */
	char		 *tag;		/* explicit tag ("!vault"), or NULL */
	struct ynode	**kids;		/* seq items; map key,value,key,... */
	size_t		  nkids;	/* entries in kids */
	size_t		  capkids;	/* allocated entries */
	size_t		  weight;	/* nodes below and here, expanded */
	struct ynode	 *next;		/* arena chain for freeing */
};

/* A parsed file: the root node plus every node it owns. */
struct ydoc {
	char		*file;		/* path, as used in messages */
	struct ynode	*root;		/* NULL for an empty document */
	struct ynode	*arena;		/* every node, for freeing */
};

/* yamlnode.c (ynode_is_null is yscalar.c's: what a scalar means) */
struct ydoc	*ydoc_load(const char *path, struct cfg_errors *);
struct ydoc	*ydoc_parse_text(const char *path, const char *text,
		    size_t len, struct cfg_errors *);
int		 cfg_read_file(const char *path, struct buf *,
		    struct cfg_errors *);
void		 ydoc_free(struct ydoc *);
int		 ynode_is_null(const struct ynode *);
const char	*ynode_kind_str(const struct ynode *);
size_t		 ymap_len(const struct ynode *);
struct ynode	*ymap_key(const struct ynode *, size_t);
struct ynode	*ymap_val(const struct ynode *, size_t);
char		*ynode_to_text(const struct ynode *);
char		*ynode_to_json(const struct ynode *);
int		 cfg_dup_keys(struct cfg_errors *, const char *file,
		    const struct ynode *map, const char *what);

/* cfgerr.c: errors, printable text, paths (a leaf: calls nothing back) */
void		 cfg_err(struct cfg_errors *, const char *file, int line,
		    int col, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 cfg_errn(struct cfg_errors *, const char *file,
		    const struct ynode *, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
void		 cfg_errors_move(struct cfg_errors *dst, struct cfg_errors *src);
char		*cfg_expand_path(const char *path, const char *dir);
char		*cfg_dirname(const char *path);
char		*cfg_printable(const char *, size_t max);

/* strmap.c: string -> index, for hosts, groups and anchors */
struct strmap {
	char	**keys;		/* borrowed pointers; NULL = empty slot */
	size_t	 *vals;		/* value per slot */
	size_t	  cap;		/* slots, a power of two */
	size_t	  n;		/* used slots */
};
int		 strmap_get(const struct strmap *, const char *, size_t *);
void		 strmap_put(struct strmap *, char *key, size_t val);
void		 strmap_free(struct strmap *);

/* range.c: Ansible host patterns and what may reach the network */
int		 cfg_check_user(const char *);

/* settings.c: the keys of rollcall.yml */
struct cfgload {
	struct config		*conf;		/* being filled */
	struct cfg_errors	*errs;		/* every problem found */
	const char		*file;		/* the config file, for messages */
	char			*dir;		/* its directory, for relative paths */
	char			**files;	/* inventory files to read, in order */
	size_t			 nfiles;
	const struct ynode	*inventory;	/* the inventory key, for messages */
	const struct ynode	*gconc;		/* group_concurrency, checked late */
	const struct ynode	*gint;		/* group_interval, checked late */
	const struct ynode	*custom;	/* custom_collectors, checked late */
};
void		 settings_defaults(struct config *);
void		 settings_walk(struct cfgload *, const struct ynode *root);
void		 settings_groups(struct cfgload *, int inventory_ok);
/* cluster.c: the `cluster:` block */
void		 settings_cluster(struct cfgload *, const struct ynode *);

/* The inventory builder (builder.c) shared by every inventory file:
 * inventory.c (YAML), ini.c (INI), then resolve.c (groups, precedence,
 * Ansible's reconcile).
 * Everything is indexes, never pointers into arrays that grow. */

/* Where something was written. */
struct iloc {
	const char	*file;		/* owned by the inventory's file list */
	int		 line;		/* 1-based; 0 = the file as a whole */
	int		 col;
};

#define IVAR_VAULT	0x1		/* a !vault value: opaque */
#define IVAR_JINJA	0x2		/* text holds a Jinja template */

/* One variable as defined at one place. */
struct ivar {
	char		*key;		/* name as written */
	char		*value;		/* text: scalars as written, else JSON */
	char		*json;		/* as ansible-inventory prints it */
	int		 flags;		/* IVAR_* */
	struct iloc	 loc;		/* where the value was written */
};

/* Variables of one host or group, in definition order (later wins). */
struct ivars {
	struct ivar	*v;		/* entries */
	size_t		 n;		/* used */
};

/* A group while inventories load. */
struct igroup {
	char		*name;		/* group name (owned) */
	struct iloc	 loc;		/* first definition */
	size_t		*kids;		/* direct child group indexes, in order */
	struct iloc	*kidloc;	/* where each child was listed */
	size_t		 nkids;
	size_t		 nparents;	/* edges into this group */
	size_t		*members;	/* direct hosts, in order of listing */
	size_t		 nmembers;
	struct ivars	 vars;		/* vars: of every definition */
	int		 priority;	/* ansible_group_priority, default 1 */
	int		 depth;		/* longest path from "all" */
	int		 mark;		/* DFS colour / visit stamp */
	size_t		 nhosts;	/* hosts in it, any depth */
};

/* A host while inventories load. */
struct ihost {
	char		*name;		/* host name (owned) */
	struct iloc	 loc;		/* first definition */
	size_t		*groups;	/* groups it is listed in directly */
	size_t		 ngroups;
	struct ivars	 vars;		/* host vars of every listing */
};

struct inventory {
	const struct config	*conf;		/* ssh defaults */
	struct igroup		*groups;	/* [0] "all", [1] "ungrouped" */
	size_t			 ngroups;
	size_t			 capgroups;
	struct strmap		 gmap;		/* name -> group index */
	struct ihost		*hosts;		/* in order of first sight */
	size_t			 nhosts;
	size_t			 caphosts;
	struct strmap		 hmap;		/* name -> host index */
	char			**files;	/* every file read (owned) */
	size_t			 nfiles;
	const char		*file;		/* the file being read */
	char			*dir;		/* its directory */
	struct cfg_errors	*errs;		/* where problems go */
	struct cfg_errors	*warns;		/* what Ansible would warn about */
	uint64_t		 varbytes;	/* var text, bounded */
	struct sshcfg		*sshcfg;	/* ssh.config_file, or NULL */
};

#define NOGROUP	((size_t)-1)

/* inventory.c: one file, its format chosen as Ansible does; YAML */
void		 inventory_load(struct inventory *, const char *path,
		    struct cfg_errors *, struct cfg_errors *warns);

/* builder.c: what every format records */
struct inventory *inventory_new(const struct config *);
void		 inventory_free(struct inventory *);
void		 ivars_free(struct ivars *);

/* reach.c: ssh_config and bastions for one host whose inventory fields are
 * set (unset: NULL / 0), before defaults fill the rest. jump_var is
 * rollcall_proxy_jump, ssh_args ansible_ssh_common_args then _extra_args
 * (NULL when not set). -1 with err filled when something is wrong. */
struct sshcfg;
int		 config_reach_host(const struct config *, const struct sshcfg *,
		    struct host *, const char *jump_var, const char *ssh_args,
		    char *err, size_t errlen);

size_t		 inventory_group(struct inventory *, const char *name,
		    const struct iloc *);
size_t		 inventory_host(struct inventory *, const char *name,
		    const struct iloc *);
void		 inventory_member(struct inventory *, size_t g, size_t h);
void		 inventory_edge(struct inventory *, size_t parent, size_t child,
		    const struct iloc *);
int		 inventory_set(struct inventory *, struct ivars *, size_t g,
		    const char *key, char *value, char *json, int flags,
		    const struct iloc *);
int		 inventory_hostkey(struct inventory *, const char *key,
		    const struct iloc *, char ***names, int *port);

/* ini.c: Ansible's INI format */
int		 ini_looks_like(const char *text, size_t len);
void		 ini_load(struct inventory *, const char *text, size_t len);

/* pylit.c: a value of an INI inventory, as Python's ast.literal_eval */
void		 pylit_value(const char *s, char **text, char **json);

/* yscalar.c: a YAML value as PyYAML (and so Ansible) types it */
void		 cfg_json_string(struct buf *, const char *, size_t);
void		 cfg_json_double(struct buf *, double);
void		 yscalar_json(struct buf *, const struct ynode *, int is_key);
int		 yscalar_is_string(const struct ynode *);

/* resolve.c: groups, Ansible's reconcile and precedence */
void		 inventory_finish(struct inventory *, struct config *,
		    struct cfg_errors *);

/* connvars.c: what selects the connection, and per-host errors */
void		 connvars_apply(const struct config *, const struct sshcfg *,
		    struct host *, const struct ivar *const *vars, size_t n);
void		 connvars_warn_plain(struct inventory *, const char *key,
		    const struct iloc *);

/* range.c */
int		 cfg_check_address(const char *, char *why, size_t whylen);
char		*cfg_split_hostport(const char *key, int *port);
int		 cfg_is_address(const char *);

#endif
