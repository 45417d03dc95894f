/* erofs_shim: an LD_PRELOAD library for tests that turns one database
 * read-only under a running process, as a file system remounted read-only
 * after an error does (Linux will not `mount -o remount,ro` while a file is
 * open for writing, so a tmpfs cannot do it).
 *
 *   RC_EROFS_DB       the database's absolute, resolved path
 *   RC_EROFS_TRIGGER  while this file exists, write, pwrite, pwrite64,
 *                     writev, pwritev, fsync, fdatasync, ftruncate and
 *                     ftruncate64 on a descriptor open on the database, its
 *                     -wal or -journal fail with EROFS (the -shm is left
 *                     alone: it is memory shared between connections)
 *   RC_EROFS_COUNT    optional: a file kept as "passed N failed M", the
 *                     calls on those descriptors, so a test can tell that
 *                     the calls really came through here
 *
 * SQLite resolves pwrite64 and the rest into its own system call table
 * when it is loaded; those are ordinary dynamic symbol references, bound
 * to the first definition in load order, which is this library. */
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long	 shim_passed;	/* calls on the database let through */
static unsigned long	 shim_failed;	/* calls failed with EROFS */

/* The next definition of a symbol (libc's), or abort: a test tool that
 * cannot forward would only produce confusing results. */
static void *
shim_next(const char *name)
{
	void	*fn;

	if ((fn = dlsym(RTLD_NEXT, name)) == NULL) {
		fprintf(stderr, "erofs_shim: no next %s\n", name);
		abort();
	}
	return fn;
}

/* Does fd refer to the database, its -wal or its -journal? */
static int
shim_is_db(int fd)
{
	const char	*db;
	char		 link[64], path[PATH_MAX];
	ssize_t		 n;
	size_t		 len;

	if ((db = getenv("RC_EROFS_DB")) == NULL || fd < 0)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof path - 1)) <= 0)
		return 0;
	path[n] = '\0';
	len = strlen(db);
	if (strncmp(path, db, len) != 0)
		return 0;
	return path[len] == '\0' || strcmp(path + len, "-wal") == 0 ||
	    strcmp(path + len, "-journal") == 0;
}

/* Rewrite the count file in place (fixed width, so no truncation). */
static void
shim_count(void)
{
	static ssize_t	(*next_pwrite)(int, const void *, size_t, off_t);
	const char	*file;
	char		 line[64];
	int		 fd, len;

	if ((file = getenv("RC_EROFS_COUNT")) == NULL)
		return;
	if (next_pwrite == NULL)
		next_pwrite = shim_next("pwrite");
	len = snprintf(line, sizeof line, "passed %10lu failed %10lu\n",
	    __atomic_load_n(&shim_passed, __ATOMIC_RELAXED),
	    __atomic_load_n(&shim_failed, __ATOMIC_RELAXED));
	if ((fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return;
	(void)next_pwrite(fd, line, (size_t)len, 0);
	close(fd);
}

/* Should this call on fd fail? Counts the calls on the database. */
static int
shim_fail(int fd)
{
	const char	*trigger;
	int		 saved = errno, fail;

	if (!shim_is_db(fd)) {
		errno = saved;
		return 0;
	}
	trigger = getenv("RC_EROFS_TRIGGER");
	fail = trigger != NULL && access(trigger, F_OK) == 0;
	__atomic_add_fetch(fail ? &shim_failed : &shim_passed, 1,
	    __ATOMIC_RELAXED);
	shim_count();
	errno = fail ? EROFS : saved;
	return fail;
}

/* write(2) on the database fails while read-only. */
ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t	(*next)(int, const void *, size_t);

	if (next == NULL)
		next = shim_next("write");
	return shim_fail(fd) ? -1 : next(fd, buf, n);
}

/* pwrite(2) on the database fails while read-only. */
ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t	(*next)(int, const void *, size_t, off_t);

	if (next == NULL)
		next = shim_next("pwrite");
	return shim_fail(fd) ? -1 : next(fd, buf, n, off);
}

/* pwrite64(2) on the database fails while read-only. */
ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	static ssize_t	(*next)(int, const void *, size_t, off64_t);

	if (next == NULL)
		next = shim_next("pwrite64");
	return shim_fail(fd) ? -1 : next(fd, buf, n, off);
}

/* writev(2) on the database fails while read-only. */
ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	static ssize_t	(*next)(int, const struct iovec *, int);

	if (next == NULL)
		next = shim_next("writev");
	return shim_fail(fd) ? -1 : next(fd, iov, iovcnt);
}

/* pwritev(2) on the database fails while read-only. */
ssize_t
pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	static ssize_t	(*next)(int, const struct iovec *, int, off_t);

	if (next == NULL)
		next = shim_next("pwritev");
	return shim_fail(fd) ? -1 : next(fd, iov, iovcnt, off);
}

/* fsync(2) on the database fails while read-only. */
int
fsync(int fd)
{
	static int	(*next)(int);

	if (next == NULL)
		next = shim_next("fsync");
	return shim_fail(fd) ? -1 : next(fd);
}

/* fdatasync(2) on the database fails while read-only. */
int
fdatasync(int fd)
{
	static int	(*next)(int);

	if (next == NULL)
		next = shim_next("fdatasync");
	return shim_fail(fd) ? -1 : next(fd);
}

/* ftruncate(2) on the database fails while read-only. */
int
ftruncate(int fd, off_t len)
{
	static int	(*next)(int, off_t);

	if (next == NULL)
		next = shim_next("ftruncate");
	return shim_fail(fd) ? -1 : next(fd, len);
}

/* ftruncate64(2) on the database fails while read-only. */
int
ftruncate64(int fd, off64_t len)
{
	static int	(*next)(int, off64_t);

	if (next == NULL)
		next = shim_next("ftruncate64");
	return shim_fail(fd) ? -1 : next(fd, len);
}
