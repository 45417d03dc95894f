/* What a YAML value means to Ansible: PyYAML's YAML 1.1 resolvers (yes/no/
 * on/off booleans, 0x/0o/0b/sexagesimal integers, floats that need a dot,
 * ~ and null) and Ansible's tags (!vault, !unsafe), written as the JSON
 * ansible-inventory prints. Everything else in config/ keeps the text. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

#define TAG_STR		"tag:yaml.org,2002:str"
#define TAG_INT		"tag:yaml.org,2002:int"
#define TAG_FLOAT	"tag:yaml.org,2002:float"
#define TAG_BOOL	"tag:yaml.org,2002:bool"
#define TAG_NULL	"tag:yaml.org,2002:null"

enum ytype { YT_STR, YT_NULL, YT_BOOL, YT_INT, YT_FLOAT };

/* Append a JSON string literal (Python's json.dumps, ensure_ascii off). */
void
cfg_json_string(struct buf *b, const char *s, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	buf_append(b, "\"", 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_append(b, "\\n", 2);
		else if (c == '\t')
			buf_append(b, "\\t", 2);
		else if (c == '\r')
			buf_append(b, "\\r", 2);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_append(b, &s[i], 1);
	}
	buf_append(b, "\"", 1);
}

/* YAML null: an empty or ~/null plain scalar (quoted "" is a string). */
int
ynode_is_null(const struct ynode *n)
{
	if (n == NULL)
		return 1;
	if (n->kind != YN_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	    strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	    strcmp(n->str, "NULL") == 0;
}

/* Is s one of the words PyYAML reads as a boolean? Sets *v. */
static int
ybool(const char *s, int *v)
{
	static const char *const t[] = { "yes", "Yes", "YES", "true", "True",
	    "TRUE", "on", "On", "ON" };
	static const char *const f[] = { "no", "No", "NO", "false", "False",
	    "FALSE", "off", "Off", "OFF" };
	size_t	 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (strcmp(s, t[i]) == 0)
			return *v = 1;
		if (strcmp(s, f[i]) == 0) {
			*v = 0;
			return 1;
		}
	}
	return 0;
}

/* Skip characters of a set; returns how many. */
static size_t
yspan(const char **p, const char *set)
{
	size_t	 n = strspn(*p, set);

	*p += n;
	return n;
}

/* ":[0-5]?[0-9]" repeated at least once (sexagesimal parts). */
static int
ysexa(const char **p)
{
	int	 n = 0;

	while (**p == ':') {
		(*p)++;
		if (**p >= '0' && **p <= '5' && isdigit((unsigned char)(*p)[1]))
			(*p) += 2;
		else if (isdigit((unsigned char)**p))
			(*p)++;
		else
			return 0;
		n++;
	}
	return n;
}

/* PyYAML's int resolver. */
static int
yis_int(const char *s)
{
	const char	*p = s + (*s == '-' || *s == '+');

	if (strncmp(p, "0b", 2) == 0)
		return (p += 2, yspan(&p, "01_") > 0 && *p == '\0');
	if (strncmp(p, "0x", 2) == 0)
		return (p += 2, yspan(&p, "0123456789abcdefABCDEF_") > 0 &&
		    *p == '\0');
	if (p[0] == '0' && p[1] != '\0')
		return (p++, yspan(&p, "01234567_") > 0 && *p == '\0');
	if (strcmp(p, "0") == 0)
		return 1;
	if (*p < '1' || *p > '9')
		return 0;
	yspan(&p, "0123456789_");
	if (*p == '\0')
		return 1;
	return ysexa(&p) > 0 && *p == '\0';
}

/* PyYAML's float resolver (a dot is required; 1e3 is a string). */
static int
yis_float(const char *s)
{
	const char	*p = s + (*s == '-' || *s == '+');

	if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 ||
	    strcmp(p, ".INF") == 0)
		return 1;
	if (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 ||
	    strcmp(s, ".NAN") == 0)
		return 1;
	if (*p == '.') {
		if (p++, !isdigit((unsigned char)*p))
			return 0;
		yspan(&p, "0123456789_");
	} else {
		if (!isdigit((unsigned char)*p))
			return 0;
		yspan(&p, "0123456789_");
		if (*p == ':' && ysexa(&p) == 0)
			return 0;
		if (*p++ != '.')
			return 0;
		yspan(&p, "0123456789_");
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p != '-' && *p != '+')
			return 0;
		p++;
		if (yspan(&p, "0123456789") == 0)
			return 0;
	}
	return *p == '\0';
}

/* The type PyYAML gives a scalar node. */
static enum ytype
ytype_of(const struct ynode *n)
{
	int	 b;

	if (n->tag != NULL) {
		if (strcmp(n->tag, TAG_NULL) == 0)
			return YT_NULL;
		if (strcmp(n->tag, TAG_BOOL) == 0)
			return YT_BOOL;
		if (strcmp(n->tag, TAG_INT) == 0)
			return YT_INT;
		if (strcmp(n->tag, TAG_FLOAT) == 0)
			return YT_FLOAT;
		return YT_STR;
	}
	if (!n->plain || strlen(n->str) != n->len)
		return YT_STR;
	if (ynode_is_null(n))
		return YT_NULL;
	if (ybool(n->str, &b))
		return YT_BOOL;
	if (yis_int(n->str))
		return YT_INT;
	if (yis_float(n->str))
		return YT_FLOAT;
	return YT_STR;
}

