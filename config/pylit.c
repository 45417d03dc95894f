/* A value of an INI inventory, typed the way Ansible types it: Python's
 * ast.literal_eval() when the text is a Python literal (1 -> int, "x" ->
 * str, True, None, [..], (..), {..}), else the text itself. Written as the
 * JSON ansible-inventory prints. Bounded depth; nothing is evaluated. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

#define PYLIT_MAX_DEPTH	32	/* nesting of lists, tuples, dicts */

/* Parser state over one value. */
struct pylit {
	const char	*p;		/* next character */
	int		 depth;		/* open brackets */
	int		 isstr;		/* the top-level value is a string */
	struct buf	 str;		/* the top-level string's text */
};

static int	pylit_expr(struct pylit *, struct buf *, int top);

/* Skip spaces, tabs, newlines and # comments. */
static void
pylit_ws(struct pylit *pl)
{
	for (;;) {
		while (*pl->p == ' ' || *pl->p == '\t' || *pl->p == '\n' ||
		    *pl->p == '\r' || *pl->p == '\f')
			pl->p++;
		if (*pl->p != '#')
			return;
		while (*pl->p != '\0' && *pl->p != '\n')
			pl->p++;
	}
}

/* Digits with single underscores between them, in a base. */
static int
pylit_digits(const char **p, int base, struct buf *out)
{
	int	 n = 0;
	char	 c;

	for (;;) {
		c = (char)tolower((unsigned char)**p);
		if ((base == 16 && isxdigit((unsigned char)c)) ||
		    (base != 16 && c >= '0' && c < '0' + base)) {
			buf_append(out, &c, 1);
			(*p)++;
			n++;
		} else if (c == '_' && n > 0 && (isalnum((unsigned char)(*p)[1])))
			(*p)++;
		else
			return n;
	}
}

/* A Python int or float literal, optionally signed. */
static int
pylit_number(struct pylit *pl, struct buf *out)
{
	struct buf	 t = { 0 };
	const char	*p = pl->p;
	int		 base = 10, isfloat = 0, rc = -1;
	double		 d;

	if (*p == '-' || *p == '+')
		buf_append(&t, p++, 1);
	if (p[0] == '0' && strchr("xXoObB", p[1]) && p[1] != '\0') {
		base = tolower((unsigned char)p[1]) == 'x' ? 16 :
		    tolower((unsigned char)p[1]) == 'o' ? 8 : 2;
		p += 2;
		if (*p == '_')
			p++;
		if (pylit_digits(&p, base, &t) == 0)
			goto out;
	} else {
		if (pylit_digits(&p, 10, &t) == 0 && *p != '.')
			goto out;
		if (*p == '.') {
			isfloat = 1;
			buf_append(&t, p++, 1);
			pylit_digits(&p, 10, &t);
		}
		if (*p == 'e' || *p == 'E') {
			isfloat = 1;
			buf_append(&t, "e", 1);
			p++;
			if (*p == '+' || *p == '-')
				buf_append(&t, p++, 1);
			if (pylit_digits(&p, 10, &t) == 0)
				goto out;
		}
	}
	if (isalnum((unsigned char)*p) || *p == '_' || *p == '.' ||
	    strcmp(buf_str(&t), ".") == 0)
		goto out;
	if (!isfloat && base == 10) {
		const char *d0 = buf_str(&t) + (buf_str(&t)[0] == '-' ||
		    buf_str(&t)[0] == '+');
		if (d0[0] == '0' && strspn(d0, "0") != strlen(d0))
			goto out;	/* 0123 is a syntax error */
		buf_printf(out, "%s", buf_str(&t) + (buf_str(&t)[0] == '+'));
	} else if (!isfloat)
		buf_printf(out, "%lld", strtoll(buf_str(&t), NULL, base) *
		    (buf_str(&t)[0] == '-' ? -1 : 1));
	else {
		d = strtod(buf_str(&t), NULL);
		if (isinf(d))
			buf_printf(out, "%sInfinity", d < 0 ? "-" : "");
		else
			cfg_json_double(out, d);
	}
	pl->p = p;
	rc = 0;
out:
	buf_free(&t);
	return rc;
}

/* One backslash escape of a non-raw string. */
static void
pylit_escape(const char **p, struct buf *s)
{
	static const char from[] = "ntr0abfv\\'\"";
	static const char to[] = "\n\t\r\0\a\b\f\v\\'\"";
	const char	*c = strchr(from, **p);
	char		 hex[3] = { 0 }, ch;

	if (**p == '\n') {
		(*p)++;
		return;
	}
	if (**p == 'x' && isxdigit((unsigned char)(*p)[1]) &&
	    isxdigit((unsigned char)(*p)[2])) {
		memcpy(hex, *p + 1, 2);
		ch = (char)strtol(hex, NULL, 16);
		buf_append(s, &ch, 1);
		*p += 3;
	} else if (c != NULL && **p != '\0') {
		buf_append(s, &to[c - from], 1);
		(*p)++;
	} else {
		buf_append(s, "\\", 1);
	}
}

/* A string literal with an optional prefix (r, b, u); adjacent literals
 * concatenate, as in Python. */
