/* libFuzzer harness: custom collector output in every parse mode
 * (collector_parse_custom: raw, lines, kv, json). The first byte picks the
 * mode; the rest is what a host printed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "common/result.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input: parse in the chosen mode, check the facts' keys, free. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const enum parse_mode modes[] = { PARSE_RAW, PARSE_LINES,
	    PARSE_KV, PARSE_JSON };
	struct facts		 f;
	enum coll_status	 st;
	char			*copy, err[256];
	size_t			 i;

	if (len < 1)
		return 0;
	copy = malloc(len);
	memcpy(copy, data + 1, len - 1);
	copy[len - 1] = '\0';
	memset(&f, 0, sizeof f);
	err[0] = '\0';
	st = collector_parse_custom("fz", modes[data[0] % 4], copy, len - 1,
	    &f, err, sizeof err);
	if (st != COLL_OK && st != COLL_PARSE_ERROR && st != COLL_UNSUPPORTED)
		__builtin_trap();
	for (i = 0; i < f.n; i++)
		if (strncmp(f.v[i].key, "custom.fz.", 10) != 0)
			__builtin_trap();
	(void)strlen(err);
	facts_free(&f);
	free(copy);
	return 0;
}
