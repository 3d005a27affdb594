/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Associative arrays of a script (`global a[1000]%`): the types and the
 * API that generated code calls.  map.c implements it and depends only on
 * kernel headers and stp_limits.h.
 *
 * Rules for callers:
 *  - stp_map_new() and stp_map_free() run at module init and exit; every
 *    other call may run in probe context (any context, irqs maybe off):
 *    none sleeps or allocates, and each does bounded work.
 *  - The caller serialises: a global's rwlock is held around every call,
 *    for write around anything that modifies the map.
 *  - A foreach runs with preemption disabled (as probes do) and must end
 *    with stp_map_iter_next() returning false or with stp_map_iter_end();
 *    stp_map_iter_end() on a zeroed or finished iterator does nothing, so
 *    an error path can call it for every iterator in its frame.
 *  - Inserting into a full map that does not wrap fails with -E2BIG; the
 *    caller reports STP_MAP_OVERFLOW_MSG through stp_error().
 */
#ifndef STP_MAP_H
#define STP_MAP_H

#include <linux/types.h>

#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048
#endif

/* foreach loops over one array that may be active at once on one CPU. */
#ifndef STP_MAP_NESTING
#define STP_MAP_NESTING 2
#endif

#define STP_MAP_MAXKEYS 9

#define STP_MAP_OVERFLOW_MSG "Array overflow, check MAXMAPENTRIES"
#define STP_MAP_NESTING_MSG "too many nested foreach loops over one array"

enum stp_kind {
	STP_KIND_LONG,		/* int64_t */
	STP_KIND_STRING,	/* MAXSTRINGLEN bytes, NUL-terminated */
	STP_KIND_BLOB,		/* values only: value_size opaque bytes */
};

struct stp_map_desc {
	u8 nkeys;				/* 1..STP_MAP_MAXKEYS */
	u8 key_kinds[STP_MAP_MAXKEYS];		/* LONG or STRING */
	u8 value_kind;
	u32 value_size;				/* BLOB only */
	u32 max_entries;			/* 0: MAXMAPENTRIES */
	bool wrap;				/* full: replace the oldest */
	/* BLOB only, optional: the order of a foreach sorted by value. */
	int (*blob_cmp)(const void *a, const void *b);
};

/* A key: column i is n[i] or s[i], by the map's key_kinds[i]. */
struct stp_key {
	int64_t n[STP_MAP_MAXKEYS];
	const char *s[STP_MAP_MAXKEYS];		/* NULL reads as "" */
};

/* Sort orders of a foreach: 1..nkeys sorts by that key column. */
#define STP_MAP_SORT_NONE	0		/* insertion order */
#define STP_MAP_SORT_VALUE	(-1)

struct stp_map;
struct stp_map_entry;

/* One foreach in progress; small enough for a probe's frame. */
struct stp_map_iter {
	struct stp_map *map;		/* NULL: not running */
	const u32 *snap;		/* entry numbers, in visiting order */
	u32 count;
	u32 pos;
	u64 start_seq;			/* entries inserted later are skipped */
	struct stp_map_entry *cur;
	int cpu;
	int level;
};

static struct stp_map *stp_map_new(const struct stp_map_desc *d);
static void stp_map_free(struct stp_map *m);

static u32 stp_map_size(const struct stp_map *m);
static bool stp_map_exists(struct stp_map *m, const struct stp_key *k);
static void *stp_map_value(struct stp_map *m, const struct stp_key *k, bool create);
static int64_t stp_map_get_long(struct stp_map *m, const struct stp_key *k);
static const char *stp_map_get_str(struct stp_map *m, const struct stp_key *k);
static int stp_map_set_long(struct stp_map *m, const struct stp_key *k, int64_t v);
static int stp_map_set_str(struct stp_map *m, const struct stp_key *k, const char *v);
static int stp_map_add_long(struct stp_map *m, const struct stp_key *k, int64_t delta,
			    int64_t *result);
static void stp_map_delete(struct stp_map *m, const struct stp_key *k);
static void stp_map_clear(struct stp_map *m);

static int stp_map_iter_start(struct stp_map *m, struct stp_map_iter *it, int sort_column,
			      bool descending, int64_t limit, const struct stp_key *slice,
			      u16 slice_mask);
static bool stp_map_iter_next(struct stp_map_iter *it);
static void stp_map_iter_end(struct stp_map_iter *it);
static int64_t stp_map_iter_long(const struct stp_map_iter *it, int col);
static const char *stp_map_iter_str(const struct stp_map_iter *it, int col);
static void *stp_map_iter_value(const struct stp_map_iter *it);

#endif /* STP_MAP_H */
