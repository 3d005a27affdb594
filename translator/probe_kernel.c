/* kernel.function("PATTERN") and module("NAME").function("PATTERN"), with
 * .call, .return and .exported: the functions of the target kernel (or
 * module) whose names match PATTERN, from its symbol table (ksyms.c), each
 * a kprobe placed by name when the script starts.  A pattern skips what
 * can't be probed safely, and -v says how many and why; a name that
 * matches nothing is an error listing the closest names.  The classic
 * system call names (sys_open) find today's entry points (__x64_sys_open).
 *
 * Not yet: @FILE and @FILE:LINE qualifiers, .inline, kernel.statement and
 * target variables, which need the DWARF side. */
#include "probes.h"

#include "dwarf.h"
#include "ksyms.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct function_query {
	const char *module;	/* NULL: the kernel */
	char *module_pattern;	/* module("PATTERN"): of the modules' names */
	const char *pattern;	/* of the function's name */
	char *file;		/* FUNC@FILE: of its source file, or NULL */
	int line;		/* FUNC@FILE:LINE: the line it starts at, or 0 */
	int line_hi;		/* kernel.statement("F@FILE:LO-HI"), or LINE; "*": all */
	int statement;		/* kernel.statement: LINE is a line of its body */
	int inlined;		/* .inline: where the functions were inlined */
	char *why_no_line;	/* kernel.statement: why the last one had none */
	const struct probe_context *ctx;
	int is_return, exported_only, call_only;
	const struct probe_component *where;	/* the function("...") component */
};

/* "NAME@FILE" or "NAME@FILE:LINE": the parts, into q. */
static int split_file_pattern(struct function_query *q)
{
	struct function_spec spec;

	if (function_spec_parse(q->pattern, &q->where->arg->loc, &spec) < 0)
		return -1;
	q->pattern = spec.name;
	q->file = spec.file;
	q->line = spec.line;
	q->line_hi = spec.line_hi;
	return 0;
}

/* FUNC@FILE[:LINE]: where the debug information says f is defined (for
 * kernel.statement, any of its lines will do: see add_statements). */
static int in_file(struct function_query *q, const char *name)
{
	char *where = dwarf_function_where(q->ctx, q->module, name), *colon;
	int ok;

	if (!where)
		return 0;
	colon = strrchr(where, ':');
	*colon = '\0';
	ok = function_file_matches(q->file, where) && (q->statement || !q->line || atoi(colon + 1) == q->line);
	free(where);
	return ok;
}

/* Parses kernel.function("P") / module("M").function("P") and their
 * suffixes into q; 0 if pp isn't one of ours, -1 if it is but wrong. */
