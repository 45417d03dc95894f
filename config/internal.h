/* Private to config/: the YAML node tree, error helpers (cfgerr.c), a
 * string map and the inventory builder. libyaml types stay inside yamlnode.c; everything
 * else in config/ works on this tree. */
#ifndef ROLLCALL_CONFIG_INTERNAL_H
#define ROLLCALL_CONFIG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

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

/* yamlnode.c */
struct ydoc	*ydoc_load(const char *path, struct cfg_errors *);
void		 ydoc_free(struct ydoc *);
int		 ynode_is_null(const struct ynode *);
const char	*ynode_kind_str(const struct ynode *);
size_t		 ymap_len(const struct ynode *);
struct ynode	*ymap_key(const struct ynode *, size_t);
struct ynode	*ymap_val(const struct ynode *, size_t);
char		*ynode_to_text(const struct ynode *);
int		 cfg_dup_keys(struct cfg_errors *, const char *file,
		    const struct ynode *map, const char *what);

/* cfgerr.c: errors, printable text, paths (a leaf: calls nothing back) */
void		 cfg_err(struct cfg_errors *, const char *file, int line,
		    int col, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 cfg_errn(struct cfg_errors *, const char *file,
		    const struct ynode *, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
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

/* range.c */
int		 cfg_check_name(const char *, char *why, size_t whylen);
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

/* inventory.c (parsing) and resolve.c (groups, precedence): the builder
 * shared by every inventory file. Everything is indexes, never pointers
 * into arrays that grow. */
enum ivar_conn {
	CONN_NONE = 0,		/* a var rollcall keeps, not uses */
	CONN_ADDRESS,		/* ansible_host, ansible_ssh_host, address */
	CONN_PORT,		/* ansible_port, ansible_ssh_port, port */
	CONN_USER,		/* ansible_user, ansible_ssh_user, user */
	CONN_IDENTITY,		/* ansible_ssh_private_key_file, identity */
};

/* One variable as defined at one place. */
struct ivar {
	char		*key;		/* as written; canonical for CONN_* */
	char		*value;		/* text; lists/maps as JSON */
	enum ivar_conn	 conn;		/* connection field it sets */
};

/* Variables of one host or group, in definition order (later wins). */
struct ivars {
	struct ivar	*v;		/* entries */
	size_t		 n;		/* used */
};

/* Where something was written. */
struct iloc {
	const char	*file;		/* owned by the inventory's file list */
	int		 line;		/* 1-based */
	int		 col;
};

/* A group while inventories load. */
struct igroup {
	char		*name;		/* group name (owned) */
	struct iloc	 loc;		/* first definition */
	size_t		*kids;		/* direct child group indexes */
	struct iloc	*kidloc;	/* where each child was listed */
	size_t		 nkids;
	size_t		 nparents;	/* edges into this group */
	struct ivars	 vars;		/* vars: of every definition */
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
	struct igroup		*groups;	/* [0] is "all" */
	size_t			 ngroups;
	size_t			 capgroups;
	struct strmap		 gmap;		/* name -> group index */
	struct ihost		*hosts;
	size_t			 nhosts;
	size_t			 caphosts;
	struct strmap		 hmap;		/* name -> host index */
	char			**files;	/* every file read (owned) */
	size_t			 nfiles;
	const char		*file;		/* the file being read */
	char			*dir;		/* its directory */
	struct cfg_errors	*errs;		/* where problems go */
	uint64_t		 varbytes;	/* resolved var text, bounded */
};

struct inventory *inventory_new(const struct config *);
void		 inventory_load(struct inventory *, const char *path,
		    struct cfg_errors *);
void		 inventory_finish(struct inventory *, struct config *,
		    struct cfg_errors *);
void		 inventory_free(struct inventory *);
void		 ivars_free(struct ivars *);
size_t		 inventory_group(struct inventory *, const char *name,
		    const struct iloc *);

#endif
