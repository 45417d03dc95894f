/* Built-in collector parsers against captured (debian12) and documented
 * (ubuntu2204, rocky9, alpine319) outputs, edge cases, mutated input, and
 * the commands themselves under sh -n and a local run. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/result.h"
#include "test.h"

/* One expected fact value for a distro's fixture. */
struct want {
	const char	*distro;	/* fixture folder */
	const char	*coll;		/* collector name */
	const char	*key;		/* fact key */
	const char	*value;		/* expected value; NULL = absent */
};

/* Expected list rows for a distro's fixture. */
struct want_items {
	const char	*distro;	/* fixture folder */
	const char	*coll;		/* collector name */
	enum item_kind	 kind;		/* which rows */
	size_t		 n;		/* how many */
};

static const char *const distros[] = {
	"debian12", "ubuntu2204", "rocky9", "alpine319",
};
#define NDISTROS	(sizeof distros / sizeof distros[0])

static const struct want wants[] = {
	/* os */
	{ "debian12", "os", "os.id", "debian" },
	{ "debian12", "os", "os.version_id", "12" },
	{ "debian12", "os", "os.pretty_name", "Debian GNU/Linux 12 (bookworm)" },
	{ "debian12", "os", "os.version_codename", "bookworm" },
	{ "debian12", "os", "os.id_like", "" },
	{ "ubuntu2204", "os", "os.id", "ubuntu" },
	{ "ubuntu2204", "os", "os.version_id", "22.04" },
	{ "ubuntu2204", "os", "os.pretty_name", "Ubuntu 22.04.4 LTS" },
	{ "ubuntu2204", "os", "os.id_like", "debian" },
	{ "ubuntu2204", "os", "os.version_codename", "jammy" },
	{ "rocky9", "os", "os.id", "rocky" },
	{ "rocky9", "os", "os.version_id", "9.3" },
	{ "rocky9", "os", "os.name", "Rocky Linux" },
	{ "rocky9", "os", "os.id_like", "rhel centos fedora" },
	{ "rocky9", "os", "os.version_codename", "" },
	{ "alpine319", "os", "os.id", "alpine" },
	{ "alpine319", "os", "os.version_id", "3.19.1" },
	{ "alpine319", "os", "os.pretty_name", "Alpine Linux v3.19" },
	/* kernel */
	{ "debian12", "kernel", "kernel.name", "Linux" },
	{ "debian12", "kernel", "kernel.machine", "x86_64" },
	{ "ubuntu2204", "kernel", "kernel.release", "5.15.0-97-generic" },
	{ "ubuntu2204", "kernel", "kernel.version",
	    "#107-Ubuntu SMP Wed Feb 7 13:26:48 UTC 2024" },
	{ "rocky9", "kernel", "kernel.release", "5.14.0-362.18.1.el9_3.x86_64" },
	{ "rocky9", "kernel", "kernel.machine", "x86_64" },
	{ "alpine319", "kernel", "kernel.release", "6.6.14-0-lts" },
	{ "alpine319", "kernel", "kernel.machine", "aarch64" },
	/* cpu */
	{ "debian12", "cpu", "cpu.count", "2" },
	{ "debian12", "cpu", "cpu.model", "AMD EPYC" },
	{ "debian12", "cpu", "cpu.sockets", "1" },
	{ "debian12", "cpu", "cpu.cores", "2" },
	{ "debian12", "cpu", "cpu.threads_per_core", "1" },
	{ "debian12", "cpu", "cpu.mhz", "2096" },
	{ "debian12", "cpu", "cpu.flags_summary",
	    "hypervisor,aes,sha_ni,avx,avx2,avx512f,sse4_2" },
	{ "ubuntu2204", "cpu", "cpu.count", "4" },
	{ "ubuntu2204", "cpu", "cpu.model",
	    "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz" },
	{ "ubuntu2204", "cpu", "cpu.sockets", "1" },
	{ "ubuntu2204", "cpu", "cpu.cores", "2" },
	{ "ubuntu2204", "cpu", "cpu.threads_per_core", "2" },
	{ "ubuntu2204", "cpu", "cpu.mhz", "3900" },
	{ "ubuntu2204", "cpu", "cpu.flags_summary",
	    "vmx,aes,avx,avx2,avx512f,sse4_2" },
	{ "rocky9", "cpu", "cpu.count", "4" },
	{ "rocky9", "cpu", "cpu.sockets", "2" },
	{ "rocky9", "cpu", "cpu.cores", "4" },
	{ "rocky9", "cpu", "cpu.threads_per_core", "1" },
	{ "rocky9", "cpu", "cpu.mhz", "2793" },
	{ "rocky9", "cpu", "cpu.vendor", "GenuineIntel" },
	{ "alpine319", "cpu", "cpu.count", "2" },
	{ "alpine319", "cpu", "cpu.model", "ARM Neoverse-N1" },
	{ "alpine319", "cpu", "cpu.sockets", "1" },
	{ "alpine319", "cpu", "cpu.cores", "2" },
	{ "alpine319", "cpu", "cpu.flags_summary",
	    "aes,asimd,sha2,atomics,crc32" },
	/* memory */
	{ "debian12", "memory", "memory.total_bytes", "25276026880" },
	{ "debian12", "memory", "memory.available_bytes", "24779001856" },
	{ "ubuntu2204", "memory", "memory.total_bytes", "16695189504" },
	{ "ubuntu2204", "memory", "memory.available_bytes", "14203949056" },
	{ "ubuntu2204", "memory", "memory.swap_total_bytes", "2147479552" },
	{ "rocky9", "memory", "memory.total_bytes", "8050741248" },
	{ "rocky9", "memory", "memory.swap_free_bytes", "4127191040" },
	{ "alpine319", "memory", "memory.total_bytes", "1028968448" },
	{ "alpine319", "memory", "memory.swap_total_bytes", "0" },
	/* uptime */
	{ "debian12", "uptime", "uptime.seconds", "705" },
	{ "debian12", "uptime", "uptime.load1", "12.59" },
	{ "ubuntu2204", "uptime", "uptime.seconds", "1209655" },
	{ "ubuntu2204", "uptime", "uptime.load15", "0.59" },
	{ "rocky9", "uptime", "uptime.seconds", "86412" },
	{ "rocky9", "uptime", "uptime.load5", "0.87" },
	{ "alpine319", "uptime", "uptime.seconds", "3600" },
	{ "alpine319", "uptime", "uptime.load1", "0.00" },
	/* hostname */
	{ "debian12", "hostname", "hostname.hostname", "vm" },
	{ "ubuntu2204", "hostname", "hostname.fqdn", "web-01.example.com" },
	{ "ubuntu2204", "hostname", "hostname.domain", "example.com" },
	{ "rocky9", "hostname", "hostname.hostname", "db-07" },
	{ "rocky9", "hostname", "hostname.domain", "prod.example.net" },
	{ "alpine319", "hostname", "hostname.fqdn", "alpine-3.ec2.internal" },
	/* virtualization */
	{ "debian12", "virtualization", "virtualization.container", "docker" },
	{ "debian12", "virtualization", "virtualization.role", "guest" },
	{ "ubuntu2204", "virtualization", "virtualization.type", "none" },
	{ "ubuntu2204", "virtualization", "virtualization.role", "host" },
	{ "rocky9", "virtualization", "virtualization.type", "kvm" },
	{ "rocky9", "virtualization", "virtualization.container", "none" },
	{ "alpine319", "virtualization", "virtualization.type", "amazon" },
	{ "alpine319", "virtualization", "virtualization.role", "guest" },
	/* dmi */
	{ "debian12", "dmi", "dmi.vendor", "Supermicro" },
	{ "debian12", "dmi", "dmi.serial", NULL },
	{ "ubuntu2204", "dmi", "dmi.product", "PowerEdge R640" },
	{ "ubuntu2204", "dmi", "dmi.bios_version", "2.19.1" },
	{ "rocky9", "dmi", "dmi.product", "Standard PC (Q35 + ICH9, 2009)" },
	{ "rocky9", "dmi", "dmi.bios_vendor", "SeaBIOS" },
	{ "alpine319", "dmi", "dmi.bios_date", "11/1/2018" },
	/* time */
	{ "debian12", "time", "time.timezone", "Etc/UTC" },
	{ "debian12", "time", "time.ntp_synchronized", "unknown" },
	{ "ubuntu2204", "time", "time.timezone", "Europe/Berlin" },
	{ "ubuntu2204", "time", "time.ntp_synchronized", "yes" },
	{ "ubuntu2204", "time", "time.epoch", "1708000000" },
	{ "rocky9", "time", "time.timezone", "UTC" },
	{ "rocky9", "time", "time.ntp_synchronized", "no" },
	{ "alpine319", "time", "time.timezone", "Europe/Paris" },
	{ "alpine319", "time", "time.ntp_synchronized", "yes" },
	{ "alpine319", "time", "time.ntp_source", "chrony" },
	/* disks */
	{ "debian12", "disks", "disks.count", "1" },
	{ "debian12", "disks", "disks.vda.size_bytes", "274877906944" },
	{ "debian12", "disks", "disks.zram0.size_bytes", NULL },
	{ "ubuntu2204", "disks", "disks.count", "3" },
	{ "ubuntu2204", "disks", "disks.sda.rotational", "no" },
	{ "ubuntu2204", "disks", "disks.sdb.rotational", "yes" },
	{ "ubuntu2204", "disks", "disks.nvme0n1.model",
	    "Dell Ent NVMe AGN MU U.2 1.6TB" },
	{ "ubuntu2204", "disks", "disks.loop0.type", NULL },
	{ "rocky9", "disks", "disks.names", "vda,vdb" },
	{ "alpine319", "disks", "disks.nvme0n1.size_bytes", "8589934592" },
	{ "alpine319", "disks", "disks.count", "2" },
	/* filesystems */
	{ "debian12", "filesystems", "filesystems.count", "2" },
	{ "ubuntu2204", "filesystems", "filesystems.count", "5" },
	{ "rocky9", "filesystems", "filesystems.count", "3" },
	{ "alpine319", "filesystems", "filesystems.count", "2" },
	/* network */
	{ "debian12", "network", "network.default_ipv4_gateway", "192.0.2.1" },
	{ "debian12", "network", "network.default_interface", "eth0" },
	{ "ubuntu2204", "network", "network.dns_servers",
	    "10.20.0.2,10.20.0.3" },
	{ "ubuntu2204", "network", "network.default_ipv6_gateway", "fe80::1" },
	{ "ubuntu2204", "network", "network.interface_count", "5" },
	{ "rocky9", "network", "network.default_ipv4_gateway",
	    "192.168.122.1" },
	{ "rocky9", "network", "network.default_ipv6_gateway", "" },
	{ "alpine319", "network", "network.default_interface", "eth0" },
	{ "alpine319", "network", "network.dns_servers", "172.31.0.2" },
	/* packages */
	{ "debian12", "packages", "packages.manager", "dpkg" },
	{ "debian12", "packages", "packages.count", "860" },
	{ "ubuntu2204", "packages", "packages.count", "13" },
	{ "rocky9", "packages", "packages.manager", "rpm" },
	{ "rocky9", "packages", "packages.count", "11" },
	{ "alpine319", "packages", "packages.manager", "apk" },
	/* services */
	{ "debian12", "services", "services.count", "13" },
	{ "debian12", "services", "services.running", "6" },
	{ "ubuntu2204", "services", "services.running", "7" },
	{ "rocky9", "services", "services.count", "10" },
	{ "alpine319", "services", "services.running", "6" },
	/* users */
	{ "debian12", "users", "users.count", "4" },
	{ "debian12", "users", "users.root.shell", "/bin/bash" },
	{ "ubuntu2204", "users", "users.names", "root,ubuntu,deploy" },
	{ "ubuntu2204", "users", "users.deploy.home", "/home/deploy" },
	{ "ubuntu2204", "users", "users.lxd.uid", NULL },
	{ "rocky9", "users", "users.postgres.uid", "26" },
	{ "rocky9", "users", "users.halt.uid", NULL },
	{ "alpine319", "users", "users.alpine.shell", "/bin/ash" },
	/* ssh_host_keys */
	{ "debian12", "ssh_host_keys", "ssh_host_keys.ed25519.fingerprint",
	    "SHA256:MhalBhXJuOASLa6Th5yprYog+8BKp24YIigLfNfUJVo" },
	{ "debian12", "ssh_host_keys", "ssh_host_keys.rsa.bits", "3072" },
	{ "ubuntu2204", "ssh_host_keys", "ssh_host_keys.count", "4" },
	{ "ubuntu2204", "ssh_host_keys", "ssh_host_keys.dsa.bits", "1024" },
	{ "rocky9", "ssh_host_keys", "ssh_host_keys.types", "ecdsa,ed25519,rsa" },
	{ "alpine319", "ssh_host_keys", "ssh_host_keys.ecdsa.fingerprint",
	    "SHA256:B3k2pR8aFq0X5tL9nV7cW1eY4uZ6iO0pA2sD3fG4hJk" },
};

