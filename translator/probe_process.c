/* process("PATH").function("PATTERN") with .call or .return,
 * process("PATH").library("LIB").function("PATTERN") and their .return:
 * a uprobe on each function's first instruction, placed by file and
 * offset (runtime/uprobes.c), so every process that runs the program or
 * maps the library is probed, PIE or not, started before the script or
 * after it.  PATH is found as a shell finds a command; LIB among the
 * libraries the program needs (or a path).  Functions come from the ELF
 * symbol table; target variables from the file's DWARF (target.c, reading
 * the process's memory), or without it only $return.
 *
 * process("PATH").mark("NAME") and .provider("P").mark("NAME") (either
 * may be a pattern, also after .library): the statically defined markers
 * <sys/sdt.h> leaves in .note.stapsdt (sdt.c), with $arg1..$argN,
 * $$name, $$provider and $$parms; a marker's semaphore is raised while
 * the probe is in place. */
#include "probes.h"

#include "dwarf.h"
#include "sdt.h"
#include "target_process.h"
#include "uelf.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"expected process(\"PATH\").function(\"PATTERN\")[.call|.return], "
	"process(\"PATH\").statement(\"FUNCTION@FILE:LINE\") or "
	"process(\"PATH\")[.provider(\"P\")].mark(\"NAME\"), optionally with .library(\"LIB\") after "
	"process(...)";

/* process(PID): the program the process runs on the machine the module
 * will run on, and only that process (dp->upid). */
static char *pid_program(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx)
{
	struct probe_component *c = pp->comps.items[0];
	char *program, *why = NULL;

	if (c->arg->num <= 0 || c->arg->num > INT32_MAX) {
		diag("semantic", &c->arg->loc, "process(%lld): not a process id", (long long)c->arg->num);
		return NULL;
	}
	program = target_process_program(ctx->remote, (long)c->arg->num, &why);
	if (!program) {
		diag("semantic", &c->arg->loc, "process(%lld): %s", (long long)c->arg->num, why);
		free(why);
		return NULL;
	}
	dp->upid = (int)c->arg->num;
	return program;
}

/* The program of process("NAME"), or of process without a name: -c's
 * (or -x's), whose process alone it is then about (dp->utarget); NULL
 * (reported) if there is none. */
static char *point_program(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx)
{
	struct probe_component *c = pp->comps.items[0];
	char *program;

	if (c->arg && c->arg->kind == EX_NUMBER)
		return pid_program(pp, dp, ctx);
	if (!c->arg && ctx->target_pid && !ctx->target_cmd) {
		char *why = NULL;

		program = target_process_program(ctx->remote, ctx->target_pid, &why);
		if (!program) {
			diag("semantic", &c->loc, "process: the program of -x %ld: %s", ctx->target_pid, why);
			free(why);
		}
		dp->utarget = 1;
		return program;
	}
	if (!c->arg) {
		if (!ctx->target_cmd) {
			diag("semantic", &c->loc, "process without a program probes the program of -c CMD or -x PID: "
			     "use one, or name it, as in process(\"/usr/bin/ls\")");
			return NULL;
		}
		program = uelf_command_program(ctx->target_cmd);
		if (!program)
			diag("semantic", &c->loc, "process: the program of -c '%s' is not found", ctx->target_cmd);
		dp->utarget = 1;
		return program;
	}
	program = uelf_find_program(c->arg->str);
	if (!program)
		diag("semantic", &c->arg->loc, "process(\"%s\"): no such program%s", c->arg->str,
		     strchr(c->arg->str, '/') ? "" : " in $PATH");
	return program;
}

/* The files the point names: the program, or its libraries matching LIB;
 * the index of the component after them, or -1 (reported). */
