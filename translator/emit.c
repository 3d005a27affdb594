/* Pass 3: write the script as one readable C file for the runtime in
 * runtime/.  Script locals live in per-probe and per-function frame
 * structs (the kernel stack is too small for them); globals are C
 * globals with a lock each; string values that need a buffer get a
 * temporary in the frame. */
#include "session.h"

#include "builtins.h"
#include "emit.h"
#include "regex.h"
#include "privilege.h"
#include "probes.h"
#include "usyms.h"

#include <string.h>


void line(struct emitter *em, const char *fmt, ...)
{
	va_list ap;

	for (int i = 0; i < em->depth; i++)
		sb_addc(&em->out, '\t');
	va_start(ap, fmt);
	sb_vprintf(&em->out, fmt, ap);
	va_end(ap);
	sb_addc(&em->out, '\n');
}

char *quoted(const char *s)
{
	struct strbuf sb = {0};

	sb_add_quoted(&sb, s);
	return sb_steal(&sb);
}

/* "identifier 'x' at FILE:L:C", as a C string: where a runtime error was. */
char *near_literal(const char *near, const struct loc *loc)
{
	char *where = format_loc(loc);
	char *text = xasprintf("%s at %s", near, where);
	char *q = quoted(text);

	free(where);
	free(text);
	return q;
}

static const char *c_type(enum type t)
{
	return t == TYPE_STRING ? "char *" : "int64_t ";
}

char *var_ref(const struct symbol *sym)
{
	if (sym->kind == SYM_GLOBAL)
		return xasprintf("g_%s", sym->cname);
	return xasprintf("l->l_%s", sym->name);
}

char *new_tmp(struct emitter *em, struct expr *e)
{
	e->tmp = em->ntmp++;
	return xasprintf("l->tmp%d", e->tmp);
}

/* ---- expressions ---- */

/* "%s%lld..." with one conversion per argument from first on: print()
 * and sprint(); with a delimiter between them for printd(). */
static char *print_format(struct expr *call, int first, const char *delim, int newline)
{
	struct strbuf fmt = {0};

	for (int i = first; i < call->args.len; i++) {
		if (delim && i > first)
			for (const char *d = delim; *d; d++)
				sb_add(&fmt, *d == '%' ? "%%" : (char[]){ *d, 0 });
		sb_add(&fmt, call->args.items[i]->type == TYPE_STRING ? "%s" : "%lld");
	}
	if (newline)
		sb_addc(&fmt, '\n');
	return quoted(fmt.buf ? fmt.buf : "");
}

/* Whether evaluating e may change what another expression reads. */
static int has_side_effects(const struct expr *e)
{
	if (!e)
		return 0;
	if (e->kind == EX_ASSIGN || e->kind == EX_INCDEC || (e->kind == EX_CALL && e->func))
		return 1;
	if (has_side_effects(e->lhs) || has_side_effects(e->rhs) || has_side_effects(e->cond))
		return 1;
	for (int i = 0; i < e->args.len; i++)
		if (has_side_effects(e->args.items[i]))
			return 1;
	return 0;
}

/* C evaluates a call's arguments in no set order, a script left to
 * right: when one of them has side effects (an assignment, ++ or --, a
 * call of a script function), each is evaluated into a temporary first,
 * in order. */
static int args_need_order(const struct expr *call, int first, int end)
{
	if (end - first < 2)
		return 0;
	for (int i = first; i < end; i++)
		if (has_side_effects(call->args.items[i]))
			return 1;
	return 0;
}

/* The C of argument a; in_order, the value of a temporary that an
 * assignment added to pre ("l->ltmp0 = ..., ") sets. */
static char *emit_arg(struct emitter *em, struct expr *a, int in_order, struct strbuf *pre)
{
	char *s = emit_expr(em, a), *tmp;

	if (!in_order || a->kind == EX_NUMBER || a->kind == EX_STRING)
		return s;
	if (a->type == TYPE_STRING) {
		tmp = xasprintf("l->tmp%d", em->ntmp++);
		sb_printf(pre, "stp_strcpy(%s, %s), ", tmp, s);
	} else {
		tmp = xasprintf("l->ltmp%d", em->nltmp++);
		sb_printf(pre, "%s = %s, ", tmp, s);
	}
	free(s);
	return tmp;
}

/* "(PRE CALL)" when pre has assignments, else CALL; takes both. */
static char *with_prefix(struct strbuf *pre, char *call)
{
	char *r;

	if (!pre->len)
		return call;
	r = xasprintf("(%s%s)", pre->buf, call);
	free(pre->buf);
	free(call);
	return r;
}

/* The arguments after the format; %c takes an int, other integer
 * conversions a long long (the format says "ll"; arg_kinds has one
 * letter per argument after the format).  In order (see
 * args_need_order), their assignments go to pre. */
static void emit_arg_range(struct emitter *em, struct strbuf *sb, struct expr *call, int first, int end,
			   int in_order, struct strbuf *pre)
{
	for (int i = first; i < end; i++) {
		struct expr *a = call->args.items[i];
		char *s = emit_arg(em, a, in_order, pre);
		int is_char = call->arg_kinds && call->arg_kinds[i - 1] == 'c';

		if (a->type == TYPE_LONG)
			sb_printf(sb, ", (%s)%s", is_char ? "int" : "long long", s);
		else
			sb_printf(sb, ", %s", s);
		free(s);
	}
}

static void emit_args(struct emitter *em, struct strbuf *sb, struct expr *call, int first, struct strbuf *pre)
{
	emit_arg_range(em, sb, call, first, call->args.len, args_need_order(call, first, call->args.len), pre);
}

/* A width or precision of %b %m %M: fixed, none (-1), or an argument. */
static char *piece_count(struct emitter *em, struct expr *call, int count, int *argi, int in_order,
			 struct strbuf *pre)
{
	char *arg, *r;

	if (count != -2)
		return xasprintf("%d", count);
	arg = emit_arg(em, call->args.items[(*argi)++], in_order, pre);
	r = xasprintf("(int)%s", arg);
	free(arg);
	return r;
}

