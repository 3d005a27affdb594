// SPDX-License-Identifier: GPL-2.0
/*
 * Checks of runtime/map.c, run once at module load.  Prints
 * "map_test: PASS: NAME" or "map_test: FAIL: NAME" per check and a
 * summary, then refuses to load (-EAGAIN) so nothing stays behind.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/sched.h>

#include "map.c"

static int n_passed, n_failed;
static bool test_ok;

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		if (test_ok)							\
			pr_info("map_test: line %d: %s\n", __LINE__, #cond);	\
		test_ok = false;						\
	}									\
} while (0)

static void run_test(const char *name, void (*fn)(void))
{
	test_ok = true;
	fn();
	if (test_ok)
		n_passed++;
	else
		n_failed++;
	pr_info("map_test: %s: %s\n", test_ok ? "PASS" : "FAIL", name);
}

static struct stp_key key_n(int64_t n)
{
	struct stp_key k = { .n = { n } };

	return k;
}

static struct stp_key key_ns(int64_t n, const char *s)
{
	struct stp_key k = { .n = { n }, .s = { NULL, s } };

	return k;
}

static struct stp_map *new_map(int nkeys, const u8 *kinds, u8 value_kind, u32 max, bool wrap)
{
	struct stp_map_desc d = { .nkeys = nkeys, .value_kind = value_kind,
				  .max_entries = max, .wrap = wrap };

	memcpy(d.key_kinds, kinds, nkeys);
	return stp_map_new(&d);
}

static const u8 kinds_l[] = { STP_KIND_LONG };
static const u8 kinds_s[] = { STP_KIND_STRING };
static const u8 kinds_ls[] = { STP_KIND_LONG, STP_KIND_STRING };

static void test_basic_long(void)
{
	struct stp_map *m = new_map(1, kinds_l, STP_KIND_LONG, 100, false);
	struct stp_key k1 = key_n(1), k2 = key_n(-7), k3 = key_n(S64_MIN);
	int64_t r;

	CHECK(m);
	if (!m)
		return;
	CHECK(stp_map_size(m) == 0);
	CHECK(stp_map_get_long(m, &k1) == 0);
	CHECK(!stp_map_exists(m, &k1));
	CHECK(stp_map_size(m) == 0);		/* reading does not insert */
	CHECK(stp_map_set_long(m, &k1, 10) == 0);
	CHECK(stp_map_set_long(m, &k2, 20) == 0);
	CHECK(stp_map_set_long(m, &k3, S64_MAX) == 0);
	CHECK(stp_map_size(m) == 3);
	CHECK(stp_map_get_long(m, &k1) == 10);
	CHECK(stp_map_get_long(m, &k2) == 20);
	CHECK(stp_map_get_long(m, &k3) == S64_MAX);
	CHECK(stp_map_set_long(m, &k1, 11) == 0);	/* update */
	CHECK(stp_map_get_long(m, &k1) == 11 && stp_map_size(m) == 3);
	CHECK(stp_map_set_long(m, &k2, 0) == 0);	/* zero stays an element */
	CHECK(stp_map_exists(m, &k2));
	CHECK(stp_map_add_long(m, &k1, 5, &r) == 0 && r == 16);
	CHECK(stp_map_add_long(m, &k3, 1, &r) == 0 && r == S64_MIN);
	CHECK(stp_map_add_long(m, &(struct stp_key){ .n = { 99 } }, -3, &r) == 0 && r == -3);
	CHECK(stp_map_size(m) == 4);
	stp_map_delete(m, &k1);
	CHECK(!stp_map_exists(m, &k1) && stp_map_get_long(m, &k1) == 0);
	stp_map_delete(m, &k1);				/* missing: no-op */
	CHECK(stp_map_size(m) == 3);
	stp_map_clear(m);
	CHECK(stp_map_size(m) == 0 && !stp_map_exists(m, &k2));
	CHECK(stp_map_set_long(m, &k2, 5) == 0 && stp_map_get_long(m, &k2) == 5);
	stp_map_free(m);
	stp_map_free(NULL);
}

