// SPDX-License-Identifier: GPL-2.0
/*
 * Associative arrays (see map.h for the API and its rules).
 *
 * A map is one preallocated pool of fixed-size entries: a header, the key
 * columns, then the value.  Entries are chained from a power-of-two
 * bucket array by a hash of the key, kept on a doubly linked list in
 * insertion order (for foreach and for replacing the oldest entry of a
 * wrapping map), and free entries sit on a free list.  Entries are named
 * by their number in the pool, so the links are 32 bits.
 *
 * A foreach visits a snapshot: the numbers of the matching entries, sorted
 * as asked, in a per-CPU array of the map.  Each entry carries the number
 * of its insertion (seq), so an entry deleted or replaced after the
 * snapshot was taken is recognised and skipped.
 */

#include <linux/cpumask.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "stp_limits.h"
#include "map.h"

#define STP_MAP_NIL U32_MAX
#define STP_MAP_STRING_SLOT ALIGN(MAXSTRINGLEN, 8)

struct stp_map_entry {
	u64 seq;		/* number of its insertion; 0 while free */
	u32 hash;
	u32 hash_next;		/* bucket chain, or the free list */
	u32 older;		/* insertion-order list */
	u32 newer;
};

/* One CPU's foreach snapshots over one map: a stack of depth arrays. */
struct stp_map_snaps {
	int depth;
	u32 idx[];		/* STP_MAP_NESTING arrays of max_entries */
};

struct stp_map {
	struct stp_map_desc d;
	u32 key_off[STP_MAP_MAXKEYS];
	u32 value_off;
	u32 entry_size;
	u32 count;
	u32 hash_mask;
	u32 free;
	u32 oldest;
	u32 newest;
	u32 seed;
	u64 next_seq;
	u32 *buckets;
	char *pool;
	struct stp_map_snaps **snaps;	/* per possible CPU */
};

/* ---- entries and their columns ---- */

static inline struct stp_map_entry *stp_map_entry_at(const struct stp_map *m, u32 idx)
{
	return (struct stp_map_entry *)(m->pool + (size_t)idx * m->entry_size);
}

static inline int64_t *stp_map_key_long(const struct stp_map *m,
					const struct stp_map_entry *e, int col)
{
	return (int64_t *)((char *)e + m->key_off[col]);
}

static inline char *stp_map_key_str(const struct stp_map *m,
				    const struct stp_map_entry *e, int col)
{
	return (char *)e + m->key_off[col];
}

static inline void *stp_map_entry_value(const struct stp_map *m,
					const struct stp_map_entry *e)
{
	return (char *)e + m->value_off;
}

static inline const char *stp_map_str_arg(const char *s)
{
	return s ? s : "";
}

static u32 stp_map_value_bytes(const struct stp_map_desc *d)
{
	switch (d->value_kind) {
	case STP_KIND_LONG:
		return sizeof(int64_t);
	case STP_KIND_STRING:
		return STP_MAP_STRING_SLOT;
	default:
		return ALIGN(d->value_size, 8);
	}
}

/* Places the key columns and the value after the header. */
static void stp_map_layout(struct stp_map *m)
{
	u32 off = sizeof(struct stp_map_entry);
	int i;

	for (i = 0; i < m->d.nkeys; i++) {
		m->key_off[i] = off;
		off += m->d.key_kinds[i] == STP_KIND_STRING ? STP_MAP_STRING_SLOT
							    : sizeof(int64_t);
	}
	m->value_off = off;
	m->entry_size = ALIGN(off + stp_map_value_bytes(&m->d), 8);
}

static bool stp_map_desc_valid(const struct stp_map_desc *d)
{
	int i;

	if (d->nkeys < 1 || d->nkeys > STP_MAP_MAXKEYS)
		return false;
	for (i = 0; i < d->nkeys; i++)
		if (d->key_kinds[i] != STP_KIND_LONG && d->key_kinds[i] != STP_KIND_STRING)
			return false;
	if (d->value_kind > STP_KIND_BLOB)
		return false;
	return d->max_entries <= (U32_MAX >> 2);
}

/* ---- creation (module init) ---- */

