/* libFuzzer harness: inventories as `rollcall inventory -i` reads them,
 * INI above all (the YAML side is also fuzz_config's). The first byte
 * picks the file name (".ini", no extension: the format is chosen by
 * content, or ".yml"); the input up to the first NUL is the inventory,
 * what follows is a host pattern run through config_select(). Every
 * error must name its place; --list and --graph must not crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[64];		/* the temporary directory */
static FILE	*null;			/* where the views go */

/* Write len bytes to path; abort on failure (the harness is broken). */
static void
put(const char *path, const void *p, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, fp) != len || fclose(fp) != 0)
		abort();
}

/* Select with the pattern; a failure must say why. */
static void
select_pattern(const struct config *c, const char *pattern)
{
	unsigned char	*sel = calloc(c->nhosts + 1, 1);
	char		 err[512] = "";

	if (sel == NULL)
		abort();
	if (config_select(c, pattern, sel, err, sizeof err) == -1 &&
	    err[0] == '\0')
		__builtin_trap();	/* an empty selection says why */
	free(sel);
}

/* One input: write the inventory, load it, show it, select from it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const names[] = { "inv.ini", "inventory",
	    "inv.yml" };
	struct cfg_errors	 errs = { 0 };
	struct config		*c;
	const uint8_t		*nul;
	const char		*tmp;
	char			 path[128], pattern[256];
	char			*paths[1];
	size_t			 i, ilen;

	if (len < 1)
		return 0;
	if (dir[0] == '\0') {
		tmp = getenv("TMPDIR");
		if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 40)
			tmp = "/tmp";
		snprintf(dir, sizeof dir, "%s/rc-fuzz-inv-XXXXXX", tmp);
		if (mkdtemp(dir) == NULL || (null = fopen("/dev/null", "w")) ==
		    NULL)
			abort();
	}
	snprintf(path, sizeof path, "%s/%s", dir, names[data[0] % 3]);
	nul = memchr(data + 1, '\0', len - 1);
	ilen = nul ? (size_t)(nul - data - 1) : len - 1;
	put(path, data + 1, ilen);
	pattern[0] = '\0';
	if (nul != NULL) {
		i = len - ilen - 2 < sizeof pattern - 1 ? len - ilen - 2 :
		    sizeof pattern - 1;
		memcpy(pattern, nul + 1, i);
		pattern[i] = '\0';
	}
	paths[0] = path;
	c = config_load_inventory(paths, 1, &errs);
	if (c == NULL && errs.n == 0)
		__builtin_trap();	/* rejected without saying why */
	for (i = 0; i < errs.n; i++)
		if (strncmp(errs.msgs[i], dir, strlen(dir)) != 0 &&
		    strncmp(errs.msgs[i], "too many", 8) != 0)
			__builtin_trap();	/* every error names its file */
	if (c != NULL) {
		config_inventory_list(c, null);
		config_inventory_graph(c, NULL, null);
		if (c->nhosts > 0)
			config_inventory_host(c, c->hosts[0].name, null);
		select_pattern(c, pattern[0] ? pattern : "all");
	}
	config_free(c);
	cfg_errors_free(&errs);
	return 0;
}
