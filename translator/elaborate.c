/* Pass 2: resolve probe points, aliases, names and function calls (taking
 * tapset library files in as they are used); infer the type of every
 * variable and expression (types.c); leave out unused code; work out
 * which globals each probe touches, so the runtime can lock them. */
#include "elaborate.h"

#include "dwarf.h"

#include "autoprint.h"
#include "builtins.h"
#include "parse.h"
#include "privilege.h"
#include "probes.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sem_error(const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("semantic", loc, fmt, ap);
	va_end(ap);
}

void warn_at(struct session *s, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	if (s->suppress_warnings)
		return;
	va_start(ap, fmt);
	vwarn(loc, fmt, ap);
	va_end(ap);
}

/* ---- names ---- */

static void add_unique(void *vec, void *item)
{
	VEC(void *) *v = vec;

	for (int i = 0; i < v->len; i++)
		if (v->items[i] == item)
			return;
	vec_push(v, item);
}

static struct symbol *find_in(struct symbol **syms, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(syms[i]->name, name))
			return syms[i];
	return NULL;
}

static struct symbol *find_global(struct elab *el, const char *name, const struct source *from);

static struct symbol *lookup_var(struct elab *el, struct expr *e)
{
	struct symbol *sym;

	if (el->func) {
		sym = find_in(el->func->locals.items, el->func->locals.len, e->name);
		if (sym)
			return sym;
	} else {
		sym = find_in(el->probe->locals.items, el->probe->locals.len, e->name);
		if (sym && el->entry)
			sem_error(&e->loc, "@entry's expression is evaluated at the call, before the handler runs: "
				  "it can't use the handler's variable '%s'", e->name);
		if (sym)
			return sym;
	}
	sym = find_global(el, e->name, e->loc.src);
	if (sym)
		return sym;
	if (el->entry && !el->func)
		sem_error(&e->loc, "@entry's expression is evaluated at the call, before the handler runs: "
			  "it can't use the handler's variable '%s'", e->name);
	/* A name that is neither global nor a parameter is a new local. */
	sym = xcalloc(1, sizeof(*sym));
	sym->kind = SYM_LOCAL;
	sym->name = e->name;
	sym->loc = e->loc;
	if (el->func)
		vec_push(&el->func->locals, sym);
	else
		vec_push(&el->probe->locals, sym);
	return sym;
}

static void note_global_access(struct elab *el, struct symbol *sym, int write)
{
	if (sym->kind != SYM_GLOBAL)
		return;
	if (el->func)
		add_unique(write ? (void *)&el->func->writes : (void *)&el->func->reads, sym);
	else
		add_unique(write ? (void *)&el->probe->writes : (void *)&el->probe->reads, sym);
}

/* ---- the tapset library ---- */

/* A library file comes into the script as a whole the first time the
 * script uses something of it: its globals, its probes and its top-level
 * %{ %} blocks (its functions only as they are called). */
static void take_library_file(struct elab *el, const struct source *src)
{
	struct script *lib = &el->sess->library;
	struct script *s = el->s;

	for (int i = 0; i < el->taken_files.len; i++)
		if (el->taken_files.items[i] == src)
			return;
	vec_push(&el->taken_files, src);
	for (int i = 0; i < lib->globals.len; i++) {
		struct symbol *g = lib->globals.items[i];
		struct symbol *clash = find_in(s->globals.items, s->globals.len, g->name);

		if (g->loc.src != src)
			continue;
		if (clash && !g->is_private && !clash->is_private) {
			sem_error(&clash->loc, "global '%s' is also declared by the tapset library", g->name);
			diag_also(&g->loc);
		}
		if (clash)	/* two private globals, or a private and a public one */
			g->cname = xasprintf("%s__%d", g->name, s->globals.len);
		g->index = s->globals.len;
		g->from_library = 1;
		vec_push(&s->globals, g);
	}
	for (int i = 0; i < lib->embedded.len; i++)
		if (lib->embedded.items[i]->loc.src == src)
			vec_push(&s->embedded, lib->embedded.items[i]);
	for (int i = 0; i < lib->probes.len; i++)
		if (lib->probes.items[i]->loc.src == src)
			vec_push(&s->probes, lib->probes.items[i]);
}

/* A private global or function is seen only from its own file; there it
 * hides a public one of the same name. */
static int visible_from(int is_private, const struct loc *decl, const struct source *from)
{
	return !is_private || decl->src == from;
}

static struct symbol *visible_global(struct symbol **globals, int n, const char *name,
				     const struct source *from)
{
	struct symbol *found = NULL;

	for (int i = 0; i < n; i++) {
		struct symbol *g = globals[i];

		if (strcmp(g->name, name) || !visible_from(g->is_private, &g->loc, from))
			continue;
		if (g->is_private)
			return g;
		found = g;
	}
	return found;
}

/* The global a name used in file `from` means: the script's, else the
 * library's (which takes the library file in); NULL if none. */
static struct symbol *find_global(struct elab *el, const char *name, const struct source *from)
{
	struct script *lib = &el->sess->library;
	struct symbol *g = visible_global(el->s->globals.items, el->s->globals.len, name, from);

	if (g)
		return g;
	g = visible_global(lib->globals.items, lib->globals.len, name, from);
	if (g)
		take_library_file(el, g->loc.src);
	return g;
}

/* The function a call with nargs arguments from file `from` means: one
 * of that name taking that many (its file's private one first); else,
 * for the error message, one taking another number; NULL if none. */
static struct function *visible_function(struct script *s, const char *name, int nargs,
					 const struct source *from)
{
	struct function *found = NULL, *other = NULL;

	for (int i = 0; i < s->functions.len; i++) {
		struct function *f = s->functions.items[i];

		if (strcmp(f->name, name) || !visible_from(f->is_private, &f->loc, from))
			continue;
		if (f->params.len != nargs) {
			other = other ? other : f;
			continue;
		}
		if (f->is_private)
			return f;
		found = f;
	}
	return found ? found : other;
}

/* A call to a function the script doesn't define: look in the tapset
 * library, and take the function (and its file) into the script if its
 * arguments fit. */
