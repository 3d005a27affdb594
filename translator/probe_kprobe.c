/* kprobe.function("NAME"), kprobe.function("NAME").return and the same
 * under kprobe.module("MODULE"): a kprobe (or kretprobe) on a kernel or
 * module symbol, found by name when the script starts, so KASLR and
 * module load addresses don't matter.  No debug information is needed,
 * and there are no target variables. */
#include "probes.h"

#include "ksyms.h"

#include <stdlib.h>
#include <string.h>

/* A kernel symbol name: what kallsyms could hold, and no wildcard (those
 * need the symbol table that comes with debug information). */
static int valid_symbol(struct probe_point *pp, int i, const char *name)
{
	const struct loc *loc = &pp->comps.items[i]->arg->loc;

	if (strpbrk(name, "*?[")) {
		diag("semantic", loc, "kprobe.function takes one symbol; wildcards need kernel.function");
		return 0;
	}
	if (!*name || strlen(name) > 127 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						  "0123456789_.$") != strlen(name)) {
		diag("semantic", loc, "'%s' is not a kernel symbol name", name);
		return 0;
	}
	return 1;
}

/* kprobe.statement(ADDRESS).absolute: an address of the running kernel,
 * as /proc/kallsyms shows it (guru mode: nothing checks it but the
 * kernel's kprobes). */
static int resolve_absolute(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx,
			    int i)
{
	int64_t addr;

	if (dp->module || component_number(pp, i, &addr, 1) < 0)
		goto usage;
	if (!component_is(pp, i + 1, "absolute") || pp->comps.items[i + 1]->arg || i + 2 < pp->comps.len)
		goto usage;
	if (!ctx->guru) {
		diag("semantic", &pp->comps.items[i + 1]->loc, "kprobe.statement(ADDRESS).absolute needs guru mode "
		     "(stap -g)");
		return -1;
	}
	vec_push(&dp->addresses, (uint64_t)addr);
	return 1;
usage:
	diag("semantic", &pp->loc, "expected kprobe.statement(ADDRESS).absolute");
	return -1;
}

static int resolve_kprobe(struct probe_point *pp, struct derived_probe *dp,
			 const struct probe_context *ctx)
{
	const char *symbol;
	int i = 1;

	if (!component_is(pp, 0, "kprobe"))
		return 0;
	if (component_is(pp, 1, "module")) {
		dp->module = component_string(pp, 1, "name");
		if (!dp->module || !valid_symbol(pp, 1, dp->module))
			return -1;
		i = 2;
	}
	if (component_is(pp, i, "statement"))
		return resolve_absolute(pp, dp, ctx, i);
	if (!component_is(pp, i, "function")) {
		diag("semantic", &pp->loc, "expected kprobe.function(\"NAME\") or "
		     "kprobe.module(\"MODULE\").function(\"NAME\"), with an optional .return");
		return -1;
	}
	symbol = component_string(pp, i, "name");
	if (!symbol || !valid_symbol(pp, i, symbol))
		return -1;
	vec_push(&dp->symbols, symbol);
	if (component_is(pp, i + 1, "return") && !pp->comps.items[i + 1]->arg) {
		dp->is_return = 1;
		i++;
	}
	if (i + 1 < pp->comps.len) {
		diag("semantic", &pp->comps.items[i + 1]->loc, "unexpected '.%s' in a kprobe point",
		     pp->comps.items[i + 1]->name);
		return -1;
	}
	return 1;
}

/* The symbols' names, "MODULE:NAME" for a module's, for the runtime to
 * register one kprobe each (shared with kernel.function). */
