/* AST constructors and the canonical printer behind -p1 and -p2. */
#include "ast.h"

#include <string.h>

const char *type_name(enum type t)
{
	switch (t) {
	case TYPE_LONG: return "long";
	case TYPE_STRING: return "string";
	case TYPE_VOID: return "void";
	case TYPE_STATS: return "stats";
	case TYPE_HIST: return "histogram";
	default: return "unknown";
	}
}

struct expr *expr_new(enum expr_kind kind, struct loc loc)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->kind = kind;
	e->loc = loc;
	e->tmp = -1;
	return e;
}

struct stmt *stmt_new(enum stmt_kind kind, struct loc loc)
{
	struct stmt *s = xcalloc(1, sizeof(*s));

	s->kind = kind;
	s->loc = loc;
	return s;
}

struct expr *expr_clone(const struct expr *e)
{
	struct expr *c;

	if (!e)
		return NULL;
	c = xmalloc(sizeof(*c));
	*c = *e;
	c->lhs = expr_clone(e->lhs);
	c->rhs = expr_clone(e->rhs);
	c->cond = expr_clone(e->cond);
	memset(&c->steps, 0, sizeof(c->steps));
	for (int i = 0; i < e->steps.len; i++) {
		struct target_step *st = xmalloc(sizeof(*st));

		*st = *e->steps.items[i];
		st->index = expr_clone(st->index);
		vec_push(&c->steps, st);
	}
	memset(&c->args, 0, sizeof(c->args));
	for (int i = 0; i < e->args.len; i++)
		vec_push(&c->args, expr_clone(e->args.items[i]));
	return c;
}

int expr_find(const struct expr *e, int (*pred)(const struct expr *))
{
	if (!e)
		return 0;
	if (pred(e) || expr_find(e->lhs, pred) || expr_find(e->rhs, pred) || expr_find(e->cond, pred))
		return 1;
	for (int i = 0; i < e->steps.len; i++)
		if (expr_find(e->steps.items[i]->index, pred))
			return 1;
	for (int i = 0; i < e->args.len; i++)
		if (expr_find(e->args.items[i], pred))
			return 1;
	return 0;
}

int stmt_find(const struct stmt *s, int (*pred)(const struct expr *))
{
	if (!s)
		return 0;
	if (expr_find(s->expr, pred) || expr_find(s->cond, pred) || expr_find(s->init, pred) ||
	    expr_find(s->incr, pred) || stmt_find(s->then, pred) || stmt_find(s->else_, pred))
		return 1;
	for (int i = 0; i < s->body.len; i++)
		if (stmt_find(s->body.items[i], pred))
			return 1;
	if (s->fe) {
		for (int i = 0; i < s->fe->keys.len; i++)
			if (expr_find(s->fe->keys.items[i], pred))
				return 1;
		return expr_find(s->fe->value, pred) || expr_find(s->fe->array, pred) ||
		       expr_find(s->fe->limit, pred);
	}
	return 0;
}

static struct foreach *foreach_clone(const struct foreach *fe)
{
	struct foreach *c;

	if (!fe)
		return NULL;
	c = xmalloc(sizeof(*c));
	*c = *fe;
	memset(&c->keys, 0, sizeof(c->keys));
	for (int i = 0; i < fe->keys.len; i++)
		vec_push(&c->keys, expr_clone(fe->keys.items[i]));
	c->value = expr_clone(fe->value);
	c->array = expr_clone(fe->array);
	c->limit = expr_clone(fe->limit);
	return c;
}

struct stmt *stmt_clone(const struct stmt *s)
{
	struct stmt *c;

	if (!s)
		return NULL;
	c = xmalloc(sizeof(*c));
	*c = *s;
	c->expr = expr_clone(s->expr);
	c->cond = expr_clone(s->cond);
	c->init = expr_clone(s->init);
	c->incr = expr_clone(s->incr);
	c->then = stmt_clone(s->then);
	c->else_ = stmt_clone(s->else_);
	c->fe = foreach_clone(s->fe);
	memset(&c->body, 0, sizeof(c->body));
	for (int i = 0; i < s->body.len; i++)
		vec_push(&c->body, stmt_clone(s->body.items[i]));
	return c;
}

static int is_atom(const struct expr *e)
{
	return e->kind == EX_NUMBER || e->kind == EX_STRING || e->kind == EX_VAR ||
	       e->kind == EX_CALL || e->kind == EX_INDEX || e->kind == EX_TARGET;
}