static struct function *find_library_function(struct elab *el, const char *name, int nargs,
					      const struct source *from)
{
	struct function *f = visible_function(&el->sess->library, name, nargs, from);

	if (f && f->params.len == nargs) {
		vec_push(&el->s->functions, f);
		take_library_file(el, f->loc.src);
	}
	return f;
}

static void resolve_stmt(struct elab *el, struct stmt *st);
static void resolve_function(struct elab *el, struct function *f);

static int in_user_script(const struct elab *el, const struct loc *loc)
{
	return loc->src == el->s->sources.items[0];
}

/* Resolves f for a call: from the user's script, what f leads to in the
 * library that the privilege refuses is reported at that call. */
static void resolve_function_for(struct elab *el, struct function *f, struct expr *call)
{
	struct expr *saved = el->user_call;

	if (in_user_script(el, &call->loc))
		el->user_call = call;
	resolve_function(el, f);
	el->user_call = saved;
}

/* Embedded C in the user's own script needs -g (and so stapdev); the
 * library may use it. */
static void check_guru(struct elab *el, const struct loc *loc, const char *what)
{
	if (!in_user_script(el, loc))
		return;
	if (el->sess->privilege != PRIV_STAPDEV)
		privilege_refuse_embedded(el, loc, what);
	else if (!el->sess->guru_mode)
		sem_error(loc, "%s needs guru mode (stap -g)", what);
}

static void resolve_call(struct elab *el, struct expr *e)
{
	const struct builtin *bi;
	struct function *f = visible_function(el->s, e->name, e->args.len, e->loc.src);

	if (!f && (bi = find_builtin(e->name))) {
		e->builtin = bi;
		if (e->args.len < bi->min_args || (bi->max_args >= 0 && e->args.len > bi->max_args))
			sem_error(&e->loc, "wrong number of arguments to '%s' (%d given)", e->name, e->args.len);
		return;
	}
	if (!f || f->params.len != e->args.len) {
		struct function *lib = find_library_function(el, e->name, e->args.len, e->loc.src);

		if (lib && (!f || lib->params.len == e->args.len))
			f = lib;
	}
	if (!f) {
		sem_error(&e->loc, "unresolved function call '%s'", e->name);
		return;
	}
	if (f->params.len != e->args.len) {
		sem_error(&e->loc, "'%s' takes %d argument%s, %d given", f->name, f->params.len,
			 f->params.len == 1 ? "" : "s", e->args.len);
		diag_also(&f->loc);
		return;
	}
	/* A library function says in pragma comments where it is safe. */
	privilege_allows_call(el, e, f);
	e->func = f;
	if (el->func)
		add_unique(&el->func->calls, f);
	else
		add_unique(&el->probe->calls, f);
	resolve_function_for(el, f, e);
}

/* An array must be a global, used as an array everywhere, always with
 * the same number of keys. */
static struct symbol *resolve_array(struct elab *el, struct expr *e, int nkeys, int write)
{
	struct symbol *g = find_global(el, e->name, e->loc.src);

	if (!g) {
		sem_error(&e->loc, "array '%s' is not declared (add 'global %s')", e->name, e->name);
		return NULL;
	}
	g->used = 1;
	note_global_access(el, g, write);
	if (g->scalar_loc.line) {
		sem_error(&e->loc, "'%s' is used as an array here, but as a scalar", e->name);
		diag_also(&g->scalar_loc);
		return NULL;
	}
	if (!g->array_loc.line)
		g->array_loc = e->loc;
	g->is_array = 1;
	if (nkeys && !g->nkeys) {
		g->nkeys = nkeys;
	} else if (nkeys && g->nkeys != nkeys) {
		sem_error(&e->loc, "array '%s' has %d key%s here, but %d", e->name, nkeys,
			 nkeys == 1 ? "" : "s", g->nkeys);
		diag_also(&g->array_loc);
		return NULL;
	}
	return g;
}

static void note_scalar_use(struct expr *e)
{
	struct symbol *sym = e->sym;

	if (sym->kind != SYM_GLOBAL)
		return;
	if (sym->is_array) {
		sem_error(&e->loc, "array '%s' is used as a scalar", e->name);
		diag_also(&sym->array_loc);
	} else if (!sym->scalar_loc.line) {
		sym->scalar_loc = e->loc;
	}
}

/* A literal number, possibly negative; 0 if e is none. */
static int literal_number(const struct expr *e, int64_t *v)
{
	if (e->kind == EX_NUMBER) {
		*v = e->num;
		return 1;
	}
	if (e->kind == EX_UNARY && !strcmp(e->op, "-") && e->lhs->kind == EX_NUMBER) {
		*v = -e->lhs->num;
		return 1;
	}
	return 0;
}

/* @hist_log(s) and @hist_linear(s, low, high, step) decide the buckets
 * s keeps, so they take a global and literal bounds. */
static void note_histogram(struct expr *e)
{
	struct expr *arg;
	struct symbol *g;
	int64_t v[3];

	if (e->args.len != e->builtin->min_args)
		return;	/* resolve_call said how many it takes */
	arg = e->args.items[0];
	g = arg->sym;
	if ((arg->kind != EX_VAR && arg->kind != EX_INDEX) || !g || g->kind != SYM_GLOBAL) {
		sem_error(&arg->loc, "%s takes a global statistic or an element of an array of them",
			 e->name);
		return;
	}
	if (e->builtin->id == BI_HIST_LOG) {
		g->hist_log = 1;
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (!literal_number(e->args.items[i + 1], &v[i])) {
			sem_error(&e->args.items[i + 1]->loc, "@hist_linear's bounds must be literal numbers");
			return;
		}
	}
	if (v[2] <= 0 || v[1] <= v[0] || (v[1] - v[0]) / v[2] >= 65536) {
		sem_error(&e->loc, "@hist_linear needs low < high and 0 < step, and at most 65536 buckets");
		return;
	}
	if (g->hist_linear && (g->lin_low != v[0] || g->lin_high != v[1] || g->lin_step != v[2])) {
		sem_error(&e->loc, "'%s' already has a linear histogram with other bounds", g->name);
		diag_also(&g->hist_loc);
		return;
	}
	g->hist_linear = 1;
	g->lin_low = v[0];
	g->lin_high = v[1];
	g->lin_step = v[2];
	g->hist_loc = e->loc;
}

