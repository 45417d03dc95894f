/* The cluster outbox (docs/DISTRIBUTED.md): every attempt stored locally
 * while cluster mode is on is also queued, in the same transaction, as one
 * JSON document in the table `outbox` of the local database, until the
 * shipper (cluster/) has it acknowledged by PostgreSQL. The writer thread
 * does every write (add, ack); the shipper reads through its own read-only
 * connection. */
#ifndef ROLLCALL_STORAGE_OUTBOX_H
#define ROLLCALL_STORAGE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

struct writer;

/* Turn the outbox on for this writer (before the first writer_submit):
 * creates the tables if needed; from then on each stored attempt is queued.
 * At most max attempts are kept; past that the oldest go, with a warning. */
void	writer_outbox_enable(struct writer *, size_t max);

/* PostgreSQL has every outbox row up to id: the writer deletes them. */
void	writer_outbox_ack(struct writer *, int64_t upto_id);

/* One batch read from the outbox. */
struct outbox_batch {
	char	*json;		/* "[doc,doc,...]"; caller frees */
	size_t	 n;		/* documents in it */
	int64_t	 last_id;	/* highest outbox id in it */
};

/* What is waiting. */
struct outbox_backlog {
	int64_t	 count;		/* attempts not acknowledged yet */
	int64_t	 oldest_us;	/* when the oldest was stored; 0 if none */
};

struct outbox_reader;

/* Open a read-only connection to the database file. Returns NULL with err
 * filled. */
struct outbox_reader *outbox_reader_open(const char *path, char *err,
	    size_t errlen);
/* Up to max documents with outbox id > after_id, oldest first. Returns 0
 * (b->n may be 0) or -1 with err filled. */
int	outbox_read(struct outbox_reader *, int64_t after_id, size_t max,
	    struct outbox_batch *b, char *err, size_t errlen);
/* Count and age of what is waiting. Returns 0 or -1 with err filled. */
int	outbox_backlog(struct outbox_reader *, struct outbox_backlog *,
	    char *err, size_t errlen);
void	outbox_reader_close(struct outbox_reader *);

#endif