/* printf or sprintf of a format in pieces (see struct format_piece): one
 * call per piece, in order, as a comma expression; sprintf appends them
 * to its temporary, which is the value. */
static char *emit_format_pieces(struct emitter *em, struct expr *e, int to_string)
{
	struct strbuf sb = {0};
	char *dst = to_string ? new_tmp(em, e) : NULL;
	char *near = near_literal(e->near, &e->loc);
	int in_order = args_need_order(e, 1, e->args.len);

	sb_addc(&sb, '(');
	if (to_string)
		sb_printf(&sb, "%s[0] = '\\0', ", dst);
	for (int i = 0; i < e->pieces.len; i++) {
		struct format_piece *piece = e->pieces.items[i];
		struct strbuf pre = {0}, call = {0};
		int argi = piece->first_arg;
		char *width, *precision, *value;

		if (!piece->conv) {
			sb_printf(&call, to_string ? "stp_catf(%s, %s" : "stp_printf(c%s, %s", to_string ? dst : "",
				  quoted(piece->fmt));
			emit_arg_range(em, &call, e, piece->first_arg, piece->first_arg + piece->nargs, in_order,
				       &pre);
			sb_addc(&call, ')');
		} else {
			width = piece_count(em, e, piece->width, &argi, in_order, &pre);
			precision = piece_count(em, e, piece->precision, &argi, in_order, &pre);
			value = emit_arg(em, e->args.items[argi], in_order, &pre);
			sb_printf(&call, "STP_CHECKED(c, %s(c, %s%s'%c', %s, %s, %s, %s, %s), %s)",
				  to_string ? "stp_cat_special" : "stp_print_special", to_string ? dst : "",
				  to_string ? ", " : "", piece->conv, width, precision,
				  piece->left ? "true" : "false", value, near, em->error_label);
			free(width);
			free(precision);
			free(value);
		}
		sb_printf(&sb, "%s%s%s", i ? ", " : "", pre.buf ? pre.buf : "", call.buf);
		free(pre.buf);
		free(call.buf);
	}
	if (to_string)
		sb_printf(&sb, ", %s", dst);
	sb_addc(&sb, ')');
	free(near);
	return sb_steal(&sb);
}

static char *emit_builtin(struct emitter *em, struct expr *e)
{
	struct strbuf sb = {0}, pre = {0};
	enum builtin_id id = e->builtin->id;
	int newline = id == BI_PRINTLN || id == BI_SPRINTLN;

	switch (id) {
	case BI_PRINT:
	case BI_PRINTLN:
		if (e->args.len == 1 && e->args.items[0]->type == TYPE_STRING && !newline) {
			char *a = emit_expr(em, e->args.items[0]);

			sb_printf(&sb, "stp_print(c, %s)", a);
			free(a);
			break;
		}
		sb_printf(&sb, "stp_printf(c, %s", print_format(e, 0, NULL, newline));
		emit_args(em, &sb, e, 0, &pre);
		sb_addc(&sb, ')');
		break;
	case BI_SPRINT:
	case BI_SPRINTLN:
		sb_printf(&sb, "stp_sprintf(%s, %s", new_tmp(em, e), print_format(e, 0, NULL, newline));
		emit_args(em, &sb, e, 0, &pre);
		sb_addc(&sb, ')');
		break;
	case BI_PRINTD:
	case BI_PRINTDLN:
		sb_printf(&sb, "stp_printf(c, %s", print_format(e, 1, e->args.items[0]->str, id == BI_PRINTDLN));
		emit_args(em, &sb, e, 1, &pre);
		sb_addc(&sb, ')');
		break;
	case BI_SPRINTD:
		sb_printf(&sb, "stp_sprintf(%s, %s", new_tmp(em, e), print_format(e, 1, e->args.items[0]->str, 0));
		emit_args(em, &sb, e, 1, &pre);
		sb_addc(&sb, ')');
		break;
	case BI_PRINTF:
		if (e->pieces.len) {
			free(sb.buf);
			return emit_format_pieces(em, e, 0);
		}
		sb_printf(&sb, "stp_printf(c, %s", quoted(e->str));
		emit_args(em, &sb, e, 1, &pre);
		sb_addc(&sb, ')');
		break;
	case BI_SPRINTF:
		if (e->pieces.len) {
			free(sb.buf);
			return emit_format_pieces(em, e, 1);
		}
		sb_printf(&sb, "stp_sprintf(%s, %s", new_tmp(em, e), quoted(e->str));
		emit_args(em, &sb, e, 1, &pre);
		sb_addc(&sb, ')');
		break;
	case BI_EXIT:
		sb_add(&sb, "stp_exit()");
		break;
	case BI_ERROR:
		sb_printf(&sb, "stp_error(c, %s, NULL)", emit_expr(em, e->args.items[0]));
		break;
	case BI_WARN:
		sb_printf(&sb, "stp_warn(%s)", emit_expr(em, e->args.items[0]));
		break;
	case BI_TARGET:
		sb_add(&sb, "((int64_t)stp_target)");
		break;
	case BI_MATCHED:
		sb_printf(&sb, "stp_matched(c, %s, %s, %s)", new_tmp(em, e), emit_expr(em, e->args.items[0]),
			  near_literal(e->near, &e->loc));
		return checked(em, &sb);
	case BI_COUNT:
	case BI_SUM:
	case BI_MIN:
	case BI_MAX:
	case BI_AVG:
	case BI_VARIANCE:
		free(sb.buf);
		return emit_stat_part(em, e);
	case BI_HIST_LINEAR:
	case BI_HIST_LOG:
		break;	/* only inside print: see emit_stmt */
	}
	return with_prefix(&pre, sb_steal(&sb));
}

/* Wraps an operation that may fail, so a failure jumps away before its
 * value is used (see STP_CHECKED in runtime/context.c). */
char *checked(struct emitter *em, struct strbuf *sb)
{
	char *r = xasprintf("STP_CHECKED(c, %s, %s)", sb->buf, em->error_label);

	free(sb->buf);
	return r;
}

/* Overloads have a C name each (see name_overloads). */
static const char *function_cname(const struct function *f)
{
	return f->cname ? f->cname : f->name;
}

