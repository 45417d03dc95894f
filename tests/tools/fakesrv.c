/* fakesrv: a TCP server that misbehaves on purpose, standing for a broken
 * host in the simulated fleet (scripts/fleet.sh). Modes:
 *   tarpit   accept, read and discard, never send a byte
 *   drip     send "SSH-2.0-drip" then 'x' bytes, one byte every -i seconds,
 *            never finishing the banner line
 *   garbage  send an HTTP error response (not SSH), then close
 *   reset    accept and reset at once (RST, as an overflowing accept queue
 *            or sshd's MaxStartups does to a flood); with -f ADDR:PORT only
 *            the first connection, later ones are relayed to ADDR:PORT
 * Every accepted connection is reported on stdout ("accept N").
 * A hard lifetime (-l, SIGALRM with its default action) ends it whatever
 * happens, so it can never outlive the test that started it. Single
 * process, one poll() loop, no dependencies beyond libc. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS	4096

enum mode {
	MODE_TARPIT,
	MODE_DRIP,
	MODE_GARBAGE,
	MODE_RESET,
};

static struct sockaddr_in fwd;		/* reset -f: where later ones go */
static int		 fwd_set;	/* -f given */
static long		 naccepted;	/* connections accepted so far */
static long		 lifetime_s = 600; /* -l, also for relay children */

static const char drip_prefix[] = "SSH-2.0-drip";
static const char garbage_reply[] =
    "HTTP/1.1 400 Bad Request\r\n"
    "Server: fakesrv\r\n"
    "Content-Type: text/html\r\n"
    "Content-Length: 24\r\n"
    "Connection: close\r\n"
    "\r\n"
    "<h1>not an ssh server</h1>\n";

/* One accepted connection. */
struct conn {
	int	 fd;		/* -1 when the slot is free */
	size_t	 sent;		/* drip: banner bytes sent so far */
};

static struct pollfd	 pfds[MAX_CONNS + 1];	/* [0] is the listener */
static struct conn	 conns[MAX_CONNS];
static size_t		 nconns;

/* Print usage and exit 2. */
static void
usage(void)
{
	fprintf(stderr, "usage: fakesrv [-l lifetime_s] [-i drip_interval_s] "
	    "[-p pidfile] [-f ADDR:PORT] tarpit|drip|garbage|reset ADDR PORT\n");
	exit(2);
}

/* Print a message with strerror(errno) and exit 1. */
static void
die(const char *what)
{
	fprintf(stderr, "fakesrv: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Parse a positive integer option or exit with usage. */
static long
parse_num(const char *s, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max)
		usage();
	return v;
}

/* -f ADDR:PORT: where reset mode relays connections after the first. */
static void
parse_fwd(const char *arg)
{
	char	 addr[64];
	const char *colon = strrchr(arg, ':');

	if (colon == NULL || (size_t)(colon - arg) >= sizeof addr)
		usage();
	memcpy(addr, arg, (size_t)(colon - arg));
	addr[colon - arg] = '\0';
	memset(&fwd, 0, sizeof fwd);
	fwd.sin_family = AF_INET;
	fwd.sin_port = htons((unsigned short)parse_num(colon + 1, 65535));
	if (inet_pton(AF_INET, addr, &fwd.sin_addr) != 1)
		usage();
	fwd_set = 1;
}

/* Bind and listen on ADDR:PORT (IPv4). */
static int
listen_on(const char *addr, long port)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "fakesrv: not an IPv4 address: %s\n", addr);
		exit(2);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		die("setsockopt");
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		die("bind");
	if (listen(fd, 1024) == -1)
		die("listen");
	return fd;
}

/* Write the pid file only once the socket listens: its presence is the
 * "ready" signal fleet.sh waits for. */
static void
write_pidfile(const char *path)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL)
		die(path);
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0)
		die(path);
}

/* Copy what one side sent to the other; 0 on EOF or error. */
static int
relay_copy(int from, int to)
{
	char	 buf[16384];
	ssize_t	 n, w, off;

	if ((n = read(from, buf, sizeof buf)) <= 0)
		return 0;
	for (off = 0; off < n; off += w)
		if ((w = write(to, buf + off, (size_t)(n - off))) <= 0)
			return 0;
	return 1;
}

/* Child: relay one connection to the -f address until either side ends. */
static void
relay(int fd)
{
	struct pollfd	 p[2];
	int		 up;

	alarm((unsigned)lifetime_s);
	fcntl(fd, F_SETFL, 0);
	if ((up = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(up, (struct sockaddr *)&fwd, sizeof fwd) == -1)
		_exit(1);
	p[0].fd = fd;
	p[1].fd = up;
	p[0].events = p[1].events = POLLIN;
	while (poll(p, 2, -1) > 0) {
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !relay_copy(fd, up))
			break;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !relay_copy(up, fd))
			break;
	}
	_exit(0);
}

