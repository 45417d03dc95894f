/* Package version ordering of dpkg, rpm and apk, written from each tool's
 * own algorithm (dpkg lib/dpkg/version.c verrevcmp, rpm rpmio/rpmvercmp.c,
 * apk-tools src/version.c), working on pointer ranges so nothing is
 * copied and no input can overflow a number: digit runs compare by length
 * once leading zeros are gone. ASCII classes only, never the locale. */
#include <limits.h>
#include <string.h>

#include "storage/version.h"

/* ASCII digit? */
static int
c_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* ASCII letter? */
static int
c_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Normalise a difference to -1, 0, 1. */
static int
sign(long long d)
{
	return d < 0 ? -1 : d > 0;
}

/* Compare two runs of digits as numbers of any length. */
static int
num_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	while (na > 0 && *a == '0') {
		a++;
		na--;
	}
	while (nb > 0 && *b == '0') {
		b++;
		nb--;
	}
	if (na != nb)
		return na < nb ? -1 : 1;
	return na == 0 ? 0 : sign(memcmp(a, b, na));
}

/* Compare two byte ranges like strcmp on the substrings. */
static int
seg_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int	 c;

	if (na > 0 && nb > 0 &&
	    (c = memcmp(a, b, na < nb ? na : nb)) != 0)
		return sign(c);
	return na < nb ? -1 : na > nb;
}

/* A version split into epoch, version and release/revision ranges. */
struct evr {
	const char	*e;	/* epoch digits; en 0 = no epoch (0) */
	size_t		 en;
	const char	*v;	/* upstream version */
	size_t		 vn;
	const char	*r;	/* revision/release after the last '-' */
	size_t		 rn;
};

/* Split "[epoch:]version[-release]": the epoch only when all digits. */
static void
evr_split(const char *s, struct evr *x)
{
	const char	*colon, *dash, *end;
	size_t		 i;

	memset(x, 0, sizeof *x);
	end = s + strlen(s);
	x->e = x->r = end;	/* empty ranges, never NULL */
	if ((colon = strchr(s, ':')) != NULL && colon > s) {
		for (i = 0; s + i < colon && c_digit(s[i]); i++)
			;
		if (s + i == colon) {
			x->e = s;
			x->en = i;
			s = colon + 1;
		}
	}
	x->v = s;
	if ((dash = strrchr(s, '-')) != NULL) {
		x->vn = (size_t)(dash - s);
		x->r = dash + 1;
		x->rn = (size_t)(end - x->r);
	} else
		x->vn = (size_t)(end - s);
}

/* dpkg's weight of one character: '~' lowest, end and digits 0, letters
 * by code, anything else after every letter. */
static int
dpkg_order(const char *p, const char *e)
{
	int	 c;

	if (p >= e)
		return 0;
	c = (unsigned char)*p;
	if (c_digit(c))
		return 0;
	if (c_alpha(c))
		return c;
	if (c == '~')
		return -1;
	return c + 256;
}

/* dpkg verrevcmp on [a, ae) and [b, be): alternating non-digit runs
 * (by weight) and digit runs (numerically). */
static int
dpkg_verrev(const char *a, const char *ae, const char *b, const char *be)
{
	const char	*da, *db;
	int		 ac, bc, c;

	while (a < ae || b < be) {
		while ((a < ae && !c_digit(*a)) || (b < be && !c_digit(*b))) {
			ac = dpkg_order(a, ae);
			bc = dpkg_order(b, be);
			if (ac != bc)
				return ac < bc ? -1 : 1;
			a++;	/* both non-digits of equal weight here */
			b++;
		}
		for (da = a; da < ae && c_digit(*da); da++)
			;
		for (db = b; db < be && c_digit(*db); db++)
			;
		if ((c = num_cmp(a, (size_t)(da - a), b, (size_t)(db - b))))
			return c;
		a = da;
		b = db;
	}
	return 0;
}

/* A comparison of one part of a version, on two byte ranges. */
typedef int (*part_cmp_fn)(const char *, const char *, const char *,
    const char *);

/* Epoch, then version, then release with cmp; with both_r the release
 * counts only when both sides have one (rpm), else a missing one is ""
 * (dpkg). */
