/* dmi: hardware identity from /sys/class/dmi/id; files only root may read
 * (product_serial, product_uuid on most kernels) are left out. */
#include <stdlib.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"

/* sysfs file names the command prints and their fact keys. */
static const struct {
	const char	*file;		/* name in /sys/class/dmi/id */
	const char	*key;		/* fact key */
} dmi_files[] = {
	{ "sys_vendor", "dmi.vendor" },
	{ "product_name", "dmi.product" },
	{ "product_version", "dmi.product_version" },
	{ "product_serial", "dmi.serial" },
	{ "product_uuid", "dmi.uuid" },
	{ "bios_vendor", "dmi.bios_vendor" },
	{ "bios_version", "dmi.bios_version" },
	{ "bios_date", "dmi.bios_date" },
	{ "board_vendor", "dmi.board_vendor" },
	{ "board_name", "dmi.board_name" },
	{ "chassis_type", "dmi.chassis_type" },
};

/* Parse "file=value" lines. */
static enum coll_status
dmi_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, v;
	enum coll_status st;
	size_t		 i, found = 0;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	for (i = 0; i < sizeof dmi_files / sizeof dmi_files[0]; i++)
		if (span_kv(text, dmi_files[i].file, '=', &v)) {
			fact_span(f, dmi_files[i].key, v);
			found++;
		}
	if (found == 0) {
		perr(err, errlen, "no DMI field in the output");
		return COLL_PARSE_ERROR;
	}
	return COLL_OK;
}

/* Every DMI attribute is one line: the shell's `read` takes each without
 * the fork and exec of a $(cat) (eleven per host). */
const struct collector collector_dmi = {
	"dmi",
	"LC_ALL=C; export LC_ALL\n"
	"d=/sys/class/dmi/id\n"
	"if [ -d \"$d\" ]; then\n"
	"for f in sys_vendor product_name product_version product_serial "
	"product_uuid bios_vendor bios_version bios_date board_vendor "
	"board_name chassis_type; do\n"
	"if [ -r \"$d/$f\" ] && { v=; IFS= read -r v || :; } 2>/dev/null "
	"<\"$d/$f\"; then printf '%s=%s\\n' \"$f\" \"$v\"; fi\n"
	"done\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no /sys/class/dmi/id'; fi\n",
	dmi_parse,
	"hardware vendor, product, serial (if readable), BIOS, board",
};