static const char *probe_name(const struct elab *el)
{
	if (el->func)
		return "a function";
	return el->probe->points.len ? el->probe->points.items[0]->text : "this probe";
}

static void resolve_expr(struct elab *el, struct expr *e, int write);

/* $var = v: only '=' (or '.=' where the provider can append), only where
 * the provider can store, and into the kernel's own data only in guru
 * mode. */
static void check_target_write(struct elab *el, struct expr *e)
{
	const struct target_access *a = e->lhs->access;
	int append = e->kind == EX_ASSIGN && !strcmp(e->op, ".=") && a->append;

	if (!a->write)
		sem_error(&e->lhs->loc, "target variable %s cannot be written", e->lhs->name);
	else if (!append && (e->kind != EX_ASSIGN || strcmp(e->op, "=")))
		sem_error(&e->loc, "a target variable can only be assigned with '='%s", a->append ? " or '.='" : "");
	else if (a->write_needs_guru && el->sess->privilege != PRIV_STAPDEV)
		sem_error(&e->lhs->loc, "writing target variable %s is not allowed for --privilege=%s "
			  "(it needs stapdev and -g)", e->lhs->name, privilege_name(el->sess->privilege));
	else if (a->write_needs_guru && !el->sess->guru_mode)
		sem_error(&e->lhs->loc, "writing target variable %s needs guru mode (stap -g)", e->lhs->name);
}

/* Resolves target variable e for the probe being resolved: 1 if it
 * has it (e->access is set), else 0, reported unless quiet. */
/* The one program or library all of a process probe's points are in. */
static const char *process_image(const struct derived_probe *dp)
{
	if (!dp || !dp->uaddrs.len)
		return NULL;
	for (int i = 1; i < dp->modules.len; i++)
		if (strcmp(dp->modules.items[i], dp->modules.items[0]))
			return NULL;
	return dp->modules.len ? dp->modules.items[0] : dp->module;
}

static int try_target(struct elab *el, struct expr *e, int quiet)
{
	struct probe_context ctx = { .release = el->sess->release, .verbose = el->sess->verbose,
				      .guru = el->sess->guru_mode, .inputs = &el->sess->inputs,
				      .target_cmd = el->sess->target_cmd, .remote = el->sess->remote,
				      .target_pid = el->sess->target_pid };
	struct derived_probe *dp = el->func ? NULL : el->dp;

	ctx.at_entry = el->entry != NULL;
	for (int i = 0; i < e->steps.len; i++)
		resolve_expr(el, e->steps.items[i]->index, 0);
	if (!strcmp(e->op, "@entry") && e->args.items[0]->kind == EX_TARGET)
		for (int i = 0; i < e->args.items[0]->steps.len; i++)
			resolve_expr(el, e->args.items[0]->steps.items[i]->index, 0);
	if (!strcmp(e->op, "@cast"))
		resolve_expr(el, e->args.items[0], 0);
	if (el->sess->dump)	/* listing the library makes no code: no debug information needed */
		return 1;
	if (!privilege_allows_target(el, e, quiet))
		return 0;
	ctx.user_image = process_image(dp);
	if (!strcmp(e->op, "@cast") || !strcmp(e->op, "@var"))
		return dwarf_resolve_cast_or_var(&ctx, e, quiet);
	if (dp && dp->provider->resolve_target)
		return dp->provider->resolve_target(dp, e, &ctx, quiet) > 0;
	if (!quiet)
		sem_error(&e->loc, "target variable %s is not available in %s (no debug information)",
			  e->name, probe_name(el));
	return 0;
}

/* @entry($var...): a number the provider reads at the call itself. */
static int is_plain_target(const struct expr *e)
{
	return e->kind == EX_TARGET && !strcmp(e->op, "$") && !e->pretty && strncmp(e->name, "$$", 2);
}

/* @entry(expression) of any other kind: the probe's entry handler
 * evaluates it at the call, target variables as they are there, and
 * saves its value for the return (layout_entry_exprs places it). */
static void resolve_entry_expr(struct elab *el, struct expr *e)
{
	struct derived_probe *dp = el->func ? NULL : el->dp;

	if (!dp || !dp->is_return) {
		sem_error(&e->loc, "@entry is only available in .return probes");
		return;
	}
	el->entry = e;
	resolve_expr(el, e->args.items[0], 0);
	el->entry = NULL;
	vec_push(&dp->entry_exprs, e);
	e->entry_slot = dp->entry_exprs.len;
	e->access = xcalloc(1, sizeof(*e->access));
}

/* Each unit of the kernel's debug information has its own copy of a
 * struct: the same type, by name, at another place. */
static int same_pointee(const struct target_access *a, const struct target_access *b)
{
	if (a->pointee_image != b->pointee_image)
		return 0;
	return a->pointee_die == b->pointee_die ||
	       (!strstr(a->pointee_name, "<anonymous>") && !strcmp(a->pointee_name, b->pointee_name));
}

/* x = $ptr, or = another variable holding one: what x->member follows
 * later (autocast).  Pointers to two types leave x without one. */
static void note_autocast(struct expr *assign)
{
	struct expr *lhs = assign->lhs, *rhs = assign->rhs;
	struct symbol *sym = lhs->sym;
	const struct target_access *t = NULL;

	if (strcmp(assign->op, "=") || lhs->kind != EX_VAR || !sym)
		return;
	if (rhs->kind == EX_TARGET && rhs->access && rhs->access->pointee_die)
		t = rhs->access;
	else if (rhs->kind == EX_VAR && rhs->sym && rhs->sym != sym && rhs->sym->autocast)
		t = rhs->sym->autocast;
	else if (rhs->kind == EX_TARGET && rhs->access && sym->autocast)
		sym->autocast_mixed = 1;	/* and now a value of another type */
	if (!t)
		return;
	if (rhs->kind == EX_VAR && rhs->sym->autocast_mixed)
		sym->autocast_mixed = 1;
	if (sym->autocast && !same_pointee(sym->autocast, t))
		sym->autocast_mixed = 1;
	sym->autocast = t;
}