static const struct want_items want_items[] = {
	{ "debian12", "packages", ITEM_PACKAGE, 860 },
	{ "ubuntu2204", "packages", ITEM_PACKAGE, 13 },
	{ "rocky9", "packages", ITEM_PACKAGE, 11 },
	{ "alpine319", "packages", ITEM_PACKAGE, 9 },
	{ "debian12", "services", ITEM_SERVICE, 13 },
	{ "ubuntu2204", "services", ITEM_SERVICE, 10 },
	{ "rocky9", "services", ITEM_SERVICE, 10 },
	{ "alpine319", "services", ITEM_SERVICE, 8 },
	{ "debian12", "network", ITEM_INTERFACE, 4 },
	{ "debian12", "network", ITEM_ADDRESS, 5 },
	{ "ubuntu2204", "network", ITEM_INTERFACE, 5 },
	{ "ubuntu2204", "network", ITEM_ADDRESS, 6 },
	{ "rocky9", "network", ITEM_ADDRESS, 5 },
	{ "alpine319", "network", ITEM_ADDRESS, 3 },
	{ "debian12", "filesystems", ITEM_FILESYSTEM, 2 },
	{ "ubuntu2204", "filesystems", ITEM_FILESYSTEM, 5 },
	{ "rocky9", "filesystems", ITEM_FILESYSTEM, 3 },
	{ "alpine319", "filesystems", ITEM_FILESYSTEM, 2 },
};

