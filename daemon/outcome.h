/* Per-host outcomes of a finished sweep, read back from the database on a
 * short-lived thread (never on the main loop): the engine reports counts,
 * the scheduler needs to know which hosts failed and why to retry them. */
#ifndef ROLLCALL_OUTCOME_H
#define ROLLCALL_OUTCOME_H

#include <stdint.h>

#include "storage/storage.h"

struct event_base;
struct outcome;

/* Called on the main loop with rows (name, status) of the sweep's stored
 * attempts, or NULL if they could not be read. The callee owns t. */
typedef void (*outcome_cb)(struct table *t, void *arg);

/* Wait (off the loop) until the writer stored everything submitted so
 * far, then read the sweep's attempts; cb comes later on base. */
struct outcome	*outcome_start(struct event_base *, struct writer *,
		    const char *dbpath, int64_t sweep_id, outcome_cb,
		    void *arg);
/* Join the thread and free; the callback must have come (or the loop
 * is gone: then the result is dropped). */
void		 outcome_free(struct outcome *);

#endif
