/* Package version ordering as each package manager defines it: dpkg
 * (Debian), rpm (RHEL family) and apk (Alpine). Pure functions, no SQLite:
 * the writer uses them to tell "upgraded" from "downgraded", the read-only
 * connection exposes them as the SQL function version_cmp(manager, a, b).
 * Every function returns <0, 0 or >0 like strcmp, and never fails: any
 * text, even malformed, gets a deterministic place in the order. */
#ifndef ROLLCALL_VERSION_H
#define ROLLCALL_VERSION_H

/* dpkg: [epoch:]upstream[-revision]; '~' sorts before everything, even
 * the end of the string (1.0~rc1 < 1.0), letters before other symbols. */
int	version_cmp_dpkg(const char *a, const char *b);

/* rpm: [epoch:]version[-release], rpmvercmp per part: alphanumeric
 * segments, digits newer than letters, '~' before everything, '^' after
 * the base version (1.0^git1 > 1.0) but before any other continuation.
 * A release is compared only when both sides have one (as rpm does for
 * dependencies), so "3.0.7" equals "3.0.7-25.el9". */
int	version_cmp_rpm(const char *a, const char *b);

/* apk: digits ('.' digits)* [letter] (_suffix[N])* [-rN]; pre-release
 * suffixes _alpha _beta _pre _rc sort before the bare version, post
 * suffixes _cvs _svn _git _hg _p after it, as does -rN. Text apk would
 * call invalid falls back to byte order from where it stops parsing. */
int	version_cmp_apk(const char *a, const char *b);

/* By manager name: "dpkg", "rpm", "apk"; any other (or NULL) uses dpkg
 * ordering, a sensible generic one. NULL versions sort first. */
int	version_cmp(const char *manager, const char *a, const char *b);

#endif