static int point_files(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx,
		       string_vec *files)
{
	const char *lib;
	char *program = point_program(pp, dp, ctx), *why = NULL;

	if (!program)
		return -1;
	if (!component_is(pp, 1, "library")) {
		vec_push(files, program);
		return 1;
	}
	lib = component_string(pp, 1, "library name");
	if (!lib)
		return -1;
	if (uelf_find_libraries(program, lib, files, &why) < 0) {
		diag("semantic", &pp->comps.items[1]->loc, "%s", why);
		return -1;
	}
	if (!files->len) {
		diag("semantic", &pp->comps.items[1]->loc, "library(\"%s\"): %s needs no library of that name",
		     lib, program);
		return -1;
	}
	return 2;
}

/* Where a probe on function goes, as bytes past its entry: past the
 * prologue of code built without optimization (dwarf_body_offset), so
 * its parameters are where its debug information says; else (also
 * without debug information, and for .return) the entry. */
static uint64_t body_offset(const struct probe_context *ctx, const char *file, const char *function, int is_return)
{
	struct dwarf_image *im;
	Dwarf_Die fn;
	char *why = NULL;

	if (is_return)
		return 0;
	im = dwarf_image(ctx->release, file, &why);
	free(why);
	return im && dwarf_function(im, function, &fn) == 0 ? dwarf_body_offset(&fn) : 0;
}

/* FUNC@FILE[:LINE]: whether the debug information says fn is defined in
 * FILE (at LINE; any line for .statement). */
static int in_source_file(const struct probe_context *ctx, const char *path, const char *fn,
			  const struct function_spec *spec, int statement)
{
	char *where = dwarf_function_where(ctx, path, fn), *colon;
	int ok;

	if (!where)
		return 0;
	colon = strrchr(where, ':');
	*colon = '\0';
	ok = function_file_matches(spec->file, where) && (statement || !spec->line || atoi(colon + 1) == spec->line);
	free(where);
	return ok;
}

struct line_sink {
	struct derived_probe *dp;
	const struct ufunc *fn;
	const char *path;
	char *where;
};

static void add_line(void *arg, int line, uint64_t offset)
{
	struct line_sink *s = arg;

	vec_push(&s->dp->symbols, s->fn->name);
	vec_push(&s->dp->modules, s->path);
	vec_push(&s->dp->offsets, s->fn->offset + offset);
	vec_push(&s->dp->uaddrs, s->fn->addr + offset);
	vec_push(&s->dp->lines, line);
	vec_push(&s->dp->wheres, s->where);
}

/* One function's units: its body's start (see body_offset), or for
 * .statement each line of lo..hi with code in it (none: *why says why). */
static void add_function(const struct probe_context *ctx, const char *path, const struct ufunc *fn,
			 const struct function_spec *spec, int statement, struct derived_probe *dp, char **why)
{
	uint64_t body;

	if (statement) {
		char *where = dwarf_function_where(ctx, path, fn->name);
		struct line_sink sink = { dp, fn, path, where ? where : xstrdup("") };

		free(*why);
		*why = NULL;
		dwarf_statement_lines(ctx, path, fn->name, spec->line, spec->line_hi, add_line, &sink, why);
		return;
	}
	body = body_offset(ctx, path, fn->name, dp->is_return);
	vec_push(&dp->symbols, fn->name);
	vec_push(&dp->modules, path);
	vec_push(&dp->offsets, fn->offset + body);
	vec_push(&dp->uaddrs, fn->addr + body);
}

/* .function("PATTERN[@FILE[:LINE]]") or .statement("PATTERN@FILE:LINES"):
 * units of the matching functions of each file. */
