/* Base64 (RFC 4648, standard alphabet), for known_hosts key blobs, host
 * key fingerprints and OpenSSH private key files. */
#ifndef ROLLCALL_BASE64_H
#define ROLLCALL_BASE64_H

#include <stddef.h>
#include <sys/types.h>

struct buf;

/* Append the encoding of len bytes; pad: with '=' to a multiple of 4
 * (known_hosts), or without (OpenSSH fingerprints). */
void	 base64_encode(struct buf *, const void *, size_t len, int pad);
/* Decode, skipping whitespace and stopping at '='. Returns the bytes
 * written to out, or -1 on a character outside the alphabet or when out
 * (outlen bytes) is too small. */
ssize_t	 base64_decode(const char *in, size_t len, unsigned char *out,
	    size_t outlen);

#endif
