/* A small open-addressing hash map from strings to indexes: inventories
 * can hold hundreds of thousands of hosts, so lookups must not be linear.
 * Keys are borrowed: the caller keeps them alive while the map lives. */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/internal.h"

/* FNV-1a: short keys, good enough spread, no allocation. */
static size_t
strmap_hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
strmap_slot(const struct strmap *m, const char *key)
{
	size_t	 i = strmap_hash(key) & (m->cap - 1);

	while (m->keys[i] != NULL && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* Double the table and reinsert every key. */
static void
strmap_grow(struct strmap *m)
{
	struct strmap	 old = *m;
	size_t		 i, j;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->keys = xcalloc(m->cap, sizeof *m->keys);
	m->vals = xcalloc(m->cap, sizeof *m->vals);
	for (i = 0; i < old.cap; i++) {
		if (old.keys[i] == NULL)
			continue;
		j = strmap_slot(m, old.keys[i]);
		m->keys[j] = old.keys[i];
		m->vals[j] = old.vals[i];
	}
	free(old.keys);
	free(old.vals);
}

/* Look a key up: 1 and *val set when present, else 0. */
int
strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	size_t	 i;

	if (m->cap == 0)
		return 0;
	i = strmap_slot(m, key);
	if (m->keys[i] == NULL)
		return 0;
	*val = m->vals[i];
	return 1;
}

/* Insert or replace. */
void
strmap_put(struct strmap *m, char *key, size_t val)
{
	size_t	 i;

	if ((m->n + 1) * 2 > m->cap)
		strmap_grow(m);
	i = strmap_slot(m, key);
	if (m->keys[i] == NULL)
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
}

/* Free the table (not the borrowed keys). */
void
strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}
