/* A bastion's open-failure answer (daemon/openfail.c): the packets OpenSSH's
 * sshd sends for a closed port and for an address it has no route to, and
 * the truncated and hostile ones any server (or a block libssh2 frees that
 * is no such packet) could present. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "daemon/openfail.h"
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
putstr(struct buf *b, const char *s)
{
	put32(b, (uint32_t)strlen(s));
	buf_append(b, s, strlen(s));
}

/* An open-failure packet as sshd sends it: text and an empty language. */
static void
failure(struct buf *b, uint32_t chan, uint32_t reason, const char *text)
{
	unsigned char	 t = 92;

	b->len = 0;
	buf_append(b, &t, 1);
	put32(b, chan);
	put32(b, reason);
	putstr(b, text);
	putstr(b, "");
}

/* The status a well-formed packet with this code and text reads as. */
static enum host_status
status_of(uint32_t reason, const char *text)
{
	struct buf	 b = { 0 };
	struct openfail	 f;
	enum host_status st = HOST_STATUS_MAX;

	failure(&b, 3, reason, text);
	if (openfail_parse((unsigned char *)b.data, b.len, &f) == 0)
		st = openfail_status(&f);
	buf_free(&b);
	return st;
}

/* The error text for a well-formed packet with this code and text. */
static const char *
describe(uint32_t reason, const char *text)
{
	static char	 out[300];
	struct buf	 b = { 0 };
	struct openfail	 f;

	failure(&b, 3, reason, text);
	if (openfail_parse((unsigned char *)b.data, b.len, &f) == 0)
		openfail_describe(&f, out, sizeof out);
	else
		strcpy(out, "(not parsed)");
	buf_free(&b);
	return out;
}

/* sshd's texts, each with the meaning a direct connect gives its errno;
 * only "connect failed" is refined by its text. */
static void
test_status(void)
{
	CHECK(status_of(2, "Connection refused") == HOST_REFUSED);
	CHECK(status_of(2, "No route to host") == HOST_UNREACHABLE);
	CHECK(status_of(2, "Network is unreachable") == HOST_UNREACHABLE);
	CHECK(status_of(2, "Host is unreachable") == HOST_UNREACHABLE);
	CHECK(status_of(2, "Connection timed out") == HOST_CONNECT_TIMEOUT);
	CHECK(status_of(2, "Name or service not known") == HOST_DNS_ERROR);
	CHECK(status_of(2, "something else") == HOST_REFUSED);
	CHECK(status_of(2, "no route to host") == HOST_REFUSED); /* exact */
	CHECK(status_of(1, "No route to host") == HOST_REFUSED);
	CHECK(status_of(2, "open failed") == HOST_UNREACHABLE);
	CHECK(status_of(1, "open failed") == HOST_REFUSED);
	CHECK(status_of(4, "open failed") == HOST_REFUSED);
	CHECK_STR(describe(2, "No route to host"),
	    "connect failed: No route to host");
	CHECK_STR(describe(1, "open failed"),
	    "administratively prohibited: open failed");
	CHECK(strncmp(describe(2, "open failed"), "connect failed: open failed "
	    "(sshd's words for a connect() that failed at once", 75) == 0);
	CHECK_STR(openfail_reason_str(2), "connect failed");
	CHECK_STR(openfail_reason_str(1), "administratively prohibited");
	CHECK_STR(openfail_reason_str(4), "resource shortage");
	CHECK_STR(openfail_reason_str(0), "open failed");
	CHECK_STR(openfail_reason_str(0xffffffffu), "open failed");
}

/* A well-formed packet, alone and followed by padding (libssh2's block
 * holds padding and MAC after the payload); then every truncation. */
static void
test_parse(void)
{
	struct buf	 b = { 0 };
	struct openfail	 f;
	size_t		 cut, full;

	failure(&b, 0x01020304, 2, "No route to host");
	CHECK(openfail_parse((unsigned char *)b.data, b.len, &f) == 0);
	CHECK(f.recipient == 0x01020304);
	CHECK(f.reason == 2);
	CHECK_STR(f.desc, "No route to host");
	full = b.len;
	buf_append(&b, "\x01\x02\x03\x04\x05\x06\x07", 7);
	CHECK(openfail_parse((unsigned char *)b.data, b.len, &f) == 0);
	CHECK_STR(f.desc, "No route to host");
	/* the text must fit; the language tag after it is not needed */
	for (cut = 0; cut < full; cut++)
		CHECK((openfail_parse((unsigned char *)b.data, cut, &f) == 0) ==
		    (cut >= 13 + strlen("No route to host")));
	buf_free(&b);
}