static int
evr_cmp(const char *a, const char *b, part_cmp_fn cmp, int both_r)
{
	struct evr	 x, y;
	int		 c;

	evr_split(a, &x);
	evr_split(b, &y);
	if ((c = num_cmp(x.e, x.en, y.e, y.en)) != 0)
		return c;
	if ((c = cmp(x.v, x.v + x.vn, y.v, y.v + y.vn)) != 0)
		return c;
	if (both_r && (x.rn == 0 || y.rn == 0))
		return 0;
	return cmp(x.r, x.r + x.rn, y.r, y.r + y.rn);
}

/* dpkg: epoch, then upstream, then revision (missing = ""). */
int
version_cmp_dpkg(const char *a, const char *b)
{
	return evr_cmp(a, b, dpkg_verrev, 0);
}

/* rpmvercmp on [a, ae) and [b, be). */
static int
rpm_vercmp(const char *a, const char *ae, const char *b, const char *be)
{
	const char	*p, *q;
	int		 isnum, c;

	if (ae - a == be - b && memcmp(a, b, (size_t)(ae - a)) == 0)
		return 0;
	for (;;) {
		while (a < ae && !c_digit(*a) && !c_alpha(*a) && *a != '~' &&
		    *a != '^')
			a++;
		while (b < be && !c_digit(*b) && !c_alpha(*b) && *b != '~' &&
		    *b != '^')
			b++;
		/* '~' sorts before everything, the end included. */
		if ((a < ae && *a == '~') || (b < be && *b == '~')) {
			if (a == ae || *a != '~')
				return 1;
			if (b == be || *b != '~')
				return -1;
			a++;
			b++;
			continue;
		}
		/* '^' sorts after the end but before anything else. */
		if ((a < ae && *a == '^') || (b < be && *b == '^')) {
			if (a == ae)
				return -1;
			if (b == be)
				return 1;
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (a == ae || b == be)
			break;
		isnum = c_digit(*a);
		for (p = a; p < ae && (isnum ? c_digit(*p) : c_alpha(*p)); p++)
			;
		for (q = b; q < be && (isnum ? c_digit(*q) : c_alpha(*q)); q++)
			;
		if (q == b)	/* numeric segments are newer than alpha */
			return isnum ? 1 : -1;
		c = isnum ? num_cmp(a, (size_t)(p - a), b, (size_t)(q - b)) :
		    seg_cmp(a, (size_t)(p - a), b, (size_t)(q - b));
		if (c != 0)
			return c;
		a = p;
		b = q;
	}
	if (a == ae && b == be)
		return 0;
	return a == ae ? -1 : 1;
}

/* rpm: epoch, version, and the release only when both have one. */
int
version_cmp_rpm(const char *a, const char *b)
{
	return evr_cmp(a, b, rpm_vercmp, 1);
}

/* apk token types, in apk-tools' order (the order matters: a version
 * that goes on with a later-numbered token is the older one). */
enum apk_tok {
	AT_INVALID = -1,
	AT_DIGIT_OR_ZERO,	/* after '.' */
	AT_DIGIT,
	AT_LETTER,
	AT_SUFFIX,		/* after '_' */
	AT_SUFFIX_NO,
	AT_REVISION_NO,		/* after "-r" */
	AT_END,
};

/* A cursor into an apk version. */
struct apk_cur {
	const char	*p;	/* next byte */
	size_t		 n;	/* bytes left */
	int		 type;	/* enum apk_tok of the next token */
};

/* Find the type of the token after the one just read, consuming its
 * separator; a type that may not follow the previous one is invalid. */
static void
apk_next(struct apk_cur *c)
{
	int	 t = AT_INVALID, ch;

	ch = c->n > 0 ? (unsigned char)*c->p : 0;
	if (ch == 0)
		t = AT_END;
	else if ((c->type == AT_DIGIT || c->type == AT_DIGIT_OR_ZERO) &&
	    ch >= 'a' && ch <= 'z')
		t = AT_LETTER;
	else if (c->type == AT_LETTER && c_digit(ch))
		t = AT_DIGIT;
	else if (c->type == AT_SUFFIX && c_digit(ch))
		t = AT_SUFFIX_NO;
	else {
		if (ch == '.')
			t = AT_DIGIT_OR_ZERO;
		else if (ch == '_')
			t = AT_SUFFIX;
		else if (ch == '-' && c->n > 1 && c->p[1] == 'r') {
			t = AT_REVISION_NO;
			c->p++;
			c->n--;
		}
		c->p++;
		c->n--;
	}
	if (t < c->type && !((t == AT_DIGIT_OR_ZERO && c->type == AT_DIGIT) ||
	    (t == AT_SUFFIX && c->type == AT_SUFFIX_NO) ||
	    (t == AT_DIGIT && c->type == AT_LETTER)))
		t = AT_INVALID;
	c->type = t;
}

/* Which suffix starts at the cursor: pre-release ones negative, post
 * ones 0 and up; 0 with *len 0 when none. */
static long long
apk_suffix(const struct apk_cur *c, size_t *len, int *found)
{
	static const char *const pre[] = { "alpha", "beta", "pre", "rc" };
	static const char *const post[] = { "cvs", "svn", "git", "hg", "p" };
	size_t			 k, l;

	*found = 1;
	for (k = 0; k < sizeof pre / sizeof pre[0]; k++) {
		l = strlen(pre[k]);
		if (l <= c->n && strncmp(pre[k], c->p, l) == 0) {
			*len = l;
			return (long long)k - (long long)(sizeof pre /
			    sizeof pre[0]);
		}
	}
	for (k = 0; k < sizeof post / sizeof post[0]; k++) {
		l = strlen(post[k]);
		if (l <= c->n && strncmp(post[k], c->p, l) == 0) {
			*len = l;
			return (long long)k;
		}
	}
	*found = 0;
	*len = 0;
	return 0;
}

/* Read one token's value and move to the next token. */
static long long
apk_get(struct apk_cur *c)
{
	long long	 v = 0;
	size_t		 i = 0;
	int		 nt = AT_INVALID, found;

	if (c->n == 0) {
		c->type = AT_END;
		return 0;
	}
	switch (c->type) {
	case AT_DIGIT_OR_ZERO:
		if (*c->p == '0') {	/* "1.01" < "1.1", as apk has it */
			while (i < c->n && c->p[i] == '0')
				i++;
			nt = AT_DIGIT;
			v = -(long long)i;
			break;
		}
		/* FALLTHROUGH */
	case AT_DIGIT:
	case AT_SUFFIX_NO:
	case AT_REVISION_NO:
		for (; i < c->n && c_digit(c->p[i]); i++)
			if (v < (LLONG_MAX - 9) / 10)
				v = v * 10 + (c->p[i] - '0');
		break;
	case AT_LETTER:
		v = (unsigned char)c->p[i++];
		break;
	case AT_SUFFIX:
		v = apk_suffix(c, &i, &found);
		if (found)
			break;
		/* FALLTHROUGH */
	default:
		c->type = AT_INVALID;
		return -1;
	}
	c->p += i;
	c->n -= i;
	if (c->n == 0)
		c->type = AT_END;
	else if (nt != AT_INVALID)
		c->type = nt;
	else
		apk_next(c);
	return v;
}

/* apk-tools' comparison; where both stop at invalid text, the rest
 * compares bytewise so the order stays total. */
int
version_cmp_apk(const char *a, const char *b)
{
	struct apk_cur	 x = { a, strlen(a), AT_DIGIT };
	struct apk_cur	 y = { b, strlen(b), AT_DIGIT };
	struct apk_cur	 t;
	long long	 av = 0, bv = 0;

	while (x.type == y.type && x.type != AT_END &&
	    x.type != AT_INVALID && av == bv) {
		av = apk_get(&x);
		bv = apk_get(&y);
	}
	if (av != bv)
		return av < bv ? -1 : 1;
	if (x.type == y.type)
		return x.type == AT_INVALID ? seg_cmp(x.p, x.n, y.p, y.n) : 0;
	/* Equal so far: the longer one is newer unless it goes on with a
	 * pre-release suffix. */
	t = x;
	if (x.type == AT_SUFFIX && apk_get(&t) < 0)
		return -1;
	t = y;
	if (y.type == AT_SUFFIX && apk_get(&t) < 0)
		return 1;
	return x.type > y.type ? -1 : 1;
}

/* Dispatch on the package manager's name. */
int
version_cmp(const char *manager, const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b ? 0 : a == NULL ? -1 : 1;
	if (manager != NULL && strcmp(manager, "rpm") == 0)
		return version_cmp_rpm(a, b);
	if (manager != NULL && strcmp(manager, "apk") == 0)
		return version_cmp_apk(a, b);
	return version_cmp_dpkg(a, b);
}
