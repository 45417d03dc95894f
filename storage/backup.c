/* `rollcall db backup`: a consistent copy of a live database. SQLite's
 * backup API copies every page in one step, so the copy is one read
 * snapshot: under WAL the writer is not blocked meanwhile, and the copy
 * holds every transaction committed before the step began. It goes to a
 * 0600 temp file beside the target, is quick_check'ed and fsync'ed, and
 * only then renamed over the target: a failed backup leaves the last good
 * one in place. The copy is in rollback-journal mode, one file. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "storage/storage.h"
#include "storage/storage_int.h"

#define BACKUP_TRIES	50	/* a busy source: 50 x 100 ms */
#define BACKUP_KEEP_MAX	1000	/* --keep bound */

/* The directory that holds path, for fsync after a rename. */
static void
backup_sync_dir(const char *path)
{
	char	*dir = db_dir(path);
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Copy every page of src into the file tmp in one step, retrying while
 * the source is busy. Returns 0, or -1 with err filled. */
static int
backup_copy(struct db *src, const char *tmp, char *err, size_t errlen)
{
	sqlite3		*dst = NULL;
	sqlite3_backup	*b;
	int		 rc, i;

	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, dst != NULL ?
		    sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	rc = SQLITE_BUSY;
	for (i = 0; i < BACKUP_TRIES && (rc == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED); i++) {
		if (i > 0)
			usleep(100 * 1000);
		if ((b = sqlite3_backup_init(dst, "main", src->db, "main")) ==
		    NULL) {
			rc = sqlite3_errcode(dst);
			break;
		}
		rc = sqlite3_backup_step(b, -1);
		sqlite3_backup_finish(b);
	}
	if (rc == SQLITE_DONE)
		rc = sqlite3_errcode(dst);
	/* A copy in rollback mode is one self-contained file: no -wal or
	 * -shm beside it. The writer turns WAL on again after a restore. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL,
		    NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "copying %s: %s", src->path,
		    sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(dst));
		return -1;
	}
	return 0;
}

/* The copy, opened again: quick_check it and read its newest finished
 * sweep. Returns 0, or -1 with err filled. */
static int
backup_verify(const char *tmp, struct db_backup_info *info, char *err,
    size_t errlen)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st;
	char		 e[256];
	int		 rc = -1;

	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		snprintf(err, errlen, "the copy: %s", db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
	else if (dbcheck_quick(db, e, sizeof e) != DBF_NONE)
		snprintf(err, errlen, "the copy fails its check: %s (is the "
		    "source sound? run 'rollcall db check')", e);
	else
		rc = 0;
	if (rc == 0 && sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) "
	    "FROM sweeps WHERE ended_at IS NOT NULL", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			info->last_sweep = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return rc;
}

/* fsync the copy's data before it takes the target's name. */
static int
backup_fsync(const char *tmp, struct db_backup_info *info, char *err,
    size_t errlen)
{
	struct stat	 sb;
	int		 fd, rc = 0;

	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1 ||
	    fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		rc = -1;
	} else
		info->bytes = sb.st_size;
	if (fd != -1)
		close(fd);
	return rc;
}

/* dst.(keep-1) -> dst.keep, ..., dst -> dst.1: room for the new copy. */
static int
backup_rotate(const char *dst, int keep, struct db_backup_info *info,
    char *err, size_t errlen)
{
	char	*from, *to;
	int	 i, rc = 0;

	for (i = keep; i >= 1 && rc == 0; i--) {
		if (i == 1)
			from = xstrdup(dst);
		else
			xasprintf(&from, "%s.%d", dst, i - 1);
		xasprintf(&to, "%s.%d", dst, i);
		if (rename(from, to) == 0)
			info->rotated++;
		else if (errno != ENOENT) {
			snprintf(err, errlen, "rotating %s to %s: %s", from, to,
			    strerror(errno));
			rc = -1;
		}
		free(from);
		free(to);
	}
	return rc;
}

/* Is dst the very file src is? Copying a database onto itself would
 * destroy it. */
static int
backup_same_file(const char *src, const char *dst)
{
	struct stat	 a, b;

	return stat(src, &a) == 0 && stat(dst, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A 0600 temp file beside dst; caller frees the name. */
static char *
backup_tmpfile(const char *dst, char *err, size_t errlen)
{
	char	*tmp;
	int	 fd;

	xasprintf(&tmp, "%s.tmp-XXXXXX", dst);
	if ((fd = mkstemp(tmp)) == -1) {	/* mode 0600 */
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

/* Copy, check, sync, rotate, rename. */
int
db_backup(const char *src, const char *dst, int keep,
    struct db_backup_info *info, char *err, size_t errlen)
{
	struct db	*d;
	char		*tmp, *journal;
	int64_t		 t0 = mono_ms();
	int		 rc = -1;

	memset(info, 0, sizeof *info);
	if (keep < 0 || keep > BACKUP_KEEP_MAX) {
		snprintf(err, errlen, "--keep: %d is not in 0..%d", keep,
		    BACKUP_KEEP_MAX);
		return -1;
	}
	if (backup_same_file(src, dst)) {
		snprintf(err, errlen, "%s is the database itself", dst);
		return -1;
	}
	if ((d = db_open_ro_fault(src, &info->fault, err, errlen)) == NULL)
		return -1;
	if ((tmp = backup_tmpfile(dst, err, errlen)) == NULL) {
		db_close(d);
		return -1;
	}
	if (backup_copy(d, tmp, err, errlen) == 0 &&
	    backup_verify(tmp, info, err, errlen) == 0 &&
	    backup_fsync(tmp, info, err, errlen) == 0 &&
	    backup_rotate(dst, keep, info, err, errlen) == 0) {
		if (rename(tmp, dst) == 0) {
			backup_sync_dir(dst);
			rc = 0;
		} else
			snprintf(err, errlen, "renaming %s to %s: %s", tmp,
			    dst, strerror(errno));
	}
	db_close(d);
	if (rc == -1) {
		unlink(tmp);
		xasprintf(&journal, "%s-journal", tmp);
		unlink(journal);
		free(journal);
	}
	free(tmp);
	info->took_ms = mono_ms() - t0;
	return rc;
}
