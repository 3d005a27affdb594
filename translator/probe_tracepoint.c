/* kernel.trace("SYSTEM:NAME"), kernel.trace("NAME"): the tracepoints of
 * the kernel and of its modules (tracepoints.c finds them in the target
 * kernel's debuginfo vmlinux, in the modules modules.dep lists, through
 * an index kept on disk, and in modules given to -d), with wildcards in
 * both parts.  A pattern without a system matches names in every system,
 * and also the tracepoints that have no trace event, hence no system
 * (they list as kernel.trace("NAME")).  The runtime finds the kernel's by
 * name when the script starts, a module's when the module is (or comes)
 * there, and attaches one handler to each (runtime/tracepoints.c), which
 * lays the arguments out as they are at the entry of
 * __traceiter_NAME(void *__data, ARGS...), so $ARG reads them as a
 * function's parameters, from the debug information of the image that
 * defines the tracepoint. */
#include "probes.h"

#include "dwarf.h"
#include "ksyms.h"
#include "tracepoints.h"

#include <dwarf.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* runtime/tracepoints.c's STP_TRACEPOINT_MAX_ARGS: its handlers take
 * no more. */
#define MAX_ARGS 16


static int tracepoint_matches(const struct ktracepoint *tp, const char *pattern)
{
	const char *colon = strchr(pattern, ':');
	char *system;
	int r;

	if (!colon)
		return !fnmatch(pattern, tp->name, 0);
	if (!tp->system || fnmatch(colon + 1, tp->name, 0))
		return 0;
	system = xstrndup(pattern, colon - pattern);
	r = !fnmatch(system, tp->system, 0);
	free(system);
	return r;
}

/* "sched:sched_switch", or "NAME" for one without a system. */
static char *full_name(const struct ktracepoint *tp)
{
	return tp->system ? xasprintf("%s:%s", tp->system, tp->name) : xstrdup(tp->name);
}

static void say_no_match(const struct tracepoint_table *t, const char *pattern, const struct loc *loc)
{
	struct kfunc_table names = { .n = t->n };	/* to reuse kfunc_similar */
	const char *similar[5];
	int n, with_system = strchr(pattern, ':') != NULL;
	struct strbuf list = {0};

	names.funcs = xcalloc(t->n + 1, sizeof(*names.funcs));
	for (int i = 0; i < t->n; i++)
		names.funcs[i].name = with_system ? full_name(&t->tps[i]) : t->tps[i].name;
	n = kfunc_similar(&names, pattern, similar, 5);
	for (int i = 0; i < n; i++)
		sb_printf(&list, "%s%s", i ? ", " : "", similar[i]);
	if (n)
		diag("semantic", loc, "no match for kernel.trace(\"%s\") (similar tracepoints: %s)", pattern, list.buf);
	else
		diag("semantic", loc, "no match for kernel.trace(\"%s\")", pattern);
	free(list.buf);
}

/* The emit hooks get no context: the kernel is the one resolve saw. */
static const char *target_release;

static int resolve_tracepoint(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx)
{
	const struct tracepoint_table *t;
	const char *pattern;
	char *why = NULL;

	if (!component_is(pp, 0, "kernel") || !component_is(pp, 1, "trace"))
		return 0;
	pattern = component_string(pp, 1, "name");
	if (!pattern)
		return -1;
	if (!*pattern || pattern[strlen(pattern) - 1] == ':' || strchr(pattern, ':') == pattern) {
		diag("semantic", &pp->comps.items[1]->arg->loc, "kernel.trace(\"%s\") needs a tracepoint name, "
		     "as in \"SYSTEM:NAME\" or \"NAME\"", pattern);
		return -1;
	}
	if (pp->comps.len > 2) {
		diag("semantic", &pp->comps.items[2]->loc, "unexpected '.%s' after kernel.trace(\"%s\")",
		     pp->comps.items[2]->name, pattern);
		return -1;
	}
	target_release = ctx->release;
	t = tracepoint_table(ctx->release, &why);
	if (!t) {
		diag("semantic", &pp->comps.items[1]->loc, "%s", why);
		free(why);
		return -1;
	}
	dp->wildcard = strpbrk(pattern, "*?[") != NULL;
	for (int i = 0; i < t->n; i++)
		if (tracepoint_matches(&t->tps[i], pattern))
			vec_push(&dp->symbols, t->tps[i].symbol);
	if (dp->symbols.len)
		return 1;
	if (!pp->optional)
		say_no_match(t, pattern, &pp->comps.items[1]->arg->loc);
	return pp->optional ? 0 : -1;
}

static int argument_names(const struct probe_context *ctx, const char *symbol, const char **names, int max);

