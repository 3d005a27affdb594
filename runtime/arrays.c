/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What generated code calls for a script's arrays: map.c's operations,
 * with its failures turned into script errors (stp_error) named after the
 * script's own operator.
 */

/* A key for one element, written by generated code as
 * STP_KEY(.n[0] = 1, .s[1] = "x"). */
#define STP_KEY(...) (&(struct stp_key){ __VA_ARGS__ })

static __maybe_unused int64_t stp_array_set_long(struct stp_context *c, struct stp_map *m,
						 const struct stp_key *k, int64_t v,
						 const char *near)
{
	if (stp_map_set_long(m, k, v))
		stp_error(c, STP_MAP_OVERFLOW_MSG, near);
	return v;
}

static __maybe_unused const char *stp_array_set_str(struct stp_context *c, struct stp_map *m,
						    const struct stp_key *k, const char *v,
						    const char *near)
{
	if (stp_map_set_str(m, k, v)) {
		stp_error(c, STP_MAP_OVERFLOW_MSG, near);
		return "";
	}
	return stp_map_get_str(m, k);
}

/* a[k] += delta, a[k]++: the new value. */
static __maybe_unused int64_t stp_array_add_long(struct stp_context *c, struct stp_map *m,
						 const struct stp_key *k, int64_t delta,
						 const char *near)
{
	int64_t result = 0;

	if (stp_map_add_long(m, k, delta, &result))
		stp_error(c, STP_MAP_OVERFLOW_MSG, near);
	return result;
}

/* Starts a foreach; nonzero (after reporting) if it cannot. */
static __maybe_unused int stp_array_foreach(struct stp_context *c, struct stp_map *m,
					    struct stp_map_iter *it, int sort_column,
					    bool descending, int64_t limit,
					    const struct stp_key *slice, u16 slice_mask,
					    const char *near)
{
	int rc = stp_map_iter_start(m, it, sort_column, descending, limit, slice, slice_mask);

	if (rc == -EBUSY)
		stp_error(c, STP_MAP_NESTING_MSG, near);
	else if (rc)
		stp_error(c, "cannot iterate over the array", near);
	return rc;
}

/* delete a[k, *]: every element whose fixed keys match. */
static __maybe_unused void stp_array_delete_slice(struct stp_context *c, struct stp_map *m,
						  struct stp_map_iter *it,
						  const struct stp_key *slice, u16 slice_mask,
						  const char *near)
{
	if (stp_array_foreach(c, m, it, STP_MAP_SORT_NONE, false, -1, slice, slice_mask, near))
		return;
	while (stp_map_iter_next(it)) {
		struct stp_key k = { };
		int i;

		for (i = 0; i < m->d.nkeys; i++) {
			if (m->d.key_kinds[i] == STP_KIND_STRING)
				k.s[i] = stp_map_iter_str(it, i);
			else
				k.n[i] = stp_map_iter_long(it, i);
		}
		stp_map_delete(m, &k);
	}
}
