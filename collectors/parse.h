/* Helpers shared by the collector parsers (private to collectors/). Parsers
 * see untrusted bytes: a span is a pointer plus a length, never assumed
 * NUL-terminated, and every copy that becomes a fact goes through
 * span_dup(), which keeps the bytes as given (NUL aside). */
#ifndef ROLLCALL_COLLECTORS_PARSE_H
#define ROLLCALL_COLLECTORS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

/* A command prints this line (alone) when the tool or file it needs is
 * missing on the host; the parser then returns COLL_UNSUPPORTED. */
#define COLLECTOR_UNSUPPORTED	"@rollcall-unsupported"

/* Commands mark the parts of their output with lines "@@<name>". */
#define SECTION_MARK	"@@"

/* A run of bytes inside a parser's input. */
struct span {
	const char	*s;		/* first byte; may hold NULs */
	size_t		 n;		/* length in bytes */
};

/* Walks the lines of a span; CR before LF is dropped. */
struct lineiter {
	const char	*p;		/* next unread byte */
	const char	*end;		/* one past the last byte */
};

struct span	 span_make(const char *, size_t);
struct span	 span_str(const char *);
void		 lines_init(struct lineiter *, struct span);
int		 lines_next(struct lineiter *, struct span *);
struct span	 span_trim(struct span);
int		 span_eq(struct span, const char *);
int		 span_prefix(struct span, const char *);
int		 span_has(struct span, char);
int		 span_word(struct span *, struct span *);
int		 span_split(struct span, char, struct span *, struct span *);
int		 span_u64(struct span, uint64_t *);
int		 span_u64_lead(struct span, uint64_t *);
int		 span_kv(struct span, const char *, char, struct span *);
int		 span_section(struct span, const char *, struct span *);
size_t		 span_nlines(struct span);

char		*span_dup(struct span);
char		*span_key(struct span);
char		*span_unquote(struct span);
char		*span_lower(struct span);

void		 fact_span(struct facts *, const char *, struct span);
void		 fact_u64(struct facts *, const char *, uint64_t);
int		 u64_mul(uint64_t, uint64_t, uint64_t *);
void		 facts_move_unique(struct facts *, struct facts *);
void		 perr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/* Does the output say the command is unsupported here (a line
 * COLLECTOR_UNSUPPORTED [reason])? Then 1, with the reason in err. */
int		 parse_unsupported(const char *, size_t, char *, size_t);
enum coll_status parse_begin(const char *, size_t, char *, size_t,
		    struct span *);

#endif
