/* Inventory host patterns ("web[01:20].example.com", "10.0.1.[1:254]",
 * "db-[a:c]", strides "[1:10:2]", several ranges in one name) and the
 * check every host name and address passes: a name that could be read as
 * an option or holds shell metacharacters never gets into the config. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

#define RANGE_MAX_PARTS	8	/* ranges in one pattern */

/* One bracketed range of a pattern. */
struct range {
	size_t	 off;		/* where '[' is in the pattern */
	size_t	 end;		/* just after ']' */
	int64_t	 beg;		/* first value (a letter as its code) */
	int64_t	 last;		/* last value, inclusive */
	int64_t	 stride;	/* step, >= 1 */
	int	 width;		/* zero-padding width; 0 = none */
	int	 letters;	/* values are letters, not numbers */
	int64_t	 count;		/* values in the range */
};

/* Parse a decimal field of a range; -1 when it is not one. */
static int
range_number(const char *s, size_t len, int64_t *v)
{
	size_t	 i;

	if (len == 0 || len > 12)
		return -1;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Is s[0..len) a single ASCII letter? */
static int
range_letter(const char *s, size_t len)
{
	return len == 1 && isalpha((unsigned char)s[0]);
}

/* Parse "beg:end[:stride]" (without brackets) into r. Returns 0 or -1
 * with err filled. */
static int
range_parse(const char *s, size_t len, struct range *r, char *err,
    size_t errlen)
{
	const char	*c1, *c2, *end = s + len;
	size_t		 blen, elen;
	int64_t		 e;

	if ((c1 = memchr(s, ':', len)) == NULL) {
		snprintf(err, errlen, "range needs 'start:end'");
		return -1;
	}
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	blen = (size_t)(c1 - s);
	elen = (size_t)((c2 ? c2 : end) - c1 - 1);
	r->stride = 1;
	if (c2 != NULL && (range_number(c2 + 1, (size_t)(end - c2 - 1),
	    &r->stride) == -1 || r->stride < 1)) {
		snprintf(err, errlen, "range stride must be a number >= 1");
		return -1;
	}
	if (blen == 0) {
		s = "0";
		blen = 1;
	}
	if (range_number(s, blen, &r->beg) == 0 &&
	    range_number(c1 + 1, elen, &e) == 0) {
		r->width = s[0] == '0' && blen > 1 ? (int)blen : 0;
		r->letters = 0;
	} else if (range_letter(s, blen) && range_letter(c1 + 1, elen) &&
	    !!islower((unsigned char)s[0]) == !!islower((unsigned char)c1[1])) {
		r->beg = (unsigned char)s[0];
		e = (unsigned char)c1[1];
		r->letters = 1;
		r->width = 0;
	} else {
		snprintf(err, errlen, "range bounds must be both numbers or "
		    "both single letters of the same case");
		return -1;
	}
	if (r->beg > e) {
		snprintf(err, errlen, "range start is after its end");
		return -1;
	}
	r->count = (e - r->beg) / r->stride + 1;
	r->last = r->beg + (r->count - 1) * r->stride;
	return 0;
}

/* Find and parse every range of a pattern. Returns how many, or -1. */
static int
range_scan(const char *pat, struct range *rs, char *err, size_t errlen)
{
	const char	*p, *close;
	int		 n = 0;
	char		 why[128];

	for (p = pat; (p = strpbrk(p, "[]")) != NULL; p = close + 1) {
		if (*p == ']') {
			snprintf(err, errlen, "bad range in '%s': ']' without "
			    "'['", pat);
			return -1;
		}
		close = strpbrk(p + 1, "[]");
		if (close == NULL || *close == '[') {
			snprintf(err, errlen, "bad range in '%s': unterminated "
			    "'['", pat);
			return -1;
		}
		if (n == RANGE_MAX_PARTS) {
			snprintf(err, errlen, "bad range in '%s': more than %d "
			    "ranges", pat, RANGE_MAX_PARTS);
			return -1;
		}
		if (range_parse(p + 1, (size_t)(close - p - 1), &rs[n], why,
		    sizeof why) == -1) {
			snprintf(err, errlen, "bad range in '%s': %s", pat, why);
			return -1;
		}
		rs[n].off = (size_t)(p - pat);
		rs[n].end = (size_t)(close - pat) + 1;
		n++;
	}
	return n;
}

/* Build the name for one combination of range indexes. */
static char *
range_name(const char *pat, const struct range *rs, int n, const int64_t *idx)
{
	struct buf	 b = { 0 };
	size_t		 from = 0;
	int64_t		 v;
	int		 i;

	for (i = 0; i < n; i++) {
		buf_append(&b, pat + from, rs[i].off - from);
		v = rs[i].beg + idx[i] * rs[i].stride;
		if (rs[i].letters)
			buf_printf(&b, "%c", (char)v);
		else
			buf_printf(&b, "%0*" PRId64, rs[i].width, v);
		from = rs[i].end;
	}
	buf_append(&b, pat + from, strlen(pat + from));
	return buf_steal(&b);
}

/* Expand a host pattern into every name it stands for, in order. Returns
 * the count and fills *out (caller frees each and the array), or -1 with
 * err filled. A pattern without ranges expands to itself. */
int
config_expand_range(const char *pattern, char ***out, char *err,
    size_t errlen)
{
	struct range	 rs[RANGE_MAX_PARTS];
	int64_t		 idx[RANGE_MAX_PARTS] = { 0 }, total = 1;
	int		 n, i, k;

	*out = NULL;
	if ((n = range_scan(pattern, rs, err, errlen)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (rs[i].count > CFG_MAX_HOSTS / total) {
			snprintf(err, errlen, "bad range in '%s': more than %d "
			    "hosts", pattern, CFG_MAX_HOSTS);
			return -1;
		}
		total *= rs[i].count;
	}
	*out = xreallocarray(NULL, (size_t)total, sizeof **out);
	for (k = 0; k < total; k++) {
		(*out)[k] = range_name(pattern, rs, n, idx);
		for (i = n - 1; i >= 0; i--) {
			if (++idx[i] < rs[i].count)
				break;
			idx[i] = 0;
		}
	}
	return (int)total;
}

/* Is a host name or address safe to use: non-empty, at most 253 bytes,
 * not starting with '-', and only letters, digits, '.', '-', '_', ':'?
 * Returns 0, or -1 with why filled ("starts with '-' ..."). */
int
cfg_check_name(const char *s, char *why, size_t whylen)
{
	const unsigned char	*p;

	if (*s == '\0') {
		snprintf(why, whylen, "is empty");
		return -1;
	}
	if (strlen(s) > CFG_MAX_NAME) {
		snprintf(why, whylen, "is longer than %d characters",
		    CFG_MAX_NAME);
		return -1;
	}
	if (s[0] == '-') {
		snprintf(why, whylen, "starts with '-' (it could be read as "
		    "an option)");
		return -1;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_' ||
		    *p == ':')
			continue;
		if (*p <= ' ' || *p >= 0x7f)
			snprintf(why, whylen, "contains whitespace, a control "
			    "character or non-ASCII byte 0x%02x", *p);
		else if (strchr("$`;|&<>(){}'\"\\*?!#~[]", *p))
			snprintf(why, whylen, "contains the shell "
			    "metacharacter '%c'", *p);
		else
			snprintf(why, whylen, "contains '%c' (allowed: "
			    "letters, digits, '.', '-', '_', ':')", *p);
		return -1;
	}
	return 0;
}

/* Is a login name harmless: no option look-alike, no odd characters? */
int
cfg_check_user(const char *s)
{
	if (*s == '\0' || *s == '-' || strlen(s) > 255)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-@", *s) == NULL)
			return 0;
	return 1;
}
