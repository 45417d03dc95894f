/* libssh2 in non-blocking mode: the one file that calls it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/knownhosts.h"
#include "daemon/ssh.h"
#include "daemon/sshmem.h"

struct ssh_kh {
	LIBSSH2_SESSION		*owner;	/* libssh2 wants a session to own it */
	LIBSSH2_KNOWNHOSTS	*kh;	/* the collection */
};

struct ssh {
	LIBSSH2_SESSION		*s;	/* the session */
	LIBSSH2_CHANNEL		*ch;	/* the one open channel, or NULL */
	int			 fd;	/* its socket (not owned) */
	struct ssh_kh		*kh;	/* the worker's known hosts */
	char			*host;	/* as looked up in known_hosts */
	int			 port;	/* likewise */
	int			 closing; /* channel: 0 close, 1 wait_closed */
	void			*sign_key; /* sign callback's abstract */
};

/* Host key types: libssh2 session type, known_hosts type bit, name. */
static const struct {
	int		 type;
	int		 khbit;
	const char	*name;
} ssh_keytypes[] = {
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519,
	    "ssh-ed25519" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	    "ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	    "ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	    "ecdsa-sha2-nistp521" },
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa" },
};
#define SSH_NKEYTYPES	(sizeof ssh_keytypes / sizeof ssh_keytypes[0])

/* Initialise libssh2 (and its crypto) once, before threads exist. */
void
ssh_global_init(void)
{
	if (libssh2_init(0) != 0)
		fatalx("libssh2_init failed");
}

/* Release libssh2's global state. */
void
ssh_global_exit(void)
{
	libssh2_exit();
}

/* Version string of the libssh2 we run with. */
const char *
ssh_library_version(void)
{
	return libssh2_version(0);
}

