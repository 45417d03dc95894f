/*
 * Session memory for libssh2.
 *
 * libssh2 1.10 allocates its session struct (about 110 KB) and memsets it,
 * so every page of it is resident from the start although a session writes
 * only a few of them: at 1000 hosts in flight that alone is 110 MB. Large
 * blocks therefore get their own private anonymous mapping, and after init
 * the pages that are still all zero go back to the kernel (MADV_DONTNEED: a
 * later read sees zeros, a write faults in a fresh page).
 *
 * Unmapping is dear in a threaded process: every madvise() and munmap()
 * flushes the TLB of every CPU running one of our threads (an IPI each, and
 * in a VM a paravirtual one). A page-by-page trim plus an munmap per session
 * cost about 15% of the client's CPU. So the trim happens only while more
 * than SSH_TRIM_ABOVE sessions are alive (below that their untouched pages
 * are a few MB at most), runs of zero pages are given back with one call per
 * run, and freed mappings go to a small cache for the next session instead
 * of to munmap(), so a reused block is neither faulted in nor unmapped again.
 * The cache (at most SSH_CACHE_MAX blocks) lives as long as the process: at
 * exit the kernel takes the mappings back in one go, cheaper than munmap()
 * one by one.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/sshmem.h"

#define SSH_MAP_MIN	(32 * 1024)	/* blocks this big get a mapping */
#define SSH_CACHE_MAX	64		/* freed mappings kept for reuse */
#define SSH_TRIM_ABOVE	256		/* live mappings before trimming */

struct ssh_blk {
	size_t	 size;		/* bytes the caller asked for */
	size_t	 mapped;	/* mapping length, 0 for malloc */
};
/* The header, rounded up so the caller's block keeps malloc's alignment. */
#define SSH_ALIGN	_Alignof(max_align_t)
#define SSH_HDR		((sizeof(struct ssh_blk) + SSH_ALIGN - 1) & \
			    ~(size_t)(SSH_ALIGN - 1))
_Static_assert((SSH_ALIGN & (SSH_ALIGN - 1)) == 0 && SSH_HDR % SSH_ALIGN == 0,
    "the header must keep the block maximally aligned");

static pthread_mutex_t	 ssh_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ssh_blk	*ssh_cache[SSH_CACHE_MAX];
static size_t		 ssh_ncache;
static long		 ssh_nlive;	/* mappings handed to libssh2 */

/* Mappings handed to libssh2 and not yet freed: more, or fewer. */
static void
ssh_live(int delta)
{
	pthread_mutex_lock(&ssh_cache_lock);
	ssh_nlive += delta;
	pthread_mutex_unlock(&ssh_cache_lock);
}

/* A cached mapping of exactly len bytes, or NULL. */
static struct ssh_blk *
ssh_cache_take(size_t len)
{
	struct ssh_blk	*b = NULL;
	size_t		 i;

	pthread_mutex_lock(&ssh_cache_lock);
	for (i = ssh_ncache; i > 0; i--) {
		if (ssh_cache[i - 1]->mapped == len) {
			b = ssh_cache[i - 1];
			ssh_cache[i - 1] = ssh_cache[--ssh_ncache];
			break;
		}
	}
	pthread_mutex_unlock(&ssh_cache_lock);
	return b;
}

/* Keep a freed mapping for reuse; 0 if the cache is full. */
static int
ssh_cache_put(struct ssh_blk *b)
{
	int	 kept = 0;

	pthread_mutex_lock(&ssh_cache_lock);
	if (ssh_ncache < SSH_CACHE_MAX) {
		ssh_cache[ssh_ncache++] = b;
		kept = 1;
	}
	pthread_mutex_unlock(&ssh_cache_lock);
	return kept;
}

/* libssh2 allocator: malloc, or a mapping for large blocks. */
void *
ssh_mem_alloc(size_t size, void **abstract)
{
	struct ssh_blk	*b;
	size_t		 len = size + SSH_HDR, page;
	void		*p;

	(void)abstract;
	if (size >= SSH_MAP_MIN) {
		page = (size_t)sysconf(_SC_PAGESIZE);
		len = (len + page - 1) & ~(page - 1);
		if ((b = ssh_cache_take(len)) == NULL) {
			p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return NULL;
			b = p;
			b->mapped = len;
		}
		ssh_live(1);
	} else {
		if ((b = malloc(len)) == NULL)
			return NULL;
		b->mapped = 0;
	}
	b->size = size;
	return (char *)b + SSH_HDR;
}

/* libssh2 deallocator. */
void
ssh_mem_free(void *ptr, void **abstract)
{
	struct ssh_blk	*b;

	(void)abstract;
	if (ptr == NULL)
		return;
	b = (struct ssh_blk *)((char *)ptr - SSH_HDR);
	if (b->mapped == 0) {
		free(b);
		return;
	}
	ssh_live(-1);
	if (!ssh_cache_put(b))
		munmap(b, b->mapped);
}

/* The size a block was allocated with: what its owner may have written. */
size_t
ssh_mem_size(const void *ptr)
{
	return ((const struct ssh_blk *)((const char *)ptr - SSH_HDR))->size;
}

/* libssh2 reallocator (rare: growing packet buffers). */
void *
ssh_mem_realloc(void *ptr, size_t size, void **abstract)
{
	struct ssh_blk	*b;
	void		*n;

	if (ptr == NULL)
		return ssh_mem_alloc(size, abstract);
	b = (struct ssh_blk *)((char *)ptr - SSH_HDR);
	if ((n = ssh_mem_alloc(size, abstract)) == NULL)
		return NULL;
	memcpy(n, ptr, b->size < size ? b->size : size);
	ssh_mem_free(ptr, abstract);
	return n;
}

/* While many sessions are alive, give back the pages of a mapped block
 * that hold nothing but zeros, one madvise() per run of them. The first
 * page holds our header. */
void
ssh_mem_trim(void *ptr)
{
	struct ssh_blk	*b = (struct ssh_blk *)((char *)ptr - SSH_HDR);
	static const unsigned char zero[4096];
	size_t		 page = (size_t)sysconf(_SC_PAGESIZE), off, run = 0;
	unsigned char	*base = (unsigned char *)b;
	long		 live;

	pthread_mutex_lock(&ssh_cache_lock);
	live = ssh_nlive;
	pthread_mutex_unlock(&ssh_cache_lock);
	if (b->mapped == 0 || page != sizeof zero || live <= SSH_TRIM_ABOVE)
		return;
	for (off = page; off + page <= b->mapped; off += page) {
		if (memcmp(base + off, zero, page) == 0) {
			if (run == 0)
				run = off;
			continue;
		}
		if (run != 0)
			madvise(base + run, off - run, MADV_DONTNEED);
		run = 0;
	}
	if (run != 0)
		madvise(base + run, off - run, MADV_DONTNEED);
}
