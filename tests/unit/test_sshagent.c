/* ssh-agent answers (daemon/sshagent.c): a key list and a signature as
 * OpenSSH's agent sends them, and the malformed ones an agent (or what
 * sits on SSH_AUTH_SOCK) could send. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "daemon/sshagent.h"
#include "test.h"

/* Append a big-endian uint32. */
static void
put32(struct buf *b, uint32_t v)
{
	unsigned char	 n[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_append(b, n, 4);
}

/* Append an SSH wire string. */
static void
putstr(struct buf *b, const void *s, size_t len)
{
	put32(b, (uint32_t)len);
	buf_append(b, s, len);
}

/* An identities answer with an ed25519 key and a non-key blob. */
static void
test_identities(void)
{
	struct buf		 b = { 0 }, blob = { 0 };
	struct agent_keys	 ks;
	unsigned char		 t = 12;

	putstr(&blob, "ssh-ed25519", 11);
	putstr(&blob, "01234567890123456789012345678901", 32);
	buf_append(&b, &t, 1);
	put32(&b, 2);
	putstr(&b, blob.data, blob.len);
	putstr(&b, "me@host", 7);
	putstr(&b, "\0\0", 2);			/* not a key blob: skipped */
	putstr(&b, "junk", 4);
	CHECK(agent_parse_identities((unsigned char *)b.data, b.len, &ks) == 0);
	CHECK(ks.n == 1);
	if (ks.n == 1) {
		CHECK_STR(ks.k[0].type, "ssh-ed25519");
		CHECK_STR(ks.k[0].comment, "me@host");
		CHECK(ks.k[0].len == blob.len);
	}
	agent_keys_free(&ks);
	/* cut anywhere: refused, nothing leaks */
	for (size_t cut = 0; cut < b.len; cut++)
		if (agent_parse_identities((unsigned char *)b.data, cut, &ks) ==
		    0) {
			CHECK(cut >= b.len - 4 - 2 - 4 - 4);	/* only the skipped one */
			agent_keys_free(&ks);
		}
	t = 5;					/* SSH_AGENT_FAILURE */
	CHECK(agent_parse_identities(&t, 1, &ks) == -1);
	buf_free(&b);
	buf_free(&blob);
}

/* A signature answer: the bytes after the algorithm name. */
static void
test_signature(void)
{
	struct buf		 b = { 0 }, sig = { 0 };
	const unsigned char	*s;
	size_t			 len;
	unsigned char		 t = 14;

	putstr(&sig, "ssh-ed25519", 11);
	putstr(&sig, "SIGSIGSIG", 9);
	buf_append(&b, &t, 1);
	putstr(&b, sig.data, sig.len);
	CHECK(agent_parse_signature((unsigned char *)b.data, b.len, &s,
	    &len) == 0);
	CHECK(len == 9 && memcmp(s, "SIGSIGSIG", 9) == 0);
	CHECK(agent_parse_signature((unsigned char *)b.data, b.len - 1, &s,
	    &len) == -1);
	b.data[0] = 12;
	CHECK(agent_parse_signature((unsigned char *)b.data, b.len, &s,
	    &len) == -1);
	buf_free(&b);
	buf_free(&sig);
}

int
main(void)
{
	test_identities();
	test_signature();
	TEST_MAIN_END();
}
