/* disks: whole block devices of type disk from lsblk, else /sys/block.
 * Loop, RAM and zram devices and empty (size 0) drives are left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* One device line: KEY="value" pairs as `lsblk -P` prints them. */
struct disk {
	struct span	 name;		/* NAME */
	struct span	 type;		/* TYPE */
	struct span	 size;		/* SIZE in bytes, or SIZE512 sectors */
	struct span	 rota;		/* ROTA: 1 rotational, 0 not */
	struct span	 model;		/* MODEL, may hold \xHH escapes */
	int		 sectors;	/* size is in 512-byte sectors */
};

/* Split one lsblk -P line into its fields; 0 if it is not one. */
static int
disk_line(struct span line, struct disk *d)
{
	struct span	 k, v;
	size_t		 i = 0, ks, vs;

	memset(d, 0, sizeof *d);
	while (i < line.n) {
		while (i < line.n && line.s[i] == ' ')
			i++;
		for (ks = i; i < line.n && line.s[i] != '='; i++)
			;
		if (i + 1 >= line.n || line.s[i + 1] != '"')
			return 0;
		k = span_make(line.s + ks, i - ks);
		for (vs = i += 2; i < line.n && line.s[i] != '"'; i++)
			if (line.s[i] == '\\')
				i++;
		if (i >= line.n)
			return 0;
		v = span_make(line.s + vs, i - vs);
		i++;
		if (span_eq(k, "NAME"))
			d->name = v;
		else if (span_eq(k, "TYPE"))
			d->type = v;
		else if (span_eq(k, "SIZE"))
			d->size = v;
		else if (span_eq(k, "SIZE512")) {
			d->size = v;
			d->sectors = 1;
		} else if (span_eq(k, "ROTA"))
			d->rota = v;
		else if (span_eq(k, "MODEL"))
			d->model = v;
	}
	return d->name.n > 0;
}

/* Undo lsblk's \xHH escapes and trim; caller frees. */
static char *
disk_unescape(struct span v)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 i;
	char		 c, *s, hex[3] = { 0, 0, 0 };

	for (i = 0; i < v.n; i++) {
		c = v.s[i];
		if (c == '\\' && i + 3 < v.n && v.s[i + 1] == 'x') {
			hex[0] = v.s[i + 2];
			hex[1] = v.s[i + 3];
			c = (char)strtol(hex, NULL, 16);
			i += 3;
		}
		buf_append(&b, &c, 1);
	}
	s = span_dup(span_trim(span_make(buf_str(&b), b.len)));
	buf_free(&b);
	return s;
}

/* Add the facts of one disk; 0 if it is not one we report. */
static int
disk_add(struct facts *f, const struct disk *d, struct buf *names)
{
	uint64_t	 size;
	char		*name, *model, key[300];

	if (!span_eq(d->type, "disk") || span_prefix(d->name, "zram") ||
	    !span_u64(d->size, &size) || size == 0 ||
	    (d->sectors && !u64_mul(size, 512, &size)))
		return 0;
	name = span_key(d->name);
	model = disk_unescape(d->model);
	snprintf(key, sizeof key, "disks.%s.size_bytes", name);
	fact_u64(f, key, size);
	snprintf(key, sizeof key, "disks.%s.type", name);
	fact_span(f, key, d->type);
	snprintf(key, sizeof key, "disks.%s.model", name);
	facts_add(f, key, model);
	snprintf(key, sizeof key, "disks.%s.rotational", name);
	facts_add(f, key, span_eq(d->rota, "1") ? "yes" :
	    span_eq(d->rota, "0") ? "no" : "unknown");
	buf_printf(names, "%s%s", names->len ? "," : "", name);
	free(name);
	free(model);
	return 1;
}

/* Parse lsblk -d -b -P lines (or the sysfs stand-in with SIZE512). */
static enum coll_status
disks_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, line;
	struct lineiter	 it;
	struct disk	 d;
	struct facts	 tmp;
	struct buf	 names = { NULL, 0, 0 };
	enum coll_status st;
	size_t		 n = 0, lines = 0;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	memset(&tmp, 0, sizeof tmp);
	lines_init(&it, text);
	while (lines_next(&it, &line)) {
		if (span_trim(line).n == 0)
			continue;
		if (!disk_line(span_trim(line), &d)) {
			perr(err, errlen, "line %zu: not NAME=\"...\" pairs",
			    lines + 1);
			facts_free(&tmp);
			buf_free(&names);
			return COLL_PARSE_ERROR;
		}
		lines++;
		n += disk_add(&tmp, &d, &names);
	}
	fact_u64(f, "disks.count", n);
	facts_add(f, "disks.names", buf_str(&names));
	facts_move_unique(f, &tmp);
	buf_free(&names);
	return COLL_OK;
}

const struct collector collector_disks = {
	"disks",
	"LC_ALL=C; export LC_ALL\n"
	"if command -v lsblk >/dev/null 2>&1 && "
	"lsblk -d -b -P -o NAME,TYPE,SIZE,ROTA,MODEL 2>/dev/null; then :\n"
	"elif [ -d /sys/block ]; then\n"
	"for d in /sys/block/*; do\n"
	"if [ -r \"$d/size\" ]; then\n"
	"n=${d##*/}; s=; r=; m=\n"
	"read -r s 2>/dev/null <\"$d/size\"\n"
	"if [ -r \"$d/queue/rotational\" ]; then "
	"read -r r <\"$d/queue/rotational\"; fi\n"
	"if [ -r \"$d/device/model\" ]; then "
	"read -r m <\"$d/device/model\"; fi\n"
	"case $n in loop*) t=loop ;; sr*) t=rom ;; dm-*) t=lvm ;; "
	"md*) t=raid ;; ram*) t=ram ;; *) t=disk ;; esac\n"
	"printf 'NAME=\"%s\" TYPE=\"%s\" SIZE512=\"%s\" ROTA=\"%s\" "
	"MODEL=\"%s\"\\n' \"$n\" \"$t\" \"$s\" \"$r\" \"$m\"\n"
	"fi\n"
	"done\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no lsblk and no /sys/block'; "
	"fi\n",
	disks_parse,
	"whole disks: count, size, type, model, rotational",
};
