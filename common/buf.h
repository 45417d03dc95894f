/* Growable byte buffer, always NUL-terminated so parsers can treat it as a
 * string (output may still hold NUL bytes: use len, not strlen). */
#ifndef ROLLCALL_BUF_H
#define ROLLCALL_BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* bytes, NUL-terminated; NULL when empty */
	size_t	 len;		/* bytes used, not counting the NUL */
	size_t	 cap;		/* bytes allocated */
};

void	buf_append(struct buf *, const void *, size_t);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_reset(struct buf *);	/* len = 0, keeps memory */
void	buf_free(struct buf *);		/* frees memory, back to empty */
char	*buf_steal(struct buf *);	/* caller frees; buf back to empty */
const char *buf_str(const struct buf *);	/* "" when empty */

#endif
