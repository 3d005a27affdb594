/* Pass 3 for arrays: elements, "in", delete and foreach, as calls into
 * runtime/map.c and runtime/arrays.c.  Each array global is a struct
 * stp_map made at module init from a description of its keys and value. */
#include "emit.h"

#include <string.h>

static const char *kind_of(enum type t)
{
	if (t == TYPE_STATS)
		return "STP_KIND_BLOB";
	return t == TYPE_STRING ? "STP_KIND_STRING" : "STP_KIND_LONG";
}

/* STP_KEY(.n[0] = k1, .s[1] = k2) for the keys of e; wildcards (slices)
 * are left out, and *mask gets a bit for each key given. */
static char *key_of(struct emitter *em, struct expr *e, unsigned *mask)
{
	struct strbuf sb = {0};
	int first = 1;

	if (mask)
		*mask = 0;
	sb_add(&sb, "STP_KEY(");
	for (int i = 0; i < e->args.len; i++) {
		struct expr *k = e->args.items[i];
		char *v;

		if (!k)
			continue;
		v = emit_expr(em, k);
		sb_printf(&sb, "%s.%c[%d] = %s", first ? "" : ", ", k->type == TYPE_STRING ? 's' : 'n', i, v);
		first = 0;
		free(v);
		if (mask)
			*mask |= 1u << i;
	}
	sb_addc(&sb, ')');
	return sb_steal(&sb);
}

/* The key of an element, for other parts of pass 3. */
char *emit_element_key(struct emitter *em, struct expr *e)
{
	return key_of(em, e, NULL);
}

static char *array_ref(const struct expr *e)
{
	return xasprintf("g_%s", e->sym->cname);
}

char *emit_index(struct emitter *em, struct expr *e)
{
	char *key = key_of(em, e, NULL), *arr = array_ref(e);
	char *r = xasprintf("stp_map_get_%s(%s, %s)", e->type == TYPE_STRING ? "str" : "long", arr, key);

	free(key);
	free(arr);
	return r;
}

char *emit_in(struct emitter *em, struct expr *e)
{
	char *key = key_of(em, e, NULL), *arr = array_ref(e);
	char *r = xasprintf("stp_map_exists(%s, %s)", arr, key);

	free(key);
	free(arr);
	return r;
}

/* The new value of a compound assignment to an element whose old value
 * is "old" (a C expression). */
static char *combine(struct emitter *em, struct expr *e, const char *old, const char *rhs)
{
	char *op = compound_operator(e->op), *r;

	if (!strcmp(op, "."))
		r = xasprintf("stp_concat(%s, %s, %s)", new_tmp(em, e), old, rhs);
	else
		r = emit_arith(em, e, op, old, rhs);
	free(op);
	return r;
}

/* a[k] = v, a[k] += v, a[k] .= s ...: the element's new value. */
char *emit_index_assign(struct emitter *em, struct expr *e)
{
	struct expr *el = e->lhs;
	char *key = key_of(em, el, NULL), *arr = array_ref(el), *rhs = emit_expr(em, e->rhs);
	char *near = near_literal(el->near, &el->loc);	/* "identifier 'a'", as SystemTap says */
	const char *kind = el->type == TYPE_STRING ? "str" : "long";
	struct strbuf sb = {0};

	if (!strcmp(e->op, "=")) {
		sb_printf(&sb, "stp_array_set_%s(c, %s, %s, %s, %s)", kind, arr, key, rhs, near);
	} else if (!strcmp(e->op, "+=") || !strcmp(e->op, "-=")) {
		sb_printf(&sb, "stp_array_add_long(c, %s, %s, %s(%s), %s)", arr, key,
			  e->op[0] == '-' ? "-" : "", rhs, near);
	} else {
		/* Read and write the same element: take its key once. */
		char *old = xasprintf("stp_map_get_%s(%s, k_)", kind, arr);
		char *value = combine(em, e, old, rhs);

		sb_printf(&sb, "({ const struct stp_key *k_ = %s; stp_array_set_%s(c, %s, k_, %s, %s); })",
			  key, kind, arr, value, near);
		free(old);
		free(value);
	}
	free(key);
	free(arr);
	free(rhs);
	free(near);
	return checked(em, &sb);
}

/* a[k]++ and friends, through stp_array_add_long (the new value). */
char *emit_index_incdec(struct emitter *em, struct expr *e)
{
	struct expr *el = e->lhs;
	char *key = key_of(em, el, NULL), *arr = array_ref(el), *near = near_literal(el->near, &el->loc);
	int delta = e->op[0] == '+' ? 1 : -1;
	struct strbuf sb = {0};
	char *r;

	sb_printf(&sb, "stp_array_add_long(c, %s, %s, %d, %s)", arr, key, delta, near);
	r = checked(em, &sb);
	if (e->postfix) {
		char *post = xasprintf("(%s - %d)", r, delta);

		free(r);
		r = post;
	}
	free(key);
	free(arr);
	free(near);
	return r;
}

static char *new_iterator(struct emitter *em)
{
	return xasprintf("&l->it%d", em->niter++);
}

