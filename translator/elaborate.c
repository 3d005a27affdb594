/* Pass 2: resolve probe points, names and function calls; infer the type
 * of every variable and expression; work out which globals each probe
 * touches, so the runtime can lock them. */
#include "session.h"

#include "builtins.h"
#include "probes.h"
#include "regex.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct elab {
	struct session *sess;
	struct script *s;
	/* the probe or function being resolved */
	struct probe *probe;
	struct function *func;
	int loop_depth;
	/* type inference */
	int changed;
	int report;		/* final round: report mismatches */
	VEC(const struct source *) taken_files;	/* library files in the script */
};

static void error_at(const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void error_at(const struct loc *loc, const char *fmt, ...)
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
	fputs("WARNING: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (loc) {
		char *where = format_loc(loc);

		fprintf(stderr, " at %s", where);
		free(where);
	}
	fputc('\n', stderr);
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
		if (sym)
			return sym;
	}
	sym = find_global(el, e->name, e->loc.src);
	if (sym)
		return sym;
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
			error_at(&clash->loc, "global '%s' is also declared by the tapset library", g->name);
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

static struct function *visible_function(struct script *s, const char *name, const struct source *from)
{
	struct function *found = NULL;

	for (int i = 0; i < s->functions.len; i++) {
		struct function *f = s->functions.items[i];

		if (strcmp(f->name, name) || !visible_from(f->is_private, &f->loc, from))
			continue;
		if (f->is_private)
			return f;
		found = f;
	}
	return found;
}

/* A call to a function the script doesn't define: look in the tapset
 * library, and take the function (and its file) into the script. */
static struct function *find_library_function(struct elab *el, const char *name, const struct source *from)
{
	struct function *f = visible_function(&el->sess->library, name, from);

	if (f) {
		vec_push(&el->s->functions, f);
		take_library_file(el, f->loc.src);
	}
	return f;
}

static void resolve_stmt(struct elab *el, struct stmt *st);
static void resolve_function(struct elab *el, struct function *f);

/* Embedded C in the user's own script needs -g; the library may use it. */
static void check_guru(struct elab *el, const struct loc *loc, const char *what)
{
	if (el->sess->guru_mode || loc->src != el->s->sources.items[0])
		return;
	error_at(loc, "%s needs guru mode (stap -g)", what);
}

static void resolve_call(struct elab *el, struct expr *e)
{
	const struct builtin *bi;
	struct function *f = visible_function(el->s, e->name, e->loc.src);

	if (!f && (bi = find_builtin(e->name))) {
		e->builtin = bi;
		if (e->args.len < bi->min_args || (bi->max_args >= 0 && e->args.len > bi->max_args))
			error_at(&e->loc, "wrong number of arguments to '%s' (%d given)", e->name, e->args.len);
		return;
	}
	if (!f)
		f = find_library_function(el, e->name, e->loc.src);
	if (!f) {
		error_at(&e->loc, "unresolved function call '%s'", e->name);
		return;
	}
	if (f->params.len != e->args.len) {
		error_at(&e->loc, "'%s' takes %d argument%s, %d given", f->name, f->params.len,
			 f->params.len == 1 ? "" : "s", e->args.len);
		diag_also(&f->loc);
		return;
	}
	e->func = f;
	if (el->func)
		add_unique(&el->func->calls, f);
	else
		add_unique(&el->probe->calls, f);
	resolve_function(el, f);
}

/* An array must be a global, used as an array everywhere, always with
 * the same number of keys. */
static struct symbol *resolve_array(struct elab *el, struct expr *e, int nkeys, int write)
{
	struct symbol *g = find_global(el, e->name, e->loc.src);

