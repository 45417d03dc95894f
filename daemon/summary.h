/* The one-line sweep summary `rollcall collect` prints and the daemon logs. */
#ifndef ROLLCALL_SUMMARY_H
#define ROLLCALL_SUMMARY_H

#include "daemon/engine.h"

/* Hosts not ok, not counting the ones never started or aborted. */
size_t	 summary_failed(const struct sweep_summary *);
/* "sweep 12: 30 hosts in 4.2s: 24 ok, 6 failed (refused 1, ...); at most
 * 30 in flight". Caller frees. */
char	*summary_line(const struct sweep_summary *);

#endif
