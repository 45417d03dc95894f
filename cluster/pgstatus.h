/* `rollcall status --cluster` (docs/DISTRIBUTED.md): the nodes as the
 * central PostgreSQL knows them. Used by the CLI only, which may block. */
#ifndef ROLLCALL_CLUSTER_PGSTATUS_H
#define ROLLCALL_CLUSTER_PGSTATUS_H

#include <stdio.h>

struct cluster_config;

/* Connect (password from password_file, never printed), read the nodes
 * table and print it to fp: a table, or JSON when json is set. 0, or -1
 * with err filled. */
int	pgstatus_print(const struct cluster_config *, int json, FILE *fp,
	    char *err, size_t errlen);

#endif
