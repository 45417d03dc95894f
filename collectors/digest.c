/* Digest of a collector's raw output, so storage can tell that a host's
 * output is what it parsed and stored last time and skip parsing and
 * diffing it (issue 13). SHA-256 from libcrypto (already in the process
 * through libssh2), cut to RESULT_DIGEST_LEN bytes. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "collectors/collector.h"
#include "common/buf.h"

/* Bump when a parser starts reading the same output differently, so
 * every host's output is parsed again once after the upgrade. */
#define DIGEST_PARSERS	"1"

static const char	 digest_build[] = ROLLCALL_VERSION "/" DIGEST_PARSERS;

static EVP_MD		*digest_md;	/* SHA-256, fetched once */
static pthread_once_t	 digest_once = PTHREAD_ONCE_INIT;

/* Fetch SHA-256 once per process: EVP_sha256() in EVP_DigestInit_ex makes
 * OpenSSL 3 fetch it from the provider again on every call, about half of
 * what hashing a small output costs. Kept until exit. */
static void
digest_fetch(void)
{
	digest_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* The SHA-256 to hash with: the fetched one, or the implicit one if the
 * fetch failed (same function, slower). */
static const EVP_MD *
digest_sha256(void)
{
	pthread_once(&digest_once, digest_fetch);
	return digest_md != NULL ? digest_md : EVP_sha256();
}

/* The digest covers what decides the facts: the release and parser epoch
 * (a newer parser may read the same output differently), the collector
 * and its parse mode, then the output itself. Returns 0, or -1 if
 * libcrypto failed. */
int
collector_digest(const char *name, int mode, const char *out, size_t len,
    unsigned char dg[RESULT_DIGEST_LEN])
{
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	EVP_MD_CTX		*ctx;
	int			 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, digest_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, digest_build, sizeof digest_build) &&
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

/* Append bytes as a printf(1) format that prints them back: the few
 * plain characters as they are, every other byte as a 3-digit octal
 * escape (NUL included; POSIX printf and busybox's both read them). */
static void
digest_printf_bytes(struct buf *b, const void *p, size_t len)
{
	const unsigned char	*u = p;
	char			 esc[5];
	size_t			 i;

	for (i = 0; i < len; i++) {
		if ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' &&
		    u[i] <= 'Z') || (u[i] >= '0' && u[i] <= '9') ||
		    u[i] == '.' || u[i] == '-' || u[i] == '_') {
			buf_append(b, &u[i], 1);
			continue;
		}
		snprintf(esc, sizeof esc, "\\%03o", u[i]);
		buf_append(b, esc, 4);
	}
}

/* What collector_digest hashes before the output, as a printf(1) format,
 * so a host can compute the same digest of its own output with
 * `{ printf FORMAT; printf %s "$out"; } | sha256sum` (collectors/script.c).
 * Only fixed text and the collector's name: nothing from the inventory. */
void
collector_digest_prefix(const char *name, int mode, struct buf *b)
{
	digest_printf_bytes(b, digest_build, sizeof digest_build);
	digest_printf_bytes(b, name, strlen(name) + 1);
	digest_printf_bytes(b, &mode, sizeof mode);
}
