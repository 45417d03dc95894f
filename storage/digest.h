/* The last stored digest of each host's collector outputs, its first
 * RESULT_DIGEST_KEPT bytes, kept in memory by the writer
 * (storage/digest.c). No SQLite types: the dispatcher copies one host's
 * digests into its job, the worker compares against the copy. */
#ifndef ROLLCALL_DIGEST_H
#define ROLLCALL_DIGEST_H

#include "common/result.h"

struct digests;		/* every host's, owned by the writer */
struct host_digests;	/* one host's copy, owned by its job */

/* A copy of host's last stored digests, or NULL when none is known (d may
 * be NULL). Takes d's lock for a hash look-up and a copy; never SQLite.
 * Caller frees with host_digests_free; valid while d is open. */
struct host_digests	*digests_host(struct digests *d, const char *host);
/* 1 and dg filled with the first RESULT_DIGEST_KEPT bytes of collector's
 * digest if the copy holds it, else 0. hd may be NULL (always 0). */
int			 host_digests_get(const struct host_digests *hd,
			    const char *collector,
			    unsigned char dg[RESULT_DIGEST_KEPT]);
void			 host_digests_free(struct host_digests *);

#endif