static char *emit_call(struct emitter *em, struct expr *e)
{
	struct strbuf sb = {0}, pre = {0};
	int in_order = args_need_order(e, 0, e->args.len);

	if (e->builtin)
		return emit_builtin(em, e);
	sb_printf(&sb, "function_%s(c", function_cname(e->func));
	if (e->func->type == TYPE_STRING)
		sb_printf(&sb, ", %s", new_tmp(em, e));
	for (int i = 0; i < e->args.len; i++) {
		char *a = emit_arg(em, e->args.items[i], in_order, &pre);

		sb_printf(&sb, ", %s", a);
		free(a);
	}
	sb_addc(&sb, ')');
	return with_prefix(&pre, checked(em, &sb));
}

/* a OP b for the long operators, where C's own would trap (division by
 * zero) or be undefined (shift counts past 63). */
char *emit_arith(struct emitter *em, const struct expr *e, const char *op, const char *a, const char *b)
{
	if (!strcmp(op, "/") || !strcmp(op, "%"))
		return xasprintf("STP_CHECKED(c, stp_%s(c, %s, %s, %s), %s)", op[0] == '/' ? "div" : "mod",
				 a, b, near_literal(e->near, &e->loc), em->error_label);
	if (!strcmp(op, "<<") || !strcmp(op, ">>"))
		return xasprintf("(%s %s (%s & 63))", a, op, b);
	return xasprintf("(%s %s %s)", a, op, b);
}

static char *emit_binary(struct emitter *em, struct expr *e)
{
	char *a = emit_expr(em, e->lhs);
	char *b = emit_expr(em, e->rhs);
	char *r;

	if (e->regex) {		/* s =~ "re" */
		r = xasprintf("%sstp_regex_test(c, &regex_%d, %s, l->rx_work)", e->op[0] == '!' ? "!" : "",
			      e->regex_id, a);
		em->uses_regex = 1;
	} else if (e->lhs->type == TYPE_STRING) {	/* a comparison of strings */
		r = xasprintf("(strcmp(%s, %s) %s 0)", a, b, e->op);
	} else {
		r = emit_arith(em, e, e->op, a, b);
	}
	free(a);
	free(b);
	return r;
}

/* The operator of a compound assignment: "+" for "+=". */
char *compound_operator(const char *op)
{
	return xstrndup(op, strlen(op) - 1);
}

/* A target variable's C from pass 2 (see struct target_access), its
 * placeholders filled in. */
static char *expand_target(struct emitter *em, struct expr *e, const char *tmpl, const char *value)
{
	struct strbuf sb = {0};
	char *tmp = NULL, *end, *index;

	for (const char *p = tmpl; *p; p++) {
		if (p[0] != '%' || !strchr("TVIA", p[1])) {
			sb_addc(&sb, *p);
			continue;
		}
		p++;
		if (*p == 'T') {
			if (!tmp)
				tmp = new_tmp(em, e);
			sb_add(&sb, tmp);
		} else if (*p == 'V') {
			sb_add(&sb, value);
		} else if (*p == 'A') {	/* @cast's pointer */
			index = emit_expr(em, e->args.items[0]);
			sb_add(&sb, index);
			free(index);
		} else {
			index = emit_expr(em, e->steps.items[strtol(p + 1, &end, 10)]->index);
			sb_printf(&sb, "(%s)", index);
			free(index);
			p = end - 1;
		}
	}
	free(tmp);
	return sb_steal(&sb);
}

static char *emit_target(struct emitter *em, struct expr *e)
{
	struct strbuf sb = {0}, text = {0};
	char *read = expand_target(em, e, e->access->read, NULL);

	print_expr(&text, e);	/* what it reads, for the reader of the C */
	if (!strstr(text.buf, "*/"))
		sb_printf(&sb, "/* %s */ ", text.buf);
	free(text.buf);
	sb_add(&sb, read);
	free(read);
	return checked(em, &sb);
}

/* $var = v (pass 2 allows only '=', and '.=' where the provider has an
 * append): the value stored is the value; after '.=', $var's new value. */
static char *emit_target_assign(struct emitter *em, struct expr *e)
{
	struct strbuf sb = {0};
	int append = !strcmp(e->op, ".=");
	char *rhs = emit_expr(em, e->rhs);
	char *store = expand_target(em, e->lhs, append ? e->lhs->access->append : e->lhs->access->write, "stp_v");
	char *value = append ? expand_target(em, e->lhs, e->lhs->access->read, NULL) : xstrdup("stp_v");

	sb_printf(&sb, "({ %sstp_v = %s; %s; %s; })", e->type == TYPE_STRING ? "const char *" : "int64_t ",
		  rhs, store, value);
	free(rhs);
	free(store);
	free(value);
	return checked(em, &sb);
}

static char *emit_assign(struct emitter *em, struct expr *e)
{
	char *lhs = emit_expr(em, e->lhs);
	char *rhs = emit_expr(em, e->rhs);
	char *r, *op, *value;

	if (e->type == TYPE_STRING) {
		r = xasprintf("stp_str%s(%s, %s)", strcmp(e->op, "=") ? "cat" : "cpy", lhs, rhs);
	} else if (!strchr("/%<>", e->op[0])) {	/* = += -= *= &= |= ^= as in C */
		r = xasprintf("(%s %s %s)", lhs, e->op, rhs);
	} else {
		op = compound_operator(e->op);
		value = emit_arith(em, e, op, lhs, rhs);
		r = xasprintf("(%s = %s)", lhs, value);
		free(op);
		free(value);
	}
	free(lhs);
	free(rhs);
	return r;
}

