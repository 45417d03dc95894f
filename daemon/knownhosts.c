/* known_hosts pre-parsing: plain lines for libssh2, indexed by their literal
 * host names so a host's lines are found without a walk (a file of N hosts
 * would cost N comparisons per host, N^2 per sweep), @revoked keys for us.
 * An @revoked line applies to the hosts its pattern field names, matched as
 * OpenSSH does: comma-separated patterns with * and ?, negation with !,
 * [host]:port for other ports, and hashed |1|salt|hmac entries. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64.h"

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/knownhosts.h"

#define KH_MAX_SIZE	(64 * 1024 * 1024)	/* refuse larger files */
#define KH_MAX_LINE	16384			/* longer lines are skipped */

/* Add a string to a growing array. */
static void
kh_push(char ***v, size_t *n, const char *s, size_t len)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrndup(s, len);
}

/* Split off the next whitespace-separated field of [*p, end). */
static int
kh_field(const char **p, const char *end, const char **f, size_t *flen)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	*f = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	*flen = (size_t)(*p - *f);
	return *flen > 0 ? 0 : -1;
}

/* Handle one line: comment, marker line or plain entry. */
static void
kh_line(struct known_hosts *kh, const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *f;
	size_t		 flen, i;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return;
	if (len > KH_MAX_LINE || memchr(s, '\0', len) != NULL) {
		kh->nskipped++;
		return;
	}
	if (*p != '@') {
		kh_push(&kh->lines, &kh->nlines, p, (size_t)(end - p));
		return;
	}
	if (kh_field(&p, end, &f, &flen) == 0 && flen == 8 &&
	    memcmp(f, "@revoked", 8) == 0) {
		/* @revoked hosts keytype key: keep the hosts and the key */
		const char	*hosts = NULL;
		size_t		 hlen = 0;

		for (i = 0; i < 3; i++) {
			if (kh_field(&p, end, &f, &flen) != 0)
				break;
			if (i == 0) {
				hosts = f;
				hlen = flen;
			}
		}
		if (i == 3) {
			kh->revoked = xreallocarray(kh->revoked,
			    kh->nrevoked + 1, sizeof *kh->revoked);
			kh->revoked_hosts = xreallocarray(kh->revoked_hosts,
			    kh->nrevoked + 1, sizeof *kh->revoked_hosts);
			kh->revoked[kh->nrevoked] = xstrndup(f, flen);
			kh->revoked_hosts[kh->nrevoked++] = xstrndup(hosts,
			    hlen);
			return;
		}
	}
	kh->nskipped++;		/* @cert-authority, unknown or malformed */
}

/* Is the host field of this plain entry a list of literal names (no
 * pattern, negation or hash)? *hlen gets the field's length. */
static int
kh_literal(const char *line, size_t *hlen)
{
	size_t	 l = strcspn(line, " \t");

	*hlen = l;
	return l > 0 && strcspn(line, "*?!|") >= l;
}

/* Order of the index: by name, then by line. */
static int
kh_name_cmp(const void *a, const void *b)
{
	const struct kh_name	*x = a, *y = b;
	int			 c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Index the plain entries by their literal names, lowercased, so a host's
 * entries are found by a binary search instead of a walk of the file. */
static void
kh_build_index(struct known_hosts *kh)
{
	const char	*p, *c, *end;
	size_t		 i, hlen, n = 0, j;
	char		*name;

	for (i = 0; i < kh->nlines; i++)
		if (kh_literal(kh->lines[i], &hlen))
			for (j = 0, n++; j < hlen; j++)
				n += kh->lines[i][j] == ',';
	kh->names = xcalloc(n + 1, sizeof *kh->names);
	kh->generic = xcalloc(kh->nlines + 1, sizeof *kh->generic);
	for (i = 0; i < kh->nlines; i++) {
		if (!kh_literal(kh->lines[i], &hlen)) {
			kh->generic[kh->ngeneric++] = i;
			continue;
		}
		end = kh->lines[i] + hlen;
		for (p = kh->lines[i]; p < end; p = c + 1) {
			if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
				c = end;
			if (c == p)
				continue;
			name = xstrndup(p, (size_t)(c - p));
			for (j = 0; name[j] != '\0'; j++)
				name[j] = (char)tolower((unsigned char)name[j]);
			kh->names[kh->nnames].name = name;
			kh->names[kh->nnames++].line = i;
		}
	}
	qsort(kh->names, kh->nnames, sizeof *kh->names, kh_name_cmp);
}

/* Parse known_hosts text. */
struct known_hosts *
known_hosts_parse(const char *text, size_t len)
{
	struct known_hosts	*kh;
	const char		*p = text, *end = text + len, *nl;
	size_t			 l;

	kh = xcalloc(1, sizeof *kh);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l = (nl != NULL ? (size_t)(nl - p) : (size_t)(end - p));
		if (l > 0 && p[l - 1] == '\r')
			l--;
		kh_line(kh, p, l);
		p = (nl != NULL ? nl + 1 : end);
	}
	kh_build_index(kh);
	return kh;
}

