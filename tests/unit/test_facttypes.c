/* Fact key types: every key the built-in parsers emit from every fixture
 * (each distro's captured outputs, and every edge file through every
 * parser) has an entry and a value of its type; the table in
 * docs/COLLECTORS.md is the code's table; JSON values are typed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/facttypes.h"
#include "common/json.h"
#include "common/result.h"
#include "test.h"

/* Does value fit its key's type (empty and "unknown" stand for none)? */
static int
fits(const struct fact_type_entry *e, const char *v)
{
	if (e->type == FT_STRING || *v == '\0' || strcmp(v, "unknown") == 0)
		return 1;
	if (e->type == FT_BOOLEAN)
		return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0;
	if (e->type == FT_INTEGER)
		return json_number_ok(v) && strpbrk(v, ".eE") == NULL;
	return json_number_ok(v);
}

/* Parse one file with one parser; check every key it emits. Returns how
 * many keys were checked. */
static size_t
check_file(const struct collector *c, const char *path)
{
	const struct fact_type_entry	*e;
	struct facts			 f;
	char				*out, err[256];
	size_t				 len, k, n;

	if ((out = test_slurp(path, &len)) == NULL)
		return 0;
	memset(&f, 0, sizeof f);
	c->parse(out, len, &f, err, sizeof err);
	for (k = 0; k < f.n; k++) {
		e = fact_type_find(f.v[k].key);
		if (e == NULL || !fits(e, f.v[k].value))
			fprintf(stderr, "%s: %s = '%s': %s\n", path,
			    f.v[k].key, f.v[k].value, e == NULL ?
			    "no type entry" : "not of its type");
		CHECK(e != NULL && fits(e, f.v[k].value));
	}
	n = f.n;
	facts_free(&f);
	free(out);
	return n;
}

/* Every fixture through the parsers: each distro's <collector>.txt
 * through its own parser, every edge file through every parser. */
static void
test_fixture_keys(void)
{
	const struct collector	*c;
	struct dirent		*de;
	DIR			*d;
	char			 dir[1024], path[2048];
	size_t			 n, i, keys = 0;

	c = collector_builtins(&n);
	snprintf(dir, sizeof dir, "%s/collectors", test_fixtures());
	if ((d = opendir(dir)) == NULL) {
		CHECK(d != NULL);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "edge") == 0)
			continue;
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof path, "%s/%s/%s.txt", dir,
			    de->d_name, c[i].name);
			keys += check_file(&c[i], path);
		}
	}
	closedir(d);
	snprintf(dir, sizeof dir, "%s/collectors/edge", test_fixtures());
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			for (i = 0; de->d_name[0] != '.' && i < n; i++) {
				snprintf(path, sizeof path, "%s/%s", dir,
				    de->d_name);
				keys += check_file(&c[i], path);
			}
		closedir(d);
	}
	CHECK(d != NULL);
	CHECK(keys > 400);	/* the fixtures were really read */
	printf("%zu keys from the fixtures checked\n", keys);
}

/* Trim blanks and backquotes off a table cell in place. */
static char *
cell(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '`')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '`'))
		*--e = '\0';
	return s;
}

/* docs/COLLECTORS.md's "Fact types" table, row by row, is the code's
 * table: same keys in the same order, same types and units. */
static void
test_docs_table(void)
{
	const struct fact_type_entry	*t;
	FILE				*fp;
	char				 line[1024], *f[5], *p;
	size_t				 n, row = 0, i;
	int				 in = 0;

	t = fact_types(&n);
	if ((fp = fopen("../docs/COLLECTORS.md", "r")) == NULL) {
		CHECK(fp != NULL);
		return;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "## ", 3) == 0)
			in = strcmp(line, "## Fact types") == 0;
		if (!in || line[0] != '|' || strncmp(line, "| key", 5) == 0 ||
		    strncmp(line, "|---", 4) == 0)
			continue;
		p = line + 1;
		for (i = 0; i < 5 && p != NULL; i++) {
			f[i] = p;
			if ((p = strchr(p, '|')) != NULL)
				*p++ = '\0';
		}
		CHECK(i == 5);
		if (i < 5 || row >= n) {
			fprintf(stderr, "COLLECTORS.md: extra row %s\n", line);
			CHECK(row < n);
			break;
		}
		CHECK_STR(cell(f[0]), t[row].pattern);
		CHECK_STR(cell(f[1]), fact_type_str(t[row].type));
		CHECK_STR(cell(f[2]), t[row].unit);
		row++;
	}
	fclose(fp);
	CHECK(row == n);
}

/* fact_json_write of key and value, as a string. */
static const char *
js(const char *key, const char *value)
{
	static char	 buf[256];
	FILE		*fp;

	fp = fmemopen(buf, sizeof buf, "w");
	fact_json_write(fp, key, value);
	fclose(fp);
	return buf;
}

/* Numbers and booleans as JSON ones; everything else a string. */
static void
test_json(void)
{
	CHECK_STR(js("memory.total_bytes", "8589934592"), "8589934592");
	CHECK_STR(js("uptime.load1", "0.25"), "0.25");
	CHECK_STR(js("disks.sda.size_bytes", "480103981056"), "480103981056");
	CHECK_STR(js("users.root.uid", "0"), "0");
	CHECK_STR(js("time.ntp_synchronized", "yes"), "true");
	CHECK_STR(js("disks.vda.rotational", "no"), "false");
	CHECK_STR(js("time.ntp_synchronized", "unknown"), "null");
	CHECK_STR(js("cpu.mhz", ""), "null");
	CHECK_STR(js("memory.total_bytes", "lots"), "\"lots\"");
	CHECK_STR(js("os.version_id", "12"), "\"12\"");
	CHECK_STR(js("dmi.product_version", "0123"), "\"0123\"");
	CHECK_STR(js("custom.app.count", "5"), "\"5\"");
	CHECK_STR(js("nosuch.key", "5"), "\"5\"");
	CHECK_STR(js("os.id", NULL), "null");
	CHECK(fact_type_find("users.john.doe.uid") != NULL);
	CHECK(fact_type_find("custom.users.x.uid") == NULL);
}

int
main(void)
{
	test_fixture_keys();
	test_docs_table();
	test_json();
	TEST_MAIN_END();
}