/* One list row a fixture must contain, matched field by field (NULL in
 * want = any value). */
struct want_row {
	const char	*distro;		/* fixture folder */
	const char	*coll;			/* collector name */
	enum item_kind	 kind;			/* which rows */
	const char	*f[ITEM_FIELDS];	/* expected fields */
};

static const struct want_row want_rows[] = {
	{ "ubuntu2204", "packages", ITEM_PACKAGE,
	    { "docker-ce", "5:25.0.3-1~ubuntu.22.04~jammy", "amd64", "dpkg" } },
	{ "ubuntu2204", "packages", ITEM_PACKAGE,
	    { "libc6", "2.35-0ubuntu3.6", "i386", "dpkg" } },
	{ "rocky9", "packages", ITEM_PACKAGE,
	    { "openssl", "1:3.0.7-25.el9_3", "x86_64", "rpm" } },
	{ "rocky9", "packages", ITEM_PACKAGE,
	    { "bash", "5.1.8-6.el9_1", "x86_64", "rpm" } },
	{ "alpine319", "packages", ITEM_PACKAGE,
	    { "musl", "1.2.4_git20230717-r4", "aarch64", "apk" } },
	{ "debian12", "packages", ITEM_PACKAGE,
	    { "openssl", "3.0.19-1~deb12u2", "amd64", "dpkg" } },
	{ "debian12", "services", ITEM_SERVICE,
	    { "getty@tty1.service", "loaded", "active", "running",
	    "enabled" } },
	{ "debian12", "services", ITEM_SERVICE,
	    { "exim4.service", "not-found", "inactive", "dead", "unknown" } },
	{ "debian12", "services", ITEM_SERVICE,
	    { "nftables.service", "not-loaded", "inactive", "dead",
	    "disabled" } },
	{ "ubuntu2204", "services", ITEM_SERVICE,
	    { "apport-autoreport.service", "loaded", "inactive", "dead",
	    "static" } },
	{ "rocky9", "services", ITEM_SERVICE,
	    { "kdump.service", "loaded", "failed", "failed", "enabled" } },
	{ "alpine319", "services", ITEM_SERVICE,
	    { "nginx", "loaded", "failed", "crashed", "enabled" } },
	{ "alpine319", "services", ITEM_SERVICE,
	    { "local", "loaded", "inactive", "stopped", "disabled" } },
	{ "ubuntu2204", "network", ITEM_INTERFACE,
	    { "eno1", "b0:26:28:4c:1a:10", "1500", "up" } },
	{ "ubuntu2204", "network", ITEM_INTERFACE,
	    { "veth1a2b3c4", "3e:11:22:33:44:55", "1500", "up" } },
	{ "ubuntu2204", "network", ITEM_ADDRESS,
	    { "eno1", "inet6", "2001:db8:20:30::41", "64" } },
	{ "rocky9", "network", ITEM_ADDRESS,
	    { "eth0", "inet", "192.168.122.200", "32" } },
	{ "alpine319", "network", ITEM_INTERFACE,
	    { "eth0", "0a:1b:2c:3d:4e:5f", "9001", "up" } },
	{ "ubuntu2204", "filesystems", ITEM_FILESYSTEM,
	    { "/mnt/backup disk", "/dev/sdb1", "ext4", "3936820731904",
	    "1236393984" } },
	{ "rocky9", "filesystems", ITEM_FILESYSTEM,
	    { "/var/lib/pgsql", "/dev/vdb1", "xfs", "214642462720",
	    "86234341376" } },
	{ "alpine319", "filesystems", ITEM_FILESYSTEM,
	    { "/boot", "/dev/nvme0n1p1", "vfat", "313942016", "25206784" } },
};

