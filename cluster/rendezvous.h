/* Rendezvous (highest random weight) hashing (docs/DISTRIBUTED.md): which
 * live node of a segment sweeps a host. Every node computes the same answer
 * from the same node list, so no node has to tell another; a node leaving
 * or joining moves only the hosts whose top node changed. Pure functions:
 * no state, no I/O. */
#ifndef ROLLCALL_CLUSTER_RENDEZVOUS_H
#define ROLLCALL_CLUSTER_RENDEZVOUS_H

#include <stddef.h>
#include <stdint.h>

/* The weight of node for host: a 64-bit hash of both names. */
uint64_t	rendezvous_weight(const char *node, const char *host);

/* Index in nodes[0..n) of the node that owns host (highest weight; a tie,
 * practically impossible, goes to the smaller name), or -1 when n == 0. */
ssize_t		rendezvous_owner(const char *host, const char *const *nodes,
		    size_t n);

#endif