char *emit_expr(struct emitter *em, struct expr *e)
{
	char *a, *b, *cond, *r;

	switch (e->kind) {
	case EX_NUMBER:
		if (e->num == INT64_MIN)
			return xstrdup("(-9223372036854775807LL - 1)");
		return xasprintf("%lldLL", (long long)e->num);
	case EX_STRING:
		return quoted(e->str);
	case EX_EMBEDDED:	/* guru mode's C, as it is */
		return xasprintf(e->type == TYPE_STRING ? "((const char *)(%s))" : "((int64_t)(%s))", e->str);
	case EX_VAR:
		return var_ref(e->sym);
	case EX_CALL:
		return emit_call(em, e);
	case EX_UNARY:
		a = emit_expr(em, e->lhs);
		r = xasprintf("(%s%s)", e->op, a);
		free(a);
		return r;
	case EX_INCDEC:
		if (e->lhs->kind == EX_INDEX)
			return emit_index_incdec(em, e);
		a = emit_expr(em, e->lhs);
		r = e->postfix ? xasprintf("(%s%s)", a, e->op) : xasprintf("(%s%s)", e->op, a);
		free(a);
		return r;
	case EX_BINARY:
		return emit_binary(em, e);
	case EX_CONCAT:
		a = emit_expr(em, e->lhs);
		b = emit_expr(em, e->rhs);
		r = xasprintf("stp_concat(%s, %s, %s)", new_tmp(em, e), a, b);
		free(a);
		free(b);
		return r;
	case EX_ASSIGN:
		if (!strcmp(e->op, "<<<"))
			return emit_stat_add(em, e);
		if (e->lhs->kind == EX_INDEX)
			return emit_index_assign(em, e);
		if (e->lhs->kind == EX_TARGET)
			return emit_target_assign(em, e);
		return emit_assign(em, e);
	case EX_INDEX:
		return emit_index(em, e);
	case EX_TARGET:
		return emit_target(em, e);
	case EX_IN:
		return emit_in(em, e);
	case EX_TERNARY:
		cond = emit_expr(em, e->cond);
		a = emit_expr(em, e->lhs);
		b = emit_expr(em, e->rhs);
		r = xasprintf("(%s ? %s : %s)", cond, a, b);
		free(cond);
		free(a);
		free(b);
		return r;
	}
	return xstrdup("0");
}

/* ---- statements ---- */

static void emit_stmt(struct emitter *em, struct stmt *st);

static int is_hist_print(const struct expr *e)
{
	return e->kind == EX_CALL && e->builtin && e->args.len == 1 &&
	       (e->builtin->id == BI_PRINT || e->builtin->id == BI_PRINTLN) &&
	       e->args.items[0]->type == TYPE_HIST;
}

static int is_error_call(const struct expr *e)
{
	return e->kind == EX_CALL && e->builtin && e->builtin->id == BI_ERROR;
}

/* Each block, and each pass through a loop body, counts its statements
 * against MAXACTION. */
static void emit_action_count(struct emitter *em, int n, struct stmt *first)
{
	char *near = near_literal(first->near, &first->loc);

	line(em, "if (stp_actions(c, %d, %s))", n > 0 ? n : 1, near);
	line(em, "\tgoto %s;", em->error_label);
	free(near);
}

static void emit_block_body(struct emitter *em, struct stmt *st, int counted)
{
	if (st->kind != ST_BLOCK) {
		if (counted)
			emit_action_count(em, 1, st);
		emit_stmt(em, st);
		return;
	}
	if (counted || st->body.len)
		emit_action_count(em, st->body.len, st->body.len ? st->body.items[0] : st);
	for (int i = 0; i < st->body.len; i++)
		emit_stmt(em, st->body.items[i]);
}

void emit_braced(struct emitter *em, struct stmt *st, int counted)
{
	em->depth++;
	emit_block_body(em, st, counted);
	em->depth--;
	line(em, "}");
}

static void emit_if(struct emitter *em, struct stmt *st)
{
	char *cond = emit_expr(em, st->cond);

	line(em, "if (%s) {", cond);
	emit_braced(em, st->then, 0);
	if (st->else_) {
		em->out.len--;		/* reopen: "} else {" */
		em->out.buf[em->out.len] = '\0';
		sb_add(&em->out, " else {\n");
		emit_braced(em, st->else_, 0);
	}
	free(cond);
}

static void emit_loop(struct emitter *em, struct stmt *st)
{
	char *init = st->init ? emit_expr(em, st->init) : xstrdup("");
	char *cond = st->cond ? emit_expr(em, st->cond) : xstrdup("1");
	char *incr = st->incr ? emit_expr(em, st->incr) : xstrdup("");

	if (st->kind == ST_WHILE)
		line(em, "while (%s) {", cond);
	else
		line(em, "for (%s; %s; %s) {", init, cond, incr);
	emit_braced(em, st->then, 1);
	free(init);
	free(cond);
	free(incr);
}

static void emit_return(struct emitter *em, struct stmt *st)
{
	if (st->expr) {
		char *v = emit_expr(em, st->expr);

		if (em->func->type == TYPE_STRING)
			line(em, "stp_strcpy(ret, %s);", v);
		else
			line(em, "ret = %s;", v);
		free(v);
	}
	line(em, "goto out;");
}

static void emit_do(struct emitter *em, struct stmt *st)
{
	char *cond = emit_expr(em, st->cond);

	line(em, "do {");
	emit_braced(em, st->then, 1);
	em->out.len -= 2;	/* "}\n" becomes "} while (...);" */
	em->out.buf[em->out.len] = '\0';
	sb_printf(&em->out, "} while (%s);\n", cond);
	free(cond);
}

/*
 * A failure inside the try block jumps to its catch label, where the
 * message goes into the catch variable and the error is cleared.
 */
static void emit_try(struct emitter *em, struct stmt *st)
{
	const char *outer = em->error_label;
	int n = em->ntry++, iterators = em->niter;
	char *label = xasprintf("catch_%d", n);

	line(em, "/* try */");
	line(em, "{");
	em->error_label = label;
	emit_braced(em, st->then, 0);
	em->error_label = outer;
	line(em, "goto end_try_%d;", n);
	line(em, "%s:", label);
	emit_end_iterators(em, iterators);
	if (st->expr) {
		char *var = emit_expr(em, st->expr);

		line(em, "stp_strcpy(%s, c->error);", var);
		free(var);
	}
	line(em, "stp_error_clear(c);");
	line(em, "{");
	emit_braced(em, st->else_, 0);
	line(em, "end_try_%d: ;", n);
	free(label);
}

