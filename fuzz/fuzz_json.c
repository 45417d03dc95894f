/* libFuzzer harness: the JSON flattener (common/json.c) on its own, with
 * no prefix as `rollcall status` reads the daemon's answer (custom
 * collectors reach it through fuzz_custom). Every path must be a C string
 * the callback can use, and a failure must say why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Touch every leaf so ASan sees a bad pointer or length. */
static int
leaf(void *arg, const char *path, const char *value, char *err,
    size_t errlen)
{
	size_t	*n = arg;

	*n += strlen(path) + strlen(value);
	return 0;
}

/* One input, as the daemon's answer would be read. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	 err[256];
	size_t	 n = 0;

	err[0] = '\0';
	if (json_flatten((const char *)data, len, "", leaf, &n, err,
	    sizeof err) != 0 && err[0] == '\0')
		__builtin_trap();
	return 0;
}