/* Read tests/fixtures/collectors/<dir>/<name>. */
static char *
fixture(const char *dir, const char *name, size_t *len)
{
	char	 path[1024];

	snprintf(path, sizeof path, "%s/collectors/%s/%s", test_fixtures(), dir,
	    name);
	return test_slurp(path, len);
}

/* Parse a distro's fixture for a collector into f; the status. */
static enum coll_status
parse_fixture(const char *distro, const char *coll, struct facts *f,
    char *err, size_t errlen)
{
	const struct collector	*c = collector_find(coll);
	char			 name[128], *out;
	size_t			 len;
	enum coll_status	 st;

	err[0] = '\0';
	snprintf(name, sizeof name, "%s.txt", coll);
	if (c == NULL || (out = fixture(distro, name, &len)) == NULL) {
		fprintf(stderr, "missing collector or fixture %s/%s\n",
		    distro, name);
		return COLL_STATUS_MAX;
	}
	st = c->parse(out, len, f, err, errlen);
	free(out);
	return st;
}

/* Every built-in parses every distro's fixture with COLL_OK, and every
 * key starts with "<collector>.". */
static void
test_all_fixtures_ok(void)
{
	const struct collector	*c;
	struct facts		 f;
	size_t			 n, i, d, k;
	enum coll_status	 st;
	char			 err[256], prefix[64];

	c = collector_builtins(&n);
	for (i = 0; i < n; i++)
		for (d = 0; d < NDISTROS; d++) {
			memset(&f, 0, sizeof f);
			st = parse_fixture(distros[d], c[i].name, &f, err,
			    sizeof err);
			if (st != COLL_OK)
				fprintf(stderr, "%s/%s: %s: %s\n", distros[d],
				    c[i].name, coll_status_str(st), err);
			CHECK(st == COLL_OK);
			snprintf(prefix, sizeof prefix, "%s.", c[i].name);
			for (k = 0; k < f.n; k++)
				CHECK(strncmp(f.v[k].key, prefix,
				    strlen(prefix)) == 0);
			CHECK(f.n + f.nitems > 0);
			facts_free(&f);
		}
}

