/* The arena: every allocation aligned and distinct, strings copied with
 * their NUL, a request larger than any block served, and a freed arena
 * ready again. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "test.h"

/* Many small strings and pointer arrays interleaved, as a table's rows. */
static void
test_mixed(void)
{
	struct arena	 a = { 0 };
	char		*s[5000], **row;
	char		 want[32];
	int		 i, ok = 1;

	for (i = 0; i < 5000; i++) {
		snprintf(want, sizeof want, "cell-%d", i);
		s[i] = arena_strndup(&a, want, strlen(want));
		row = arena_alloc(&a, 3 * sizeof *row);
		if ((uintptr_t)row % alignof(max_align_t) != 0)
			ok = 0;
		row[0] = s[i];			/* writable, no overlap */
		row[1] = row[2] = NULL;
	}
	CHECK(ok);
	for (i = 0; i < 5000; i++) {
		snprintf(want, sizeof want, "cell-%d", i);
		if (strcmp(s[i], want) != 0)
			ok = 0;
	}
	CHECK(ok);
	CHECK_STR(arena_strndup(&a, "abcdef", 3), "abc");
	CHECK_STR(arena_strdup(&a, ""), "");
	arena_free(&a);
	CHECK(a.head == NULL && a.used == 0 && a.size == 0);
}

/* Larger than the largest block (1 MiB), then small again. */
static void
test_large(void)
{
	struct arena	 a = { 0 };
	size_t		 n = 3 * 1024 * 1024;
	char		*big, *small;

	big = arena_alloc(&a, n);
	memset(big, 'x', n);
	small = arena_strdup(&a, "after");
	CHECK(big[n - 1] == 'x');
	CHECK_STR(small, "after");
	CHECK(arena_alloc(&a, 0) != NULL);
	arena_free(&a);
	CHECK_STR(arena_strdup(&a, "again"), "again");
	arena_free(&a);
}

int
main(void)
{
	test_mixed();
	test_large();
	TEST_MAIN_END();
}
