/* benchrun: run one benchmark command and measure it (bench/run.sh).
 *
 *   benchrun [-i MS] [-t SECONDS] [-o FILE] -- COMMAND [ARG...]
 *
 * Runs COMMAND in its own process group and reports, as key=value lines
 * (to FILE, default stdout):
 *   wall_s         wall-clock time, fork to reap
 *   user_s sys_s   CPU of COMMAND and every descendant it reaped (wait4's
 *                  rusage: what /usr/bin/time reports)
 *   maxrss_kb      peak RSS of the largest single process of the tree
 *                  (wait4's ru_maxrss)
 *   sumrss_kb      peak over samples of the SUM of RSS of every process
 *                  in the tree (shared pages counted once per process)
 *   sumpriv_kb     same for RSS minus file-backed shared pages (statm
 *                  resident - shared): the tree's private memory
 *   procs_peak     most processes seen in the tree at once
 *   samples        how many samples were taken
 *   busy_s idle_s  the whole machine's busy and idle CPU over the run,
 *                  from /proc/stat (all cores summed)
 *   self_s         benchrun's own CPU (the sampler), to subtract too
 *   status         exit status, or 128+signal; timed_out=1 if killed
 *
 * The tree is found by scanning /proc every MS milliseconds (default 200):
 * a process is in it when its parent is. Only new pids are looked up, and
 * only members are read again, so a sample costs little even with
 * thousands of processes on the machine. Short-lived processes that live
 * between two samples are missed by the sums (not by maxrss or CPU).
 * No cgroups: the machine's cgroup hierarchy is not ours to change.
 *
 * Standalone: cc -std=c11 -O2 -o benchrun bench/benchrun.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { P_UNKNOWN = 0, P_OUT, P_IN };

/* pid -> state, for pids up to pid_max. */
static unsigned char	*pstate;
static unsigned char	*pseen;		/* seen in this scan (kept all 0 between) */
static long		 pid_max;

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
read_file(const char *path, char *buf, size_t len)
{
	int	 fd;
	ssize_t	 n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* Parent pid from /proc/PID/stat (the comm field may hold spaces). */
static long
read_ppid(long pid)
{
	char	 path[64], buf[1024], *p;
	long	 ppid;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (read_file(path, buf, sizeof buf) <= 0)
		return -1;
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(p + 2, "%*c %ld", &ppid) != 1)
		return -1;
	return ppid;
}

/* Busy and idle jiffies of the whole machine. */
static void
read_cpu(unsigned long long *busy, unsigned long long *idle)
{
	char			 buf[4096];
	unsigned long long	 v[10] = { 0 };

	*busy = *idle = 0;
	if (read_file("/proc/stat", buf, sizeof buf) <= 0)
		return;
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
	    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 8)
		return;
	/* user nice system idle iowait irq softirq steal */
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	*idle = v[3] + v[4];
}

struct sample {
	unsigned long long	 sumrss, sumpriv;	/* pages */
	long			 procs;
};

/* Pids listed by the previous scan, to forget the ones that went away. */
static long	*prev;
static size_t	 nprev, capprev;

static void
push(long **a, size_t *n, size_t *cap, long v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		if ((*a = realloc(*a, *cap * sizeof **a)) == NULL)
			abort();
	}
	(*a)[(*n)++] = v;
}

/* One scan of /proc: classify new pids, sum members' statm. Costs one
 * readdir of /proc, one stat read per new pid and one statm read per
 * member: nothing proportional to pid_max. */