static void stp_map_init_free_list(struct stp_map *m)
{
	u32 i, n = m->d.max_entries;

	for (i = 0; i < n; i++) {
		struct stp_map_entry *e = stp_map_entry_at(m, i);

		e->seq = 0;
		e->hash_next = i + 1 < n ? i + 1 : STP_MAP_NIL;
	}
	m->free = 0;
	m->oldest = STP_MAP_NIL;
	m->newest = STP_MAP_NIL;
	m->count = 0;
	memset(m->buckets, 0xff, (size_t)(m->hash_mask + 1) * sizeof(u32));
}

static int stp_map_alloc_snaps(struct stp_map *m)
{
	size_t bytes = struct_size((struct stp_map_snaps *)NULL, idx,
				   array_size(STP_MAP_NESTING, m->d.max_entries));
	unsigned int cpu;

	m->snaps = kcalloc(nr_cpu_ids, sizeof(*m->snaps), GFP_KERNEL);
	if (!m->snaps)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		m->snaps[cpu] = vzalloc(bytes);
		if (!m->snaps[cpu])
			return -ENOMEM;
	}
	return 0;
}

static __maybe_unused void stp_map_free(struct stp_map *m)
{
	unsigned int cpu;

	if (!m)
		return;
	if (m->snaps) {
		for_each_possible_cpu(cpu)
			vfree(m->snaps[cpu]);
		kfree(m->snaps);
	}
	vfree(m->buckets);
	vfree(m->pool);
	kfree(m);
}

/* Returns the new map, or NULL (bad description or out of memory). */
static __maybe_unused struct stp_map *stp_map_new(const struct stp_map_desc *d)
{
	struct stp_map *m;

	if (!stp_map_desc_valid(d))
		return NULL;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return NULL;
	m->d = *d;
	if (!m->d.max_entries)
		m->d.max_entries = MAXMAPENTRIES;
	stp_map_layout(m);
	m->hash_mask = roundup_pow_of_two(m->d.max_entries) - 1;
	m->seed = get_random_u32();
	m->next_seq = 1;
	m->pool = vmalloc(array_size(m->d.max_entries, m->entry_size));
	m->buckets = vmalloc(array_size(m->hash_mask + 1, sizeof(u32)));
	if (!m->pool || !m->buckets || stp_map_alloc_snaps(m)) {
		stp_map_free(m);
		return NULL;
	}
	stp_map_init_free_list(m);
	return m;
}

/* ---- keys ---- */

static u32 stp_map_hash(const struct stp_map *m, const struct stp_key *k)
{
	u32 h = m->seed;
	int i;

	for (i = 0; i < m->d.nkeys; i++) {
		if (m->d.key_kinds[i] == STP_KIND_STRING) {
			const char *s = stp_map_str_arg(k->s[i]);

			h = jhash(s, strnlen(s, MAXSTRINGLEN - 1), h);
		} else {
			u64 n = (u64)k->n[i];

			h = jhash_2words((u32)n, (u32)(n >> 32), h);
		}
	}
	return h;
}

/* Strings compare as truncated to what the map can store. */
static bool stp_map_key_column_equal(const struct stp_map *m, const struct stp_map_entry *e,
				     int col, const struct stp_key *k)
{
	if (m->d.key_kinds[col] == STP_KIND_STRING)
		return strncmp(stp_map_key_str(m, e, col), stp_map_str_arg(k->s[col]),
			       MAXSTRINGLEN - 1) == 0;
	return *stp_map_key_long(m, e, col) == k->n[col];
}

static bool stp_map_key_equal(const struct stp_map *m, const struct stp_map_entry *e,
			      const struct stp_key *k)
{
	int i;

	for (i = 0; i < m->d.nkeys; i++)
		if (!stp_map_key_column_equal(m, e, i, k))
			return false;
	return true;
}

static void stp_map_store_key(struct stp_map *m, struct stp_map_entry *e,
			      const struct stp_key *k)
{
	int i;

	for (i = 0; i < m->d.nkeys; i++) {
		if (m->d.key_kinds[i] == STP_KIND_STRING)
			strscpy(stp_map_key_str(m, e, i), stp_map_str_arg(k->s[i]), MAXSTRINGLEN);
		else
			*stp_map_key_long(m, e, i) = k->n[i];
	}
}

