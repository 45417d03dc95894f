/* kernel: uname fields, one per line. */
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"

/* Fact keys for the lines of `uname -s; uname -r; uname -v; uname -m`. */
static const char *const kernel_keys[] = {
	"kernel.name", "kernel.release", "kernel.version", "kernel.machine",
};
#define KERNEL_NKEYS	(sizeof kernel_keys / sizeof kernel_keys[0])

/* Parse four lines; fewer means the output was cut. The command reads
 * name, release and version from /proc/sys/kernel with the shell's `read`
 * (what uname(2) returns, without an exec each) and execs uname -m alone. */
static enum coll_status
kernel_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, line, lines[KERNEL_NKEYS];
	struct lineiter	 it;
	enum coll_status st;
	size_t		 n = 0;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	lines_init(&it, text);
	while (n < KERNEL_NKEYS && lines_next(&it, &line))
		lines[n++] = span_trim(line);
	if (n < KERNEL_NKEYS) {
		perr(err, errlen, "expected %zu lines from uname, got %zu",
		    KERNEL_NKEYS, n);
		return COLL_PARSE_ERROR;
	}
	if (lines[0].n == 0 || lines[1].n == 0 || span_has(lines[1], ' ')) {
		perr(err, errlen, "uname: empty name or malformed release");
		return COLL_PARSE_ERROR;
	}
	for (n = 0; n < KERNEL_NKEYS; n++)
		fact_span(f, kernel_keys[n], lines[n]);
	return COLL_OK;
}

const struct collector collector_kernel = {
	"kernel",
	"LC_ALL=C; export LC_ALL\n"
	"k=/proc/sys/kernel\n"
	"if IFS= read -r s <$k/ostype && IFS= read -r r <$k/osrelease && "
	"IFS= read -r v <$k/version; then\n"
	"printf '%s\\n%s\\n%s\\n' \"$s\" \"$r\" \"$v\"; uname -m\n"
	"else uname -s; uname -r; uname -v; uname -m; fi\n",
	kernel_parse,
	"uname: kernel name, release, version, machine",
};
