/* libssh2's allocator (daemon/sshmem.c): blocks keep malloc's alignment
 * behind our header, and know the size they were asked for, which the
 * free callback uses to bound its reading of a freed packet. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/sshmem.h"
#include "test.h"

/* Small (malloc) and large (mapped) blocks: aligned, sized, writable to
 * the last byte, and a realloc keeps their content. */
static void
test_blocks(void)
{
	static const size_t	 sizes[] = { 1, 13, 100, 4096, 40000, 200000 };
	size_t			 i;
	unsigned char		*p;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p = ssh_mem_alloc(sizes[i], NULL);
		CHECK(p != NULL);
		if (p == NULL)
			continue;
		CHECK((uintptr_t)p % alignof(max_align_t) == 0);
		CHECK(ssh_mem_size(p) == sizes[i]);
		memset(p, 0x5c, sizes[i]);
		p = ssh_mem_realloc(p, sizes[i] + 50000, NULL);
		CHECK(p != NULL && ssh_mem_size(p) == sizes[i] + 50000);
		CHECK(p != NULL && p[0] == 0x5c && p[sizes[i] - 1] == 0x5c);
		CHECK((uintptr_t)p % alignof(max_align_t) == 0);
		ssh_mem_free(p, NULL);
	}
	/* a cached mapping reused for a smaller request reports the new size */
	p = ssh_mem_alloc(40000, NULL);
	ssh_mem_free(p, NULL);
	p = ssh_mem_alloc(39000, NULL);
	CHECK(p != NULL && ssh_mem_size(p) == 39000);
	ssh_mem_free(p, NULL);
}

int
main(void)
{
	test_blocks();
	TEST_MAIN_END();
}