/* Is the scalar a string to Ansible (a host pattern must be)? */
int
yscalar_is_string(const struct ynode *n)
{
	return n->kind == YN_SCALAR && ytype_of(n) == YT_STR;
}

/* Copy without '_' into out (at most outlen - 1 bytes). */
static void
ystrip(const char *s, char *out, size_t outlen)
{
	size_t	 n = 0;

	for (; *s != '\0' && n + 1 < outlen; s++)
		if (*s != '_')
			out[n++] = *s;
	out[n] = '\0';
}

/* An integer the way PyYAML constructs it: base prefixes, 0-octal and
 * base-60. Digits that overflow 64 bits are written as text. */
static void
yint(struct buf *b, const char *s)
{
	char		 t[128], *p = t, *end;
	int		 neg = 0;
	long long	 v = 0, part;

	ystrip(s, t, sizeof t);
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	errno = 0;
	if (strncmp(p, "0b", 2) == 0)
		v = strtoll(p + 2, &end, 2);
	else if (strncmp(p, "0x", 2) == 0)
		v = strtoll(p + 2, &end, 16);
	else if (p[0] == '0' && p[1] != '\0')
		v = strtoll(p + 1, &end, 8);
	else if (strchr(p, ':') != NULL) {
		for (end = p; *end != '\0'; end += *end == ':') {
			part = strtoll(end, &end, 10);
			v = v * 60 + part;
		}
	} else
		v = strtoll(p, &end, 10);
	if (errno == ERANGE)
		buf_printf(b, "%s%s", neg ? "-" : "", p);
	else
		buf_printf(b, "%lld", neg ? -v : v);
}

/* A float as Python's repr would write it (shortest round trip). */
static void
yfloat(struct buf *b, const char *s)
{
	char	 t[128], *p = t;
	double	 d, part, v = 0;
	int	 neg = 0;

	ystrip(s, t, sizeof t);
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcasecmp(p, ".inf") == 0)
		d = INFINITY;
	else if (strcasecmp(p, ".nan") == 0)
		d = NAN;
	else if (strchr(p, ':') != NULL) {
		for (; strchr(p, ':') != NULL; p++) {
			part = strtod(p, &p);
			v = v * 60 + part;
		}
		d = v * 60 + strtod(p, NULL);
	} else
		d = strtod(p, NULL);
	d = neg ? -d : d;
	if (isnan(d) || isinf(d)) {
		buf_printf(b, "%s", isnan(d) ? "NaN" : d < 0 ? "-Infinity" :
		    "Infinity");
		return;
	}
	cfg_json_double(b, d);
}

/* A finite double as Python's repr writes it: the shortest digits that
 * read back the same, positional from 1e-4 to 1e16 (with ".0" when
 * integral), else d.ddde+XX. */
void
cfg_json_double(struct buf *b, double d)
{
	char	 out[64], dig[32], *e;
	int	 prec, exp, n, i;

	for (prec = 1; prec < 17; prec++) {
		snprintf(out, sizeof out, "%.*e", prec - 1, d);
		if (strtod(out, NULL) == d)
			break;
	}
	snprintf(out, sizeof out, "%.*e", prec - 1, d);
	e = strchr(out, 'e');
	exp = atoi(e + 1);
	for (n = 0, i = out[0] == '-'; out + i < e; i++)
		if (isdigit((unsigned char)out[i]))
			dig[n++] = out[i];
	dig[n] = '\0';
	if (out[0] == '-')
		buf_append(b, "-", 1);
	if (exp < -4 || exp >= 16) {
		buf_printf(b, "%c%s%s", dig[0], n > 1 ? "." : "", dig + 1);
		buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
	} else if (exp >= n - 1) {
		buf_printf(b, "%s", dig);
		for (i = n - 1; i < exp; i++)
			buf_append(b, "0", 1);
		buf_append(b, ".0", 2);
	} else if (exp >= 0)
		buf_printf(b, "%.*s.%s", exp + 1, dig, dig + exp + 1);
	else {
		buf_append(b, "0.", 2);
		for (i = 1; i < -exp; i++)
			buf_append(b, "0", 1);
		buf_printf(b, "%s", dig);
	}
}

/* One scalar as Ansible's JSON: typed values bare, keys always strings,
 * !vault and !unsafe as the objects ansible-inventory writes for them. */
void
yscalar_json(struct buf *b, const struct ynode *n, int is_key)
{
	enum ytype	 t = ytype_of(n);
	int		 v;

	if (!is_key && n->tag != NULL && (strcmp(n->tag, "!vault") == 0 ||
	    strcmp(n->tag, "!unsafe") == 0)) {
		buf_printf(b, "{\"__ansible_%s\":", n->tag + 1);
		cfg_json_string(b, n->str, n->len);
		buf_append(b, "}", 1);
		return;
	}
	if (is_key && t != YT_STR && t != YT_INT)
		buf_append(b, "\"", 1);
	if (t == YT_NULL)
		buf_append(b, "null", 4);
	else if (t == YT_BOOL)
		buf_printf(b, "%s", ybool(n->str, &v) && v ? "true" : "false");
	else if (t == YT_INT && is_key) {
		buf_append(b, "\"", 1);
		yint(b, n->str);
		buf_append(b, "\"", 1);
	} else if (t == YT_INT)
		yint(b, n->str);
	else if (t == YT_FLOAT)
		yfloat(b, n->str);
	else
		cfg_json_string(b, n->str, n->len);
	if (is_key && t != YT_STR && t != YT_INT)
		buf_append(b, "\"", 1);
}
