/* users: local accounts (/etc/passwd only: directory services may be huge
 * or slow) whose shell allows a login. Facts users.count, users.names and
 * users.<name>.uid/.gid/.home/.shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* Shells (by last path component) that mean "no login". */
static const char *const users_nologin[] = {
	"nologin", "false", "sync", "halt", "shutdown",
};

/* Does this shell allow a login? An empty one means /bin/sh. */
static int
users_login_shell(struct span shell)
{
	const char	*slash;
	size_t		 i;

	while ((slash = memchr(shell.s, '/', shell.n)) != NULL) {
		shell.n -= (size_t)(slash + 1 - shell.s);
		shell.s = slash + 1;
	}
	for (i = 0; i < sizeof users_nologin / sizeof users_nologin[0]; i++)
		if (span_eq(shell, users_nologin[i]))
			return 0;
	return 1;
}

/* Add the facts of one passwd entry (7 colon-separated fields). */
static void
users_add(struct facts *f, struct span *fld, struct buf *names)
{
	static const char *const sfx[] = { "uid", "gid", "home", "shell" };
	static const int	 idx[] = { 2, 3, 5, 6 };
	char		*name, key[300];
	size_t		 i;

	name = span_key(fld[0]);
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof key, "users.%s.%s", name, sfx[i]);
		fact_span(f, key, fld[idx[i]]);
	}
	buf_printf(names, "%s%s", names->len ? "," : "", name);
	free(name);
}

/* Parse passwd(5) lines. */
static enum coll_status
users_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, line, fld[7];
	struct lineiter	 it;
	struct facts	 tmp;
	struct buf	 names = { NULL, 0, 0 };
	enum coll_status st;
	const char	*c;
	size_t		 i, n = 0, lineno = 0;
	uint64_t	 x;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	memset(&tmp, 0, sizeof tmp);
	lines_init(&it, text);
	while (lines_next(&it, &line)) {
		lineno++;
		if ((line = span_trim(line)).n == 0 || line.s[0] == '#' ||
		    line.s[0] == '+' || line.s[0] == '-')
			continue;
		for (i = 0; i < 7; i++) {
			c = memchr(line.s, ':', line.n);
			fld[i] = span_make(line.s, c != NULL ?
			    (size_t)(c - line.s) : line.n);
			if (c == NULL)
				break;
			line.n -= (size_t)(c + 1 - line.s);
			line.s = c + 1;
		}
		if (i != 6 || fld[0].n == 0 || !span_u64(fld[2], &x)) {
			perr(err, errlen, "line %zu: not a passwd entry",
			    lineno);
			facts_free(&tmp);
			buf_free(&names);
			return COLL_PARSE_ERROR;
		}
		if (!users_login_shell(fld[6]))
			continue;
		users_add(&tmp, fld, &names);
		n++;
	}
	fact_u64(f, "users.count", n);
	facts_add(f, "users.names", buf_str(&names));
	facts_move_unique(f, &tmp);
	buf_free(&names);
	return COLL_OK;
}

const struct collector collector_users = {
	"users",
	"LC_ALL=C; export LC_ALL\n"
	"if [ -r /etc/passwd ]; then cat /etc/passwd\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no readable /etc/passwd'; fi\n",
	users_parse,
	"local accounts with a login shell: uid, gid, home, shell",
};
