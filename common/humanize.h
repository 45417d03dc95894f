/* Sizes for people, one format everywhere (durations: fmt_ms in
 * common/timeutil.h). */
#ifndef ROLLCALL_HUMANIZE_H
#define ROLLCALL_HUMANIZE_H

#include <stddef.h>

/* "512 B", "1.4 KiB", "24.0 GiB" (powers of 1024) into buf; returns buf. */
const char	*fmt_bytes(unsigned long long, char *buf, size_t size);

#endif