static void test_strings(void)
{
	struct stp_map *m = new_map(1, kinds_s, STP_KIND_STRING, 100, false);
	struct stp_key ka = { .s = { "alpha" } }, kb = { .s = { "beta" } };
	struct stp_key knull = { .s = { NULL } }, kempty = { .s = { "" } };

	CHECK(m);
	if (!m)
		return;
	CHECK(strcmp(stp_map_get_str(m, &ka), "") == 0 && stp_map_size(m) == 0);
	CHECK(stp_map_set_str(m, &ka, "one") == 0);
	CHECK(stp_map_set_str(m, &kb, "two") == 0);
	CHECK(strcmp(stp_map_get_str(m, &ka), "one") == 0);
	CHECK(strcmp(stp_map_get_str(m, &kb), "two") == 0);
	CHECK(stp_map_set_str(m, &ka, "uno") == 0 && strcmp(stp_map_get_str(m, &ka), "uno") == 0);
	CHECK(stp_map_set_str(m, &knull, NULL) == 0);	/* NULL reads as "" */
	CHECK(stp_map_exists(m, &kempty) && stp_map_size(m) == 3);
	CHECK(stp_map_set_str(m, &kempty, "e") == 0 && stp_map_size(m) == 3);
	stp_map_delete(m, &ka);
	CHECK(!stp_map_exists(m, &ka) && stp_map_exists(m, &kb));
	stp_map_free(m);
}

static void test_truncation(void)
{
	struct stp_map *m = new_map(1, kinds_s, STP_KIND_STRING, 10, false);
	static char longer[MAXSTRINGLEN + 200], prefix[MAXSTRINGLEN];
	struct stp_key kl = { .s = { longer } }, kp = { .s = { prefix } };
	struct stp_map_iter it = { };

	CHECK(m);
	if (!m)
		return;
	memset(longer, 'x', sizeof(longer) - 1);
	memset(prefix, 'x', sizeof(prefix) - 1);
	longer[sizeof(longer) - 2] = 'y';
	CHECK(stp_map_set_str(m, &kl, longer) == 0);
	CHECK(stp_map_exists(m, &kp));		/* same key once truncated */
	CHECK(strlen(stp_map_get_str(m, &kl)) == MAXSTRINGLEN - 1);
	CHECK(stp_map_size(m) == 1);
	CHECK(stp_map_iter_start(m, &it, 0, false, -1, NULL, 0) == 0);
	CHECK(stp_map_iter_next(&it));
	CHECK(strcmp(stp_map_iter_str(&it, 0), prefix) == 0);
	CHECK(!stp_map_iter_next(&it));
	stp_map_free(m);
}

static const u8 kinds_9[STP_MAP_MAXKEYS] = {
	STP_KIND_LONG, STP_KIND_STRING, STP_KIND_LONG, STP_KIND_STRING, STP_KIND_LONG,
	STP_KIND_STRING, STP_KIND_STRING, STP_KIND_LONG, STP_KIND_LONG,
};

static char strs9[64][8];

/* Element e of the 9-key test: differs from the base key in column e % 9. */
static struct stp_key key9(int e)
{
	struct stp_key k = { };
	int i;

	for (i = 0; i < STP_MAP_MAXKEYS; i++) {
		int v = i == e % STP_MAP_MAXKEYS ? e : 0;

		k.n[i] = v;
		k.s[i] = strs9[v];
	}
	return k;
}

static void test_nine_keys(void)
{
	struct stp_map *m = new_map(9, kinds_9, STP_KIND_LONG, 100, false);
	struct stp_map_iter it = { };
	struct stp_key k;
	int e, seen = 0;

	CHECK(m);
	if (!m)
		return;
	for (e = 0; e < 64; e++)
		snprintf(strs9[e], sizeof(strs9[e]), "s%d", e);
	for (e = 0; e < 64; e++) {
		k = key9(e);
		CHECK(stp_map_set_long(m, &k, 1000 + e) == 0);
	}
	CHECK(stp_map_size(m) == 64);
	for (e = 0; e < 64; e++) {
		k = key9(e);
		CHECK(stp_map_get_long(m, &k) == 1000 + e);
	}
	k = key9(5);
	k.n[0] = 1;				/* one column differs: missing */
	CHECK(!stp_map_exists(m, &k));
	CHECK(stp_map_iter_start(m, &it, 0, false, -1, NULL, 0) == 0);
	while (stp_map_iter_next(&it)) {
		k = key9(seen);
		CHECK(stp_map_iter_long(&it, 8) == k.n[8]);
		CHECK(strcmp(stp_map_iter_str(&it, 6), k.s[6]) == 0);
		CHECK(*(int64_t *)stp_map_iter_value(&it) == 1000 + seen);
		seen++;
	}
	CHECK(seen == 64);
	stp_map_free(m);
}

