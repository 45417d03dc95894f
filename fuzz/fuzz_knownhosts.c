/* libFuzzer harness: known_hosts text (daemon/knownhosts.c). The file is
 * untrusted in the sense that anyone who can edit it can feed us any bytes:
 * parsing must never crash, and every entry it keeps must be a string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/knownhosts.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Is line i among the look-up's candidates for host:port? */
static int
in_lookup(const struct known_hosts *kh, const char *host, int port, size_t i)
{
	size_t	*v, n, k;
	int	 found = 0;

	n = known_hosts_lookup(kh, host, port, &v);
	for (k = 0; k < n; k++)
		found |= v[k] == i;
	free(v);
	return found;
}

/* One input: parse, look up a key from it, free. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct known_hosts	*kh;
	size_t			 i;

	kh = known_hosts_parse((const char *)data, len);
	for (i = 0; i < kh->nlines && i < 64; i++) {
		char	 field[256];
		size_t	 l = strcspn(kh->lines[i], " \t");

		/* the index never misses a line whose field names the host */
		if (l < sizeof field) {
			memcpy(field, kh->lines[i], l);
			field[l] = '\0';
			if (known_hosts_match(field, "web1.example", 22) &&
			    !in_lookup(kh, "web1.example", 22, i))
				__builtin_trap();
			if (known_hosts_match(field, "127.0.0.1", 2222) &&
			    !in_lookup(kh, "127.0.0.1", 2222, i))
				__builtin_trap();
		}
	}
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
