// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of runtime/stat.c, run at module init.  Each check prints
 * "PASS: name" or "FAIL: name" (with what it got), then a summary line;
 * init then fails on purpose so that nothing stays loaded.
 * guest-checks.sh loads it and collects the lines.
 */
#define pr_fmt(fmt) "stat_test: " fmt

#include <linux/module.h>
#include <linux/init.h>
#include <linux/workqueue.h>
#include <linux/preempt.h>
#include <linux/cpu.h>

#include "stat.c"

static int passed, failed;

static void check(const char *name, bool ok)
{
	if (ok) {
		passed++;
		pr_info("PASS: %s\n", name);
	} else {
		failed++;
		pr_info("FAIL: %s\n", name);
	}
}

static void check_s64(const char *name, s64 got, s64 want)
{
	if (got != want)
		pr_info("%s: got %lld, want %lld\n", name, got, want);
	check(name, got == want);
}

/* A statistic blob of desc d holding the n samples v. */
static struct stp_stat *stat_of(struct stp_stat_desc *d, const s64 *v, int n)
{
	struct stp_stat *st;
	int i;

	if (stp_stat_desc_init(d))
		return NULL;
	st = kmalloc(stp_stat_size(d), GFP_KERNEL);
	if (!st)
		return NULL;
	stp_stat_reset(st, d);
	for (i = 0; i < n; i++)
		stp_stat_add(st, d, v[i]);
	return st;
}

struct expect {
	s64 count, sum, min, max, avg, variance;
};

/* Checks all scalar extractors of the samples v against e. */
static void check_samples(const char *name, const s64 *v, int n,
			  const struct expect *e)
{
	struct stp_stat_desc d = { 0 };
	struct stp_stat *st = stat_of(&d, v, n);
	char what[64];

	if (!st) {
		check(name, false);
		return;
	}
	snprintf(what, sizeof(what), "%s count", name);
	check_s64(what, stp_stat_count(st), e->count);
	snprintf(what, sizeof(what), "%s sum", name);
	check_s64(what, stp_stat_sum(st), e->sum);
	snprintf(what, sizeof(what), "%s min", name);
	check_s64(what, stp_stat_min(st), e->min);
	snprintf(what, sizeof(what), "%s max", name);
	check_s64(what, stp_stat_max(st), e->max);
	snprintf(what, sizeof(what), "%s avg", name);
	check_s64(what, stp_stat_avg(st), e->avg);
	snprintf(what, sizeof(what), "%s variance", name);
	check_s64(what, stp_stat_variance(st), e->variance);
	snprintf(what, sizeof(what), "%s not empty", name);
	check(what, !stp_stat_empty(st));
	kfree(st);
}

static void test_scalars(void)
{
	static const s64 mixed[] = { 5, -3, 10, 0, 7 };
	static const s64 single[] = { 42 };
	static const s64 negative[] = { -10, -20, -30 };
	static const s64 trunc[] = { -1, -2 };
	static const s64 extremes[] = { S64_MAX, S64_MIN };
	static const s64 big_close[] = { 1000000000000LL, 1000000000002LL,
					 1000000000004LL };
	static const s64 big_wide[] = { 2000000000LL, -2000000000LL };
	static const s64 floor_case[] = { 0, 3 };	/* variance 4.5 */
	static const s64 third[] = { 0, 0, 1 };		/* variance 1/3 */
	static const struct expect e_mixed = { 5, 19, -3, 10, 3, 27 };
	static const struct expect e_single = { 1, 42, 42, 42, 42, 0 };
	static const struct expect e_negative = { 3, -60, -30, -10, -20, 100 };
	static const struct expect e_trunc = { 2, -3, -2, -1, -1, 0 };
	static const struct expect e_extremes = { 2, -1, S64_MIN, S64_MAX, 0,
						  S64_MAX };
	static const struct expect e_big_close = { 3, 3000000000006LL,
		1000000000000LL, 1000000000004LL, 1000000000002LL, 4 };
	static const struct expect e_big_wide = { 2, 0, -2000000000LL,
		2000000000LL, 0, 8000000000000000000LL };
	static const struct expect e_floor = { 2, 3, 0, 3, 1, 4 };
	static const struct expect e_third = { 3, 1, 0, 1, 0, 0 };

	check_samples("mixed", mixed, ARRAY_SIZE(mixed), &e_mixed);
	check_samples("single", single, 1, &e_single);
	check_samples("negative", negative, ARRAY_SIZE(negative), &e_negative);
	check_samples("avg truncates", trunc, ARRAY_SIZE(trunc), &e_trunc);
	check_samples("extremes", extremes, ARRAY_SIZE(extremes), &e_extremes);
	check_samples("big close", big_close, ARRAY_SIZE(big_close),
		      &e_big_close);
	check_samples("big wide", big_wide, ARRAY_SIZE(big_wide), &e_big_wide);
	check_samples("variance floor", floor_case, ARRAY_SIZE(floor_case),
		      &e_floor);
	check_samples("variance third", third, ARRAY_SIZE(third), &e_third);
}

