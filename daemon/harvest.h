/* Turning one collector's complete output into facts (daemon/harvest.c),
 * shared by the per-host job and the storage benchmark (bench/), so both
 * go through the same digest check and parsers. */
#ifndef ROLLCALL_HARVEST_H
#define ROLLCALL_HARVEST_H

#include <stddef.h>

#include "collectors/collector.h"
#include "common/result.h"
#include "config/config.h"

struct host_digests;

/* Parse out[0..len) of collector c on host r->name into r's facts with
 * builtin's parser (or, when builtin is NULL, as custom collector custom
 * in mode), setting c's status and digest. When the digest equals the one
 * last stored for this host and collector, as copied into last when the
 * host was dispatched (last may be NULL: never), nothing is parsed: c is
 * ok and marked unchanged, its stored facts stand. */
void	harvest_output(const struct host_digests *last, struct host_result *r,
	    struct coll_result *c, const struct collector *builtin,
	    const char *custom, enum parse_mode mode, const char *out,
	    size_t len);

#endif
