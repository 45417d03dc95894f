/* Fact key types (see facttypes.h): one table, read by every JSON output
 * that prints a fact's value. A new built-in key is one line here and one
 * in docs/COLLECTORS.md. */
#include <fnmatch.h>
#include <string.h>

#include "collectors/facttypes.h"
#include "common/json.h"

static const char *const fact_type_names[] = {
	[FT_STRING] = "string",
	[FT_INTEGER] = "integer",
	[FT_NUMBER] = "number",
	[FT_BOOLEAN] = "boolean",
};
_Static_assert(sizeof fact_type_names / sizeof fact_type_names[0] == FT_MAX,
    "a name per fact type");

/* Exact keys before the globs that could also match them. */
static const struct fact_type_entry fact_type_table[] = {
	{ "os.id", FT_STRING, "" },
	{ "os.version_id", FT_STRING, "" },
	{ "os.pretty_name", FT_STRING, "" },
	{ "os.name", FT_STRING, "" },
	{ "os.version", FT_STRING, "" },
	{ "os.version_codename", FT_STRING, "" },
	{ "os.id_like", FT_STRING, "" },
	{ "os.variant_id", FT_STRING, "" },
	{ "os.build_id", FT_STRING, "" },
	{ "kernel.name", FT_STRING, "" },
	{ "kernel.release", FT_STRING, "" },
	{ "kernel.version", FT_STRING, "" },
	{ "kernel.machine", FT_STRING, "" },
	{ "hostname.hostname", FT_STRING, "" },
	{ "hostname.nodename", FT_STRING, "" },
	{ "hostname.fqdn", FT_STRING, "" },
	{ "hostname.domain", FT_STRING, "" },
	{ "cpu.count", FT_INTEGER, "" },
	{ "cpu.model", FT_STRING, "" },
	{ "cpu.sockets", FT_INTEGER, "" },
	{ "cpu.cores", FT_INTEGER, "" },
	{ "cpu.threads_per_core", FT_INTEGER, "" },
	{ "cpu.mhz", FT_NUMBER, "MHz" },
	{ "cpu.vendor", FT_STRING, "" },
	{ "cpu.flags_summary", FT_STRING, "" },
	{ "memory.total_bytes", FT_INTEGER, "bytes" },
	{ "memory.available_bytes", FT_INTEGER, "bytes" },
	{ "memory.swap_total_bytes", FT_INTEGER, "bytes" },
	{ "memory.swap_free_bytes", FT_INTEGER, "bytes" },
	{ "uptime.seconds", FT_NUMBER, "seconds" },
	{ "uptime.load1", FT_NUMBER, "" },
	{ "uptime.load5", FT_NUMBER, "" },
	{ "uptime.load15", FT_NUMBER, "" },
	{ "virtualization.type", FT_STRING, "" },
	{ "virtualization.role", FT_STRING, "" },
	{ "virtualization.vm", FT_STRING, "" },
	{ "virtualization.container", FT_STRING, "" },
	{ "dmi.vendor", FT_STRING, "" },
	{ "dmi.product", FT_STRING, "" },
	{ "dmi.product_version", FT_STRING, "" },
	{ "dmi.serial", FT_STRING, "" },
	{ "dmi.uuid", FT_STRING, "" },
	{ "dmi.bios_vendor", FT_STRING, "" },
	{ "dmi.bios_version", FT_STRING, "" },
	{ "dmi.bios_date", FT_STRING, "" },
	{ "dmi.board_vendor", FT_STRING, "" },
	{ "dmi.board_name", FT_STRING, "" },
	{ "dmi.chassis_type", FT_INTEGER, "" },
	{ "time.timezone", FT_STRING, "" },
	{ "time.ntp_synchronized", FT_BOOLEAN, "" },
	{ "time.ntp_source", FT_STRING, "" },
	{ "time.epoch", FT_INTEGER, "seconds" },
	{ "disks.count", FT_INTEGER, "" },
	{ "disks.names", FT_STRING, "" },
	{ "disks.*.size_bytes", FT_INTEGER, "bytes" },
	{ "disks.*.type", FT_STRING, "" },
	{ "disks.*.model", FT_STRING, "" },
	{ "disks.*.rotational", FT_BOOLEAN, "" },
	{ "filesystems.count", FT_INTEGER, "" },
	{ "network.default_ipv4_gateway", FT_STRING, "" },
	{ "network.default_ipv6_gateway", FT_STRING, "" },
	{ "network.default_interface", FT_STRING, "" },
	{ "network.dns_servers", FT_STRING, "" },
	{ "network.interface_count", FT_INTEGER, "" },
	{ "users.count", FT_INTEGER, "" },
	{ "users.names", FT_STRING, "" },
	{ "users.*.uid", FT_INTEGER, "" },
	{ "users.*.gid", FT_INTEGER, "" },
	{ "users.*.home", FT_STRING, "" },
	{ "users.*.shell", FT_STRING, "" },
	{ "ssh_host_keys.count", FT_INTEGER, "" },
	{ "ssh_host_keys.types", FT_STRING, "" },
	{ "ssh_host_keys.*.fingerprint", FT_STRING, "" },
	{ "ssh_host_keys.*.bits", FT_INTEGER, "bits" },
	{ "ssh_host_keys.*.public_key", FT_STRING, "" },
	{ "services.count", FT_INTEGER, "" },
	{ "services.running", FT_INTEGER, "" },
	{ "packages.count", FT_INTEGER, "" },
	{ "packages.manager", FT_STRING, "" },
};

/* The table, for the docs test. */
const struct fact_type_entry *
fact_types(size_t *n)
{
	*n = sizeof fact_type_table / sizeof fact_type_table[0];
	return fact_type_table;
}

/* First entry whose pattern matches; custom.* keys are never typed. */
const struct fact_type_entry *
fact_type_find(const char *key)
{
	size_t	 i, n;

	if (key == NULL || strncmp(key, "custom.", 7) == 0)
		return NULL;
	n = sizeof fact_type_table / sizeof fact_type_table[0];
	for (i = 0; i < n; i++)
		if (fnmatch(fact_type_table[i].pattern, key, 0) == 0)
			return &fact_type_table[i];
	return NULL;
}

/* Name of a type, as the docs write it. */
const char *
fact_type_str(enum fact_type t)
{
	return t >= 0 && t < FT_MAX ? fact_type_names[t] : "string";
}

/* A typed key's value that JSON cannot carry as its type: empty or
 * "unknown" is null, any other misfit stays the text it is. */
static int
fact_json_misfit(FILE *fp, const char *value)
{
	if (*value == '\0' || strcmp(value, "unknown") == 0) {
		fputs("null", fp);
		return 1;
	}
	return 0;
}

/* Print value as the JSON of its key's type. */
void
fact_json_write(FILE *fp, const char *key, const char *value)
{
	const struct fact_type_entry	*e;

	if (value == NULL) {
		fputs("null", fp);
		return;
	}
	e = fact_type_find(key);
	if (e == NULL || e->type == FT_STRING)
		json_write_string(fp, value);
	else if (fact_json_misfit(fp, value))
		return;
	else if ((e->type == FT_INTEGER || e->type == FT_NUMBER) &&
	    json_number_ok(value))
		fputs(value, fp);
	else if (e->type == FT_BOOLEAN && (strcmp(value, "yes") == 0 ||
	    strcmp(value, "true") == 0))
		fputs("true", fp);
	else if (e->type == FT_BOOLEAN && (strcmp(value, "no") == 0 ||
	    strcmp(value, "false") == 0))
		fputs("false", fp);
	else
		json_write_string(fp, value);
}
