/* Questions asked of a loaded config: is a host in a group, which group
 * has this name (host patterns are pattern.c). Read-only over struct config,
 * so the CLI and the engine can ask without touching the loaders. */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config.h"

/* Is the host in that group (directly or through a child group)? */
int
host_in_group(const struct host *h, const char *group)
{
	size_t	 i;

	for (i = 0; i < h->ngroups; i++)
		if (strcmp(h->groups[i], group) == 0)
			return 1;
	return 0;
}

/* Order groups by name, for bsearch. */
static int
group_cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct group *)elem)->name);
}

/* A group by name: "all" is first, the rest sorted by name. */
const struct group *
config_find_group(const struct config *c, const char *name)
{
	if (c->ngroups == 0)
		return NULL;
	if (strcmp(c->groups[0].name, name) == 0)
		return &c->groups[0];
	return bsearch(name, c->groups + 1, c->ngroups - 1,
	    sizeof *c->groups, group_cmp_name);
}
