/* OpenSSH private keys: the openssh-key-v1 container (unencrypted, one
 * key), ed25519 and ECDSA keys turned into OpenSSL keys, and SSH-form
 * signatures with them. Everything else stays text for libssh2. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "common/base64.h"
#include "common/xmalloc.h"
#include "daemon/sshkey.h"
#include "daemon/sshmem.h"

struct ssh_key {
	EVP_PKEY	*pkey;		/* key we sign with, or NULL */
	const EVP_MD	*md;		/* ECDSA digest; NULL for ed25519 */
	unsigned char	*pub;		/* its public key blob (SSH wire form) */
	size_t		 publen;
	char		*text;		/* the file, for libssh2 (other keys) */
	size_t		 textlen;
	int		 rsa;		/* RSA: needs rsa-sha2 (libssh2 >= 1.11) */
};

/* Read an SSH wire string at *p (bounds-checked). */
static int
ssh_wire_string(const unsigned char **p, const unsigned char *end,
    const unsigned char **s, size_t *len)
{
	uint32_t	 n;

	if (end - *p < 4)
		return -1;
	n = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
	    (uint32_t)(*p)[2] << 8 | (*p)[3];
	*p += 4;
	if ((size_t)(end - *p) < n)
		return -1;
	*s = *p;
	*len = n;
	*p += n;
	return 0;
}

/* Does wire string (s, len) equal the C string want? */
static int
ssh_wire_is(const unsigned char *s, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* ECDSA curves: key type, curve name in the key, OpenSSL group, digest. */
static const struct {
	const char	*type;
	const char	*curve;
	const char	*group;
	const EVP_MD	*(*md)(void);
} ssh_curves[] = {
	{ "ecdsa-sha2-nistp256", "nistp256", "P-256", EVP_sha256 },
	{ "ecdsa-sha2-nistp384", "nistp384", "P-384", EVP_sha384 },
	{ "ecdsa-sha2-nistp521", "nistp521", "P-521", EVP_sha512 },
};

/* An ed25519 private key: string pub(32), string priv(64 = seed + pub). */
static EVP_PKEY *
ssh_key_ed25519(const unsigned char **p, const unsigned char *end)
{
	const unsigned char	*pub, *priv;
	size_t			 publen, privlen;

	if (ssh_wire_string(p, end, &pub, &publen) || publen != 32 ||
	    ssh_wire_string(p, end, &priv, &privlen) || privlen != 64)
		return NULL;
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);
}

/* An ECDSA private key: string curve, string Q, mpint d. */
static EVP_PKEY *
ssh_key_ecdsa(struct ssh_key *k, const unsigned char **p,
    const unsigned char *end, const char *type)
{
	const unsigned char	*curve, *q, *d;
	size_t			 clen, qlen, dlen, i;
	OSSL_PARAM_BLD		*bld = NULL;
	OSSL_PARAM		*params = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	EVP_PKEY		*pkey = NULL;
	BIGNUM			*bn = NULL;

	for (i = 0; i < sizeof ssh_curves / sizeof ssh_curves[0]; i++)
		if (strcmp(ssh_curves[i].type, type) == 0)
			break;
	if (i == sizeof ssh_curves / sizeof ssh_curves[0] ||
	    ssh_wire_string(p, end, &curve, &clen) ||
	    !ssh_wire_is(curve, clen, ssh_curves[i].curve) ||
	    ssh_wire_string(p, end, &q, &qlen) ||
	    ssh_wire_string(p, end, &d, &dlen))
		return NULL;
	if ((bn = BN_bin2bn(d, (int)dlen, NULL)) != NULL &&
	    (bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    ssh_curves[i].group, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q,
	    qlen) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bn);
	if (pkey != NULL)
		k->md = ssh_curves[i].md();
	return pkey;
}

/* The body of an unencrypted openssh-key-v1 ed25519 or ECDSA key: the
 * public blob and the key to sign with. -1 if it is anything else. */
static int
ssh_key_parse(struct ssh_key *k, const unsigned char *b, size_t len)
{
	static const char	 magic[] = "openssh-key-v1";
	const unsigned char	*p = b + sizeof magic, *end = b + len, *s, *pub;
	const unsigned char	*sec, *secend;
	size_t			 n, publen;
	char			 type[32];

	if (len < sizeof magic || memcmp(b, magic, sizeof magic) != 0)
		return -1;
	if (ssh_wire_string(&p, end, &s, &n) || !ssh_wire_is(s, n, "none") ||
	    ssh_wire_string(&p, end, &s, &n) || !ssh_wire_is(s, n, "none") ||
	    ssh_wire_string(&p, end, &s, &n) || end - p < 4 ||
	    memcmp(p, "\0\0\0\1", 4) != 0)
		return -1;		/* encrypted, or several keys */
	p += 4;
	if (ssh_wire_string(&p, end, &pub, &publen) ||
	    ssh_wire_string(&p, end, &sec, &n))
		return -1;
	secend = sec + n;
	sec += 8;			/* two check integers */
	if (sec > secend || ssh_wire_string(&sec, secend, &s, &n) ||
	    n >= sizeof type)
		return -1;
	memcpy(type, s, n);
	type[n] = '\0';
	if (strcmp(type, "ssh-ed25519") == 0)
		k->pkey = ssh_key_ed25519(&sec, secend);
	else if (strncmp(type, "ecdsa-sha2-", 11) == 0)
		k->pkey = ssh_key_ecdsa(k, &sec, secend, type);
	if (k->pkey == NULL)
		return -1;
	k->pub = xmalloc(publen);
	memcpy(k->pub, pub, publen);
	k->publen = publen;
	return 0;
}

