/* known_hosts pre-parser (daemon/knownhosts.c): plain entries kept for
 * libssh2, @revoked keys kept for us, everything else skipped; binary and
 * oversized input; loading and appending files. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "daemon/knownhosts.h"
#include "daemon/ssh.h"
#include "test.h"

#define KEY	"AAAAC3NzaC1lZDI1NTE5AAAAIOmQ1bWvPN4YH1tBbhZJ7xg5O0b4bD3rQ0k2n0g2Q4mX"

/* Plain lines, comments, blank lines, CRLF, leading blanks. */
static void
test_plain(void)
{
	static const char text[] =
	    "# comment\n"
	    "\n"
	    "   \t\n"
	    "127.0.1.1 ssh-ed25519 " KEY "\r\n"
	    "  [127.0.200.1]:2222 ssh-ed25519 " KEY "\n"
	    "last.example ssh-ed25519 " KEY;	/* no final newline */
	struct known_hosts	*kh;

	kh = known_hosts_parse(text, sizeof text - 1);
	CHECK(kh->nlines == 3);
	CHECK(kh->nrevoked == 0);
	CHECK(kh->nskipped == 0);
	if (kh->nlines == 3) {
		CHECK_STR(kh->lines[0], "127.0.1.1 ssh-ed25519 " KEY);
		CHECK_STR(kh->lines[1], "[127.0.200.1]:2222 ssh-ed25519 " KEY);
		CHECK_STR(kh->lines[2], "last.example ssh-ed25519 " KEY);
	}
	known_hosts_free(kh);
}

/* @revoked keeps the key blob; @cert-authority and bad markers skip. */
static void
test_markers(void)
{
	static const char text[] =
	    "@revoked * ssh-ed25519 " KEY "\n"
	    "@revoked\thost.example\tssh-ed25519\tOTHERKEY comment here\n"
	    "@cert-authority *.example ssh-ed25519 " KEY "\n"
	    "@revoked only-two fields\n"
	    "@revoked\n"
	    "@unknown a b c\n";
	struct known_hosts	*kh;

	kh = known_hosts_parse(text, sizeof text - 1);
	CHECK(kh->nlines == 0);
	CHECK(kh->nrevoked == 2);
	CHECK(kh->nskipped == 4);
	CHECK(known_hosts_is_revoked(kh, "any.host", 22, KEY));
	CHECK(known_hosts_is_revoked(kh, "host.example", 22, "OTHERKEY"));
	CHECK(!known_hosts_is_revoked(kh, "other.example", 22, "OTHERKEY"));
	CHECK(!known_hosts_is_revoked(kh, "host.example", 2222, "OTHERKEY"));
	/* whole blob only */
	CHECK(!known_hosts_is_revoked(kh, "host.example", 22, "OTHER"));
	CHECK(!known_hosts_is_revoked(kh, "host.example", 22, ""));
	known_hosts_free(kh);
}

/* The candidates of a look-up, as "0,2,3" (line numbers). */
static void
lookup_str(const struct known_hosts *kh, const char *host, int port,
    char *out, size_t outlen)
{
	size_t	*v, n, i, off = 0;

	out[0] = '\0';
	n = known_hosts_lookup(kh, host, port, &v);
	for (i = 0; i < n && off < outlen; i++)
		off += (size_t)snprintf(out + off, outlen - off, "%s%zu",
		    i ? "," : "", v[i]);
	free(v);
}

/* The index finds a host's literal entries (any case, either port form,
 * each line once, in file order) and always the pattern and hash lines. */
