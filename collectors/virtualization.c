/* virtualization: are we a VM, a container, or bare metal? systemd-detect-virt
 * when present, else DMI strings, the CPU hypervisor flag, /sys/hypervisor,
 * PID 1's cgroups and the marker files container runtimes leave. */
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/xmalloc.h"

/* DMI vendor/product substrings and the systemd-detect-virt name. */
static const struct {
	const char	*needle;	/* substring of sys_vendor/product */
	const char	*vm;		/* systemd-detect-virt name */
} virt_dmi[] = {
	{ "KVM", "kvm" },
	{ "QEMU", "qemu" },
	{ "VMware", "vmware" },
	{ "VirtualBox", "oracle" },
	{ "innotek", "oracle" },
	{ "Xen", "xen" },
	{ "Microsoft Corporation", "microsoft" },
	{ "Amazon EC2", "amazon" },
	{ "Google", "google" },
	{ "OpenStack", "kvm" },
	{ "Parallels", "parallels" },
	{ "BHYVE", "bhyve" },
	{ "Bochs", "bochs" },
};

/* cgroup path substrings of PID 1 and the container they betray. */
static const struct {
	const char	*needle;	/* substring of /proc/1/cgroup */
	const char	*name;		/* container name */
} virt_cgroup[] = {
	{ "/docker", "docker" },
	{ "docker-", "docker" },
	{ "/lxc", "lxc" },
	{ "libpod", "podman" },
	{ "kubepods", "container-other" },
	{ "containerd", "container-other" },
};

/* Does sp contain the string needle? */
static int
virt_contains(struct span sp, const char *needle)
{
	size_t	 n = strlen(needle), i;

	for (i = 0; n > 0 && i + n <= sp.n; i++)
		if (memcmp(sp.s + i, needle, n) == 0)
			return 1;
	return 0;
}

/* First line of a section, trimmed, or an empty span. */
static struct span
virt_first(struct span text, const char *name)
{
	struct span	 sec, line;
	struct lineiter	 it;

	if (span_section(text, name, &sec)) {
		lines_init(&it, sec);
		while (lines_next(&it, &line))
			if ((line = span_trim(line)).n > 0)
				return line;
	}
	return span_make(NULL, 0);
}

/* The VM type from the fallbacks, "none" when nothing says VM. */
static const char *
virt_vm_fallback(struct span text)
{
	struct span	 sec;
	size_t		 i;

	if (span_section(text, "dmi", &sec))
		for (i = 0; i < sizeof virt_dmi / sizeof virt_dmi[0]; i++)
			if (virt_contains(sec, virt_dmi[i].needle))
				return virt_dmi[i].vm;
	if (span_eq(virt_first(text, "hypervisor_type"), "xen"))
		return "xen";
	if (span_section(text, "cpuflags", &sec) &&
	    virt_contains(sec, " hypervisor"))
		return "vm-other";
	return "none";
}

/* The container type from the fallbacks, "none" when nothing says so;
 * /run/systemd/container names it itself (caller frees). */
static char *
virt_container_fallback(struct span text)
{
	struct span	 sec, v;
	size_t		 i;

	v = virt_first(text, "container_file");
	if (v.n > 0 && v.n < 32 && !span_has(v, ' '))
		return span_key(v);
	if (span_section(text, "markers", &sec)) {
		if (virt_contains(sec, "podman"))
			return xstrdup("podman");
		if (virt_contains(sec, "docker"))
			return xstrdup("docker");
	}
	if (span_section(text, "cgroup", &sec))
		for (i = 0; i < sizeof virt_cgroup / sizeof virt_cgroup[0];
		    i++)
			if (virt_contains(sec, virt_cgroup[i].needle))
				return xstrdup(virt_cgroup[i].name);
	return xstrdup("none");
}

/* Parse; systemd-detect-virt's answer wins over the fallbacks. */
static enum coll_status
virtualization_parse(const char *out, size_t len, struct facts *f,
    char *err, size_t errlen)
{
	struct span	 text, vm, ct;
	enum coll_status st;
	char		*vms, *cts;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	if (!span_section(text, "cpuflags", &vm) &&
	    !span_section(text, "sdv_vm", &vm)) {
		perr(err, errlen, "no known section in the output");
		return COLL_PARSE_ERROR;
	}
	vm = virt_first(text, "sdv_vm");
	ct = virt_first(text, "sdv_container");
	vms = vm.n > 0 ? span_key(vm) : NULL;
	cts = ct.n > 0 ? span_key(ct) : virt_container_fallback(text);
	facts_add(f, "virtualization.vm", vms != NULL ? vms :
	    virt_vm_fallback(text));
	facts_add(f, "virtualization.container", cts);
	free(vms);
	free(cts);
	if (strcmp(facts_get(f, "virtualization.container"), "none") != 0)
		facts_add(f, "virtualization.type",
		    facts_get(f, "virtualization.container"));
	else
		facts_add(f, "virtualization.type",
		    facts_get(f, "virtualization.vm"));
	facts_add(f, "virtualization.role",
	    strcmp(facts_get(f, "virtualization.type"), "none") == 0 ?
	    "host" : "guest");
	return COLL_OK;
}

/* systemd-detect-virt answers both questions where it exists, and then
 * the fallbacks are never read, so they run only when it is missing or
 * silent. They use the shell's `read` (one-line files; the first cpuinfo
 * block holds the flags line; at most 40 cgroup lines), no exec at all. */
const struct collector collector_virtualization = {
	"virtualization",
	"LC_ALL=C; export LC_ALL\n"
	"v=; c=\n"
	"if command -v systemd-detect-virt >/dev/null 2>&1; then\n"
	"v=$(systemd-detect-virt --vm 2>/dev/null)\n"
	"c=$(systemd-detect-virt --container 2>/dev/null)\n"
	"echo @@sdv_vm; if [ -n \"$v\" ]; then printf '%s\\n' \"$v\"; fi\n"
	"echo @@sdv_container; if [ -n \"$c\" ]; then "
	"printf '%s\\n' \"$c\"; fi\n"
	"fi\n"
	"if [ -z \"$v\" ] || [ -z \"$c\" ]; then\n"
	"r() { x=; if { IFS= read -r x || [ -n \"$x\" ]; } 2>/dev/null <\"$1\"; "
	"then printf '%s\\n' \"$x\"; fi; }\n"
	"echo @@cpuflags\n"
	"{ while IFS= read -r x; do case $x in flags*) printf '%s\\n' \"$x\"; "
	"break ;; '') break ;; esac; done; } 2>/dev/null </proc/cpuinfo\n"
	"echo @@dmi; r /sys/class/dmi/id/sys_vendor; "
	"r /sys/class/dmi/id/product_name\n"
	"echo @@hypervisor_type; r /sys/hypervisor/type\n"
	"echo @@container_file; r /run/systemd/container\n"
	"echo @@cgroup; n=0\n"
	"{ while [ \"$n\" -lt 40 ] && IFS= read -r x; do printf '%s\\n' \"$x\"; "
	"n=$((n + 1)); done; } 2>/dev/null </proc/1/cgroup\n"
	"echo @@markers\n"
	"if [ -e /.dockerenv ]; then echo docker; fi\n"
	"if [ -e /run/.containerenv ]; then echo podman; fi\n"
	"fi\n",
	virtualization_parse,
	"VM and container type (systemd-detect-virt, /proc, /sys fallbacks)",
};