static int add_functions(struct probe_point *pp, int i, const string_vec *files, struct derived_probe *dp,
			 const struct probe_context *ctx)
{
	const char *text = component_string(pp, i, "function name");
	int statement = component_is(pp, i, "statement");
	struct function_spec spec;
	char *why = NULL, *why_no_line = NULL;

	if (!text || function_spec_parse(text, &pp->comps.items[i]->arg->loc, &spec) < 0)
		return -1;
	if (statement && !spec.line) {
		diag("semantic", &pp->comps.items[i]->arg->loc, "statement(\"%s\") needs a line: FUNCTION@FILE:LINE",
		     text);
		return -1;
	}
	for (int f = 0; f < files->len; f++) {
		ufunc_vec funcs = {0};

		if (uelf_functions(files->items[f], spec.name, &funcs, &why) < 0) {
			diag("semantic", &pp->comps.items[0]->loc, "%s", why);
			return -1;
		}
		for (int k = 0; k < funcs.len; k++)
			if (!spec.file || in_source_file(ctx, files->items[f], funcs.items[k].name, &spec, statement))
				add_function(ctx, files->items[f], &funcs.items[k], &spec, statement, dp, &why_no_line);
		free(funcs.items);
	}
	if (!dp->symbols.len) {
		if (!pp->optional && why_no_line)
			diag("semantic", &pp->comps.items[i]->arg->loc, "%s", why_no_line);
		else if (!pp->optional)
			diag("semantic", &pp->comps.items[i]->loc, "no function matches '%s' in %s%s", text,
			     files->items[0], files->len > 1 ? " and the other libraries" : "");
		return pp->optional ? 0 : -1;
	}
	dp->wildcard = strpbrk(text, "*?[") != NULL || (statement && spec.line != spec.line_hi);
	return 1;
}

struct inline_sink {
	struct derived_probe *dp;
	const char *path;
	ufunc_vec funcs;	/* the file's functions */
	int skipped;
};

/* An inline site becomes a uprobe inside the function that holds it. */
static void add_inline_site(void *arg, const char *function, uint64_t offset)
{
	struct inline_sink *s = arg;

	for (int k = 0; k < s->funcs.len; k++) {
		const struct ufunc *fn = &s->funcs.items[k];

		if (strcmp(fn->name, function))
			continue;
		vec_push(&s->dp->symbols, fn->name);
		vec_push(&s->dp->modules, s->path);
		vec_push(&s->dp->offsets, fn->offset + offset);
		vec_push(&s->dp->uaddrs, fn->addr + offset);
		return;
	}
	s->skipped++;	/* in code no symbol names */
}

/* .function("PATTERN").inline: each place a function matching PATTERN
 * was inlined, from the files' debug information. */
static int add_inline_sites(struct probe_point *pp, int i, const string_vec *files, struct derived_probe *dp,
			    const struct probe_context *ctx)
{
	const char *pattern = component_string(pp, i, "function name");
	char *why = NULL;

	if (!pattern)
		return -1;
	for (int f = 0; f < files->len; f++) {
		struct inline_sink sink = { dp, files->items[f], {0}, 0 };
		struct dwarf_image *im = dwarf_image(ctx->release, files->items[f], &why);

		if (!im || uelf_functions(files->items[f], "*", &sink.funcs, &why) < 0) {
			diag("semantic", &pp->comps.items[i]->loc, ".inline needs debug information: %s", why);
			return -1;
		}
		dwarf_inline_instances(im, pattern, add_inline_site, &sink);
		free(sink.funcs.items);
	}
	dp->inlined = 1;
	dp->wildcard = 1;	/* many sites: one failing is no reason to stop */
	if (dp->symbols.len)
		return 1;
	if (!pp->optional)
		diag("semantic", &pp->comps.items[i]->arg->loc, "no inline instance of \"%s\" in %s%s", pattern,
		     files->items[0], files->len > 1 ? " and the other libraries" : "");
	return pp->optional ? 0 : -1;
}

/* .statement(ADDR)[.absolute]: ADDR as the file has it (as nm shows it;
 * where the process maps the file, PIE or library, does not matter). */
