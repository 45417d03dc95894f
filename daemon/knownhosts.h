/* known_hosts as text: read once per sweep on the main thread, handed to the
 * workers, which build their libssh2 collections from it (daemon/ssh.c).
 * We pre-parse it ourselves because libssh2 1.10 does not understand the
 * @revoked and @cert-authority markers. */
#ifndef ROLLCALL_KNOWNHOSTS_H
#define ROLLCALL_KNOWNHOSTS_H

#include <stddef.h>

/* One literal host name of a plain entry, for the look-up index. */
struct kh_name {
	char	*name;		/* "host" or "[host]:port", lowercased */
	size_t	 line;		/* its entry in lines[] */
};

struct known_hosts {
	char	**lines;	/* plain entries, for libssh2_knownhost_readline */
	size_t	 nlines;
	struct kh_name *names;	/* literal names of plain entries, sorted */
	size_t	 nnames;
	size_t	*generic;	/* lines with *, ?, ! or |hash|: always checked */
	size_t	 ngeneric;
	char	**revoked;	/* base64 key blobs of @revoked lines */
	char	**revoked_hosts; /* their host pattern fields */
	size_t	 nrevoked;
	size_t	 nskipped;	/* @cert-authority and malformed lines */
};

/* Read and parse a known_hosts file; a missing file is an empty set.
 * Returns NULL with err filled on a read error. Caller frees. */
struct known_hosts *known_hosts_load(const char *path, char *err,
	    size_t errlen);
/* Parse known_hosts text (binary safe, any input). Caller frees. */
struct known_hosts *known_hosts_parse(const char *text, size_t len);
/* The plain entries that may name host:port (by its literal name, either
 * form, or a pattern or hash line), in file order: a superset of what
 * matches, found without walking the file. *lines: caller frees. */
size_t	 known_hosts_lookup(const struct known_hosts *, const char *host,
	    int port, size_t **lines);
/* Is this base64 key blob revoked for host (port 22 or [host]:port)? */
int	 known_hosts_is_revoked(const struct known_hosts *, const char *host,
	    int port, const char *b64);
/* Does a known_hosts host field (patterns or a |1| hash) name host:port? */
int	 known_hosts_match(const char *patterns, const char *host, int port);
void	 known_hosts_free(struct known_hosts *);
/* Append one entry line (accept-new); 0 or -1 with err filled. */
int	 known_hosts_append(const char *path, const char *line, char *err,
	    size_t errlen);

#endif
