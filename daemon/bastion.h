/* Bastions (ProxyJump): one authenticated SSH session per bastion (user,
 * address, port, key, and the chain before it) on a worker thread, shared
 * by every target that goes through it. Each target gets a direct-tcpip
 * channel, pumped by the worker's event loop into a socketpair whose other
 * end the target's own SSH session runs on, exactly as on a TCP socket. A
 * bastion is itself reached through the previous hop's tunnel, so a chain
 * is bastions asking bastions. No thread per host, nothing blocks. */
#ifndef ROLLCALL_BASTION_H
#define ROLLCALL_BASTION_H

#include <stddef.h>

#include "common/result.h"
#include "config/config.h"

struct worker;
struct sweep;
struct bastion_req;	/* one target's request for a tunnel */
struct bastion_pool;	/* a worker's bastions */

/* Called once per request, from the worker's loop (never from inside
 * bastion_open): fd >= 0 is the caller's end of the tunnel (the caller
 * owns and closes it; closing it closes the channel), or fd == -1 with the
 * status and reason of the failure. */
typedef void (*bastion_cb)(void *arg, int fd, enum host_status,
    const char *why);

/* A tunnel to host:port through hops[0] .. hops[n-1]. The request holds
 * the sweep (known_hosts, keys) until its callback has run. */
struct bastion_req *bastion_open(struct worker *, struct sweep *,
	    const struct jump_hop *hops, size_t n, const char *host, int port,
	    bastion_cb, void *arg);
/* The caller no longer wants it (its job ended first): no callback. */
void	 bastion_cancel(struct bastion_req *);
/* The worker's pool; created on first use. */
struct bastion_pool **worker_bastions(struct worker *);
/* Tear down every bastion of a pool (worker thread gone or stopping). */
void	 bastion_pool_free(struct bastion_pool *);

#endif
