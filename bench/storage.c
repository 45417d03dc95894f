/* bench/storage: rollcall's storage at fleet scale without SSH. Replays
 * the captured outputs of every built-in collector (tests/fixtures/
 * collectors: Debian 12, Ubuntu 22.04, Rocky 9, Alpine 3.19) as N hosts
 * through the real harvest (digest check, parsers) and writer:
 *
 *   rollcall-bench-storage [-n HOSTS] [-s STEADY] [-c PCT] [-w THREADS]
 *       [-r REPS] [-o DISTRO] [-f FIXTURES] [-k] [-q] [-a] DB
 *
 * Each host is one of the four distros (70/10/10/10 %, or only -o DISTRO)
 * in one of three versions (kernel release and every 12th, 13th or 14th
 * package version differ), with its own name, addresses, MAC, host key
 * fingerprints, and uptime, load, clock and free memory that move every
 * sweep. Sweep 0 is the first sight of every host; then STEADY sweeps
 * (default 2) in which PCT percent of the hosts (default 3) take the next
 * package of one rollout (the same upgrades, in the same order, on every
 * host), the rest output exactly what they did before. THREADS threads
 * (default 2, like the daemon's workers on this machine) harvest and
 * submit, pausing while the writer is backlogged, as the dispatcher does.
 *
 * Hosts report the first sweep 48 hours ago and the steady sweeps in the
 * last hours, so "what changed in the last 24 h" is what a fleet in
 * service sees (not every host's first sight).
 *
 * Prints per sweep: wall and CPU seconds, hosts/s through the writer,
 * database bytes (after a WAL checkpoint) and growth per host, history rows
 * added, what the digest window handed out (hosts with and without stored
 * digests, misses, waits) and on how many hosts packages were unchanged;
 * then the peak RSS and queued bytes, and p50/p95 over REPS (default
 * 20) runs of the questions people ask, wall and CPU (on a shared machine
 * the CPU is what a query costs). DB is deleted first (with -q, only the
 * questions run, on the database DB an earlier run left). With -k the writer
 * also fills the cluster outbox, as the daemon in cluster mode does
 * (bench/cluster.sh then ships it to PostgreSQL). With -a the sweeps go on
 * from a database an earlier run with the same -n and -o left: its sweeps
 * are counted and STEADY more run after them (outputs are a function of
 * host, collector and sweep number, so they follow on exactly), which
 * lets a 100k-host first sweep be built once and the steady sweeps be
 * timed later on a quiet machine. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/result.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "daemon/harvest.h"
#include "storage/digest.h"
#include "storage/storage.h"
#include "storage/storage_test.h"
#include "storage/outbox.h"

#define NDISTRO		4
#define ROLLOUT		50	/* packages in the rollout */

static const char *const distros[NDISTRO] = {
	"debian12", "ubuntu2204", "rocky9", "alpine319"
};

/* Per distro: the tokens that differ from host to host. */
static const struct {
	const char	*name;		/* hostname in the fixture */
	const char	*ip;		/* primary IPv4 */
	const char	*mac;		/* primary MAC */
} tokens[NDISTRO] = {
	{ "vm", "192.0.2.2", "02:fc:00:00:00:01" },
	{ "web-01", "10.20.30.41", "b0:26:28:4c:1a:11" },
	{ "db-07", "192.168.122.57", "52:54:00:8a:3b:01" },
	{ "alpine-3", "172.31.5.9", "0a:1b:2c:3d:4e:5f" },
};

/* The fixtures of one distro, one per built-in collector. */
struct fixture {
	char	*out[32];		/* by collector index; NULL: none */
};