static void
test_lookup(void)
{
	static const char text[] =
	    "web1.example,10.0.0.1 ssh-ed25519 " KEY "\n"
	    "[web1.example]:2222 ssh-ed25519 " KEY "\n"
	    "*.example ssh-ed25519 " KEY "\n"
	    "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|x/yz ssh-ed25519 " KEY "\n"
	    "WEB2.Example ssh-ed25519 " KEY "\n"
	    "other,!web1.example ssh-ed25519 " KEY "\n"
	    "web1.example,WEB1.example ecdsa-sha2-nistp256 " KEY "\n"
	    ",, ssh-ed25519 " KEY "\n";
	struct known_hosts	*kh;
	char			 got[200];

	kh = known_hosts_parse(text, sizeof text - 1);
	CHECK(kh->nlines == 8);
	lookup_str(kh, "web1.example", 22, got, sizeof got);
	CHECK_STR(got, "0,2,3,5,6");
	lookup_str(kh, "Web1.Example", 2222, got, sizeof got);
	CHECK_STR(got, "0,1,2,3,5,6");
	lookup_str(kh, "web2.example", 22, got, sizeof got);
	CHECK_STR(got, "2,3,4,5");
	lookup_str(kh, "10.0.0.1", 22, got, sizeof got);
	CHECK_STR(got, "0,2,3,5");
	lookup_str(kh, "nowhere", 22, got, sizeof got);
	CHECK_STR(got, "2,3,5");
	known_hosts_free(kh);
	kh = known_hosts_parse("", 0);
	lookup_str(kh, "nowhere", 22, got, sizeof got);
	CHECK_STR(got, "");
	known_hosts_free(kh);
}

/* Host fields as ssh(1) reads them: lists, globs, negation, ports, hashes. */
static void
test_match(void)
{
	CHECK(known_hosts_match("*", "a", 22));
	CHECK(known_hosts_match("*", "a", 2222));
	CHECK(known_hosts_match("web*.example", "web001.example", 22));
	CHECK(known_hosts_match("WEB*.Example", "web001.EXAMPLE", 22));
	CHECK(!known_hosts_match("web*.example", "db001.example", 22));
	CHECK(known_hosts_match("web00?", "web001", 22));
	CHECK(!known_hosts_match("web00?", "web0011", 22));
	CHECK(known_hosts_match("a,b,c", "b", 22));
	CHECK(!known_hosts_match("a,,c", "b", 22));
	CHECK(!known_hosts_match("*,!db*", "db1", 22));
	CHECK(known_hosts_match("*,!db*", "web1", 22));
	CHECK(!known_hosts_match("!db*", "web1", 22));	/* no positive match */
	CHECK(known_hosts_match("[127.0.1.5]:2222", "127.0.1.5", 2222));
	CHECK(!known_hosts_match("[127.0.1.5]:2222", "127.0.1.5", 22));
	CHECK(!known_hosts_match("127.0.1.5", "127.0.1.5", 2222));
	CHECK(known_hosts_match("127.0.1.*", "127.0.1.5", 22));
	CHECK(known_hosts_match("*a*b*c", "xxaxxbxxc", 22));
	CHECK(!known_hosts_match("*a*b*c", "xxaxxcxxb", 22));
	/* |1|salt|HMAC-SHA1(salt, name), salt = bytes 0..19 */
	CHECK(known_hosts_match("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|"
	    "SKN3JxemRFnGnh9COWoV82XeSBE=", "web001.example", 22));
	CHECK(known_hosts_match("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|"
	    "SKN3JxemRFnGnh9COWoV82XeSBE=", "Web001.Example", 22));
	CHECK(!known_hosts_match("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|"
	    "SKN3JxemRFnGnh9COWoV82XeSBE=", "web002.example", 22));
	CHECK(known_hosts_match("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|"
	    "GIuuvPLFhddREj5qGQt9QoJyCCQ=", "127.0.1.5", 2222));
	CHECK(!known_hosts_match("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|"
	    "GIuuvPLFhddREj5qGQt9QoJyCCQ=", "127.0.1.5", 22));
	CHECK(!known_hosts_match("|1|garbage", "a", 22));
	CHECK(!known_hosts_match("|1|!!!!|????", "a", 22));
	CHECK(!known_hosts_match("|2|AAECAwQFBgcICQoLDA0ODxAREhM=|"
	    "SKN3JxemRFnGnh9COWoV82XeSBE=", "web001.example", 22));
}