static void emit_delete(struct emitter *em, struct stmt *st)
{
	char *var;

	if (st->expr->kind == EX_INDEX || st->expr->sym->is_array) {
		emit_array_delete(em, st);
		return;
	}
	if (st->expr->type == TYPE_STATS) {
		line(em, "stp_agg_clear(g_%s);", st->expr->sym->cname);
		return;
	}
	var = emit_expr(em, st->expr);

	if (st->expr->type == TYPE_STRING)
		line(em, "%s[0] = '\\0';", var);
	else
		line(em, "%s = 0;", var);
	free(var);
}

static void emit_stmt(struct emitter *em, struct stmt *st)
{
	char *e;

	switch (st->kind) {
	case ST_BLOCK:
		line(em, "{");
		emit_braced(em, st, 0);
		break;
	case ST_EXPR:
		if (is_hist_print(st->expr)) {
			emit_print_hist(em, st->expr, st->expr->builtin->id == BI_PRINTLN);
			break;
		}
		e = emit_expr(em, st->expr);
		line(em, "%s;", e);
		free(e);
		if (is_error_call(st->expr))
			line(em, "goto %s;", em->error_label);
		break;
	case ST_IF:
		emit_if(em, st);
		break;
	case ST_WHILE:
	case ST_FOR:
		emit_loop(em, st);
		break;
	case ST_RETURN:
		emit_return(em, st);
		break;
	case ST_NEXT:
		line(em, "goto out;");
		break;
	case ST_BREAK:
		line(em, "break;");
		break;
	case ST_CONTINUE:
		line(em, "continue;");
		break;
	case ST_EMPTY:
		break;
	case ST_DO:
		emit_do(em, st);
		break;
	case ST_TRY:
		emit_try(em, st);
		break;
	case ST_DELETE:
		emit_delete(em, st);
		break;
	case ST_FOREACH:
		emit_foreach(em, st);
		break;
	}
}

/* ---- frames, functions, probes ---- */

static void emit_frame_struct(struct emitter *em, const char *name, struct symbol **locals, int nlocals,
			      int ntmp)
{
	int niter = em->niter;

	line(em, "struct %s_locals {", name);
	for (int i = 0; i < nlocals; i++) {
		if (locals[i]->type == TYPE_STRING)
			line(em, "\tchar l_%s[MAXSTRINGLEN];", locals[i]->name);
		else
			line(em, "\tint64_t l_%s;", locals[i]->name);
	}
	for (int i = 0; i < ntmp; i++)
		line(em, "\tchar tmp%d[MAXSTRINGLEN];", i);
	for (int i = 0; i < em->nltmp; i++)
		line(em, "\tint64_t ltmp%d;", i);
	for (int i = 0; i < niter; i++)
		line(em, "\tstruct stp_map_iter it%d;", i);
	if (em->uses_regex)
		line(em, "\tint rx_work[STP_REGEX_WORK_MAX / sizeof(int)];\t/* for =~ */");
	if (!nlocals && !ntmp && !em->nltmp && !niter && !em->uses_regex)
		line(em, "\tchar unused;\t/* C wants a member */");
	line(em, "};");
	line(em, "%s", "");
}

/* A frame's code goes into a separate buffer first: the frame struct,
 * which must come before it, needs the number of temporaries. */
static struct strbuf begin_frame_code(struct emitter *em)
{
	struct strbuf saved = em->out;

	memset(&em->out, 0, sizeof(em->out));
	em->ntmp = 0;
	em->nltmp = 0;
	em->ntry = 0;
	em->niter = 0;
	em->uses_regex = 0;
	em->error_label = "out";
	em->depth = 1;
	return saved;
}

static char *end_frame_code(struct emitter *em, struct strbuf saved)
{
	char *text;

	em->depth = 0;
	text = sb_steal(&em->out);
	em->out = saved;
	return text;
}

static char *emit_body(struct emitter *em, struct stmt *body, struct expr *cond)
{
	struct strbuf saved = begin_frame_code(em);

	if (cond) {
		char *c = emit_expr(em, cond);

		line(em, "if (!(%s))\t/* the probe's condition */", c);
		line(em, "\tgoto out;");
		free(c);
	}
	emit_block_body(em, body, 0);
	return end_frame_code(em, saved);
}

static void emit_function_signature(struct emitter *em, struct function *f, int declaration)
{
	struct strbuf sb = {0};

	sb_printf(&sb, "static %sfunction_%s(struct stp_context *c", c_type(f->type), function_cname(f));
	if (f->type == TYPE_STRING)
		sb_add(&sb, ", char *ret");
	for (int i = 0; i < f->params.len; i++) {
		struct symbol *p = f->params.items[i];

		sb_printf(&sb, ", %sarg_%s", p->type == TYPE_STRING ? "const char *" : "int64_t ", p->name);
	}
	sb_add(&sb, declaration ? ");" : ")");
	line(em, "%s", sb.buf);
	free(sb.buf);
}

/* The body of an embedded C function, between macros that name its
 * arguments and its return value as SystemTap's embedded C expects. */
static void emit_embedded_body(struct emitter *em, struct function *f)
{
	for (int i = 0; i < f->params.len; i++)
		line(em, "#define STAP_ARG_%s (l->l_%s)", f->params.items[i]->name, f->params.items[i]->name);
	if (f->type == TYPE_STRING) {
		line(em, "#define STAP_RETVALUE ret");
		line(em, "#define STAP_RETURN(v) do { stp_strcpy(ret, (v)); goto out; } while (0)");
	} else {
		line(em, "#define STAP_RETVALUE ret");
		line(em, "#define STAP_RETURN(v) do { ret = (v); goto out; } while (0)");
	}
	line(em, "#define STAP_ERROR(msg) do { stp_error(c, (msg), NULL); goto out; } while (0)");
	line(em, "#define CONTEXT c");
	if (em->sess->privilege == PRIV_STAPUSR && strstr(f->embedded, "/* myproc-unprivileged */"))
		line(em, "\tif (!stp_is_myproc())\n\t\tSTAP_ERROR(\"%s: at --privilege=stapusr only the user's own "
		     "processes may be read\");", f->name);
	line(em, "\t{");
	sb_printf(&em->out, "%s\n", f->embedded);
	line(em, "\t}");
	for (int i = 0; i < f->params.len; i++)
		line(em, "#undef STAP_ARG_%s", f->params.items[i]->name);
	line(em, "#undef STAP_RETVALUE");
	line(em, "#undef STAP_RETURN");
	line(em, "#undef STAP_ERROR");
	line(em, "#undef CONTEXT");
}

