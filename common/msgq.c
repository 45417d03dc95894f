/* The hand-over queue: STAILQ under a mutex plus an eventfd wake-up. A
 * producer writes the eventfd only when the queue was empty; the consumer
 * clears the eventfd before it takes the list, so a message pushed after
 * the take always finds the queue empty and writes again. */
#include <sys/eventfd.h>

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "common/log.h"
#include "common/msgq.h"

/* An empty queue and its eventfd; failing here is a start-up failure. */
void
msgq_init(struct msgq *q)
{
	pthread_mutex_init(&q->lock, NULL);
	STAILQ_INIT(&q->items);
	if ((q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
}

/* Append under the lock; wake the consumer if it may be asleep. */
void
msgq_push(struct msgq *q, struct msgq_entry *e)
{
	uint64_t	 one = 1;
	int		 was_empty;

	pthread_mutex_lock(&q->lock);
	was_empty = STAILQ_EMPTY(&q->items);
	STAILQ_INSERT_TAIL(&q->items, e, link);
	pthread_mutex_unlock(&q->lock);
	/* EAGAIN: the counter is saturated, the consumer is awake anyway. */
	if (was_empty && write(q->fd, &one, sizeof one) == -1 &&
	    errno != EAGAIN)
		log_warn("msgq: wake-up");
}

/* Clear the wake-up, then take the whole list in O(1). */
void
msgq_take(struct msgq *q, struct msgq_list *out)
{
	uint64_t	 n;

	STAILQ_INIT(out);
	if (read(q->fd, &n, sizeof n) == -1 && errno != EAGAIN)
		log_warn("msgq: reading the wake-up");
	pthread_mutex_lock(&q->lock);
	STAILQ_CONCAT(out, &q->items);
	pthread_mutex_unlock(&q->lock);
}

/* The oldest entry of a taken list, unlinked. */
struct msgq_entry *
msgq_pop(struct msgq_list *l)
{
	struct msgq_entry	*e;

	if ((e = STAILQ_FIRST(l)) != NULL)
		STAILQ_REMOVE_HEAD(l, link);
	return e;
}

/* What the consumer's loop watches. */
int
msgq_fd(const struct msgq *q)
{
	return q->fd;
}

/* Tear down; hand back whatever was never taken. */
void
msgq_destroy(struct msgq *q, struct msgq_list *rest)
{
	pthread_mutex_lock(&q->lock);
	if (rest != NULL) {
		STAILQ_INIT(rest);
		STAILQ_CONCAT(rest, &q->items);
	} else if (!STAILQ_EMPTY(&q->items))
		fatalx("msgq_destroy: messages left in the queue");
	pthread_mutex_unlock(&q->lock);
	close(q->fd);
	q->fd = -1;
	pthread_mutex_destroy(&q->lock);
}
