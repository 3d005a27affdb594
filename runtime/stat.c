// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics (aggregates): `s <<< v`, @count, @sum, @min, @max, @avg,
 * @variance, @hist_linear and @hist_log.
 *
 * A scalar statistic global is a struct stp_agg: one struct stp_stat per
 * possible CPU.  Adding a sample touches only the current CPU's part, with
 * no lock and no atomic operation.  Reading merges every CPU's part into
 * one struct stp_stat.  Statistics inside array elements are plain
 * struct stp_stat blobs, updated with stp_stat_add() under the array's lock.
 *
 * Locking (done by the generated code, as SystemTap does): `<<<` holds the
 * global's lock for reading, so adds on different CPUs run in parallel;
 * reading or clearing holds it for writing, so it sees no add half done.
 *
 * NMIs: stp_agg_add() is not safe against itself on one CPU (an NMI probe
 * interrupting an add would lose or tear a sample).  It relies on the
 * generated code never nesting probes on one CPU (the context's busy flag
 * in context.c): a probe that fires inside another is skipped.
 *
 * Arithmetic: count, sum and buckets wrap like SystemTap's (sum is an s64
 * and wraps past +-2^63; the kernel builds with -fno-strict-overflow).  The
 * sum of squares is kept in 128 bits, so @variance is exact, the floor of
 * sum((x - mean)^2) / (n - 1), while the sum of squares stays below 2^128: e.g. 2^64 samples below 2^32
 * in magnitude, or 2^32 samples below 2^48.  A variance above S64_MAX is
 * returned as S64_MAX.  SystemTap's @variance(s, bit_shift) only buys
 * precision for its fixed-point method; ours is exact, so the translator
 * may accept and ignore bit_shift.
 *
 * This file depends only on kernel headers and stat.h, so a test module
 * can include it on its own.
 */

#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/bitops.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/topology.h>

#include "stat.h"

/* Checks a desc and computes its linear bucket count; 0 or -EINVAL. */
static __maybe_unused int stp_stat_desc_init(struct stp_stat_desc *d)
{
	u64 buckets;

	d->lin_buckets = 0;
	if (!d->linear)
		return 0;
	if (d->lin_step <= 0 || d->lin_high <= d->lin_low)
		return -EINVAL;
	/* high - low as u64 cannot overflow, unlike s64 */
	buckets = div64_u64((u64)d->lin_high - (u64)d->lin_low,
			    d->lin_step) + 1;
	if (buckets > STP_STAT_MAX_LIN_BUCKETS)
		return -EINVAL;
	d->lin_buckets = buckets;
	return 0;
}

static unsigned int stp_stat_nbuckets(const struct stp_stat_desc *d)
{
	unsigned int n = 0;

	if (d->log)
		n += STP_STAT_LOG_BUCKETS;
	if (d->linear)
		n += d->lin_buckets + 2;
	return n;
}

/* Bytes of one statistic with its buckets: the size of its blob. */
static __maybe_unused size_t stp_stat_size(const struct stp_stat_desc *d)
{
	return struct_size((struct stp_stat *)NULL, buckets,
			   stp_stat_nbuckets(d));
}

/* Where the linear counts (underflow, buckets, overflow) start. */
static unsigned int stp_stat_lin_offset(const struct stp_stat_desc *d)
{
	return d->log ? STP_STAT_LOG_BUCKETS : 0;
}

/* Empties a statistic (its blob must be stp_stat_size(d) bytes). */
static void stp_stat_reset(struct stp_stat *st, const struct stp_stat_desc *d)
{
	memset(st, 0, stp_stat_size(d));
	st->min = S64_MAX;
	st->max = S64_MIN;
}

static u64 stp_abs64(s64 v)
{
	return v < 0 ? 0 - (u64)v : (u64)v;
}

static unsigned int stp_stat_log_index(s64 v)
{
	if (v >= 0)
		return STP_STAT_LOG_ZERO + fls64(v);
	return STP_STAT_LOG_ZERO - fls64(stp_abs64(v));
}

/* Index into the linear counts: 0 is underflow, lin_buckets + 1 overflow. */
static unsigned int stp_stat_lin_index(const struct stp_stat_desc *d, s64 v)
{
	u64 bucket;

	if (v < d->lin_low)
		return 0;
	bucket = div64_u64((u64)v - (u64)d->lin_low, d->lin_step);
	if (bucket >= d->lin_buckets)
		return d->lin_buckets + 1;
	return bucket + 1;
}