/* a, b, * — the keys of an element, a slice or an "in" test. */
static void print_keys(struct strbuf *sb, const struct expr *e)
{
	for (int i = 0; i < e->args.len; i++) {
		if (i)
			sb_add(sb, ", ");
		if (e->args.items[i])
			print_expr(sb, e->args.items[i]);
		else
			sb_addc(sb, '*');
	}
}

static void print_operand(struct strbuf *sb, const struct expr *e)
{
	if (is_atom(e)) {
		print_expr(sb, e);
		return;
	}
	sb_addc(sb, '(');
	print_expr(sb, e);
	sb_addc(sb, ')');
}

static void print_target(struct strbuf *sb, const struct expr *e)
{
	if (e->addr_of)
		sb_addc(sb, '&');
	if (!strcmp(e->op, "@autocast"))	/* var->member */
		print_expr(sb, e->args.items[0]);
	else
		sb_add(sb, e->name);
	if (e->name[0] == '@' && strcmp(e->op, "@autocast")) {
		sb_addc(sb, '(');
		for (int i = 0; i < e->args.len; i++) {
			if (i)
				sb_add(sb, ", ");
			print_expr(sb, e->args.items[i]);
		}
		sb_addc(sb, ')');
	}
	for (int i = 0; i < e->steps.len; i++) {
		const struct target_step *st = e->steps.items[i];

		if (st->member) {
			sb_printf(sb, "->%s", st->member);
		} else {
			sb_addc(sb, '[');
			print_expr(sb, st->index);
			sb_addc(sb, ']');
		}
	}
	sb_add(sb, e->pretty == 2 ? "$$" : e->pretty ? "$" : "");
}

void print_expr(struct strbuf *sb, const struct expr *e)
{
	switch (e->kind) {
	case EX_NUMBER:
		sb_printf(sb, "%lld", (long long)e->num);
		break;
	case EX_EMBEDDED:
		sb_printf(sb, "%%{%s%%}", e->str);
		break;
	case EX_STRING:
		sb_add_quoted(sb, e->str);
		break;
	case EX_VAR:
		sb_add(sb, e->name);
		break;
	case EX_CALL:
		sb_printf(sb, "%s(", e->name);
		for (int i = 0; i < e->args.len; i++) {
			if (i)
				sb_add(sb, ", ");
			print_expr(sb, e->args.items[i]);
		}
		sb_addc(sb, ')');
		break;
	case EX_UNARY:
		sb_add(sb, e->op);
		print_operand(sb, e->lhs);
		break;
	case EX_INCDEC:
		if (!e->postfix)
			sb_add(sb, e->op);
		print_expr(sb, e->lhs);
		if (e->postfix)
			sb_add(sb, e->op);
		break;
	case EX_BINARY:
	case EX_CONCAT:
		print_operand(sb, e->lhs);
		sb_printf(sb, " %s ", e->op);
		print_operand(sb, e->rhs);
		break;
	case EX_ASSIGN:
		print_expr(sb, e->lhs);
		sb_printf(sb, " %s ", e->op);
		print_expr(sb, e->rhs);
		break;
	case EX_INDEX:
		sb_printf(sb, "%s[", e->name);
		print_keys(sb, e);
		sb_addc(sb, ']');
		break;
	case EX_TARGET:
		print_target(sb, e);
		break;
	case EX_IN:
		sb_addc(sb, '[');
		print_keys(sb, e);
		sb_printf(sb, "] in %s", e->name);
		break;
	case EX_TERNARY:
		print_operand(sb, e->cond);
		sb_add(sb, " ? ");
		print_operand(sb, e->lhs);
		sb_add(sb, " : ");
		print_operand(sb, e->rhs);
		break;
	}
}

static void indent(struct strbuf *sb, int depth)
{
	for (int i = 0; i < depth; i++)
		sb_add(sb, "  ");
}

static void print_stmt(struct strbuf *sb, const struct stmt *s, int depth);

static void print_sort_marker(struct strbuf *sb, const struct foreach *fe, int column)
{
	if (fe->sort_column == column)
		sb_addc(sb, fe->descending ? '-' : '+');
}

