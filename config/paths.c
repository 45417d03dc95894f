/* The two paths the read commands and the control client need (database,
 * control_socket), read from rollcall.yml without validating the rest:
 * `rollcall status` and `rollcall hosts` keep working while the file holds
 * an edit with a mistake elsewhere that the daemon has not (yet) taken. */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "config/internal.h"

/* One top-level path key: expanded as config_load expands it; -1 with an
 * error when it is there but not a usable scalar. */
static int
paths_one(const struct ynode *v, const char *key, const char *file,
    const char *dir, char **out, struct cfg_errors *errs)
{
	if (v->kind != YN_SCALAR || ynode_is_null(v) || v->str[0] == '\0' ||
	    strlen(v->str) != v->len) {
		cfg_errn(errs, file, v, "'%s' must be a path", key);
		return -1;
	}
	free(*out);
	*out = cfg_expand_path(v->str, dir);
	return 0;
}

/* Fill *database and *control_socket (caller frees both). */
int
config_load_paths(const char *path, char **database, char **control_socket,
    struct cfg_errors *errs)
{
	struct ydoc	*doc;
	const char	*k;
	char		*dir;
	size_t		 i, before = errs->n;

	*database = xstrdup(CONFIG_DEFAULT_DATABASE);
	*control_socket = NULL;
	if ((doc = ydoc_load(path, errs)) == NULL)
		goto fail;
	dir = cfg_dirname(path);
	if (doc->root != NULL && doc->root->kind != YN_MAP)
		cfg_errn(errs, path, doc->root, "the config must be a mapping "
		    "of keys, not %s", ynode_kind_str(doc->root));
	for (i = 0; doc->root != NULL && doc->root->kind == YN_MAP &&
	    i < ymap_len(doc->root); i++) {
		k = ymap_key(doc->root, i)->str;
		if (k != NULL && strcmp(k, "database") == 0)
			paths_one(ymap_val(doc->root, i), k, path, dir,
			    database, errs);
		else if (k != NULL && strcmp(k, "control_socket") == 0)
			paths_one(ymap_val(doc->root, i), k, path, dir,
			    control_socket, errs);
	}
	free(dir);
	ydoc_free(doc);
	if (errs->n > before)
		goto fail;
	if (*control_socket == NULL) {
		dir = cfg_dirname(*database);
		xasprintf(control_socket, "%s/control.sock", dir);
		free(dir);
	}
	return 0;
fail:
	free(*database);
	free(*control_socket);
	*database = *control_socket = NULL;
	return -1;
}
