/* libFuzzer harness: private key files (ssh_key_load in daemon/ssh.c). The
 * OpenSSH key format is parsed by our own code for ed25519 keys (base64,
 * length-prefixed fields), so any bytes must be handled without a crash. */
#include <stddef.h>
#include <stdint.h>

#include "daemon/ssh.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input: load as a key file, ask what it is, free. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ssh_key	*k;
	char		 err[256];

	k = ssh_key_load((const char *)data, len, err, sizeof err);
	if (k != NULL) {
		(void)ssh_key_is_rsa(k);
		ssh_key_free(k);
	}
	return 0;
}