/* sumsq += v * v, in 128 bits, from 32-bit halves (no __int128 needed) */
static void stp_stat_add_square(struct stp_stat *st, s64 v)
{
	u64 m = stp_abs64(v);
	u64 a = m >> 32, b = (u32)m;
	u64 ab = a * b;
	u64 lo = b * b, hi = a * a;	/* m <= 2^63, so a < 2^32 */
	u64 mid_lo = ab << 33;		/* 2ab * 2^32, low and high words */

	lo += mid_lo;
	hi += (ab >> 31) + (lo < mid_lo);
	st->sumsq_lo += lo;
	st->sumsq_hi += hi + (st->sumsq_lo < lo);
}

/* s <<< v on a statistic that is not per-CPU (an array element). */
static void stp_stat_add(struct stp_stat *st, const struct stp_stat_desc *d,
			 s64 v)
{
	st->count++;
	st->sum += v;
	if (v < st->min)
		st->min = v;
	if (v > st->max)
		st->max = v;
	stp_stat_add_square(st, v);
	if (d->log)
		st->buckets[stp_stat_log_index(v)]++;
	if (d->linear)
		st->buckets[stp_stat_lin_offset(d) + stp_stat_lin_index(d, v)]++;
}

/* dst += src: both statistics of the same desc. */
static void stp_stat_merge(struct stp_stat *dst, const struct stp_stat *src,
			   const struct stp_stat_desc *d)
{
	unsigned int i, n = stp_stat_nbuckets(d);

	dst->count += src->count;
	dst->sum += src->sum;
	dst->min = min(dst->min, src->min);
	dst->max = max(dst->max, src->max);
	dst->sumsq_lo += src->sumsq_lo;
	dst->sumsq_hi += src->sumsq_hi + (dst->sumsq_lo < src->sumsq_lo);
	for (i = 0; i < n; i++)
		dst->buckets[i] += src->buckets[i];
}

/*
 * Extractors.  @min, @max, @avg and @variance of an empty statistic are an
 * error the caller reports (STP_STAT_EMPTY_MSG) after asking
 * stp_stat_empty(); they return 0 then.
 */
static __maybe_unused bool stp_stat_empty(const struct stp_stat *st)
{
	return st->count == 0;
}

static __maybe_unused s64 stp_stat_count(const struct stp_stat *st)
{
	return st->count;
}

static __maybe_unused s64 stp_stat_sum(const struct stp_stat *st)
{
	return st->sum;
}

static __maybe_unused s64 stp_stat_min(const struct stp_stat *st)
{
	return st->count ? st->min : 0;
}

static __maybe_unused s64 stp_stat_max(const struct stp_stat *st)
{
	return st->count ? st->max : 0;
}

/* sum / count, truncated toward zero like the script's "/" */
static __maybe_unused s64 stp_stat_avg(const struct stp_stat *st)
{
	if (!st->count)
		return 0;
	return div64_s64(st->sum, st->count);
}

/* A 128-bit unsigned number, for the variance only. */
struct stp_u128 {
	u64 hi, lo;
};

/* v * v, for any v (S64_MIN included) */
static struct stp_u128 stp_u128_square(s64 v)
{
	struct stp_stat tmp = { 0 };

	stp_stat_add_square(&tmp, v);
	return (struct stp_u128){ .hi = tmp.sumsq_hi, .lo = tmp.sumsq_lo };
}