static void print_foreach(struct strbuf *sb, const struct foreach *fe)
{
	sb_add(sb, "foreach (");
	if (fe->value) {
		print_expr(sb, fe->value);
		sb_add(sb, " = ");
	}
	sb_addc(sb, '[');
	for (int i = 0; i < fe->keys.len; i++) {
		if (i)
			sb_add(sb, ", ");
		print_expr(sb, fe->keys.items[i]);
		print_sort_marker(sb, fe, i + 1);
	}
	sb_add(sb, "] in ");
	sb_add(sb, fe->array->name);
	if (fe->array->kind == EX_INDEX) {
		sb_addc(sb, '[');
		print_keys(sb, fe->array);
		sb_addc(sb, ']');
	}
	print_sort_marker(sb, fe, -1);
	if (fe->limit) {
		sb_add(sb, " limit ");
		print_expr(sb, fe->limit);
	}
	sb_addc(sb, ')');
}

/* Whether a statement printed as text would continue the expression
 * statement before it ("a = 1" then "-b" reads as "a = 1 - b"). */
static int continues_expression(const char *text)
{
	return text[0] == '(' || text[0] == '+' || text[0] == '-';
}

static void print_block(struct strbuf *sb, const struct stmt *s, int depth)
{
	char **texts = xcalloc(s->body.len, sizeof(*texts));

	for (int i = 0; i < s->body.len; i++) {
		struct strbuf one = {0};

		print_stmt(&one, s->body.items[i], depth + 1);
		texts[i] = sb_steal(&one);
	}
	sb_add(sb, "{\n");
	for (int i = 0; i < s->body.len; i++) {
		indent(sb, depth + 1);
		sb_add(sb, texts[i]);
		if (s->body.items[i]->kind == ST_EXPR && i + 1 < s->body.len &&
		    continues_expression(texts[i + 1]))
			sb_addc(sb, ';');
		sb_addc(sb, '\n');
		free(texts[i]);
	}
	free(texts);
	indent(sb, depth);
	sb_addc(sb, '}');
}

/* A statement nested under if/while/for: blocks stay on the same line. */
static void print_nested(struct strbuf *sb, const struct stmt *s, int depth)
{
	if (s->kind == ST_BLOCK) {
		sb_addc(sb, ' ');
		print_stmt(sb, s, depth);
	} else {
		sb_addc(sb, '\n');
		indent(sb, depth + 1);
		print_stmt(sb, s, depth + 1);
	}
}

static void print_stmt(struct strbuf *sb, const struct stmt *s, int depth)
{
	switch (s->kind) {
	case ST_BLOCK:
		print_block(sb, s, depth);
		break;
	case ST_EXPR:
		print_expr(sb, s->expr);
		break;
	case ST_IF:
		sb_add(sb, "if (");
		print_expr(sb, s->cond);
		sb_addc(sb, ')');
		print_nested(sb, s->then, depth);
		if (s->else_) {
			sb_addc(sb, '\n');
			indent(sb, depth);
			sb_add(sb, "else");
			print_nested(sb, s->else_, depth);
		}
		break;
	case ST_WHILE:
		sb_add(sb, "while (");
		print_expr(sb, s->cond);
		sb_addc(sb, ')');
		print_nested(sb, s->then, depth);
		break;
	case ST_FOR:
		sb_add(sb, "for (");
		if (s->init)
			print_expr(sb, s->init);
		sb_add(sb, "; ");
		if (s->cond)
			print_expr(sb, s->cond);
		sb_add(sb, "; ");
		if (s->incr)
			print_expr(sb, s->incr);
		sb_addc(sb, ')');
		print_nested(sb, s->then, depth);
		break;
	case ST_RETURN:
		sb_add(sb, "return");
		if (s->expr) {
			sb_addc(sb, ' ');
			print_expr(sb, s->expr);
		}
		break;
	case ST_BREAK: sb_add(sb, "break"); break;
	case ST_CONTINUE: sb_add(sb, "continue"); break;
	case ST_NEXT: sb_add(sb, "next"); break;
	case ST_EMPTY: sb_addc(sb, ';'); break;
	case ST_DO:
		sb_add(sb, "do");
		print_nested(sb, s->then, depth);
		sb_addc(sb, '\n');
		indent(sb, depth);
		sb_add(sb, "while (");
		print_expr(sb, s->cond);
		sb_addc(sb, ')');
		break;
	case ST_TRY:
		sb_add(sb, "try ");
		print_stmt(sb, s->then, depth);
		sb_add(sb, " catch");
		if (s->expr) {
			sb_add(sb, " (");
			print_expr(sb, s->expr);
			sb_addc(sb, ')');
		}
		sb_addc(sb, ' ');
		print_stmt(sb, s->else_, depth);
		break;
	case ST_DELETE:
		sb_add(sb, "delete ");
		print_expr(sb, s->expr);
		break;
	case ST_FOREACH:
		print_foreach(sb, s->fe);
		print_nested(sb, s->then, depth);
		break;
	}
}

