/* libFuzzer harness: splitting a host's combined output back into one
 * section per collector (script_split, script_split_all in
 * collectors/script.c). The host controls every byte, markers included;
 * each section must lie inside the input (the same bytes serve as stdout
 * and stderr: captured parts' stderr comes in-band), and reading a
 * section as a "same" answer stays inside it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input: split with a fixed nonce and three parts, check bounds. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct script_part parts[] = {
		{ "os", "cat /etc/os-release", 1000, NULL, 0, 1 },
		{ "kernel", "uname -r", 0, NULL, 0, 1 },
		{ "custom.x", "echo x", 5000, NULL, 0, 0 },
	};
	struct script_section	 s[3], e[3];
	const char		*in;
	char			*copy;
	size_t			 i, n, bytes;

	copy = malloc(len + 1);
	memcpy(copy, data, len);
	copy[len] = '\0';
	in = copy;
	n = script_split(in, len, "0123456789abcdef", parts, 3, s);
	if (n > 3)
		__builtin_trap();
	for (i = 0; i < 3; i++) {
		if (s[i].len == 0)
			continue;
		if (s[i].out < in || s[i].out + s[i].len > in + len)
			__builtin_trap();	/* section outside the input */
		if (s[i].complete && s[i].exit_code < 0)
			__builtin_trap();
		/* the host's "same" answer is read from the section too */
		(void)script_is_same(s[i].out, s[i].len, "0123456789abcdef",
		    &bytes);
	}
	n = script_split_all(in, len, in, len, "0123456789abcdef", parts, 3,
	    s, e);
	if (n > 3)
		__builtin_trap();
	for (i = 0; i < 3; i++) {
		if ((s[i].len > 0 && (s[i].out < in ||
		    s[i].out + s[i].len > in + len)) ||
		    (e[i].len > 0 && (e[i].out < in ||
		    e[i].out + e[i].len > in + len)))
			__builtin_trap();
		if (s[i].len > 0)
			(void)script_is_same(s[i].out, s[i].len,
			    "0123456789abcdef", &bytes);
	}
	free(copy);
	return 0;
}