static bool stp_u128_less(struct stp_u128 a, struct stp_u128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

/* x / d, long division a bit at a time: slow, but only read-side. */
static struct stp_u128 stp_u128_div(struct stp_u128 x, u64 d, u64 *rem)
{
	struct stp_u128 q = { 0, 0 };
	u64 r = 0;
	int i;

	for (i = 127; i >= 0; i--) {
		u64 bit = i >= 64 ? (x.hi >> (i - 64)) & 1 : (x.lo >> i) & 1;
		u64 carry = r >> 63;

		r = (r << 1) | bit;
		if (carry || r >= d) {
			r -= d;
			if (i >= 64)
				q.hi |= 1ULL << (i - 64);
			else
				q.lo |= 1ULL << i;
		}
	}
	*rem = r;
	return q;
}

static struct stp_u128 stp_u128_sub(struct stp_u128 a, u64 b_hi, u64 b_lo)
{
	struct stp_u128 r = { .hi = a.hi - b_hi, .lo = a.lo - b_lo };

	if (a.lo < b_lo)
		r.hi--;
	return r;
}

/*
 * Sample variance, floor(sum((x - mean)^2) / (n - 1)), exactly:
 * with sum^2 = n * q + r, it is (sumsq - q - r / n) / (n - 1), and when
 * r > 0 that has the same floor as (sumsq - q - 1) / (n - 1).
 */
static __maybe_unused s64 stp_stat_variance(const struct stp_stat *st)
{
	struct stp_u128 sumsq = { st->sumsq_hi, st->sumsq_lo }, q, dev, var;
	u64 r, unused;

	if (st->count < 2)
		return 0;
	q = stp_u128_div(stp_u128_square(st->sum), st->count, &r);
	if (stp_u128_less(sumsq, q))
		return 0;	/* only after an overflow */
	dev = stp_u128_sub(sumsq, q.hi, q.lo);
	if (r) {
		if (!dev.hi && !dev.lo)
			return 0;	/* only after an overflow */
		dev = stp_u128_sub(dev, 0, 1);
	}
	var = stp_u128_div(dev, st->count - 1, &unused);
	if (var.hi || var.lo > S64_MAX)
		return S64_MAX;
	return var.lo;
}

/*
 * A scalar statistic global: a copy of its desc and one statistic per
 * possible CPU, each allocated on its CPU's node (vmalloc'd when big, as
 * a wide linear histogram can be).
 */
struct stp_agg {
	struct stp_stat_desc desc;
	struct stp_stat *cpu[];		/* nr_cpu_ids entries */
};

static __maybe_unused void stp_agg_free(struct stp_agg *a)
{
	unsigned int cpu;

	if (!a)
		return;
	for_each_possible_cpu(cpu)
		kvfree(a->cpu[cpu]);
	kfree(a);
}

/* At module init: NULL if out of memory or if the desc is invalid. */
static __maybe_unused struct stp_agg *stp_agg_new(const struct stp_stat_desc *d)
{
	struct stp_agg *a;
	unsigned int cpu;

	a = kzalloc(struct_size(a, cpu, nr_cpu_ids), GFP_KERNEL);
	if (!a)
		return NULL;
	a->desc = *d;
	if (stp_stat_desc_init(&a->desc))
		goto fail;
	for_each_possible_cpu(cpu) {
		a->cpu[cpu] = kvmalloc_node(stp_stat_size(&a->desc), GFP_KERNEL,
					    cpu_to_node(cpu));
		if (!a->cpu[cpu])
			goto fail;
		stp_stat_reset(a->cpu[cpu], &a->desc);
	}
	return a;
fail:
	stp_agg_free(a);
	return NULL;
}

/* s <<< v, from a probe: preemption off, no probe nesting on this CPU. */
static __maybe_unused void stp_agg_add(struct stp_agg *a, s64 v)
{
	stp_stat_add(a->cpu[smp_processor_id()], &a->desc, v);
}

/* Merges every CPU's part into out, stp_stat_size(stp_agg_desc(a)) bytes. */
static __maybe_unused void stp_agg_read(struct stp_agg *a, struct stp_stat *out)
{
	unsigned int cpu;

	stp_stat_reset(out, &a->desc);
	for_each_possible_cpu(cpu)
		stp_stat_merge(out, a->cpu[cpu], &a->desc);
}

/* delete s */
static __maybe_unused void stp_agg_clear(struct stp_agg *a)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		stp_stat_reset(a->cpu[cpu], &a->desc);
}

/* The checked desc, with lin_buckets set. */
static __maybe_unused const struct stp_stat_desc *
stp_agg_desc(const struct stp_agg *a)
{
	return &a->desc;
}


/*
 * Histogram text, as SystemTap prints it:
 *
 *	print(@hist_linear(s, 0, 100, 10)) after s <<< -1, 1, 2, 13, 14,
 *	15, 16 and 95 prints
 *
 *	value |-------------------------------------------------- count
 *	   <0 |@@@@@@@@@@@@                                       1
 *	    0 |@@@@@@@@@@@@@@@@@@@@@@@@@                          2
 *	   10 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 4
 *	   20 |                                                   0
 *	   30 |                                                   0
 *	    ~
 *	   70 |                                                   0
 *	   80 |                                                   0
 *	   90 |@@@@@@@@@@@@                                       1
 *	  100 |                                                   0
 *	 >100 |                                                   0
 *	(an empty line)
 *
 * A row is a bucket's low bound, right-aligned in a column as wide as
 * "value" or the widest label shown; a bar of count * 50 / (largest count)
 * '@'s, padded to 50; the count, right-aligned to the largest count.  Only
 * buckets from HIST_ELISION before the first non-empty bucket to
 * HIST_ELISION after the last are shown, and a run of more than
 * 2 * HIST_ELISION empty buckets keeps HIST_ELISION at each end with a "~"
 * between (HIST_ELISION defaults to 2; negative shows every bucket).
 *
 * Linear: "<low" counts values below low and ">high" values past the last
 * bucket (bucket low + k * step holds [low + k * step, low + (k+1) * step),
 * for k = 0 .. (high - low) / step); they are shown and elided like any
 * other bucket.
 *
 * Log: rows ..., -4, -2, -1, 0, 1, 2, 4, ...; row 2^k holds [2^k, 2^(k+1))
 * and row -2^k holds (-2^(k+1), -2^k].  The margins stop at 0 and do not
 * spill into a side (negative or positive) that has no samples:
 *
 *	value |-------------------------------------------------- count
 *	    0 |                                                   0
 *	    1 |@@@@@@@@@@@@                                       1
 *	    2 |@@@@@@@@@@@@@@@@@@@@@@@@@                          2
 *	    4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 4
 *	    8 |                                                   0
 *	   16 |                                                   0
 *	(an empty line)
 *
 * An empty histogram is the header and the empty line.  Text is made a
 * row (under 100 bytes) at a time and handed to emit.
 */

