/* A locked FIFO of messages handed from any thread to one consumer, with one
 * wake-up per queue: an eventfd that is readable while messages wait
 * (memcached's thread.c: a queue plus a notify fd per worker). The
 * consumer watches msgq_fd() in its own event loop; nothing here knows
 * libevent. Messages embed a struct msgq_entry (intrusive, no allocation
 * here); the queue never owns them. */
#ifndef ROLLCALL_MSGQ_H
#define ROLLCALL_MSGQ_H

#include <sys/queue.h>

#include <pthread.h>
#include <stddef.h>

/* The link a message embeds. */
struct msgq_entry {
	STAILQ_ENTRY(msgq_entry) link;	/* next message in the queue */
};

/* A list of messages, e.g. what msgq_take handed over. */
STAILQ_HEAD(msgq_list, msgq_entry);

/* The queue. */
struct msgq {
	pthread_mutex_t	 lock;		/* guards items */
	struct msgq_list items;		/* oldest first */
	int		 fd;		/* eventfd: readable while items wait */
};

/* The message that embeds entry e as member m of type t. */
#define MSGQ_ITEM(e, t, m)	((t *)(void *)((char *)(e) - offsetof(t, m)))

/* Set up an empty queue; fatal if no eventfd (start-up only). */
void	msgq_init(struct msgq *);
/* Append a message (any thread) and wake the consumer. */
void	msgq_push(struct msgq *, struct msgq_entry *);
/* Move every waiting message to out (consumer); clears the wake-up. */
void	msgq_take(struct msgq *, struct msgq_list *out);
/* Pop the oldest message of a taken list, or NULL. */
struct msgq_entry *msgq_pop(struct msgq_list *);
/* The fd to watch for reading. */
int	msgq_fd(const struct msgq *);
/* Close the wake-up; messages still queued are left in *rest (may be
 * NULL when the caller knows there are none) for the caller to free. */
void	msgq_destroy(struct msgq *, struct msgq_list *rest);

#endif
