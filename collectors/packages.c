/* packages: installed packages from dpkg, rpm or apk as list rows (name,
 * version, arch, manager). rpm versions are [epoch:]version-release with
 * a zero epoch dropped, as `rpm -q` prints them; gpg-pubkey entries are
 * keys, not software, and are skipped. dpkg rows count when the package is
 * installed (status i), whatever the selection (held ones too). apk is
 * asked before rpm: busybox may carry a toy rpm applet. */
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/xmalloc.h"

/* Add one package row. */
static void
pkg_add(struct facts *f, struct span name, struct span version,
    struct span arch, const char *manager)
{
	const char	*fields[ITEM_FIELDS];
	char		*n, *v, *a;

	if (span_eq(arch, "(none)"))
		arch = span_make(NULL, 0);
	memset(fields, 0, sizeof fields);
	fields[0] = n = span_dup(name);
	fields[1] = v = span_dup(version);
	fields[2] = a = span_dup(arch);
	fields[3] = manager;
	facts_add_item(f, ITEM_PACKAGE, fields);
	free(n);
	free(v);
	free(a);
}

/* Split a line at tabs into at most max trimmed fields; how many. */
static size_t
pkg_tabs(struct span line, struct span *fld, size_t max)
{
	const char	*tab;
	size_t		 n = 0;

	while (n < max) {
		tab = memchr(line.s, '\t', line.n);
		fld[n++] = span_trim(span_make(line.s, tab != NULL ?
		    (size_t)(tab - line.s) : line.n));
		if (tab == NULL)
			break;
		line.n -= (size_t)(tab + 1 - line.s);
		line.s = tab + 1;
	}
	return n;
}

/* dpkg-query lines: name, version, arch, status abbreviation. */
static int
pkg_dpkg(struct facts *f, struct span sec)
{
	struct lineiter	 it;
	struct span	 line, fld[4];

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		if (span_trim(line).n == 0)
			continue;
		if (pkg_tabs(line, fld, 4) < 4 || fld[0].n == 0 ||
		    fld[3].n < 2)
			return -1;
		if (fld[3].s[1] == 'i')
			pkg_add(f, fld[0], fld[1], fld[2], "dpkg");
	}
	return 0;
}

/* rpm lines: name, epoch:version-release, arch. */
static int
pkg_rpm(struct facts *f, struct span sec)
{
	struct lineiter	 it;
	struct span	 line, fld[3], v;
	size_t		 skip;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		if (span_trim(line).n == 0)
			continue;
		if (pkg_tabs(line, fld, 3) < 3 || fld[0].n == 0)
			return -1;
		if (span_eq(fld[0], "gpg-pubkey"))
			continue;
		v = fld[1];
		skip = span_prefix(v, "0:") ? 2 :
		    span_prefix(v, "(none):") ? 7 : 0;
		v.s += skip;
		v.n -= skip;
		pkg_add(f, fld[0], v, fld[2], "rpm");
	}
	return 0;
}

/* /lib/apk/db/installed P:, V:, A: lines; a P: starts a package. */
static int
pkg_apk_db(struct facts *f, struct span sec)
{
	struct lineiter	 it;
	struct span	 line, name, ver, arch;
	int		 have = 0;

	name = ver = arch = span_make(NULL, 0);
	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		if (line.n < 2 || line.s[1] != ':')
			continue;
		if (line.s[0] == 'P') {
			if (have)
				pkg_add(f, name, ver, arch, "apk");
			name = span_make(line.s + 2, line.n - 2);
			ver = arch = span_make(NULL, 0);
			have = name.n > 0;
		} else if (line.s[0] == 'V')
			ver = span_make(line.s + 2, line.n - 2);
		else if (line.s[0] == 'A')
			arch = span_make(line.s + 2, line.n - 2);
	}
	if (have)
		pkg_add(f, name, ver, arch, "apk");
	return 0;
}

/* `apk info -v` lines "name-version-rN": the version starts at the '-'
 * before the one that leads "-rN". */
static int
pkg_apk_info(struct facts *f, struct span sec)
{
	struct lineiter	 it;
	struct span	 line, none = span_make(NULL, 0);
	size_t		 r, i;

	lines_init(&it, sec);
	while (lines_next(&it, &line)) {
		if ((line = span_trim(line)).n == 0)
			continue;
		for (r = line.n; r > 0 && line.s[r - 1] != '-'; r--)
			;
		for (i = r > 1 ? r - 1 : 0; i > 0 && line.s[i - 1] != '-'; i--)
			;
		if (r < 2 || i < 2 || line.s[r] != 'r')
			pkg_add(f, line, none, none, "apk");
		else
			pkg_add(f, span_make(line.s, i - 1),
			    span_make(line.s + i, line.n - i), none, "apk");
	}
	return 0;
}

/* Parse whichever manager's section is there. */
static enum coll_status
packages_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	static const struct {
		const char	*section;	/* section name */
		const char	*manager;	/* packages.manager */
		int		(*fn)(struct facts *, struct span);
	} mgrs[] = {
		{ "dpkg", "dpkg", pkg_dpkg },
		{ "rpm", "rpm", pkg_rpm },
		{ "apk_db", "apk", pkg_apk_db },
		{ "apk", "apk", pkg_apk_info },
	};
	struct span	 text, sec;
	struct facts	 tmp;
	enum coll_status st;
	size_t		 i;
	int		 rc;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	for (i = 0; i < sizeof mgrs / sizeof mgrs[0]; i++) {
		if (!span_section(text, mgrs[i].section, &sec))
			continue;
		memset(&tmp, 0, sizeof tmp);
		if ((rc = mgrs[i].fn(&tmp, sec)) != 0 || tmp.nitems == 0) {
			perr(err, errlen, "%s: %s", mgrs[i].manager, rc != 0 ?
			    "malformed line" : "no installed package listed");
			facts_free(&tmp);
			return COLL_PARSE_ERROR;
		}
		fact_u64(&tmp, "packages.count", tmp.nitems);
		facts_add(&tmp, "packages.manager", mgrs[i].manager);
		facts_move_unique(f, &tmp);
		return COLL_OK;
	}
	perr(err, errlen, "no package manager section in the output");
	return COLL_PARSE_ERROR;
}

const struct collector collector_packages = {
	"packages",
	"LC_ALL=C; export LC_ALL\n"
	"if command -v dpkg-query >/dev/null 2>&1; then\n"
	"echo @@dpkg; dpkg-query -W -f='${Package}\\t${Version}\\t"
	"${Architecture}\\t${db:Status-Abbrev}\\n'\n"
	"elif [ -r /lib/apk/db/installed ]; then\n"
	"echo @@apk_db; grep '^[PVA]:' /lib/apk/db/installed\n"
	"elif command -v apk >/dev/null 2>&1; then\n"
	"echo @@apk; apk info -v 2>/dev/null\n"
	"elif command -v rpm >/dev/null 2>&1; then\n"
	"echo @@rpm; rpm -qa --qf "
	"'%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n'\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no dpkg, rpm or apk'; fi\n",
	packages_parse,
	"installed packages (dpkg, rpm, apk): name, version, arch",
};
