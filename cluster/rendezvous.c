/* Rendezvous hashing: weight = a mix of FNV-1a over "node\0host". FNV
 * alone clusters on names that differ in their last bytes (host01,
 * host02, ...); the splitmix64 finaliser spreads those over all 64 bits,
 * which is what makes the shares even. */
#include <sys/types.h>

#include <string.h>

#include "cluster/rendezvous.h"

/* FNV-1a over one string and its terminating NUL, continuing from h. */
static uint64_t
rv_fnv(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t
rv_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The weight of a node for a host. */
uint64_t
rendezvous_weight(const char *node, const char *host)
{
	return rv_mix(rv_fnv(rv_fnv(0xcbf29ce484222325ULL, node), host));
}

/* The node with the highest weight for the host. */
ssize_t
rendezvous_owner(const char *host, const char *const *nodes, size_t n)
{
	uint64_t	 w, best = 0;
	ssize_t		 owner = -1;
	size_t		 i;

	for (i = 0; i < n; i++) {
		w = rendezvous_weight(nodes[i], host);
		if (owner == -1 || w > best || (w == best &&
		    strcmp(nodes[i], nodes[owner]) < 0)) {
			best = w;
			owner = (ssize_t)i;
		}
	}
	return owner;
}