/* Are two parses the same facts and rows, in the same order? */
static int
facts_same(const struct facts *a, const struct facts *b)
{
	size_t	 i, k;

	if (a->n != b->n || a->nitems != b->nitems)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, b->v[i].key) != 0 ||
		    strcmp(a->v[i].value, b->v[i].value) != 0)
			return 0;
	for (i = 0; i < a->nitems; i++) {
		if (a->items[i].kind != b->items[i].kind)
			return 0;
		for (k = 0; k < ITEM_FIELDS; k++)
			if ((a->items[i].f[k] == NULL) !=
			    (b->items[i].f[k] == NULL) ||
			    (a->items[i].f[k] != NULL &&
			    strcmp(a->items[i].f[k], b->items[i].f[k]) != 0))
				return 0;
	}
	return 1;
}

/* The combined script sends a built-in's output with exactly one trailing
 * newline (collectors/script.c captures it with $( ), which strips them):
 * every fixture gives the same facts with none, one or three. */
static void
test_trailing_newlines(void)
{
	static const char *const tails[] = { "", "\n", "\n\n\n" };
	const struct collector	*c;
	struct facts		 f0, f1;
	char			 name[128], err[256], *out, *cp;
	size_t			 n, i, d, t, len;

	c = collector_builtins(&n);
	for (i = 0; i < n; i++)
		for (d = 0; d < NDISTROS; d++) {
			snprintf(name, sizeof name, "%s.txt", c[i].name);
			if ((out = fixture(distros[d], name, &len)) == NULL)
				continue;	/* test_all_fixtures_ok says */
			memset(&f0, 0, sizeof f0);
			c[i].parse(out, len, &f0, err, sizeof err);
			while (len > 0 && out[len - 1] == '\n')
				len--;
			for (t = 0; t < sizeof tails / sizeof tails[0]; t++) {
				cp = malloc(len + 4);
				memcpy(cp, out, len);
				strcpy(cp + len, tails[t]);
				memset(&f1, 0, sizeof f1);
				c[i].parse(cp, strlen(cp), &f1, err,
				    sizeof err);
				if (!facts_same(&f0, &f1))
					fprintf(stderr, "%s/%s: other facts "
					    "with %zu trailing newlines\n",
					    distros[d], c[i].name,
					    strlen(tails[t]));
				CHECK(facts_same(&f0, &f1));
				facts_free(&f1);
				free(cp);
			}
			facts_free(&f0);
			free(out);
		}
}

/* The specific values in wants[]. */
static void
test_wanted_values(void)
{
	struct facts	 f;
	size_t		 i;
	char		 err[256];
	const char	*v;

	for (i = 0; i < sizeof wants / sizeof wants[0]; i++) {
		memset(&f, 0, sizeof f);
		parse_fixture(wants[i].distro, wants[i].coll, &f, err,
		    sizeof err);
		v = facts_get(&f, wants[i].key);
		if (wants[i].value == NULL) {
			if (v != NULL)
				fprintf(stderr, "%s: %s unexpectedly = %s\n",
				    wants[i].distro, wants[i].key, v);
			CHECK(v == NULL);
		} else {
			if (v == NULL || strcmp(v, wants[i].value) != 0)
				fprintf(stderr, "%s: ", wants[i].distro);
			CHECK_STR(v, wants[i].value);
		}
		facts_free(&f);
	}
}

/* The row counts in want_items[]. */
static void
test_wanted_items(void)
{
	struct facts	 f;
	size_t		 i, j, n;
	char		 err[256];

	for (i = 0; i < sizeof want_items / sizeof want_items[0]; i++) {
		if (want_items[i].distro == NULL)
			continue;
		memset(&f, 0, sizeof f);
		parse_fixture(want_items[i].distro, want_items[i].coll, &f,
		    err, sizeof err);
		for (n = j = 0; j < f.nitems; j++)
			if (f.items[j].kind == want_items[i].kind)
				n++;
		if (n != want_items[i].n)
			fprintf(stderr, "%s/%s: %zu %s rows, want %zu\n",
			    want_items[i].distro, want_items[i].coll, n,
			    item_kind_str(want_items[i].kind),
			    want_items[i].n);
		CHECK(n == want_items[i].n);
		facts_free(&f);
	}
}