/* The benchmark's settings and shared state. */
struct bench {
	size_t			 nhosts;	/* -n */
	int			 steady;	/* -s */
	int			 pct;		/* -c */
	int			 nthreads;	/* -w */
	int			 reps;		/* -r */
	int			 only;		/* -o: distro index, -1 mix */
	const char		*dir;		/* -f */
	const char		*db;		/* DB */
	int			 outbox;	/* -k: cluster mode, fill the
						 * outbox as the daemon does */
	int			 queries_only;	/* -q: questions on an existing
						 * database, no sweeps */
	int			 again;		/* -a: go on from the sweeps
						 * an existing database has */
	const struct collector	*colls;		/* built-ins */
	size_t			 ncolls;
	struct fixture		 fx[NDISTRO];
	struct writer		*w;
	int64_t			 sweep_id;	/* current sweep */
	int			 sweep;		/* its number, 0 = first */
	int64_t			 clock_us;	/* its hosts' time (epoch us) */
	size_t			 next;		/* next host to harvest */
	size_t			 same;		/* hosts whose packages output
						 * matched its stored digest */
	pthread_mutex_t		 lock;		/* guards next and same */
	char			*namebuf;	/* host names, NAME_LEN each */
	const char		**names;	/* into namebuf, sweep order */
	struct digest_window	*win;		/* the sweep's stored digests,
						 * read ahead as the daemon's
						 * dispatcher reads them */
};

#define NAME_LEN	24	/* bytes of a host name in namebuf */
#define DIGEST_GIVEUP_US 200000	/* as the dispatcher: then go without */

/* Read a whole file, NUL-terminated; NULL if missing. */
static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*p;
	long	 n;
	size_t	 got;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = xmalloc((size_t)n + 1);
	got = fread(p, 1, (size_t)n, fp);
	p[got] = '\0';
	fclose(fp);
	return p;
}

/* Replace every occurrence of from in b's text by to. */
static void
subst(struct buf *b, const char *from, const char *to)
{
	struct buf	 o = { 0 };
	const char	*s = buf_str(b), *p;
	size_t		 fl = strlen(from);

	if (strstr(s, from) == NULL)
		return;
	while ((p = strstr(s, from)) != NULL) {
		buf_append(&o, s, (size_t)(p - s));
		buf_append(&o, to, strlen(to));
		s = p + fl;
	}
	buf_append(&o, s, strlen(s));
	buf_free(b);
	*b = o;
}

/* Replace the digits right after label (spaces skipped) by n. */
static void
subst_num(struct buf *b, const char *label, unsigned long long n)
{
	struct buf	 o = { 0 };
	const char	*s = buf_str(b), *p, *e;

	if ((p = strstr(s, label)) == NULL)
		return;
	p += strlen(label);
	while (*p == ' ')
		p++;
	for (e = p; *e >= '0' && *e <= '9'; e++)
		;
	buf_append(&o, s, (size_t)(p - s));
	buf_printf(&o, "%llu", n);
	buf_append(&o, e, strlen(e));
	buf_free(b);
	*b = o;
}

/* A cheap deterministic hash of two numbers. */
static uint32_t
mix(uint32_t a, uint32_t b)
{
	uint32_t	 h = a * 2654435761u ^ (b + 0x9e3779b9u + (a << 6));

	h ^= h >> 15;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

/* How many rollout packages host i has taken by sweep s. */
static int
rollout_level(const struct bench *b, size_t i, int s)
{
	int	 k, level = 0;

	for (k = 1; k <= s; k++)
		if ((int)(mix((uint32_t)i, (uint32_t)k) % 100) < b->pct)
			level++;
	return level > ROLLOUT ? ROLLOUT : level;
}

/* The packages output of a host: version variant v (every (11+v)th
 * package differs) and the first `level` rollout packages upgraded. */
static void
packages_out(struct buf *o, const char *in, int v, int level)
{
	const char	*line = in, *nl, *tab1, *tab2;
	size_t		 n = 0;

	for (; *line != '\0'; line = nl + (*nl != '\0')) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line);
		tab1 = memchr(line, '\t', (size_t)(nl - line));
		tab2 = tab1 != NULL ? memchr(tab1 + 1, '\t',
		    (size_t)(nl - tab1 - 1)) : NULL;
		if (strncmp(line, "V:", 2) == 0 && tab2 == NULL)
			tab1 = line + 1, tab2 = nl;	/* apk: V:version */
		if (tab2 == NULL) {
			buf_append(o, line, (size_t)(nl - line));
			buf_append(o, "\n", 1);
			continue;
		}
		buf_append(o, line, (size_t)(tab2 - line));
		if (v > 0 && n % (size_t)(11 + v) == 0)
			buf_printf(o, "+v%d", v);
		if ((int)(n % 7) == 0 && (int)(n / 7) < level)
			buf_printf(o, "+up1");
		n++;
		buf_append(o, tab2, (size_t)(nl - tab2));
		buf_append(o, "\n", 1);
	}
}