/* NUL bytes and over-long lines are skipped, not cut or kept. */
static void
test_hostile(void)
{
	struct known_hosts	*kh;
	char			*big;
	size_t			 n = 20000;
	static const char	 nul[] = "a ssh-ed25519 AA\0AA\nb ssh-ed25519 " KEY "\n";

	kh = known_hosts_parse(nul, sizeof nul - 1);
	CHECK(kh->nlines == 1 && kh->nskipped == 1);
	if (kh->nlines == 1)
		CHECK(kh->lines[0][0] == 'b');
	known_hosts_free(kh);

	big = xmalloc(n + 64);
	memset(big, 'x', n);
	memcpy(big + n, "\nok ssh-ed25519 K\n", 18);
	kh = known_hosts_parse(big, n + 18);
	CHECK(kh->nlines == 1 && kh->nskipped == 1);
	known_hosts_free(kh);
	free(big);

	kh = known_hosts_parse("", 0);
	CHECK(kh->nlines == 0 && kh->nrevoked == 0);
	known_hosts_free(kh);
	known_hosts_free(NULL);
}

/* Load: a missing file is an empty set; append adds one line, 0600. */
static void
test_files(void)
{
	char			 dir[] = "/tmp/rc-test-kh-XXXXXX", path[128], err[256];
	struct known_hosts	*kh;
	struct stat		 st;

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/known_hosts", dir);
	kh = known_hosts_load(path, err, sizeof err);
	CHECK(kh != NULL && kh->nlines == 0);
	known_hosts_free(kh);

	CHECK(known_hosts_append(path, "h1 ssh-ed25519 " KEY "\n", err,
	    sizeof err) == 0);
	CHECK(known_hosts_append(path, "h2 ssh-ed25519 " KEY "\n", err,
	    sizeof err) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	kh = known_hosts_load(path, err, sizeof err);
	CHECK(kh != NULL && kh->nlines == 2);
	if (kh != NULL && kh->nlines == 2)
		CHECK_STR(kh->lines[1], "h2 ssh-ed25519 " KEY);
	known_hosts_free(kh);

	/* a directory is a read error, with the path in the message */
	kh = known_hosts_load(dir, err, sizeof err);
	if (kh == NULL)
		CHECK(strstr(err, dir) != NULL);
	else {
		CHECK(kh->nlines == 0);	/* read() of a directory fails */
		known_hosts_free(kh);
	}
	CHECK(known_hosts_append("/nonexistent-dir/kh", "x\n", err,
	    sizeof err) == -1);
	CHECK(strstr(err, "/nonexistent-dir/kh") != NULL);
	unlink(path);
	rmdir(dir);
}

/* The line accept-new appends: bare host on 22, [host]:port elsewhere,
 * and it reads back as a plain entry for that host only. */
static void
test_learn_line(void)
{
	struct known_hosts	*kh;
	char			*l22, *l2222;

	l22 = ssh_hostkey_line("127.0.1.1", 22, "ssh-ed25519", KEY);
	l2222 = ssh_hostkey_line("127.0.1.1", 2222, "ssh-ed25519", KEY);
	CHECK_STR(l22, "127.0.1.1 ssh-ed25519 " KEY "\n");
	CHECK_STR(l2222, "[127.0.1.1]:2222 ssh-ed25519 " KEY "\n");
	kh = known_hosts_parse(l2222, strlen(l2222));
	CHECK(kh->nlines == 1);
	CHECK(known_hosts_match("[127.0.1.1]:2222", "127.0.1.1", 2222));
	CHECK(!known_hosts_match("[127.0.1.1]:2222", "127.0.1.1", 22));
	known_hosts_free(kh);
	free(l22);
	free(l2222);
}

int
main(void)
{
	test_learn_line();
	test_plain();
	test_markers();
	test_lookup();
	test_match();
	test_hostile();
	test_files();
	TEST_MAIN_END();
}