/* Does some row of f match want (NULL fields match anything)? */
static int
has_row(const struct facts *f, enum item_kind kind,
    const char *const want[ITEM_FIELDS])
{
	size_t	 i;
	int	 j, ok;

	for (i = 0; i < f->nitems; i++) {
		if (f->items[i].kind != kind)
			continue;
		for (ok = 1, j = 0; j < ITEM_FIELDS && ok; j++)
			if (want[j] != NULL && (f->items[i].f[j] == NULL ||
			    strcmp(f->items[i].f[j], want[j]) != 0))
				ok = 0;
		if (ok)
			return 1;
	}
	return 0;
}

/* The rows in want_rows[]. */
static void
test_wanted_rows(void)
{
	struct facts	 f;
	size_t		 i;
	char		 err[256];
	int		 ok;

	for (i = 0; i < sizeof want_rows / sizeof want_rows[0]; i++) {
		memset(&f, 0, sizeof f);
		parse_fixture(want_rows[i].distro, want_rows[i].coll, &f,
		    err, sizeof err);
		ok = has_row(&f, want_rows[i].kind, want_rows[i].f);
		if (!ok)
			fprintf(stderr, "%s/%s: no row %s|%s|...\n",
			    want_rows[i].distro, want_rows[i].coll,
			    want_rows[i].f[0], want_rows[i].f[1]);
		CHECK(ok);
		facts_free(&f);
	}
}

/* Status is one a parser may return, and errors come with a message. */
static int
sane(enum coll_status st, const char *err)
{
	if (st == COLL_OK)
		return 1;
	return (st == COLL_PARSE_ERROR || st == COLL_UNSUPPORTED) &&
	    err[0] != '\0';
}

/* Run every parser over buf[0..len) with a private NUL-terminated copy
 * (so ASan sees reads past len); the result must be sane. */
static void
parse_all(const char *buf, size_t len, int *bad)
{
	const struct collector	*c;
	struct facts		 f;
	size_t			 n, i;
	char			*copy, err[256];
	enum coll_status	 st;

	c = collector_builtins(&n);
	for (i = 0; i < n; i++) {
		copy = malloc(len + 1);
		if (copy == NULL)
			abort();
		if (len > 0)
			memcpy(copy, buf, len);
		copy[len] = '\0';
		memset(&f, 0, sizeof f);
		err[0] = '\0';
		st = c[i].parse(copy, len, &f, err, sizeof err);
		if (!sane(st, err)) {
			fprintf(stderr, "%s: insane result %s (%zu bytes)\n",
			    c[i].name, coll_status_str(st), len);
			(*bad)++;
		}
		facts_free(&f);
		free(copy);
	}
}

/* Empty, unsupported and garbage input for every parser. */
static void
test_edge_inputs(void)
{
	const struct collector	*c;
	struct facts		 f;
	size_t			 n, i, len;
	char			*out, err[256];
	enum coll_status	 st;
	int			 bad = 0;

	c = collector_builtins(&n);
	for (i = 0; i < n; i++) {
		memset(&f, 0, sizeof f);
		err[0] = '\0';
		CHECK(c[i].parse("", 0, &f, err, sizeof err) ==
		    COLL_PARSE_ERROR);
		CHECK(err[0] != '\0');
		CHECK(f.n == 0 && f.nitems == 0);
		st = c[i].parse("\n\r\n  \n", 6, &f, err, sizeof err);
		CHECK(st == COLL_PARSE_ERROR);
		facts_free(&f);
	}
	if ((out = fixture("edge", "unsupported.txt", &len)) != NULL)
		for (i = 0; i < n; i++) {
			memset(&f, 0, sizeof f);
			CHECK(c[i].parse(out, len, &f, err, sizeof err) ==
			    COLL_UNSUPPORTED);
			CHECK_STR(err, "no /proc here");
			facts_free(&f);
		}
	CHECK(out != NULL);
	free(out);
	out = fixture("edge", "garbage.bin", &len);
	CHECK(out != NULL);
	if (out != NULL)
		parse_all(out, len, &bad);
	free(out);
	CHECK(bad == 0);
}