static int add_address(struct probe_point *pp, int i, const string_vec *files, struct derived_probe *dp)
{
	uint64_t addr = (uint64_t)pp->comps.items[i]->arg->num;
	char *why = NULL;
	int64_t off;

	if (i + 1 < pp->comps.len && (i + 2 < pp->comps.len || !component_is(pp, i + 1, "absolute") ||
				      pp->comps.items[i + 1]->arg)) {
		diag("semantic", &pp->comps.items[i + 1]->loc, "unexpected '.%s' after statement(ADDRESS)",
		     pp->comps.items[i + 1]->name);
		return -1;
	}
	off = uelf_address_offset(files->items[0], addr, &why);
	if (off < 0) {
		diag("semantic", &pp->comps.items[i]->arg->loc, "%s", why);
		return -1;
	}
	vec_push(&dp->symbols, xasprintf("0x%llx", (unsigned long long)addr));
	vec_push(&dp->modules, files->items[0]);
	vec_push(&dp->offsets, (uint64_t)off);
	vec_push(&dp->uaddrs, addr);
	dp->link_address = addr;
	return 1;
}

static void warn_at_loc(const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(loc, fmt, ap);
	va_end(ap);
}

/* [.provider("P")].mark("NAME") from component i: a unit per marker. */
static int add_marks(struct probe_point *pp, int i, const string_vec *files, struct derived_probe *dp)
{
	const char *provider = "*", *name;
	char *why = NULL;

	if (component_is(pp, i, "provider")) {
		provider = component_string(pp, i, "provider name");
		if (!provider)
			return -1;
		i++;
	}
	if (!component_is(pp, i, "mark") || i + 1 != pp->comps.len) {
		diag("semantic", &pp->loc, "%s", usage);
		return -1;
	}
	name = component_string(pp, i, "marker name");
	if (!name)
		return -1;
	for (int f = 0; f < files->len; f++) {
		sdt_marker_vec *marks = xcalloc(1, sizeof(*marks));	/* kept: units point into it */

		if (sdt_markers(files->items[f], marks, &why) < 0) {
			diag("semantic", &pp->comps.items[0]->loc, "%s", why);
			return -1;
		}
		for (int k = 0; k < marks->len; k++) {
			const struct sdt_marker *m = &marks->items[k];

			if (fnmatch(provider, m->provider, 0) || fnmatch(name, m->name, 0))
				continue;
			if (m->semaphore && !m->semaphore_offset)
				warn_at_loc(&pp->loc, "marker %s:%s of %s has a semaphore outside the file's "
					    "data: it stays off", m->provider, m->name, files->items[f]);
			vec_push(&dp->symbols, xasprintf("%s:%s", m->provider, m->name));
			vec_push(&dp->modules, files->items[f]);
			vec_push(&dp->offsets, m->pc_offset);
			vec_push(&dp->uaddrs, m->pc);
			vec_push(&dp->refctrs, m->semaphore_offset);
			vec_push(&dp->marks, m);
		}
	}
	if (!dp->symbols.len) {
		if (!pp->optional)
			diag("semantic", &pp->comps.items[i]->loc, "no marker %s:%s in %s%s", provider, name,
			     files->items[0], files->len > 1 ? " and the other libraries" : "");
		return pp->optional ? 0 : -1;
	}
	dp->wildcard = strpbrk(name, "*?[") || strpbrk(provider, "*?[");
	return 1;
}

/* The points about a process's life (dp->process_event), and the
 * runtime's probe kind of each. */
static const struct process_event_point {
	const char *name[2];
	const char *kind;
} process_events[] = {
	[PROCESS_BEGIN] = { { "begin" }, "PROCESS_BEGIN" },
	[PROCESS_END] = { { "end" }, "PROCESS_END" },
	[PROCESS_THREAD_BEGIN] = { { "thread", "begin" }, "PROCESS_THREAD_BEGIN" },
	[PROCESS_THREAD_END] = { { "thread", "end" }, "PROCESS_THREAD_END" },
	[PROCESS_SYSCALL] = { { "syscall" }, "PROCESS_SYSCALL" },
	[PROCESS_SYSCALL_RETURN] = { { "syscall", "return" }, "PROCESS_SYSCALL_RETURN" },
};

/* Which of them pp is (components after process(...)), or 0. */
static int process_event_of(const struct probe_point *pp)
{
	for (int e = 1; e < (int)(sizeof(process_events) / sizeof(process_events[0])); e++) {
		int n = process_events[e].name[1] ? 2 : 1, i;

		if (pp->comps.len != n + 1)
			continue;
		for (i = 0; i < n && component_is(pp, i + 1, process_events[e].name[i]) &&
			    !pp->comps.items[i + 1]->arg; i++)
			;
		if (i == n)
			return e;
	}
	return 0;
}

