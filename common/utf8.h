/* UTF-8 decoding and encoding, shared by the JSON writer and reader
 * (common/json.c) and the terminal escaping of the CLI (cli/output.c). */
#ifndef ROLLCALL_UTF8_H
#define ROLLCALL_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Decode one sequence at s (NUL-terminated). Returns its length (1-4) with
 * *cp set, or 0 when the bytes are not valid UTF-8 (overlong, surrogate,
 * truncated). */
size_t	utf8_decode(const unsigned char *s, uint32_t *cp);
/* Code points a terminal may act on: C1 controls, line/paragraph
 * separators and bidirectional overrides ("trojan source"). */
int	utf8_unsafe(uint32_t cp);
/* Append code point cp (at most 0x10ffff) to b as UTF-8. */
void	utf8_encode(struct buf *b, uint32_t cp);

#endif