static int parse_query(struct probe_point *pp, struct function_query *q)
{
	int i;

	if (component_is(pp, 0, "kernel")) {
		i = 1;
	} else if (component_is(pp, 0, "module")) {
		q->module = component_string(pp, 0, "name");
		if (!q->module)
			return -1;
		if (!strchr(q->module, '/') && strpbrk(q->module, "*?[")) {
			q->module_pattern = module_name(q->module);	/* as the kernel spells names */
			q->module = NULL;
		}
		i = 1;
	} else {
		return 0;
	}
	if (component_is(pp, i, "trace"))
		return 0;	/* probe_tracepoint.c's, when it matched nothing optional */
	q->statement = component_is(pp, i, "statement");
	if (q->statement && pp->comps.items[i]->arg && pp->comps.items[i]->arg->kind == EX_NUMBER) {
		q->where = pp->comps.items[i];
		return 2;	/* statement(ADDRESS): see resolve_address */
	}
	if (!q->statement && !component_is(pp, i, "function")) {
		diag("semantic", &pp->loc, "expected %s.function(\"PATTERN\")", pp->comps.items[0]->name);
		return -1;
	}
	q->where = pp->comps.items[i];
	q->pattern = component_string(pp, i, "pattern");
	if (!q->pattern)
		return -1;
	if (!*q->pattern) {
		diag("semantic", &q->where->arg->loc, "function(\"\") needs a pattern");
		return -1;
	}
	if (strchr(q->pattern, '@') && split_file_pattern(q) < 0)
		return -1;
	if (q->statement && !q->line) {
		diag("semantic", &q->where->arg->loc, "statement(\"%s\") needs a line: FUNCTION@FILE:LINE", q->pattern);
		return -1;
	}
	if (q->statement && i + 1 < pp->comps.len) {
		diag("semantic", &pp->comps.items[i + 1]->loc, "unexpected '.%s' after statement(\"...\")",
		     pp->comps.items[i + 1]->name);
		return -1;
	}
	for (i++; i < pp->comps.len; i++) {
		struct probe_component *c = pp->comps.items[i];

		if (c->arg)
			goto bad;
		if (!strcmp(c->name, "return"))
			q->is_return = 1;
		else if (!strcmp(c->name, "exported"))
			q->exported_only = 1;
		else if (!strcmp(c->name, "inline"))
			q->inlined = 1;
		else if (!strcmp(c->name, "call"))
			q->call_only = 1;
		else
			goto bad;
	}
	if (q->inlined && (q->is_return || q->exported_only || q->file || q->call_only)) {
		diag("semantic", &pp->loc, ".inline takes no .call, .return, .exported or @FILE");
		return -1;
	}
	return 1;
bad:
	diag("semantic", &pp->comps.items[i]->loc, "unexpected '.%s' after function(\"%s\")", pp->comps.items[i]->name,
	     q->pattern);
	return -1;
}

struct inline_sites {
	const struct kfunc_table *table;
	struct derived_probe *dp;
	int skipped;
};

/* An inline instance becomes a kprobe inside the function that holds it,
 * if that function may be probed. */
static void add_inline_site(void *arg, const char *function, uint64_t offset)
{
	struct inline_sites *s = arg;
	const struct kfunc *f = kfunc_find(s->table, function);

	if (!f || f->why_not || f->why_by_name) {
		s->skipped++;
		return;
	}
	vec_push(&s->dp->symbols, f->name);
	vec_push(&s->dp->offsets, offset);
}

/* Adds to dp the places q->pattern was inlined (copies: those of the one
 * function of that name, see dwarf_inline_copies).  How many sites were
 * skipped (in functions that can't be probed), or -1 with *why set when
 * there is no debug information. */
static int add_inline_sites(struct derived_probe *dp, const struct function_query *q, const struct kfunc_table *t,
			    int copies, char **why)
{
	struct inline_sites sites = { .table = t, .dp = dp };
	struct dwarf_image *im = dwarf_image(q->ctx->release, q->module, why);

	if (!im)
		return -1;
	if (copies)
		dwarf_inline_copies(im, q->pattern, add_inline_site, &sites);
	else
		dwarf_inline_instances(im, q->pattern, add_inline_site, &sites);
	return sites.skipped;
}

/* kernel.function("PATTERN").inline: 1, 0 (optional, none), or -1. */
static int resolve_inline(struct probe_point *pp, struct derived_probe *dp, const struct function_query *q,
			  const struct kfunc_table *t, const struct probe_context *ctx)
{
	char *why = NULL;
	int skipped = add_inline_sites(dp, q, t, 0, &why);

	if (skipped < 0) {
		diag("semantic", &q->where->loc, "%s", why);
		return -1;
	}
	dp->wildcard = 1;	/* many sites: one failing is no reason to stop */
	if (ctx->verbose)
		fprintf(stderr, "%s: %d inline sites, %d more skipped (in functions that can't be probed)\n",
			pp->text, dp->symbols.len, skipped);
	if (dp->symbols.len)
		return 1;
	if (!pp->optional)
		diag("semantic", &q->where->arg->loc, "no inline instance of \"%s\" in %s%s", q->pattern,
		     q->module ? q->module : "the kernel", skipped ? " that can be probed" : "");
	return pp->optional ? 0 : -1;
}

