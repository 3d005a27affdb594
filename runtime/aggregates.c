/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What generated code calls for a script's statistics: stat.c's
 * operations, with an empty aggregate turned into a script error and
 * histograms printed into the probe's output.
 */

enum stp_stat_part {
	STP_STAT_COUNT,
	STP_STAT_SUM,
	STP_STAT_MIN,
	STP_STAT_MAX,
	STP_STAT_AVG,
	STP_STAT_VARIANCE,
};

/* The statistic merged from every CPU's part, in buf (the global's own,
 * used under its write lock). */
static __maybe_unused struct stp_stat *stp_agg_merged(struct stp_agg *a, struct stp_stat *buf)
{
	stp_agg_read(a, buf);
	return buf;
}

/* @count(s) ... @variance(s); min, max, avg and variance of nothing are
 * an error. */
static __maybe_unused int64_t stp_stat_part(struct stp_context *c, const struct stp_stat *st,
					    enum stp_stat_part part, const char *near)
{
	if (part != STP_STAT_COUNT && part != STP_STAT_SUM && stp_stat_empty(st)) {
		stp_error(c, STP_STAT_EMPTY_MSG, near);
		return 0;
	}
	switch (part) {
	case STP_STAT_COUNT:
		return stp_stat_count(st);
	case STP_STAT_SUM:
		return stp_stat_sum(st);
	case STP_STAT_MIN:
		return stp_stat_min(st);
	case STP_STAT_MAX:
		return stp_stat_max(st);
	case STP_STAT_AVG:
		return stp_stat_avg(st);
	default:
		return stp_stat_variance(st);
	}
}

static __maybe_unused void stp_emit_to_print(void *ctx, const char *s, size_t n)
{
	stp_print_n(ctx, s, n);
}

/* print(@hist_linear(s, ...)) and print(@hist_log(s)). */
static __maybe_unused void stp_print_hist(struct stp_context *c, const struct stp_stat *st,
					  const struct stp_stat_desc *d, bool linear)
{
	if (linear)
		stp_stat_print_hist_linear(st, d, stp_emit_to_print, c);
	else
		stp_stat_print_hist_log(st, d, stp_emit_to_print, c);
}

/* a[k] <<< v: the element's statistic, made empty when it is new. */
static __maybe_unused int64_t stp_array_stat_add(struct stp_context *c, struct stp_map *m,
						 const struct stp_key *k,
						 const struct stp_stat_desc *d, int64_t v,
						 const char *near)
{
	bool existed = stp_map_exists(m, k);
	struct stp_stat *st = stp_map_value(m, k, true);

	if (!st) {
		stp_error(c, STP_MAP_OVERFLOW_MSG, near);
		return 0;
	}
	if (!existed)
		stp_stat_reset(st, d);
	stp_stat_add(st, d, v);
	return v;
}

/* @count(a[k]) and friends read the element, or the empty statistic. */
static __maybe_unused const struct stp_stat *stp_array_stat(struct stp_map *m,
							    const struct stp_key *k,
							    const struct stp_stat *empty)
{
	const struct stp_stat *st = stp_map_value(m, k, false);

	return st ? st : empty;
}

/* foreach sorted on an array of statistics orders by @count. */
static __maybe_unused int stp_stat_cmp_count(const void *a, const void *b)
{
	u64 x = ((const struct stp_stat *)a)->count, y = ((const struct stp_stat *)b)->count;

	return x < y ? -1 : x > y;
}
