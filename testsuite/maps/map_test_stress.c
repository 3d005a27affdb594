// SPDX-License-Identifier: GPL-2.0
/*
 * Random operations on a (long, string) -> long map, compared after each
 * one with a plain reference model: an array in insertion order searched
 * linearly.  Included by map_test.c.
 */

#define STRESS_CAP 1000
#define STRESS_OPS 10000
#define STRESS_NKEYS 600

struct ref_entry {
	int64_t n;
	const char *s;
	int64_t v;
};

static struct ref_entry ref[STRESS_CAP];	/* oldest first */
static int ref_count;
static bool ref_wrap;
static u64 rng_state;
static const char *const stress_strs[] = { "a", "b", "c" };

/* xorshift64: reproducible, unlike get_random_u32(). */
static u32 rnd(u32 below)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)((rng_state >> 32) % below);
}

static int ref_find(int64_t n, const char *s)
{
	int i;

	for (i = 0; i < ref_count; i++)
		if (ref[i].n == n && !strcmp(ref[i].s, s))
			return i;
	return -1;
}

static void ref_remove(int i)
{
	memmove(&ref[i], &ref[i + 1], (ref_count - i - 1) * sizeof(ref[0]));
	ref_count--;
}

static int ref_set(int64_t n, const char *s, int64_t v)
{
	int i = ref_find(n, s);

	if (i < 0) {
		if (ref_count == STRESS_CAP) {
			if (!ref_wrap)
				return -E2BIG;
			ref_remove(0);
		}
		i = ref_count++;
		ref[i].n = n;
		ref[i].s = s;
	}
	ref[i].v = v;
	return 0;
}

static int ref_cmp(const struct ref_entry *a, const struct ref_entry *b, int column)
{
	if (column == 1)
		return a->n < b->n ? -1 : a->n > b->n;
	if (column == 2)
		return strcmp(a->s, b->s);
	return a->v < b->v ? -1 : a->v > b->v;
}

/* Visits the map as asked; each entry must be in the model, in order. */
static void stress_check_iter(struct stp_map *m, int column, bool desc, int64_t limit,
			      int64_t slice_n)
{
	struct stp_key slice = key_ns(slice_n, NULL);
	struct stp_map_iter it = { };
	int prev = -1, n = 0, want = 0, i;

	for (i = 0; i < ref_count; i++)
		want += slice_n < 0 || ref[i].n == slice_n;
	if (limit >= 0 && limit < want)
		want = limit;
	CHECK(stp_map_iter_start(m, &it, column, desc, limit, &slice, slice_n >= 0) == 0);
	while (stp_map_iter_next(&it)) {
		int pos = ref_find(stp_map_iter_long(&it, 0), stp_map_iter_str(&it, 1));
		int r;

		n++;
		CHECK(pos >= 0);
		if (pos < 0)
			continue;
		CHECK(ref[pos].v == *(int64_t *)stp_map_iter_value(&it));
		CHECK(slice_n < 0 || ref[pos].n == slice_n);
		if (prev >= 0) {
			r = column ? ref_cmp(&ref[prev], &ref[pos], column) : 0;
			if (desc)
				r = -r;
			CHECK(r < 0 || (r == 0 && prev < pos));
		}
		prev = pos;
	}
	CHECK(n == want);
}

static void stress_check_all(struct stp_map *m)
{
	static const int columns[] = { 0, 1, 2, -1 };
	int c;

	for (c = 0; c < ARRAY_SIZE(columns); c++) {
		stress_check_iter(m, columns[c], false, -1, -1);
		stress_check_iter(m, columns[c], true, -1, -1);
		stress_check_iter(m, columns[c], rnd(2), rnd(50), -1);
		stress_check_iter(m, columns[c], rnd(2), -1, rnd(STRESS_NKEYS));
	}
}

static void stress_one_op(struct stp_map *m)
{
	int64_t n = rnd(STRESS_NKEYS), v = rnd(100), got;
	const char *s = stress_strs[rnd(ARRAY_SIZE(stress_strs))];
	struct stp_key k = key_ns(n, s);
	u32 op = rnd(10000);
	int i = ref_find(n, s);

	if (op < 4500) {
		CHECK(stp_map_set_long(m, &k, v) == ref_set(n, s, v));
	} else if (op < 5500) {
		int rc = stp_map_add_long(m, &k, v, &got);

		CHECK(rc == ref_set(n, s, (i >= 0 ? ref[i].v : 0) + v));
		CHECK(rc || got == ref[ref_find(n, s)].v);
	} else if (op < 7500) {
		stp_map_delete(m, &k);
		if (i >= 0)
			ref_remove(i);
	} else if (op < 9998) {
		CHECK(stp_map_exists(m, &k) == (i >= 0));
		CHECK(stp_map_get_long(m, &k) == (i >= 0 ? ref[i].v : 0));
	} else {
		stp_map_clear(m);
		ref_count = 0;
	}
	CHECK(stp_map_size(m) == ref_count);
}

static void stress_run(bool wrap)
{
	struct stp_map *m = new_map(2, kinds_ls, STP_KIND_LONG, STRESS_CAP, wrap);
	int op, full = 0;

	CHECK(m);
	if (!m)
		return;
	rng_state = 0x9e3779b97f4a7c15ULL + wrap;
	ref_count = 0;
	ref_wrap = wrap;
	for (op = 0; op < STRESS_OPS && test_ok; op++) {
		full += ref_count == STRESS_CAP;
		stress_one_op(m);
		if (op % 500 == 499)
			stress_check_all(m);
		if (op % 100 == 0)
			cond_resched();
	}
	stress_check_all(m);
	CHECK(full > 100);	/* the run spent a while at the limit */
	pr_info("map_test: stress (wrap %d): %d ops at the limit\n", wrap, full);
	if (!test_ok)
		pr_info("map_test: stress (wrap %d) failed at op %d\n", wrap, op);
	stp_map_free(m);
}

static void test_stress(void)
{
	stress_run(false);
}

static void test_stress_wrap(void)
{
	stress_run(true);
}