static void test_overflow(void)
{
	struct stp_map *m = new_map(1, kinds_l, STP_KIND_LONG, 10, false);
	struct stp_key k;
	int i;

	CHECK(m);
	if (!m)
		return;
	for (i = 0; i < 10; i++) {
		k = key_n(i);
		CHECK(stp_map_set_long(m, &k, i) == 0);
	}
	k = key_n(10);
	CHECK(stp_map_set_long(m, &k, 10) == -E2BIG);
	CHECK(stp_map_add_long(m, &k, 1, NULL) == -E2BIG);
	CHECK(!stp_map_value(m, &k, true));
	CHECK(stp_map_size(m) == 10 && !stp_map_exists(m, &k));
	k = key_n(3);
	CHECK(stp_map_set_long(m, &k, 33) == 0);	/* updates still work */
	stp_map_delete(m, &k);
	k = key_n(10);
	CHECK(stp_map_set_long(m, &k, 10) == 0);
	CHECK(stp_map_size(m) == 10);
	stp_map_free(m);
}

static void test_default_max(void)
{
	struct stp_map *m = new_map(1, kinds_l, STP_KIND_LONG, 0, false);
	struct stp_key k;
	int i, ok = 0;

	CHECK(m);
	if (!m)
		return;
	for (i = 0; i < MAXMAPENTRIES; i++) {
		k = key_n(i * 7919);
		ok += stp_map_set_long(m, &k, i) == 0;
	}
	CHECK(ok == MAXMAPENTRIES);
	k = key_n(-1);
	CHECK(stp_map_set_long(m, &k, 1) == -E2BIG);
	for (i = 0; i < MAXMAPENTRIES; i += 97) {
		k = key_n(i * 7919);
		CHECK(stp_map_get_long(m, &k) == i);
	}
	stp_map_free(m);
}

/* Collects the first key column of an iteration into out[]; returns count. */
static int collect_n(struct stp_map *m, int column, bool desc, int64_t limit,
		     const struct stp_key *slice, u16 mask, int64_t *out, int max)
{
	struct stp_map_iter it = { };
	int n = 0;

	if (stp_map_iter_start(m, &it, column, desc, limit, slice, mask))
		return -1;
	while (stp_map_iter_next(&it))
		if (n < max)
			out[n++] = stp_map_iter_long(&it, 0);
	return n;
}

static bool same(const int64_t *got, int n, const int64_t *want, int wn)
{
	return n == wn && !memcmp(got, want, n * sizeof(*got));
}

static void test_wrap(void)
{
	struct stp_map *m = new_map(1, kinds_l, STP_KIND_LONG, 5, true);
	static const int64_t want1[] = { 3, 4, 5, 6, 7 };
	int64_t got[8];
	struct stp_key k;
	int i, n;

	CHECK(m);
	if (!m)
		return;
	for (i = 1; i <= 6; i++) {
		k = key_n(i);
		CHECK(stp_map_set_long(m, &k, i * 10) == 0);
	}
	k = key_n(1);
	CHECK(!stp_map_exists(m, &k) && stp_map_size(m) == 5);
	k = key_n(2);
	CHECK(stp_map_set_long(m, &k, 99) == 0);	/* update: keeps its place */
	k = key_n(7);
	CHECK(stp_map_set_long(m, &k, 70) == 0);
	k = key_n(2);
	CHECK(!stp_map_exists(m, &k));
	n = collect_n(m, 0, false, -1, NULL, 0, got, 8);
	CHECK(same(got, n, want1, 5));
	k = key_n(7);
	CHECK(stp_map_get_long(m, &k) == 70);
	stp_map_free(m);
}