/* process.begin/.end, .thread.begin/.end, .syscall[.return], without a
 * program (any process; the target's for .syscall if there is one) or
 * with process("PATH"). */
static int resolve_process_event(struct probe_point *pp, struct derived_probe *dp, int event,
				 const struct probe_context *ctx)
{
	struct probe_component *c = pp->comps.items[0];

	if (c->arg) {
		char *program = c->arg->kind == EX_STRING ? uelf_find_program(c->arg->str) :
				pid_program(pp, dp, ctx);

		if (!program) {
			if (c->arg->kind == EX_STRING)
				diag("semantic", &c->loc, "process(\"%s\"): no such program", c->arg->str);
			return -1;
		}
		vec_push(&dp->modules, program);
	}
	dp->process_event = event;
	return 1;
}

static int resolve_process(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx)
{
	string_vec files = {0};
	int i, n = pp->comps.len;

	if (!component_is(pp, 0, "process"))
		return 0;
	if (process_event_of(pp))
		return resolve_process_event(pp, dp, process_event_of(pp), ctx);
	if (n == 2 && !pp->comps.items[0]->arg && strpbrk(pp->comps.items[1]->name, "*?["))
		return 0;	/* process.* : the fixed points (-l) */
	i = point_files(pp, dp, ctx, &files);
	if (i < 0)
		return -1;
	for (int f = 0; ctx->inputs && f < files.len; f++)	/* offsets come from them */
		vec_push(ctx->inputs, xstrdup(files.items[f]));
	if (component_is(pp, i, "mark") || component_is(pp, i, "provider"))
		return add_marks(pp, i, &files, dp);
	if (component_is(pp, i, "statement") && pp->comps.items[i]->arg &&
	    pp->comps.items[i]->arg->kind == EX_NUMBER)
		return add_address(pp, i, &files, dp);
	if (component_is(pp, i, "statement") && i + 1 == n)
		return add_functions(pp, i, &files, dp, ctx);
	if (!component_is(pp, i, "function"))
		goto bad;
	if (i + 1 < n) {
		struct probe_component *c = pp->comps.items[i + 1];

		if (i + 2 == n && !c->arg && !strcmp(c->name, "inline"))
			return add_inline_sites(pp, i, &files, dp, ctx);
		if (i + 2 < n || c->arg || (strcmp(c->name, "call") && strcmp(c->name, "return")))
			goto bad;
		dp->is_return = !strcmp(c->name, "return");
	}
	return add_functions(pp, i, &files, dp, ctx);
bad:
	diag("semantic", &pp->loc, "%s", usage);
	return -1;
}

static void emit_process_decls(struct strbuf *sb, const struct derived_probe *dp)
{
	int n = dp->symbols.len;

	if (dp->process_event) {
		if (dp->modules.len) {
			sb_printf(sb, "static const char *const dp_%d_upaths[] = { ", dp->index);
			sb_add_quoted(sb, dp->modules.items[0]);
			sb_add(sb, " };");
		}
		return;
	}
	sb_printf(sb, "/* %d point%s: ", n, n == 1 ? "" : "s");
	for (int i = 0; i < n && i < 8; i++)
		sb_printf(sb, "%s%s", i ? ", " : "", dp->symbols.items[i]);
	sb_printf(sb, "%s */\nstatic const char *const dp_%d_upaths[] = {", n > 8 ? ", ..." : "", dp->index);
	for (int i = 0; i < n; i++) {
		sb_add(sb, "\n\t");
		sb_add_quoted(sb, dp->modules.len ? dp->modules.items[i] : dp->module);
		sb_addc(sb, ',');
	}
	sb_printf(sb, "\n};\nstatic const loff_t dp_%d_uoffsets[] = {", dp->index);
	for (int i = 0; i < n; i++)
		sb_printf(sb, "%s0x%llx", i ? ", " : " ", (unsigned long long)dp->offsets.items[i]);
	sb_printf(sb, " };\nstatic const unsigned long dp_%d_uaddrs[] = {", dp->index);
	for (int i = 0; i < n; i++)
		sb_printf(sb, "%s0x%llx", i ? ", " : " ", (unsigned long long)dp->uaddrs.items[i]);
	sb_add(sb, " };");
	if (dp->refctrs.len) {
		sb_printf(sb, "\nstatic const loff_t dp_%d_urefctrs[] = {", dp->index);
		for (int i = 0; i < n; i++)
			sb_printf(sb, "%s0x%llx", i ? ", " : " ", (unsigned long long)dp->refctrs.items[i]);
		sb_add(sb, " };");
	}
	emit_entry_saves(sb, dp);
}

