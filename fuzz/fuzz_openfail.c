/* libFuzzer harness: a bastion's channel-open failure (daemon/openfail.c).
 * The packet comes from the bastion, and the free callback also shows the
 * recogniser blocks that are no such packet: it must stay inside the
 * block, keep only printable text, and map any text to a status. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/openfail.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input, read both as an open failure and as a channel open. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct openfail	 f;
	char		 text[300];
	uint32_t	 id;
	size_t		 i, n;

	if (openfail_parse(data, len, &f) == 0) {
		n = strlen(f.desc);
		if (n == 0 || n >= sizeof f.desc || 13 + n > len ||
		    f.reason < 1 || f.reason > 4)
			__builtin_trap();
		for (i = 0; i < n; i++)
			if (f.desc[i] < 0x20 || f.desc[i] > 0x7e)
				__builtin_trap();
		if (openfail_status(&f) >= HOST_STATUS_MAX ||
		    openfail_reason_str(f.reason) == NULL)
			__builtin_trap();
		openfail_describe(&f, text, sizeof text);
		if (strlen(text) >= sizeof text)
			__builtin_trap();
	}
	(void)openfail_open_id(data, len, &id);
	return 0;
}
