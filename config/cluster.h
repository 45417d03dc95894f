/* The `cluster:` block of rollcall.yml (docs/DISTRIBUTED.md): where the
 * central PostgreSQL is and who this node is. Absent = single node. */
#ifndef ROLLCALL_CONFIG_CLUSTER_H
#define ROLLCALL_CONFIG_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#define CLUSTER_DEAD_AFTER_MS	(30 * 1000)	/* default dead_after */
#define CLUSTER_OUTBOX_MAX	1000000		/* default outbox_max */

struct cluster_config {
	char	*postgres;	/* libpq conninfo, never with a password */
	char	*password_file;	/* path of a file holding the password, or
				   NULL (then .pgpass / service file) */
	char	*node;		/* this node's name; default gethostname() */
	char	*segment;	/* the hosts it can reach; default "default" */
	int64_t	 dead_after_ms;	/* silent this long = out of the cluster */
	size_t	 outbox_max;	/* unshipped attempts kept locally */
	int	 read_pg;	/* read: postgres: the CLI reads centrally */
};

/* Free a cluster block; NULL is fine. */
void	cluster_config_free(struct cluster_config *);

/* Read the password file (first line, no newline). Returns an allocated
 * string the caller wipes and frees, or NULL with err filled (the message
 * names the file, never its content). */
char	*cluster_read_password(const char *path, char *err, size_t errlen);

#endif