static void emit_process_fields(struct strbuf *sb, const struct derived_probe *dp)
{
	if (dp->process_event) {
		sb_printf(sb, ".kind = STP_PROBE_%s", process_events[dp->process_event].kind);
		if (dp->modules.len)
			sb_printf(sb, ", .upaths = dp_%d_upaths", dp->index);
		if (dp->upid)
			sb_printf(sb, ", .upid = %d", dp->upid);
		return;
	}
	sb_printf(sb, ".kind = STP_PROBE_UPROBE, .upaths = dp_%d_upaths, .uoffsets = dp_%d_uoffsets, "
		  ".uaddrs = dp_%d_uaddrs, .nuprobes = %d, .is_return = %s, .optional = %s, .wildcard = %s",
		  dp->index, dp->index, dp->index, dp->symbols.len, dp->is_return ? "true" : "false", dp->point->optional ? "true" : "false",
		  dp->wildcard ? "true" : "false");
	if (dp->refctrs.len)
		sb_printf(sb, ", .urefctrs = dp_%d_urefctrs", dp->index);
	if (dp->utarget)
		sb_add(sb, ", .utarget = true");
	if (dp->upid)
		sb_printf(sb, ", .upid = %d", dp->upid);
	emit_entry_fields(sb, dp);
	if (dp->entry_size && dp->save_offset)
		sb_printf(sb, ", .usave_offset = 0x%llx", (unsigned long long)dp->save_offset);
}

static void set_access(struct expr *e, enum type type, char *read)
{
	e->access = xcalloc(1, sizeof(*e->access));
	e->access->type = type;
	e->access->read = read;
}

/* A string constant as a pointer: STP_CHECKED copies its value, and a
 * copied array would not outlive the copy. */
static char *quoted_c(const char *text)
{
	struct strbuf sb = {0};

	sb_add(&sb, "(const char *)");
	sb_add_quoted(&sb, text);
	return sb_steal(&sb);
}

/* $$parms of a marker: "arg1=0x... arg2=0x..." ('?' for one we can't read). */
static char *marker_parms(const struct sdt_marker *m)
{
	struct strbuf fmt = {0}, values = {0};

	for (int k = 0; k < m->nargs; k++) {
		char *near = xasprintf("$arg%d", k + 1), *c = sdt_arg_c(&m->args[k], near);

		sb_printf(&fmt, "%sarg%d=%s", k ? " " : "", k + 1, c ? "0x%llx" : "?");
		if (c)
			sb_printf(&values, ", (unsigned long long)(%s)", c);
		free(c);
		free(near);
	}
	return formatted_access(&fmt, &values);
}