/* Lengths and bytes a hostile server, or a block that is no such packet,
 * could hold: refused without reading past the block. */
static void
test_hostile(void)
{
	struct buf	 b = { 0 };
	struct openfail	 f;
	char		 long_text[1000];
	unsigned char	*p;

	failure(&b, 1, 2, "No route to host");
	p = (unsigned char *)b.data;
	p[0] = 93;
	CHECK(openfail_parse(p, b.len, &f) == -1);	/* not type 92 */
	p[0] = 92;
	memcpy(p + 9, "\xff\xff\xff\xff", 4);		/* text 4 GB long */
	CHECK(openfail_parse(p, b.len, &f) == -1);
	memcpy(p + 9, "\x00\x00\x00\x19", 4);		/* 25: one past the block */
	CHECK(b.len == 13 + 16 + 4);
	CHECK(openfail_parse(p, 13 + 24, &f) == -1);
	memcpy(p + 9, "\x00\x00\x00\x00", 4);		/* empty: nothing to say */
	CHECK(openfail_parse(p, b.len, &f) == -1);
	memcpy(p + 9, "\x00\x00\x00\x10", 4);
	CHECK(openfail_parse(p, b.len, &f) == 0);
	p[14] = '\n';					/* a control byte */
	CHECK(openfail_parse(p, b.len, &f) == -1);
	p[14] = 0xc3;					/* not ASCII */
	CHECK(openfail_parse(p, b.len, &f) == -1);
	failure(&b, 1, 0, "x");				/* no such code */
	CHECK(openfail_parse((unsigned char *)b.data, b.len, &f) == -1);
	failure(&b, 1, 5, "x");
	CHECK(openfail_parse((unsigned char *)b.data, b.len, &f) == -1);
	failure(&b, 1, 0x80000002u, "x");
	CHECK(openfail_parse((unsigned char *)b.data, b.len, &f) == -1);
	memset(long_text, 'a', sizeof long_text - 1);	/* cut, not refused */
	long_text[sizeof long_text - 1] = '\0';
	failure(&b, 1, 2, long_text);
	CHECK(openfail_parse((unsigned char *)b.data, b.len, &f) == 0);
	CHECK(strlen(f.desc) == OPENFAIL_DESC_MAX - 1);
	buf_free(&b);
}

/* The channel-open request the failure answers: only direct-tcpip, with
 * its sender channel. */
static void
test_open_id(void)
{
	struct buf	 b = { 0 };
	unsigned char	 t = 90;
	uint32_t	 id = 0;
	size_t		 cut;

	buf_append(&b, &t, 1);
	putstr(&b, "direct-tcpip");
	put32(&b, 42);
	put32(&b, 2 * 1024 * 1024);
	put32(&b, 32768);
	putstr(&b, "10.99.0.1");
	put32(&b, 22);
	putstr(&b, "127.0.0.1");
	put32(&b, 22);
	CHECK(openfail_open_id((unsigned char *)b.data, b.len, &id) == 0);
	CHECK(id == 42);
	for (cut = 0; cut < 1 + 4 + 12 + 4; cut++)
		CHECK(openfail_open_id((unsigned char *)b.data, cut, &id) == -1);
	b.data[4] = 13;					/* type length wrong */
	CHECK(openfail_open_id((unsigned char *)b.data, b.len, &id) == -1);
	b.len = 0;
	buf_append(&b, &t, 1);
	putstr(&b, "session");
	put32(&b, 42);
	put32(&b, 0);
	put32(&b, 0);
	CHECK(openfail_open_id((unsigned char *)b.data, b.len, &id) == -1);
	buf_free(&b);
}

int
main(void)
{
	test_status();
	test_parse();
	test_hostile();
	test_open_id();
	TEST_MAIN_END();
}