static void test_empty(void)
{
	struct stp_stat_desc d = { .log = true };
	struct stp_agg *a = stp_agg_new(&d);
	struct stp_stat *st = kmalloc(stp_stat_size(&d), GFP_KERNEL);

	if (!a || !st) {
		check("empty", false);
	} else {
		stp_agg_read(a, st);
		check("empty is empty", stp_stat_empty(st));
		check_s64("empty count", stp_stat_count(st), 0);
		check_s64("empty sum", stp_stat_sum(st), 0);
		check_s64("empty min is 0", stp_stat_min(st), 0);
		check_s64("empty avg is 0", stp_stat_avg(st), 0);
		check_s64("empty variance is 0", stp_stat_variance(st), 0);
	}
	kfree(st);
	stp_agg_free(a);
}

/* Each CPU adds (cpu + 1) * 100 + k, k = 0..9, from a pinned work item. */
static long add_from_work(void *arg)
{
	struct stp_agg *a = arg;
	unsigned int cpu;
	int k;

	preempt_disable();
	cpu = smp_processor_id();
	for (k = 0; k < 10; k++)
		stp_agg_add(a, (cpu + 1) * 100 + k);
	preempt_enable();
	return 0;
}

/* ... and -(cpu + 1) from an IPI, with interrupts off. */
static void add_from_ipi(void *arg)
{
	stp_agg_add(arg, -(s64)(smp_processor_id() + 1));
}

static void check_percpu_parts(struct stp_agg *a)
{
	unsigned int cpu;
	bool ok = true;

	for_each_online_cpu(cpu)
		if (a->cpu[cpu]->count != 11)
			ok = false;
	check("percpu samples stay on their CPU", ok);
}

/* What the adds above should merge to. */
static void percpu_expect(struct expect *e)
{
	unsigned int cpu;

	memset(e, 0, sizeof(*e));
	e->min = S64_MAX;
	e->max = S64_MIN;
	for_each_online_cpu(cpu) {
		s64 base = (cpu + 1) * 100;

		e->count += 11;
		e->sum += 10 * base + 45 - (cpu + 1);
		e->min = min_t(s64, e->min, -(s64)(cpu + 1));
		e->max = max_t(s64, e->max, base + 9);
	}
}

static void check_percpu_merge(struct stp_agg *a, struct stp_stat *st)
{
	struct expect e;

	percpu_expect(&e);
	check_s64("percpu count", stp_stat_count(st), e.count);
	check_s64("percpu sum", stp_stat_sum(st), e.sum);
	check_s64("percpu min", stp_stat_min(st), e.min);
	check_s64("percpu max", stp_stat_max(st), e.max);
	check_s64("percpu log bucket total",
		  st->buckets[STP_STAT_LOG_ZERO + 7] +
		  st->buckets[STP_STAT_LOG_ZERO + 8] +
		  st->buckets[STP_STAT_LOG_ZERO + 9] +
		  st->buckets[STP_STAT_LOG_ZERO + 10] +
		  st->buckets[STP_STAT_LOG_ZERO + 11], 10 * num_online_cpus());
	check_percpu_parts(a);
}

