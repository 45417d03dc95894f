/* filesystems: local mounted filesystems with size and use. The command
 * reads /proc/mounts and runs df only on mount points whose type is on a
 * list of local disk filesystems, so a dead NFS, CIFS or FUSE server can
 * never hang it (an allow-list: an unknown type is skipped, not risked). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* Decode the octal escapes (\040 for space) of /proc/mounts; caller
 * frees. */
static char *
fs_unescape(struct span v)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 i;
	char		 c, *s;

	for (i = 0; i < v.n; i++) {
		c = v.s[i];
		if (c == '\\' && i + 3 < v.n &&
		    v.s[i + 1] >= '0' && v.s[i + 1] <= '3' &&
		    v.s[i + 2] >= '0' && v.s[i + 2] <= '7' &&
		    v.s[i + 3] >= '0' && v.s[i + 3] <= '7') {
			c = (char)((v.s[i + 1] - '0') << 6 |
			    (v.s[i + 2] - '0') << 3 | (v.s[i + 3] - '0'));
			i += 3;
		}
		buf_append(&b, &c, 1);
	}
	s = span_dup(span_make(buf_str(&b), b.len));
	buf_free(&b);
	return s;
}

/* Total and used bytes from a `df -P -k` line: the three words before the
 * first word ending in '%' (capacity) are total, used and available; the
 * device before them and the mount point after may hold spaces. */
static int
fs_df(struct span line, uint64_t *total, uint64_t *used)
{
	struct span	 w, rest = line, win[3];
	size_t		 n = 0;

	memset(win, 0, sizeof win);
	while (span_word(&rest, &w)) {
		if (w.n > 1 && w.s[w.n - 1] == '%' && n >= 3)
			return span_u64(win[0], total) &&
			    span_u64(win[1], used) &&
			    u64_mul(*total, 1024, total) &&
			    u64_mul(*used, 1024, used);
		win[0] = win[1];
		win[1] = win[2];
		win[2] = w;
		n++;
	}
	return 0;
}

/* Parse "device TAB fstype TAB mount TAB df-line" lines. */
static enum coll_status
filesystems_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, line, fld[4];
	struct lineiter	 it;
	struct facts	 tmp;
	enum coll_status st;
	uint64_t	 total, used;
	size_t		 i, n = 0, lineno = 0;
	const char	*tab, *fields[ITEM_FIELDS];
	char		*mnt, *dev, *type, sz[24], us[24];

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	memset(&tmp, 0, sizeof tmp);
	lines_init(&it, text);
	while (lines_next(&it, &line)) {
		lineno++;
		if (span_trim(line).n == 0 || span_prefix(line, SECTION_MARK))
			continue;
		for (i = 0; i < 3; i++) {
			if ((tab = memchr(line.s, '\t', line.n)) == NULL)
				break;
			fld[i] = span_make(line.s, (size_t)(tab - line.s));
			line.n -= (size_t)(tab + 1 - line.s);
			line.s = tab + 1;
		}
		fld[3] = line;
		if (i < 3 || !fs_df(fld[3], &total, &used)) {
			perr(err, errlen, "line %zu: not device, type, mount "
			    "and a df -P line", lineno);
			facts_free(&tmp);
			return COLL_PARSE_ERROR;
		}
		dev = span_dup(fld[0]);
		type = span_dup(fld[1]);
		mnt = fs_unescape(fld[2]);
		snprintf(sz, sizeof sz, "%llu", (unsigned long long)total);
		snprintf(us, sizeof us, "%llu", (unsigned long long)used);
		memset(fields, 0, sizeof fields);
		fields[0] = mnt;
		fields[1] = dev;
		fields[2] = type;
		fields[3] = sz;
		fields[4] = us;
		facts_add_item(&tmp, ITEM_FILESYSTEM, fields);
		free(dev);
		free(type);
		free(mnt);
		n++;
	}
	fact_u64(f, "filesystems.count", n);
	facts_move_unique(f, &tmp);
	return COLL_OK;
}

/* df's second line is taken by the shell's `read` at the end of the pipe
 * (no command substitution, no sed): one fork and one exec fewer per
 * mount point. */
const struct collector collector_filesystems = {
	"filesystems",
	"LC_ALL=C; export LC_ALL\n"
	"if [ -r /proc/mounts ]; then\n"
	"echo @@filesystems; seen=' '\n"
	"while read -r dev mnt fstype rest; do\n"
	"case $fstype in\n"
	"ext2|ext3|ext4|xfs|btrfs|zfs|vfat|msdos|exfat|ntfs|ntfs3|f2fs|jfs|"
	"reiserfs|bcachefs|hfsplus|ufs|nilfs2|overlay) ;;\n"
	"*) continue ;;\n"
	"esac\n"
	"case $seen in *\" $mnt \"*) continue ;; esac\n"
	"seen=\"$seen$mnt \"\n"
	"case $mnt in\n"
	"*\\\\*) mp=$(printf '%s' \"$mnt\" | "
	"sed 's/\\\\\\([0-7][0-7][0-7]\\)/\\\\0\\1/g')\n"
	"mp=$(printf '%b' \"$mp\") ;;\n"
	"*) mp=$mnt ;;\n"
	"esac\n"
	"df -P -k -- \"$mp\" 2>/dev/null | { read -r line; line=\n"
	"IFS= read -r line\n"
	"if [ -n \"$line\" ]; then\n"
	"printf '%s\\t%s\\t%s\\t%s\\n' \"$dev\" \"$fstype\" \"$mnt\" "
	"\"$line\"; fi; }\n"
	"done </proc/mounts\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no /proc/mounts'; fi\n",
	filesystems_parse,
	"local filesystems: mount, device, type, size, used (no network fs)",
};