static u32 stp_map_find(const struct stp_map *m, const struct stp_key *k, u32 hash)
{
	u32 idx = m->buckets[hash & m->hash_mask];

	while (idx != STP_MAP_NIL) {
		const struct stp_map_entry *e = stp_map_entry_at(m, idx);

		if (e->hash == hash && stp_map_key_equal(m, e, k))
			return idx;
		idx = e->hash_next;
	}
	return STP_MAP_NIL;
}

/* ---- linking and unlinking entries ---- */

static void stp_map_unlink_hash(struct stp_map *m, u32 idx)
{
	struct stp_map_entry *e = stp_map_entry_at(m, idx);
	u32 *link = &m->buckets[e->hash & m->hash_mask];

	while (*link != idx)
		link = &stp_map_entry_at(m, *link)->hash_next;
	*link = e->hash_next;
}

static void stp_map_unlink_order(struct stp_map *m, struct stp_map_entry *e)
{
	if (e->older != STP_MAP_NIL)
		stp_map_entry_at(m, e->older)->newer = e->newer;
	else
		m->oldest = e->newer;
	if (e->newer != STP_MAP_NIL)
		stp_map_entry_at(m, e->newer)->older = e->older;
	else
		m->newest = e->older;
}

static void stp_map_release(struct stp_map *m, u32 idx)
{
	struct stp_map_entry *e = stp_map_entry_at(m, idx);

	stp_map_unlink_hash(m, idx);
	stp_map_unlink_order(m, e);
	e->seq = 0;
	e->hash_next = m->free;
	m->free = idx;
	m->count--;
}

/* A free entry; a full wrapping map gives up its oldest one. */
static u32 stp_map_take_free(struct stp_map *m)
{
	u32 idx = m->free;

	if (idx == STP_MAP_NIL) {
		if (!m->d.wrap || m->oldest == STP_MAP_NIL)
			return STP_MAP_NIL;
		stp_map_release(m, m->oldest);
		idx = m->free;
	}
	m->free = stp_map_entry_at(m, idx)->hash_next;
	return idx;
}

static u32 stp_map_insert(struct stp_map *m, const struct stp_key *k, u32 hash)
{
	u32 idx = stp_map_take_free(m);
	struct stp_map_entry *e;
	u32 *bucket;

	if (idx == STP_MAP_NIL)
		return STP_MAP_NIL;
	e = stp_map_entry_at(m, idx);
	stp_map_store_key(m, e, k);
	memset(stp_map_entry_value(m, e), 0, m->entry_size - m->value_off);
	e->seq = m->next_seq++;
	e->hash = hash;
	bucket = &m->buckets[hash & m->hash_mask];
	e->hash_next = *bucket;
	*bucket = idx;
	e->older = m->newest;
	e->newer = STP_MAP_NIL;
	if (m->newest != STP_MAP_NIL)
		stp_map_entry_at(m, m->newest)->newer = idx;
	else
		m->oldest = idx;
	m->newest = idx;
	m->count++;
	return idx;
}

/* ---- element access ---- */

static __maybe_unused u32 stp_map_size(const struct stp_map *m)
{
	return m->count;
}

static __maybe_unused bool stp_map_exists(struct stp_map *m, const struct stp_key *k)
{
	return stp_map_find(m, k, stp_map_hash(m, k)) != STP_MAP_NIL;
}

/*
 * The value of a[k]: an int64_t, a MAXSTRINGLEN char buffer or the blob.
 * Missing: NULL, or with create a zeroed new element (NULL: map full).
 * The pointer is good until the map next changes.
 */
static __maybe_unused void *stp_map_value(struct stp_map *m, const struct stp_key *k,
					  bool create)
{
	u32 hash = stp_map_hash(m, k);
	u32 idx = stp_map_find(m, k, hash);

	if (idx == STP_MAP_NIL && create)
		idx = stp_map_insert(m, k, hash);
	if (idx == STP_MAP_NIL)
		return NULL;
	return stp_map_entry_value(m, stp_map_entry_at(m, idx));
}

/* Reading a missing element gives 0 and does not insert it. */
static __maybe_unused int64_t stp_map_get_long(struct stp_map *m, const struct stp_key *k)
{
	int64_t *v = stp_map_value(m, k, false);

	return v ? *v : 0;
}