/* The merged variance equals that of one statistic fed every sample. */
static void check_percpu_variance(struct stp_stat *st)
{
	struct stp_stat_desc d = { 0 };
	struct stp_stat *one = stat_of(&d, NULL, 0);
	unsigned int cpu;
	int k;

	if (!one) {
		check("percpu variance", false);
		return;
	}
	for_each_online_cpu(cpu) {
		for (k = 0; k < 10; k++)
			stp_stat_add(one, &d, (cpu + 1) * 100 + k);
		stp_stat_add(one, &d, -(s64)(cpu + 1));
	}
	check_s64("percpu variance", stp_stat_variance(st),
		  stp_stat_variance(one));
	kfree(one);
}

static void test_percpu(void)
{
	struct stp_stat_desc d = { .log = true };
	struct stp_agg *a = stp_agg_new(&d);
	struct stp_stat *st = kmalloc(stp_stat_size(&d), GFP_KERNEL);
	unsigned int cpu;

	if (!a || !st) {
		check("percpu", false);
		goto out;
	}
	cpus_read_lock();
	for_each_online_cpu(cpu)
		work_on_cpu(cpu, add_from_work, a);
	on_each_cpu(add_from_ipi, a, 1);
	stp_agg_read(a, st);
	check_percpu_merge(a, st);
	cpus_read_unlock();
	check_percpu_variance(st);

	stp_agg_clear(a);
	stp_agg_read(a, st);
	check("clear empties", stp_stat_empty(st) && !stp_stat_sum(st) &&
	      !st->buckets[STP_STAT_LOG_ZERO + 8]);
	preempt_disable();
	stp_agg_add(a, 7);
	preempt_enable();
	stp_agg_read(a, st);
	check("add after clear", stp_stat_count(st) == 1 &&
	      stp_stat_min(st) == 7 && stp_stat_max(st) == 7);
out:
	kfree(st);
	stp_agg_free(a);
}

static void test_desc(void)
{
	struct stp_stat_desc zero_step = { .linear = true, .lin_high = 10 };
	struct stp_stat_desc inverted = { .linear = true, .lin_low = 10,
					  .lin_high = 10, .lin_step = 1 };
	struct stp_stat_desc too_many = { .linear = true, .lin_high = 1 << 30,
					  .lin_step = 1 };
	struct stp_stat_desc widest = { .linear = true, .lin_low = S64_MIN,
					.lin_high = S64_MAX,
					.lin_step = 1LL << 62 };
	struct stp_stat_desc both = { .log = true, .linear = true,
				      .lin_high = 100, .lin_step = 10 };

	check("desc step 0 rejected", stp_stat_desc_init(&zero_step) < 0);
	check("desc high <= low rejected", stp_stat_desc_init(&inverted) < 0);
	check("desc too many buckets rejected",
	      stp_stat_desc_init(&too_many) < 0);
	check("desc invalid agg is NULL", !stp_agg_new(&zero_step));
	check("desc full range", !stp_stat_desc_init(&widest) &&
	      widest.lin_buckets == 4);
	check("desc buckets", !stp_stat_desc_init(&both) &&
	      both.lin_buckets == 11);
	check_s64("desc size", stp_stat_size(&both),
		  sizeof(struct stp_stat) + 8 * (128 + 13));
}

static void test_linear_buckets(void)
{
	static const s64 v[] = { -5, 0, 9, 10, 100, 109, 110, S64_MIN,
				 S64_MAX, 55 };
	struct stp_stat_desc d = { .linear = true, .lin_low = 0,
				   .lin_high = 100, .lin_step = 10 };
	struct stp_stat_desc wide = { .linear = true, .lin_low = S64_MIN,
				      .lin_high = S64_MAX,
				      .lin_step = 1LL << 62 };
	static const s64 wide_v[] = { S64_MIN, -1, 0, S64_MAX };
	struct stp_stat *st = stat_of(&d, v, ARRAY_SIZE(v));
	struct stp_stat *sw = stat_of(&wide, wide_v, ARRAY_SIZE(wide_v));
	const u64 *b;

	if (!st || !sw) {
		check("linear buckets", false);
		goto out;
	}
	b = st->buckets;	/* no log part: linear counts come first */
	check_s64("linear underflow", b[0], 2);
	check_s64("linear bucket 0", b[1], 2);
	check_s64("linear bucket 10", b[2], 1);
	check_s64("linear bucket 50", b[6], 1);
	check_s64("linear bucket 100", b[11], 2);
	check_s64("linear overflow", b[12], 2);
	b = sw->buckets;
	check("linear full range", b[0] == 0 && b[1] == 1 && b[2] == 1 &&
	      b[3] == 1 && b[4] == 1 && b[5] == 0);
out:
	kfree(st);
	kfree(sw);
}