/*
 * Two keys (n, s) and a long value with ties in every column:
 *   order:  (3,"b")=5 (1,"c")=5 (2,"a")=7 (1,"a")=1 (3,"a")=7 (2,"c")=1
 */
static struct stp_map *sort_fixture(void)
{
	static const struct { int n; const char *s; int v; } e[] = {
		{ 3, "b", 5 }, { 1, "c", 5 }, { 2, "a", 7 },
		{ 1, "a", 1 }, { 3, "a", 7 }, { 2, "c", 1 },
	};
	struct stp_map *m = new_map(2, kinds_ls, STP_KIND_LONG, 16, false);
	struct stp_key k;
	size_t i;

	if (!m)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(e); i++) {
		k = key_ns(e[i].n, e[i].s);
		stp_map_set_long(m, &k, e[i].v);
	}
	return m;
}

/* Iteration as a string of "n s v;" items, to compare with the expected. */
static void describe(struct stp_map *m, int column, bool desc, int64_t limit,
		     const struct stp_key *slice, u16 mask, char *buf, size_t size)
{
	struct stp_map_iter it = { };
	size_t len = 0;

	buf[0] = '\0';
	if (stp_map_iter_start(m, &it, column, desc, limit, slice, mask)) {
		strscpy(buf, "EBUSY", size);
		return;
	}
	while (stp_map_iter_next(&it))
		len += scnprintf(buf + len, size - len, "%lld%s%lld;",
				 stp_map_iter_long(&it, 0), stp_map_iter_str(&it, 1),
				 *(int64_t *)stp_map_iter_value(&it));
}

#define EXPECT_ITER(m, col, desc, limit, slice, mask, want) do {		\
	describe(m, col, desc, limit, slice, mask, buf, sizeof(buf));	\
	if (strcmp(buf, want))						\
		pr_info("map_test: got %s want %s\n", buf, want);	\
	CHECK(strcmp(buf, want) == 0);					\
} while (0)

static void test_sort(void)
{
	struct stp_map *m = sort_fixture();
	char buf[256];

	CHECK(m);
	if (!m)
		return;
	EXPECT_ITER(m, 0, false, -1, NULL, 0, "3b5;1c5;2a7;1a1;3a7;2c1;");
	EXPECT_ITER(m, 1, false, -1, NULL, 0, "1c5;1a1;2a7;2c1;3b5;3a7;");
	EXPECT_ITER(m, 1, true, -1, NULL, 0, "3b5;3a7;2a7;2c1;1c5;1a1;");
	EXPECT_ITER(m, 2, false, -1, NULL, 0, "2a7;1a1;3a7;3b5;1c5;2c1;");
	EXPECT_ITER(m, 2, true, -1, NULL, 0, "1c5;2c1;3b5;2a7;1a1;3a7;");
	EXPECT_ITER(m, -1, false, -1, NULL, 0, "1a1;2c1;3b5;1c5;2a7;3a7;");
	EXPECT_ITER(m, -1, true, -1, NULL, 0, "2a7;3a7;3b5;1c5;1a1;2c1;");
	stp_map_free(m);
}

static void test_limit(void)
{
	struct stp_map *m = sort_fixture();
	char buf[256];

	CHECK(m);
	if (!m)
		return;
	EXPECT_ITER(m, 0, false, 0, NULL, 0, "");
	EXPECT_ITER(m, 0, false, 2, NULL, 0, "3b5;1c5;");
	EXPECT_ITER(m, -1, true, 3, NULL, 0, "2a7;3a7;3b5;");
	EXPECT_ITER(m, 1, false, 100, NULL, 0, "1c5;1a1;2a7;2c1;3b5;3a7;");
	stp_map_free(m);
}