/* kernel.function("NAME") (not .call or .return) is also each place
 * NAME was inlined, as in SystemTap: those sites follow the out-of-line
 * copy in dp, from dp->inline_from on, each at an offset into the
 * function that holds it (the out-of-line copy's is 0). */
static void add_inline_copies(struct probe_point *pp, struct derived_probe *dp, const struct function_query *q,
			      const struct kfunc_table *t, const struct probe_context *ctx)
{
	char *why = NULL;
	int first = dp->symbols.len, skipped;

	for (int i = dp->offsets.len; i < first; i++)
		vec_push(&dp->offsets, 0);
	skipped = add_inline_sites(dp, q, t, 1, &why);
	free(why);
	if (dp->symbols.len == first) {	/* none (or no debug information) */
		dp->offsets.len = 0;
		return;
	}
	dp->inline_from = first;
	dp->wildcard = 1;	/* many sites: one refused is no reason to stop */
	if (ctx->verbose)
		fprintf(stderr, "%s: also %d inline copies (%d more in functions that can't be probed)\n", pp->text,
			dp->symbols.len - first, skipped);
}

/* The classic spelling of a system call's function, on a kernel whose
 * entry points are __x64_sys_NAME: the pattern that finds them. */
static char *syscall_alias(const char *pattern)
{
	return !strncmp(pattern, "sys_", 4) ? xasprintf("__x64_%s", pattern) : NULL;
}

/* Adds the functions of t matching pattern to dp; counts the skipped ones
 * by reason.  Returns how many matched at all. */
struct statement_sink {
	struct derived_probe *dp;
	const char *function;
};

static void add_statement(void *arg, int line, uint64_t offset)
{
	struct statement_sink *s = arg;

	vec_push(&s->dp->symbols, s->function);
	vec_push(&s->dp->offsets, offset);
	vec_push(&s->dp->lines, line);
}

/* kernel.statement: one kprobe per line with code in f; 0, or -1 (with
 * q->why_no_line) if it has none. */
static int add_statements(struct function_query *q, const struct kfunc *f, struct derived_probe *dp)
{
	struct statement_sink sink = { dp, f->name };

	free(q->why_no_line);
	q->why_no_line = NULL;
	return dwarf_statement_lines(q->ctx, q->module, f->name, q->line, q->line_hi, add_statement, &sink,
				     &q->why_no_line) < 0 ? -1 : 0;
}

static int match_functions(const struct kfunc_table *t, struct function_query *q, const char *pattern,
			   struct derived_probe *dp, const char **reasons, int *counts, int nreasons)
{
	int matched = 0;

	for (int i = 0; i < t->n; i++) {
		const struct kfunc *f = &t->funcs[i];
		const char *why;
		int r;

		if (fnmatch(pattern, f->name, 0) || (q->exported_only && !f->exported))
			continue;
		if (q->file && !in_file(q, f->name))
			continue;
		why = f->why_not ? f->why_not : dp->wildcard ? f->why_by_name : NULL;
		if (!why && q->statement && add_statements(q, f, dp) < 0)
			continue;	/* no such line in it */
		matched++;
		if (!why) {
			if (!q->statement)
				vec_push(&dp->symbols, f->name);
			while (q->module_pattern && dp->modules.len < dp->symbols.len)
				vec_push(&dp->modules, q->module);
			continue;
		}
		for (r = 0; r < nreasons && reasons[r] && strcmp(reasons[r], why); r++)
			;
		if (r < nreasons) {
			reasons[r] = why;
			counts[r]++;
		}
	}
	return matched;
}

/* Each function's "FILE:LINE", which pp() shows as SystemTap does:
 * kernel.function("vfs_read@fs/read_write.c:450"), also for a point
 * written "vfs_read@fs/read_write.c".  Inline copies (and
 * every function, without debug information) have none. */