/* The kernel type an embedded C function's value points to, as a pragma
 * comment in its code says ("returns: struct task_struct *"), or NULL. */
static char *returned_type(const struct function *f)
{
	const char *at = f && f->embedded ? strstr(f->embedded, "/* returns: ") : NULL;
	const char *end = at ? strstr(at, " */") : NULL;

	if (!end)
		return NULL;
	at += strlen("/* returns: ");
	while (end > at && (end[-1] == '*' || end[-1] == ' '))
		end--;
	return xstrndup(at, (size_t)(end - at));
}

/* call()->member: @cast(call(), "TYPE") with the type the function says
 * it returns a pointer to (tapset functions such as task_current()). */
static void resolve_call_autocast(struct elab *el, struct expr *e)
{
	struct expr *call = e->args.items[0], *type;
	char *name;

	resolve_expr(el, call, 0);
	name = returned_type(call->func);
	if (!name) {
		sem_error(&e->loc, "'%s()->': what '%s' returns has no known type (use @cast(%s(...), \"TYPE\"))",
			  call->name, call->name, call->name);
		return;
	}
	type = expr_new(EX_STRING, e->loc);
	type->str = name;
	vec_push(&e->args, type);
	e->op = "@cast";
	e->name = "@cast";
	try_target(el, e, 0);
}

/* var->member: @cast(var, "TYPE") with the type of the pointer var was
 * assigned (the image and the very DIE, not a name to look up again). */
static void resolve_autocast(struct elab *el, struct expr *e)
{
	struct expr *var = e->args.items[0], *type;
	struct symbol *sym;

	if (var->kind == EX_CALL) {
		resolve_call_autocast(el, e);
		return;
	}
	resolve_expr(el, var, 0);
	sym = var->sym;
	if (!sym || !sym->autocast) {
		sem_error(&e->loc, "'%s->': no type is known for '%s' (assign it a pointer target variable first, "
			  "or use @cast(%s, \"TYPE\"))", var->name, var->name, var->name);
		return;
	}
	if (sym->autocast_mixed) {
		sem_error(&e->loc, "'%s->': '%s' is assigned pointers to different types (use @cast(%s, \"TYPE\"))",
			  var->name, var->name, var->name);
		return;
	}
	type = expr_new(EX_STRING, e->loc);
	type->str = sym->autocast->pointee_name;
	vec_push(&e->args, type);
	e->autocast = sym->autocast;
	e->op = "@cast";
	e->name = "@cast";
	try_target(el, e, 0);
}

/* Target variables need a probe point with debug information; the
 * begin, end and timer probes have none.  @defined() is how a script
 * asks: it becomes 1 or 0 here. */
static void resolve_target(struct elab *el, struct expr *e)
{
	if (!strcmp(e->op, "@autocast")) {
		resolve_autocast(el, e);
		return;
	}
	if (!strcmp(e->op, "@entry") && el->entry) {
		sem_error(&e->loc, "@entry inside @entry: the outer one is evaluated at the call already");
		return;
	}
	if (!strcmp(e->op, "@entry") && !is_plain_target(e->args.items[0])) {
		if (!el->sess->dump)
			resolve_entry_expr(el, e);
		else
			resolve_expr(el, e->args.items[0], 0);
		return;
	}
	if (!strcmp(e->op, "@defined")) {
		struct expr *arg = e->args.items[0];

		e->kind = EX_NUMBER;
		e->num = arg->kind == EX_TARGET && strcmp(arg->op, "@defined") && try_target(el, arg, 1);
		return;
	}
	if (el->sess->skip_badvars && !strcmp(e->op, "$") && !e->pretty && !try_target(el, e, 1)) {
		e->kind = EX_NUMBER;	/* --skip-badvars: what can't be found is 0 */
		e->num = 0;
		return;
	}
	try_target(el, e, 0);
}

/* The value of a condition known before the script runs, as @defined()
 * makes it; 0 if e isn't one. */
static int constant_value(const struct expr *e, int64_t *v)
{
	int64_t a, b;

	if (e->kind == EX_NUMBER) {
		*v = e->num;
		return 1;
	}
	if (e->kind == EX_UNARY && !strcmp(e->op, "!") && constant_value(e->lhs, &a)) {
		*v = !a;
		return 1;
	}
	if (e->kind == EX_BINARY && (!strcmp(e->op, "&&") || !strcmp(e->op, "||")) &&
	    constant_value(e->lhs, &a) && constant_value(e->rhs, &b)) {
		*v = e->op[0] == '&' ? (a && b) : (a || b);
		return 1;
	}
	return 0;
}

/* Whether the script reads and writes each global, for the warnings
 * and the end-of-script display: e, just resolved, is read unless it was
 * the target of a plain assignment. */
static void note_read(struct expr *e, int pure_write)
{
	if (e->sym && !pure_write)
		e->sym->is_read = 1;
}

/* Resolves e as the target of a plain assignment ('=', '<<<', a foreach
 * variable, delete), which writes it without reading it. */
static void resolve_written(struct elab *el, struct expr *e)
{
	if (!e)
		return;
	el->pure_write = 1;
	resolve_expr(el, e, 1);
	if (e->sym)
		e->sym->is_written = 1;
}

