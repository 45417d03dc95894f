/* cpu: logical count, topology, model, clock and notable flags, from
 * /proc/cpuinfo (x86, ARM, others), lscpu where present and sysfs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/xmalloc.h"

/* Distinct packages or cores we track; more are counted as "more". */
#define CPU_MAXIDS	1024

/* Flags worth a glance (virtualisation, crypto, vector units), x86 and ARM
 * names, reported in this order when present. */
static const char *const cpu_flags_wanted[] = {
	"vmx", "svm", "hypervisor", "aes", "sha_ni", "avx", "avx2", "avx512f",
	"sse4_2", "asimd", "sve", "sha2", "atomics", "crc32",
};

/* Names of some ARM cores by "CPU implementer"/"CPU part", since ARM
 * cpuinfo has no "model name". */
static const struct {
	unsigned	 impl;		/* CPU implementer */
	unsigned	 part;		/* CPU part */
	const char	*name;		/* marketing name */
} cpu_arm_parts[] = {
	{ 0x41, 0xd03, "ARM Cortex-A53" },
	{ 0x41, 0xd07, "ARM Cortex-A57" },
	{ 0x41, 0xd08, "ARM Cortex-A72" },
	{ 0x41, 0xd0b, "ARM Cortex-A76" },
	{ 0x41, 0xd0c, "ARM Neoverse-N1" },
	{ 0x41, 0xd40, "ARM Neoverse-V1" },
	{ 0x41, 0xd49, "ARM Neoverse-N2" },
	{ 0x41, 0xd4f, "ARM Neoverse-V2" },
	{ 0x61, 0x022, "Apple M1" },
};

/* What the /proc/cpuinfo walk counted. */
struct cpu_scan {
	uint64_t	 processors;	/* "processor : N" lines */
	uint64_t	 ids[CPU_MAXIDS];	/* distinct physical ids */
	size_t		 nids;		/* used in ids */
	uint64_t	 cores[CPU_MAXIDS];	/* distinct (pkg << 32 | core) */
	size_t		 ncores;	/* used in cores */
	uint64_t	 cur_pkg;	/* physical id of the current block */
};

/* Add v to a small set; returns the new size. */
static size_t
cpu_set_add(uint64_t *set, size_t n, uint64_t v)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (set[i] == v)
			return n;
	if (n < CPU_MAXIDS)
		set[n++] = v;
	return n;
}

/* Count processors, packages and cores in cpuinfo. */
static void
cpu_scan(struct span info, struct cpu_scan *sc)
{
	struct lineiter	 it;
	struct span	 line, k, v;
	uint64_t	 x;

	memset(sc, 0, sizeof *sc);
	lines_init(&it, info);
	while (lines_next(&it, &line)) {
		if (!span_split(line, ':', &k, &v) || !span_u64(v, &x))
			continue;
		if (span_eq(k, "processor"))
			sc->processors++;
		else if (span_eq(k, "physical id")) {
			sc->cur_pkg = x & 0xffffffff;
			sc->nids = cpu_set_add(sc->ids, sc->nids, x);
		} else if (span_eq(k, "core id"))
			sc->ncores = cpu_set_add(sc->cores, sc->ncores,
			    sc->cur_pkg << 32 | (x & 0xffffffff));
	}
}

/* The model name: x86 cpuinfo, lscpu, other cpuinfo dialects, the ARM
 * part table. Caller frees. */
static char *
cpu_model(struct span info, struct span lscpu)
{
	struct span	 v, p;
	uint64_t	 impl, part;
	size_t		 i;
	char		*s;

	if ((span_kv(info, "model name", ':', &v) && v.n > 0) ||
	    (span_kv(lscpu, "Model name", ':', &v) && v.n > 0 &&
	    !span_eq(v, "-")) ||
	    (span_kv(info, "Processor", ':', &v) && v.n > 0) ||
	    (span_kv(info, "cpu model", ':', &v) && v.n > 0) ||
	    (span_kv(info, "cpu", ':', &v) && v.n > 0))
		return span_dup(v);
	if (span_kv(info, "CPU implementer", ':', &v) &&
	    span_kv(info, "CPU part", ':', &p)) {
		s = span_dup(v);
		impl = strtoull(s, NULL, 0);
		free(s);
		s = span_dup(p);
		part = strtoull(s, NULL, 0);
		free(s);
		for (i = 0; i < sizeof cpu_arm_parts / sizeof cpu_arm_parts[0];
		    i++)
			if (cpu_arm_parts[i].impl == impl &&
			    cpu_arm_parts[i].part == part)
				return xstrdup(cpu_arm_parts[i].name);
		s = NULL;
		xasprintf(&s, "implementer 0x%" PRIx64 " part 0x%03" PRIx64,
		    impl, part);
		return s;
	}
	return xstrdup("unknown");
}

