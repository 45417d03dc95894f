/* Version ordering of dpkg, rpm and apk against the examples each tool
 * documents (deb-version(7), rpm's rpmvercmp tests, apk-tools'
 * test/version.data), plus antisymmetry over every pair of each list. */
#include <stdio.h>
#include <string.h>

#include "storage/version.h"
#include "test.h"

/* One expected ordering: a OP b with OP one of < = >. */
struct vcase {
	const char	*a;
	int		 want;	/* -1, 0, 1 */
	const char	*b;
};

/* Check a list of cases with one comparison, both ways round. */
static void
check_cases(const char *mgr, int (*cmp)(const char *, const char *),
    const struct vcase *v, size_t n)
{
	size_t	 i;
	int	 c, r;

	for (i = 0; i < n; i++) {
		c = cmp(v[i].a, v[i].b);
		c = c < 0 ? -1 : c > 0;
		r = cmp(v[i].b, v[i].a);
		r = r < 0 ? -1 : r > 0;
		if (c == v[i].want && r == -v[i].want) {
			test_passed++;
			continue;
		}
		test_failed++;
		fprintf(stderr, "%s: '%s' vs '%s': want %d, got %d "
		    "(reverse %d)\n", mgr, v[i].a, v[i].b, v[i].want, c, r);
	}
}

static const struct vcase dpkg_cases[] = {
	{ "1.0~rc1", -1, "1.0" },
	{ "1:0.9", 1, "2.0" },
	{ "1.0", 0, "1.0" },
	{ "1.0", 0, "0:1.0" },
	{ "1.0", -1, "1.0-1" },
	{ "1.0-1", -1, "1.0-2" },
	{ "1.0~~", -1, "1.0~~a" },
	{ "1.0~~a", -1, "1.0~" },
	{ "1.0~", -1, "1.0" },
	{ "1.0", -1, "1.0a" },
	{ "1.0a", -1, "1.0+" },		/* letters before symbols */
	{ "1.0+", -1, "1.0.1" },
	{ "1.2.3", -1, "1.2.10" },
	{ "1.002", 0, "1.2" },
	{ "3.0.11-1", -1, "3.0.13-1" },
	{ "3.0.11-1+deb12u2", -1, "3.0.13" },
	{ "3.0.13", -1, "3.0.13-1" },
	{ "2:1.0", 1, "1:9.9" },
	{ "1.0-1ubuntu1", 1, "1.0-1" },
	{ "1.0-1~bpo12+1", -1, "1.0-1" },
	{ "7.88.1-10+deb12u5", 1, "7.88.1-10+deb12u4" },
	{ "2.36-9+deb12u4", -1, "2.36-9+deb12u10" },
	{ "1.0-a-1", 1, "1.0-1" },	/* revision after the last '-' */
	{ "", -1, "0.1" },
	{ "", 0, "" },
	{ "99999999999999999999", -1, "100000000000000000000" },
};

static const struct vcase rpm_cases[] = {
	/* rpm's own rpmvercmp test list */
	{ "1.0", 0, "1.0" },
	{ "1.0", -1, "2.0" },
	{ "2.0.1", 1, "2.0" },
	{ "2.0.1a", 1, "2.0.1" },
	{ "5.5p1", -1, "5.5p2" },
	{ "5.5p10", 1, "5.5p1" },
	{ "10xyz", -1, "10.1xyz" },
	{ "xyz10", 0, "xyz10" },
	{ "xyz10", -1, "xyz10.1" },
	{ "xyz.4", 0, "xyz.4" },
	{ "xyz.4", -1, "8" },
	{ "xyz.4", -1, "2" },
	{ "5.5p2", -1, "5.6p1" },
	{ "5.6p1", -1, "6.5p1" },
	{ "6.0.rc1", 1, "6.0" },
	{ "10b2", 1, "10a1" },
	{ "1.0aa", 1, "1.0a" },
	{ "10.0001", 0, "10.1" },
	{ "10.0001", -1, "10.0039" },
	{ "4.999.9", -1, "5.0" },
	{ "20101121", 0, "20101121" },
	{ "20101121", -1, "20101122" },
	{ "2_0", 0, "2_0" },
	{ "2.0", 0, "2_0" },
	{ "a", 0, "a" },
	{ "a+", 0, "a+" },
	{ "a+", 0, "a_" },
	{ "+a", 0, "+a" },
	{ "+a", 0, "_a" },
	{ "+_", 0, "_+" },
	{ "1.0~rc1", 0, "1.0~rc1" },
	{ "1.0~rc1", -1, "1.0" },
	{ "1.0~rc1", -1, "1.0~rc2" },
	{ "1.0~rc1~git123", -1, "1.0~rc1" },
	{ "1.0^", 1, "1.0" },
	{ "1.0^git1", 1, "1.0" },
	{ "1.0^git1", -1, "1.01" },
	{ "1.0^20160101", -1, "1.0.1" },
	{ "1.0^20160101^git1", 1, "1.0^20160101" },
	{ "1.0^git1", -1, "1.0^git2" },
	{ "1.0~rc1^git1", 1, "1.0~rc1" },
	{ "1.0^git1~pre", 1, "1.0" },
	{ "1.0^git1~pre", -1, "1.0^git1" },
	/* epoch and release */
	{ "1:1.0-1", 1, "2.0-1" },
	{ "3.0.7-24.el9", -1, "3.0.7-25.el9" },
	{ "3.0.7-25.el9", -1, "3.0.7-25.el9_3" },
	{ "1:3.0.7-25.el9_3", 1, "3.0.7-27.el9" },
	{ "3.0.7", 0, "3.0.7-25.el9" },	/* release only if both have one */
	{ "3.0.7", -1, "3.0.8-1.el9" },
	{ "2.34-83.el9", 1, "2.34-60.el9" },
};