	if (!g) {
		error_at(&e->loc, "array '%s' is not declared (add 'global %s')", e->name, e->name);
		return NULL;
	}
	g->used = 1;
	note_global_access(el, g, write);
	if (g->scalar_loc.line) {
		error_at(&e->loc, "'%s' is used as an array here, but as a scalar", e->name);
		diag_also(&g->scalar_loc);
		return NULL;
	}
	if (!g->array_loc.line)
		g->array_loc = e->loc;
	g->is_array = 1;
	if (nkeys && !g->nkeys) {
		g->nkeys = nkeys;
	} else if (nkeys && g->nkeys != nkeys) {
		error_at(&e->loc, "array '%s' has %d key%s here, but %d", e->name, nkeys,
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
		error_at(&e->loc, "array '%s' is used as a scalar", e->name);
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
	struct expr *arg = e->args.items[0];
	struct symbol *g = arg->sym;
	int64_t v[3];

	if ((arg->kind != EX_VAR && arg->kind != EX_INDEX) || !g || g->kind != SYM_GLOBAL) {
		error_at(&arg->loc, "%s takes a global statistic or an element of an array of them",
			 e->name);
		return;
	}
	if (e->builtin->id == BI_HIST_LOG) {
		g->hist_log = 1;
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (!literal_number(e->args.items[i + 1], &v[i])) {
			error_at(&e->args.items[i + 1]->loc, "@hist_linear's bounds must be literal numbers");
			return;
		}
	}
	if (v[2] <= 0 || v[1] <= v[0] || (v[1] - v[0]) / v[2] >= 65536) {
		error_at(&e->loc, "@hist_linear needs low < high and 0 < step, and at most 65536 buckets");
		return;
	}
	if (g->hist_linear && (g->lin_low != v[0] || g->lin_high != v[1] || g->lin_step != v[2])) {
		error_at(&e->loc, "'%s' already has a linear histogram with other bounds", g->name);
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

/* Target variables need a probe point with debug information; the
 * begin, end and timer probes have none.  @defined() is how a script
 * asks, so it is 0 here. */
static void resolve_target(struct elab *el, struct expr *e)
{
	if (!strcmp(e->op, "@defined")) {
		e->kind = EX_NUMBER;
		e->num = 0;
		return;
	}
	if (!strcmp(e->op, "@cast"))
		error_at(&e->loc, "@cast needs the kernel's debug information, not supported yet");
	else
		error_at(&e->loc, "target variable %s is not available in %s (no debug information)",
			 e->name, probe_name(el));
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

static void resolve_expr(struct elab *el, struct expr *e, int write)
{
	int64_t v;

	if (!e)
		return;
	switch (e->kind) {
	case EX_VAR:
		e->sym = lookup_var(el, e);
		e->sym->used = 1;
		note_global_access(el, e->sym, write);
		note_scalar_use(e);
		break;
	case EX_INDEX:
	case EX_IN:
		for (int i = 0; i < e->args.len; i++)
			resolve_expr(el, e->args.items[i], 0);
		e->sym = resolve_array(el, e, e->args.len, write);
		break;
	case EX_TARGET:
		resolve_target(el, e);
		break;
	case EX_TERNARY:
		resolve_expr(el, e->cond, 0);
		if (constant_value(e->cond, &v)) {
			/* @defined($x) ? $x : 0 — only the branch taken is resolved */
			*e = *(v ? e->lhs : e->rhs);
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
		if (e->builtin && (e->builtin->id == BI_HIST_LINEAR || e->builtin->id == BI_HIST_LOG))
			note_histogram(e);
		break;
	case EX_ASSIGN:
	case EX_INCDEC:
		resolve_expr(el, e->rhs, 0);
		/* x <<< v adds to this CPU's part: readers of x don't collide;
		 * a[k] <<< v may insert an element, so it writes a */
		resolve_expr(el, e->lhs, !(e->kind == EX_ASSIGN && !strcmp(e->op, "<<<") &&
					   e->lhs->kind == EX_VAR));
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
			st->kind = ST_EMPTY;
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
		resolve_expr(el, e, 1);
		return;
	}
	g = find_global(el, e->name, e->loc.src);
	if (g && g->is_array) {
		e->sym = resolve_array(el, e, 0, 1);
		return;
	}
	resolve_expr(el, e, 1);
}

static void resolve_foreach(struct elab *el, struct stmt *st)
{
	struct foreach *fe = st->fe;
	struct expr *arr = fe->array;

	for (int i = 0; i < arr->args.len; i++)
		resolve_expr(el, arr->args.items[i], 0);
	arr->sym = resolve_array(el, arr, fe->keys.len, 0);
	if (arr->kind == EX_INDEX && arr->args.len != fe->keys.len)
		error_at(&arr->loc, "the slice has %d keys, the foreach %d", arr->args.len, fe->keys.len);
	for (int i = 0; i < fe->keys.len; i++)
		resolve_expr(el, fe->keys.items[i], 1);
	resolve_expr(el, fe->value, 1);
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
		resolve_expr(el, st->expr, 1);
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
			error_at(&st->loc, "'%s' outside a loop", st->kind == ST_BREAK ? "break" : "continue");
		break;
	case ST_RETURN:
		if (!el->func)
			error_at(&st->loc, "'return' outside a function (use 'next' to leave a probe)");
		resolve_expr(el, st->expr, 0);
		break;
	case ST_NEXT:
		if (el->func)
			error_at(&st->loc, "'next' outside a probe");
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

/* ---- types ---- */

static void mismatch(struct elab *el, enum type have, enum type want, const struct expr *at,
		     const struct loc *other)
{
	if (!el->report)
		return;
	error_at(&at->loc, "type mismatch (%s vs. %s): %s", type_name(want), type_name(have), at->near);
	if (other && other->src)
		diag_also(other);
}

static void set_type(struct elab *el, enum type *slot, struct loc *slot_loc, enum type t,
		     const struct expr *at)
{
	if (t != TYPE_LONG && t != TYPE_STRING && t != TYPE_STATS)
		return;
	if (*slot == TYPE_UNKNOWN) {
		*slot = t;
		*slot_loc = at->loc;
		el->changed = 1;
	} else if (*slot != t) {
		mismatch(el, t, *slot, at, slot_loc);
	}
}

static enum type infer(struct elab *el, struct expr *e);

static void no_void(struct elab *el, const struct expr *e, enum type t)
{
	if (t == TYPE_VOID && el->report)
		error_at(&e->loc, "'%s' returns no value", e->name);
	if (t == TYPE_HIST && el->report)
		error_at(&e->loc, "a histogram can only be printed, as in print(%s(...))", e->name);
}

static int is_value_type(enum type t)
{
	if (t == TYPE_STATS)
		return 1;
	return t == TYPE_LONG || t == TYPE_STRING;
}

/* Imposes type t on e, which has been inferred already: variables and
 * functions take it, anything else must already have it. */
static void push(struct elab *el, struct expr *e, enum type t)
{
	if (!is_value_type(t))
		return;
	if (e->kind == EX_VAR) {
		set_type(el, &e->sym->type, &e->sym->type_loc, t, e);
		e->type = e->sym->type;
	} else if (e->kind == EX_CALL && e->func) {
		set_type(el, &e->func->type, &e->func->type_loc, t, e);
		e->type = e->func->type;
	} else if (e->kind == EX_INDEX && e->sym) {
		set_type(el, &e->sym->type, &e->sym->type_loc, t, e);
		e->type = e->sym->type;
	} else if ((e->kind == EX_ASSIGN && !strcmp(e->op, "=")) || e->kind == EX_TERNARY) {
		push(el, e->lhs, t);
		push(el, e->rhs, t);
		e->type = e->lhs->type;
	} else if (is_value_type(e->type) && e->type != t) {
		mismatch(el, e->type, t, e, NULL);
	}
}

/* The context needs e to have type t (TYPE_UNKNOWN: any value). */
static void expect(struct elab *el, struct expr *e, enum type t)
{
	no_void(el, e, infer(el, e));
	push(el, e, t);
}

/* Both sides must agree; whichever is known decides the other. */
static enum type unify(struct elab *el, struct expr *a, struct expr *b)
{
	enum type ta = infer(el, a), tb = infer(el, b);

	no_void(el, a, ta);
	no_void(el, b, tb);
	if (is_value_type(ta) && is_value_type(tb) && ta != tb && a->kind == EX_VAR) {
		/* Name the variable, and where it got its type. */
		mismatch(el, tb, ta, a, &a->sym->type_loc);
		return ta;
	}
	if (is_value_type(ta))
		push(el, b, ta);
	else if (is_value_type(tb))
		push(el, a, tb);
	return is_value_type(a->type) ? a->type : b->type;
}

/* e flows into a typed slot (a parameter, a return value): whichever of
 * the two is known decides the other. */
static void decide(struct elab *el, enum type *slot, struct loc *slot_loc, struct expr *e)
{
	enum type t = infer(el, e);

	no_void(el, e, t);
	if (*slot == TYPE_UNKNOWN)
		set_type(el, slot, slot_loc, t, e);
	else
		push(el, e, *slot);
}

/* The keys of an element, a slice or an "in" test against the array's
 * key types; wildcards (NULL) have none. */
static void infer_keys(struct elab *el, struct expr *e)
{
	struct symbol *arr = e->sym;

	for (int i = 0; i < e->args.len; i++) {
		if (!e->args.items[i])
			continue;
		if (arr && i < arr->nkeys)
			decide(el, &arr->key_types[i], &arr->key_locs[i], e->args.items[i]);
		else
			infer(el, e->args.items[i]);
	}
}

static enum type infer_call(struct elab *el, struct expr *e)
{
	if (e->func) {
		for (int i = 0; i < e->args.len; i++) {
			struct symbol *param = e->func->params.items[i];
			struct expr *arg = e->args.items[i];

			decide(el, &param->type, &param->type_loc, arg);
		}
		return e->func->type;
	}
	if (!e->builtin)
		return TYPE_UNKNOWN;
	if ((e->builtin->id == BI_PRINT || e->builtin->id == BI_PRINTLN) && e->args.len == 1 &&
	    infer(el, e->args.items[0]) == TYPE_HIST)
		return e->builtin->type;	/* print(@hist_log(s)) */
	for (int i = 0; i < e->args.len; i++) {
		enum type want = e->builtin->arg_type;

		if (i == 0 && (e->builtin->id == BI_PRINTF || e->builtin->id == BI_SPRINTF))
			want = TYPE_STRING;
		if (i > 0 && want == TYPE_STATS)	/* @hist_linear's bounds, @variance's shift */
			want = TYPE_LONG;
		expect(el, e->args.items[i], want);
	}
	if (el->report && (e->builtin->id == BI_PRINTF || e->builtin->id == BI_SPRINTF))
		check_format(e);
	if (el->report && (e->builtin->id == BI_PRINTD || e->builtin->id == BI_PRINTDLN ||
			   e->builtin->id == BI_SPRINTD) && e->args.items[0]->kind != EX_STRING)
		error_at(&e->args.items[0]->loc, "the delimiter of %s must be a string literal", e->name);
	return e->builtin->type;
}

/* The pattern of =~ is a literal, compiled here once; a bad one is an
 * error at its place. */
static void compile_regex(struct expr *e)
{
	char *err = NULL;

	if (e->rhs->kind != EX_STRING) {
		error_at(&e->rhs->loc, "the pattern of '%s' must be a string literal", e->op);
		return;
	}
	if (e->regex)
		return;
	e->regex = regex_compile(e->rhs->str, &err);
	if (!e->regex) {
		error_at(&e->rhs->loc, "invalid regular expression: %s", err);
		free(err);
	}
}

static int is_comparison(const char *op)
{
	return !strcmp(op, "==") || !strcmp(op, "!=") || !strcmp(op, "<") || !strcmp(op, "<=") ||
	       !strcmp(op, ">") || !strcmp(op, ">=");
}

static enum type infer(struct elab *el, struct expr *e)
{
	enum type t = TYPE_UNKNOWN;

	switch (e->kind) {
	case EX_NUMBER: t = TYPE_LONG; break;
	case EX_STRING: t = TYPE_STRING; break;
	case EX_VAR: t = e->sym ? e->sym->type : TYPE_UNKNOWN; break;
	case EX_INDEX:
		infer_keys(el, e);
		t = e->sym ? e->sym->type : TYPE_UNKNOWN;
		break;
	case EX_IN:
		infer_keys(el, e);
		t = TYPE_LONG;
		break;
	case EX_TARGET:
		t = TYPE_LONG;	/* reported in resolve_target */
		break;
	case EX_CALL: t = infer_call(el, e); break;
	case EX_UNARY:
	case EX_INCDEC:
		expect(el, e->lhs, TYPE_LONG);
		t = TYPE_LONG;
		break;
	case EX_BINARY:
		if (!strcmp(e->op, "=~") || !strcmp(e->op, "!~")) {
			expect(el, e->lhs, TYPE_STRING);
			if (el->report)
				compile_regex(e);
		} else if (is_comparison(e->op)) {
			unify(el, e->lhs, e->rhs);
		} else {
			expect(el, e->lhs, TYPE_LONG);
			expect(el, e->rhs, TYPE_LONG);
		}
		t = TYPE_LONG;
		break;
	case EX_CONCAT:
		expect(el, e->lhs, TYPE_STRING);
		expect(el, e->rhs, TYPE_STRING);
		t = TYPE_STRING;
		break;
	case EX_ASSIGN:
		if (!strcmp(e->op, "<<<")) {
			expect(el, e->lhs, TYPE_STATS);
			expect(el, e->rhs, TYPE_LONG);
			t = TYPE_VOID;
		} else if (!strcmp(e->op, "=")) {
			t = unify(el, e->lhs, e->rhs);
		} else {
			t = strcmp(e->op, ".=") ? TYPE_LONG : TYPE_STRING;
			expect(el, e->lhs, t);
			expect(el, e->rhs, t);
		}
		break;
	case EX_TERNARY:
		expect(el, e->cond, TYPE_LONG);
		t = unify(el, e->lhs, e->rhs);
		break;
	}
	e->type = t;
	return t;
}

static void infer_foreach(struct elab *el, struct foreach *fe)
{
	struct symbol *arr = fe->array->sym;

	if (!arr)
		return;
	if (fe->array->kind == EX_INDEX)
		infer_keys(el, fe->array);
	for (int i = 0; i < fe->keys.len && i < arr->nkeys; i++)
		decide(el, &arr->key_types[i], &arr->key_locs[i], fe->keys.items[i]);
	if (fe->value)
		decide(el, &arr->type, &arr->type_loc, fe->value);
	if (fe->limit)
		expect(el, fe->limit, TYPE_LONG);
}

static void infer_stmt(struct elab *el, struct stmt *st)
{
	if (!st)
		return;
	if (st->kind == ST_FOREACH)
		infer_foreach(el, st->fe);
	if (st->kind == ST_RETURN && st->expr && el->func) {
		struct expr *e = st->expr;

		decide(el, &el->func->type, &el->func->type_loc, e);
		return;
	}
	if (st->kind == ST_TRY && st->expr)
		expect(el, st->expr, TYPE_STRING);
	if (st->init)
		infer(el, st->init);
	if (st->cond)
		expect(el, st->cond, TYPE_LONG);
	if (st->incr)
		infer(el, st->incr);
	if (st->expr && st->kind != ST_TRY)
		infer(el, st->expr);
	infer_stmt(el, st->then);
	infer_stmt(el, st->else_);
	for (int i = 0; i < st->body.len; i++)
		infer_stmt(el, st->body.items[i]);
}

static void infer_all(struct elab *el)
{
	struct script *s = el->s;

	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (g->init)
			set_type(el, &g->type, &g->type_loc, infer(el, g->init), g->init);
	}
	for (int i = 0; i < s->functions.len; i++) {
		el->func = s->functions.items[i];
		if (el->func->used && el->func->body)
			infer_stmt(el, el->func->body);
	}
	el->func = NULL;
	for (int i = 0; i < s->probes.len; i++) {
		if (s->probes.items[i]->cond)
			expect(el, s->probes.items[i]->cond, TYPE_LONG);
		infer_stmt(el, s->probes.items[i]->body);
	}
}

static void check_resolved(const struct symbol *sym)
{
	if (!sym->used)
		return;
	if (sym->type == TYPE_STATS && sym->kind != SYM_GLOBAL)
		error_at(&sym->loc, "statistic '%s' must be a global", sym->name);

	if (sym->type == TYPE_UNKNOWN)
		error_at(&sym->loc, "unresolved type for %s '%s'", sym->is_array ? "array" : "identifier",
			 sym->name);
	for (int i = 0; i < sym->nkeys; i++)
		if (sym->key_types[i] == TYPE_UNKNOWN)
			error_at(&sym->loc, "unresolved type of key %d of array '%s'", i + 1, sym->name);
	if (sym->is_array && !sym->nkeys)
		error_at(&sym->loc, "array '%s' is never indexed, so its keys are unknown", sym->name);
}

static void check_all_resolved(struct elab *el)
{
	struct script *s = el->s;

	for (int i = 0; i < s->globals.len; i++)
		check_resolved(s->globals.items[i]);
	for (int i = 0; i < s->functions.len; i++) {
		struct function *f = s->functions.items[i];

		for (int j = 0; j < f->locals.len && f->used; j++)
			check_resolved(f->locals.items[j]);
	}
	for (int i = 0; i < s->probes.len; i++) {
		struct probe *p = s->probes.items[i];

		for (int j = 0; j < p->locals.len; j++)
			check_resolved(p->locals.items[j]);
	}
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
static struct probe *alias_probe(const struct probe_alias *a, const struct probe *use)
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
			error_at(&pp->loc, "probe alias '%s' expands into itself", a->name->text);
			return 1;
		}
		if (from == &el->sess->library)
			take_library_file(el, a->name->loc.src);
		vec_push(&el->s->probes, alias_probe(a, p));
		matched++;
	}
	return matched;
}

/* Replaces each use of an alias (the script's or the library's) in p's
 * points by a new probe for the alias, appended to the script. */
static void expand_aliases(struct elab *el, struct probe *p)
{
	int kept = 0;

	for (int j = 0; j < p->points.len; j++) {
		struct probe_point *pp = p->points.items[j];

		if (!expand_point(el, p, pp, el->s) && !expand_point(el, p, pp, &el->sess->library))
			p->points.items[kept++] = pp;
	}
	p->points.len = kept;
}

/* ---- the pass ---- */

/* Each probe in turn: aliases expanded (their probes come after), points
 * resolved by their providers, then the handler.  Probes the library
 * brings along join the end of the list as they are taken. */
static void resolve_probes(struct elab *el, int from)
{
	struct script *s = el->s;

	for (int i = from; i < s->probes.len; i++) {
		struct probe *p = s->probes.items[i];

		expand_aliases(el, p);
		if (!p->points.len)
			continue;
		for (int j = 0; j < p->points.len; j++) {
			struct derived_probe *dp = xcalloc(1, sizeof(*dp));

			dp->probe = p;
			dp->point = p->points.items[j];
			if (resolve_probe_point(dp->point, dp) != 0) {
				free(dp);
				continue;
			}
			dp->index = s->derived.len;
			vec_push(&s->derived, dp);
			if (dp->point->sufficient)
				break;	/* '!': the rest are alternatives */
		}
		el->probe = p;
		resolve_expr(el, p->cond, 0);
		resolve_stmt(el, p->body);
	}
	el->probe = NULL;
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

static void warn_unused_globals(struct elab *el)
{
	for (int i = 0; i < el->s->globals.len; i++) {
		struct symbol *g = el->s->globals.items[i];

		if (!g->used)
			warn_at(el->sess, &g->loc, "Eliding unused variable '%s'", g->name);
	}
}

int pass2_elaborate(struct session *sess)
{
	struct elab el = { .sess = sess, .s = &sess->script };
	int errors = diag_errors;

	for (int i = 0; i < sess->script.embedded.len; i++)
		check_guru(&el, &sess->script.embedded.items[i]->loc, "embedded C");
	resolve_probes(&el, 0);
	number_probes(&sess->script);
	if (diag_errors > errors)
		return -1;
	if (!sess->script.derived.len) {
		diag("semantic", NULL, "no probes found");
		return -1;
	}
	do {
		el.changed = 0;
		infer_all(&el);
	} while (el.changed);
	el.report = 1;
	infer_all(&el);
	if (diag_errors == errors)	/* else unresolved types just echo them */
		check_all_resolved(&el);
	if (diag_errors > errors)
		return -1;
	warn_unused_globals(&el);
	compute_lock_sets(&sess->script);
	return 0;
}
