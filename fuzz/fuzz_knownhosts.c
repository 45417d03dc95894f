/* libFuzzer harness: known_hosts text (daemon/knownhosts.c). The file is
 * untrusted in the sense that anyone who can edit it can feed us any bytes:
 * parsing must never crash, and every entry it keeps must be a string. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/knownhosts.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input: parse, look up a key from it, free. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct known_hosts	*kh;
	size_t			 i;

	kh = known_hosts_parse((const char *)data, len);
	for (i = 0; i < kh->nlines; i++)
		(void)strlen(kh->lines[i]);
	for (i = 0; i < kh->nrevoked; i++) {
		(void)strlen(kh->revoked_hosts[i]);
		/* a line whose pattern names the host revokes its key */
		if (known_hosts_match(kh->revoked_hosts[i], "web1.example",
		    22) && !known_hosts_is_revoked(kh, "web1.example", 22,
		    kh->revoked[i]))
			__builtin_trap();
		(void)known_hosts_match(kh->revoked_hosts[i], "127.0.0.1",
		    2222);
	}
	(void)known_hosts_is_revoked(kh, "h", 22, "AAAAC3NzaC1lZDI1NTE5AAAAI");
	known_hosts_free(kh);
	return 0;
}