/* name, or name:type once the type is known (written or inferred). */
static void print_typed_name(struct strbuf *sb, const char *name, enum type t)
{
	sb_add(sb, name);
	if (t == TYPE_LONG || t == TYPE_STRING || t == TYPE_STATS)
		sb_printf(sb, ":%s", type_name(t));
}

static void print_locals(struct strbuf *sb, const struct symbol *const *locals, int n, int first)
{
	int printed = 0;

	for (int i = first; i < n; i++) {
		sb_add(sb, printed++ ? ", " : "  # locals: ");
		print_typed_name(sb, locals[i]->name, locals[i]->type);
	}
	if (printed)
		sb_addc(sb, '\n');
}

/* -p2: an array's types, as a comment: "# [long, string] -> long". */
static void print_array_type(struct strbuf *sb, const struct symbol *g)
{
	sb_add(sb, " # [");
	for (int i = 0; i < g->nkeys; i++)
		sb_printf(sb, "%s%s", i ? ", " : "", type_name(g->key_types[i]));
	sb_printf(sb, "] -> %s", type_name(g->type));
}

void print_script(FILE *out, const struct script *s, int with_types)
{
	struct strbuf sb = {0};

	for (int i = 0; i < s->embedded.len; i++)
		sb_printf(&sb, "%%{%s%%}\n", s->embedded.items[i]->code);
	for (int i = 0; i < s->globals.len; i++) {
		const struct symbol *g = s->globals.items[i];

		sb_add(&sb, g->is_private ? "private global " : "global ");
		print_typed_name(&sb, g->name, with_types && !g->is_array ? g->type : TYPE_UNKNOWN);
		if (g->wrap)
			sb_addc(&sb, '%');
		if (g->max_entries)
			sb_printf(&sb, "[%lld]", (long long)g->max_entries);
		if (with_types && g->is_array)
			print_array_type(&sb, g);
		if (g->init) {
			sb_add(&sb, " = ");
			print_expr(&sb, g->init);
		}
		sb_addc(&sb, '\n');
	}
	for (int i = 0; i < s->functions.len; i++) {
		const struct function *f = s->functions.items[i];

		if (with_types && !f->used)
			continue;
		sb_add(&sb, f->is_private ? "private function " : "function ");
		print_typed_name(&sb, f->name, f->type);
		sb_addc(&sb, '(');
		for (int j = 0; j < f->params.len; j++) {
			if (j)
				sb_add(&sb, ", ");
			print_typed_name(&sb, f->params.items[j]->name, f->params.items[j]->type);
		}
		sb_add(&sb, ")\n");
		if (with_types)
			print_locals(&sb, (const struct symbol *const *)f->locals.items, f->locals.len, f->params.len);
		if (f->embedded)
			sb_printf(&sb, "%%{%s%%}", f->embedded);
		else
			print_stmt(&sb, f->body, 0);
		sb_addc(&sb, '\n');
	}
	for (int i = 0; i < s->aliases.len && !with_types; i++) {
		const struct probe_alias *a = s->aliases.items[i];

		sb_printf(&sb, "probe %s %s ", a->name->text, a->epilogue ? "+=" : "=");
		for (int j = 0; j < a->points.len; j++)
			sb_printf(&sb, "%s%s", j ? ", " : "", a->points.items[j]->text);
		sb_addc(&sb, '\n');
		print_stmt(&sb, a->body, 0);
		sb_addc(&sb, '\n');
	}
	for (int i = 0; i < s->probes.len; i++) {
		const struct probe *p = s->probes.items[i];

		sb_add(&sb, "probe ");
		for (int j = 0; j < p->points.len; j++) {
			if (j)
				sb_add(&sb, ", ");
			sb_add(&sb, p->points.items[j]->text);
		}
		if (p->cond) {
			sb_add(&sb, " if (");
			print_expr(&sb, p->cond);
			sb_addc(&sb, ')');
		}
		sb_addc(&sb, '\n');
		if (with_types)
			print_locals(&sb, (const struct symbol *const *)p->locals.items, p->locals.len, 0);
		print_stmt(&sb, p->body, 0);
		sb_addc(&sb, '\n');
	}
	fputs(sb.buf ? sb.buf : "", out);
	free(sb.buf);
}
