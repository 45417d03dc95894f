/* notifyrecv: stands for systemd's notification socket in tests. Binds a
 * Unix datagram socket (the test points NOTIFY_SOCKET at it) and appends
 * every datagram it receives to a file, one line per notification
 * ("READY=1", "STATUS=...", "WATCHDOG=1"), with a sender credential check
 * left out on purpose: it only records. A hard lifetime (-l, SIGALRM with
 * its default action) ends it whatever happens. libc only. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Print usage and exit 2. */
static void
usage(void)
{
	fprintf(stderr, "usage: notifyrecv [-l SECONDS] SOCKET OUTFILE\n");
	exit(2);
}

/* Bind the datagram socket at path (replacing a leftover file). */
static int
bind_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "notifyrecv: %s: path too long\n", path);
		exit(1);
	}
	strcpy(sun.sun_path, path);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "notifyrecv: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

int
main(int argc, char **argv)
{
	char	 buf[4096];
	FILE	*out;
	ssize_t	 n;
	int	 ch, fd, lifetime = 300;

	while ((ch = getopt(argc, argv, "l:")) != -1) {
		switch (ch) {
		case 'l':
			lifetime = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || lifetime < 1)
		usage();
	alarm((unsigned)lifetime);
	fd = bind_socket(argv[optind]);
	if ((out = fopen(argv[optind + 1], "a")) == NULL) {
		fprintf(stderr, "notifyrecv: %s: %s\n", argv[optind + 1],
		    strerror(errno));
		return 1;
	}
	for (;;) {
		if ((n = recv(fd, buf, sizeof buf - 1, 0)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notifyrecv: recv: %s\n",
			    strerror(errno));
			return 1;
		}
		while (n > 0 && buf[n - 1] == '\n')
			n--;
		buf[n] = '\0';
		fprintf(out, "%s\n", buf);
		fflush(out);
	}
}
