/* The shipper (docs/DISTRIBUTED.md): its own thread sends the attempts
 * waiting in the local outbox to PostgreSQL in batches over libpq's
 * non-blocking API, idempotently, and acknowledges what arrived. While
 * PostgreSQL is unreachable sweeps go on locally; the shipper reports the
 * backlog, reconnects with backoff and catches up. No other thread ever
 * waits on PostgreSQL. */
#ifndef ROLLCALL_CLUSTER_SHIPPER_H
#define ROLLCALL_CLUSTER_SHIPPER_H

#include <stddef.h>
#include <stdint.h>

struct cluster_config;
struct writer;
struct shipper;

/* Read the password file, open the outbox reader on the database file and
 * start the thread. The writer must have its outbox enabled and outlive
 * the shipper. Returns NULL with err filled (never holding the password). */
struct shipper	*shipper_start(const struct cluster_config *,
		    const char *database, struct writer *, char *err,
		    size_t errlen);

/* Stop the thread (an unacknowledged batch is simply sent again next
 * time), close, wipe the password, free. NULL is fine. */
void		 shipper_stop(struct shipper *);

/* For status and metrics; cheap, lock-protected. */
struct shipper_stats {
	int	 connected;		/* PostgreSQL session ready */
	int64_t	 backlog;		/* attempts waiting in the outbox */
	int64_t	 oldest_us;		/* when the oldest was stored; 0 */
	uint64_t shipped;		/* attempts acknowledged */
	uint64_t batches;		/* batches acknowledged */
	char	 last_error[256];	/* why the last try failed, or "" */
	int64_t	 hosts_owned;		/* scheduler's count; -1 unknown */
	size_t	 nmembers;		/* live nodes of the segment, last
					   read (this one included) */
	int64_t	 members_age_ms;	/* since they were read; -1 never */
	int	 stepped_back;		/* another live instance holds this
					   node's name: sweep nothing */
};
void		 shipper_get_stats(struct shipper *, struct shipper_stats *);

/* The live nodes of this node's segment as the last heartbeat read them
 * from PostgreSQL: a copy (free with shipper_members_free), *n of them;
 * *age_ms is how long ago they were read, -1 never (PostgreSQL not reached
 * yet). Takes only the shipper's short lock: never waits on PostgreSQL. */
char		**shipper_members(struct shipper *, size_t *n, int64_t *age_ms);
void		 shipper_members_free(char **, size_t);
/* How many hosts this node owns now (the next heartbeat reports it). */
void		 shipper_set_owned(struct shipper *, int64_t);
/* 1 while another live instance holds this node's name (the heartbeat
 * found it): the node steps back and sweeps nothing. */
int		 shipper_stepped_back(struct shipper *);
/* This node's name and segment, as configured. */
const char	*shipper_node(const struct shipper *);
const char	*shipper_segment(const struct shipper *);

/* Central retention: prune central rows older than ms (0 = never), by
 * one node at a time, only while this node's outbox is empty. */
void	 shipper_set_retention(struct shipper *, int64_t ms);

#endif