static void add_wheres(struct derived_probe *dp, const struct probe_context *ctx)
{
	int functions = dp->inline_from ? dp->inline_from : dp->symbols.len, found = 0;

	for (int i = 0; i < dp->symbols.len; i++) {
		char *where = i < functions ? dwarf_function_where(ctx, dp->module, dp->symbols.items[i]) : NULL;

		found |= where != NULL;
		vec_push(&dp->wheres, where);
	}
	if (!found) {
		free(dp->wheres.items);
		memset(&dp->wheres, 0, sizeof(dp->wheres));
	}
}

static void say_no_match(const struct kfunc_table *t, const struct function_query *q)
{
	const char *similar[5];
	int n;
	char list[512] = "";

	if (q->file) {	/* names like the pattern elsewhere would not help */
		diag("semantic", &q->where->arg->loc, "no match for function(\"%s\") in %s: no function '%s' in a "
		     "source file matching '%s'", q->where->arg->str, q->module ? q->module : "the kernel", q->pattern,
		     q->file);
		return;
	}
	n = kfunc_similar(t, q->pattern, similar, 5);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", similar[i]);
	}
	if (n)
		diag("semantic", &q->where->arg->loc, "no match for function(\"%s\") in %s (similar functions: %s)",
		     q->pattern, q->module ? q->module : "the kernel", list);
	else
		diag("semantic", &q->where->arg->loc, "no match for function(\"%s\") in %s", q->pattern,
		     q->module ? q->module : "the kernel");
}

/* kernel.statement(ADDRESS): ADDRESS as the image has it (as nm shows
 * it), probed at run time relative to the function that holds it (or to
 * _stext, if another function has its name), so KASLR doesn't matter;
 * its $vars are that function's there.  With .absolute (guru mode): an
 * address of the running kernel, used as it is, without debug information. */
static int resolve_address(struct probe_point *pp, struct derived_probe *dp, const struct function_query *q,
			   const struct probe_context *ctx)
{
	uint64_t addr = (uint64_t)q->where->arg->num;
	int absolute = component_is(pp, 2, "absolute") && !pp->comps.items[2]->arg;
	const struct kfunc_table *t;
	const struct kfunc *f;
	char *why = NULL;

	if (pp->comps.len > 2 + absolute) {
		diag("semantic", &pp->comps.items[2 + absolute]->loc, "unexpected '.%s' after statement(ADDRESS)%s",
		     pp->comps.items[2 + absolute]->name, absolute ? ".absolute" : "");
		return -1;
	}
	if (q->module) {
		diag("semantic", &q->where->loc, "module(\"%s\").statement(ADDRESS) is not supported: use "
		     "statement(\"FUNCTION@FILE:LINE\") or kprobe.statement(ADDRESS).absolute", q->module);
		return -1;
	}
	if (absolute) {
		if (!ctx->guru) {
			diag("semantic", &pp->comps.items[2]->loc, "statement(ADDRESS).absolute needs guru mode (stap -g)");
			return -1;
		}
		vec_push(&dp->addresses, addr);
		return 1;
	}
	t = kfunc_table(ctx->release, NULL, &why);
	if (!t) {
		diag("semantic", &q->where->loc, "%s", why);
		free(why);
		return -1;
	}
	f = kfunc_at(t, addr);
	if (!f) {
		diag("semantic", &q->where->arg->loc, "0x%llx is not in any function of the kernel (for an address "
		     "of the running kernel, add .absolute)", (unsigned long long)addr);
		return -1;
	}
	if (f->why_not) {
		diag("semantic", &q->where->arg->loc, "0x%llx is in %s, which can't be probed: %s",
		     (unsigned long long)addr, f->name, f->why_not);
		return -1;
	}
	if (!f->unique && !t->stext) {
		diag("semantic", &q->where->arg->loc, "0x%llx is in %s, a name several functions have, and the kernel "
		     "has no _stext to place it by", (unsigned long long)addr, f->name);
		return -1;
	}
	if (ctx->verbose)
		fprintf(stderr, "%s: %s+0x%llx\n", pp->text, f->name, (unsigned long long)(addr - f->addr));
	vec_push(&dp->symbols, f->unique ? f->name : "_stext");
	vec_push(&dp->offsets, addr - (f->unique ? f->addr : t->stext));
	dp->link_address = addr;
	return 1;
}

