/* A bump allocator: many small allocations out of a few large blocks,
 * all freed at once. For result sets of 100,000 rows, where a malloc per
 * cell cost more than reading the rows. */
#ifndef ROLLCALL_ARENA_H
#define ROLLCALL_ARENA_H

#include <stddef.h>

struct arena_block;

/* An arena; zero-initialised is empty and ready. */
struct arena {
	struct arena_block	*head;	/* the block being filled; older
					 * ones chained behind it */
	size_t			 used;	/* bytes taken from head */
	size_t			 size;	/* bytes head can hold */
};

/* n bytes aligned for any pointer or integer; never NULL (aborts on
 * out-of-memory). Valid until arena_free. */
void	*arena_alloc(struct arena *, size_t n);
/* A copy of the n bytes at s plus a NUL. */
char	*arena_strndup(struct arena *, const char *s, size_t n);
/* A copy of a C string. */
char	*arena_strdup(struct arena *, const char *s);
/* Free every block; the arena is empty again. */
void	 arena_free(struct arena *);

#endif
