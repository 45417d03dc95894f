/* Digest of a collector's raw output, so storage can tell that a host's
 * output is what it parsed and stored last time and skip parsing and
 * diffing it (issue 13). SHA-256 from libcrypto (already in the process
 * through libssh2), cut to RESULT_DIGEST_LEN bytes. */
#include <string.h>

#include <openssl/evp.h>

#include "collectors/collector.h"

/* Bump when a parser starts reading the same output differently, so
 * every host's output is parsed again once after the upgrade. */
#define DIGEST_PARSERS	"1"

/* The digest covers what decides the facts: the release and parser epoch
 * (a newer parser may read the same output differently), the collector
 * and its parse mode, then the output itself. Returns 0, or -1 if
 * libcrypto failed. */
int
collector_digest(const char *name, int mode, const char *out, size_t len,
    unsigned char dg[RESULT_DIGEST_LEN])
{
	static const char	 build[] = ROLLCALL_VERSION "/" DIGEST_PARSERS;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	EVP_MD_CTX		*ctx;
	int			 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, build, sizeof build) &&
	    EVP_DigestUpdate(ctx, name, strlen(name) + 1) &&
	    EVP_DigestUpdate(ctx, &mode, sizeof mode) &&
	    EVP_DigestUpdate(ctx, out, len) &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok || mdlen < RESULT_DIGEST_LEN)
		return -1;
	memcpy(dg, md, RESULT_DIGEST_LEN);
	return 0;
}