/* module("PATTERN"): the functions of every module of the kernel whose
 * name matches; how many matched (*nmodules: in how many modules). */
static int match_module_functions(struct function_query *q, struct derived_probe *dp, const char **reasons,
				  int *counts, int nreasons, int *nmodules)
{
	const struct kmodule *mods;
	int n = kernel_modules(q->ctx->release, &mods), matched = 0;

	for (int i = 0; i < n; i++) {
		const struct kfunc_table *t;
		char *why = NULL;

		if (fnmatch(q->module_pattern, mods[i].name, 0))
			continue;
		(*nmodules)++;
		q->module = mods[i].name;
		t = kfunc_table(q->ctx->release, q->module, &why);
		free(why);
		if (t)
			matched += match_functions(t, q, q->pattern, dp, reasons, counts, nreasons);
	}
	q->module = NULL;
	return matched;
}

/* Whether all of dp's symbols are of one module (then dp->module). */
static int one_module(struct derived_probe *dp)
{
	for (int i = 1; i < dp->modules.len; i++)
		if (strcmp(dp->modules.items[i], dp->modules.items[0]))
			return 0;
	dp->module = dp->modules.len ? dp->modules.items[0] : NULL;
	return dp->modules.len > 0;
}

static int resolve_module_pattern(struct probe_point *pp, struct derived_probe *dp, struct function_query *q)
{
	const char *reasons[16] = {0};
	int counts[16] = {0}, nmodules = 0, matched;

	if (q->inlined) {
		diag("semantic", &pp->loc, "module(\"%s\").function(...).inline: name one module", q->module_pattern);
		return -1;
	}
	dp->is_return = q->is_return;
	dp->wildcard = 1;	/* modules not loaded, functions that can't be probed: no reason to stop */
	matched = match_module_functions(q, dp, reasons, counts, 16, &nmodules);
	if (q->ctx->verbose)
		fprintf(stderr, "%s: %d functions in %d modules matching \"%s\"\n", pp->text, dp->symbols.len,
			nmodules, q->module_pattern);
	if (one_module(dp))
		dp->modules.len = 0;	/* dp->module says it for all */
	if (dp->symbols.len || pp->optional)
		return dp->symbols.len ? 1 : 0;
	if (matched)
		diag("semantic", &q->where->arg->loc, "none of the %d functions matching \"%s\" in modules \"%s\" can "
		     "be probed (%d %s%s)", matched, q->pattern, q->module_pattern, counts[0], reasons[0],
		     reasons[1] ? ", ..." : "");
	else if (!nmodules)
		diag("semantic", &pp->comps.items[0]->arg->loc, "no module of the kernel matches \"%s\"",
		     q->module_pattern);
	else
		diag("semantic", &q->where->arg->loc, "no match for function(\"%s\") in any module matching \"%s\"",
		     q->pattern, q->module_pattern);
	return -1;
}

