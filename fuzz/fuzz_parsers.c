/* libFuzzer harness: every built-in collector parser (collectors/). The
 * first byte picks the parser, the rest is the command's output as a host
 * sent it. A parser must never crash, must return a known status, and on
 * failure must leave no facts behind; every fact must be a string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "common/result.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input: pick a parser, run it on a NUL-terminated copy. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct collector	*all, *c;
	struct facts		 f;
	enum coll_status	 st;
	char			*copy, err[256];
	size_t			 n, i;

	if (len < 1)
		return 0;
	all = collector_builtins(&n);
	c = &all[data[0] % n];
	copy = malloc(len);		/* len - 1 bytes + NUL */
	memcpy(copy, data + 1, len - 1);
	copy[len - 1] = '\0';
	memset(&f, 0, sizeof f);
	err[0] = '\0';
	st = c->parse(copy, len - 1, &f, err, sizeof err);
	if (st != COLL_OK && st != COLL_UNSUPPORTED && st != COLL_PARSE_ERROR)
		__builtin_trap();
	if (st != COLL_OK && (f.n != 0 || f.nitems != 0))
		__builtin_trap();	/* a failed parse leaves nothing */
	for (i = 0; i < f.n; i++)
		if (strncmp(f.v[i].key, c->name, strlen(c->name)) != 0 ||
		    strlen(f.v[i].value) > 3 * len)
			__builtin_trap();	/* keys carry the collector's name;
						 * a value is at most the input
						 * with each NUL as 3-byte U+FFFD */
	(void)strlen(err);
	facts_free(&f);
	free(copy);
	return 0;
}