/* Build a thread's known-hosts collection from parsed text. */
struct ssh_kh *
ssh_kh_new(const struct known_hosts *text)
{
	struct ssh_kh	*k;
	size_t		 i;

	k = xcalloc(1, sizeof *k);
	if ((k->owner = libssh2_session_init()) == NULL)
		fatalx("libssh2_session_init failed");
	if ((k->kh = libssh2_knownhost_init(k->owner)) == NULL)
		fatalx("libssh2_knownhost_init failed");
	for (i = 0; i < text->nlines; i++)
		if (libssh2_knownhost_readline(k->kh, text->lines[i],
		    strlen(text->lines[i]), LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
			log_debug("known_hosts: entry %zu not understood by "
			    "libssh2, skipped", i + 1);
	return k;
}

/* Free a collection. */
void
ssh_kh_free(struct ssh_kh *k)
{
	if (k == NULL)
		return;
	libssh2_knownhost_free(k->kh);
	libssh2_session_free(k->owner);
	free(k);
}

/* Which key types does known_hosts hold for host:port? Checking a dummy key
 * of each type gives MISMATCH exactly when an entry of that type exists. */
static void
ssh_known_types(struct ssh_kh *k, const char *host, int port, struct buf *b)
{
	struct libssh2_knownhost	*entry;
	size_t				 i;
	int				 rc;

	for (i = 0; i < SSH_NKEYTYPES; i++) {
		rc = libssh2_knownhost_checkp(k->kh, host, port, "x", 1,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		    ssh_keytypes[i].khbit, &entry);
		if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			buf_printf(b, "%s%s", b->len ? "," : "",
			    ssh_keytypes[i].name);
	}
}

/* libssh2's own trace, into our debug log (only when -v; Debian's
 * libssh2 may be built without tracing, then it says nothing). */
static void
ssh_trace_cb(LIBSSH2_SESSION *session, void *context, const char *data,
    size_t len)
{
	log_debug("libssh2: %.*s", (int)(len > 0 && data[len - 1] == '\n' ?
	    len - 1 : len), data);
}

/*
 * Algorithms we offer, best first; libssh2 1.10's defaults also offer SHA-1
 * key exchanges, CBC, arcfour, blowfish, 3DES and MD5/RIPEMD MACs, which we
 * never want, so they are not in the lists. Key exchange leads with
 * ecdh-sha2-nistp256: with libssh2 1.10 on OpenSSL 3 its path costs about
 * 0.8 M instructions less per handshake than curve25519-sha256, whose raw
 * X25519 keys go through OpenSSL 3's provider look-ups on every session
 * (measured with callgrind: 6.7 vs 7.5 M instructions per host). Both are
 * in OpenSSH's defaults; the server takes the first one it also has.
 * HMAC-SHA1 stays last for hosts older than OpenSSH 5.9.
 */
static const struct {
	int		 type;
	const char	*list;
} ssh_methods[] = {
	{ LIBSSH2_METHOD_KEX, "ecdh-sha2-nistp256,curve25519-sha256,"
	    "curve25519-sha256@libssh.org,ecdh-sha2-nistp384,"
	    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	    "diffie-hellman-group14-sha256" },
	{ LIBSSH2_METHOD_CRYPT_CS, "aes128-ctr,aes192-ctr,aes256-ctr" },
	{ LIBSSH2_METHOD_CRYPT_SC, "aes128-ctr,aes192-ctr,aes256-ctr" },
	{ LIBSSH2_METHOD_MAC_CS, "hmac-sha2-256,hmac-sha2-512,hmac-sha1" },
	{ LIBSSH2_METHOD_MAC_SC, "hmac-sha2-256,hmac-sha2-512,hmac-sha1" },
};

/* Set the algorithm lists on a new session. */
static void
ssh_method_prefs(LIBSSH2_SESSION *s, const char *host)
{
	size_t	 i;

	for (i = 0; i < sizeof ssh_methods / sizeof ssh_methods[0]; i++)
		if (libssh2_session_method_pref(s, ssh_methods[i].type,
		    ssh_methods[i].list) != 0)
			log_warnx("%s: libssh2 refused algorithm list %s",
			    host, ssh_methods[i].list);
}

/* New non-blocking session on a connected socket. */
struct ssh *
ssh_new(int fd, struct ssh_kh *k, const char *host, int port)
{
	struct ssh	*c;
	struct buf	 prefs = { 0 };

	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->kh = k;
	c->host = xstrdup(host);
	c->port = port;
	if ((c->s = libssh2_session_init_ex(ssh_mem_alloc, ssh_mem_free,
	    ssh_mem_realloc, c)) == NULL)
		fatalx("libssh2_session_init failed");
	ssh_mem_trim(c->s);
	libssh2_session_set_blocking(c->s, 0);
	if (log_getverbose()) {
		libssh2_trace_sethandler(c->s, NULL, ssh_trace_cb);
		/* not AUTH or TRANS: they may carry credentials */
		libssh2_trace(c->s, LIBSSH2_TRACE_KEX | LIBSSH2_TRACE_CONN |
		    LIBSSH2_TRACE_ERROR);
	}
	ssh_known_types(k, host, port, &prefs);
	if (prefs.len > 0 && libssh2_session_method_pref(c->s,
	    LIBSSH2_METHOD_HOSTKEY, prefs.data) != 0)
		log_debug("%s: host key preference %s not accepted", host,
		    prefs.data);
	buf_free(&prefs);
	ssh_method_prefs(c->s, host);
	return c;
}

/* Map libssh2's block directions to what we wait for. */
int
ssh_wants(struct ssh *c)
{
	int	 dir = libssh2_session_block_directions(c->s), w = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		w |= SSH_WANT_READ;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		w |= SSH_WANT_WRITE;
	return w;
}

/* Fold a libssh2 return code into DONE/AGAIN/FAIL. */
static int
ssh_rc(int rc)
{
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return SSH_AGAIN;
	return rc < 0 ? SSH_FAIL : SSH_DONE;
}

/* Key exchange. */
int
ssh_handshake(struct ssh *c)
{
	int	 rc;

	rc = ssh_rc(libssh2_session_handshake(c->s, c->fd));
	if (rc == 0 && log_getverbose())
		log_debug("%s: kex %s, host key %s, cipher %s, mac %s",
		    c->host, libssh2_session_methods(c->s, LIBSSH2_METHOD_KEX),
		    libssh2_session_methods(c->s, LIBSSH2_METHOD_HOSTKEY),
		    libssh2_session_methods(c->s, LIBSSH2_METHOD_CRYPT_CS),
		    libssh2_session_methods(c->s, LIBSSH2_METHOD_MAC_CS));
	return rc;
}

/* Base64 for known_hosts lines and fingerprints. */
static void
ssh_base64(struct buf *b, const unsigned char *p, size_t len, int pad)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t		 v;
	size_t			 i;
	char			 out[4];

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[0] = tab[v >> 18 & 63];
		out[1] = tab[v >> 12 & 63];
		out[2] = tab[v >> 6 & 63];
		out[3] = tab[v & 63];
		buf_append(b, out, 4);
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		out[0] = tab[v >> 18 & 63];
		out[1] = tab[v >> 12 & 63];
		out[2] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[3] = '=';
		buf_append(b, out, pad ? 4 : (i + 1 < len ? 3 : 2));
	}
}

