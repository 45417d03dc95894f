/* Private keys: an OpenSSH key file parsed once per sweep (main thread) and
 * a signer for unencrypted ed25519 and ECDSA keys, so a login costs one
 * signature instead of libssh2 parsing the key file again. Any other key is
 * kept as text for libssh2 (daemon/ssh.c). No libssh2 in here. */
#ifndef ROLLCALL_SSHKEY_H
#define ROLLCALL_SSHKEY_H

#include <stddef.h>

struct ssh_key;

/* Parse a private key file's contents. Returns NULL with err filled if it
 * is not a private key at all. Caller frees with ssh_key_free. */
struct ssh_key *ssh_key_load(const char *data, size_t len, char *err,
	    size_t errlen);
int	 ssh_key_is_rsa(const struct ssh_key *);
/* The public key blob (SSH wire form) when we sign ourselves, else NULL. */
const unsigned char *ssh_key_pub(const struct ssh_key *, size_t *len);
/* The key file's text, for libssh2, when we do not sign ourselves. */
const char *ssh_key_text(const struct ssh_key *, size_t *len);
/* Sign data in SSH wire form; *sig is allocated with ssh_mem_alloc (the
 * session allocator, so libssh2 can free it). 0, or -1 on failure. */
int	 ssh_key_sign(const struct ssh_key *, const unsigned char *data,
	    size_t len, unsigned char **sig, size_t *siglen);
void	 ssh_key_free(struct ssh_key *);

#endif