/* delete a, delete a[k], delete a[k, *] */
void emit_array_delete(struct emitter *em, struct stmt *st)
{
	struct expr *e = st->expr;
	char *arr = array_ref(e), *key, *near;
	unsigned mask;

	if (e->kind != EX_INDEX) {
		line(em, "stp_map_clear(%s);", arr);
		free(arr);
		return;
	}
	key = key_of(em, e, &mask);
	if ((int)mask == (1 << e->args.len) - 1) {
		line(em, "stp_map_delete(%s, %s);", arr, key);
	} else {
		char *it = new_iterator(em);

		near = near_literal(st->near, &st->loc);
		line(em, "stp_array_delete_slice(c, %s, %s, %s, 0x%x, %s);", arr, it, key, mask, near);
		line(em, "if (c->error)");
		line(em, "\tgoto %s;", em->error_label);
		free(near);
		free(it);
	}
	free(key);
	free(arr);
}

/* Copies the current element's keys and value into the loop variables. */
static void emit_foreach_vars(struct emitter *em, struct foreach *fe, const char *it)
{
	struct symbol *arr = fe->array->sym;

	for (int i = 0; i < fe->keys.len; i++) {
		char *var = emit_expr(em, fe->keys.items[i]);

		if (arr->key_types[i] == TYPE_STRING)
			line(em, "stp_strcpy(%s, stp_map_iter_str(%s, %d));", var, it, i);
		else
			line(em, "%s = stp_map_iter_long(%s, %d);", var, it, i);
		free(var);
	}
	if (fe->value) {
		char *var = emit_expr(em, fe->value);

		if (arr->type == TYPE_STRING)
			line(em, "stp_strcpy(%s, (const char *)stp_map_iter_value(%s));", var, it);
		else
			line(em, "%s = *(int64_t *)stp_map_iter_value(%s);", var, it);
		free(var);
	}
}

/*
 * The runtime takes a sorted snapshot of the matching elements; the loop
 * walks it.  Leaving early (break) ends the iterator after the loop; the
 * error paths end every iterator of the frame (emit_end_iterators).
 */
void emit_foreach(struct emitter *em, struct stmt *st)
{
	struct foreach *fe = st->fe;
	char *it = new_iterator(em), *arr = array_ref(fe->array);
	char *limit = fe->limit ? emit_expr(em, fe->limit) : xstrdup("-1");
	char *slice = xstrdup("NULL"), *near = near_literal(st->near, &st->loc);
	unsigned mask = 0;

	if (fe->array->kind == EX_INDEX) {
		free(slice);
		slice = key_of(em, fe->array, &mask);
	}
	line(em, "if (stp_array_foreach(c, %s, %s, %d, %s, %s, %s, 0x%x, %s))", arr, it, fe->sort_column,
	     fe->descending ? "true" : "false", limit, slice, mask, near);
	line(em, "\tgoto %s;", em->error_label);
	line(em, "while (stp_map_iter_next(%s)) {", it);
	em->depth++;
	emit_foreach_vars(em, fe, it);
	line(em, "{");
	emit_braced(em, st->then, 1);
	em->depth--;
	line(em, "}");
	line(em, "stp_map_iter_end(%s);", it);
	free(it);
	free(arr);
	free(limit);
	free(slice);
	free(near);
}

/* Error paths: end the iterators numbered from on (a no-op for those
 * that never started or already ended). */
void emit_end_iterators(struct emitter *em, int from)
{
	for (int i = from; i < em->niter; i++)
		line(em, "stp_map_iter_end(&l->it%d);", i);
}

static void emit_array_desc(struct emitter *em, const struct symbol *g)
{
	struct strbuf kinds = {0};

	for (int i = 0; i < g->nkeys; i++)
		sb_printf(&kinds, "%s%s", i ? ", " : "", kind_of(g->key_types[i]));
	/* not const: an array of statistics learns its value size at init */
	line(em, "static struct stp_map_desc g_%s_desc = {", g->cname);
	line(em, "\t.nkeys = %d, .key_kinds = { %s },", g->nkeys, kinds.buf);
	line(em, "\t.value_kind = %s, .max_entries = %lld, .wrap = %s,", kind_of(g->type),
	     (long long)g->max_entries, g->wrap ? "true" : "false");
	if (g->type == TYPE_STATS)
		line(em, "\t.blob_cmp = stp_stat_cmp_count,");
	line(em, "};");
	if (g->type == TYPE_STATS)
		emit_stat_desc(em, g);
	free(kinds.buf);
}

void emit_array_globals(struct emitter *em)
{
	struct script *s = &em->sess->script;

	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (!g->used || !g->is_array)
			continue;
		emit_array_desc(em, g);
		line(em, "static struct stp_map *g_%s;", g->cname);
		line(em, "static DEFINE_RWLOCK(lock_%s);", g->cname);
		line(em, "%s", "");
	}
}

/* Module init and exit make and free the arrays and statistics. */
void emit_script_init(struct emitter *em)
{
	struct script *s = &em->sess->script;

	line(em, "static int stp_script_init(void)");
	line(em, "{");
	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (!g->used || !g->is_array)
			continue;
		if (g->type == TYPE_STATS)
			emit_stat_array_init(em, g);
		line(em, "\tg_%s = stp_map_new(&g_%s_desc);", g->cname, g->cname);
		line(em, "\tif (!g_%s)", g->cname);
		line(em, "\t\treturn -ENOMEM;");
	}
	emit_stat_init(em);
	line(em, "\treturn 0;");
	line(em, "}");
	line(em, "%s", "");
	line(em, "static void stp_script_exit(void)");
	line(em, "{");
	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (g->used && g->is_array)
			line(em, "\tstp_map_free(g_%s);", g->cname);
	}
	emit_stat_exit(em);
	line(em, "}");
	line(em, "%s", "");
}
