/* Pass 1: a recursive-descent parser over the lexer's tokens.  It keeps
 * one token of lookahead and stops at the first error of each source. */
#include "parse.h"

#include "lexer.h"
#include "preprocess.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	struct preprocessor pp;
	struct loc prev_end;	/* just after the previous token */
	struct token tok;	/* current */
	struct token next;	/* one more, for `a = b` vs. `a(...)` */
	struct script *script;
	jmp_buf fail;
};

static void fail(struct parser *ps)
{
	longjmp(ps->fail, 1);
}

static void error_at(struct parser *ps, const struct token *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error_at(struct parser *ps, const struct token *tok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("parse", &tok->loc, fmt, ap);
	va_end(ap);
	fail(ps);
}

static void lex(struct parser *ps, struct token *tok)
{
	if (pp_next(&ps->pp, tok) < 0)
		fail(ps);
}

static void advance(struct parser *ps)
{
	ps->prev_end = ps->tok.loc;
	ps->prev_end.col += strlen(ps->tok.text);
	ps->tok = ps->next;
	lex(ps, &ps->next);
}

static int is_op(const struct token *tok, const char *op)
{
	return tok->kind == TK_OP && !strcmp(tok->text, op);
}

static int is_word(const struct token *tok, const char *word)
{
	return tok->kind == TK_IDENT && !strcmp(tok->text, word);
}

/* Whether the current token follows the previous one with no blank. */
static int adjacent_to_previous(struct parser *ps)
{
	return ps->prev_end.src == ps->tok.loc.src && ps->prev_end.line == ps->tok.loc.line &&
	       ps->prev_end.col == ps->tok.loc.col;
}

static int accept_op(struct parser *ps, const char *op)
{
	if (!is_op(&ps->tok, op))
		return 0;
	advance(ps);
	return 1;
}

static void expect_op(struct parser *ps, const char *op)
{
	if (!accept_op(ps, op)) {
		char *what = token_describe(&ps->tok);

		error_at(ps, &ps->tok, "expected '%s', found %s", op, what);
	}
}

static char *expect_ident(struct parser *ps, const char *what)
{
	char *name;

	if (ps->tok.kind != TK_IDENT || is_keyword(ps->tok.text) ||
	    ps->tok.text[0] == '$' || ps->tok.text[0] == '@') {
		char *found = token_describe(&ps->tok);

		error_at(ps, &ps->tok, "expected %s, found %s", what, found);
	}
	name = ps->tok.text;
	advance(ps);
	return name;
}

/* ---- expressions ---- */

static struct expr *parse_expr(struct parser *ps);

static struct expr *new_expr_at(struct parser *ps, enum expr_kind kind, const struct token *tok)
{
	struct expr *e = expr_new(kind, tok->loc);

	(void)ps;
	e->near = token_describe(tok);
	return e;
}

static struct expr *parse_call_args(struct parser *ps, struct expr *call)
{
	expect_op(ps, "(");
	if (!accept_op(ps, ")")) {
		do {
			vec_push(&call->args, parse_expr(ps));
		} while (accept_op(ps, ","));
		expect_op(ps, ")");
	}
	return call;
}

/* Index expressions up to close; a "*" (slice wildcard) is a NULL entry. */
static void parse_index_list(struct parser *ps, struct expr *e, const char *close)
{
	do {
		if (is_op(&ps->tok, "*") && (is_op(&ps->next, ",") || is_op(&ps->next, close))) {
			advance(ps);
			vec_push(&e->args, (struct expr *)NULL);
		} else {
			vec_push(&e->args, parse_expr(ps));
		}
		if (e->args.len > 9)
			error_at(ps, &ps->tok, "an array has at most 9 keys");
	} while (accept_op(ps, ","));
	expect_op(ps, close);
}

static int is_target_form(const char *name)
{
	return !strcmp(name, "@cast") || !strcmp(name, "@var") || !strcmp(name, "@entry") ||
	       !strcmp(name, "@defined") || !strcmp(name, "@probewrite");
}

/* ->member and [index] steps, then a pretty-printing $ or $$. */
static void parse_target_steps(struct parser *ps, struct expr *e)
{
	for (;;) {
		struct target_step *st;
		struct loc at = ps->tok.loc;

		if (accept_op(ps, "->")) {
			st = xcalloc(1, sizeof(*st));
			if (ps->tok.kind != TK_IDENT || ps->tok.text[0] == '$' || ps->tok.text[0] == '@')
				error_at(ps, &ps->tok, "expected a member name after '->'");
			st->member = ps->tok.text;	/* C members may be named "next" */
			advance(ps);
		} else if (accept_op(ps, "[")) {
			st = xcalloc(1, sizeof(*st));
			st->index = parse_expr(ps);
			expect_op(ps, "]");
		} else {
			break;
		}
		st->loc = at;
		vec_push(&e->steps, st);
	}
	if (is_op(&ps->tok, "$") && adjacent_to_previous(ps)) {
		e->pretty = 1;
		advance(ps);
		if (is_op(&ps->tok, "$") && adjacent_to_previous(ps)) {
			e->pretty = 2;
			advance(ps);
		}
	}
}

/* $var..., $$parms, @cast(p, "type"[, "module"])..., @var("n@f")...,
 * @entry(e), @defined(e), @probewrite(v): parsed here, resolved against
 * DWARF by the kernel-probe providers. */
static struct expr *parse_target(struct parser *ps)
{
	struct token tok = ps->tok;
	struct expr *e = new_expr_at(ps, EX_TARGET, &tok);

	e->name = tok.text;
	e->op = tok.text[0] == '$' ? "$" : tok.text;
	advance(ps);
	if (tok.text[0] == '$') {
		parse_target_steps(ps, e);
		return e;
	}
	parse_call_args(ps, e);
	if (!strcmp(e->op, "@cast") && (e->args.len < 2 || e->args.len > 3))
		error_at(ps, &tok, "@cast takes a pointer, a type and an optional module");
	if (!strcmp(e->op, "@var") && (e->args.len < 1 || e->args.len > 2))
		error_at(ps, &tok, "@var takes a name and an optional module");
	if (strcmp(e->op, "@cast") && strcmp(e->op, "@var") && e->args.len != 1)
		error_at(ps, &tok, "%s takes one argument", e->op);
	if (!strcmp(e->op, "@cast") || !strcmp(e->op, "@var"))
		parse_target_steps(ps, e);
	return e;
}

/* var->member... or call()->member...: autocast, the member of what the
 * value points to, its type found in pass 2 from the typed pointer var
 * was assigned, or what the function says it returns. */
static struct expr *parse_autocast(struct parser *ps, struct expr *var)
{
	struct expr *e;

	if (!is_op(&ps->tok, "->"))
		return var;
	e = new_expr_at(ps, EX_TARGET, &ps->tok);
	e->loc = var->loc;
	e->near = var->near;
	e->name = "@autocast";
	e->op = "@autocast";
	vec_push(&e->args, var);
	parse_target_steps(ps, e);
	return e;
}

static int is_aggregate_function(const char *name)
{
	static const char *const names[] = {
		"@count", "@sum", "@min", "@max", "@avg", "@variance", "@hist_linear", "@hist_log", NULL,
	};

	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

static struct expr *parse_primary(struct parser *ps)
{
	struct token tok = ps->tok;
	struct expr *e;

	if (tok.kind == TK_NUMBER) {
		e = new_expr_at(ps, EX_NUMBER, &tok);
		e->num = tok.num;
		advance(ps);
		return e;
	}
	if (tok.kind == TK_STRING) {
		e = new_expr_at(ps, EX_STRING, &tok);
		e->str = tok.text;
		advance(ps);
		/* Adjacent literals join, as in C. */
		while (ps->tok.kind == TK_STRING) {
			e->str = xasprintf("%s%s", e->str, ps->tok.text);
			advance(ps);
		}
		return e;
	}
	if (accept_op(ps, "(")) {
		e = parse_expr(ps);
		expect_op(ps, ")");
		return e;
	}
	if (is_op(&tok, "[")) {	/* [k1, k2] in arr */
		e = new_expr_at(ps, EX_IN, &tok);
		advance(ps);
		parse_index_list(ps, e, "]");
		if (!is_word(&ps->tok, "in"))
			error_at(ps, &ps->tok, "expected 'in' after a list of keys");
		advance(ps);
		e->name = expect_ident(ps, "an array name");
		return e;
	}
	if (tok.kind == TK_IDENT && !is_keyword(tok.text) && tok.text[0] != '$' && tok.text[0] != '@') {
		advance(ps);
		if (is_op(&ps->tok, "(")) {
			e = new_expr_at(ps, EX_CALL, &tok);
			e->name = tok.text;
			return parse_autocast(ps, parse_call_args(ps, e));
		}
		if (is_op(&ps->tok, "[")) {
			e = new_expr_at(ps, EX_INDEX, &tok);
			e->name = tok.text;
			advance(ps);
			parse_index_list(ps, e, "]");
			return e;
		}
		e = new_expr_at(ps, EX_VAR, &tok);
		e->name = tok.text;
		return parse_autocast(ps, e);
	}
	if (tok.kind == TK_IDENT && is_aggregate_function(tok.text) && is_op(&ps->next, "(")) {
		advance(ps);
		e = new_expr_at(ps, EX_CALL, &tok);
		e->name = tok.text;
		return parse_call_args(ps, e);
	}
	if (tok.kind == TK_IDENT && (tok.text[0] == '$' || is_target_form(tok.text)))
		return parse_target(ps);
	if (tok.kind == TK_EMBEDDED) {	/* an embedded C expression */
		e = new_expr_at(ps, EX_EMBEDDED, &tok);
		e->str = tok.text;
		advance(ps);
		return e;
	}
	if (tok.kind == TK_IDENT && tok.text[0] == '@')
		error_at(ps, &tok, "unknown operator or macro '%s'", tok.text);
	{
		char *what = token_describe(&tok);

		error_at(ps, &tok, "expected an expression, found %s", what);
	}
	return NULL;
}

static int has_wildcard(const struct expr *e)
{
	for (int i = 0; i < e->args.len; i++)
		if (!e->args.items[i])
			return 1;
	return 0;
}

static int is_lvalue(const struct expr *e)
{
	return e->kind == EX_VAR || (e->kind == EX_INDEX && !has_wildcard(e)) ||
	       (e->kind == EX_TARGET && (e->op[0] == '$' || !strcmp(e->op, "@cast") || !strcmp(e->op, "@var") ||
					 !strcmp(e->op, "@autocast")));	/* pass 2 says which are writable */
}

static struct expr *parse_postfix(struct parser *ps)
{
	struct expr *e = parse_primary(ps);

	/* After a non-variable, ++ or -- starts the next statement. */
	while (is_lvalue(e) && (is_op(&ps->tok, "++") || is_op(&ps->tok, "--"))) {
		struct expr *inc = new_expr_at(ps, EX_INCDEC, &ps->tok);

		inc->op = ps->tok.text;
		inc->postfix = 1;
		inc->lhs = e;
		advance(ps);
		e = inc;
	}
	return e;
}

static struct expr *parse_unary(struct parser *ps)
{
	static const char *const unary_ops[] = { "-", "+", "!", "~", NULL };
	struct token tok = ps->tok;

	if (is_op(&tok, "++") || is_op(&tok, "--")) {
		struct expr *e = new_expr_at(ps, EX_INCDEC, &tok);

		advance(ps);
		e->op = tok.text;
		e->lhs = parse_unary(ps);
		if (!is_lvalue(e->lhs))
			error_at(ps, &tok, "'%s' needs a variable", tok.text);
		return e;
	}
	if (is_op(&tok, "&") && ps->next.kind == TK_IDENT &&
	    (ps->next.text[0] == '$' || !strcmp(ps->next.text, "@cast") || !strcmp(ps->next.text, "@var"))) {
		struct expr *e;

		advance(ps);
		e = parse_target(ps);
		e->addr_of = 1;
		return e;
	}
	if (is_op(&tok, "&") && ps->next.kind == TK_IDENT && !strcmp(ps->next.text, "@entry")) {
		struct expr *e, *arg;

		advance(ps);
		e = parse_target(ps);	/* &@entry($p->m) is @entry(&$p->m) */
		arg = e->args.items[0];
		if (arg->kind != EX_TARGET || strcmp(arg->op, "$"))
			error_at(ps, &tok, "'&@entry(...)' takes a target variable's member, as in &@entry($p->member)");
		arg->addr_of = 1;
		return e;
	}
	if (is_op(&tok, "&") && ps->next.kind == TK_IDENT && !is_keyword(ps->next.text) && ps->next.text[0] != '@') {
		struct expr *e;

		advance(ps);
		e = parse_primary(ps);	/* &p->member (autocast) */
		if (e->kind != EX_TARGET)
			error_at(ps, &tok, "'&' takes a target variable's member, as in &$p->member or &p->member");
		e->addr_of = 1;
		return e;
	}
	for (int i = 0; unary_ops[i]; i++) {
		if (is_op(&tok, unary_ops[i])) {
			struct expr *e = new_expr_at(ps, EX_UNARY, &tok);

			advance(ps);
			e->op = tok.text;
			e->lhs = parse_unary(ps);
			return e;
		}
	}
	return parse_postfix(ps);
}

/* Binary operators by precedence level, loosest first, as in C. */
static const char *const binary_levels[][8] = {
	{ "||" },
	{ "&&" },
	{ "|" },
	{ "^" },
	{ "&" },
	{ "==", "!=", "<", "<=", ">", ">=", "=~", "!~" },
	{ "<<", ">>" },
	{ "." },
	{ "+", "-" },
	{ "*", "/", "%" },
};
#define N_LEVELS ((int)(sizeof(binary_levels) / sizeof(binary_levels[0])))

static const char *match_level(struct parser *ps, int level)
{
	for (int i = 0; i < 8 && binary_levels[level][i]; i++)
		if (is_op(&ps->tok, binary_levels[level][i]))
			return binary_levels[level][i];
	return NULL;
}

#define IN_LEVEL 5	/* "k in arr" binds just looser than comparisons */

static struct expr *parse_in(struct parser *ps, struct expr *key)
{
	struct expr *e = new_expr_at(ps, EX_IN, &ps->tok);

	advance(ps);
	vec_push(&e->args, key);
	e->name = expect_ident(ps, "an array name");
	return e;
}

static struct expr *parse_binary(struct parser *ps, int level)
{
	struct expr *e;
	const char *op;

	if (level == N_LEVELS)
		return parse_unary(ps);
	e = parse_binary(ps, level + 1);
	if (level == IN_LEVEL)
		while (is_word(&ps->tok, "in"))
			e = parse_in(ps, e);
	while ((op = match_level(ps, level))) {
		struct expr *b = new_expr_at(ps, strcmp(op, ".") ? EX_BINARY : EX_CONCAT, &ps->tok);

		advance(ps);
		b->op = op;
		b->lhs = e;
		b->rhs = parse_binary(ps, level + 1);
		e = b;
	}
	return e;
}

static struct expr *parse_ternary(struct parser *ps)
{
	struct expr *cond = parse_binary(ps, 0);
	struct expr *e;

	if (!is_op(&ps->tok, "?"))
		return cond;
	e = new_expr_at(ps, EX_TERNARY, &ps->tok);
	advance(ps);
	e->cond = cond;
	e->lhs = parse_expr(ps);
	expect_op(ps, ":");
	e->rhs = parse_ternary(ps);
	return e;
}

static const char *const assign_ops[] = {
	"<<<", "=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", ".=", NULL,
};

static struct expr *parse_expr(struct parser *ps)
{
	struct expr *lhs = parse_ternary(ps);

	for (int i = 0; assign_ops[i]; i++) {
		if (is_op(&ps->tok, assign_ops[i])) {
			struct expr *e = new_expr_at(ps, EX_ASSIGN, &ps->tok);

			if (!is_lvalue(lhs))
				error_at(ps, &ps->tok, "left side of '%s' is not a variable", assign_ops[i]);
			advance(ps);
			e->op = assign_ops[i];
			e->lhs = lhs;
			e->rhs = parse_expr(ps);
			return e;
		}
	}
	return lhs;
}

/* ---- statements ---- */

static struct stmt *parse_stmt(struct parser *ps);

static struct stmt *new_stmt_at(enum stmt_kind kind, const struct token *tok)
{
	struct stmt *s = stmt_new(kind, tok->loc);

	s->near = token_describe(tok);
	return s;
}

static struct stmt *parse_block(struct parser *ps)
{
	struct stmt *b = new_stmt_at(ST_BLOCK, &ps->tok);
	struct stmt *st;

	expect_op(ps, "{");
	while (!is_op(&ps->tok, "}")) {
		if (ps->tok.kind == TK_EOF)
			error_at(ps, &ps->tok, "missing '}' (the block opened at line %d)", b->loc.line);
		st = parse_stmt(ps);
		if (st->kind != ST_EMPTY)	/* a stray ';' means nothing */
			vec_push(&b->body, st);
	}
	advance(ps);
	return b;
}

static struct stmt *parse_if(struct parser *ps)
{
	struct stmt *s = new_stmt_at(ST_IF, &ps->tok);

	advance(ps);
	expect_op(ps, "(");
	s->cond = parse_expr(ps);
	expect_op(ps, ")");
	s->then = parse_stmt(ps);
	if (is_word(&ps->tok, "else")) {
		advance(ps);
		s->else_ = parse_stmt(ps);
	}
	return s;
}

static struct stmt *parse_while(struct parser *ps)
{
	struct stmt *s = new_stmt_at(ST_WHILE, &ps->tok);

	advance(ps);
	expect_op(ps, "(");
	s->cond = parse_expr(ps);
	expect_op(ps, ")");
	s->then = parse_stmt(ps);
	return s;
}

static struct stmt *parse_for(struct parser *ps)
{
	struct stmt *s = new_stmt_at(ST_FOR, &ps->tok);

	advance(ps);
	expect_op(ps, "(");
	if (!is_op(&ps->tok, ";"))
		s->init = parse_expr(ps);
	expect_op(ps, ";");
	if (!is_op(&ps->tok, ";"))
		s->cond = parse_expr(ps);
	expect_op(ps, ";");
	if (!is_op(&ps->tok, ")"))
		s->incr = parse_expr(ps);
	expect_op(ps, ")");
	s->then = parse_stmt(ps);
	return s;
}

static struct stmt *parse_do(struct parser *ps)
{
	struct stmt *s = new_stmt_at(ST_DO, &ps->tok);

	advance(ps);
	s->then = parse_stmt(ps);
	if (!is_word(&ps->tok, "while")) {
		char *what = token_describe(&ps->tok);

		error_at(ps, &ps->tok, "expected 'while' after the body of 'do', found %s", what);
	}
	advance(ps);
	expect_op(ps, "(");
	s->cond = parse_expr(ps);
	expect_op(ps, ")");
	accept_op(ps, ";");
	return s;
}

/* try { ... } catch [(msg)] { ... } */
static struct stmt *parse_try(struct parser *ps)
{
	struct stmt *s = new_stmt_at(ST_TRY, &ps->tok);

	advance(ps);
	s->then = parse_block(ps);
	if (!is_word(&ps->tok, "catch")) {
		char *what = token_describe(&ps->tok);

		error_at(ps, &ps->tok, "expected 'catch' after the 'try' block, found %s", what);
	}
	advance(ps);
	if (accept_op(ps, "(")) {
		struct token tok = ps->tok;

		s->expr = new_expr_at(ps, EX_VAR, &tok);
		s->expr->name = expect_ident(ps, "a variable for the error message");
		expect_op(ps, ")");
	}
	s->else_ = parse_block(ps);
	return s;
}

/* An optional sort marker after a foreach variable or the array. */
static int parse_sort_marker(struct parser *ps, struct foreach *fe, int column)
{
	if (!is_op(&ps->tok, "+") && !is_op(&ps->tok, "-"))
		return 0;
	if (fe->sort_column)
		error_at(ps, &ps->tok, "only one sort order per foreach");
	fe->sort_column = column;
	fe->descending = is_op(&ps->tok, "-");
	advance(ps);
	return 1;
}

static struct expr *parse_foreach_var(struct parser *ps, struct foreach *fe, int column)
{
	struct token tok = ps->tok;
	struct expr *v = new_expr_at(ps, EX_VAR, &tok);

	v->name = expect_ident(ps, "a variable name");
	parse_sort_marker(ps, fe, column);
	return v;
}

static void parse_foreach_keys(struct parser *ps, struct foreach *fe)
{
	if (!accept_op(ps, "[")) {
		vec_push(&fe->keys, parse_foreach_var(ps, fe, 1));
		return;
	}
	do {
		struct expr *key;

		if (fe->keys.len == 9)
			error_at(ps, &ps->tok, "an array has at most 9 keys");
		key = parse_foreach_var(ps, fe, fe->keys.len + 1);
		vec_push(&fe->keys, key);
	} while (accept_op(ps, ","));
	expect_op(ps, "]");
}

/* foreach ([v =] keys in arr[+|-][[slice]] [limit N]) stmt */
static struct stmt *parse_foreach(struct parser *ps)
{
	struct stmt *s = new_stmt_at(ST_FOREACH, &ps->tok);
	struct foreach *fe = xcalloc(1, sizeof(*fe));
	struct token tok;

	s->fe = fe;
	advance(ps);
	expect_op(ps, "(");
	if (ps->tok.kind == TK_IDENT && (is_op(&ps->next, "=") || is_op(&ps->next, "+") ||
					 is_op(&ps->next, "-"))) {
		/* "v = ...", "v+ = ..." or a single sorted key "k+ in ..." */
		struct expr *v = parse_foreach_var(ps, fe, -1);

		if (accept_op(ps, "=")) {
			fe->value = v;
		} else {
			fe->sort_column = 1;
			vec_push(&fe->keys, v);
		}
	}
	if (!fe->keys.len)
		parse_foreach_keys(ps, fe);
	if (!is_word(&ps->tok, "in"))
		error_at(ps, &ps->tok, "expected 'in' in foreach");
	advance(ps);
	tok = ps->tok;
	fe->array = new_expr_at(ps, EX_VAR, &tok);
	fe->array->name = expect_ident(ps, "an array name");
	parse_sort_marker(ps, fe, -1);
	if (is_op(&ps->tok, "[")) {
		fe->array->kind = EX_INDEX;
		advance(ps);
		parse_index_list(ps, fe->array, "]");
		parse_sort_marker(ps, fe, -1);
	}
	if (is_word(&ps->tok, "limit")) {
		advance(ps);
		fe->limit = parse_expr(ps);
	}
	expect_op(ps, ")");
	s->then = parse_stmt(ps);
	return s;
}

static struct stmt *parse_delete(struct parser *ps)
{
	struct token tok = ps->tok;
	struct stmt *s = new_stmt_at(ST_DELETE, &tok);

	advance(ps);
	s->expr = parse_expr(ps);
	if (!is_lvalue(s->expr) && s->expr->kind != EX_INDEX)
		error_at(ps, &tok, "'delete' needs a variable, an array or an element");
	accept_op(ps, ";");
	return s;
}

static int starts_expression(const struct token *tok)
{
	return !(tok->kind == TK_EOF || is_op(tok, "}") || is_op(tok, ";") ||
		 (tok->kind == TK_IDENT && is_keyword(tok->text)));
}

static struct stmt *parse_simple_keyword(struct parser *ps, enum stmt_kind kind)
{
	struct stmt *s = new_stmt_at(kind, &ps->tok);

	advance(ps);
	if (kind == ST_RETURN && starts_expression(&ps->tok))
		s->expr = parse_expr(ps);
	accept_op(ps, ";");
	return s;
}

static struct stmt *parse_stmt(struct parser *ps)
{
	struct token tok = ps->tok;
	struct stmt *s;

	if (is_op(&tok, "{"))
		return parse_block(ps);
	if (is_op(&tok, ";")) {
		advance(ps);
		return new_stmt_at(ST_EMPTY, &tok);
	}
	if (is_word(&tok, "if"))
		return parse_if(ps);
	if (is_word(&tok, "while"))
		return parse_while(ps);
	if (is_word(&tok, "for"))
		return parse_for(ps);
	if (is_word(&tok, "do"))
		return parse_do(ps);
	if (is_word(&tok, "try"))
		return parse_try(ps);
	if (is_word(&tok, "delete"))
		return parse_delete(ps);
	if (is_word(&tok, "foreach"))
		return parse_foreach(ps);
	if (is_word(&tok, "return"))
		return parse_simple_keyword(ps, ST_RETURN);
	if (is_word(&tok, "break"))
		return parse_simple_keyword(ps, ST_BREAK);
	if (is_word(&tok, "continue"))
		return parse_simple_keyword(ps, ST_CONTINUE);
	if (is_word(&tok, "next"))
		return parse_simple_keyword(ps, ST_NEXT);
	if (tok.kind == TK_IDENT && is_keyword(tok.text)) {
		char *what = token_describe(&tok);

		error_at(ps, &tok, "unexpected %s", what);
	}
	s = new_stmt_at(ST_EXPR, &tok);
	s->expr = parse_expr(ps);
	accept_op(ps, ";");
	return s;
}

/* ---- declarations ---- */

static struct symbol *find_global(struct script *sc, const char *name)
{
	for (int i = 0; i < sc->globals.len; i++)
		if (!strcmp(sc->globals.items[i]->name, name))
			return sc->globals.items[i];
	return NULL;
}

/* global a[100], a%[100], a% : an array, its size, whether it wraps. */
static void parse_array_declaration(struct parser *ps, struct symbol *g)
{
	if (accept_op(ps, "%")) {
		g->is_array = 1;
		g->wrap = 1;
	}
	if (accept_op(ps, "[")) {
		g->is_array = 1;
		if (ps->tok.kind != TK_NUMBER || ps->tok.num <= 0)
			error_at(ps, &ps->tok, "an array's size must be a positive number");
		g->max_entries = ps->tok.num;
		advance(ps);
		expect_op(ps, "]");
		if (accept_op(ps, "%"))
			g->wrap = 1;
	}
	if (g->is_array)
		g->array_loc = g->loc;	/* declared an array: errors point here */
}

static void parse_global(struct parser *ps)
{
	advance(ps);
	do {
		struct token tok = ps->tok;
		struct symbol *g = xcalloc(1, sizeof(*g));
		struct symbol *old;

		g->kind = SYM_GLOBAL;
		g->name = expect_ident(ps, "a global variable name");
		g->loc = tok.loc;
		parse_array_declaration(ps, g);
		old = find_global(ps->script, g->name);
		if (old) {
			diag("parse", &tok.loc, "duplicate global '%s'", g->name);
			diag_also(&old->loc);
			fail(ps);
		}
		if (accept_op(ps, "=")) {
			struct token v = ps->tok;
			int negate = accept_op(ps, "-");

			if (ps->tok.kind != TK_NUMBER && (negate || ps->tok.kind != TK_STRING))
				error_at(ps, &v, "a global's initial value must be a number or a string literal");
			g->init = parse_primary(ps);
			if (negate)
				g->init->num = -g->init->num;
		}
		g->cname = g->name;
		g->index = ps->script->globals.len;
		vec_push(&ps->script->globals, g);
	} while (accept_op(ps, ","));
	accept_op(ps, ";");
}

static enum type parse_type_annotation(struct parser *ps)
{
	if (!accept_op(ps, ":"))
		return TYPE_UNKNOWN;
	if (is_word(&ps->tok, "long")) {
		advance(ps);
		return TYPE_LONG;
	}
	if (is_word(&ps->tok, "string")) {
		advance(ps);
		return TYPE_STRING;
	}
	error_at(ps, &ps->tok, "expected a type ('long' or 'string')");
	return TYPE_UNKNOWN;
}

/* Functions may share a name if they take different numbers of
 * arguments: a call picks the one its argument count fits. */
static void check_overload(struct parser *ps, struct function *f)
{
	for (int i = 0; i < ps->script->functions.len; i++) {
		struct function *old = ps->script->functions.items[i];

		if (!strcmp(old->name, f->name) && old->params.len == f->params.len) {
			diag("parse", &f->loc, "duplicate function '%s' (%d argument%s)", f->name,
			     f->params.len, f->params.len == 1 ? "" : "s");
			diag_also(&old->loc);
			fail(ps);
		}
	}
}

static void parse_function(struct parser *ps)
{
	struct function *f = xcalloc(1, sizeof(*f));

	advance(ps);
	f->loc = ps->tok.loc;
	f->name = expect_ident(ps, "a function name");
	f->type_loc = f->loc;
	f->type = parse_type_annotation(ps);
	expect_op(ps, "(");
	if (!is_op(&ps->tok, ")")) {
		do {
			struct symbol *p = xcalloc(1, sizeof(*p));

			p->kind = SYM_PARAM;
			p->loc = ps->tok.loc;
			p->name = expect_ident(ps, "a parameter name");
			p->type_loc = p->loc;
			p->type = parse_type_annotation(ps);
			for (int i = 0; i < f->params.len; i++)
				if (!strcmp(f->params.items[i]->name, p->name))
					error_at(ps, &ps->tok, "duplicate parameter '%s'", p->name);
			vec_push(&f->params, p);
			vec_push(&f->locals, p);
		} while (accept_op(ps, ","));
	}
	expect_op(ps, ")");
	check_overload(ps, f);
	if (ps->tok.kind == TK_EMBEDDED) {
		f->embedded = ps->tok.text;
		f->pure = strstr(f->embedded, "/* pure */") != NULL;
		advance(ps);
	} else {
		f->body = parse_block(ps);
	}
	vec_push(&ps->script->functions, f);
}

/* A component name, with "*" wildcards glued to it: "sys_*", "*read*". */
static char *component_name(struct parser *ps)
{
	struct strbuf sb = {0};

	do {
		sb_add(&sb, ps->tok.text);
		advance(ps);
	} while (adjacent_to_previous(ps) &&
		 ((ps->tok.kind == TK_IDENT && !is_keyword(ps->tok.text)) || is_op(&ps->tok, "*") ||
		  ps->tok.kind == TK_NUMBER));
	return sb_steal(&sb);
}

static struct probe_component *parse_component(struct parser *ps)
{
	struct probe_component *c = xcalloc(1, sizeof(*c));

	c->loc = ps->tok.loc;
	if (ps->tok.kind != TK_IDENT && !is_op(&ps->tok, "*")) {
		char *what = token_describe(&ps->tok);

		error_at(ps, &ps->tok, "expected a probe point, found %s", what);
	}
	c->name = component_name(ps);
	if (accept_op(ps, "(")) {
		struct token v = ps->tok;
		int negate = accept_op(ps, "-");

		if (v.kind != TK_NUMBER && v.kind != TK_STRING && !negate)
			error_at(ps, &v, "a probe point parameter must be a number or a string literal");
		c->arg = parse_primary(ps);
		if (negate) {
			if (c->arg->kind != EX_NUMBER)
				error_at(ps, &v, "only numbers can be negated");
			c->arg->num = -c->arg->num;
		}
		expect_op(ps, ")");
	}
	return c;
}

static char *probe_point_text(const struct probe_point *pp)
{
	struct strbuf sb = {0};

	for (int i = 0; i < pp->comps.len; i++) {
		const struct probe_component *c = pp->comps.items[i];

		if (i)
			sb_addc(&sb, '.');
		sb_add(&sb, c->name);
		if (c->arg && c->arg->kind == EX_NUMBER && !strcmp(c->name, "statement"))
			sb_printf(&sb, "(0x%llx)", (unsigned long long)c->arg->num);	/* an address */
		else if (c->arg) {
			sb_addc(&sb, '(');
			print_expr(&sb, c->arg);
			sb_addc(&sb, ')');
		}
	}
	if (pp->sufficient)
		sb_addc(&sb, '!');
	else if (pp->optional)
		sb_addc(&sb, '?');
	return sb_steal(&sb);
}

/* Every point of heads followed by every point of tails (their
 * components; the points themselves are only lists of them here). */
static point_vec point_product(const point_vec *heads, const point_vec *tails)
{
	point_vec out = {0};

	for (int i = 0; i < heads->len; i++)
		for (int j = 0; j < tails->len; j++) {
			struct probe_point *pp = xcalloc(1, sizeof(*pp));

			for (int k = 0; k < heads->items[i]->comps.len; k++)
				vec_push(&pp->comps, heads->items[i]->comps.items[k]);
			for (int k = 0; k < tails->items[j]->comps.len; k++)
				vec_push(&pp->comps, tails->items[j]->comps.items[k]);
			vec_push(&out, pp);
		}
	return out;
}

/* COMPONENT(.COMPONENT)*, where a component may be {ALTERNATIVE,...}
 * and each alternative such a list again (brace expansion: the points
 * of syscall.{read,write}.return are syscall.read.return and
 * syscall.write.return), appended to out. */
static void parse_point_alternatives(struct parser *ps, point_vec *out)
{
	point_vec so_far = {0};

	vec_push(&so_far, xcalloc(1, sizeof(struct probe_point)));
	do {
		point_vec part = {0}, next;

		if (accept_op(ps, "{")) {
			do {
				parse_point_alternatives(ps, &part);
			} while (accept_op(ps, ","));
			expect_op(ps, "}");
		} else {
			vec_push(&part, xcalloc(1, sizeof(struct probe_point)));
			vec_push(&part.items[0]->comps, parse_component(ps));
		}
		next = point_product(&so_far, &part);
		free(so_far.items);
		free(part.items);
		so_far = next;
	} while (accept_op(ps, "."));
	for (int i = 0; i < so_far.len; i++)
		vec_push(out, so_far.items[i]);
	free(so_far.items);
}

/* One probe point as written, appended to points: several if it has
 * braces. */
static void parse_probe_point(struct parser *ps, point_vec *out)
{
	point_vec mine = {0};
	struct loc loc = ps->tok.loc;
	int optional = 0, sufficient = 0;

	parse_point_alternatives(ps, &mine);
	if (accept_op(ps, "?")) {
		optional = 1;
	} else if (accept_op(ps, "!")) {
		optional = 1;
		sufficient = 1;
	}
	for (int i = 0; i < mine.len; i++) {
		struct probe_point *pp = mine.items[i];

		pp->loc = loc;
		pp->optional = optional;
		pp->sufficient = sufficient;
		pp->text = probe_point_text(pp);
		vec_push(out, pp);
	}
	free(mine.items);
}

/* probe NAME = POINTS { prologue } / probe NAME += POINTS { epilogue };
 * p holds what was parsed before the '=': the alias's name. */
static void parse_alias(struct parser *ps, struct probe *p)
{
	struct probe_alias *a = xcalloc(1, sizeof(*a));

	if (p->points.len != 1)
		error_at(ps, &ps->tok, "a probe alias has one name");
	a->name = p->points.items[0];
	a->loc = p->loc;
	a->epilogue = is_op(&ps->tok, "+=");
	if (a->name->optional)
		error_at(ps, &ps->tok, "an alias name can't be optional");
	advance(ps);
	do {
		parse_probe_point(ps, &a->points);
	} while (accept_op(ps, ","));
	a->body = parse_block(ps);
	vec_push(&ps->script->aliases, a);
}

static void parse_probe(struct parser *ps)
{
	struct probe *p = xcalloc(1, sizeof(*p));

	p->loc = ps->tok.loc;
	advance(ps);
	do {
		parse_probe_point(ps, &p->points);
	} while (accept_op(ps, ","));
	if (is_op(&ps->tok, "=") || is_op(&ps->tok, "+=")) {
		parse_alias(ps, p);
		return;
	}
	if (is_op(&ps->tok, "-="))
		error_at(ps, &ps->tok, "probe aliases are 'NAME = POINTS { }' (run before the probe's body) "
			 "or 'NAME += POINTS { }' (after it); there is no '-='");
	if (is_word(&ps->tok, "if")) {
		advance(ps);
		expect_op(ps, "(");
		p->cond = parse_expr(ps);
		expect_op(ps, ")");
	}
	p->body = parse_block(ps);
	p->index = ps->script->probes.len;
	vec_push(&ps->script->probes, p);
}

/* private global / private function: visible only in its own file. */
static void parse_private(struct parser *ps)
{
	struct script *sc = ps->script;
	int nglobals = sc->globals.len, nfunctions = sc->functions.len;

	advance(ps);
	if (is_word(&ps->tok, "global"))
		parse_global(ps);
	else if (is_word(&ps->tok, "function"))
		parse_function(ps);
	else
		error_at(ps, &ps->tok, "expected 'global' or 'function' after 'private'");
	for (int i = nglobals; i < sc->globals.len; i++)
		sc->globals.items[i]->is_private = 1;
	for (int i = nfunctions; i < sc->functions.len; i++)
		sc->functions.items[i]->is_private = 1;
}

static void parse_top_level(struct parser *ps)
{
	if (is_word(&ps->tok, "private"))
		parse_private(ps);
	else if (is_word(&ps->tok, "probe"))
		parse_probe(ps);
	else if (is_word(&ps->tok, "global"))
		parse_global(ps);
	else if (is_word(&ps->tok, "function"))
		parse_function(ps);
	else if (ps->tok.kind == TK_EMBEDDED) {
		struct embedded_block *b = xcalloc(1, sizeof(*b));

		b->code = ps->tok.text;
		b->loc = ps->tok.loc;
		vec_push(&ps->script->embedded, b);
		advance(ps);
	}
	else {
		char *what = token_describe(&ps->tok);

		error_at(ps, &ps->tok, "expected 'probe', 'global' or 'function', found %s", what);
	}
}

int parse_source(struct script *s, struct source *src, const struct pp_env *env,
		 struct macro_table *macros)
{
	struct parser ps;
	int errors_before = diag_errors;

	memset(&ps, 0, sizeof(ps));
	ps.script = s;
	vec_push(&s->sources, src);
	pp_init(&ps.pp, src, env, macros);
	if (setjmp(ps.fail))
		return diag_errors - errors_before;
	lex(&ps, &ps.tok);
	lex(&ps, &ps.next);
	while (ps.tok.kind != TK_EOF)
		parse_top_level(&ps);
	return diag_errors - errors_before;
}