/* A marker's $argN, $$name, $$provider and $$parms. */
static int resolve_mark_target(const struct sdt_marker *m, struct expr *e, int quiet)
{
	int n = 0, used = 0;

	if (e->steps.len || e->addr_of || e->pretty) {
		if (!quiet)
			diag("semantic", &e->loc, "%s: a marker's arguments are plain numbers (use @cast or "
			     "user_string() for what they point at)", e->name);
		return quiet ? 0 : -1;
	}
	if (!strcmp(e->name, "$$name") || !strcmp(e->name, "$$provider")) {
		set_access(e, TYPE_STRING, quoted_c(e->name[2] == 'n' ? m->name : m->provider));
		return 1;
	}
	if (!strcmp(e->name, "$$parms") || !strcmp(e->name, "$$vars")) {
		set_access(e, TYPE_STRING, marker_parms(m));
		return 1;
	}
	if (sscanf(e->name, "$arg%d%n", &n, &used) == 1 && !e->name[used] && n >= 1 && n <= m->nargs) {
		const struct sdt_arg *a = &m->args[n - 1];
		char *c = sdt_arg_c(a, e->name);

		if (!c) {
			diag("semantic", &e->loc, "can't read %s of marker %s:%s: %s", e->name, m->provider, m->name,
			     a->why);
			return -1;
		}
		set_access(e, TYPE_LONG, c);
		return 1;
	}
	if (!quiet)
		diag("semantic", &e->loc, "marker %s:%s has no %s (it has %d argument%s: $arg1..$arg%d)", m->provider,
		     m->name, e->name, m->nargs, m->nargs == 1 ? "" : "s", m->nargs);
	return quiet ? 0 : -1;
}

/* How far into its function dp's single point is (see body_offset). */
static uint64_t probe_offset(const struct probe_context *ctx, const char *file, const struct derived_probe *dp)
{
	struct dwarf_image *im;
	Dwarf_Die fn;
	char *why = NULL;

	im = dwarf_image(ctx->release, file, &why);
	free(why);
	return im && dwarf_function(im, dp->symbols.items[0], &fn) == 0 ? dp->uaddrs.items[0] - dwarf_entry_pc(&fn) :
									    0;
}

/* process.syscall's $syscall and $arg1..$arg6 (the registers the x86-64
 * system call convention passes them in, as the call entered), and
 * .return's $return. */
static int resolve_syscall_target(struct derived_probe *dp, struct expr *e, int quiet)
{
	static const char *const arg_registers[] = { "di", "si", "dx", "r10", "r8", "r9" };
	int n = 0, used = 0;

	if (strcmp(e->op, "$") || e->steps.len || e->addr_of || e->pretty)
		goto bad;
	if (!strcmp(e->name, "$syscall")) {
		set_access(e, TYPE_LONG, xstrdup("(int64_t)c->regs->orig_ax"));
		return 1;
	}
	if (!strcmp(e->name, "$return") && dp->process_event == PROCESS_SYSCALL_RETURN) {
		set_access(e, TYPE_LONG, xstrdup("(int64_t)c->regs->ax"));
		return 1;
	}
	if (sscanf(e->name, "$arg%d%n", &n, &used) == 1 && !e->name[used] && n >= 1 && n <= 6) {
		set_access(e, TYPE_LONG, xasprintf("(int64_t)c->regs->%s", arg_registers[n - 1]));
		return 1;
	}
bad:
	if (!quiet)
		diag("semantic", &e->loc, "%s: process.syscall has $syscall and $arg1..$arg6%s, as numbers", e->name,
		     dp->process_event == PROCESS_SYSCALL_RETURN ? ", and $return" : "");
	return quiet ? 0 : -1;
}

/* A function's variables from the file's DWARF, as for kernel probes;
 * without debug information only $return, the register it is left in. */