/* One parser over one edge fixture: its status and, if given, a value. */
static void
check_edge(const char *coll, const char *file, enum coll_status want,
    const char *key, const char *value)
{
	const struct collector	*c = collector_find(coll);
	struct facts		 f;
	size_t			 len;
	char			*out, err[256];
	enum coll_status	 st;

	memset(&f, 0, sizeof f);
	err[0] = '\0';
	out = fixture("edge", file, &len);
	CHECK(c != NULL && out != NULL);
	if (c == NULL || out == NULL) {
		free(out);
		return;
	}
	st = c->parse(out, len, &f, err, sizeof err);
	if (st != want)
		fprintf(stderr, "%s on %s: %s (%s)\n", coll, file,
		    coll_status_str(st), err);
	CHECK(st == want);
	if (key != NULL && value == NULL)
		CHECK(facts_get(&f, key) == NULL);
	else if (key != NULL)
		CHECK_STR(facts_get(&f, key), value);
	facts_free(&f);
	free(out);
}

/* Truncated, CRLF and odd-but-valid outputs. */
static void
test_edge_fixtures(void)
{
	check_edge("memory", "memory_no_available.txt", COLL_OK,
	    "memory.available_bytes", "917504");
	check_edge("os", "os_truncated.txt", COLL_OK, "os.id", "deb");
	check_edge("os", "os_quoting.txt", COLL_OK, "os.id", "weird");
	check_edge("os", "os_quoting.txt", COLL_OK, "os.name",
	    "A \"quoted\" $name");
	check_edge("os", "os_quoting.txt", COLL_OK, "os.pretty_name",
	    "Plain Words");
	check_edge("os", "os_quoting.txt", COLL_OK, "os.version_id", "1.0");
	check_edge("kernel", "kernel_truncated.txt", COLL_PARSE_ERROR,
	    NULL, NULL);
	check_edge("uptime", "uptime_truncated.txt", COLL_PARSE_ERROR,
	    NULL, NULL);
	/* The sysfs form: online CPU list, one cpufreq maximum per CPU. */
	check_edge("cpu", "cpu_sysfs.txt", COLL_OK, "cpu.count", "7");
	check_edge("cpu", "cpu_sysfs.txt", COLL_OK, "cpu.mhz", "3500");
	check_edge("cpu", "cpu_sysfs.txt", COLL_OK, "cpu.cores", "2");
	check_edge("cpu", "cpu_sysfs.txt", COLL_OK, "cpu.vendor",
	    "GenuineIntel");
	check_edge("cpu", "cpu_online_bad.txt", COLL_OK, "cpu.count", "2");
	check_edge("cpu", "cpu_arm32.txt", COLL_OK, "cpu.count", "2");
	check_edge("cpu", "cpu_arm32.txt", COLL_OK, "cpu.model",
	    "ARMv7 Processor rev 4 (v7l)");
	check_edge("cpu", "cpu_arm32.txt", COLL_OK, "cpu.flags_summary",
	    "crc32");
	check_edge("network", "network_sysfs.txt", COLL_OK,
	    "network.default_ipv4_gateway", "192.168.2.1");
	check_edge("network", "network_sysfs.txt", COLL_OK,
	    "network.default_ipv6_gateway", "fe80::1");
	check_edge("network", "network_sysfs.txt", COLL_OK,
	    "network.dns_servers", "192.168.2.1,2001:db8::53");
	check_edge("network", "network_sysfs.txt", COLL_OK,
	    "network.interface_count", "3");
	check_edge("ssh_host_keys", "ssh_pub_only.txt", COLL_OK,
	    "ssh_host_keys.types", "ed25519,ecdsa");
	check_edge("ssh_host_keys", "ssh_pub_only.txt", COLL_OK,
	    "ssh_host_keys.ed25519.fingerprint", NULL);
	check_edge("packages", "packages_apk_info.txt", COLL_OK,
	    "packages.count", "4");
	check_edge("hostname", "hostname_etc_only.txt", COLL_OK,
	    "hostname.domain", "example.org");
	check_edge("virtualization", "virt_container_fallback.txt", COLL_OK,
	    "virtualization.container", "docker");
	check_edge("virtualization", "virt_container_fallback.txt", COLL_OK,
	    "virtualization.vm", "vm-other");
	check_edge("time", "time_nothing.txt", COLL_OK, "time.timezone",
	    "UTC");
	check_edge("users", "users_bad.txt", COLL_PARSE_ERROR, NULL, NULL);
	check_edge("filesystems", "filesystems_none.txt", COLL_OK,
	    "filesystems.count", "0");
}

/* Every fixture cut at many points and with bytes flipped: no parser may
 * crash or return an insane status (ASan/UBSan watch the reads). */
