/* Stored collector output digests, read before parsing (storage/digest.c).
 * No SQLite types: the daemon's harvest and the benchmark use it. */
#ifndef ROLLCALL_DIGEST_H
#define ROLLCALL_DIGEST_H

#include "common/result.h"

struct digests;

/* The look-up connection for the database file at path (caller closes). */
struct digests	*digests_open(const char *path);
/* Thread-safe: 1 and dg filled if host's collector has a stored digest,
 * else 0. d may be NULL (always 0). */
int		 digests_get(struct digests *d, const char *host,
		    const char *collector,
		    unsigned char dg[RESULT_DIGEST_LEN]);
void		 digests_close(struct digests *);

#endif