static void test_slices(void)
{
	struct stp_map *m = sort_fixture();
	struct stp_key s3 = key_ns(3, NULL), sa = key_ns(0, "a"), s2c = key_ns(2, "c");
	struct stp_key s9 = key_ns(9, "a");
	char buf[256];

	CHECK(m);
	if (!m)
		return;
	EXPECT_ITER(m, 0, false, -1, &s3, 1, "3b5;3a7;");
	EXPECT_ITER(m, 2, false, -1, &s3, 1, "3a7;3b5;");
	EXPECT_ITER(m, 0, false, -1, &sa, 2, "2a7;1a1;3a7;");
	EXPECT_ITER(m, 1, true, 2, &sa, 2, "3a7;2a7;");
	EXPECT_ITER(m, 0, false, -1, &s2c, 3, "2c1;");
	EXPECT_ITER(m, 0, false, -1, &s9, 3, "");
	EXPECT_ITER(m, 0, false, -1, &s9, 0, "3b5;1c5;2a7;1a1;3a7;2c1;");
	stp_map_free(m);
}

static void test_bad_args(void)
{
	struct stp_map_desc d = { .nkeys = 0, .value_kind = STP_KIND_LONG };
	struct stp_map *m = sort_fixture();
	struct stp_map_iter it = { };

	CHECK(!stp_map_new(&d));
	d.nkeys = 10;
	CHECK(!stp_map_new(&d));
	d.nkeys = 1;
	d.key_kinds[0] = STP_KIND_BLOB;
	CHECK(!stp_map_new(&d));
	CHECK(m);
	if (!m)
		return;
	CHECK(stp_map_iter_start(m, &it, 3, false, -1, NULL, 0) == -EINVAL);
	CHECK(stp_map_iter_start(m, &it, -2, false, -1, NULL, 0) == -EINVAL);
	CHECK(stp_map_iter_start(m, &it, 0, false, -1, NULL, 1) == -EINVAL);
	CHECK(!stp_map_iter_next(&it));
	stp_map_iter_end(&it);
	stp_map_free(m);
}

static struct stp_map *numbered_map(int n)
{
	struct stp_map *m = new_map(1, kinds_l, STP_KIND_LONG, 64, false);
	struct stp_key k;
	int i;

	for (i = 0; m && i < n; i++) {
		k = key_n(i);
		stp_map_set_long(m, &k, i);
	}
	return m;
}

static void test_delete_in_foreach(void)
{
	struct stp_map *m = numbered_map(10);
	struct stp_map_iter it = { };
	int64_t seen[16];
	struct stp_key k;
	int n = 0;

	CHECK(m);
	if (!m)
		return;
	/* delete the current element each time, and 5 before its turn */
	CHECK(stp_map_iter_start(m, &it, 1, true, -1, NULL, 0) == 0);
	while (stp_map_iter_next(&it)) {
		k = key_n(stp_map_iter_long(&it, 0));
		if (n < 16)
			seen[n++] = k.n[0];
		stp_map_delete(m, &k);
		k = key_n(5);
		stp_map_delete(m, &k);
		k = key_n(100 + n);		/* inserted later: not visited */
		stp_map_set_long(m, &k, 0);
	}
	CHECK(n == 9 && seen[0] == 9 && seen[3] == 6 && seen[4] == 4 && seen[8] == 0);
	CHECK(stp_map_size(m) == 9);
	stp_map_clear(m);
	/* clearing inside the loop ends it; re-inserted keys are new */
	for (n = 0; n < 5; n++) {
		k = key_n(n);
		stp_map_set_long(m, &k, n);
	}
	n = 0;
	CHECK(stp_map_iter_start(m, &it, 0, false, -1, NULL, 0) == 0);
	while (stp_map_iter_next(&it)) {
		n++;
		stp_map_clear(m);
		k = key_n(3);
		stp_map_set_long(m, &k, 3);
	}
	CHECK(n == 1 && stp_map_size(m) == 1);
	stp_map_free(m);
}

