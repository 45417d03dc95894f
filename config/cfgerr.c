/* Messages and paths for everything in config/: the error list every
 * loader appends to (file:line:column), text made safe to print, and paths
 * resolved against the file that names them. A leaf: it calls nothing else
 * in config/, so the loaders can all use it without an include circle. */
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

/* Append one message; past the limit, one last line says so. */
static void
cfg_verr(struct cfg_errors *errs, const char *file, int line, int col,
    const char *fmt, va_list ap)
{
	char	*msg, *full;

	if (errs->n > CFG_MAX_ERRORS)
		return;
	if (errs->n == CFG_MAX_ERRORS) {
		msg = xstrdup("too many errors; stopped reporting");
		line = 0;
	} else if (vasprintf(&msg, fmt, ap) == -1)
		msg = xstrdup("out of memory formatting an error");
	if (line > 0)
		xasprintf(&full, "%s:%d:%d: %s", file, line, col, msg);
	else
		xasprintf(&full, "%s: %s", file, msg);
	free(msg);
	errs->msgs = xreallocarray(errs->msgs, errs->n + 1,
	    sizeof *errs->msgs);
	errs->msgs[errs->n++] = full;
}

/* An error at a position; line 0 means the file as a whole. */
void
cfg_err(struct cfg_errors *errs, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cfg_verr(errs, file, line, col, fmt, ap);
	va_end(ap);
}

/* An error at a node's position. */
void
cfg_errn(struct cfg_errors *errs, const char *file, const struct ynode *n,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cfg_verr(errs, file, n ? n->line : 0, n ? n->col : 0, fmt, ap);
	va_end(ap);
}

/* Move every message of src to the end of dst; src is left empty. */
void
cfg_errors_move(struct cfg_errors *dst, struct cfg_errors *src)
{
	size_t	 i;

	for (i = 0; i < src->n; i++) {
		dst->msgs = xreallocarray(dst->msgs, dst->n + 1,
		    sizeof *dst->msgs);
		dst->msgs[dst->n++] = src->msgs[i];
	}
	free(src->msgs);
	src->msgs = NULL;
	src->n = 0;
}

/* Free the error list. */
void
cfg_errors_free(struct cfg_errors *errs)
{
	size_t	 i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* The directory part of a path ("." when there is none). Caller frees. */
char *
cfg_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* The running user's home directory: $HOME, else the password database. */
static const char *
home_dir(void)
{
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	if (home != NULL && *home != '\0')
		return home;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL)
		return pw->pw_dir;
	return "/";
}

/* "~" and "~/x" to the home directory, relative paths against dir (when
 * given). Caller frees. */
char *
cfg_expand_path(const char *path, const char *dir)
{
	char	*out;

	if (path[0] == '~' && (path[1] == '\0' || path[1] == '/'))
		xasprintf(&out, "%s%s", home_dir(), path + 1);
	else if (path[0] != '/' && dir != NULL)
		xasprintf(&out, "%s/%s", dir, path);
	else
		out = xstrdup(path);
	return out;
}

/* A copy safe to print in a message: control and non-ASCII bytes as \xNN,
 * cut after max characters. Caller frees. */
char *
cfg_printable(const char *s, size_t max)
{
	struct buf		 b = { 0 };
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++, n++) {
		if (n == max) {
			buf_printf(&b, "...");
			break;
		}
		if (*p < ' ' || *p >= 0x7f || *p == '\\')
			buf_printf(&b, "\\x%02x", *p);
		else
			buf_append(&b, p, 1);
	}
	if (b.len == 0)
		return xstrdup("");
	return buf_steal(&b);
}
