/* Open-failure messages: see openfail.h. Every length is checked against
 * the bytes there are before it is used; the text is untrusted. */
#include <stdio.h>
#include <string.h>

#include "daemon/openfail.h"

#define MSG_CHANNEL_OPEN		90	/* RFC 4254 5.1 */
#define MSG_CHANNEL_OPEN_FAILURE	92

/* The texts sshd puts in a "connect failed", and what each means for the
 * target. sshd (channels.c, 9.2 to today) sends strerror() when its
 * non-blocking connect() fails later (a RST, an ICMP error from a router,
 * a timeout; glibc, BSD and musl spell some differently), and a bare
 * "open failed" when connect() fails at once, which on Linux is its own
 * routing table having no way there (ENETUNREACH, an unreachable route)
 * or a local firewall: the host is unreachable from the bastion. Each
 * status is the one job.c gives that errno on a direct connect. */
static const struct {
	const char		*text;
	enum host_status	 status;
	const char		*note;		/* added to the text, or "" */
} openfail_texts[] = {
	{ "Connection refused", HOST_REFUSED, "" },		/* ECONNREFUSED */
	{ "No route to host", HOST_UNREACHABLE, "" },		/* EHOSTUNREACH */
	{ "Host is unreachable", HOST_UNREACHABLE, "" },
	{ "Network is unreachable", HOST_UNREACHABLE, "" },	/* ENETUNREACH */
	{ "Network unreachable", HOST_UNREACHABLE, "" },
	{ "Host is down", HOST_UNREACHABLE, "" },		/* EHOSTDOWN */
	{ "Network is down", HOST_UNREACHABLE, "" },		/* ENETDOWN */
	{ "Connection timed out", HOST_CONNECT_TIMEOUT, "" },	/* ETIMEDOUT */
	{ "Operation timed out", HOST_CONNECT_TIMEOUT, "" },
	{ "Name or service not known", HOST_DNS_ERROR, "" },	/* getaddrinfo */
	{ "No address associated with hostname", HOST_DNS_ERROR, "" },
	{ "Temporary failure in name resolution", HOST_DNS_ERROR, "" },
	{ "nodename nor servname provided, or not known", HOST_DNS_ERROR, "" },
	{ "open failed", HOST_UNREACHABLE, " (sshd's words for a connect() "
	    "that failed at once: no route from the bastion; its log has "
	    "the errno)" },
};
#define OPENFAIL_NTEXTS	(sizeof openfail_texts / sizeof openfail_texts[0])

static const char *openfail_reasons[] = {
	[0] = "open failed",
	[OPENFAIL_PROHIBITED] = "administratively prohibited",
	[OPENFAIL_CONNECT] = "connect failed",
	[OPENFAIL_UNKNOWN_TYPE] = "unknown channel type",
	[OPENFAIL_SHORTAGE] = "resource shortage",
};
_Static_assert(sizeof openfail_reasons / sizeof openfail_reasons[0] ==
    OPENFAIL_SHORTAGE + 1, "a reason code without words");

/* A big-endian uint32 at p (the caller checked there are 4 bytes). */
static uint32_t
openfail_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Read an open-failure message: byte 92, uint32 recipient channel, uint32
 * reason, string description (string language tag: not needed). */
int
openfail_parse(const unsigned char *p, size_t len, struct openfail *f)
{
	size_t	 dlen, keep, i;

	if (len < 13 || p[0] != MSG_CHANNEL_OPEN_FAILURE)
		return -1;
	f->recipient = openfail_u32(p + 1);
	f->reason = openfail_u32(p + 5);
	dlen = openfail_u32(p + 9);
	if (f->reason < OPENFAIL_PROHIBITED || f->reason > OPENFAIL_SHORTAGE ||
	    dlen == 0 || dlen > len - 13)
		return -1;
	keep = dlen < sizeof f->desc - 1 ? dlen : sizeof f->desc - 1;
	for (i = 0; i < keep; i++) {
		if (p[13 + i] < 0x20 || p[13 + i] > 0x7e)
			return -1;
		f->desc[i] = (char)p[13 + i];
	}
	f->desc[keep] = '\0';
	return 0;
}

/* Read the start of a channel-open message: byte 90, string channel type,
 * uint32 sender channel. */
int
openfail_open_id(const unsigned char *p, size_t len, uint32_t *id)
{
	static const char	 type[] = "direct-tcpip";
	const size_t		 tlen = sizeof type - 1;

	if (len < 1 + 4 + tlen + 4 || p[0] != MSG_CHANNEL_OPEN ||
	    openfail_u32(p + 1) != tlen || memcmp(p + 5, type, tlen) != 0)
		return -1;
	*id = openfail_u32(p + 5 + tlen);
	return 0;
}

/* The entry for a "connect failed" text, or -1: only that code says
 * why in its text; the others are their own reason. */
static int
openfail_lookup(const struct openfail *f)
{
	size_t	 i;

	if (f->reason == OPENFAIL_CONNECT)
		for (i = 0; i < OPENFAIL_NTEXTS; i++)
			if (strcmp(f->desc, openfail_texts[i].text) == 0)
				return (int)i;
	return -1;
}

/* Refused unless the text says otherwise (a shortage is the caller's to
 * wait out). */
enum host_status
openfail_status(const struct openfail *f)
{
	int	 i = openfail_lookup(f);

	return i == -1 ? HOST_REFUSED : openfail_texts[i].status;
}

/* "connect failed: No route to host": the code in words, the server's
 * text, and what a terse text means. */
void
openfail_describe(const struct openfail *f, char *buf, size_t len)
{
	int	 i = openfail_lookup(f);

	snprintf(buf, len, "%s: %s%s", openfail_reason_str(f->reason),
	    f->desc, i == -1 ? "" : openfail_texts[i].note);
}

/* For messages: the code in the words RFC 4254 gives it. */
const char *
openfail_reason_str(uint32_t reason)
{
	return reason <= OPENFAIL_SHORTAGE ? openfail_reasons[reason] :
	    openfail_reasons[0];
}