#ifndef HIST_ELISION
#define HIST_ELISION 2
#endif

#define STP_HIST_BAR_WIDTH 50
#define STP_HIST_LABEL_SIZE 24		/* "<-9223372036854775808" and NUL */

struct stp_hist {
	const struct stp_stat_desc *d;
	const u64 *counts;
	unsigned int n;
	bool log;
	u64 max_count;
	int label_width;
	int count_width;
	stp_emit_fn emit;
	void *ctx;
};

/* The lowest value of log bucket i, by its magnitude's bit count. */
static s64 stp_stat_log_bucket_low(unsigned int i)
{
	if (i == STP_STAT_LOG_ZERO)
		return 0;
	if (i > STP_STAT_LOG_ZERO)
		return (s64)BIT_ULL(i - STP_STAT_LOG_ZERO - 1);
	/* the u64 wraps to -2^k; for k = 63 that is S64_MIN */
	return (s64)(0 - BIT_ULL(STP_STAT_LOG_ZERO - i - 1));
}

static void stp_hist_label(const struct stp_hist *h, unsigned int i,
			   char *buf, size_t size)
{
	const struct stp_stat_desc *d = h->d;

	if (h->log)
		snprintf(buf, size, "%lld", stp_stat_log_bucket_low(i));
	else if (i == 0)
		snprintf(buf, size, "<%lld", d->lin_low);
	else if (i == h->n - 1)
		snprintf(buf, size, ">%lld", d->lin_high);
	else	/* in u64: no signed overflow, and the label is <= high */
		snprintf(buf, size, "%lld",
			 (s64)((u64)d->lin_low + (u64)(i - 1) * d->lin_step));
}

static unsigned int stp_hist_bar(u64 count, u64 max_count)
{
	if (!max_count)
		return 0;
	if (max_count > U64_MAX / STP_HIST_BAR_WIDTH)
		return div64_u64(count, div64_u64(max_count, STP_HIST_BAR_WIDTH));
	return div64_u64(count * STP_HIST_BAR_WIDTH, max_count);
}

static void stp_hist_row(const struct stp_hist *h, unsigned int i)
{
	char label[STP_HIST_LABEL_SIZE], line[128];
	unsigned int bar = stp_hist_bar(h->counts[i], h->max_count);
	int len;

	stp_hist_label(h, i, label, sizeof(label));
	len = scnprintf(line, sizeof(line), "%*s |", h->label_width, label);
	memset(line + len, '@', bar);
	memset(line + len + bar, ' ', STP_HIST_BAR_WIDTH - bar);
	len += STP_HIST_BAR_WIDTH;
	len += scnprintf(line + len, sizeof(line) - len, " %*llu\n",
			 h->count_width, h->counts[i]);
	h->emit(h->ctx, line, len);
}

static void stp_hist_header(const struct stp_hist *h)
{
	char line[128];
	int len;

	len = scnprintf(line, sizeof(line), "%*s |", h->label_width, "value");
	memset(line + len, '-', STP_HIST_BAR_WIDTH);
	len += STP_HIST_BAR_WIDTH;
	len += scnprintf(line + len, sizeof(line) - len, " count\n");
	h->emit(h->ctx, line, len);
}

static void stp_hist_tilde(const struct stp_hist *h)
{
	char line[32];
	int len = scnprintf(line, sizeof(line), "%*s\n", h->label_width, "~");

	h->emit(h->ctx, line, len);
}