/* Gives "" for a missing element; otherwise good until the map changes. */
static __maybe_unused const char *stp_map_get_str(struct stp_map *m, const struct stp_key *k)
{
	const char *v = stp_map_value(m, k, false);

	return v ? v : "";
}

static __maybe_unused int stp_map_set_long(struct stp_map *m, const struct stp_key *k,
					   int64_t v)
{
	int64_t *slot = stp_map_value(m, k, true);

	if (!slot)
		return -E2BIG;
	*slot = v;
	return 0;
}

static __maybe_unused int stp_map_set_str(struct stp_map *m, const struct stp_key *k,
					  const char *v)
{
	char *slot = stp_map_value(m, k, true);

	if (!slot)
		return -E2BIG;
	strscpy(slot, stp_map_str_arg(v), MAXSTRINGLEN);
	return 0;
}

/* a[k] += delta (creating a[k] = 0 first); *result gets the new value. */
static __maybe_unused int stp_map_add_long(struct stp_map *m, const struct stp_key *k,
					   int64_t delta, int64_t *result)
{
	int64_t *slot = stp_map_value(m, k, true);

	if (!slot)
		return -E2BIG;
	*slot = (int64_t)((u64)*slot + (u64)delta);
	if (result)
		*result = *slot;
	return 0;
}

static __maybe_unused void stp_map_delete(struct stp_map *m, const struct stp_key *k)
{
	u32 idx = stp_map_find(m, k, stp_map_hash(m, k));

	if (idx != STP_MAP_NIL)
		stp_map_release(m, idx);
}

static __maybe_unused void stp_map_clear(struct stp_map *m)
{
	while (m->oldest != STP_MAP_NIL)
		stp_map_release(m, m->oldest);
}


/* ---- foreach ---- */

struct stp_map_sort_ctx {
	const struct stp_map *m;
	int column;		/* 1..nkeys, or STP_MAP_SORT_VALUE */
	bool descending;
};

