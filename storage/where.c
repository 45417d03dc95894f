/* Parsing and evaluating --where filters; see storage/where.h. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "storage/version.h"
#include "storage/where.h"

/* Operators, longest first so "<=" wins over "<". */
static const struct {
	const char	*text;		/* as typed */
	enum where_op	 op;
} where_ops[] = {
	{ "!=", WOP_NE }, { "<=", WOP_LE }, { ">=", WOP_GE },
	{ "==", WOP_EQ }, { "=", WOP_EQ }, { "<", WOP_LT }, { ">", WOP_GT },
	{ "~", WOP_GLOB },
};

/* Canonical spelling per operator. */
static const char *const where_op_names[WOP_MAX] = {
	"=", "!=", "<", "<=", ">", ">=", "~",
};

/* Can c be part of a fact key? */
static int
key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Length of the operator at s, 0 if none. */
size_t
where_op_parse(const char *s, enum where_op *op)
{
	size_t	 i, n;

	for (i = 0; i < sizeof where_ops / sizeof where_ops[0]; i++) {
		n = strlen(where_ops[i].text);
		if (strncmp(s, where_ops[i].text, n) == 0) {
			*op = where_ops[i].op;
			return n;
		}
	}
	return 0;
}

/* Canonical text of an operator. */
const char *
where_op_str(enum where_op op)
{
	return op >= 0 && op < WOP_MAX ? where_op_names[op] : "?";
}

/* Operator from its canonical text, or -1. */
int
where_op_from_str(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < WOP_MAX; i++)
		if (strcmp(s, where_op_names[i]) == 0)
			return i;
	return -1;
}

/* Parse "KEY OP VALUE". */
int
where_parse(const char *s, struct where *w, char *err, size_t errlen)
{
	const char	*k, *p;
	enum where_op	 op;
	size_t		 klen, n;

	for (k = s; *k == ' ' || *k == '\t'; k++)
		;
	for (p = k; key_char((unsigned char)*p); p++)
		;
	if ((klen = (size_t)(p - k)) == 0) {
		snprintf(err, errlen, "'%s': expected KEY OP VALUE, e.g. "
		    "os.id=debian", s);
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if ((n = where_op_parse(p, &op)) == 0) {
		snprintf(err, errlen, "'%s': after the key '%.*s' expected "
		    "one of = != < <= > >= ~", s, (int)klen, k);
		return -1;
	}
	for (p += n; *p == ' ' || *p == '\t'; p++)
		;
	w->key = xstrndup(k, klen);
	w->op = op;
	w->value = xstrdup(p);
	return 0;
}

/* Free what where_parse allocated. */
void
where_free(struct where *w)
{
	free(w->key);
	free(w->value);
	w->key = w->value = NULL;
}

/* A decimal number with an optional binary K/M/G/T suffix. */
int
where_number(const char *s, double *v)
{
	static const char	 sfx[] = "KMGT";
	const char		*p = s, *q;
	char			*end;
	double			 d;
	int			 digits = 0, u;
	long			 i;

	if (s == NULL)
		return -1;
	/* strtod also takes hex, inf and nan: accept only [+-]d*[.d*] */
	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (digits == 0)
		return -1;
	d = strtod(s, &end);
	if (end != p)
		return -1;
	if (*p != '\0') {
		u = (unsigned char)*p & ~0x20;	/* upper case */
		if (p[1] != '\0' || u == 0 || (q = strchr(sfx, u)) == NULL)
			return -1;
		for (i = 0; i <= q - sfx; i++)
			d *= 1024.0;
	}
	*v = d;
	return 0;
}

/* Evaluate value OP operand. */
int
where_match(const char *value, enum where_op op, const char *operand)
{
	double	 x, y;
	int	 c;

	if (value == NULL || operand == NULL)
		return 0;
	if (op == WOP_GLOB)
		return fnmatch(operand, value, 0) == 0;
	if (where_number(value, &x) == 0 && where_number(operand, &y) == 0)
		c = x < y ? -1 : x > y;
	else if (op == WOP_EQ || op == WOP_NE)
		c = strcmp(value, operand) != 0;
	else
		c = version_cmp_dpkg(value, operand);
	switch (op) {
	case WOP_EQ:
		return c == 0;
	case WOP_NE:
		return c != 0;
	case WOP_LT:
		return c < 0;
	case WOP_LE:
		return c <= 0;
	case WOP_GT:
		return c > 0;
	case WOP_GE:
		return c >= 0;
	default:
		return 0;
	}
}
