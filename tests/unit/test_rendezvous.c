/* Rendezvous hashing (cluster/rendezvous.c): shares are even, a node that
 * leaves gives up only its own hosts, a node that joins takes about 1/n,
 * and the answer does not depend on the order of the node list. */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/rendezvous.h"

#include "test.h"

#define NHOSTS	30000

static char	hosts[NHOSTS][32];

/* Owner (by name) of every host among nodes. */
static void
owners(const char *const *nodes, size_t n, const char **out)
{
	size_t	 i;
	ssize_t	 o;

	for (i = 0; i < NHOSTS; i++) {
		o = rendezvous_owner(hosts[i], nodes, n);
		out[i] = o >= 0 ? nodes[o] : NULL;
	}
}

/* Three nodes: each gets a third within 2 points. */
static void
test_balance(const char **own)
{
	const char *const nodes[] = { "collector-a1", "collector-a2",
	    "collector-a3" };
	size_t	 count[3] = { 0, 0, 0 }, i, j;

	owners(nodes, 3, own);
	for (i = 0; i < NHOSTS; i++)
		for (j = 0; j < 3; j++)
			count[j] += own[i] == nodes[j];
	for (j = 0; j < 3; j++) {
		printf("balance: %s owns %zu of %d (%.1f%%)\n", nodes[j],
		    count[j], NHOSTS, 100.0 * count[j] / NHOSTS);
		CHECK(count[j] > NHOSTS * 31 / 100 && count[j] < NHOSTS * 35 / 100);
	}
}

/* a3 leaves: exactly its hosts move, spread over a1 and a2. */
static void
test_removal(const char **before, const char **after)
{
	const char *const two[] = { "collector-a1", "collector-a2" };
	size_t	 moved = 0, wrong = 0, to_a1 = 0, i;

	owners(two, 2, after);
	for (i = 0; i < NHOSTS; i++) {
		if (strcmp(before[i], after[i]) == 0)
			continue;
		moved++;
		wrong += strcmp(before[i], "collector-a3") != 0;
		to_a1 += strcmp(after[i], "collector-a1") == 0;
	}
	printf("removal: %zu hosts moved, %zu of them not the dead node's, "
	    "%zu to a1\n", moved, wrong, to_a1);
	CHECK(wrong == 0);
	CHECK(moved > 0);
	CHECK(to_a1 > moved * 45 / 100 && to_a1 < moved * 55 / 100);
}

/* a4 joins three: about a quarter moves, all of it to a4. */
static void
test_join(const char **before, const char **after)
{
	const char *const four[] = { "collector-a4", "collector-a1",
	    "collector-a2", "collector-a3" };
	size_t	 moved = 0, wrong = 0, i;

	owners(four, 4, after);
	for (i = 0; i < NHOSTS; i++) {
		if (strcmp(before[i], after[i]) == 0)
			continue;
		moved++;
		wrong += strcmp(after[i], "collector-a4") != 0;
	}
	printf("join: %zu of %d hosts moved (%.1f%%), %zu not to the new "
	    "node\n", moved, NHOSTS, 100.0 * moved / NHOSTS, wrong);
	CHECK(wrong == 0);
	CHECK(moved > NHOSTS * 23 / 100 && moved < NHOSTS * 27 / 100);
}

/* Order of the list, no nodes, one node. */
static void
test_edges(void)
{
	const char *const ab[] = { "n1", "n2", "n3" };
	const char *const ba[] = { "n3", "n1", "n2" };
	size_t	 i;
	int	 same = 1;

	for (i = 0; i < 1000; i++)
		same &= ab[rendezvous_owner(hosts[i], ab, 3)] ==
		    ba[rendezvous_owner(hosts[i], ba, 3)];
	CHECK(same);
	CHECK(rendezvous_owner("web01", ab, 0) == -1);
	CHECK(rendezvous_owner("web01", ab, 1) == 0);
	CHECK(rendezvous_weight("n1", "web01") ==
	    rendezvous_weight("n1", "web01"));
	CHECK(rendezvous_weight("n1", "web01") !=
	    rendezvous_weight("n1w", "eb01"));
}

int
main(void)
{
	static const char *own3[NHOSTS], *own2[NHOSTS], *own4[NHOSTS];
	size_t	 i;

	for (i = 0; i < NHOSTS; i++)
		snprintf(hosts[i], sizeof hosts[i], "host%05zu.dc1.example", i);
	test_balance(own3);
	test_removal(own3, own2);
	test_join(own3, own4);
	test_edges();
	TEST_MAIN_END();
}