static int resolve_kernel_function(struct probe_point *pp, struct derived_probe *dp,
				   const struct probe_context *ctx)
{
	struct function_query q = { .ctx = ctx };
	const struct kfunc_table *t;
	const char *reasons[16] = {0};
	int counts[16] = {0}, matched, skipped = 0, r = parse_query(pp, &q);
	char *why = NULL, *alias;
	struct strbuf why_skipped = {0};

	if (r <= 0)
		return r;
	if (r == 2)
		return resolve_address(pp, dp, &q, ctx);
	if (q.module_pattern)
		return resolve_module_pattern(pp, dp, &q);
	t = kfunc_table(ctx->release, q.module, &why);
	if (!t && !q.module && !q.file && !q.statement && !q.inlined && !q.exported_only &&
	    !strpbrk(q.pattern, "*?[")) {
		/* no debug vmlinux: the kernel finds the name when the script
		 * starts, as for kprobe.function (target variables will say
		 * which package would provide them) */
		if (ctx->verbose)
			fprintf(stderr, "%s: %s; probing '%s' by name\n", pp->text, why, q.pattern);
		vec_push(&dp->symbols, q.pattern);
		dp->is_return = q.is_return;
		free(why);
		return 1;
	}
	if (!t) {
		diag("semantic", &q.where->loc, "%s", why);
		return -1;
	}
	dp->module = q.module;
	dp->is_return = q.is_return;
	if (q.inlined)
		return resolve_inline(pp, dp, &q, t, ctx);
	dp->wildcard = strpbrk(q.pattern, "*?[") != NULL;
	matched = match_functions(t, &q, q.pattern, dp, reasons, counts, 16);
	alias = matched ? NULL : syscall_alias(q.pattern);
	if (alias && (matched = match_functions(t, &q, alias, dp, reasons, counts, 16)) && ctx->verbose)
		fprintf(stderr, "%s: function(\"%s\") is %s on this kernel\n", pp->text, q.pattern, alias);
	free(alias);
	if (q.statement && dp->symbols.len > 1)
		dp->wildcard = 1;	/* many lines: one refused is no reason to stop */
	if (!dp->wildcard && !q.is_return && !q.call_only && !q.exported_only && !q.file && !q.statement)
		add_inline_copies(pp, dp, &q, t, ctx);
	for (int i = 0; i < 16 && reasons[i]; i++) {
		skipped += counts[i];
		sb_printf(&why_skipped, "%s%d %s", i ? ", " : "", counts[i], reasons[i]);
	}
	if (ctx->verbose && skipped)
		fprintf(stderr, "%s: %d of %d matching functions skipped: %s\n", pp->text, skipped, matched,
			why_skipped.buf);
	if (dp->symbols.len) {
		if (!q.statement)
			add_wheres(dp, ctx);
		free(why_skipped.buf);
		return 1;
	}
	if (matched && !pp->optional) {
		if (dp->wildcard)
			diag("semantic", &q.where->arg->loc, "none of the %d functions matching \"%s\" can be "
			     "probed (%s)", matched, q.pattern, why_skipped.buf);
		else
			diag("semantic", &q.where->arg->loc, "function(\"%s\") can't be probed: %s", q.pattern,
			     reasons[0]);
		free(why_skipped.buf);
		return -1;
	}
	free(why_skipped.buf);
	if (!pp->optional && q.why_no_line && !dp->wildcard)
		diag("semantic", &q.where->arg->loc, "%s", q.why_no_line);
	else if (!pp->optional)
		say_no_match(t, &q);
	return pp->optional ? 0 : -1;
}

/* $vars of one function (elaborate.c gives each its own handler). */
static int kernel_function_target(struct derived_probe *dp, struct expr *e, const struct probe_context *ctx,
				  int quiet)
{
	if (dp->link_address)
		return dwarf_resolve_target_pc(ctx, NULL, dp->link_address, e, quiet);
	if (dp->symbols.len != 1)
		return 0;
	if (dp->offsets.len)
		return dwarf_resolve_target_at(ctx, dp->module, dp->symbols.items[0], dp->offsets.items[0], e, quiet);
	if (ctx->at_entry)	/* @entry(expression): the entry handler reads it */
		return dwarf_resolve_target(ctx, dp->module, dp->symbols.items[0], 0, e, quiet);
	return dwarf_resolve_target_saving(ctx, dp->module, dp->symbols.items[0], dp->is_return, 0, e, quiet,
					   &dp->entry_saves);
}

const struct provider kernel_function_provider = {
	.name = "kernel.function",
	.resolve = resolve_kernel_function,
	.resolve_target = kernel_function_target,
	.emit_decls = emit_kprobe_decls,
	.emit_fields = emit_kprobe_fields,
};
