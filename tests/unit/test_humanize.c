/* Durations and sizes for people, one format everywhere (issue 15):
 * fmt_ms (common/timeutil.c) and fmt_bytes (common/humanize.c), which
 * collect's summary, status, show and the tables all print through. */
#include <stdint.h>

#include "common/humanize.h"
#include "common/timeutil.h"
#include "test.h"

/* 17.1s, not 17128ms; ms under a second, m+s from a minute. */
static void
test_durations(void)
{
	char	 b[32];

	CHECK_STR(fmt_ms(0, b, sizeof b), "0ms");
	CHECK_STR(fmt_ms(999, b, sizeof b), "999ms");
	CHECK_STR(fmt_ms(1000, b, sizeof b), "1.0s");
	CHECK_STR(fmt_ms(17128, b, sizeof b), "17.1s");
	CHECK_STR(fmt_ms(59949, b, sizeof b), "59.9s");
	CHECK_STR(fmt_ms(60000, b, sizeof b), "1m00s");
	CHECK_STR(fmt_ms(3600000, b, sizeof b), "60m00s");
}

/* Bytes below 1 KiB as they are; then one decimal, powers of 1024. */
static void
test_sizes(void)
{
	char	 b[32];

	CHECK_STR(fmt_bytes(0, b, sizeof b), "0 B");
	CHECK_STR(fmt_bytes(1023, b, sizeof b), "1023 B");
	CHECK_STR(fmt_bytes(1024, b, sizeof b), "1.0 KiB");
	CHECK_STR(fmt_bytes(1433, b, sizeof b), "1.4 KiB");
	CHECK_STR(fmt_bytes(25769803776ULL, b, sizeof b), "24.0 GiB");
	CHECK_STR(fmt_bytes(274877906944ULL, b, sizeof b), "256.0 GiB");
	CHECK_STR(fmt_bytes(1ULL << 50, b, sizeof b), "1.0 PiB");
	CHECK_STR(fmt_bytes(UINT64_MAX, b, sizeof b), "16.0 EiB");
}

int
main(void)
{
	test_durations();
	test_sizes();
	TEST_MAIN_END();
}
