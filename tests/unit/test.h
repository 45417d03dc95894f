/* Minimal unit-test support: CHECK records a failure and goes on, so one run
 * reports every broken case; TEST_MAIN prints "N passed, N failed". */
#ifndef ROLLCALL_TEST_H
#define ROLLCALL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed;

/* The fixture tree: $FIXTURES (ctest sets it), else ./fixtures. */
static inline const char *
test_fixtures(void)
{
	const char	*d = getenv("FIXTURES");

	return d != NULL ? d : "fixtures";
}

/* A whole file in memory, NUL-terminated at *len (caller frees); NULL if
 * it cannot be opened. Reads to EOF, so pipes and /proc work too. */
static inline char *
test_slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*p = NULL;
	size_t	 cap = 0, n;

	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if ((p = realloc(p, cap)) == NULL)
				abort();
		}
		if ((n = fread(p + *len, 1, cap - *len - 1, fp)) == 0)
			break;
		*len += n;
	}
	fclose(fp);
	p[*len] = '\0';
	return p;
}

#define CHECK(cond) do {						\
	if (cond)							\
		test_passed++;						\
	else {								\
		test_failed++;						\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *check_a_ = (a), *check_b_ = (b);			\
	if (check_a_ != NULL && check_b_ != NULL &&			\
	    strcmp(check_a_, check_b_) == 0)				\
		test_passed++;						\
	else {								\
		test_failed++;						\
		fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s "	\
		    "(\"%s\" vs \"%s\")\n", __FILE__, __LINE__, #a, #b,	\
		    check_a_ ? check_a_ : "(null)",			\
		    check_b_ ? check_b_ : "(null)");			\
	}								\
} while (0)

#define TEST_MAIN_END() do {						\
	printf("%d passed, %d failed\n", test_passed, test_failed);	\
	return test_failed ? 1 : 0;					\
} while (0)

#endif
