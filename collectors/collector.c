/* The table of built-in collectors, the default set and the volatile facts.
 * What the parsers share lives in parse.c. */
#include <pthread.h>
#include <string.h>

#include "collectors/builtin.h"

/* Every built-in, in run order: cheap /proc reads first, the big lists
 * (packages, services) last so a host timeout loses the least. */
static const struct collector *const builtins[] = {
	&collector_os,
	&collector_kernel,
	&collector_hostname,
	&collector_cpu,
	&collector_memory,
	&collector_uptime,
	&collector_virtualization,
	&collector_dmi,
	&collector_time,
	&collector_disks,
	&collector_filesystems,
	&collector_network,
	&collector_users,
	&collector_ssh_host_keys,
	&collector_services,
	&collector_packages,
};
#define NBUILTINS	(sizeof builtins / sizeof builtins[0])

/* Run when the config names no collectors (issue 2's first set). */
static const char *const default_names[] = {
	"os", "kernel", "cpu", "memory", "uptime",
};

/* Facts whose value moves on nearly every sweep: current value only, no
 * history (docs/SCHEMA.md). Exact keys; filesystems' used_bytes is a list
 * column and is handled by storage's list tables the same way. */
static const char *const volatile_keys[] = {
	"memory.available_bytes",
	"memory.swap_free_bytes",
	"time.epoch",
	"uptime.load1",
	"uptime.load15",
	"uptime.load5",
	"uptime.seconds",
};

/* The built-ins as one array (C cannot initialise it from the extern
 * objects statically, so it is copied once). */
static struct collector	 table[NBUILTINS];
static pthread_once_t	 table_once = PTHREAD_ONCE_INIT;

/* Fill table[] from the per-file definitions. */
static void
table_fill(void)
{
	size_t	 i;

	for (i = 0; i < NBUILTINS; i++)
		table[i] = *builtins[i];
}

/* Every built-in collector, in run order. */
const struct collector *
collector_builtins(size_t *n)
{
	pthread_once(&table_once, table_fill);
	*n = NBUILTINS;
	return table;
}

/* The built-in collector called name, or NULL. */
const struct collector *
collector_find(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return NULL;
	pthread_once(&table_once, table_fill);
	for (i = 0; i < NBUILTINS; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* Names run when the config lists none. */
const char *const *
collector_default_names(size_t *n)
{
	*n = sizeof default_names / sizeof default_names[0];
	return default_names;
}

/* Is key one of the facts that change on nearly every sweep? */
int
collector_fact_is_volatile(const char *key)
{
	size_t	 i;

	if (key == NULL)
		return 0;
	for (i = 0; i < sizeof volatile_keys / sizeof volatile_keys[0]; i++)
		if (strcmp(volatile_keys[i], key) == 0)
			return 1;
	return 0;
}

/* Only the big lists: hashing on the host costs a fork and an exec of
 * sha256sum there, which pays only where the output is kilobytes (a
 * Debian host's packages: 35 KB) and nearly always the same. */
int
collector_host_checks(const struct collector *c)
{
	/* by name: collector_find hands out copies of the built-ins */
	return strcmp(c->name, collector_packages.name) == 0 ||
	    strcmp(c->name, collector_services.name) == 0;
}
