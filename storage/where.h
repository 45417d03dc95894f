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

/* Parse "KEY OP VALUE" (blanks around OP allowed, trailing blanks
 * dropped; a size with an unknown unit under < <= > >= is an error).
 * Returns 0, or -1 with err filled and w untouched. Caller frees with where_free(). */
int		 where_parse(const char *, struct where *, char *err,
		    size_t errlen);
void		 where_free(struct where *);

/* An operator at the start of s: its length (0 if none), *op set. */
size_t		 where_op_parse(const char *s, enum where_op *op);
const char	*where_op_str(enum where_op);
/* Operator from its canonical text ("=", "!=", ...), or -1. */
int		 where_op_from_str(const char *);

/* What a --where operand or a fact's value reads as. */
enum where_num {
	WNUM_NUMBER,	/* a plain number: 42, -3, .5, 1e12 */
	WNUM_SIZE,	/* a number and a size unit: 30G, 30GB, 30GiB, 1.5T */
	WNUM_VERSION,	/* a number going on as a version: 6.1.0-18, 1:2.3 */
	WNUM_TEXT,	/* not starting with a number: debian, "" */
	WNUM_BADUNIT	/* a number and letters that are no unit: 30XB */
};

/* Classify s; *v is set for WNUM_NUMBER and WNUM_SIZE. Units are either
 * case: B; K M G T P and KiB MiB GiB TiB PiB are powers of 1024; KB MB GB
 * TB PB are powers of 1000 (as GNU dd and df -B read them). */
enum where_num	 where_classify(const char *, double *v);

/* A plain number or a size ("8G", "0.5", "-3", "30GB"): 0 and *v, or -1. */
int		 where_number(const char *, double *v);

/* Is the operand usable with op? -1 with err filled for a number with an
 * unknown unit under < <= > >=; 0 otherwise. where_parse() calls it. */
int		 where_check_operand(enum where_op, const char *operand,
		    char *err, size_t errlen);

/* Does a fact's value satisfy "value OP operand"? 1 or 0; -1 with err
 * filled when it cannot be decided. ~ is a glob on the text; = and !=
 * compare numerically when both sides are numbers or sizes, else the text
 * exactly. < <= > >=: numerically when both are numbers or sizes; dpkg
 * version order when the operand is text or a version, or a plain number
 * and the value a version ("6.10" > "6.9", kernel.release >= 6); an error
 * when a number or size is compared with text, or a size with a version
 * (a numeric comparison on a fact that is not a number is not guessed).
 * NULL value: 0. */
int		 where_match(const char *value, enum where_op,
		    const char *operand, char *err, size_t errlen);

#endif