void emit_kprobe_decls(struct strbuf *sb, const struct derived_probe *dp)
{
	if (dp->addresses.len) {	/* .absolute */
		sb_printf(sb, "static const unsigned long dp_%d_addresses[] = {", dp->index);
		for (int i = 0; i < dp->addresses.len; i++)
			sb_printf(sb, "%s0x%llxUL", i ? ", " : " ", (unsigned long long)dp->addresses.items[i]);
		sb_add(sb, " };");
		return;
	}
	sb_printf(sb, "static const char *const dp_%d_symbols[] = {", dp->index);
	for (int i = 0; i < dp->symbols.len; i++) {
		const char *of = dp->modules.len ? dp->modules.items[i] : dp->module;
		char *module = of ? module_name(of) : NULL;
		char *name = xasprintf("%s%s%s", module ? module : "", module ? ":" : "", dp->symbols.items[i]);

		sb_add(sb, "\n\t");
		sb_add_quoted(sb, name);	/* names are checked, but C stays C */
		sb_addc(sb, ',');
		free(name);
		free(module);
	}
	sb_add(sb, "\n};");
	if (dp->wheres.len) {	/* kernel.function: for pp() */
		sb_printf(sb, "\nstatic const char *const dp_%d_wheres[] = {", dp->index);
		for (int i = 0; i < dp->wheres.len; i++) {
			sb_add(sb, "\n\t");
			if (dp->wheres.items[i])
				sb_add_quoted(sb, dp->wheres.items[i]);
			else
				sb_add(sb, "NULL");
			sb_addc(sb, ',');
		}
		sb_add(sb, "\n};");
	}
	if (dp->offsets.len) {	/* kernel.statement: where in each function */
		sb_printf(sb, "\nstatic const unsigned int dp_%d_offsets[] = {", dp->index);
		for (int i = 0; i < dp->offsets.len; i++)
			sb_printf(sb, "%s0x%llx", i ? ", " : " ", (unsigned long long)dp->offsets.items[i]);
		sb_add(sb, " };");
	}
	emit_entry_saves(sb, dp);
}

void emit_kprobe_fields(struct strbuf *sb, const struct derived_probe *dp)
{
	if (dp->addresses.len) {
		sb_printf(sb, ".kind = STP_PROBE_KPROBE, .addresses = dp_%d_addresses, .nsymbols = %d, "
			  ".optional = %s", dp->index, dp->addresses.len, dp->point->optional ? "true" : "false");
		return;
	}
	sb_printf(sb, ".kind = STP_PROBE_KPROBE, .symbols = dp_%d_symbols, .nsymbols = %d, "
		  ".is_return = %s, .optional = %s, .wildcard = %s", dp->index, dp->symbols.len,
		  dp->is_return ? "true" : "false", dp->point->optional ? "true" : "false",
		  dp->wildcard ? "true" : "false");
	if (dp->offsets.len)
		sb_printf(sb, ", .offsets = dp_%d_offsets", dp->index);
	if (dp->wheres.len)
		sb_printf(sb, ", .wheres = dp_%d_wheres", dp->index);
	emit_entry_fields(sb, dp);
}

/* Without debug information a kprobe knows one target variable: $return
 * of a .return probe, the number the function left in rax (the tapset's
 * syscall.*.return aliases are such probes).  Guru mode may change it. */
static int kprobe_target(struct derived_probe *dp, struct expr *e, const struct probe_context *ctx, int quiet)
{
	if (is_plain_return(dp, e, ctx)) {
		e->access = xcalloc(1, sizeof(*e->access));
		e->access->type = TYPE_LONG;
		e->access->read = xstrdup("(int64_t)c->regs->ax");
		e->access->write = xstrdup("(c->regs->ax = (unsigned long)%V)");
		e->access->write_needs_guru = 1;
		return 1;
	}
	if (!quiet)
		diag("semantic", &e->loc, "target variable %s is not available in %s (no debug information: a kprobe "
		     "has only $return, as a number, in .return)", e->name, dp->point->text);
	return quiet ? 0 : -1;
}

const struct provider kprobe_provider = {
	.name = "kprobe",
	.resolve = resolve_kprobe,
	.resolve_target = kprobe_target,
	.emit_decls = emit_kprobe_decls,
	.emit_fields = emit_kprobe_fields,
};