/* Is this key text an RSA key (PEM, or openssh-key-v1 holding ssh-rsa)? */
static int
ssh_key_text_is_rsa(const char *data, size_t len, const unsigned char *bin,
    size_t binlen)
{
	if (memmem(data, len, "BEGIN RSA PRIVATE KEY", 21) != NULL)
		return 1;
	return bin != NULL && memmem(bin, binlen, "\0\0\0\7ssh-rsa", 11) !=
	    NULL;
}

/* Parse a private key once; see sshkey.h. */
struct ssh_key *
ssh_key_load(const char *data, size_t len, char *err, size_t errlen)
{
	static const char	 begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	static const char	 end[] = "-----END OPENSSH PRIVATE KEY-----";
	struct ssh_key		*k;
	const char		*b, *e;
	unsigned char		*bin = NULL;
	ssize_t			 binlen = -1;

	if (memmem(data, len, "PRIVATE KEY", 11) == NULL) {
		snprintf(err, errlen, "not a private key file");
		return NULL;
	}
	k = xcalloc(1, sizeof *k);
	/* The end marker is searched for after the whole begin marker: the
	 * two may overlap ("-----BEGIN ...-----END ...-----"). */
	if ((b = memmem(data, len, begin, sizeof begin - 1)) != NULL &&
	    (b += sizeof begin - 1, e = memmem(b, len - (size_t)(b - data),
	    end, sizeof end - 1)) != NULL) {
		bin = xmalloc((size_t)(e - b) + 1);
		binlen = base64_decode(b, (size_t)(e - b), bin,
		    (size_t)(e - b) + 1);
	}
	if (binlen > 0)
		ssh_key_parse(k, bin, (size_t)binlen);
	k->rsa = ssh_key_text_is_rsa(data, len, bin, binlen > 0 ?
	    (size_t)binlen : 0);
	free(bin);
	if (k->pkey == NULL) {
		k->text = xmalloc(len + 1);
		memcpy(k->text, data, len);
		k->text[len] = '\0';
		k->textlen = len;
	}
	return k;
}

/* Is it an RSA key? */
int
ssh_key_is_rsa(const struct ssh_key *k)
{
	return k->rsa;
}

/* Free a parsed key, wiping the secret copies we hold. */
void
ssh_key_free(struct ssh_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	if (k->text != NULL) {
		explicit_bzero(k->text, k->textlen);
		free(k->text);
	}
	free(k->pub);
	free(k);
}

/* Append an SSH mpint (RFC 4251) of a BIGNUM. */
static void
ssh_put_mpint(unsigned char **p, const BIGNUM *bn)
{
	int	 n = BN_num_bytes(bn), pad;

	pad = n > 0 && BN_num_bits(bn) % 8 == 0;	/* top bit set */
	(*p)[0] = (unsigned char)((n + pad) >> 24);
	(*p)[1] = (unsigned char)((n + pad) >> 16);
	(*p)[2] = (unsigned char)((n + pad) >> 8);
	(*p)[3] = (unsigned char)(n + pad);
	*p += 4;
	if (pad)
		*(*p)++ = 0;
	BN_bn2bin(bn, *p);
	*p += n;
}

/* ECDSA: OpenSSL gives DER; SSH wants mpint r, mpint s (RFC 5656). */
static int
ssh_sign_ecdsa(const unsigned char *der, size_t derlen, unsigned char **sig,
    size_t *siglen)
{
	const unsigned char	*dp = der;
	const BIGNUM		*r, *s;
	ECDSA_SIG		*es;
	unsigned char		*p;

	if ((es = d2i_ECDSA_SIG(NULL, &dp, (long)derlen)) == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	*sig = ssh_mem_alloc(2 * (5 + (size_t)BN_num_bytes(r) +
	    (size_t)BN_num_bytes(s)), NULL);
	if ((p = *sig) == NULL) {
		ECDSA_SIG_free(es);
		return -1;
	}
	ssh_put_mpint(&p, r);
	ssh_put_mpint(&p, s);
	*siglen = (size_t)(p - *sig);
	ECDSA_SIG_free(es);
	return 0;
}

/* Sign with the key parsed at sweep start. An EVP_PKEY is safe to share
 * between threads for signing; each call has its own context. */
int
ssh_key_sign(const struct ssh_key *k, const unsigned char *data, size_t len,
    unsigned char **sig, size_t *siglen)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 out[160];
	size_t		 outlen = sizeof out;
	int		 ok;

	*sig = NULL;
	if (k->pkey == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestSignInit(ctx, NULL, k->md, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, out, &outlen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	if (k->md != NULL)
		return ssh_sign_ecdsa(out, outlen, sig, siglen);
	if ((*sig = ssh_mem_alloc(outlen, NULL)) == NULL)	/* ed25519 */
		return -1;
	memcpy(*sig, out, outlen);
	*siglen = outlen;
	return 0;
}

/* The public blob we sign for, or NULL (libssh2 parses the text). */
const unsigned char *
ssh_key_pub(const struct ssh_key *k, size_t *len)
{
	*len = k->publen;
	return k->pkey != NULL ? k->pub : NULL;
}

/* The key file as text, for libssh2. */
const char *
ssh_key_text(const struct ssh_key *k, size_t *len)
{
	*len = k->textlen;
	return k->text;
}