/* Check the server's host key against known_hosts and @revoked. */
enum ssh_hostkey
ssh_check_hostkey(struct ssh *c, const struct known_hosts *text,
    char *fp, size_t fplen, char **learn)
{
	struct libssh2_knownhost	*entry;
	const char			*key, *hash, *host;
	struct buf			 b = { 0 };
	size_t				 len, i;
	int				 type, rc, port;

	*learn = NULL;
	snprintf(fp, fplen, "(unknown)");
	key = libssh2_session_hostkey(c->s, &len, &type);
	if (key == NULL)
		return SSH_HOSTKEY_ERROR;
	hash = libssh2_hostkey_hash(c->s, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (hash != NULL) {
		buf_append(&b, "SHA256:", 7);
		ssh_base64(&b, (const unsigned char *)hash, 32, 0);
		snprintf(fp, fplen, "%s", b.data);
		buf_reset(&b);
	}
	for (i = 0; i < SSH_NKEYTYPES; i++)
		if (ssh_keytypes[i].type == type)
			break;
	if (i == SSH_NKEYTYPES)
		return SSH_HOSTKEY_ERROR;
	ssh_base64(&b, (const unsigned char *)key, len, 1);
	if (known_hosts_is_revoked(text, c->host, c->port, b.data)) {
		buf_free(&b);
		return SSH_HOSTKEY_REVOKED;
	}
	host = c->host;
	port = c->port;
	rc = libssh2_knownhost_checkp(c->kh->kh, host, port, key, len,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    ssh_keytypes[i].khbit, &entry);
	if (rc == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND) {
		if (port == 22)
			xasprintf(learn, "%s %s %s\n", host,
			    ssh_keytypes[i].name, b.data);
		else
			xasprintf(learn, "[%s]:%d %s %s\n", host, port,
			    ssh_keytypes[i].name, b.data);
	}
	buf_free(&b);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return SSH_HOSTKEY_MATCH;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		return SSH_HOSTKEY_UNKNOWN;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		return SSH_HOSTKEY_MISMATCH;
	default:
		return SSH_HOSTKEY_ERROR;
	}
}

struct ssh_key {
	EVP_PKEY	*pkey;		/* key we sign with, or NULL */
	const EVP_MD	*md;		/* ECDSA digest; NULL for ed25519 */
	unsigned char	*pub;		/* its public key blob (SSH wire form) */
	size_t		 publen;
	char		*text;		/* the file, for libssh2 (other keys) */
	size_t		 textlen;
	int		 rsa;		/* RSA: needs rsa-sha2 (libssh2 >= 1.11) */
};

