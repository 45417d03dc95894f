/* known_hosts pre-parsing: plain lines for libssh2, @revoked keys for us. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
		/* @revoked hosts keytype key: keep the key blob */
		for (i = 0; i < 3; i++)
			if (kh_field(&p, end, &f, &flen) != 0)
				break;
		if (i == 3) {
			kh_push(&kh->revoked, &kh->nrevoked, f, flen);
			return;
		}
	}
	kh->nskipped++;		/* @cert-authority, unknown or malformed */
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

/* Is this key blob listed as @revoked? */
int
known_hosts_is_revoked(const struct known_hosts *kh, const char *b64)
{
	size_t	 i;

	for (i = 0; i < kh->nrevoked; i++)
		if (strcmp(kh->revoked[i], b64) == 0)
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
	for (i = 0; i < kh->nrevoked; i++)
		free(kh->revoked[i]);
	free(kh->lines);
	free(kh->revoked);
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
