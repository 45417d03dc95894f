/* The type of each fact key the built-in collectors emit, in one table
 * (collectors/facttypes.c), so JSON output can give numbers as numbers
 * and booleans as booleans. docs/COLLECTORS.md lists the same table
 * (tests/unit/test_facttypes.c compares them). Facts are stored as text;
 * the type only changes how they are printed as JSON. */
#ifndef ROLLCALL_FACTTYPES_H
#define ROLLCALL_FACTTYPES_H

#include <stddef.h>
#include <stdio.h>

enum fact_type {
	FT_STRING = 0,		/* text; also every unknown or custom key */
	FT_INTEGER,		/* a whole number */
	FT_NUMBER,		/* a number, maybe with a fraction */
	FT_BOOLEAN,		/* yes/no (unknown: JSON null) */
	FT_MAX
};

/* One row of the table. */
struct fact_type_entry {
	const char	*pattern;	/* key, or glob: '*' for a disk, user
					 * or key type name */
	enum fact_type	 type;
	const char	*unit;		/* "bytes", "seconds", ... or "" */
};

/* The whole table, in documentation order. */
const struct fact_type_entry *fact_types(size_t *n);
/* The entry whose pattern matches key, or NULL (a string). */
const struct fact_type_entry *fact_type_find(const char *key);
/* "string", "integer", "number", "boolean". */
const char	*fact_type_str(enum fact_type);
/* Write value as the JSON its key's type says: a number when it is one,
 * true/false for yes/no, null for an empty or "unknown" typed value;
 * anything else (unknown keys, a value not of its type) a string. */
void		 fact_json_write(FILE *, const char *key, const char *value);

#endif