static int resolve_process_target(struct derived_probe *dp, struct expr *e, const struct probe_context *ctx,
				  int quiet)
{
	const char *file = dp->modules.len ? dp->modules.items[0] : dp->module;
	char *why = NULL;

	if (dp->process_event == PROCESS_SYSCALL || dp->process_event == PROCESS_SYSCALL_RETURN)
		return resolve_syscall_target(dp, e, quiet);
	if (dp->process_event) {
		if (!quiet)
			diag("semantic", &e->loc, "%s: process.%s%s has no target variables", e->name,
			     process_events[dp->process_event].name[0], dp->process_event == PROCESS_THREAD_BEGIN ?
			     ".begin" : dp->process_event == PROCESS_THREAD_END ? ".end" : "");
		return quiet ? 0 : -1;
	}
	if (dp->marks.len)
		return dp->marks.len == 1 && !strcmp(e->op, "$") ? resolve_mark_target(dp->marks.items[0], e, quiet) : 0;
	if (dwarf_image(ctx->release, file, &why)) {
		if (dp->is_return) {	/* @entry and parameters: saved at the call */
			dp->save_offset = body_offset(ctx, file, dp->symbols.items[0], 0);
			if (ctx->at_entry)	/* @entry(expression): the entry handler reads it */
				return dwarf_resolve_target_at(ctx, file, dp->symbols.items[0], dp->save_offset, e,
							       quiet);
			return dwarf_resolve_target_saving(ctx, file, dp->symbols.items[0], 1, dp->save_offset, e,
							   quiet, &dp->entry_saves);
		}
		if (dp->link_address)	/* .statement(ADDR) */
			return dwarf_resolve_target_pc(ctx, file, dp->link_address, e, quiet);
		return dwarf_resolve_target_at(ctx, file, dp->symbols.items[0], probe_offset(ctx, file, dp), e, quiet);
	}
	if (is_plain_return(dp, e, ctx)) {
		free(why);
		set_access(e, TYPE_LONG, xstrdup("(int64_t)c->regs->ax"));
		return 1;
	}
	if (!quiet)
		diag("semantic", &e->loc, "%s is not available here: %s (only $return, as a number, is known "
		     "without it)", e->name, why);
	free(why);
	return quiet ? 0 : -1;
}

/* The k-th point's name (see process_point_name). */
static char *point_name(const struct derived_probe *dp, int k)
{
	const char *file = dp->modules.len ? dp->modules.items[k] : dp->module;
	const struct sdt_marker *m = dp->marks.len ? dp->marks.items[k] : NULL;

	if (m)
		return xasprintf("process(\"%s\").provider(\"%s\").mark(\"%s\")", file, m->provider, m->name);
	if (dp->link_address)
		return xasprintf("process(\"%s\").statement(%s)", file, dp->symbols.items[k]);
	if (dp->lines.len)
		return xasprintf("process(\"%s\").statement(\"%s@%.*s:%d\")", file, dp->symbols.items[k],
				 (int)strcspn(dp->wheres.items[k], ":"), dp->wheres.items[k], dp->lines.items[k]);
	if (dp->inlined)	/* (in symbols: the function it was inlined into) */
		return xasprintf("process(\"%s\").function(\"%s\").inline", file,
				 dp->point->comps.items[dp->point->comps.len - 2]->arg->str);
	return xasprintf("process(\"%s\").function(\"%s\")%s", file, dp->symbols.items[k],
			 dp->is_return ? ".return" : "");
}

char *process_point_name(const struct derived_probe *dp, int k, const char *release, int with_variables)
{
	const struct sdt_marker *m = dp->marks.len ? dp->marks.items[k] : NULL;
	struct probe_context ctx = { .release = release };
	struct strbuf sb = {0};
	char *name = point_name(dp, k);

	sb_add(&sb, name);
	free(name);
	if (with_variables && m)
		for (int i = 0; i < m->nargs; i++)
			sb_printf(&sb, " $arg%d:long", i + 1);
	else if (with_variables && !dp->inlined && !dp->link_address)	/* (a site's are not its function's) */
		dwarf_list_params(&sb, &ctx, dp->modules.len ? dp->modules.items[k] : dp->module,
				  dp->symbols.items[k], dp->is_return);
	return sb_steal(&sb);
}

static const char *const process_points[] = {
	"process.begin", "process.end", "process.thread.begin", "process.thread.end", "process.syscall",
	"process.syscall.return", NULL
};

const struct provider process_provider = {
	.name = "process",
	.fixed_points = process_points,
	.resolve = resolve_process,
	.emit_decls = emit_process_decls,
	.emit_fields = emit_process_fields,
	.resolve_target = resolve_process_target,
};