/* Read a known_hosts file and parse it. */
struct known_hosts *
known_hosts_load(const char *path, char *err, size_t errlen)
{
	struct known_hosts	*kh;
	struct stat		 st;
	char			*text;
	ssize_t			 n;
	size_t			 got = 0;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return known_hosts_parse("", 0);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || st.st_size > KH_MAX_SIZE) {
		snprintf(err, errlen, "%s: %s", path, st.st_size > KH_MAX_SIZE ?
		    "file too large" : strerror(errno));
		close(fd);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	kh = known_hosts_parse(text, got);
	free(text);
	if (kh->nskipped > 0)
		log_debug("%s: %zu lines skipped (@cert-authority or "
		    "malformed)", path, kh->nskipped);
	return kh;
}

/* Glob match of a host name against one pattern (* and ?), ignoring case. */
static int
kh_glob(const char *s, const char *p, size_t plen)
{
	const char	*star = NULL, *ss = NULL, *pend = p + plen;

	while (*s != '\0') {
		if (p < pend && *p == '*') {
			star = ++p;
			ss = s;
		} else if (p < pend && (*p == '?' ||
		    tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star;
			s = ++ss;
		} else
			return 0;
	}
	while (p < pend && *p == '*')
		p++;
	return p == pend;
}

/* A hashed entry |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
static int
kh_hashed(const char *name, const char *p, size_t plen)
{
	unsigned char	 salt[128], want[128], mac[EVP_MAX_MD_SIZE];
	char		 b64[128];
	const char	*bar;
	unsigned int	 maclen = 0;
	size_t		 l;

	if (plen < 4 || memcmp(p, "|1|", 3) != 0)
		return 0;
	p += 3;
	plen -= 3;
	if ((bar = memchr(p, '|', plen)) == NULL)
		return 0;
	l = (size_t)(bar - p);
	if (l == 0 || l >= sizeof b64 || plen - l - 1 >= sizeof b64)
		return 0;
	memcpy(b64, p, l);
	b64[l] = '\0';
	/* SHA-1 sized: 20 bytes each */
	if (base64_decode(b64, l, salt, sizeof salt) != 20)
		return 0;
	l = plen - l - 1;
	memcpy(b64, bar + 1, l);
	b64[l] = '\0';
	if (base64_decode(b64, l, want, sizeof want) != 20)
		return 0;
	if (HMAC(EVP_sha1(), salt, 20, (const unsigned char *)name,
	    strlen(name), mac, &maclen) == NULL || maclen != 20)
		return 0;
	return memcmp(mac, want, 20) == 0;
}