static void resolve_expr(struct elab *el, struct expr *e, int write)
{
	int pure_write = el->pure_write;
	int64_t v;

	el->pure_write = 0;
	if (!e)
		return;
	switch (e->kind) {
	case EX_VAR:
		e->sym = lookup_var(el, e);
		e->sym->used = 1;
		note_read(e, pure_write);
		note_global_access(el, e->sym, write);
		note_scalar_use(e);
		break;
	case EX_INDEX:
	case EX_IN:
		for (int i = 0; i < e->args.len; i++)
			resolve_expr(el, e->args.items[i], 0);
		e->sym = resolve_array(el, e, e->args.len, write);
		note_read(e, pure_write);
		break;
	case EX_EMBEDDED:
		check_guru(el, &e->loc, "embedded C");
		break;
	case EX_TARGET:
		resolve_target(el, e);
		break;
	case EX_TERNARY:
		resolve_expr(el, e->cond, 0);
		if (constant_value(e->cond, &v)) {
			/* @defined($x) ? $x : 0 — only the branch taken is resolved */
			*e = *(v ? e->lhs : e->rhs);
			el->pure_write = pure_write;
			resolve_expr(el, e, write);
			break;
		}
		resolve_expr(el, e->lhs, 0);
		resolve_expr(el, e->rhs, 0);
		break;
	case EX_CALL:
		/* reading a statistic merges its CPUs' parts: a write */
		for (int i = 0; i < e->args.len; i++)
			resolve_expr(el, e->args.items[i], i == 0 && e->name[0] == '@');
		resolve_call(el, e);
		privilege_check_format(el, e);
		if (e->builtin && (e->builtin->id == BI_HIST_LINEAR || e->builtin->id == BI_HIST_LOG))
			note_histogram(e);
		break;
	case EX_ASSIGN:
	case EX_INCDEC:
		resolve_expr(el, e->rhs, 0);
		/* x = v and x <<< v don't read x; x += v and x++ do */
		el->pure_write = e->kind == EX_ASSIGN && (!strcmp(e->op, "=") || !strcmp(e->op, "<<<"));
		/* x <<< v adds to this CPU's part: readers of x don't collide;
		 * a[k] <<< v may insert an element, so it writes a */
		resolve_expr(el, e->lhs, !(e->kind == EX_ASSIGN && !strcmp(e->op, "<<<") &&
					   e->lhs->kind == EX_VAR));
		if (e->lhs->sym)
			e->lhs->sym->is_written = 1;
		if (e->lhs->access)
			check_target_write(el, e);
		if (e->kind == EX_ASSIGN)
			note_autocast(e);
		break;
	default:
		resolve_expr(el, e->cond, 0);
		resolve_expr(el, e->lhs, 0);
		resolve_expr(el, e->rhs, 0);
		break;
	}
}

/* An if whose condition is known (@defined) keeps only the branch taken,
 * so the other may name target variables this probe doesn't have. */
static void resolve_if(struct elab *el, struct stmt *st)
{
	int64_t v;

	resolve_expr(el, st->cond, 0);
	if (constant_value(st->cond, &v)) {
		struct stmt *taken = v ? st->then : st->else_;

		if (taken) {
			*st = *taken;
			resolve_stmt(el, st);
		} else {
			st->kind = ST_EMPTY;	/* and nothing of it stays to walk */
			st->cond = NULL;
			st->then = st->else_ = NULL;
		}
		return;
	}
	resolve_stmt(el, st->then);
	resolve_stmt(el, st->else_);
}

/* delete x, delete arr, delete arr[k], delete arr[k, *] */
static void resolve_delete(struct elab *el, struct expr *e)
{
	struct symbol *g;

	if (e->kind == EX_INDEX) {
		resolve_written(el, e);
		return;
	}
	g = find_global(el, e->name, e->loc.src);
	if (g && g->is_array) {
		e->sym = resolve_array(el, e, 0, 1);
		g->is_written = 1;
		return;
	}
	resolve_written(el, e);
}

static void resolve_foreach(struct elab *el, struct stmt *st)
{
	struct foreach *fe = st->fe;
	struct expr *arr = fe->array;

	for (int i = 0; i < arr->args.len; i++)
		resolve_expr(el, arr->args.items[i], 0);
	arr->sym = resolve_array(el, arr, fe->keys.len, 0);
	if (arr->sym)
		arr->sym->is_read = 1;
	if (arr->kind == EX_INDEX && arr->args.len != fe->keys.len)
		sem_error(&arr->loc, "the slice has %d keys, the foreach %d", arr->args.len, fe->keys.len);
	for (int i = 0; i < fe->keys.len; i++)
		resolve_written(el, fe->keys.items[i]);
	resolve_written(el, fe->value);
	resolve_expr(el, fe->limit, 0);
	el->loop_depth++;
	resolve_stmt(el, st->then);
	el->loop_depth--;
}

static void resolve_stmt(struct elab *el, struct stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case ST_BLOCK:
		for (int i = 0; i < st->body.len; i++)
			resolve_stmt(el, st->body.items[i]);
		break;
	case ST_DELETE:
		resolve_delete(el, st->expr);
		break;
	case ST_IF:
		resolve_if(el, st);
		break;
	case ST_FOREACH:
		resolve_foreach(el, st);
		break;
	case ST_TRY:
		resolve_stmt(el, st->then);
		resolve_written(el, st->expr);
		resolve_stmt(el, st->else_);
		break;
	case ST_WHILE:
	case ST_FOR:
	case ST_DO:
		resolve_expr(el, st->init, 0);
		resolve_expr(el, st->cond, 0);
		resolve_expr(el, st->incr, 0);
		el->loop_depth++;
		resolve_stmt(el, st->then);
		el->loop_depth--;
		break;
	case ST_BREAK:
	case ST_CONTINUE:
		if (!el->loop_depth)
			sem_error(&st->loc, "'%s' outside a loop", st->kind == ST_BREAK ? "break" : "continue");
		break;
	case ST_RETURN:
		if (!el->func)
			sem_error(&st->loc, "'return' outside a function (use 'next' to leave a probe)");
		resolve_expr(el, st->expr, 0);
		break;
	case ST_NEXT:
		if (el->func)
			sem_error(&st->loc, "'next' outside a probe");
		break;
	default:
		resolve_expr(el, st->expr, 0);
		resolve_expr(el, st->cond, 0);
		resolve_stmt(el, st->then);
		resolve_stmt(el, st->else_);
		break;
	}
}

static void resolve_function(struct elab *el, struct function *f)
{
	struct function *saved_func = el->func;
	int saved_depth = el->loop_depth;

	if (f->used)
		return;
	f->used = 1;
	for (int i = 0; i < f->params.len; i++)
		f->params.items[i]->used = 1;
	el->func = f;
	el->loop_depth = 0;
	if (f->embedded)
		check_guru(el, &f->loc, "embedded C function");
	else
		resolve_stmt(el, f->body);
	el->func = saved_func;
	el->loop_depth = saved_depth;
}