/* Host i's output of collector c in sweep s into o. */
static void
host_output(const struct bench *b, size_t i, size_t c, int s, int d,
    struct buf *o)
{
	const char	*name = b->colls[c].name, *in = b->fx[d].out[c];
	char		 tok[64];
	int		 v = (int)((i / NDISTRO) % 3);

	buf_reset(o);
	if (strcmp(name, "packages") == 0) {
		packages_out(o, in, v, rollout_level(b, i, s));
		return;
	}
	if (strcmp(name, "uptime") == 0) {
		buf_printf(o, "@@uptime\n%d.%02d %d.00\n@@loadavg\n0.%02u 0.50 "
		    "0.40 1/200 %d\n", 1000 + s * 300 + (int)(i % 1000),
		    (int)(i % 100), 2000 + s * 600, mix((uint32_t)i,
		    (uint32_t)s) % 100, 1000 + s);
		return;
	}
	buf_append(o, in, strlen(in));
	if (strcmp(name, "hostname") == 0 ||
	    strcmp(name, "ssh_host_keys") == 0) {
		snprintf(tok, sizeof tok, "h%06zu", i);
		subst(o, tokens[d].name, tok);
		snprintf(tok, sizeof tok, "SHA256:%08x", mix((uint32_t)i, 7));
		subst(o, "SHA256:", tok);
	} else if (strcmp(name, "network") == 0) {
		snprintf(tok, sizeof tok, "10.%zu.%zu.%zu", (i >> 16) & 255,
		    (i >> 8) & 255, i & 255);
		subst(o, tokens[d].ip, tok);
		snprintf(tok, sizeof tok, "02:00:00:%02zx:%02zx:%02zx",
		    (i >> 16) & 255, (i >> 8) & 255, i & 255);
		subst(o, tokens[d].mac, tok);
	} else if (strcmp(name, "kernel") == 0 && v > 0) {
		snprintf(tok, sizeof tok, "\n%d.", 5 + v);
		subst(o, "\n6.", tok);
	} else if (strcmp(name, "time") == 0)
		subst_num(o, "@@epoch\n", 1800000000ull + (unsigned)s * 300);
	else if (strcmp(name, "memory") == 0)
		subst_num(o, "MemAvailable:", 100000 + mix((uint32_t)i,
		    (uint32_t)s) % 100000);
}

/* Host i's distro. */
static int
host_distro(const struct bench *b, size_t i)
{
	uint32_t	 h = mix((uint32_t)i, 1) % 10;

	if (b->only >= 0)
		return b->only;
	return h < 7 ? 0 : (int)h - 6;
}

/* Host i's stored digests from the sweep's window, waiting for its
 * reader as the dispatcher does (briefly, then without). */
static struct host_digests *
bench_digests(struct bench *b, size_t i)
{
	struct host_digests	*last;
	int			 waited = 0;

	while (digest_window_take(b->win, i, waited >= DIGEST_GIVEUP_US,
	    &last) == -1) {
		usleep(1000);
		waited += 1000;
	}
	return last;
}