static int stp_map_cmp_long(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int stp_map_cmp_value(const struct stp_map *m, const struct stp_map_entry *a,
			     const struct stp_map_entry *b)
{
	const void *va = stp_map_entry_value(m, a), *vb = stp_map_entry_value(m, b);

	switch (m->d.value_kind) {
	case STP_KIND_LONG:
		return stp_map_cmp_long(*(const int64_t *)va, *(const int64_t *)vb);
	case STP_KIND_STRING:
		return strcmp(va, vb);
	default:
		return m->d.blob_cmp ? m->d.blob_cmp(va, vb) : 0;
	}
}

static int stp_map_cmp_column(const struct stp_map *m, int column,
			      const struct stp_map_entry *a, const struct stp_map_entry *b)
{
	int col = column - 1;

	if (column == STP_MAP_SORT_VALUE)
		return stp_map_cmp_value(m, a, b);
	if (m->d.key_kinds[col] == STP_KIND_STRING)
		return strcmp(stp_map_key_str(m, a, col), stp_map_key_str(m, b, col));
	return stp_map_cmp_long(*stp_map_key_long(m, a, col), *stp_map_key_long(m, b, col));
}

/* Orders by the column, then by insertion, so the result is deterministic. */
static int stp_map_cmp_entries(const void *pa, const void *pb, const void *priv)
{
	const struct stp_map_sort_ctx *ctx = priv;
	const struct stp_map_entry *a = stp_map_entry_at(ctx->m, *(const u32 *)pa);
	const struct stp_map_entry *b = stp_map_entry_at(ctx->m, *(const u32 *)pb);
	int r = stp_map_cmp_column(ctx->m, ctx->column, a, b);

	if (r)
		return ctx->descending ? -r : r;
	return a->seq < b->seq ? -1 : 1;
}

static bool stp_map_slice_match(const struct stp_map *m, const struct stp_map_entry *e,
				const struct stp_key *slice, u16 mask)
{
	int i;

	for (i = 0; i < m->d.nkeys; i++)
		if ((mask & (1u << i)) && !stp_map_key_column_equal(m, e, i, slice))
			return false;
	return true;
}

/* Fills snap with the matching entries in insertion order; returns how many. */
static u32 stp_map_snap_fill(const struct stp_map *m, u32 *snap, const struct stp_key *slice,
			     u16 mask)
{
	u32 idx, n = 0;

	for (idx = m->oldest; idx != STP_MAP_NIL; idx = stp_map_entry_at(m, idx)->newer) {
		if (mask && !stp_map_slice_match(m, stp_map_entry_at(m, idx), slice, mask))
			continue;
		snap[n++] = idx;
	}
	return n;
}

static bool stp_map_sort_column_valid(const struct stp_map *m, int column)
{
	return column == STP_MAP_SORT_VALUE || (column >= 0 && column <= m->d.nkeys);
}

/*
 * Starts a foreach over the entries of m whose key columns i with bit i
 * of slice_mask set equal slice's (slice may be NULL when the mask is 0),
 * sorted by sort_column (STP_MAP_SORT_NONE: insertion order), at most
 * limit of them (limit < 0: all).  Returns 0, or -EBUSY when this CPU
 * already runs STP_MAP_NESTING foreach loops over m (STP_MAP_NESTING_MSG),
 * or -EINVAL for a bad column.  Entries inserted after the start are not
 * visited; entries deleted before their turn are skipped.
 */
static __maybe_unused int stp_map_iter_start(struct stp_map *m, struct stp_map_iter *it,
					     int sort_column, bool descending, int64_t limit,
					     const struct stp_key *slice, u16 slice_mask)
{
	int cpu = raw_smp_processor_id();
	struct stp_map_snaps *snaps = m->snaps[cpu];
	u32 *snap;

	it->map = NULL;
	if (!stp_map_sort_column_valid(m, sort_column) || (slice_mask && !slice))
		return -EINVAL;
	if (snaps->depth >= STP_MAP_NESTING)
		return -EBUSY;
	it->level = snaps->depth++;
	it->cpu = cpu;
	snap = snaps->idx + (size_t)it->level * m->d.max_entries;
	it->count = stp_map_snap_fill(m, snap, slice, slice_mask);
	if (sort_column != STP_MAP_SORT_NONE) {
		struct stp_map_sort_ctx ctx = { m, sort_column, descending };

		sort_r(snap, it->count, sizeof(*snap), stp_map_cmp_entries, NULL, &ctx);
	}
	if (limit >= 0 && limit < it->count)
		it->count = (u32)limit;
	it->snap = snap;
	it->pos = 0;
	it->start_seq = m->next_seq;
	it->cur = NULL;
	it->map = m;
	return 0;
}

/* Gives up the iterator's snapshot, and any a nested loop left behind. */
static __maybe_unused void stp_map_iter_end(struct stp_map_iter *it)
{
	struct stp_map_snaps *snaps;

	if (!it->map)
		return;
	snaps = it->map->snaps[it->cpu];
	if (snaps->depth > it->level)
		snaps->depth = it->level;
	it->map = NULL;
	it->cur = NULL;
}

/*
 * Moves to the next entry that is still there; false at the end (the
 * iterator is then ended).  Read the entry's keys before the loop body
 * may change the map.
 */
static __maybe_unused bool stp_map_iter_next(struct stp_map_iter *it)
{
	const struct stp_map *m = it->map;

	if (!m)
		return false;
	while (it->pos < it->count) {
		struct stp_map_entry *e = stp_map_entry_at(m, it->snap[it->pos++]);

		if (e->seq && e->seq < it->start_seq) {
			it->cur = e;
			return true;
		}
	}
	stp_map_iter_end(it);
	return false;
}

/* Key column col (0-based) of the current entry. */
static __maybe_unused int64_t stp_map_iter_long(const struct stp_map_iter *it, int col)
{
	return *stp_map_key_long(it->map, it->cur, col);
}

static __maybe_unused const char *stp_map_iter_str(const struct stp_map_iter *it, int col)
{
	return stp_map_key_str(it->map, it->cur, col);
}

/* The current entry's value, as stp_map_value() gives it. */
static __maybe_unused void *stp_map_iter_value(const struct stp_map_iter *it)
{
	return stp_map_entry_value(it->map, it->cur);
}
