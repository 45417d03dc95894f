/* Fact filters for `rollcall hosts --where 'KEY OP VALUE'`: parsing and
 * matching as pure functions (unit-tested), also exposed to SQL on the
 * read-only connection as fact_match(value, op, operand), so the filter
 * runs inside the query with every user string bound as a parameter. */
#ifndef ROLLCALL_WHERE_H
#define ROLLCALL_WHERE_H

#include <stddef.h>

/* Comparison operators, in the order where_op_str() spells them. */
enum where_op {
	WOP_EQ = 0,	/* = (also ==) */
	WOP_NE,		/* != */
	WOP_LT,		/* < */
	WOP_LE,		/* <= */
	WOP_GT,		/* > */
	WOP_GE,		/* >= */
	WOP_GLOB,	/* ~ shell glob: * ? [...] */
	WOP_MAX
};

/* One parsed --where. */
struct where {
	char		*key;	/* fact key, [A-Za-z0-9_.-]+ */
	enum where_op	 op;
	char		*value;	/* operand, leading blanks dropped; may be "" */
};

/* Parse "KEY OP VALUE" (blanks around OP allowed). Returns 0, or -1 with
 * err filled and w untouched. Caller frees with where_free(). */
int		 where_parse(const char *, struct where *, char *err,
		    size_t errlen);
void		 where_free(struct where *);

/* An operator at the start of s: its length (0 if none), *op set. */
size_t		 where_op_parse(const char *s, enum where_op *op);
const char	*where_op_str(enum where_op);
/* Operator from its canonical text ("=", "!=", ...), or -1. */
int		 where_op_from_str(const char *);

/* A number, optionally with a K, M, G or T suffix (1024-based, either
 * case): "8G", "0.5", "-3", "1.5K". Returns 0 and sets *v, or -1. */
int		 where_number(const char *, double *v);

/* Does a fact's value satisfy "value OP operand"? Numerically when both
 * sides are numbers; ~ is a glob on the text; = and != compare the text
 * exactly; < <= > >= otherwise use dpkg version ordering, so text like
 * "6.10" > "6.9" orders as people expect. NULL value: never. */
int		 where_match(const char *value, enum where_op,
		    const char *operand);

#endif