/* ---- which globals each probe touches ---- */

static void collect_accesses(struct function *f, struct probe *p)
{
	if (f->visiting)
		return;
	f->visiting = 1;
	for (int i = 0; i < f->reads.len; i++)
		add_unique(&p->reads, f->reads.items[i]);
	for (int i = 0; i < f->writes.len; i++)
		add_unique(&p->writes, f->writes.items[i]);
	for (int i = 0; i < f->calls.len; i++)
		collect_accesses(f->calls.items[i], p);
	f->visiting = 0;
}

static void compute_lock_sets(struct script *s)
{
	for (int i = 0; i < s->probes.len; i++) {
		struct probe *p = s->probes.items[i];

		for (int j = 0; j < p->calls.len; j++)
			collect_accesses(p->calls.items[j], p);
	}
}

/* ---- probe aliases ---- */

#define MAX_ALIAS_DEPTH 16

/* Whether the alias's name matches pp, component by component; pp's
 * components may hold wildcards. */
static int alias_matches(const struct probe_alias *a, const struct probe_point *pp)
{
	const struct probe_point *name = a->name;

	if (name->comps.len != pp->comps.len)
		return 0;
	for (int i = 0; i < pp->comps.len; i++) {
		if (pp->comps.items[i]->arg || name->comps.items[i]->arg)
			return 0;
		if (fnmatch(pp->comps.items[i]->name, name->comps.items[i]->name, 0))
			return 0;
	}
	return 1;
}

/* The alias's probe for one use: its points, and its body before (or,
 * for +=, after) the user's. */
static struct probe *alias_probe(const struct probe_alias *a, const struct probe *use,
				 const struct probe_point *pp)
{
	struct probe *q = xcalloc(1, sizeof(*q));
	struct stmt *body = stmt_new(ST_BLOCK, use->loc);

	for (int i = 0; i < a->points.len; i++)
		vec_push(&q->points, a->points.items[i]);
	vec_push(&body->body, stmt_clone(a->epilogue ? use->body : a->body));
	vec_push(&body->body, stmt_clone(a->epilogue ? a->body : use->body));
	body->near = use->body->near;
	q->body = body;
	q->cond = expr_clone(use->cond);
	q->loc = use->loc;
	q->alias_depth = use->alias_depth + 1;
	q->alias_name = use->alias_name ? use->alias_name : a->name->text;
	q->user_point = use->user_point ? use->user_point : pp;
	return q;
}

static int expand_point(struct elab *el, struct probe *p, struct probe_point *pp,
			const struct script *from)
{
	int matched = 0;

	for (int i = 0; i < from->aliases.len; i++) {
		struct probe_alias *a = from->aliases.items[i];

		if (!alias_matches(a, pp))
			continue;
		if (p->alias_depth >= MAX_ALIAS_DEPTH) {
			sem_error(&pp->loc, "probe alias '%s' expands into itself", a->name->text);
			return 1;
		}
		if (from == &el->sess->library)
			take_library_file(el, a->name->loc.src);
		vec_push(&el->s->probes, alias_probe(a, p, pp));
		matched++;
	}
	return matched;
}

static void resolve_probes(struct elab *el, int from);

/* Replaces a use of an alias (the script's or the library's) by a new
 * probe for the alias, appended to the script: 0 if pp names no alias.
 * For "ALIAS!", the new probes are resolved now: 2 if they resolved, so
 * the points after it are only alternatives. */
static int expand_alias(struct elab *el, struct probe *p, struct probe_point *pp)
{
	int probes = el->s->probes.len, derived = el->s->derived.len;

	if (!expand_point(el, p, pp, el->s) && !expand_point(el, p, pp, &el->sess->library))
		return 0;
	if (!pp->sufficient)
		return 1;
	resolve_probes(el, probes);
	return el->s->derived.len > derived ? 2 : 1;
}

/* ---- the pass ---- */

static int is_target_use(const struct expr *e)
{
	return e->kind == EX_TARGET && strcmp(e->op, "@cast") && strcmp(e->op, "@var");
}

/* The units (functions, tracepoints...) p's derived probes from first on
 * stand for. */
static int count_units(const struct script *s, int first)
{
	int n = 0;

	for (int i = first; i < s->derived.len; i++) {
		const struct derived_probe *dp = s->derived.items[i];

		n += dp->symbols.len ? dp->symbols.len : 1;
	}
	return n;
}

static void resolve_handler(struct elab *el, struct probe *p, struct derived_probe *dp)
{
	el->probe = p;
	el->dp = dp;
	resolve_expr(el, p->cond, 0);
	resolve_stmt(el, p->body);
	el->dp = NULL;
}

/* A handler that reads target variables is C for one function (or
 * tracepoint): when p's points reached several, each gets a copy of p
 * and a derived probe of its own, resolved here; p itself is dropped. */