/* The runtime's name of a tracepoint: NAME for the kernel's, MODULE:NAME
 * with the name the running kernel knows the module by. */
static void add_runtime_name(struct strbuf *sb, const char *symbol)
{
	char *module = tracepoint_symbol_module(symbol), *name = module ? module_name(module) : NULL;
	char *full = module ? xasprintf("%s:%s", name, tracepoint_symbol_name(symbol)) : xstrdup(symbol);

	sb_add_quoted(sb, full);
	free(full);
	free(name);
	free(module);
}

/* The tracepoints' names, for the runtime to find when the script starts
 * (or their module comes), and how many arguments each passes, for it to
 * pick a handler that reads no more than that.  The count matters only
 * to a handler that reads arguments, and such a handler has one
 * tracepoint (split_probe in elaborate.c): a pattern's others get 0, so
 * kernel.trace("*") opens no module's debug information. */
static void emit_tracepoint_decls(struct strbuf *sb, const struct derived_probe *dp)
{
	struct probe_context ctx = { .release = target_release };

	sb_printf(sb, "static const char *const dp_%d_tracepoints[] = {", dp->index);
	for (int i = 0; i < dp->symbols.len; i++) {
		sb_add(sb, "\n\t");
		add_runtime_name(sb, dp->symbols.items[i]);
		sb_addc(sb, ',');
	}
	sb_printf(sb, "\n};\nstatic const u8 dp_%d_tracepoint_nargs[] = {", dp->index);
	for (int i = 0; i < dp->symbols.len; i++) {
		const char *names[32];
		int n = dp->symbols.len == 1 ? argument_names(&ctx, dp->symbols.items[i], names, 32) : 0;

		sb_printf(sb, "%s%d,", i % 16 ? " " : "\n\t", n < 0 ? 0 : n);	/* unknown: registers only */
	}
	sb_add(sb, "\n};");
}

static void emit_tracepoint_fields(struct strbuf *sb, const struct derived_probe *dp)
{
	sb_printf(sb, ".kind = STP_PROBE_TRACEPOINT, .symbols = dp_%d_tracepoints, .nsymbols = %d, "
		  ".nargs = dp_%d_tracepoint_nargs, .optional = %s, .wildcard = %s", dp->index, dp->symbols.len,
		  dp->index, dp->point->optional ? "true" : "false", dp->wildcard ? "true" : "false");
}

/* The __traceiter_NAME function whose entry the handler imitates. */
static char *iterator_of(const char *symbol)
{
	return xasprintf("__traceiter_%s", tracepoint_symbol_name(symbol));
}

/* The tracepoint's arguments after __data, by name, from the prototype
 * of its __traceiter_ function in its image (the kernel or its module);
 * how many (up to max), -1 without debug information. */
static int argument_names(const struct probe_context *ctx, const char *symbol, const char **names, int max)
{
	struct dwarf_image *im;
	Dwarf_Die fn, child;
	char *why = NULL, *module = tracepoint_symbol_module(symbol), *function = iterator_of(symbol);
	int n = 0, first = 1, found;

	im = dwarf_image(ctx->release, module, &why);
	found = im && dwarf_function(im, function, &fn) == 0;
	free(why);
	free(module);
	free(function);
	if (!found)
		return -1;
	if (dwarf_child(&fn, &child) != 0)
		return 0;
	do {
		if (dwarf_tag(&child) != DW_TAG_formal_parameter)
			continue;
		if (!first && n < max && dwarf_diename(&child))
			names[n++] = dwarf_diename(&child);
		first = 0;	/* void *__data: the probe's own */
	} while (dwarf_siblingof(&child, &child) == 0);
	return n;
}

/* $$parms (and $$vars): "name=0x... name2=0x...", the arguments as hex
 * numbers (SystemTap leaves __data out, as we do); each value is the
 * shared resolver's, "?" for one that is no number. */
static int resolve_parms(struct expr *e, const struct probe_context *ctx, const char *module,
			 const char *function, const char *symbol, int quiet)
{
	const char *names[32];
	struct strbuf fmt = {0}, values = {0};
	struct target_access *a;
	int n = argument_names(ctx, symbol, names, 32);

	if (n < 0) {
		if (!quiet)
			diag("semantic", &e->loc, "target variable %s: no debug information for %s", e->name, function);
		return quiet ? 0 : -1;
	}
	for (int i = 0; i < n; i++) {
		struct expr *v = expr_new(EX_TARGET, e->loc);

		v->op = "$";
		v->name = xasprintf("$%s", names[i]);
		v->near = e->near;
		sb_printf(&fmt, "%s%s=", i ? " " : "", names[i]);
		if (dwarf_resolve_target(ctx, module, function, 0, v, 1) <= 0 || v->access->type != TYPE_LONG ||
		    strchr(v->access->read, '%')) {
			sb_add(&fmt, "?");	/* a struct by value, say */
			continue;
		}
		sb_add(&fmt, "0x%llx");
		sb_printf(&values, ", (unsigned long long)(%s)", v->access->read);
	}
	a = xcalloc(1, sizeof(*a));
	a->type = TYPE_STRING;
	a->read = formatted_access(&fmt, &values);
	e->access = a;
	return 1;
}

