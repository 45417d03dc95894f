/* The control-socket client shared by `rollcall status` and `rollcall
 * sweep` (cli/ctl.c). */
#ifndef ROLLCALL_CTL_H
#define ROLLCALL_CTL_H

#include <stdio.h>

#include "cli/cmdentry.h"
#include "common/result.h"

/* Options both commands take. */
struct ctl_opts {
	const char	*config;	/* -c */
	const char	*socket;	/* --socket */
	const char	*limit;		/* sweep --limit */
	int		 json;		/* status --json */
	int		 wait;		/* sweep --wait */
	int		 cluster;	/* status --cluster */
};

/* Parse the shared options; -1 to go on, else the exit code (after
 * --help, usage printed by usage()). */
int	 ctl_parse(const struct cmd_entry *, int argc, char **argv,
	    struct ctl_opts *, void (*usage)(FILE *));
/* Send one request line to the daemon; its answer (caller frees), or NULL
 * with a message printed and *rc set. */
char	*ctl_ask(const struct cmd_entry *, const struct ctl_opts *,
	    const char *req, int *rc);
/* The answer flattened into dotted keys (caller frees with
 * ctl_answer_free); NULL with a message if it is not JSON. */
struct facts *ctl_parse_answer(const struct cmd_entry *, const char *resp);
/* A field of the answer by printf-built key, or def. */
const char *ctl_get(const struct facts *, const char *def, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* Free what ctl_parse_answer() returned. */
void	 ctl_answer_free(struct facts *);

#endif