static void split_probe(struct elab *el, struct probe *p, int first)
{
	struct script *s = el->s;
	int last = s->derived.len;

	for (int i = first; i < last; i++) {
		struct derived_probe *dp = s->derived.items[i];
		int n = dp->symbols.len ? dp->symbols.len : 1;

		for (int k = 0; k < n; k++) {
			struct derived_probe *one = xmalloc(sizeof(*one));
			struct probe *q = xcalloc(1, sizeof(*q));

			*one = *dp;
			if (dp->symbols.len) {
				memset(&one->symbols, 0, sizeof(one->symbols));
				vec_push(&one->symbols, dp->symbols.items[k]);
				memset(&one->modules, 0, sizeof(one->modules));
				if (dp->modules.len)
					one->module = dp->modules.items[k];
				memset(&one->offsets, 0, sizeof(one->offsets));
				memset(&one->lines, 0, sizeof(one->lines));
				if (dp->offsets.len)
					vec_push(&one->offsets, dp->offsets.items[k]);
				if (dp->lines.len)
					vec_push(&one->lines, dp->lines.items[k]);
				memset(&one->wheres, 0, sizeof(one->wheres));
				if (dp->wheres.len)
					vec_push(&one->wheres, dp->wheres.items[k]);
				memset(&one->uaddrs, 0, sizeof(one->uaddrs));
				if (dp->uaddrs.len)
					vec_push(&one->uaddrs, dp->uaddrs.items[k]);
				memset(&one->refctrs, 0, sizeof(one->refctrs));
				if (dp->refctrs.len)
					vec_push(&one->refctrs, dp->refctrs.items[k]);
				memset(&one->marks, 0, sizeof(one->marks));
				if (dp->marks.len)
					vec_push(&one->marks, dp->marks.items[k]);
			}
			vec_push(&q->points, dp->point);
			q->body = stmt_clone(p->body);
			q->cond = expr_clone(p->cond);
			q->loc = p->loc;
			q->alias_depth = p->alias_depth;
			q->alias_name = p->alias_name;
			q->user_point = p->user_point;
			q->resolved = 1;
			one->probe = q;
			vec_push(&s->probes, q);
			if (k == 0)
				s->derived.items[i] = one;
			else
				vec_push(&s->derived, one);
			resolve_handler(el, q, one);
		}
	}
	p->points.len = 0;
}

/* Each probe in turn: aliases expanded (their probes come after), points
 * resolved by their providers, then the handler.  Probes the library
 * brings along join the end of the list as they are taken. */
static void resolve_probes(struct elab *el, int from)
{
	struct script *s = el->s;
	struct probe_context ctx = { .release = el->sess->release, .verbose = el->sess->verbose,
				      .guru = el->sess->guru_mode, .inputs = &el->sess->inputs,
				      .target_cmd = el->sess->target_cmd, .remote = el->sess->remote,
				      .target_pid = el->sess->target_pid };

	for (int i = from; i < s->probes.len; i++) {
		struct probe *p = s->probes.items[i];
		int first, errors = diag_errors, kept = 0, expanded, refused = el->quiet_refusals;
		VEC(struct derived_probe *) mine = {0};

		if (p->resolved)
			continue;
		p->resolved = 1;
		/* In order, so that '!' ends the list where it first resolves. */
		for (int j = 0; j < p->points.len; j++) {
			struct probe_point *pp = p->points.items[j];
			struct derived_probe *dp;

			if ((expanded = expand_alias(el, p, pp))) {
				if (expanded == 2)
					break;
				continue;
			}
			p->points.items[kept++] = pp;
			dp = xcalloc(1, sizeof(*dp));
			dp->probe = p;
			dp->point = pp;
			if (resolve_probe_point(pp, dp, &ctx) != 0 || !privilege_allows_point(el, p, pp, dp)) {
				free(dp);
				continue;
			}
			vec_push(&mine, dp);
			if (pp->sufficient)
				break;	/* '!': the rest are alternatives */
		}
		p->points.len = kept;
		/* (after any alias resolved above, so p's own are side by side) */
		first = s->derived.len;
		for (int j = 0; j < mine.len; j++) {
			mine.items[j]->index = s->derived.len;
			vec_push(&s->derived, mine.items[j]);
		}
		free(mine.items);
		if (!kept)
			continue;
		if (s->derived.len == first && diag_errors > errors)
			continue;	/* its points failed: the handler's errors would only echo that */
		if (s->derived.len == first && el->quiet_refusals > refused) {
			p->points.len = 0;	/* optional points the privilege refused: no probe */
			continue;
		}
		if (count_units(s, first) > 1 &&
		    (expr_find(p->cond, is_target_use) || stmt_find(p->body, is_target_use)))
			split_probe(el, p, first);
		else
			resolve_handler(el, p, s->derived.len == first + 1 ? s->derived.items[first] : NULL);
	}
	el->probe = NULL;
	for (int i = 0; i < s->derived.len; i++)
		s->derived.items[i]->index = i;
}

/* Drops the probes aliases stood for, numbering the rest. */
static void number_probes(struct script *s)
{
	int n = 0;

	for (int i = 0; i < s->probes.len; i++) {
		struct probe *p = s->probes.items[i];

		if (!p->points.len)
			continue;
		p->index = n;
		s->probes.items[n++] = p;
	}
	s->probes.len = n;
}

/* ---- unused code, and globals written or read only ---- */

/* -u: the script's functions are kept, and so resolved, even if no
 * probe calls them. */
static void resolve_all_functions(struct elab *el)
{
	for (int i = 0; i < el->s->functions.len; i++)
		resolve_function(el, el->s->functions.items[i]);
}

/* Overloads share a name, so each gets a C name of its own. */
static void name_overloads(struct script *s)
{
	for (int i = 0; i < s->functions.len; i++) {
		struct function *f = s->functions.items[i];

		for (int j = 0; j < s->functions.len && !f->cname; j++)
			if (j != i && !strcmp(s->functions.items[j]->name, f->name))
				f->cname = xasprintf("%s__%d", f->name, i);
	}
}

/* Drops the globals and functions nothing uses (saying so for the
 * user's own), unless -u keeps them. */
static void elide_unused(struct elab *el)
{
	struct script *s = el->s;
	int n = 0;

	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (g->used || el->sess->keep_unused) {
			s->globals.items[n++] = g;
			continue;
		}
		if (!g->from_library)
			warn_at(el->sess, &g->loc, "Eliding unused variable '%s'", g->name);
	}
	s->globals.len = n;
	n = 0;
	for (int i = 0; i < s->functions.len; i++) {
		struct function *f = s->functions.items[i];

		if (f->used) {
			s->functions.items[n++] = f;
			continue;
		}
		if (in_user_script(el, &f->loc))
			warn_at(el->sess, &f->loc, "Eliding unused function '%s'", f->name);
	}
	s->functions.len = n;
	name_overloads(s);
}

static void warn_never_written(struct elab *el)
{
	for (int i = 0; i < el->s->globals.len; i++) {
		struct symbol *g = el->s->globals.items[i];

		if (g->is_read && !g->is_written && !g->init && !g->set_by_option && !g->from_library)
			warn_at(el->sess, &g->loc, "never-assigned global variable '%s'", g->name);
	}
}

