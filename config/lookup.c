/* Questions asked of a loaded config: is a host in a group, which group
 * has this name, does a host match --limit. Read-only over struct config,
 * so the CLI and the engine can ask without touching the loaders. */
#include <fnmatch.h>
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

/* Does one glob match the host's name, address or one of its groups? */
static int
host_matches_glob(const struct host *h, const char *glob)
{
	size_t	 i;

	if (fnmatch(glob, h->name, 0) == 0 ||
	    (h->address != NULL && fnmatch(glob, h->address, 0) == 0))
		return 1;
	for (i = 0; i < h->ngroups; i++)
		if (fnmatch(glob, h->groups[i], 0) == 0)
			return 1;
	return 0;
}

/* --limit: comma-separated globs, "!glob" excludes. A host matches when
 * it matches a positive glob (or there are only negative ones) and no
 * negative one. An empty limit matches every host. */
int
host_matches_limit(const struct host *h, const char *limit)
{
	char	*copy, *tok, *save, *end;
	int	 pos = 0, hit = 0, excluded = 0;

	if (limit == NULL)
		return 1;
	copy = xstrdup(limit);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok == '!') {
			if (tok[1] != '\0' && host_matches_glob(h, tok + 1))
				excluded = 1;
		} else if (*tok != '\0') {
			pos = 1;
			if (host_matches_glob(h, tok))
				hit = 1;
		}
	}
	free(copy);
	return !excluded && (hit || !pos);
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