/* The highest cpufreq cpuinfo_max_freq (kHz) of the section's lines, one
 * per CPU (lscpu's "CPU max MHz" is this maximum); 0 if none. */
static uint64_t
cpu_maxfreq(struct span sec)
{
	struct lineiter	 it;
	struct span	 line;
	uint64_t	 x, max = 0;

	lines_init(&it, sec);
	while (lines_next(&it, &line))
		if (span_u64(line, &x) && x > max)
			max = x;
	return max;
}

/* CPUs in a /sys cpu list such as "0-3,6,8-11"; 0 if malformed. */
static uint64_t
cpu_online(struct span v)
{
	struct span	 item, rest = span_trim(v), lo, hi;
	const char	*c;
	uint64_t	 a, b, n = 0;

	while (rest.n > 0) {
		c = memchr(rest.s, ',', rest.n);
		item = span_make(rest.s, c != NULL ? (size_t)(c - rest.s) : rest.n);
		rest = c != NULL ? span_make(c + 1, rest.n - item.n - 1) :
		    span_make(NULL, 0);
		if (span_split(item, '-', &lo, &hi)) {
			if (!span_u64(lo, &a) || !span_u64(hi, &b) || b < a ||
			    b - a >= 1u << 20)
				return 0;
		} else if (!span_u64(item, &a))
			return 0;
		else
			b = a;
		n += b - a + 1;
		if (n > 1u << 20)
			return 0;
	}
	return n;
}

/* The nominal clock in MHz, preferring values that do not move with
 * frequency scaling (so history does not change every sweep); 0 if none. */
static uint64_t
cpu_mhz(struct span text, struct span info, struct span lscpu)
{
	struct span	 v;
	uint64_t	 x;

	if (span_kv(lscpu, "CPU max MHz", ':', &v) && span_u64_lead(v, &x) &&
	    x > 0)
		return x;
	if (span_section(text, "maxfreq", &v) && (x = cpu_maxfreq(v)) > 0)
		return x / 1000;
	if (span_kv(info, "cpu MHz", ':', &v) && span_u64_lead(v, &x))
		return x;
	if (span_kv(lscpu, "CPU MHz", ':', &v) && span_u64_lead(v, &x))
		return x;
	return 0;
}

/* Comma list of the wanted flags present in the first flags line. */
static void
cpu_flags(struct facts *f, struct span info)
{
	struct span	 v, rest, w;
	char		 out[256];
	size_t		 i, o = 0;
	int		 have;

	out[0] = '\0';
	if (!span_kv(info, "flags", ':', &v) &&
	    !span_kv(info, "Features", ':', &v))
		v = span_make(NULL, 0);
	for (i = 0; i < sizeof cpu_flags_wanted / sizeof cpu_flags_wanted[0];
	    i++) {
		rest = v;
		have = 0;
		while (!have && span_word(&rest, &w))
			have = span_eq(w, cpu_flags_wanted[i]);
		if (have && o + strlen(cpu_flags_wanted[i]) + 2 < sizeof out)
			o += (size_t)snprintf(out + o, sizeof out - o, "%s%s",
			    o ? "," : "", cpu_flags_wanted[i]);
	}
	facts_add(f, "cpu.flags_summary", out);
}

/* A positive number from an lscpu field, else 0. */
static uint64_t
cpu_lscpu_num(struct span lscpu, const char *key)
{
	struct span	 v;
	uint64_t	 x;

	if (span_kv(lscpu, key, ':', &v) && span_u64(v, &x))
		return x;
	return 0;
}

/* The CPU count: /sys's online list (or nproc from older scripts), else
 * the processors cpuinfo lists, else lscpu's; 0 when nothing says. */
static uint64_t
cpu_count(struct span text, const struct cpu_scan *sc, struct span lscpu)
{
	struct span	 v;
	uint64_t	 count = 0;

	if (span_section(text, "online", &v))
		count = cpu_online(v);
	else if (!span_section(text, "nproc", &v) || !span_u64(v, &count))
		count = 0;
	if (count == 0)
		count = sc->processors;
	if (count == 0)
		count = cpu_lscpu_num(lscpu, "CPU(s)");
	return count;
}