static void test_log_buckets(void)
{
	static const s64 v[] = { 0, 1, 2, 3, 4, 1023, 1024, -1, -2, -3, -5,
				 S64_MIN, S64_MAX };
	struct stp_stat_desc d = { .log = true };
	struct stp_stat *st = stat_of(&d, v, ARRAY_SIZE(v));
	const u64 *b;

	if (!st) {
		check("log buckets", false);
		return;
	}
	b = st->buckets;
	check_s64("log 0", b[64], 1);
	check_s64("log 1", b[65], 1);
	check_s64("log 2 and 3", b[66], 2);
	check_s64("log 4", b[67], 1);
	check_s64("log 1023", b[74], 1);
	check_s64("log 1024", b[75], 1);
	check_s64("log -1", b[63], 1);
	check_s64("log -2 and -3", b[62], 2);
	check_s64("log -5", b[61], 1);
	check_s64("log S64_MIN", b[0], 1);
	check_s64("log S64_MAX", b[127], 1);
	check_s64("log bucket low 1024", stp_stat_log_bucket_low(75), 1024);
	check_s64("log bucket low -4", stp_stat_log_bucket_low(61), -4);
	check_s64("log bucket low S64_MIN", stp_stat_log_bucket_low(0),
		  S64_MIN);
	kfree(st);
}

