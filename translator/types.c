/* Pass 2's type inference: types flow from literals, operators, calls
 * and printf formats to variables, functions and array keys, round after
 * round until nothing changes; the last round reports mismatches, naming
 * both places. */
#include "elaborate.h"

#include "builtins.h"
#include "regex.h"

#include <stdlib.h>
#include <string.h>

static void mismatch(struct elab *el, enum type have, enum type want, const struct expr *at,
		     const struct loc *other)
{
	if (!el->report)
		return;
	sem_error(&at->loc, "type mismatch (%s vs. %s): %s", type_name(want), type_name(have), at->near);
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
		sem_error(&e->loc, "'%s' returns no value", e->name);
	if (t == TYPE_HIST && el->report)
		sem_error(&e->loc, "a histogram can only be printed, as in print(%s(...))", e->name);
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

/* printf("%s", 1): said in the format's terms (the final round). */
static int format_mismatch(struct elab *el, struct expr *call, int i, enum type want)
{
	enum type have = infer(el, call->args.items[i]);

	if (!el->report || (have != TYPE_LONG && have != TYPE_STRING) || have == want)
		return 0;
	sem_error(&call->args.items[i]->loc, "%s's argument %d is a %s, but its format has a %s conversion there",
		  call->name, i, have == TYPE_LONG ? "number" : "string", want == TYPE_LONG ? "number" : "string");
	return 1;
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
	enum type format_types[64];
	int nformat = 0, errors = diag_errors;

	if ((e->builtin->id == BI_PRINTF || e->builtin->id == BI_SPRINTF) && e->args.items[0]->kind == EX_STRING)
		nformat = format_arg_types(e->args.items[0]->str, format_types, 64);
	for (int i = 0; i < e->args.len; i++) {
		enum type want = e->builtin->arg_type;

		if (i == 0 && (e->builtin->id == BI_PRINTF || e->builtin->id == BI_SPRINTF))
			want = TYPE_STRING;
		else if (i > 0 && i <= nformat)	/* printf("%d", x): x is a long */
			want = format_types[i - 1];
		if (i > 0 && want == TYPE_STATS)	/* @hist_linear's bounds, @variance's shift */
			want = TYPE_LONG;
		if (i > 0 && i <= nformat && format_mismatch(el, e, i, want))
			continue;
		expect(el, e->args.items[i], want);
	}
	if (el->report && (e->builtin->id == BI_PRINTF || e->builtin->id == BI_SPRINTF) && diag_errors == errors)
		check_format(e);	/* unless its arguments' types were just reported */
	if (el->report && (e->builtin->id == BI_PRINTD || e->builtin->id == BI_PRINTDLN ||
			   e->builtin->id == BI_SPRINTD) && e->args.items[0]->kind != EX_STRING)
		sem_error(&e->args.items[0]->loc, "the delimiter of %s must be a string literal", e->name);
	return e->builtin->type;
}

/* The pattern of =~ is a literal, compiled here once; a bad one is an
 * error at its place. */
static void compile_regex(struct expr *e)
{
	char *err = NULL;

	if (e->rhs->kind != EX_STRING) {
		sem_error(&e->rhs->loc, "the pattern of '%s' must be a string literal", e->op);
		return;
	}
	if (e->regex)
		return;
	e->regex = regex_compile(e->rhs->str, &err);
	if (!e->regex) {
		sem_error(&e->rhs->loc, "invalid regular expression: %s", err);
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
	case EX_EMBEDDED: t = strstr(e->str, "/* string */") ? TYPE_STRING : TYPE_LONG; break;
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
		/* the script's own parts: indices, and @cast's pointer */
		for (int i = 0; i < e->steps.len; i++)
			if (e->steps.items[i]->index)
				expect(el, e->steps.items[i]->index, TYPE_LONG);
		if (!strcmp(e->op, "@cast"))
			expect(el, e->args.items[0], TYPE_LONG);
		if (!strcmp(e->op, "@entry") && (e->entry_slot || !e->access)) {
			t = infer(el, e->args.items[0]);	/* @entry(expression) */
			if (e->access)
				e->access->type = t;
			break;
		}
		t = e->access ? e->access->type : TYPE_LONG;	/* else reported in pass 2 */
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

void infer_all(struct elab *el)
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
		sem_error(&sym->loc, "statistic '%s' must be a global", sym->name);

	if (sym->type == TYPE_UNKNOWN)
		sem_error(&sym->loc, "unresolved type for %s '%s'", sym->is_array ? "array" : "identifier",
			 sym->name);
	for (int i = 0; i < sym->nkeys; i++)
		if (sym->key_types[i] == TYPE_UNKNOWN)
			sem_error(&sym->loc, "unresolved type of key %d of array '%s'", i + 1, sym->name);
	if (sym->is_array && !sym->nkeys)
		sem_error(&sym->loc, "array '%s' is never indexed, so its keys are unknown", sym->name);
}

void check_all_resolved(struct elab *el)
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