static void
sample_tree(pid_t root, struct sample *s)
{
	DIR		*d;
	struct dirent	*de;
	long		*cur = NULL, *fresh = NULL, *pp, pid, ppid;
	size_t		 ncur = 0, capcur = 0, nfresh = 0, capfresh = 0, i;
	int		 changed;
	char		 path[64], buf[256];
	unsigned long long size, res, shr;

	memset(s, 0, sizeof *s);
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtol(de->d_name, NULL, 10);
		if (pid <= 0 || pid > pid_max)
			continue;
		pseen[pid] = 1;
		push(&cur, &ncur, &capcur, pid);
		if (pstate[pid] == P_UNKNOWN)
			push(&fresh, &nfresh, &capfresh, pid);
	}
	closedir(d);
	/* Forget pids that went away (they may be reused later). */
	for (i = 0; i < nprev; i++)
		if (!pseen[prev[i]] && prev[i] != root)
			pstate[prev[i]] = P_UNKNOWN;
	for (i = 0; i < ncur; i++)
		pseen[cur[i]] = 0;
	free(prev);
	prev = cur;
	nprev = ncur;
	capprev = capcur;
	if (root > 0)
		pstate[root] = P_IN;
	/* New pids join the tree when their parent is in it; a parent may
	 * itself be new, so repeat until nothing changes. */
	if ((pp = calloc(nfresh + 1, sizeof *pp)) == NULL)
		abort();
	for (i = 0; i < nfresh; i++)
		pp[i] = read_ppid(fresh[i]);
	do {
		changed = 0;
		for (i = 0; i < nfresh; i++) {
			if (pstate[fresh[i]] != P_UNKNOWN)
				continue;
			ppid = pp[i];
			if (ppid > 0 && ppid <= pid_max &&
			    pstate[ppid] == P_IN) {
				pstate[fresh[i]] = P_IN;
				changed = 1;
			}
		}
	} while (changed);
	for (i = 0; i < nfresh; i++)
		if (pstate[fresh[i]] == P_UNKNOWN)
			pstate[fresh[i]] = P_OUT;
	free(pp);
	free(fresh);
	/* Sum the members (including the root). */
	for (i = 0; i < nprev; i++) {
		pid = prev[i];
		if (pstate[pid] != P_IN)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/statm", pid);
		if (read_file(path, buf, sizeof buf) <= 0)
			continue;
		if (sscanf(buf, "%llu %llu %llu", &size, &res, &shr) != 3)
			continue;
		s->sumrss += res;
		s->sumpriv += res > shr ? res - shr : 0;
		s->procs++;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: benchrun [-i MS] [-t SECONDS] [-o FILE] -- "
	    "COMMAND [ARG...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	long		 interval_ms = 200, timeout_s = 0;
	const char	*outpath = NULL;
	FILE		*out = stdout;
	pid_t		 child;
	int		 ch, status = 0, timed_out = 0, killed = 0;
	struct rusage	 ru, self;
	struct sample	 s;
	unsigned long long b0, i0, b1, i1, peak_rss = 0, peak_priv = 0;
	long		 peak_procs = 0, nsamples = 0, pagekb, tck;
	double		 t0, t1, deadline = 0, kill_at = 0;
	char		 buf[64];

	while ((ch = getopt(argc, argv, "+i:t:o:")) != -1) {
		switch (ch) {
		case 'i': interval_ms = strtol(optarg, NULL, 10); break;
		case 't': timeout_s = strtol(optarg, NULL, 10); break;
		case 'o': outpath = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc || interval_ms <= 0)
		usage();
	argv += optind;

	pid_max = 4194304;
	if (read_file("/proc/sys/kernel/pid_max", buf, sizeof buf) > 0)
		pid_max = strtol(buf, NULL, 10);
	if ((pstate = calloc((size_t)pid_max + 1, 1)) == NULL ||
	    (pseen = calloc((size_t)pid_max + 1, 1)) == NULL) {
		perror("benchrun: calloc");
		return 2;
	}
	pagekb = sysconf(_SC_PAGESIZE) / 1024;
	tck = sysconf(_SC_CLK_TCK);
	/* Everything already running is not ours (root 0: no member). */
	sample_tree(0, &s);

	read_cpu(&b0, &i0);
	t0 = now_s();
	if ((child = fork()) == -1) {
		perror("benchrun: fork");
		return 2;
	}
	if (child == 0) {
		setpgid(0, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "benchrun: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(child, child);
	pstate[child] = P_IN;
	if (timeout_s > 0)
		deadline = t0 + timeout_s;
	for (;;) {
		pid_t	 r = wait4(child, &status, WNOHANG, &ru);

		if (r == child)
			break;
		if (r == -1 && errno != EINTR) {
			perror("benchrun: wait4");
			return 2;
		}
		sample_tree(child, &s);
		nsamples++;
		if (s.sumrss > peak_rss)
			peak_rss = s.sumrss;
		if (s.sumpriv > peak_priv)
			peak_priv = s.sumpriv;
		if (s.procs > peak_procs)
			peak_procs = s.procs;
		if (deadline > 0 && now_s() > deadline && !timed_out) {
			fprintf(stderr, "benchrun: %s: over %ld s, killing it\n",
			    argv[0], timeout_s);
			kill(-child, SIGTERM);
			timed_out = 1;
			kill_at = now_s() + 5;
		}
		if (timed_out && !killed && now_s() > kill_at) {
			kill(-child, SIGKILL);
			killed = 1;
		}
		usleep((useconds_t)interval_ms * 1000);
	}
	t1 = now_s();
	read_cpu(&b1, &i1);
	if (timed_out)
		kill(-child, SIGKILL);	/* leftovers of the group */
	getrusage(RUSAGE_SELF, &self);

	if (outpath != NULL && (out = fopen(outpath, "w")) == NULL) {
		perror(outpath);
		return 2;
	}
	fprintf(out, "wall_s=%.3f\n", t1 - t0);
	fprintf(out, "user_s=%.3f\n", ru.ru_utime.tv_sec +
	    ru.ru_utime.tv_usec / 1e6);
	fprintf(out, "sys_s=%.3f\n", ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6);
	fprintf(out, "maxrss_kb=%ld\n", ru.ru_maxrss);
	fprintf(out, "sumrss_kb=%llu\n", peak_rss * pagekb);
	fprintf(out, "sumpriv_kb=%llu\n", peak_priv * pagekb);
	fprintf(out, "procs_peak=%ld\n", peak_procs);
	fprintf(out, "samples=%ld\n", nsamples);
	fprintf(out, "busy_s=%.2f\n", (double)(b1 - b0) / tck);
	fprintf(out, "idle_s=%.2f\n", (double)(i1 - i0) / tck);
	fprintf(out, "self_s=%.3f\n", self.ru_utime.tv_sec +
	    self.ru_utime.tv_usec / 1e6 + self.ru_stime.tv_sec +
	    self.ru_stime.tv_usec / 1e6);
	fprintf(out, "status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status));
	fprintf(out, "timed_out=%d\n", timed_out);
	if (out != stdout)
		fclose(out);
	return 0;
}