static const struct vcase apk_cases[] = {
	{ "1.2.3_rc1", -1, "1.2.3" },
	{ "1.2.3", -1, "1.2.3-r1" },
	{ "1.2.3-r1", -1, "1.2.3_p1" },
	{ "1.2.3_rc1", -1, "1.2.3_p1" },
	{ "1.2.3_alpha", -1, "1.2.3_beta" },
	{ "1.2.3_beta", -1, "1.2.3_pre" },
	{ "1.2.3_pre", -1, "1.2.3_rc" },
	{ "1.2.3_rc1", -1, "1.2.3_rc2" },
	{ "1.2.3_rc", -1, "1.2.3_rc1" },
	{ "1.2.3_p1", -1, "1.2.3_p2" },
	{ "1.2.3_cvs", -1, "1.2.3_svn" },
	{ "1.2.3_git", -1, "1.2.3_hg" },
	{ "1.2.3_hg", -1, "1.2.3_p" },
	{ "1.2.3-r1", -1, "1.2.3-r2" },
	{ "1.2.3-r9", -1, "1.2.3-r10" },
	{ "1.2.3_p1-r1", 1, "1.2.3_p1" },
	{ "1.2.3", -1, "1.2.4" },
	{ "1.2.9", -1, "1.2.10" },
	{ "1.2", -1, "1.2.0" },
	{ "1.2a", 1, "1.2" },
	{ "1.2a", -1, "1.2b" },
	{ "1.2a", -1, "1.3" },
	{ "1.01", -1, "1.1" },
	{ "1.0", 0, "1.0" },
	{ "3.1.4-r5", 0, "3.1.4-r5" },
	{ "3.1.4-r5", 1, "3.1.3-r9" },
	{ "1.36.1-r15", -1, "1.36.1-r16" },
	{ "0.9.8", -1, "1.0_alpha1" },
	{ "2.0_rc1-r0", -1, "2.0-r0" },
	{ "", -1, "1" },
};

/* Dispatch by manager name: each list through version_cmp(). */
static int
cmp_dpkg(const char *a, const char *b)
{
	return version_cmp("dpkg", a, b);
}

/* version_cmp("rpm", ...). */
static int
cmp_rpm(const char *a, const char *b)
{
	return version_cmp("rpm", a, b);
}

/* version_cmp("apk", ...). */
static int
cmp_apk(const char *a, const char *b)
{
	return version_cmp("apk", a, b);
}

/* Garbage never crashes and stays antisymmetric and reflexive. */
static void
check_garbage(void)
{
	static const char *const junk[] = { "", "~", "^", ":", "-", "-r",
	    "_", "_x", "1:", ":1", "1-", "-1", "a-b-c", "1.2.3_zz",
	    "1.2.3-x", "\xff\xfe", "1..2", "1.2.3~abc", "9:9:9", ".",
	    "0000", "1_rc_rc", "1.2.3_p1_rc1-r2", "1a2b3c" };
	int	 (*fns[])(const char *, const char *) = { version_cmp_dpkg,
	    version_cmp_rpm, version_cmp_apk };
	size_t	 i, j, k, n = sizeof junk / sizeof junk[0];
	int	 ab, ba, bad = 0;

	for (k = 0; k < 3; k++)
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++) {
				ab = fns[k](junk[i], junk[j]);
				ba = fns[k](junk[j], junk[i]);
				ab = ab < 0 ? -1 : ab > 0;
				ba = ba < 0 ? -1 : ba > 0;
				if (ab != -ba || (i == j && ab != 0)) {
					bad++;
					fprintf(stderr, "garbage %zu: '%s' "
					    "'%s': %d %d\n", k, junk[i],
					    junk[j], ab, ba);
				}
			}
	CHECK(bad == 0);
	CHECK(version_cmp(NULL, NULL, NULL) == 0);
	CHECK(version_cmp("dpkg", NULL, "1") < 0);
	CHECK(version_cmp("pacman", "1.0~rc1", "1.0") < 0);	/* dpkg */
}

int
main(void)
{
	check_cases("dpkg", cmp_dpkg, dpkg_cases,
	    sizeof dpkg_cases / sizeof dpkg_cases[0]);
	check_cases("rpm", cmp_rpm, rpm_cases,
	    sizeof rpm_cases / sizeof rpm_cases[0]);
	check_cases("apk", cmp_apk, apk_cases,
	    sizeof apk_cases / sizeof apk_cases[0]);
	check_garbage();
	TEST_MAIN_END();
}