static void
test_mutations(void)
{
	const struct collector	*c;
	size_t			 n, i, d, len, cut, step, k;
	char			*out, name[128];
	uint32_t		 rng = 12345;
	int			 bad = 0;

	c = collector_builtins(&n);
	for (d = 0; d < NDISTROS; d++)
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof name, "%s.txt", c[i].name);
			if ((out = fixture(distros[d], name, &len)) == NULL)
				continue;
			step = len / 60 + 1;
			for (cut = 0; cut <= len; cut += step)
				parse_all(out, cut, &bad);
			for (k = 0; k < 20 && len > 0; k++) {
				rng = rng * 1103515245 + 12345;
				out[(rng >> 8) % len] = (char)(rng >> 16);
				rng = rng * 1103515245 + 12345;
				out[(rng >> 8) % len] = (rng & 1) ? '\0' : '\n';
				parse_all(out, len, &bad);
			}
			free(out);
		}
	CHECK(bad == 0);
}

/* Does the shell at path exist? */
static int
have(const char *path)
{
	return access(path, X_OK) == 0;
}

/* Every command is valid POSIX sh for dash, bash and busybox ash. */
static void
test_commands_syntax(void)
{
	static const char *const shells[] = {
		"/bin/sh", "/usr/bin/dash", "/bin/dash", "/bin/bash",
		"/bin/busybox",
	};
	const struct collector	*c;
	size_t			 n, i, s;
	char			 path[] = "/tmp/rollcall-test-XXXXXX", cmd[512];
	int			 fd, rc;

	c = collector_builtins(&n);
	for (i = 0; i < n; i++) {
		CHECK(c[i].command != NULL && c[i].summary != NULL);
		CHECK(strstr(c[i].command, "exit") == NULL);
		if ((fd = mkstemp(path)) == -1) {
			CHECK(0);
			return;
		}
		if (write(fd, c[i].command, strlen(c[i].command)) < 0)
			CHECK(0);
		close(fd);
		for (s = 0; s < sizeof shells / sizeof shells[0]; s++) {
			if (!have(shells[s]))
				continue;
			snprintf(cmd, sizeof cmd, "%s %s -n %s", shells[s],
			    strstr(shells[s], "busybox") ? "sh" : "", path);
			rc = system(cmd);
			if (rc != 0)
				fprintf(stderr, "%s: %s -n failed\n",
				    c[i].name, shells[s]);
			CHECK(rc == 0);
		}
		unlink(path);
		strcpy(path, "/tmp/rollcall-test-XXXXXX");
	}
}

/* Run every command here with /bin/sh: the parser accepts the output as
 * ok or unsupported. */
static void
test_commands_run_locally(void)
{
	const struct collector	*c;
	struct facts		 f;
	size_t			 n, i, len;
	char			 path[] = "/tmp/rollcall-test-XXXXXX";
	char			 cmd[768], outpath[300], *out, err[256];
	enum coll_status	 st;
	int			 fd;

	c = collector_builtins(&n);
	for (i = 0; i < n; i++) {
		if ((fd = mkstemp(path)) == -1) {
			CHECK(0);
			return;
		}
		if (write(fd, c[i].command, strlen(c[i].command)) < 0)
			CHECK(0);
		close(fd);
		snprintf(outpath, sizeof outpath, "%s.out", path);
		snprintf(cmd, sizeof cmd, "/bin/sh %s </dev/null >%s "
		    "2>/dev/null", path, outpath);
		CHECK(system(cmd) == 0);
		out = test_slurp(outpath, &len);
		CHECK(out != NULL);
		if (out != NULL) {
			memset(&f, 0, sizeof f);
			err[0] = '\0';
			st = c[i].parse(out, len, &f, err, sizeof err);
			if (st != COLL_OK && st != COLL_UNSUPPORTED)
				fprintf(stderr, "%s locally: %s: %s\n",
				    c[i].name, coll_status_str(st), err);
			CHECK(st == COLL_OK || st == COLL_UNSUPPORTED);
			facts_free(&f);
		}
		free(out);
		unlink(outpath);
		unlink(path);
		strcpy(path, "/tmp/rollcall-test-XXXXXX");
	}
}

/* The table, lookup and defaults. */
static void
test_table(void)
{
	const struct collector	*c;
	const char *const	*names;
	size_t			 n, i, j;

	c = collector_builtins(&n);
	CHECK(n >= 5);
	for (i = 0; i < n; i++) {
		CHECK(collector_find(c[i].name) == &c[i]);
		for (j = i + 1; j < n; j++)
			CHECK(strcmp(c[i].name, c[j].name) != 0);
	}
	CHECK(collector_find("nope") == NULL);
	CHECK(collector_find(NULL) == NULL);
	names = collector_default_names(&n);
	CHECK(n == 5);
	for (i = 0; i < n; i++)
		CHECK(collector_find(names[i]) != NULL);
	CHECK_STR(names[0], "os");
}

/* Run every test; the exit status says whether all passed. */
int
main(void)
{
	test_table();
	test_all_fixtures_ok();
	test_trailing_newlines();
	test_wanted_values();
	test_wanted_items();
	test_wanted_rows();
	test_edge_inputs();
	test_edge_fixtures();
	test_mutations();
	test_commands_syntax();
	test_commands_run_locally();
	TEST_MAIN_END();
}
