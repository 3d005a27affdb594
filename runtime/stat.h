/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics (aggregates): the types shared by stat.c and by code that
 * stores a statistic inside something else (an array element's blob).
 *
 * A statistic is a struct stp_stat followed by its histogram buckets.
 * Which buckets it has is fixed by its struct stp_stat_desc, which the
 * translator derives from the @hist_linear/@hist_log uses in the script,
 * so every statistic of one global has the same size, stp_stat_size().
 */
#ifndef STP_STAT_H
#define STP_STAT_H

#include <linux/types.h>

/*
 * Log histogram: bucket 64 holds 0, bucket 64 + k holds the positive
 * values with k significant bits, [2^(k-1), 2^k), and bucket 64 - k the
 * negative values whose magnitude has k significant bits.  S64_MIN has
 * 64 bits and lands in bucket 0; S64_MAX has 63 and lands in bucket 127.
 */
#define STP_STAT_LOG_BUCKETS	128
#define STP_STAT_LOG_ZERO	64

/* Most buckets a linear histogram may have, to bound per-CPU memory. */
#ifndef STP_STAT_MAX_LIN_BUCKETS
#define STP_STAT_MAX_LIN_BUCKETS 65536
#endif

/* The shape of a statistic; call stp_stat_desc_init() before use. */
struct stp_stat_desc {
	bool log;			/* has a @hist_log histogram */
	bool linear;			/* has a @hist_linear histogram */
	s64 lin_low, lin_high, lin_step;
	u32 lin_buckets;		/* set by stp_stat_desc_init() */
};

/*
 * A statistic.  min and max start at S64_MAX and S64_MIN so that adding
 * needs no "first sample" branch; count == 0 says the statistic is empty.
 * sumsq is the sum of the squares of the samples as a 128-bit number.
 */
struct stp_stat {
	u64 count;
	s64 sum;
	s64 min;
	s64 max;
	u64 sumsq_lo;
	u64 sumsq_hi;
	/*
	 * If desc->log: STP_STAT_LOG_BUCKETS log buckets first.  Then, if
	 * desc->linear: underflow, lin_buckets buckets, overflow.
	 */
	u64 buckets[];
};

/* Prints a piece of text somewhere: the output buffer, a string... */
typedef void (*stp_emit_fn)(void *ctx, const char *s, size_t n);

/* A ctx for stp_emit_to_buf(): text into a fixed buffer, NUL-terminated. */
struct stp_emit_buf {
	char *buf;
	size_t size;
	size_t len;			/* length of the whole text, even if cut */
};

/* The message for @min/@max/@avg/@variance of an empty statistic. */
#define STP_STAT_EMPTY_MSG "empty aggregate"

#endif /* STP_STAT_H */