static int is_argument(const char *name, const char **names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name + 1, names[i]))
			return 1;
	return 0;
}

static void say_no_argument(const struct expr *e, const char *tracepoint, const char **names, int n)
{
	struct strbuf list = {0};

	for (int i = 0; i < n; i++)
		sb_printf(&list, "%s$%s", i ? " " : "", names[i]);
	diag("semantic", &e->loc, "tracepoint %s has no argument %s (it has: %s)", tracepoint, e->name,
	     n ? list.buf : "none");
	free(list.buf);
}

/* The arguments, as they are at the entry of __traceiter_NAME (where
 * runtime/tracepoints.c puts them), through the shared resolver
 * (target.c) in the image that defines the tracepoint; $$parms is ours,
 * without __data. */
static int resolve_tracepoint_target(struct derived_probe *dp, struct expr *e, const struct probe_context *ctx,
				     int quiet)
{
	const char *names[32], *symbol = dp->symbols.len == 1 ? dp->symbols.items[0] : NULL;
	const char *name = symbol ? tracepoint_symbol_name(symbol) : NULL;
	char *function, *module;
	int r, n;

	if (!symbol)
		return 0;	/* split_probe gives each its own */
	function = iterator_of(symbol);
	module = tracepoint_symbol_module(symbol);
	n = argument_names(ctx, symbol, names, 32);
	if (strcmp(e->op, "$") || n < 0) {
		r = dwarf_resolve_target(ctx, module, function, 0, e, quiet);	/* its errors */
	} else if (!e->pretty && !e->steps.len && !e->addr_of &&
		   (!strcmp(e->name, "$$parms") || !strcmp(e->name, "$$vars"))) {
		r = resolve_parms(e, ctx, module, function, symbol, quiet);
	} else if (!strcmp(e->name, "$$locals")) {
		e->access = xcalloc(1, sizeof(*e->access));	/* a tracepoint has none */
		e->access->type = TYPE_STRING;
		e->access->read = xstrdup("(const char *)\"\"");	/* a pointer: see STP_CHECKED */
		r = 1;
	} else if (!is_argument(e->name, names, n) && strncmp(e->name, "$$", 2)) {
		r = quiet ? 0 : -1;	/* not __data, nor __traceiter's locals */
		if (!quiet)
			say_no_argument(e, name, names, n);
	} else if (n > MAX_ARGS) {
		diag("semantic", &e->loc, "tracepoint %s has more than %d arguments: its target variables can't "
		     "be read", name, MAX_ARGS);
		r = -1;
	} else {
		r = dwarf_resolve_target(ctx, module, function, 0, e, quiet);
	}
	free(module);
	free(function);
	return r;
}

char *tracepoint_point_name(const char *release, const char *symbol, int with_args)
{
	struct probe_context ctx = { .release = release };
	char *why = NULL;
	const struct tracepoint_table *t = tracepoint_table(release, &why);
	const struct ktracepoint *tp = t ? tracepoint_find(t, symbol) : NULL;
	struct strbuf sb = {0}, params = {0};
	char *full = tp ? full_name(tp) : xstrdup(tracepoint_symbol_name(symbol)), *function = iterator_of(symbol);
	char *module = tracepoint_symbol_module(symbol);
	const char *rest;

	sb_printf(&sb, "kernel.trace(\"%s\")", full);
	if (with_args) {	/* the function's parameters, less __data */
		sb_add(&params, "");
		dwarf_list_params(&params, &ctx, module, function, 0);
		rest = !strncmp(params.buf, " $__data:", 9) ? strstr(params.buf + 1, " $") : params.buf;
		sb_add(&sb, rest ? rest : "");
	}
	free(params.buf);
	free(function);
	free(module);
	free(full);
	free(why);
	return sb_steal(&sb);
}

const struct provider tracepoint_provider = {
	.name = "kernel.trace",
	.resolve = resolve_tracepoint,
	.emit_decls = emit_tracepoint_decls,
	.emit_fields = emit_tracepoint_fields,
	.resolve_target = resolve_tracepoint_target,
};
