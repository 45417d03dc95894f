/* Base64: one implementation for every user (known_hosts hashes and keys,
 * fingerprints, private key files). */
#include <stdint.h>

#include "common/base64.h"
#include "common/buf.h"

static const char base64_tab[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encode three bytes (the last group may be short) as four characters. */
void
base64_encode(struct buf *b, const void *data, size_t len, int pad)
{
	const unsigned char	*p = data;
	uint32_t		 v;
	size_t			 i;
	char			 out[4];

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[0] = base64_tab[v >> 18 & 63];
		out[1] = base64_tab[v >> 12 & 63];
		out[2] = base64_tab[v >> 6 & 63];
		out[3] = base64_tab[v & 63];
		buf_append(b, out, 4);
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		out[0] = base64_tab[v >> 18 & 63];
		out[1] = base64_tab[v >> 12 & 63];
		out[2] = i + 1 < len ? base64_tab[v >> 6 & 63] : '=';
		out[3] = '=';
		buf_append(b, out, pad ? 4 : (i + 1 < len ? 3 : 2));
	}
}

/* Value of one base64 character, or -1. */
static int
base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode six bits at a time, bounded by outlen. */
ssize_t
base64_decode(const char *in, size_t len, unsigned char *out, size_t outlen)
{
	uint32_t	 v = 0;
	size_t		 i, o = 0;
	int		 bits = 0, d;

	for (i = 0; i < len; i++) {
		if (in[i] == '\n' || in[i] == '\r' || in[i] == ' ' ||
		    in[i] == '\t')
			continue;
		if (in[i] == '=')
			break;
		if ((d = base64_value(in[i])) < 0)
			return -1;
		v = v << 6 | (uint32_t)d;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (o == outlen)
				return -1;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return (ssize_t)o;
}
