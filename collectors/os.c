/* os: distribution identity from os-release(5). */
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"

/* os-release variables we report, with their fact keys and the default
 * os-release(5) gives when the variable is absent (NULL: report ""). */
static const struct {
	const char	*var;		/* os-release variable */
	const char	*key;		/* fact key */
	const char	*dflt;		/* value when absent */
} os_vars[] = {
	{ "ID", "os.id", "linux" },
	{ "VERSION_ID", "os.version_id", NULL },
	{ "PRETTY_NAME", "os.pretty_name", "Linux" },
	{ "NAME", "os.name", "Linux" },
	{ "VERSION", "os.version", NULL },
	{ "VERSION_CODENAME", "os.version_codename", NULL },
	{ "ID_LIKE", "os.id_like", NULL },
	{ "VARIANT_ID", "os.variant_id", NULL },
	{ "BUILD_ID", "os.build_id", NULL },
};

/* Parse os-release: KEY=value lines, shell-quoted values. */
static enum coll_status
os_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, v;
	enum coll_status st;
	size_t		 i, found = 0;
	char		*s;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	for (i = 0; i < sizeof os_vars / sizeof os_vars[0]; i++)
		if (span_kv(text, os_vars[i].var, '=', &v))
			found++;
	if (found == 0) {
		perr(err, errlen, "no os-release variables (ID, NAME, ...)");
		return COLL_PARSE_ERROR;
	}
	for (i = 0; i < sizeof os_vars / sizeof os_vars[0]; i++) {
		if (span_kv(text, os_vars[i].var, '=', &v)) {
			s = span_unquote(v);
			facts_add(f, os_vars[i].key, s);
			free(s);
		} else
			facts_add(f, os_vars[i].key, os_vars[i].dflt);
	}
	return COLL_OK;
}

const struct collector collector_os = {
	"os",
	"LC_ALL=C; export LC_ALL\n"
	"if [ -r /etc/os-release ]; then cat /etc/os-release\n"
	"elif [ -r /usr/lib/os-release ]; then cat /usr/lib/os-release\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no /etc/os-release'; fi\n",
	os_parse,
	"distribution from os-release: id, version, names, codename",
};