/* Expected texts; see the format comment in stat.c. */
static const char expect_linear[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |@@@@@@@@@@@@                                       1\n"
	"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@                          2\n"
	"   10 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 4\n"
	"   20 |                                                   0\n"
	"   30 |                                                   0\n"
	"    ~\n"
	"   70 |                                                   0\n"
	"   80 |                                                   0\n"
	"   90 |@@@@@@@@@@@@                                       1\n"
	"  100 |                                                   0\n"
	" >100 |                                                   0\n"
	"\n";

static const char expect_log[] =
	"  value |-------------------------------------------------- count\n"
	"      0 |                                                   0\n"
	"      1 |@@@@@@@@@@@@                                       1\n"
	"      2 |@@@@@@@@@@@@@@@@@@@@@@@@@                          2\n"
	"      4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 4\n"
	"      8 |                                                   0\n"
	"     16 |                                                   0\n"
	"     32 |                                                   0\n"
	"     64 |@@@@@@@@@@@@                                       1\n"
	"    128 |                                                   0\n"
	"    256 |                                                   0\n"
	"      ~\n"
	" 262144 |                                                   0\n"
	" 524288 |                                                   0\n"
	"1048576 |@@@@@@@@@@@@                                       1\n"
	"2097152 |                                                   0\n"
	"4194304 |                                                   0\n"
	"\n";

static const char expect_log_neg[] =
	"value |-------------------------------------------------- count\n"
	"  -16 |                                                   0\n"
	"   -8 |                                                   0\n"
	"   -4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1\n"
	"   -2 |                                                   0\n"
	"   -1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1\n"
	"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1\n"
	"    1 |                                                   0\n"
	"    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1\n"
	"    4 |                                                   0\n"
	"    8 |                                                   0\n"
	"\n";

static const char expect_empty[] =
	"value |-------------------------------------------------- count\n"
	"\n";

static const char expect_lin_neg[] =
	"value |-------------------------------------------------- count\n"
	" <-20 |@@@@@@@@@@@@@@@@@@@@@@@@@                          1\n"
	"  -20 |@@@@@@@@@@@@@@@@@@@@@@@@@                          1\n"
	"  -15 |                                                   0\n"
	"  -10 |                                                   0\n"
	"   -5 |@@@@@@@@@@@@@@@@@@@@@@@@@                          1\n"
	"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@                          1\n"
	"    5 |@@@@@@@@@@@@@@@@@@@@@@@@@                          1\n"
	"   10 |                                                   0\n"
	"   15 |                                                   0\n"
	"   20 |                                                   0\n"
	"  >20 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 2\n"
	"\n";

static char text[4096];

/* Compares the printed text with want, showing both when they differ. */
static void check_text(const char *name, const char *want)
{
	bool ok = !strcmp(text, want);

	if (!ok)
		pr_info("%s: got\n%s\nwant\n%s\n", name, text, want);
	check(name, ok);
}

static void print_linear(struct stp_stat_desc *d, const s64 *v, int n)
{
	struct stp_stat *st = stat_of(d, v, n);
	struct stp_emit_buf b;

	stp_emit_buf_init(&b, text, sizeof(text));
	if (st)
		stp_stat_print_hist_linear(st, d, stp_emit_to_buf, &b);
	kfree(st);
}

static void print_log(const s64 *v, int n)
{
	struct stp_stat_desc d = { .log = true, .linear = true,
				   .lin_high = 10, .lin_step = 1 };
	struct stp_stat *st = stat_of(&d, v, n);
	struct stp_emit_buf b;

	stp_emit_buf_init(&b, text, sizeof(text));
	if (st)
		stp_stat_print_hist_log(st, &d, stp_emit_to_buf, &b);
	kfree(st);
}

static void test_print(void)
{
	static const s64 lin[] = { -1, 1, 2, 13, 14, 15, 16, 95 };
	static const s64 lin_neg[] = { -25, -20, -1, 0, 7, 50, 1000 };
	static const s64 lg[] = { 1, 2, 3, 4, 5, 6, 7, 64, 1 << 20 };
	static const s64 lg_neg[] = { -4, -1, 0, 2 };
	struct stp_stat_desc d = { .linear = true, .lin_low = 0,
				   .lin_high = 100, .lin_step = 10 };
	struct stp_stat_desc dn = { .linear = true, .lin_low = -20,
				    .lin_high = 20, .lin_step = 5 };

	print_linear(&d, lin, ARRAY_SIZE(lin));
	check_text("print linear", expect_linear);
	print_linear(&dn, lin_neg, ARRAY_SIZE(lin_neg));
	check_text("print linear negative", expect_lin_neg);
	print_log(lg, ARRAY_SIZE(lg));
	check_text("print log", expect_log);
	print_log(lg_neg, ARRAY_SIZE(lg_neg));
	check_text("print log negative", expect_log_neg);
	print_log(NULL, 0);
	check_text("print empty", expect_empty);
}

/* A buffer too small gets a NUL-terminated prefix and the full length. */
static void test_emit_buf(void)
{
	static const s64 v[] = { 1 };
	struct stp_stat_desc d = { .log = true };
	struct stp_stat *st = stat_of(&d, v, 1);
	struct stp_emit_buf b;
	char small[16];

	if (!st) {
		check("emit buf", false);
		return;
	}
	stp_emit_buf_init(&b, small, sizeof(small));
	stp_stat_print_hist_log(st, &d, stp_emit_to_buf, &b);
	check("emit buf cut", !strcmp(small, "value |--------"));
	check_s64("emit buf length", b.len, 64 + 4 * 60 + 1);
	kfree(st);
}

/* stp_stat_merge() of two halves is the statistic of the whole. */
static void test_merge(void)
{
	static const s64 v[] = { 5, -3, 10, 0, 7, 1 << 20, -(1 << 30) };
	struct stp_stat_desc d = { .log = true, .linear = true,
				   .lin_high = 100, .lin_step = 10 };
	struct stp_stat *all = stat_of(&d, v, ARRAY_SIZE(v));
	struct stp_stat *half = stat_of(&d, v, 3);
	struct stp_stat *rest = stat_of(&d, v + 3, ARRAY_SIZE(v) - 3);

	if (all && half && rest) {
		stp_stat_merge(half, rest, &d);
		check("merge equals whole",
		      !memcmp(half, all, stp_stat_size(&d)));
	} else {
		check("merge", false);
	}
	kfree(all);
	kfree(half);
	kfree(rest);
}

static int __init stat_test_init(void)
{
	pr_info("begin\n");
	test_scalars();
	test_empty();
	test_percpu();
	test_desc();
	test_linear_buckets();
	test_log_buckets();
	test_print();
	test_emit_buf();
	test_merge();
	pr_info("summary: %d passed, %d failed\n", passed, failed);
	return -EAGAIN;		/* never stay loaded */
}

module_init(stat_test_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Tests of the stap runtime's statistics");