/* Decode base64, skipping whitespace; -1 on a bad character. */
static ssize_t
ssh_unbase64(const char *in, size_t len, unsigned char *out)
{
	uint32_t	 v = 0;
	size_t		 i, o = 0;
	int		 bits = 0, d;

	for (i = 0; i < len; i++) {
		const char	 c = in[i];

		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=')
			break;
		if (c >= 'A' && c <= 'Z') d = c - 'A';
		else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
		else if (c >= '0' && c <= '9') d = c - '0' + 52;
		else if (c == '+') d = 62;
		else if (c == '/') d = 63;
		else return -1;
		v = v << 6 | (uint32_t)d;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return (ssize_t)o;
}

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

/* Parse a private key once; see ssh.h. */
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
		binlen = ssh_unbase64(b, (size_t)(e - b), bin);
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

/* libssh2 sign callback: sign with the key parsed at sweep start. An
 * EVP_PKEY is safe to share between threads for signing; each call has its
 * own context. */
static int
ssh_sign_cb(LIBSSH2_SESSION *session, unsigned char **sig, size_t *siglen,
    const unsigned char *data, size_t datalen, void **abstract)
{
	struct ssh_key	*k = *abstract;
	EVP_MD_CTX	*ctx;
	unsigned char	 out[160];
	size_t		 outlen = sizeof out;
	int		 ok;

	*sig = NULL;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestSignInit(ctx, NULL, k->md, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, out, &outlen, data, datalen) == 1;
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

/* Public-key authentication: our own signature for ed25519 keys, else
 * libssh2 parses the key text. */
int
ssh_auth_pubkey(struct ssh *c, const char *user, struct ssh_key *k)
{
	if (k->pkey != NULL) {
		c->sign_key = k;
		return ssh_rc(libssh2_userauth_publickey(c->s, user, k->pub,
		    k->publen, ssh_sign_cb, &c->sign_key));
	}
	return ssh_rc(libssh2_userauth_publickey_frommemory(c->s, user,
	    strlen(user), NULL, 0, k->text, k->textlen, ""));
}

/* Open a session channel with a bounded window, so an unread channel can
 * hold at most that much in flight. */
int
ssh_channel_open(struct ssh *c, uint32_t window)
{
	if (c->ch != NULL)
		return SSH_DONE;
	c->ch = libssh2_channel_open_ex(c->s, "session",
	    sizeof "session" - 1, window, LIBSSH2_CHANNEL_PACKET_DEFAULT,
	    NULL, 0);
	if (c->ch != NULL) {
		c->closing = 0;
		return SSH_DONE;
	}
	return ssh_rc(libssh2_session_last_errno(c->s));
}

/* Start the command. */
int
ssh_channel_exec(struct ssh *c, const char *command)
{
	return ssh_rc(libssh2_channel_exec(c->ch, command));
}

/* Read what is there from one stream. */
ssize_t
ssh_channel_read(struct ssh *c, int stream, char *buf, size_t len)
{
	ssize_t	 n;

	n = libssh2_channel_read_ex(c->ch, stream, buf, len);
	if (n == LIBSSH2_ERROR_EAGAIN)
		return 0;
	return n < 0 ? SSH_FAIL : n;
}

/* Data queued for the channel, without touching the socket. */
int
ssh_channel_pending(struct ssh *c, int stream)
{
	return libssh2_poll_channel_read(c->ch, stream) == 1;
}

/* Has the remote side sent EOF? */
int
ssh_channel_eof(struct ssh *c)
{
	return libssh2_channel_eof(c->ch) == 1;
}

/* Close our side, then wait for the peer's close (exit status comes
 * before it). */
int
ssh_channel_close(struct ssh *c)
{
	int	 rc;

	if (c->closing == 0) {
		if ((rc = ssh_rc(libssh2_channel_close(c->ch))) != SSH_DONE)
			return rc;
		c->closing = 1;
	}
	return ssh_rc(libssh2_channel_wait_closed(c->ch));
}

/* Exit status after close; when a signal ended the command its name goes
 * into sig (empty otherwise) and -1 is returned. */
int
ssh_channel_exit_status(struct ssh *c, char *sig, size_t siglen)
{
	char	*name = NULL;
	size_t	 namelen = 0;

	sig[0] = '\0';
	if (libssh2_channel_get_exit_signal(c->ch, &name, &namelen, NULL,
	    NULL, NULL, NULL) == 0 && name != NULL) {
		snprintf(sig, siglen, "%.*s", (int)namelen, name);
		libssh2_free(c->s, name);
		return -1;
	}
	return libssh2_channel_get_exit_status(c->ch);
}

/* Free the channel. */
int
ssh_channel_free(struct ssh *c)
{
	int	 rc;

	if (c->ch == NULL)
		return SSH_DONE;
	rc = ssh_rc(libssh2_channel_free(c->ch));
	if (rc != SSH_AGAIN)
		c->ch = NULL;
	return rc;
}

/* Polite goodbye. */
int
ssh_disconnect(struct ssh *c)
{
	return ssh_rc(libssh2_session_disconnect(c->s, "rollcall done"));
}

/* Free the session (channels included). */
int
ssh_free(struct ssh *c)
{
	int	 rc;

	if (c == NULL)
		return SSH_DONE;
	if (c->s != NULL) {
		rc = libssh2_session_free(c->s);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return SSH_AGAIN;
		c->s = NULL;
	}
	free(c->host);
	free(c);
	return SSH_DONE;
}

/* libssh2's last error code. */
int
ssh_last_errno(struct ssh *c)
{
	return libssh2_session_last_errno(c->s);
}

/* Did authentication fail (as opposed to the connection)? */
int
ssh_is_auth_error(struct ssh *c)
{
	switch (libssh2_session_last_errno(c->s)) {
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
	case LIBSSH2_ERROR_FILE:
	case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
	case LIBSSH2_ERROR_PUBLICKEY_PROTOCOL:
		return 1;
	default:
		return 0;
	}
}

/* Describe the last error and classify it. A peer that went away is
 * "disconnected"; anything else it did wrong is a protocol error. */
enum host_status
ssh_error(struct ssh *c, char *buf, size_t len)
{
	char	*msg = NULL;
	int	 code, mlen = 0;

	code = libssh2_session_last_error(c->s, &msg, &mlen, 0);
	switch (code) {
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
		/* libssh2 says "transport read": say what it means */
		snprintf(buf, len, "connection lost: %.*s (libssh2 error %d)",
		    mlen, msg != NULL ? msg : "unknown error", code);
		return HOST_DISCONNECTED;
	default:
		snprintf(buf, len, "%.*s (libssh2 error %d)", mlen,
		    msg != NULL ? msg : "unknown error", code);
		return HOST_PROTOCOL_ERROR;
	}
}