/* Harvest one host as the daemon would and hand it to the writer. */
static void
bench_host(struct bench *b, size_t i, struct buf *o)
{
	struct host_result	*r;
	struct coll_result	*cr;
	struct host_digests	*last;
	char			 name[32];
	size_t			 c;
	int			 d = host_distro(b, i);
	int64_t			 now = b->clock_us;

	snprintf(name, sizeof name, "%s", b->names[i]);
	last = bench_digests(b, i);
	r = host_result_new(name, "10.0.0.1", 22, b->sweep_id);
	r->started_us = now;
	r->authed_us = now + 1000;
	for (c = 0; c < b->ncolls; c++) {
		cr = host_result_add_coll(r, b->colls[c].name);
		if (b->fx[d].out[c] == NULL)
			continue;
		host_output(b, i, c, b->sweep, d, o);
		cr->exit_code = 0;
		cr->out_bytes = o->len;
		harvest_output(last, r, cr, &b->colls[c], NULL, 0,
		    buf_str(o), o->len);
	}
	host_digests_free(last);
	for (c = 0; c < r->ncolls; c++)
		if (strcmp(r->colls[c].name, "packages") == 0 &&
		    r->colls[c].unchanged) {
			pthread_mutex_lock(&b->lock);
			b->same++;
			pthread_mutex_unlock(&b->lock);
		}
	r->ended_us = now + 200000;
	while (writer_backlogged(b->w))
		usleep(1000);
	writer_submit(b->w, r);
}

/* A harvesting thread: take hosts until none is left. */
static void *
bench_thread(void *arg)
{
	struct bench	*b = arg;
	struct buf	 o = { 0 };
	size_t		 i;

	for (;;) {
		pthread_mutex_lock(&b->lock);
		i = b->next++;
		pthread_mutex_unlock(&b->lock);
		if (i >= b->nhosts)
			break;
		bench_host(b, i, &o);
	}
	buf_free(&o);
	return NULL;
}