/* Where a probe or function leaves: end its foreach loops, drop its frame. */
static void emit_out_label(struct emitter *em)
{
	line(em, "out: __maybe_unused;");
	em->depth++;
	emit_end_iterators(em, 0);
	line(em, "stp_frame_pop(c, sizeof(*l));");
	em->depth--;
}

static void emit_function(struct emitter *em, struct function *f)
{
	char *name = xasprintf("function_%s", function_cname(f));
	char *body, *near;

	em->func = f;
	body = f->body ? emit_body(em, f->body, NULL) : xstrdup("");
	emit_frame_struct(em, name, f->locals.items, f->locals.len, em->ntmp);
	emit_function_signature(em, f, 0);
	line(em, "{");
	near = near_literal(xasprintf("function '%s'", f->name), &f->loc);
	line(em, "\tstruct %s_locals *l = stp_frame_push(c, sizeof(*l), %s);", name, near);
	if (f->type != TYPE_STRING)
		line(em, "\tint64_t ret = 0;");
	line(em, "%s", "");
	line(em, "\tif (!l)");
	line(em, "\t\treturn %s;", f->type == TYPE_STRING ? "ret" : "0");
	if (f->type == TYPE_STRING)
		line(em, "\tret[0] = '\\0';");
	for (int i = 0; i < f->params.len; i++) {
		struct symbol *p = f->params.items[i];

		if (p->type == TYPE_STRING)
			line(em, "\tstp_strcpy(l->l_%s, arg_%s);", p->name, p->name);
		else
			line(em, "\tl->l_%s = arg_%s;", p->name, p->name);
	}
	if (f->embedded)
		emit_embedded_body(em, f);
	sb_add(&em->out, body);
	emit_out_label(em);
	line(em, "\treturn ret;");
	line(em, "}");
	line(em, "%s", "");
	em->func = NULL;
	free(body);
	free(name);
	free(near);
}

/* void NAME(c): a frame of NAME_locals (declared already) around body. */
static void emit_handler(struct emitter *em, const char *name, const char *body)
{
	line(em, "static void %s(struct stp_context *c)", name);
	line(em, "{");
	line(em, "\tstruct %s_locals *l = stp_frame_push(c, sizeof(*l), NULL);", name);
	line(em, "%s", "");
	line(em, "\tif (!l)");
	line(em, "\t\treturn;");
	sb_add(&em->out, body);
	emit_out_label(em);
	line(em, "}");
	line(em, "%s", "");
}

static void emit_probe(struct emitter *em, struct probe *p)
{
	char *name = xasprintf("probe_%d", p->index);
	char *where = format_loc(&p->loc);
	char *body;

	body = emit_body(em, p->body, p->cond);
	emit_frame_struct(em, name, p->locals.items, p->locals.len, em->ntmp);
	line(em, "/* probe %s at %s */", p->points.items[0]->text, where);
	emit_handler(em, name, body);
	free(body);
	free(where);
	free(name);
}

/* The entry handler's part for @entry(expression)s (the rest is
 * emit_entry_saves'): each expression evaluated at the call, its value
 * stored where layout_entry_exprs put it for the return. */
static void emit_entry_exprs(struct emitter *em, struct derived_probe *dp)
{
	char *name = xasprintf("dp_%d_entry_exprs", dp->index);
	struct strbuf saved = begin_frame_code(em);
	char *body;

	for (int i = 0; i < dp->entry_exprs.len; i++) {
		struct expr *e = dp->entry_exprs.items[i];
		char *value = emit_expr(em, e->args.items[0]);

		if (e->type == TYPE_STRING)
			line(em, "stp_strcpy(%s, %s);", e->access->read, value);
		else
			line(em, "%s = %s;", e->access->read, value);
		free(value);
	}
	body = end_frame_code(em, saved);
	emit_frame_struct(em, name, NULL, 0, em->ntmp);
	line(em, "/* @entry(...) of probe %s, evaluated at the call */", dp->point->text);
	emit_handler(em, name, body);
	free(body);
	free(name);
}

static int writes_global(const struct probe *p, const struct symbol *g)
{
	for (int i = 0; i < p->writes.len; i++)
		if (p->writes.items[i] == g)
			return 1;
	return 0;
}

static int touches_global(const struct probe *p, const struct symbol *g)
{
	for (int i = 0; i < p->reads.len; i++)
		if (p->reads.items[i] == g)
			return 1;
	return writes_global(p, g);
}

/* Locks in global declaration order, so no two probes deadlock. */
static void emit_lock_table(struct emitter *em, struct probe *p)
{
	struct script *s = &em->sess->script;

	if (!p->reads.len && !p->writes.len)
		return;
	line(em, "static const struct stp_lock_req probe_%d_locks[] = {", p->index);
	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];

		if (touches_global(p, g))
			line(em, "\t{ &lock_%s, %s },", g->cname, writes_global(p, g) ? "true" : "false");
	}
	line(em, "};");
	line(em, "%s", "");
}

