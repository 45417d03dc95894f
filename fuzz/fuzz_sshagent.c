/* libFuzzer harness: ssh-agent answers (daemon/sshagent.c). The agent is
 * local, but whatever sits on SSH_AUTH_SOCK can send any bytes: the key
 * list and signature parsers must stay in bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/sshagent.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input, read both as a key list and as a signature answer. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct agent_keys	 ks;
	const unsigned char	*sig;
	size_t			 siglen, i;

	if (agent_parse_identities(data, len, &ks) == 0) {
		for (i = 0; i < ks.n; i++)
			if (ks.k[i].len > len || strlen(ks.k[i].type) > len ||
			    strlen(ks.k[i].comment) > len)
				__builtin_trap();
		agent_keys_free(&ks);
	}
	if (agent_parse_signature(data, len, &sig, &siglen) == 0 &&
	    (sig < data || sig + siglen > data + len))
		__builtin_trap();
	return 0;
}