/* Does the pattern list (a known_hosts host field) name this host? */
int
known_hosts_match(const char *patterns, const char *host, int port)
{
	char		 name[600];
	const char	*p = patterns, *c;
	size_t		 l;
	int		 neg, matched = 0;

	if (port == 22)
		snprintf(name, sizeof name, "%s", host);
	else
		snprintf(name, sizeof name, "[%s]:%d", host, port);
	for (c = name; *c != '\0'; c++)	/* ssh(1) hashes the lowercased name */
		name[c - name] = (char)tolower((unsigned char)*c);
	if (*p == '|')
		return kh_hashed(name, p, strlen(p));
	for (; *p != '\0'; p = (*c == ',' ? c + 1 : c)) {
		c = p + strcspn(p, ",");
		l = (size_t)(c - p);
		if ((neg = (l > 0 && *p == '!'))) {
			p++;
			l--;
		}
		if (l == 0 || !kh_glob(name, p, l))
			continue;
		if (neg)
			return 0;	/* a negated match vetoes the line */
		matched = 1;
	}
	return matched;
}

/* Add the lines indexed under one (lowercased) name to v. */
static void
kh_lookup_name(const struct known_hosts *kh, const char *name, size_t **v,
    size_t *n, size_t *cap)
{
	size_t	 lo = 0, hi = kh->nnames, mid;

	while (lo < hi) {	/* the first entry not below name */
		mid = lo + (hi - lo) / 2;
		if (strcmp(kh->names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < kh->nnames && strcmp(kh->names[lo].name, name) == 0;
	    lo++) {
		if (*n == *cap)
			*v = xreallocarray(*v, *cap *= 2, sizeof **v);
		(*v)[(*n)++] = kh->names[lo].line;
	}
}

/* Ascending order of line numbers. */
static int
kh_line_cmp(const void *a, const void *b)
{
	size_t	 x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Candidate entries for host:port: both name forms (libssh2 tries the
 * bare name for other ports too) plus every pattern or hash line. */
size_t
known_hosts_lookup(const struct known_hosts *kh, const char *host, int port,
    size_t **lines)
{
	char	 name[600];
	size_t	*v, n = kh->ngeneric, cap = kh->ngeneric + 4, i, k, out;

	v = xcalloc(cap, sizeof *v);
	memcpy(v, kh->generic, kh->ngeneric * sizeof *v);
	for (k = 0; k < 2; k++) {
		if (k == 0)
			snprintf(name, sizeof name, "%s", host);
		else
			snprintf(name, sizeof name, "[%s]:%d", host, port);
		for (i = 0; name[i] != '\0'; i++)
			name[i] = (char)tolower((unsigned char)name[i]);
		kh_lookup_name(kh, name, &v, &n, &cap);
	}
	qsort(v, n, sizeof *v, kh_line_cmp);
	for (i = 0, out = 0; i < n; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	*lines = v;
	return out;
}

/* Is this key blob listed as @revoked for this host? */
int
known_hosts_is_revoked(const struct known_hosts *kh, const char *host,
    int port, const char *b64)
{
	size_t	 i;

	for (i = 0; i < kh->nrevoked; i++)
		if (strcmp(kh->revoked[i], b64) == 0 &&
		    known_hosts_match(kh->revoked_hosts[i], host, port))
			return 1;
	return 0;
}

/* Free a parsed set. */
void
known_hosts_free(struct known_hosts *kh)
{
	size_t	 i;

	if (kh == NULL)
		return;
	for (i = 0; i < kh->nlines; i++)
		free(kh->lines[i]);
	for (i = 0; i < kh->nnames; i++)
		free(kh->names[i].name);
	free(kh->names);
	free(kh->generic);
	for (i = 0; i < kh->nrevoked; i++) {
		free(kh->revoked[i]);
		free(kh->revoked_hosts[i]);
	}
	free(kh->lines);
	free(kh->revoked);
	free(kh->revoked_hosts);
	free(kh);
}

/* Append a learned key with one O_APPEND write, so concurrent appends from
 * several workers never interleave. */
int
known_hosts_append(const char *path, const char *line, char *err,
    size_t errlen)
{
	int	 fd;
	size_t	 len = strlen(line);
	ssize_t	 n;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = write(fd, line, len);
	if (n != (ssize_t)len) {
		snprintf(err, errlen, "%s: short write", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
