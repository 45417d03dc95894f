/* The bastion's reason for refusing a tunnel, from its own words.
 *
 * A bastion that cannot open a direct-tcpip channel answers
 * SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 5.1): a reason code and a text.
 * OpenSSH's sshd sends code 2 ("connect failed") both for a port nothing
 * listens on and for an address it has no route to, and puts the
 * difference only in the text (strerror: "Connection refused", "No route
 * to host", ...). libssh2 (1.10 and later, read up to 1.11) keeps the code
 * and frees the text, so daemon/ssh.c looks at the packet as libssh2 frees
 * it (see ssh_tunnel_open); this file reads that packet, which came from
 * the network, and says what its text means. */
#ifndef ROLLCALL_OPENFAIL_H
#define ROLLCALL_OPENFAIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

#define OPENFAIL_DESC_MAX	128	/* text kept, NUL included */

/* RFC 4254 5.1 reason codes. */
#define OPENFAIL_PROHIBITED	1	/* administratively prohibited */
#define OPENFAIL_CONNECT	2	/* connect failed */
#define OPENFAIL_UNKNOWN_TYPE	3	/* unknown channel type */
#define OPENFAIL_SHORTAGE	4	/* resource shortage */

/* What one open-failure message said. */
struct openfail {
	uint32_t	 recipient;	/* our channel number it answers */
	uint32_t	 reason;	/* OPENFAIL_*, 1..4 */
	char		 desc[OPENFAIL_DESC_MAX]; /* its text: printable ASCII,
						   * cut to fit, never "" */
};

/* 0 if p[0..len) starts with a well-formed SSH_MSG_CHANNEL_OPEN_FAILURE
 * (known reason, text inside len, printable, not empty), filling *f;
 * -1 for anything else. len may include bytes after the message. */
int		 openfail_parse(const unsigned char *, size_t,
		    struct openfail *);
/* 0 if p[0..len) starts with a direct-tcpip SSH_MSG_CHANNEL_OPEN, with its
 * sender channel in *id; -1 otherwise. */
int		 openfail_open_id(const unsigned char *, size_t, uint32_t *);
/* What a failure means for the target: the text of a "connect failed"
 * when it is one sshd sends (an errno text, or "open failed" for a
 * connect() that failed at once: unreachable), else the code (refused). */
enum host_status openfail_status(const struct openfail *);
/* The failure in words for the error: "connect failed: No route to
 * host", with a note where the server's text is terse. */
void		 openfail_describe(const struct openfail *, char *, size_t);
/* The reason code as words ("connect failed"). */
const char	*openfail_reason_str(uint32_t);

#endif
