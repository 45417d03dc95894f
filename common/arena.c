/* Bump allocation in blocks that double up to 1 MiB: a 100,000-row result
 * set takes a few dozen mallocs instead of 600,000. */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/xmalloc.h"

#define ARENA_FIRST	4096		/* first block, bytes */
#define ARENA_MAX	(1024 * 1024)	/* blocks stop doubling here */

/* One block; its bytes follow the header. */
struct arena_block {
	struct arena_block	*next;	/* the block filled before */
	max_align_t		 data[];/* the bytes handed out */
};

/* Chain a new block that holds at least n bytes. */
static void
arena_grow(struct arena *a, size_t n)
{
	struct arena_block	*b;
	size_t			 size;

	size = a->size == 0 ? ARENA_FIRST : a->size * 2;
	if (size > ARENA_MAX)
		size = ARENA_MAX;
	if (size < n)
		size = n;
	b = xmalloc(sizeof *b + size);
	b->next = a->head;
	a->head = b;
	a->used = 0;
	a->size = size;
}

/* Take n bytes from the head block (its next aligned offset), growing
 * when it is full. */
void *
arena_alloc(struct arena *a, size_t n)
{
	const size_t	 align = alignof(max_align_t);
	size_t		 off;
	void		*p;

	if (n == 0)
		n = 1;
	off = (a->used + align - 1) & ~(align - 1);
	if (a->head == NULL || off > a->size || a->size - off < n) {
		arena_grow(a, n);
		off = 0;
	}
	p = (char *)a->head->data + off;
	a->used = off + n;
	return p;
}

/* Copy n bytes and a NUL. Strings need no alignment: packed tightly. */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	if (a->head == NULL || a->size - a->used < n + 1)
		arena_grow(a, n + 1);
	p = (char *)a->head->data + a->used;
	a->used += n + 1;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Copy a C string. */
char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

/* Free the chain. */
void
arena_free(struct arena *a)
{
	struct arena_block	*b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = a->size = 0;
}
