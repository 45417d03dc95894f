/* slowdb_shim: an LD_PRELOAD library for tests that makes one database's
 * writes slow, as a saturated or network disk is, so the writer falls
 * behind the sweep (tests/integration/backpressure.sh).
 *
 *   RC_SLOW_DB   the database's absolute, resolved path
 *   RC_SLOW_US   microseconds every pwrite, pwrite64 or write on the
 *                database or its -wal sleeps before it is done
 *
 * SQLite binds pwrite64 and the rest to the first definition in load
 * order, which is this library (see erofs_shim.c). */
#include <sys/types.h>

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The next definition of a symbol (libc's), or abort. */
static void *
slow_next(const char *name)
{
	void	*fn;

	if ((fn = dlsym(RTLD_NEXT, name)) == NULL) {
		fprintf(stderr, "slowdb_shim: no next %s\n", name);
		abort();
	}
	return fn;
}

/* Sleep if fd is open on the database or its -wal. */
static void
slow_maybe(int fd)
{
	const char	*db, *us;
	char		 link[64], path[PATH_MAX];
	ssize_t		 n;
	size_t		 len;

	if ((db = getenv("RC_SLOW_DB")) == NULL ||
	    (us = getenv("RC_SLOW_US")) == NULL || fd < 0)
		return;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof path - 1)) <= 0)
		return;
	path[n] = '\0';
	len = strlen(db);
	if (strncmp(path, db, len) == 0 && (path[len] == '\0' ||
	    strcmp(path + len, "-wal") == 0))
		usleep((useconds_t)strtoul(us, NULL, 10));
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t	(*next)(int, const void *, size_t, off_t);

	if (next == NULL)
		next = slow_next("pwrite64");
	slow_maybe(fd);
	return next(fd, buf, n, off);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t	(*next)(int, const void *, size_t, off_t);

	if (next == NULL)
		next = slow_next("pwrite");
	slow_maybe(fd);
	return next(fd, buf, n, off);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t	(*next)(int, const void *, size_t);

	if (next == NULL)
		next = slow_next("write");
	slow_maybe(fd);
	return next(fd, buf, n);
}
