/* libFuzzer harness: the config and inventory loader (config_load). The
 * first byte says which file the input is: rollcall.yml (inventory fixed)
 * or the inventory (rollcall.yml fixed). Files go to a private temporary
 * directory, as config_load reads paths. Limits (file size, depth, alias
 * expansion) keep each run bounded; errors must all name file:line:col. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[64];		/* the temporary directory */
static char	 conf_path[128];	/* dir/rollcall.yml */
static char	 inv_path[128];		/* dir/inventory.yml */

static const char fixed_conf[] =
    "database: /nonexistent/fuzz.db\n"
    "inventory: [inventory.yml]\n"
    "ssh: {user: fuzz, identity: /nonexistent/key}\n";
static const char fixed_inv[] =
    "all:\n  hosts:\n    web[1:3]:\n      ansible_port: 2222\n";

/* Write len bytes to path; abort on failure (the harness is broken). */
static void
put(const char *path, const void *p, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, fp) != len || fclose(fp) != 0)
		abort();
}

/* One input: write both files, load, check the error format, free. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	const char		*tmp;
	size_t			 i;

	if (len < 1)
		return 0;
	if (dir[0] == '\0') {
		tmp = getenv("TMPDIR");
		if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 40)
			tmp = "/tmp";
		snprintf(dir, sizeof dir, "%s/rc-fuzz-config-XXXXXX", tmp);
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(conf_path, sizeof conf_path, "%s/rollcall.yml", dir);
		snprintf(inv_path, sizeof inv_path, "%s/inventory.yml", dir);
	}
	if (data[0] & 1) {
		put(conf_path, data + 1, len - 1);
		put(inv_path, fixed_inv, sizeof fixed_inv - 1);
	} else {
		put(conf_path, fixed_conf, sizeof fixed_conf - 1);
		put(inv_path, data + 1, len - 1);
	}
	c = config_load(conf_path, &errs);
	if (c == NULL && errs.n == 0)
		__builtin_trap();	/* rejected without saying why */
	for (i = 0; i < errs.n; i++)
		if (strncmp(errs.msgs[i], dir, strlen(dir)) != 0 &&
		    strncmp(errs.msgs[i], "too many", 8) != 0 &&
		    strstr(errs.msgs[i], ":") == NULL)
			__builtin_trap();	/* every error names its place */
	config_free(c);
	cfg_errors_free(&errs);
	return 0;
}
