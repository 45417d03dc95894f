/* Parsing and evaluating --where filters; see storage/where.h. */
#include <ctype.h>
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
	char		*value, uerr[256];
	enum where_op	 op;
	size_t		 klen, n, vlen;

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
	for (vlen = strlen(p); vlen > 0 && (p[vlen - 1] == ' ' ||
	    p[vlen - 1] == '\t'); vlen--)
		;
	value = xstrndup(p, vlen);
	if (where_check_operand(op, value, uerr, sizeof uerr) == -1) {
		snprintf(err, errlen, "'%s': %s", s, uerr);
		free(value);
		return -1;
	}
	w->key = xstrndup(k, klen);
	w->op = op;
	w->value = value;
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

/* Size units (case-insensitive), after GNU dd(1) and df -B: a bare
 * letter or the IEC "iB" form is a power of 1024, the SI "B" form a power
 * of 1000, so "30G" and "30GiB" are 30*2^30 and "30GB" is 30*10^9. */
static const struct {
	const char	*name;		/* unit as typed, upper case */
	double		 mult;		/* bytes per unit */
} where_units[] = {
	{ "B", 1.0 },
	{ "K", 1024.0 }, { "KIB", 1024.0 }, { "KB", 1e3 },
	{ "M", 1048576.0 }, { "MIB", 1048576.0 }, { "MB", 1e6 },
	{ "G", 1073741824.0 }, { "GIB", 1073741824.0 }, { "GB", 1e9 },
	{ "T", 1099511627776.0 }, { "TIB", 1099511627776.0 }, { "TB", 1e12 },
	{ "P", 1125899906842624.0 }, { "PIB", 1125899906842624.0 },
	{ "PB", 1e15 },
};

/* Bytes per unit u (letters only), or 0 if u is no unit. */
static double
where_unit(const char *u)
{
	char	 up[8];
	size_t	 i, n = strlen(u);

	if (n == 0 || n >= sizeof up)
		return 0;
	for (i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)u[i]);
	for (i = 0; i < sizeof where_units / sizeof where_units[0]; i++)
		if (strcmp(up, where_units[i].name) == 0)
			return where_units[i].mult;
	return 0;
}

/* Length of the number at the start of s ([+-]d*[.d*][e[+-]d+], at least
 * one mantissa digit), 0 if there is none. strtod alone would also take
 * hex, inf and nan. */
static size_t
where_numlen(const char *s)
{
	const char	*p = s, *e;
	int		 digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (digits == 0)
		return 0;
	if (*p == 'e' || *p == 'E') {
		e = p + 1;
		if (*e == '+' || *e == '-')
			e++;
		if (isdigit((unsigned char)*e)) {
			while (isdigit((unsigned char)*e))
				e++;
			p = e;
		}
	}
	return (size_t)(p - s);
}

/* What s reads as; *v set for WNUM_NUMBER and WNUM_SIZE. */
enum where_num
where_classify(const char *s, double *v)
{
	const char	*p;
	size_t		 n;
	double		 mult;

	if (s == NULL || (n = where_numlen(s)) == 0)
		return WNUM_TEXT;
	for (p = s + n; isalpha((unsigned char)*p); p++)
		;
	if (*p != '\0')
		return WNUM_VERSION;		/* 6.1.0-18, 1:2.3, 7.9a-1 */
	if (s[n] == '\0') {
		*v = strtod(s, NULL);
		return WNUM_NUMBER;
	}
	if ((mult = where_unit(s + n)) == 0)
		return WNUM_BADUNIT;
	*v = strtod(s, NULL) * mult;
	return WNUM_SIZE;
}

/* A plain number or a size: 0 and *v, or -1. */
int
where_number(const char *s, double *v)
{
	enum where_num	 k;

	k = where_classify(s, v);
	return k == WNUM_NUMBER || k == WNUM_SIZE ? 0 : -1;
}

/* Check an operand before any value is seen: only a bad unit is wrong,
 * and only where it would be compared as a number (< <= > >=). */
int
where_check_operand(enum where_op op, const char *operand, char *err,
    size_t errlen)
{
	double	 v;
	size_t	 n;

	if (op == WOP_EQ || op == WOP_NE || op == WOP_GLOB ||
	    where_classify(operand, &v) != WNUM_BADUNIT)
		return 0;
	n = where_numlen(operand);
	snprintf(err, errlen, "unknown size unit '%s' in '%s' (B; K M G T P "
	    "or KiB..PiB: powers of 1024; KB MB GB TB PB: powers of 1000)",
	    operand + n, operand);
	return -1;
}

/* Three-way compare of value and operand for < <= > >=: 0 and *c, or -1
 * with err filled when a number is compared with what is not one. */
static int
where_order(const char *value, const char *operand, int *c, char *err,
    size_t errlen)
{
	enum where_num	 kv, ko;
	double		 x = 0, y = 0;

	if (where_check_operand(WOP_LT, operand, err, errlen) == -1)
		return -1;
	kv = where_classify(value, &x);
	ko = where_classify(operand, &y);
	if ((kv == WNUM_NUMBER || kv == WNUM_SIZE) &&
	    (ko == WNUM_NUMBER || ko == WNUM_SIZE))
		*c = x < y ? -1 : x > y;
	else if (ko == WNUM_TEXT || ko == WNUM_VERSION ||
	    (ko == WNUM_NUMBER && kv == WNUM_VERSION))
		*c = version_cmp_dpkg(value, operand);
	else {
		snprintf(err, errlen, "'%s' is not a number, cannot compare "
		    "it with %s", value, operand);
		return -1;
	}
	return 0;
}

/* Evaluate value OP operand. */
int
where_match(const char *value, enum where_op op, const char *operand,
    char *err, size_t errlen)
{
	double	 x, y;
	int	 c;

	if (value == NULL || operand == NULL)
		return 0;
	switch (op) {
	case WOP_GLOB:
		return fnmatch(operand, value, 0) == 0;
	case WOP_EQ:
	case WOP_NE:
		if (where_number(value, &x) == 0 &&
		    where_number(operand, &y) == 0)
			c = x != y;
		else
			c = strcmp(value, operand) != 0;
		return op == WOP_EQ ? c == 0 : c != 0;
	default:
		break;
	}
	if (where_order(value, operand, &c, err, errlen) == -1)
		return -1;
	switch (op) {
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