static void emit_probe_table(struct emitter *em)
{
	struct script *s = &em->sess->script;

	for (int i = 0; i < s->derived.len; i++) {
		struct derived_probe *dp = s->derived.items[i];
		struct strbuf decls = {0};

		if (!dp->provider->emit_decls)
			continue;
		dp->provider->emit_decls(&decls, dp);
		if (decls.buf)
			line(em, "%s", decls.buf);
		free(decls.buf);
	}
	line(em, "static struct stp_probe stp_probes[] = {");
	for (int i = 0; i < s->derived.len; i++) {
		struct derived_probe *dp = s->derived.items[i];
		struct probe *p = dp->probe;
		struct strbuf fields = {0};
		char *where = format_loc(&dp->point->loc);

		dp->provider->emit_fields(&fields, dp);
		line(em, "\t{");
		line(em, "\t\t.pp = %s,", quoted(dp->point->text));
		line(em, "\t\t.location = %s,", quoted(where));
		line(em, "\t\t.handler = probe_%d,", p->index);
		line(em, "\t\t%s,", fields.buf);
		if (p->reads.len || p->writes.len)
			line(em, "\t\t.locks = probe_%d_locks, .nlocks = ARRAY_SIZE(probe_%d_locks),", p->index,
			     p->index);
		line(em, "\t},");
		free(fields.buf);
		free(where);
	}
	line(em, "};");
	line(em, "%s", "");
}

static void emit_globals(struct emitter *em)
{
	struct script *s = &em->sess->script;

	for (int i = 0; i < s->globals.len; i++) {
		struct symbol *g = s->globals.items[i];
		char *init = g->init ? emit_expr(em, g->init) : NULL;

		if (!g->used || g->is_array || g->type == TYPE_STATS)
			continue;
		if (g->type == TYPE_STRING)
			line(em, "static char g_%s[MAXSTRINGLEN]%s%s;", g->cname, init ? " = " : "", init ? init : "");
		else
			line(em, "static int64_t g_%s%s%s;", g->cname, init ? " = " : "", init ? init : "");
		line(em, "static DEFINE_RWLOCK(lock_%s);", g->cname);
		/* not a renamed private one, nor named as a kernel macro
		 * (memory.stp's VM_FAULT_*), which the macro would expand */
		if (g->cname == g->name) {
			line(em, "#ifndef %s", g->name);
			line(em, "module_param_cb(%s, &stp_param_%s_ops, %sg_%s, 0);", g->name,
			     g->type == TYPE_STRING ? "string" : "long", g->type == TYPE_STRING ? "" : "&",
			     g->cname);
			line(em, "%s", "#endif");
		}
		free(init);
	}
	if (s->globals.len)
		line(em, "%s", "");
}

/* Bytes of frames one CPU needs: the largest probe frame, plus MAXNESTING
 * of the largest function frame.  Unions make the compiler find the
 * largest (a chain of max() macros grows exponentially when expanded). */
static void emit_frame_size(struct emitter *em)
{
	struct script *s = &em->sess->script;
	int nfuncs = 0;

	line(em, "union stp_probe_frames {");
	line(em, "\tchar none;");
	for (int i = 0; i < s->probes.len; i++)
		line(em, "\tstruct probe_%d_locals probe_%d;", i, i);
	for (int i = 0; i < s->derived.len; i++)
		if (s->derived.items[i]->entry_exprs.len)
			line(em, "\tstruct dp_%d_entry_exprs_locals dp_%d_entry;", i, i);
	line(em, "};");
	for (int i = 0; i < s->functions.len; i++) {
		if (!s->functions.items[i]->used)
			continue;
		if (!nfuncs++)
			line(em, "union stp_function_frames {");
		/* f_NAME: a function may be named like a kernel macro (HZ) */
		line(em, "\tstruct function_%s_locals f_%s;", function_cname(s->functions.items[i]),
		     function_cname(s->functions.items[i]));
	}
	if (nfuncs)
		line(em, "};");
	line(em, "#define STP_FRAME_SIZE (ALIGN(sizeof(union stp_probe_frames), 8) + \\");
	line(em, "\t\t\tMAXNESTING * %s)", nfuncs ? "ALIGN(sizeof(union stp_function_frames), 8)" : "0");
}

/* The symbols a module's static data is read relative to (see
 * runtime/symbols.c): their addresses are looked up when the script
 * starts, and again when their module loads. */
static void emit_module_symbols(struct emitter *em)
{
	const string_vec *names = &em->sess->script.module_symbols;

	if (!names->len)
		return;
	line(em, "#define STP_NMODULE_SYMBOLS %d", names->len);
	line(em, "static struct stp_module_symbol stp_module_symbols[] = {");
	for (int i = 0; i < names->len; i++)
		line(em, "\t{ .name = %s },", quoted(names->items[i]));
	line(em, "};");
	line(em, "%s", "");
}

static void emit_header(struct emitter *em)
{
	struct session *sess = em->sess;
	const char *name = sess->script_file ? sess->script_file : "<input>";

	line(em, "/*");
	line(em, " * Generated by stap from %s.", name);
	line(em, " * Build with kbuild against runtime/; see runtime/runtime.h.");
	line(em, " */");
	for (int i = 0; i < sess->defines.len; i++) {
		char *d = xstrdup(sess->defines.items[i]);
		char *eq = strchr(d, '=');

		if (eq)
			*eq = ' ';
		line(em, "#define %s", d);
		free(d);
	}
	line(em, "#define STP_SCRIPT_NAME %s", quoted(name));
	if (sess->bulk_mode)
		line(em, "#define STP_BULKMODE 1");	/* -b: a relay file per CPU, read raw */
}

/* The runtime parts that only some scripts need (see runtime/runtime.h),
 * each shown by a marker in the generated C: leaving out those a script
 * does not need saves most of kbuild's compile time for a small script. */
static const struct runtime_part {
	const char *markers[2];
	const char *need;
	const char *what;
} runtime_parts[] = {
	{ { ".kind = STP_PROBE_TIMER", ".kind = STP_PROBE_PROFILE" }, "STP_NEED_TIMERS", "timer probes" },
	{ { ".kind = STP_PROBE_KPROBE" }, "STP_NEED_KPROBES", "kprobes" },
	{ { ".kind = STP_PROBE_TRACEPOINT" }, "STP_NEED_TRACEPOINTS", "tracepoints" },
	{ { ".kind = STP_PROBE_PROCFS" }, "STP_NEED_PROCFS", "procfs files" },
	{ { ".kind = STP_PROBE_PERF" }, "STP_NEED_PERF", "perf counters" },
	{ { ".kind = STP_PROBE_UPROBE" }, "STP_NEED_UPROBES", "uprobes" },
	{ { ".kind = STP_PROBE_PROCESS_" }, "STP_NEED_PROCESS_EVENTS", "process.begin/.end/.thread/.syscall" },
	{ { "#define STP_NMODULE_SYMBOLS" }, "STP_NEED_MODULE_SYMBOLS", "static data of modules" },
	{ { "stp_usym_", "stp_ustack_" }, "STP_NEED_USYMBOLS", "user-space addresses and stacks" },
};

