/* Collectors: each is a fixed remote POSIX sh command plus a parser that is a
 * pure function from the command's stdout to facts. Commands are fixed text:
 * no inventory value is ever put into them. */
#ifndef ROLLCALL_COLLECTOR_H
#define ROLLCALL_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "collectors/parse_mode.h"
#include "common/result.h"

/* Parse out[0..len) (NUL-terminated at len; may hold NULs) into facts whose
 * keys start with "<collector name>.". Returns COLL_OK, COLL_UNSUPPORTED or
 * COLL_PARSE_ERROR (err says why). Must never crash on any input. */
typedef enum coll_status (*collector_parse_fn)(const char *out, size_t len,
    struct facts *facts, char *err, size_t errlen);

struct collector {
	const char		*name;		/* "os", "kernel", ... */
	const char		*command;	/* remote POSIX sh */
	collector_parse_fn	 parse;
	const char		*summary;	/* one line for --help/docs */
};

/* Every built-in collector, in run order. */
const struct collector	*collector_builtins(size_t *n);
const struct collector	*collector_find(const char *name);	/* or NULL */
/* Names run when the config lists none. */
const char *const	*collector_default_names(size_t *n);

/* Parse a custom collector's output into facts under "custom.<name>.". */
enum coll_status	 collector_parse_custom(const char *name,
			    enum parse_mode, const char *out, size_t len,
			    struct facts *, char *err, size_t errlen);

/* Is this fact expected to change on nearly every sweep (uptime, load,
 * free memory, the host's clock)? Storage keeps its current value but
 * writes no history for it, so an idle host adds no history rows. */
int			 collector_fact_is_volatile(const char *key);

/* Digest of a collector's raw output (and of the build and parse mode
 * that read it) into dg; collectors/digest.c. Returns 0 or -1. */
int			 collector_digest(const char *name, int mode,
			    const char *out, size_t len,
			    unsigned char dg[RESULT_DIGEST_LEN]);
struct buf;
/* Append what collector_digest hashes before the output, as a printf(1)
 * format (for the host's side of the check in script_build). */
void			 collector_digest_prefix(const char *name, int mode,
			    struct buf *);
/* Is this built-in's output big and rarely changed (packages, services),
 * so that the host should hash it and answer "same" instead of sending it
 * again when it still has the stored digest? */
int			 collector_host_checks(const struct collector *);

/* --- Running several collectors over one channel (collectors/script.c) ---
 * The script runs each command in turn in a subshell, the whole under one
 * `timeout` where the host has it, and frames each one's stdout (and
 * stderr) between marker lines that carry a per-run random nonce and the
 * exit status; a captured part's stderr comes in-band, before its output.
 * Each part's own deadline is the caller's to enforce. */
struct script_part {
	const char	*name;		/* collector name */
	const char	*command;	/* its command text */
	int64_t		 timeout_ms;	/* remote timeout; 0 = none */
	const unsigned char *same;	/* RESULT_DIGEST_KEPT bytes: the host
					 * prints a "same" line instead of an
					 * output that still has this digest;
					 * NULL = always send the output */
	int		 mode;		/* parse mode the digest covers (-1:
					 * built-in), when same is set */
	int		 capture;	/* send stdout in one write when the
					 * part ends (built-ins: bounded, no
					 * NULs), not as it comes */
};

/* Build the combined script (caller frees). nonce: 16 hex chars. */
char	*script_build(const struct script_part *, size_t n, const char *nonce);

/* One collector's share of the combined output. */
struct script_section {
	const char	*out;		/* into the caller's buffer, NOT NUL-terminated */
	size_t		 len;
	int		 exit_code;	/* -1 when the end marker never came */
	int		 complete;	/* end marker seen */
};

/* Split combined stdout into sections, one per part, in order. sections[i]
 * describes parts[i]; a part whose begin marker is missing gets len 0 and
 * complete 0. Returns how many were complete. */
size_t	 script_split(const char *out, size_t len, const char *nonce,
	    const struct script_part *, size_t n,
	    struct script_section *sections);

/* Split a combined channel's stdout and stderr into each part's sections
 * (so: stdout, se: stderr; n each, into the caller's buffers): a captured
 * part's stderr comes in-band, before its output. Returns how many were
 * complete. */
size_t	 script_split_all(const char *out, size_t len, const char *err,
	    size_t elen, const char *nonce, const struct script_part *, size_t n,
	    struct script_section *so, struct script_section *se);

/* Is a section's text the host's "same" answer (its output still had
 * the digest the script carried)? Then *bytes is the size of the output
 * it did not send. */
int	script_is_same(const char *out, size_t len, const char *nonce,
	    size_t *bytes);

/* Wrap a single command for its own channel: timeout where available. */
char	*script_wrap_one(const char *command, int64_t timeout_ms);

#endif
