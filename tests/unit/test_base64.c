/* Base64 (common/base64.c): RFC 4648 vectors, padding on and off, the
 * decoder's whitespace, '=' and bounds handling, and a round trip of every
 * length up to 64 bytes. */
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/buf.h"
#include "test.h"

/* RFC 4648 section 10, with and without padding. */
static void
test_vectors(void)
{
	static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba",
	    "foobar" };
	static const char *padded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	static const char *bare[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg",
	    "Zm9vYmE", "Zm9vYmFy" };
	struct buf	 b = { 0 };
	size_t		 i;

	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		buf_reset(&b);
		base64_encode(&b, in[i], strlen(in[i]), 1);
		CHECK_STR(buf_str(&b), padded[i]);
		buf_reset(&b);
		base64_encode(&b, in[i], strlen(in[i]), 0);
		CHECK_STR(buf_str(&b), bare[i]);
	}
	buf_free(&b);
}

/* Decoding: whitespace skipped, stops at '=', rejects junk and overflow. */
static void
test_decode(void)
{
	unsigned char	 out[16];

	CHECK(base64_decode("Zm9v\nYmFy", 9, out, sizeof out) == 6);
	CHECK(memcmp(out, "foobar", 6) == 0);
	CHECK(base64_decode(" Zm9vYg==\r\n", 11, out, sizeof out) == 4);
	CHECK(memcmp(out, "foob", 4) == 0);
	CHECK(base64_decode("Zm9vYg", 6, out, sizeof out) == 4);
	CHECK(base64_decode("Zm9v!mFy", 8, out, sizeof out) == -1);
	CHECK(base64_decode("Zm9vYmFy", 8, out, 5) == -1);	/* too small */
	CHECK(base64_decode("Zm9vYmFy", 8, out, 6) == 6);	/* exact fit */
	CHECK(base64_decode("", 0, out, 0) == 0);
}

/* Every length 0..64, every byte value: decode(encode(x)) == x. */
static void
test_roundtrip(void)
{
	unsigned char	 in[64], out[64];
	struct buf	 b = { 0 };
	size_t		 n, i;
	int		 pad;

	for (i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)(i * 37 + 200);
	for (pad = 0; pad < 2; pad++)
		for (n = 0; n <= sizeof in; n++) {
			buf_reset(&b);
			base64_encode(&b, in, n, pad);
			CHECK(b.len == (pad ? (n + 2) / 3 * 4 :
			    (n * 4 + 2) / 3));
			CHECK(base64_decode(buf_str(&b), b.len, out,
			    sizeof out) == (ssize_t)n);
			CHECK(memcmp(in, out, n) == 0);
		}
	buf_free(&b);
}

int
main(void)
{
	test_vectors();
	test_decode();
	test_roundtrip();
	TEST_MAIN_END();
}
