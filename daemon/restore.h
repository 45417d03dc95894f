/* What a restarted daemon starts from: each inventory host's last status
 * and last success, and the last finished sweeps, read once from the
 * database at start. Only this start-up read looks back into the
 * database; from then on the scheduler keeps the state itself. */
#ifndef ROLLCALL_RESTORE_H
#define ROLLCALL_RESTORE_H

#include <stddef.h>

struct sched;

/* Read path's last-known state into the scheduler (sched_restore). A
 * database without hosts yet is fine. -1 with err filled if it cannot be
 * read (the daemon then starts as if nothing was known). */
int	 restore_state(const char *dbpath, struct sched *, char *err,
	    size_t errlen);

#endif