/* Bytes of the database file after a checkpoint. */
static long long
db_bytes(struct bench *b)
{
	struct stat	 sb;

	writer_test_exec(b->w, "PRAGMA wal_checkpoint(TRUNCATE)");
	return stat(b->db, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* One query's first cell as a number (count queries). */
static long long
count(struct db *db, const char *sql)
{
	struct table	*t;
	char		 err[256];
	long long	 n = -1;

	if ((t = db_query(db, sql, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: %s\n", sql, err);
		return -1;
	}
	if (t->nrows > 0 && t->rows[0][0] != NULL)
		n = atoll(t->rows[0][0]);
	table_free(t);
	return n;
}

/* CPU seconds of this process so far (every thread). */
static double
cpu_s(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Run one sweep and print its line. */
static void
bench_sweep(struct bench *b, struct db *rdb)
{
	pthread_t	 th[64];
	struct digest_window_stats dst;
	long long	 before, after, h0;
	int64_t		 t0, t1;
	double		 c0, c1;
	int		 k;

	before = db_bytes(b);
	h0 = count(rdb, "SELECT (SELECT count(*) FROM fact_history) + "
	    "(SELECT count(*) FROM item_history)");
	/* The first sight was two days ago, the steady sweeps are the last
	 * hours: "the last 24 h" is what a fleet in service sees. */
	b->clock_us = wall_us() - (b->sweep == 0 ? 48 * 3600 :
	    (b->steady - b->sweep) * 3600) * 1000000LL;
	b->sweep_id = writer_sweep_begin(b->w, "bench", b->nhosts);
	b->next = 0;
	b->same = 0;
	t0 = mono_ms();
	c0 = cpu_s();
	b->win = digest_window_open(writer_db_path(b->w), b->names,
	    b->nhosts, 0);
	for (k = 0; k < b->nthreads; k++)
		pthread_create(&th[k], NULL, bench_thread, b);
	for (k = 0; k < b->nthreads; k++)
		pthread_join(th[k], NULL);
	digest_window_stats(b->win, &dst);
	digest_window_close(b->win);
	b->win = NULL;
	writer_sweep_end(b->w, b->sweep_id);
	writer_flush(b->w);
	t1 = mono_ms();
	c1 = cpu_s();
	after = db_bytes(b);
	printf("sweep %d%-9s %7.1f s wall %7.1f s CPU %7.0f hosts/s  db %8.1f "
	    "MB  +%7.0f B/host  history +%lld\n", b->sweep, b->sweep == 0 ?
	    " (first)" : " (steady)", (t1 - t0) / 1000.0, c1 - c0,
	    b->nhosts * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1),
	    after / 1048576.0,
	    (double)(after - before) / (double)b->nhosts,
	    count(rdb, "SELECT (SELECT count(*) FROM fact_history) + "
	    "(SELECT count(*) FROM item_history)") - h0);
	printf("  digests: %zu hosts with, %zu without, %zu missed, %zu "
	    "waits; packages unchanged on %zu hosts\n", dst.hits, dst.none,
	    dst.misses, dst.waits, b->same);
	fflush(stdout);
}

/* The questions people ask, as the CLI asks them. */
static const struct {
	const char	*what;
	const char	*sql;
} questions[] = {
	{ "openssl older than 3.0.20 (packages --version)",
	  "SELECT h.name, p.version FROM packages p JOIN hosts h ON"
	  " h.id = p.host_id WHERE h.in_inventory = 1 AND p.name GLOB 'openssl'"
	  " AND version_cmp(p.manager, p.version, '3.0.20') < 0"
	  " ORDER BY h.name, p.name, p.arch" },
	{ "hosts by kernel (hosts --where kernel.release=)",
	  "SELECT h.name FROM hosts h JOIN facts f ON f.host_id = h.id"
	  " WHERE f.key = 'kernel.release' AND fact_match(f.value, '=',"
	  " '6.18.44-fc-v769') ORDER BY h.name" },
	{ "kernels across the fleet (query, GROUP BY)",
	  "SELECT value, count(*) FROM host_facts WHERE key = 'kernel.release'"
	  " GROUP BY value" },
	{ "what changed in the last 24 h (changes)",
	  "SELECT c.changed_at, h.name, c.key, c.old_value, c.new_value FROM"
	  " fact_history c JOIN hosts h ON h.id = c.host_id WHERE"
	  " c.changed_at >= unixepoch() - 86400 UNION ALL SELECT i.changed_at,"
	  " h.name, i.kind || ':' || i.name, i.old_value, i.new_value FROM"
	  " item_history i JOIN hosts h ON h.id = i.host_id WHERE"
	  " i.changed_at >= unixepoch() - 86400 ORDER BY 1 DESC" },
	{ "show one host (show)",
	  "SELECT key, value, updated_at FROM host_facts WHERE host ="
	  " 'h000777' ORDER BY key" },
	{ "packages openssl across the fleet (packages NAME)",
	  /* cli/cmd_packages.c's statement, word for word, with ?1 = NAME
	   * and no --group or --version (?2..?4 NULL) */
	  "SELECT h.name AS host, p.name AS name, p.version AS version,"
	  " p.arch AS arch, p.manager AS manager"
	  " FROM packages p JOIN hosts h ON h.id = p.host_id"
	  " WHERE h.in_inventory = 1 AND glob('openssl', p.name)"
	  " AND host_selected(h.name)"
	  " AND (NULL IS NULL OR instr(',' || h.groups || ',', ',' || NULL"
	  " || ',') > 0) AND (NULL IS NULL OR 0)"
	  " ORDER BY h.name, p.name, p.arch" },
};

/* Sort helper for latencies. */
static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* This thread's CPU time, microseconds. */
static int64_t
thread_cpu_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* p50/p95 of each question over reps runs: wall, and this thread's CPU
 * (the machine may be shared: CPU is what the query costs). */
static void
bench_queries(struct bench *b, struct db *rdb)
{
	struct table	*t;
	int64_t		*lat, *cpu, t0, c0;
	size_t		 q, rows = 0;
	char		 err[256];
	int		 k;

	lat = xcalloc((size_t)b->reps, sizeof *lat);
	cpu = xcalloc((size_t)b->reps, sizeof *cpu);
	printf("\n%-52s %7s %8s %8s %8s %8s\n", "question", "rows",
	    "p50 ms", "p95 ms", "p50 CPU", "p95 CPU");
	for (q = 0; q < sizeof questions / sizeof questions[0]; q++) {
		for (k = 0; k < b->reps; k++) {
			t0 = wall_us();
			c0 = thread_cpu_us();
			t = db_query(rdb, questions[q].sql, err, sizeof err);
			lat[k] = wall_us() - t0;
			cpu[k] = thread_cpu_us() - c0;
			if (t == NULL)
				fprintf(stderr, "%s: %s\n", questions[q].what,
				    err);
			rows = t != NULL ? t->nrows : 0;
			table_free(t);
		}
		qsort(lat, (size_t)b->reps, sizeof *lat, cmp_i64);
		qsort(cpu, (size_t)b->reps, sizeof *cpu, cmp_i64);
		printf("%-52s %7zu %8.1f %8.1f %8.1f %8.1f\n",
		    questions[q].what, rows, lat[b->reps / 2] / 1000.0,
		    lat[(b->reps * 95 + 99) / 100 - 1] / 1000.0,
		    cpu[b->reps / 2] / 1000.0,
		    cpu[(b->reps * 95 + 99) / 100 - 1] / 1000.0);
	}
	free(lat);
	free(cpu);
}

/* Load every fixture. */
static void
bench_load(struct bench *b)
{
	char	 path[1024];
	size_t	 c;
	int	 d;

	b->colls = collector_builtins(&b->ncolls);
	if (b->ncolls > 32)
		fatalx("more than 32 collectors");
	for (d = 0; d < NDISTRO; d++)
		for (c = 0; c < b->ncolls; c++) {
			snprintf(path, sizeof path, "%s/%s/%s.txt", b->dir,
			    distros[d], b->colls[c].name);
			b->fx[d].out[c] = slurp(path);
		}
	if (b->fx[0].out[0] == NULL)
		fatalx("no fixtures in %s", b->dir);
}

/* Free the fixtures (a leak checker runs this tool in the ASan tests). */
static void
bench_unload(struct bench *b)
{
	size_t	 c;
	int	 d;

	for (d = 0; d < NDISTRO; d++)
		for (c = 0; c < b->ncolls; c++)
			free(b->fx[d].out[c]);
	free(b->names);
	free(b->namebuf);
}

/* Parse the command line. */
static void
bench_args(struct bench *b, int argc, char **argv)
{
	int	 ch, d;

	b->nhosts = 1000;
	b->steady = 2;
	b->pct = 3;
	b->nthreads = 2;
	b->reps = 20;
	b->only = -1;
	b->dir = "tests/fixtures/collectors";
	while ((ch = getopt(argc, argv, "n:s:c:w:r:o:f:kqa")) != -1) {
		switch (ch) {
		case 'n': b->nhosts = strtoul(optarg, NULL, 10); break;
		case 's': b->steady = atoi(optarg); break;
		case 'c': b->pct = atoi(optarg); break;
		case 'w': b->nthreads = atoi(optarg); break;
		case 'r': b->reps = atoi(optarg); break;
		case 'f': b->dir = optarg; break;
		case 'k': b->outbox = 1; break;
		case 'q': b->queries_only = 1; break;
		case 'a': b->again = 1; break;
		case 'o':
			for (d = 0; d < NDISTRO; d++)
				if (strcmp(optarg, distros[d]) == 0)
					b->only = d;
			if (b->only < 0)
				fatalx("-o: debian12, ubuntu2204, rocky9 or "
				    "alpine319");
			break;
		default:
			fatalx("usage: rollcall-bench-storage [-n HOSTS] "
			    "[-s STEADY] [-c PCT] [-w THREADS] [-r REPS] "
			    "[-o DISTRO] [-f FIXTURES] [-k] [-q] [-a] DB");
		}
	}
	if (optind + 1 != argc || b->nhosts == 0 || b->nthreads < 1 ||
	    b->nthreads > 64 || b->reps < 1)
		fatalx("usage: rollcall-bench-storage [options] DB");
	b->db = argv[optind];
}

/* -q: only the questions, on a database an earlier run left (a 100k-host
 * first sweep takes most of an hour on this machine). */
static int
bench_questions_only(struct bench *b)
{
	struct db	*rdb;
	char		 err[512];

	if ((b->w = writer_open(b->db, err, sizeof err)) == NULL)
		fatalx("%s", err);		/* migrates it if older */
	writer_close(b->w);
	if ((rdb = db_open_ro(b->db, err, sizeof err)) == NULL)
		fatalx("%s", err);
	printf("questions only, on %s: %lld hosts\n", b->db, count(rdb,
	    "SELECT count(*) FROM hosts"));
	bench_queries(b, rdb);
	db_close(rdb);
	return 0;
}

/* The hosts' names, h000000 on, in the order the threads take them. */
static void
bench_names(struct bench *b)
{
	size_t	 i;

	b->namebuf = xcalloc(b->nhosts + 1, NAME_LEN);
	b->names = xcalloc(b->nhosts + 1, sizeof *b->names);
	for (i = 0; i < b->nhosts; i++) {
		snprintf(b->namebuf + i * NAME_LEN, NAME_LEN, "h%06zu", i);
		b->names[i] = b->namebuf + i * NAME_LEN;
	}
}

int
main(int argc, char **argv)
{
	struct bench	 b;
	struct writer_stats st;
	struct rusage	 ru;
	struct db	*rdb;
	char		 err[512], p[1100];
	int		 first = 0;

	memset(&b, 0, sizeof b);
	log_init(0, "bench-storage");
	bench_args(&b, argc, argv);
	bench_load(&b);
	pthread_mutex_init(&b.lock, NULL);
	bench_names(&b);
	if (b.queries_only) {
		bench_questions_only(&b);
		bench_unload(&b);
		return 0;
	}
	if (!b.again) {
		unlink(b.db);
		snprintf(p, sizeof p, "%s-wal", b.db);
		unlink(p);
		snprintf(p, sizeof p, "%s-shm", b.db);
		unlink(p);
	}
	if ((b.w = writer_open(b.db, err, sizeof err)) == NULL)
		fatalx("%s", err);
	if (b.outbox)
		writer_outbox_enable(b.w, 100000000);
	if ((rdb = db_open_ro(b.db, err, sizeof err)) == NULL)
		fatalx("%s", err);
	printf("%zu hosts (%s), %d steady sweeps, %d%% of hosts take an "
	    "upgrade per sweep, %d threads\n", b.nhosts, b.only < 0 ?
	    "70% debian12, 10% each ubuntu2204, rocky9, alpine319" :
	    distros[b.only], b.steady, b.pct, b.nthreads);
	if (b.again) {
		/* Sweep numbers go on; b.steady is the last one's. */
		first = (int)count(rdb, "SELECT count(*) FROM sweeps");
		if (first == 0 || count(rdb, "SELECT count(*) FROM hosts") !=
		    (long long)b.nhosts)
			fatalx("-a: %s has no sweeps of %zu hosts to go on "
			    "from", b.db, b.nhosts);
		b.steady += first - 1;
		printf("going on from %d sweep(s) in %s\n", first, b.db);
	}
	for (b.sweep = first; b.sweep <= b.steady; b.sweep++)
		bench_sweep(&b, rdb);
	writer_get_stats(b.w, &st);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %.1f MB, peak bytes waiting for the writer %.1f MB; "
	    "package_items %lld, package_links %lld\n", ru.ru_maxrss / 1024.0,
	    st.queue_bytes_peak / 1048576.0, count(rdb, "SELECT count(*) FROM "
	    "package_items"), count(rdb, "SELECT count(*) FROM "
	    "package_links"));
	bench_queries(&b, rdb);
	db_close(rdb);
	writer_close(b.w);
	bench_unload(&b);
	return 0;
}
