/* The stored digests of a sweep's hosts (their collector outputs' first
 * RESULT_DIGEST_KEPT bytes), read a bounded distance ahead of the
 * dispatcher by a thread of their own (storage/digest.c). No SQLite types:
 * the dispatcher takes one host's digests into its job, the worker
 * compares against them. */
#ifndef ROLLCALL_DIGEST_H
#define ROLLCALL_DIGEST_H

#include <stddef.h>

#include "common/result.h"

struct digest_window;	/* one sweep's look-ahead, owned by its dispatcher */
struct host_digests;	/* one host's digests, owned by its job */

/* Hosts whose digests a window holds at most (about 200 bytes each). */
#define DIGEST_AHEAD	2048

/* What a window did, for the sweep's summary and the benchmark. */
struct digest_window_stats {
	size_t	 hits;		/* hosts taken with their stored digests */
	size_t	 none;		/* hosts taken, read, nothing stored */
	size_t	 misses;	/* hosts taken before the reader got there:
				   they send every output whole */
	size_t	 waits;		/* takes answered "not read yet" */
};

/* Start a thread that reads, on its own read-only connection to the
 * database at path (NULL: none, every host has no digests), the stored
 * digests of names[0..n) in that order, holding at most ahead hosts'
 * (0: DIGEST_AHEAD) not yet taken. names and their strings must outlive
 * the window. Never fails: a read error is logged, and the hosts not read
 * are taken without digests. */
struct digest_window	*digest_window_open(const char *path,
			    const char *const *names, size_t n, size_t ahead);
/* Take host i's digests, once: 0 with *out set (NULL when none are
 * stored, or when the reader cannot reach i soon: it is held up by hosts
 * not taken, or force is set, or it failed), or -1 when the reader has not
 * reached i yet (ask again shortly). A lock and a look-up: never SQLite,
 * never a wait. The caller frees *out with host_digests_free. */
int			 digest_window_take(struct digest_window *, size_t i,
			    int force, struct host_digests **out);
/* The counters so far. */
void			 digest_window_stats(struct digest_window *,
			    struct digest_window_stats *);
/* Stop the thread (it ends its current read first) and free. NULL is
 * fine; digests already taken stay valid. */
void			 digest_window_close(struct digest_window *);

/* 1 and dg filled with the first RESULT_DIGEST_KEPT bytes of collector's
 * digest if hd holds it, else 0. hd may be NULL (always 0). */
int			 host_digests_get(const struct host_digests *hd,
			    const char *collector,
			    unsigned char dg[RESULT_DIGEST_KEPT]);
void			 host_digests_free(struct host_digests *);

#endif