static void test_nesting(void)
{
	struct stp_map *m = numbered_map(6);
	struct stp_map_iter outer = { }, inner = { }, third = { };
	int pairs = 0, outers = 0;

	CHECK(m);
	if (!m)
		return;
	preempt_disable();			/* the snapshot stack is per CPU */
	CHECK(stp_map_iter_start(m, &outer, 1, false, -1, NULL, 0) == 0);
	while (stp_map_iter_next(&outer)) {
		outers++;
		CHECK(stp_map_iter_start(m, &inner, -1, true, -1, NULL, 0) == 0);
		CHECK(stp_map_iter_start(m, &third, 0, false, -1, NULL, 0) == -EBUSY);
		while (stp_map_iter_next(&inner)) {
			pairs++;
			if (stp_map_iter_long(&inner, 0) == stp_map_iter_long(&outer, 0)) {
				stp_map_iter_end(&inner);	/* break */
				break;
			}
		}
	}
	CHECK(outers == 6 && pairs == 6 + 5 + 4 + 3 + 2 + 1);
	/* an abandoned inner loop is released when its outer one ends */
	CHECK(stp_map_iter_start(m, &outer, 0, false, -1, NULL, 0) == 0);
	CHECK(stp_map_iter_start(m, &inner, 0, false, -1, NULL, 0) == 0);
	stp_map_iter_end(&outer);
	stp_map_iter_end(&outer);		/* twice: harmless */
	CHECK(stp_map_iter_start(m, &outer, 0, false, -1, NULL, 0) == 0);
	CHECK(stp_map_iter_start(m, &third, 0, false, -1, NULL, 0) == 0);
	stp_map_iter_end(&third);
	stp_map_iter_end(&outer);
	preempt_enable();
	stp_map_free(m);
}

struct blob {
	u64 count;
	s64 sum;
	u32 pad[2];
};

static int blob_cmp(const void *a, const void *b)
{
	const struct blob *x = a, *y = b;

	return x->sum < y->sum ? -1 : x->sum > y->sum;
}

static void test_blob(void)
{
	struct stp_map_desc d = { .nkeys = 1, .key_kinds = { STP_KIND_LONG },
				  .value_kind = STP_KIND_BLOB, .value_size = sizeof(struct blob),
				  .max_entries = 8, .blob_cmp = blob_cmp };
	struct stp_map *m = stp_map_new(&d);
	static const int64_t want[] = { 0, 2, 1 };
	struct blob *b;
	int64_t got[4];
	struct stp_key k;
	int i, n;

	CHECK(m);
	if (!m)
		return;
	k = key_n(0);
	CHECK(!stp_map_value(m, &k, false) && stp_map_size(m) == 0);
	for (i = 0; i < 3; i++) {
		k = key_n(i);
		b = stp_map_value(m, &k, true);
		CHECK(b && !b->count && !b->sum && !b->pad[1]);
		if (!b)
			continue;
		b->count = 1;
		b->sum = (i - 1) * (i - 1) * 10 - i;	/* 10, -1, 8 */
		memset(b->pad, 0xff, sizeof(b->pad));
	}
	k = key_n(2);
	b = stp_map_value(m, &k, false);
	CHECK(b && b->sum == 8 && b->count == 1);
	n = collect_n(m, -1, false, -1, NULL, 0, got, 4);
	CHECK(same(got, n, (const int64_t[]){ 1, 2, 0 }, 3));
	n = collect_n(m, -1, true, -1, NULL, 0, got, 4);
	CHECK(same(got, n, want, 3));
	stp_map_delete(m, &k);
	b = stp_map_value(m, &k, true);		/* re-inserted: zeroed */
	CHECK(b && !b->sum && !b->pad[0]);
	stp_map_free(m);
}

#include "map_test_stress.c"

static int __init map_test_init(void)
{
	run_test("basic long values", test_basic_long);
	run_test("string keys and values", test_strings);
	run_test("string truncation", test_truncation);
	run_test("nine mixed keys", test_nine_keys);
	run_test("overflow", test_overflow);
	run_test("default MAXMAPENTRIES", test_default_max);
	run_test("wrapping replaces oldest", test_wrap);
	run_test("sort by key and value, ties", test_sort);
	run_test("limit", test_limit);
	run_test("slices", test_slices);
	run_test("bad arguments", test_bad_args);
	run_test("delete during foreach", test_delete_in_foreach);
	run_test("nested foreach", test_nesting);
	run_test("blob values", test_blob);
	run_test("stress against model", test_stress);
	run_test("stress against model, wrapping", test_stress_wrap);
	pr_info("map_test: %d passed, %d failed\n", n_passed, n_failed);
	return -EAGAIN;
}

module_init(map_test_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("checks of the stap runtime's associative arrays");