static int has_marker(const struct runtime_part *part, const char *body)
{
	for (int i = 0; i < 2; i++)
		if (part->markers[i] && strstr(body, part->markers[i]))
			return 1;
	return 0;
}

/* A #define for each part the generated C in body needs. */
static void emit_runtime_needs(struct strbuf *out, const char *body)
{
	for (size_t i = 0; i < sizeof(runtime_parts) / sizeof(runtime_parts[0]); i++)
		if (has_marker(&runtime_parts[i], body))
			sb_printf(out, "#define %s\t/* %s */\n", runtime_parts[i].need, runtime_parts[i].what);
}

static void emit_includes(struct emitter *em)
{
	struct session *sess = em->sess;

	line(em, "#include \"runtime.h\"");
	line(em, "%s", "");
	/* staprun lets only users of this group (or above) run the module */
	line(em, "MODULE_INFO(stap_privilege, %s);", quoted(privilege_name(sess->privilege)));
	line(em, "%s", "");
	emit_module_symbols(em);
}

static void collect_regexes_expr(struct emitter *em, struct expr *e);

static void collect_regexes_stmt(struct emitter *em, struct stmt *st)
{
	if (!st)
		return;
	collect_regexes_expr(em, st->expr);
	collect_regexes_expr(em, st->cond);
	collect_regexes_expr(em, st->init);
	collect_regexes_expr(em, st->incr);
	collect_regexes_stmt(em, st->then);
	collect_regexes_stmt(em, st->else_);
	for (int i = 0; i < st->body.len; i++)
		collect_regexes_stmt(em, st->body.items[i]);
	if (st->fe) {
		collect_regexes_expr(em, st->fe->limit);
		collect_regexes_expr(em, st->fe->array);
	}
}

/* Gives each =~ a number and writes its compiled program as C data. */
static void collect_regexes_expr(struct emitter *em, struct expr *e)
{
	if (!e)
		return;
	if (e->regex) {
		char *name = xasprintf("regex_%d", em->nregex);
		char *code = regex_emit_c(e->regex, name);

		e->regex_id = em->nregex++;
		line(em, "/* %s: the pattern of '%s' at %s */", name, e->op, format_loc(&e->loc));
		sb_add(&em->out, code);
		free(code);
		free(name);
	}
	collect_regexes_expr(em, e->lhs);
	collect_regexes_expr(em, e->rhs);
	collect_regexes_expr(em, e->cond);
	for (int i = 0; i < e->args.len; i++)
		collect_regexes_expr(em, e->args.items[i]);
}

static void emit_regexes(struct emitter *em)
{
	struct script *s = &em->sess->script;

	for (int i = 0; i < s->functions.len; i++)
		if (s->functions.items[i]->used)
			collect_regexes_stmt(em, s->functions.items[i]->body);
	for (int i = 0; i < s->probes.len; i++) {
		collect_regexes_expr(em, s->probes.items[i]->cond);
		collect_regexes_stmt(em, s->probes.items[i]->body);
	}
	/* The workspace a frame needs: the largest program's. */
	if (!em->nregex)
		return;
	line(em, "union stp_regex_work {");
	for (int i = 0; i < em->nregex; i++)
		line(em, "\tchar regex_%d[regex_%d_WORK_SIZE];", i, i);
	line(em, "};");
	line(em, "#define STP_REGEX_WORK_MAX sizeof(union stp_regex_work)");
	line(em, "%s", "");
}

int pass3_emit(struct session *sess)
{
	struct emitter em = { .sess = sess };
	struct script *s = &sess->script;
	struct strbuf c = {0};
	char *head, *body;

	emit_header(&em);
	head = sb_steal(&em.out);
	emit_includes(&em);
	for (int i = 0; i < s->embedded.len; i++) {
		line(&em, "/* embedded C from %s */", format_loc(&s->embedded.items[i]->loc));
		line(&em, "%s", s->embedded.items[i]->code);
		line(&em, "%s", "");
	}
	emit_regexes(&em);
	emit_globals(&em);
	emit_array_globals(&em);
	emit_stat_globals(&em);
	for (int i = 0; i < s->functions.len; i++)
		if (s->functions.items[i]->used)
			emit_function_signature(&em, s->functions.items[i], 1);
	if (s->functions.len)
		line(&em, "%s", "");
	for (int i = 0; i < s->functions.len; i++)
		if (s->functions.items[i]->used)
			emit_function(&em, s->functions.items[i]);
	for (int i = 0; i < s->probes.len; i++) {
		emit_probe(&em, s->probes.items[i]);
		emit_lock_table(&em, s->probes.items[i]);
	}
	for (int i = 0; i < s->derived.len; i++)
		if (s->derived.items[i]->entry_exprs.len)
			emit_entry_exprs(&em, s->derived.items[i]);
	emit_user_symbols(&em);	/* when the code above uses them */
	emit_probe_table(&em);
	emit_script_init(&em);
	emit_frame_size(&em);
	line(&em, "#include \"module.c\"");
	body = sb_steal(&em.out);
	/* the defines go before runtime.h, but depend on what comes after */
	sb_add(&c, head);
	emit_runtime_needs(&c, body);
	if (sess->privilege == PRIV_STAPUSR)
		sb_add(&c, "#define STP_MYPROC_ONLY\t/* stapusr: only the loader's own processes */\n");
	if (sess->skip_badvars)
		sb_add(&c, "#define STP_SKIP_BADVARS\t/* --skip-badvars: a faulting read of a $var is 0 */\n");
	sb_add(&c, body);
	free(head);
	free(body);
	sess->c_source = sb_steal(&c);
	return 0;
}
