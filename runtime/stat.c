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
 * and overflows past +-2^63).  The sum of squares is kept in 128 bits, so
 * @variance is exact (the floor of the sample variance, divided by n - 1)
 * while the sum of squares stays below 2^128: e.g. 2^64 samples below 2^32
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

static u64 *stp_stat_log_counts(struct stp_stat *st)
{
	return st->buckets;
}

/* underflow, lin_buckets buckets, overflow */
static u64 *stp_stat_lin_counts(struct stp_stat *st,
				const struct stp_stat_desc *d)
{
	return st->buckets + (d->log ? STP_STAT_LOG_BUCKETS : 0);
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
		stp_stat_log_counts(st)[stp_stat_log_index(v)]++;
	if (d->linear)
		stp_stat_lin_counts(st, d)[stp_stat_lin_index(d, v)]++;
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

static struct stp_u128 stp_u128_square(u64 m)
{
	struct stp_stat tmp = { 0 };

	stp_stat_add_square(&tmp, (s64)m);
	if ((s64)m < 0)		/* m == 2^63 came in as S64_MIN: same square */
		stp_stat_add_square(&tmp, 0);
	return (struct stp_u128){ .hi = tmp.sumsq_hi, .lo = tmp.sumsq_lo };
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
	q = stp_u128_div(stp_u128_square(stp_abs64(st->sum)), st->count, &r);
	if (q.hi > sumsq.hi || (q.hi == sumsq.hi && q.lo + !!r > sumsq.lo))
		return 0;	/* only after an overflow */
	dev = stp_u128_sub(sumsq, q.hi, q.lo);
	if (r)
		dev = stp_u128_sub(dev, 0, 1);
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
static __maybe_unused const struct stp_stat_desc *stp_agg_desc(const struct stp_agg *a)
{
	return &a->desc;
}

#include "stat_print.c"
