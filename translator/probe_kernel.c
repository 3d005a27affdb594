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

#include "ksyms.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct function_query {
	const char *module;	/* NULL: the kernel */
	const char *pattern;
	int is_return, exported_only;
	const struct probe_component *where;	/* the function("...") component */
};

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
		if (strpbrk(q->module, "*?[")) {
			diag("semantic", &pp->comps.items[0]->arg->loc, "module(\"NAME\") takes one module's name "
			     "(no wildcards yet)");
			return -1;
		}
		i = 1;
	} else {
		return 0;
	}
	if (component_is(pp, i, "statement") || component_is(pp, i, "trace")) {
		diag("semantic", &pp->comps.items[i]->loc, "%s.%s needs the DWARF support, not there yet",
		     pp->comps.items[0]->name, pp->comps.items[i]->name);
		return -1;
	}
	if (!component_is(pp, i, "function")) {
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
	if (strchr(q->pattern, '@')) {
		diag("semantic", &q->where->arg->loc, "@FILE and @FILE:LINE need the DWARF support, not there yet");
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
		else if (strcmp(c->name, "call"))
			goto bad;
	}
	return 1;
bad:
	diag("semantic", &pp->comps.items[i]->loc, "unexpected '.%s' after function(\"%s\")%s",
	     pp->comps.items[i]->name, q->pattern,
	     !strcmp(pp->comps.items[i]->name, "inline") ? " (.inline needs the DWARF support)" : "");
	return -1;
}

/* The classic spelling of a system call's function, on a kernel whose
 * entry points are __x64_sys_NAME: the pattern that finds them. */
static char *syscall_alias(const char *pattern)
{
	return !strncmp(pattern, "sys_", 4) ? xasprintf("__x64_%s", pattern) : NULL;
}

/* Adds the functions of t matching pattern to dp; counts the skipped ones
 * by reason.  Returns how many matched at all. */
static int match_functions(const struct kfunc_table *t, const struct function_query *q, const char *pattern,
			   struct derived_probe *dp, const char **reasons, int *counts, int nreasons)
{
	int matched = 0;

	for (int i = 0; i < t->n; i++) {
		const struct kfunc *f = &t->funcs[i];
		const char *why;
		int r;

		if (fnmatch(pattern, f->name, 0) || (q->exported_only && !f->exported))
			continue;
		matched++;
		why = f->why_not ? f->why_not : dp->wildcard ? f->why_by_name : NULL;
		if (!why) {
			vec_push(&dp->symbols, f->name);
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

static void say_no_match(const struct kfunc_table *t, const struct function_query *q)
{
	const char *similar[5];
	int n = kfunc_similar(t, q->pattern, similar, 5);
	char list[512] = "";

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

static int resolve_kernel_function(struct probe_point *pp, struct derived_probe *dp,
				   const struct probe_context *ctx)
{
	struct function_query q = {0};
	const struct kfunc_table *t;
	const char *reasons[16] = {0};
	int counts[16] = {0}, matched, skipped = 0, r = parse_query(pp, &q);
	char *why = NULL, *alias;
	struct strbuf why_skipped = {0};

	if (r <= 0)
		return r;
	t = kfunc_table(ctx->release, q.module, &why);
	if (!t) {
		diag("semantic", &q.where->loc, "%s", why);
		return -1;
	}
	dp->module = q.module;
	dp->is_return = q.is_return;
	dp->wildcard = strpbrk(q.pattern, "*?[") != NULL;
	matched = match_functions(t, &q, q.pattern, dp, reasons, counts, 16);
	alias = matched ? NULL : syscall_alias(q.pattern);
	if (alias && (matched = match_functions(t, &q, alias, dp, reasons, counts, 16)) && ctx->verbose)
		fprintf(stderr, "%s: function(\"%s\") is %s on this kernel\n", pp->text, q.pattern, alias);
	free(alias);
	for (int i = 0; i < 16 && reasons[i]; i++) {
		skipped += counts[i];
		sb_printf(&why_skipped, "%s%d %s", i ? ", " : "", counts[i], reasons[i]);
	}
	if (ctx->verbose && skipped)
		fprintf(stderr, "%s: %d of %d matching functions skipped: %s\n", pp->text, skipped, matched,
			why_skipped.buf);
	if (dp->symbols.len) {
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
	if (!pp->optional)
		say_no_match(t, &q);
	return pp->optional ? 0 : -1;
}

const struct provider kernel_function_provider = {
	.name = "kernel.function",
	.resolve = resolve_kernel_function,
	.emit_decls = emit_kprobe_decls,
	.emit_fields = emit_kprobe_fields,
};
