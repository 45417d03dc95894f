/* Clocks: monotonic for deadlines, realtime for what we store. */
#ifndef ROLLCALL_TIMEUTIL_H
#define ROLLCALL_TIMEUTIL_H

#include <stdint.h>

int64_t	mono_ms(void);		/* CLOCK_MONOTONIC in milliseconds */
int64_t	wall_us(void);		/* CLOCK_REALTIME in microseconds */
/* "12.3s", "450ms", "2m05s": for humans; returns buf. */
const char *fmt_ms(int64_t ms, char *buf, unsigned long size);

#endif