/* Parse the sections online (or nproc), maxfreq, lscpu, cpuinfo. */
static enum coll_status
cpu_parse(const char *out, size_t len, struct facts *f, char *err,
    size_t errlen)
{
	struct span	 text, info, lscpu, v;
	struct cpu_scan	*sc;
	enum coll_status st;
	uint64_t	 count, sockets, cores, per, tpc = 1;
	char		*model;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	if (!span_section(text, "cpuinfo", &info)) {
		perr(err, errlen, "no @@cpuinfo section (output cut?)");
		return COLL_PARSE_ERROR;
	}
	if (!span_section(text, "lscpu", &lscpu))
		lscpu = span_make(NULL, 0);
	sc = xcalloc(1, sizeof *sc);
	cpu_scan(info, sc);
	if ((count = cpu_count(text, sc, lscpu)) == 0) {
		free(sc);
		perr(err, errlen, "no processor found in /proc/cpuinfo");
		return COLL_PARSE_ERROR;
	}
	sockets = sc->nids;
	if (sockets == 0)
		sockets = cpu_lscpu_num(lscpu, "Socket(s)");
	if (sockets == 0)
		sockets = 1;
	cores = sc->ncores;
	if (cores == 0 && (per = cpu_lscpu_num(lscpu, "Core(s) per socket")) &&
	    !u64_mul(per, sockets, &cores))
		cores = 0;
	if (cores == 0 || cores > count)
		cores = count;
	if (count % cores == 0)
		tpc = count / cores;
	model = cpu_model(info, lscpu);
	fact_u64(f, "cpu.count", count);
	facts_add(f, "cpu.model", model);
	fact_u64(f, "cpu.sockets", sockets);
	fact_u64(f, "cpu.cores", cores);
	fact_u64(f, "cpu.threads_per_core", tpc);
	if (span_kv(info, "vendor_id", ':', &v) ||
	    span_kv(lscpu, "Vendor ID", ':', &v))
		fact_span(f, "cpu.vendor", v);
	else
		facts_add(f, "cpu.vendor", "");
	if ((per = cpu_mhz(text, info, lscpu)) != 0)
		fact_u64(f, "cpu.mhz", per);
	else
		facts_add(f, "cpu.mhz", "");
	cpu_flags(f, info);
	free(model);
	free(sc);
	return COLL_OK;
}

/* lscpu runs only when /proc/cpuinfo lacks what it would answer (a model
 * name, vendor_id, physical id or core id: ARM, POWER, s390); on x86 the
 * cpuinfo and /sys say it all and lscpu is the costliest exec here. The
 * online CPUs come from /sys (what glibc's getconf reads) and every CPU's
 * cpufreq maximum (lscpu's "CPU max MHz") through the shell's `read`. */
const struct collector collector_cpu = {
	"cpu",
	"LC_ALL=C; export LC_ALL\n"
	"if [ -r /proc/cpuinfo ]; then\n"
	"c=/sys/devices/system/cpu\n"
	"if { IFS= read -r o; } 2>/dev/null <$c/online; then "
	"echo @@online; printf '%s\\n' \"$o\"\n"
	"else echo @@nproc; getconf _NPROCESSORS_ONLN 2>/dev/null || "
	"nproc 2>/dev/null; fi\n"
	"echo @@maxfreq\n"
	"for f in $c/cpu[0-9]*/cpufreq/cpuinfo_max_freq; do\n"
	"if { read -r m; } 2>/dev/null <\"$f\"; then printf '%s\\n' \"$m\"; fi\n"
	"done\n"
	"i=$(cat /proc/cpuinfo); l=\n"
	"case $i in *'model name\t: '[![:space:]]*) ;; *) l=1 ;; esac\n"
	"case $i in *vendor_id*) ;; *) l=1 ;; esac\n"
	"case $i in *'physical id'*) ;; *) l=1 ;; esac\n"
	"case $i in *'core id'*) ;; *) l=1 ;; esac\n"
	"echo @@lscpu; if [ -n \"$l\" ] && command -v lscpu >/dev/null 2>&1; "
	"then lscpu 2>/dev/null; fi\n"
	"echo @@cpuinfo; printf '%s\\n' \"$i\"\n"
	"else echo '" COLLECTOR_UNSUPPORTED " no /proc/cpuinfo'; fi\n",
	cpu_parse,
	"processors: count, sockets, cores, threads, model, MHz, flags",
};