/* The buckets to show, [*start, *end]; false if all are empty. */
static bool stp_hist_range(const struct stp_hist *h, unsigned int *start,
			   unsigned int *end)
{
	int elision = HIST_ELISION;
	unsigned int first = h->n, last = 0, i;

	for (i = 0; i < h->n; i++) {
		if (!h->counts[i])
			continue;
		first = min(first, i);
		last = i;
	}
	if (first == h->n)
		return false;
	if (elision < 0) {
		*start = 0;
		*end = h->n - 1;
		return true;
	}
	*start = first > (unsigned int)elision ? first - elision : 0;
	*end = min(last + elision, h->n - 1);
	if (h->log && first >= STP_STAT_LOG_ZERO)
		*start = max_t(unsigned int, *start, STP_STAT_LOG_ZERO);
	if (h->log && last <= STP_STAT_LOG_ZERO)
		*end = min_t(unsigned int, *end, STP_STAT_LOG_ZERO);
	return true;
}

/* Column widths and the bar scale for the rows start..end. */
static void stp_hist_measure(struct stp_hist *h, unsigned int start,
			     unsigned int end)
{
	char label[STP_HIST_LABEL_SIZE];
	unsigned int i;

	h->max_count = 0;
	h->label_width = strlen("value");
	for (i = start; i <= end; i++) {
		stp_hist_label(h, i, label, sizeof(label));
		h->label_width = max_t(int, h->label_width, strlen(label));
		h->max_count = max(h->max_count, h->counts[i]);
	}
	h->count_width = snprintf(label, sizeof(label), "%llu", h->max_count);
}

/* Rows start..end, eliding the middle of long runs of empty buckets. */
static void stp_hist_rows(const struct stp_hist *h, unsigned int start,
			  unsigned int end)
{
	int elision = HIST_ELISION;
	unsigned int i = start, run_end;
	int j;

	while (i <= end) {
		if (h->counts[i]) {
			stp_hist_row(h, i++);
			continue;
		}
		for (run_end = i; run_end < end && !h->counts[run_end + 1];)
			run_end++;
		if (elision >= 0 && run_end - i + 1 > 2 * (unsigned int)elision) {
			for (j = 0; j < elision; j++)
				stp_hist_row(h, i + j);
			stp_hist_tilde(h);
			i = run_end + 1 - elision;
		}
		for (; i <= run_end; i++)
			stp_hist_row(h, i);
	}
}

static void stp_hist_print(struct stp_hist *h)
{
	unsigned int start, end;
	bool any = stp_hist_range(h, &start, &end);

	if (any)
		stp_hist_measure(h, start, end);
	else
		h->label_width = strlen("value");
	stp_hist_header(h);
	if (any)
		stp_hist_rows(h, start, end);
	h->emit(h->ctx, "\n", 1);
}

/* print(@hist_linear(s, ...)): nothing if the desc has no linear part. */
static __maybe_unused void stp_stat_print_hist_linear(const struct stp_stat *st,
						      const struct stp_stat_desc *d,
						      stp_emit_fn emit, void *ctx)
{
	struct stp_hist h = {
		.d = d, .counts = st->buckets + stp_stat_lin_offset(d),
		.n = d->lin_buckets + 2, .emit = emit, .ctx = ctx,
	};

	if (d->linear)
		stp_hist_print(&h);
}

/* print(@hist_log(s)): nothing if the desc has no log part. */
static __maybe_unused void stp_stat_print_hist_log(const struct stp_stat *st,
						   const struct stp_stat_desc *d,
						   stp_emit_fn emit, void *ctx)
{
	struct stp_hist h = {
		.d = d, .counts = st->buckets, .n = STP_STAT_LOG_BUCKETS,
		.log = true, .emit = emit, .ctx = ctx,
	};

	if (d->log)
		stp_hist_print(&h);
}

static __maybe_unused void stp_emit_buf_init(struct stp_emit_buf *b, char *buf,
					     size_t size)
{
	b->buf = buf;
	b->size = size;
	b->len = 0;
	if (size)
		buf[0] = '\0';
}

/* An stp_emit_fn that appends to a stp_emit_buf, cutting what won't fit. */
static __maybe_unused void stp_emit_to_buf(void *ctx, const char *s, size_t n)
{
	struct stp_emit_buf *b = ctx;

	if (b->size && b->len < b->size - 1) {
		size_t chunk = min(n, b->size - 1 - b->len);

		memcpy(b->buf + b->len, s, chunk);
		b->buf[b->len + chunk] = '\0';
	}
	b->len += n;
}
