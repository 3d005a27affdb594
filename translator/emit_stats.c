/* Pass 3 for statistics: each statistic global is a per-CPU aggregate
 * (runtime/stat.c) with a description of the histograms it keeps, and a
 * buffer its CPUs' parts are merged into when the script reads it. */
#include "emit.h"

#include "builtins.h"

#include <string.h>

static int is_stat_global(const struct symbol *g)
{
	return g->used && g->type == TYPE_STATS && !g->is_array;
}

/* The histograms a statistic (or every element of an array of them) keeps. */
void emit_stat_desc(struct emitter *em, const struct symbol *g)
{
	line(em, "static struct stp_stat_desc g_%s_stat_desc = {", g->cname);
	line(em, "\t.log = %s, .linear = %s,", g->hist_log ? "true" : "false",
	     g->hist_linear ? "true" : "false");
	if (g->hist_linear)
		line(em, "\t.lin_low = %lld, .lin_high = %lld, .lin_step = %lld,", (long long)g->lin_low,
		     (long long)g->lin_high, (long long)g->lin_step);
	line(em, "};");
	if (g->is_array)
		line(em, "static struct stp_stat *g_%s_empty;\t/* what a missing element reads as */",
		     g->cname);
}

/* Before its map is made: the element size, and the empty statistic. */
void emit_stat_array_init(struct emitter *em, const struct symbol *g)
{
	line(em, "\tif (stp_stat_desc_init(&g_%s_stat_desc))", g->cname);
	line(em, "\t\treturn -EINVAL;");
	line(em, "\tg_%s_desc.value_size = stp_stat_size(&g_%s_stat_desc);", g->cname, g->cname);
	line(em, "\tg_%s_empty = vzalloc(stp_stat_size(&g_%s_stat_desc));", g->cname, g->cname);
	line(em, "\tif (!g_%s_empty)", g->cname);
	line(em, "\t\treturn -ENOMEM;");
	line(em, "\tstp_stat_reset(g_%s_empty, &g_%s_stat_desc);", g->cname, g->cname);
}

void emit_stat_globals(struct emitter *em)
{
	struct script *s = &em->sess->script;

	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (!is_stat_global(g))
			continue;
		emit_stat_desc(em, g);
		line(em, "static struct stp_agg *g_%s;", g->cname);
		line(em, "static struct stp_stat *g_%s_merged;", g->cname);
		line(em, "static DEFINE_RWLOCK(lock_%s);", g->cname);
		line(em, "%s", "");
	}
}

void emit_stat_init(struct emitter *em)
{
	struct script *s = &em->sess->script;

	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (!is_stat_global(g))
			continue;
		line(em, "\tif (stp_stat_desc_init(&g_%s_stat_desc))", g->cname);
		line(em, "\t\treturn -EINVAL;");
		line(em, "\tg_%s = stp_agg_new(&g_%s_stat_desc);", g->cname, g->cname);
		line(em, "\tg_%s_merged = vzalloc(stp_stat_size(&g_%s_stat_desc));", g->cname, g->cname);
		line(em, "\tif (!g_%s || !g_%s_merged)", g->cname, g->cname);
		line(em, "\t\treturn -ENOMEM;");
	}
}

void emit_stat_exit(struct emitter *em)
{
	struct script *s = &em->sess->script;

	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (g->used && g->type == TYPE_STATS && g->is_array)
			line(em, "\tvfree(g_%s_empty);", g->cname);
		if (!is_stat_global(g))
			continue;
		line(em, "\tstp_agg_free(g_%s);", g->cname);
		line(em, "\tvfree(g_%s_merged);", g->cname);
	}
}

/* The statistic an aggregate function reads: a global's CPUs merged, or
 * an array element (the empty statistic if there is none). */
static char *stat_of(struct emitter *em, struct expr *arg)
{
	struct symbol *g = arg->sym;

	if (arg->kind == EX_INDEX) {
		char *key = emit_element_key(em, arg);
		char *r = xasprintf("stp_array_stat(g_%s, %s, g_%s_empty)", g->cname, key, g->cname);

		free(key);
		return r;
	}
	return xasprintf("stp_agg_merged(g_%s, g_%s_merged)", g->cname, g->cname);
}

static const char *const parts[] = {
	[BI_COUNT] = "STP_STAT_COUNT", [BI_SUM] = "STP_STAT_SUM", [BI_MIN] = "STP_STAT_MIN",
	[BI_MAX] = "STP_STAT_MAX", [BI_AVG] = "STP_STAT_AVG", [BI_VARIANCE] = "STP_STAT_VARIANCE",
};

/* @count(s), @sum(s), ... */
char *emit_stat_part(struct emitter *em, struct expr *e)
{
	char *st = stat_of(em, e->args.items[0]), *near = near_literal(e->near, &e->loc);
	struct strbuf sb = {0};

	sb_printf(&sb, "stp_stat_part(c, %s, %s, %s)", st, parts[e->builtin->id], near);
	free(st);
	free(near);
	return checked(em, &sb);
}

/* print(@hist_linear(s, ...)) or println(@hist_log(s)). */
void emit_print_hist(struct emitter *em, struct expr *print, int newline)
{
	struct expr *hist = print->args.items[0];
	struct symbol *g = hist->args.items[0]->sym;
	char *st = stat_of(em, hist->args.items[0]);

	line(em, "stp_print_hist(c, %s, &g_%s_stat_desc, %s);", st, g->cname,
	     hist->builtin->id == BI_HIST_LINEAR ? "true" : "false");
	if (newline)
		line(em, "stp_print(c, \"\\n\");");
	free(st);
}

char *emit_stat_add(struct emitter *em, struct expr *e)
{
	struct symbol *g = e->lhs->sym;
	char *v = emit_expr(em, e->rhs), *r;

	if (e->lhs->kind == EX_INDEX) {
		char *key = emit_element_key(em, e->lhs), *near = near_literal(e->lhs->near, &e->lhs->loc);
		struct strbuf sb = {0};

		sb_printf(&sb, "stp_array_stat_add(c, g_%s, %s, &g_%s_stat_desc, %s, %s)", g->cname, key,
			  g->cname, v, near);
		free(key);
		free(near);
		free(v);
		return checked(em, &sb);
	}
	r = xasprintf("stp_agg_add(g_%s, %s)", g->cname, v);
	free(v);
	return r;
}