static int
pylit_string(struct pylit *pl, struct buf *s)
{
	const char	*p = pl->p;
	char		 q;
	int		 raw = 0, triple, n = 0;

	for (;;) {
		raw = 0;
		while (strchr("rRbBuU", *p) && *p != '\0') {
			raw |= *p == 'r' || *p == 'R';
			p++;
		}
		if (*p != '\'' && *p != '"')
			return n > 0 ? 0 : -1;
		q = *p;
		triple = p[1] == q && p[2] == q;
		p += triple ? 3 : 1;
		for (;;) {
			if (*p == '\0' || (!triple && *p == '\n'))
				return -1;
			if (*p == q && (!triple || (p[1] == q && p[2] == q)))
				break;
			if (*p == '\\' && !raw) {
				p++;
				pylit_escape(&p, s);
			} else if (*p == '\\') {
				buf_append(s, p, p[1] != '\0' ? 2 : 1);
				p += p[1] != '\0' ? 2 : 1;
			} else
				buf_append(s, p++, 1);
		}
		p += triple ? 3 : 1;
		n++;
		pl->p = p;
		pylit_ws(pl);
		p = pl->p;
		if (!(*p == '\'' || *p == '"' || ((*p == 'r' || *p == 'b' ||
		    *p == 'u' || *p == 'R' || *p == 'B' || *p == 'U') &&
		    (p[1] == '\'' || p[1] == '"'))))
			return 0;
	}
}

/* [a, b], (a, b) or {k: v}: a comma list up to the closing bracket. */
static int
pylit_seq(struct pylit *pl, struct buf *out, char close)
{
	int	 n = 0, comma = 0;

	if (++pl->depth > PYLIT_MAX_DEPTH)
		return -1;
	buf_append(out, close == '}' ? "{" : "[", 1);
	pl->p++;
	for (;;) {
		pylit_ws(pl);
		if (*pl->p == close)
			break;
		if (n > 0 && !comma)
			return -1;
		if (n > 0)
			buf_append(out, ",", 1);
		if (close == '}') {
			struct buf k = { 0 };
			if (pylit_expr(pl, &k, 0) == -1) {
				buf_free(&k);
				return -1;
			}
			if (buf_str(&k)[0] == '"')
				buf_append(out, k.data, k.len);
			else
				cfg_json_string(out, k.data, k.len);
			buf_free(&k);
			pylit_ws(pl);
			if (*pl->p++ != ':')
				return -1;
			buf_append(out, ":", 1);
		}
		if (pylit_expr(pl, out, 0) == -1)
			return -1;
		n++;
		pylit_ws(pl);
		comma = *pl->p == ',';
		if (comma)
			pl->p++;
	}
	if (close == ')' && n == 1 && !comma)
		return -1;	/* (x) is not a tuple; keep it simple */
	if (close == '}' && n == 0 && comma)
		return -1;
	pl->p++;
	pl->depth--;
	buf_append(out, close == '}' ? "}" : "]", 1);
	return 0;
}

/* One literal. */
static int
pylit_expr(struct pylit *pl, struct buf *out, int top)
{
	static const struct { const char *w; const char *json; } words[] = {
		{ "True", "true" }, { "False", "false" }, { "None", "null" },
	};
	struct buf	 s = { 0 };
	size_t		 i, len;

	pylit_ws(pl);
	for (i = 0; i < 3; i++) {
		len = strlen(words[i].w);
		if (strncmp(pl->p, words[i].w, len) == 0 &&
		    !isalnum((unsigned char)pl->p[len]) && pl->p[len] != '_') {
			pl->p += len;
			buf_printf(out, "%s", words[i].json);
			return 0;
		}
	}
	if (*pl->p == '[')
		return pylit_seq(pl, out, ']');
	if (*pl->p == '(')
		return pylit_seq(pl, out, ')');
	if (*pl->p == '{')
		return pylit_seq(pl, out, '}');
	if (isdigit((unsigned char)*pl->p) || *pl->p == '.' ||
	    *pl->p == '-' || *pl->p == '+')
		return pylit_number(pl, out);
	if (pylit_string(pl, &s) == -1) {
		buf_free(&s);
		return -1;
	}
	cfg_json_string(out, s.data ? s.data : "", s.len);
	if (top) {
		pl->isstr = 1;
		buf_append(&pl->str, s.data ? s.data : "", s.len);
	}
	buf_free(&s);
	return 0;
}

/* Type one INI value: *text is what rollcall shows (a string's own text,
 * else the JSON), *json what ansible-inventory prints. Caller frees. */
void
pylit_value(const char *s, char **text, char **json)
{
	struct pylit	 pl = { 0 };
	struct buf	 out = { 0 };

	while (*s == ' ' || *s == '\t')
		s++;
	pl.p = s;
	if (pylit_expr(&pl, &out, 1) == 0 && (pylit_ws(&pl), *pl.p == '\0')) {
		*json = buf_steal(&out);
		*text = pl.isstr ? buf_steal(&pl.str) : xstrdup(*json);
		if (*text == NULL)
			*text = xstrdup("");
		buf_free(&pl.str);
		return;
	}
	buf_free(&out);
	buf_free(&pl.str);
	out = (struct buf){ 0 };
	cfg_json_string(&out, s, strlen(s));
	*json = buf_steal(&out);
	*text = xstrdup(s);
}