/* The user's globals that are written but never read get an end probe
 * that shows them (see autoprint.c). */
static void add_autoprint_probes(struct elab *el)
{
	struct script *s = el->s;
	int first = s->probes.len;

	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];
		struct script synthetic = {0};
		struct source *src;

		if (!g->is_written || g->is_read || g->from_library || g->type == TYPE_UNKNOWN)
			continue;
		src = xcalloc(1, sizeof(*src));
		src->name = xasprintf("<display of '%s'>", g->name);
		src->text = autoprint_text(g);
		if (parse_source(&synthetic, src, &el->sess->pp_env, &el->sess->macros))
			continue;	/* reported; a bug of ours */
		for (int j = 0; j < synthetic.probes.len; j++)
			vec_push(&s->probes, synthetic.probes.items[j]);
		g->is_read = 1;
	}
	resolve_probes(el, first);
	number_probes(s);
}

/* stap -T SECONDS: a timer probe that ends the script then; -p2 shows
 * it with the script's own. */
static void add_timeout_probe(struct elab *el)
{
	struct script *s = el->s;
	struct script synthetic = {0};
	struct source *src;
	int first = s->probes.len;

	if (!el->sess->timeout_s)
		return;
	src = xcalloc(1, sizeof(*src));
	src->name = xstrdup("<stap -T>");
	src->text = xasprintf("probe timer.s(%d) { exit() }\n", el->sess->timeout_s);
	if (parse_source(&synthetic, src, &el->sess->pp_env, &el->sess->macros))
		return;	/* reported; a bug of ours */
	for (int j = 0; j < synthetic.probes.len; j++)
		vec_push(&s->probes, synthetic.probes.items[j]);
	resolve_probes(el, first);
	number_probes(s);
}

/* The global a -G NAME=VALUE names (NULL if none), and its value. */
static struct symbol *setting_global(struct elab *el, const char *arg, const char **value)
{
	char *name;
	struct symbol *g;

	*value = strchr(arg, '=') + 1;
	name = xstrndup(arg, *value - 1 - arg);
	g = find_global(el, name, el->s->sources.items[0]);
	free(name);
	return g && !g->is_array ? g : NULL;
}

/* -G NAME=VALUE: NAME must be a scalar global; the module takes the value
 * as a parameter when it loads (see emit_globals). */
static void apply_global_settings(struct elab *el)
{
	for (int i = 0; i < el->sess->global_settings.len; i++) {
		const char *arg = el->sess->global_settings.items[i], *value;
		struct symbol *g = setting_global(el, arg, &value);

		if (!g) {
			diag("semantic", NULL, "-G %s: the script has no scalar global of that name", arg);
			continue;
		}
		g->used = 1;
		g->set_by_option = 1;
	}
}

/* After inference, a global only -G gives a type takes its value's. */
static int type_global_settings(struct elab *el)
{
	int typed = 0;

	for (int i = 0; i < el->sess->global_settings.len; i++) {
		const char *arg = el->sess->global_settings.items[i], *value;
		struct symbol *g = setting_global(el, arg, &value);

		if (g && g->type == TYPE_UNKNOWN) {
			g->type = is_number_text(value) ? TYPE_LONG : TYPE_STRING;
			g->type_loc = g->loc;
			typed++;
		}
	}
	return typed;
}

/* After inference: a -G value must suit its global's type. */
static void check_global_settings(struct elab *el)
{
	for (int i = 0; i < el->sess->global_settings.len; i++) {
		const char *arg = el->sess->global_settings.items[i], *value;
		struct symbol *g = setting_global(el, arg, &value);

		if (g && g->type == TYPE_STATS)
			diag("semantic", NULL, "-G %s: '%s' is a statistic", arg, g->name);
		else if (g && g->type == TYPE_LONG && !is_number_text(value))
			diag("semantic", NULL, "-G %s: '%s' is a number, '%s' is not", arg, g->name, value);
	}
}

static void infer_types(struct elab *el)
{
	do {
		el->changed = 0;
		infer_all(el);
	} while (el->changed);
}

int pass2_library(struct session *sess)
{
	struct elab el = { .sess = sess, .s = &sess->script };
	struct script *lib = &sess->library;
	int errors = diag_errors;

	for (int i = 0; i < lib->functions.len; i++) {
		if (lib->functions.items[i]->is_private)
			continue;
		vec_push(&el.s->functions, lib->functions.items[i]);
		take_library_file(&el, lib->functions.items[i]->loc.src);
	}
	resolve_all_functions(&el);
	/* The probes of the files taken are never resolved (only functions
	 * are listed): typing their unresolved variables would crash. */
	el.s->probes.len = 0;
	infer_types(&el);
	return diag_errors > errors ? -1 : 0;
}

int pass2_elaborate(struct session *sess)
{
	struct elab el = { .sess = sess, .s = &sess->script };
	int errors = diag_errors;

	for (int i = 0; i < sess->script.embedded.len; i++)
		check_guru(&el, &sess->script.embedded.items[i]->loc, "embedded C");
	resolve_probes(&el, 0);
	number_probes(&sess->script);
	if (sess->keep_unused)
		resolve_all_functions(&el);
	apply_global_settings(&el);
	if (diag_errors > errors)
		return -1;
	if (!sess->script.derived.len) {
		if (!sess->list_mode)
			diag("semantic", NULL, "no probes found");
		return -1;
	}
	add_timeout_probe(&el);
	infer_types(&el);
	if (type_global_settings(&el))
		infer_types(&el);
	if (!sess->list_mode) {
		add_autoprint_probes(&el);
		infer_types(&el);
	}
	el.report = 1;
	infer_all(&el);
	if (diag_errors == errors)	/* else unresolved types just echo them */
		check_all_resolved(&el);
	check_global_settings(&el);
	if (diag_errors > errors)
		return -1;
	elide_unused(&el);
	warn_never_written(&el);
	for (int i = 0; i < sess->script.derived.len; i++)
		layout_entry_exprs(sess->script.derived.items[i]);
	compute_lock_sets(&sess->script);
	sess->script.module_symbols = dwarf_module_symbols();
	return 0;
}