/* Reset mode: RST the connection (linger 0), or relay it (-f, after the
 * first one) from a child process. */
static void
reset_or_relay(int fd)
{
	struct linger	 lg = { 1, 0 };

	if (fwd_set && naccepted > 1) {
		if (fork() == 0)
			relay(fd);
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

/* Close connection slot i and free it. */
static void
conn_close(size_t i)
{
	close(conns[i].fd);
	conns[i].fd = -1;
	pfds[i + 1].fd = -1;
	nconns--;
}

/* Accept every pending connection; garbage mode answers and closes at
 * once, the other modes keep the connection in a free slot. */
static void
accept_all(int lfd, enum mode mode)
{
	size_t	 i;
	ssize_t	 n;
	int	 fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				fprintf(stderr, "fakesrv: accept: %s\n",
				    strerror(errno));
			return;
		}
		printf("accept %ld\n", ++naccepted);
		fflush(stdout);
		if (mode == MODE_RESET) {
			reset_or_relay(fd);
			continue;
		}
		if (mode == MODE_GARBAGE) {
			n = write(fd, garbage_reply, sizeof garbage_reply - 1);
			(void)n;
			shutdown(fd, SHUT_WR);
			close(fd);
			continue;
		}
		if (nconns == MAX_CONNS) {
			close(fd);
			continue;
		}
		for (i = 0; i < MAX_CONNS; i++)
			if (conns[i].fd == -1)
				break;
		conns[i].fd = fd;
		conns[i].sent = 0;
		pfds[i + 1].fd = fd;
		pfds[i + 1].events = POLLIN;
		nconns++;
	}
}

/* Read and discard what a peer sent; close on EOF or error. */
static void
conn_drain(size_t i)
{
	char	 buf[4096];
	ssize_t	 n;

	n = read(conns[i].fd, buf, sizeof buf);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		conn_close(i);
}

/* Drip: one more banner byte to every connection. */
static void
drip_all(void)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < MAX_CONNS; i++) {
		if (conns[i].fd == -1)
			continue;
		c = conns[i].sent < sizeof drip_prefix - 1 ?
		    drip_prefix[conns[i].sent] : 'x';
		if (write(conns[i].fd, &c, 1) == 1)
			conns[i].sent++;
		else if (errno != EAGAIN)
			conn_close(i);
	}
}

/* Monotonic clock in milliseconds. */
static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct rlimit	 rl;
	const char	*pidfile = NULL;
	enum mode	 mode;
	long		 lifetime = 600, interval = 3;
	long long	 next_drip;
	size_t		 i;
	int		 ch, lfd, timeout, n;

	while ((ch = getopt(argc, argv, "f:l:i:p:")) != -1) {
		switch (ch) {
		case 'f':
			parse_fwd(optarg);
			break;
		case 'l':
			lifetime = lifetime_s = parse_num(optarg, 7 * 24 * 3600);
			break;
		case 'i':
			interval = parse_num(optarg, 3600);
			break;
		case 'p':
			pidfile = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		usage();
	if (strcmp(argv[0], "tarpit") == 0)
		mode = MODE_TARPIT;
	else if (strcmp(argv[0], "drip") == 0)
		mode = MODE_DRIP;
	else if (strcmp(argv[0], "garbage") == 0)
		mode = MODE_GARBAGE;
	else if (strcmp(argv[0], "reset") == 0)
		mode = MODE_RESET;
	else
		usage();

	/* The hard limit comes first: nothing below can make it outlive it. */
	signal(SIGALRM, SIG_DFL);
	alarm((unsigned)lifetime);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* relay children reap themselves */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	lfd = listen_on(argv[1], parse_num(argv[2], 65535));
	for (i = 0; i < MAX_CONNS; i++) {
		conns[i].fd = -1;
		pfds[i + 1].fd = -1;
	}
	pfds[0].fd = lfd;
	pfds[0].events = POLLIN;
	if (pidfile != NULL)
		write_pidfile(pidfile);

	next_drip = now_ms() + interval * 1000;
	for (;;) {
		timeout = -1;
		if (mode == MODE_DRIP) {
			long long left = next_drip - now_ms();
			timeout = left < 0 ? 0 : (int)left;
		}
		n = poll(pfds, MAX_CONNS + 1, timeout);
		if (n == -1 && errno != EINTR)
			die("poll");
		if (n > 0) {
			if (pfds[0].revents & POLLIN)
				accept_all(lfd, mode);
			for (i = 0; i < MAX_CONNS; i++)
				if (conns[i].fd != -1 && pfds[i + 1].revents)
					conn_drain(i);
		}
		if (mode == MODE_DRIP && now_ms() >= next_drip) {
			drip_all();
			next_drip += interval * 1000;
		}
	}
}
