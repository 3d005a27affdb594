/* The preprocessor: conditionals, macros and script arguments, on the
 * token stream between lexer and parser. */
#include "preprocess.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

#define MAX_EXPANSIONS 10000	/* more means a macro expands itself forever */

struct macro {
	char *name;		/* without the '@' */
	VEC(char *) params;
	VEC(struct token) body;
	struct loc loc;
};

static int pp_raw(struct preprocessor *pp, struct token *tok);

static int error_at(const struct token *tok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int error_at(const struct token *tok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("parse", &tok->loc, fmt, ap);
	va_end(ap);
	return -1;
}

static int is_op(const struct token *tok, const char *op)
{
	return tok->kind == TK_OP && !strcmp(tok->text, op);
}

void pp_init(struct preprocessor *pp, const struct source *src, const struct pp_env *env,
	     struct macro_table *library)
{
	memset(pp, 0, sizeof(*pp));
	lexer_init(&pp->lx, src);
	pp->env = env;
	pp->library = library;
}

/* Tokens are delivered from the end of pending, so push in reverse. */
static void push_tokens(struct preprocessor *pp, const struct token *toks, int n)
{
	for (int i = n - 1; i >= 0; i--)
		vec_push(&pp->pending, toks[i]);
}

static int pp_raw(struct preprocessor *pp, struct token *tok)
{
	if (pp->pending.len) {
		*tok = pp->pending.items[--pp->pending.len];
		return 0;
	}
	return lexer_next(&pp->lx, tok);
}

/* ---- conditions ---- */

/* Compares dotted versions numerically, part by part ("6.1.0" vs "6.10"). */
static int compare_versions(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);

		if (x != y)
			return x < y ? -1 : 1;
		while (*a && !isdigit((unsigned char)*a))
			a++;
		while (*b && !isdigit((unsigned char)*b))
			b++;
	}
	return 0;
}

static int apply_op(const char *op, int cmp)
{
	if (!strcmp(op, "==")) return cmp == 0;
	if (!strcmp(op, "!=")) return cmp != 0;
	if (!strcmp(op, "<")) return cmp < 0;
	if (!strcmp(op, "<=")) return cmp <= 0;
	if (!strcmp(op, ">")) return cmp > 0;
	return cmp >= 0;
}

/* == and != against a pattern with wildcards match it; the rest compare. */
static int compare_strings(const char *have, const char *op, const char *want, int versions)
{
	int glob = strpbrk(want, "*?[") != NULL;

	if (glob && (!strcmp(op, "==") || !strcmp(op, "!=")))
		return apply_op(op, fnmatch(want, have, 0) == 0 ? 0 : 1);
	return apply_op(op, versions ? compare_versions(have, want) : strcmp(have, want));
}

/* The numeric part of a release: "6.1.0-56-amd64" -> "6.1.0". */
static char *kernel_version(const char *release)
{
	size_t n = strspn(release, "0123456789.");

	return xstrndup(release, n);
}

/* CONFIG_NAME's value in the kernel's .config ("y", "m", "256"), or "". */
/* The kernel's .config, read once however many conditions test it. */
static const char *config_text(const struct pp_env *env)
{
	static const char *path;
	static char *text;

	if (!env->kernel_config)
		return NULL;
	if (!path || strcmp(path, env->kernel_config)) {
		free(text);
		text = read_file(env->kernel_config, NULL);
		path = env->kernel_config;
	}
	return text;
}

static char *config_value(const struct pp_env *env, const char *name)
{
	const char *text = config_text(env);
	size_t n = strlen(name);
	char *value = NULL;

	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');

		if (!strncmp(line, name, n) && line[n] == '=') {
			const char *v = line + n + 1;
			size_t len = end ? (size_t)(end - v) : strlen(v);

			if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
				value = xstrndup(v + 1, len - 2);
			else
				value = xstrndup(v, len);
			break;
		}
		line = end ? end + 1 : NULL;
	}
	return value ? value : xstrdup("");
}

static const char *const comparison_ops[] = { "==", "!=", "<", "<=", ">", ">=", NULL };

static int read_comparison_op(struct preprocessor *pp, struct token *op)
{
	if (pp_next(pp, op) < 0)
		return -1;
	for (int i = 0; comparison_ops[i]; i++)
		if (is_op(op, comparison_ops[i]))
			return 0;
	return error_at(op, "expected a comparison in a preprocessor condition");
}

/* A string or a number operand on the right of a comparison. */
static int read_operand(struct preprocessor *pp, struct token *v)
{
	int negate = 0;

	if (pp_next(pp, v) < 0)
		return -1;
	if (is_op(v, "-")) {
		negate = 1;
		if (pp_next(pp, v) < 0)
			return -1;
	}
	if (v->kind == TK_NUMBER) {
		if (negate)
			v->num = -v->num;
		return 0;
	}
	if (v->kind == TK_STRING && !negate)
		return 0;
	return error_at(v, "expected a string or a number in a preprocessor condition");
}

static int compare_numbers(int64_t have, const char *op, const struct token *want)
{
	if (want->kind != TK_NUMBER)
		return error_at(want, "expected a number to compare with");
	return apply_op(op, have < want->num ? -1 : have > want->num);
}

/* Evaluates "LEFT OP RIGHT" for the operand names SystemTap knows. */
static int eval_comparison(struct preprocessor *pp, const struct token *left)
{
	const struct pp_env *env = pp->env;
	struct token op, right;
	const char *name = left->text;
	char *have = NULL;
	int r, versions = 0;

	if (read_comparison_op(pp, &op) < 0 || read_operand(pp, &right) < 0)
		return -1;
	if (left->kind == TK_NUMBER)
		return compare_numbers(left->num, op.text, &right);
	if (left->kind == TK_STRING) {
		have = xstrdup(left->text);
	} else if (!strcmp(name, "$#") || !strcmp(name, "@#")) {
		return compare_numbers(env->nargs, op.text, &right);
	} else if (!strcmp(name, "guru_mode")) {
		return compare_numbers(env->guru_mode, op.text, &right);
	} else if (!strcmp(name, "kernel_v") || !strcmp(name, "kernel_vr")) {
		if (!env->kernel_release)
			return error_at(left, "'%s' is unknown here", name);
		have = name[8] ? xstrdup(env->kernel_release) : kernel_version(env->kernel_release);
		versions = 1;
	} else if (!strcmp(name, "systemtap_v")) {
		have = xstrdup(env->systemtap_v);
		versions = 1;
	} else if (!strcmp(name, "arch")) {
		have = xstrdup(env->arch);
	} else if (!strcmp(name, "runtime")) {
		have = xstrdup(env->runtime);
	} else if (!strcmp(name, "systemtap_privilege")) {
		have = xstrdup(env->privilege);
	} else if (!strncmp(name, "CONFIG_", 7)) {
		have = config_value(env, name);
		if (right.kind == TK_NUMBER) {
			r = compare_numbers(strtoll(have, NULL, 0), op.text, &right);
			free(have);
			return r;
		}
	} else {
		return error_at(left, "unknown preprocessor condition '%s'", name);
	}
	if (right.kind != TK_STRING) {
		free(have);
		return error_at(&right, "'%s' compares with a string", name);
	}
	r = compare_strings(have, op.text, right.text, versions);
	free(have);
	return r;
}

static int eval_or(struct preprocessor *pp, struct token *next);

/* One comparison or a parenthesized condition; leaves the token after it
 * in *next. */
static int eval_primary(struct preprocessor *pp, struct token *next)
{
	struct token tok;
	int r;

	if (pp_next(pp, &tok) < 0)
		return -1;
	if (is_op(&tok, "(")) {
		r = eval_or(pp, next);
		if (r < 0)
			return -1;
		if (!is_op(next, ")"))
			return error_at(next, "expected ')' in a preprocessor condition");
	} else if (tok.kind == TK_IDENT || tok.kind == TK_NUMBER || tok.kind == TK_STRING) {
		r = eval_comparison(pp, &tok);
		if (r < 0)
			return -1;
	} else {
		return error_at(&tok, "expected a preprocessor condition");
	}
	return pp_next(pp, next) < 0 ? -1 : r;
}

static int eval_and(struct preprocessor *pp, struct token *next)
{
	int r = eval_primary(pp, next);

	while (r >= 0 && is_op(next, "&&")) {
		int rhs = eval_primary(pp, next);

		r = rhs < 0 ? -1 : (r && rhs);
	}
	return r;
}

static int eval_or(struct preprocessor *pp, struct token *next)
{
	int r = eval_and(pp, next);

	while (r >= 0 && is_op(next, "||")) {
		int rhs = eval_and(pp, next);

		r = rhs < 0 ? -1 : (r || rhs);
	}
	return r;
}

/* ---- conditionals ---- */

/* Skips raw tokens to the %: or %) that closes the current level; *stop
 * gets which one. */
static int skip_branch(struct preprocessor *pp, const struct token *start, struct token *stop)
{
	int depth = 0;

	for (;;) {
		if (pp_raw(pp, stop) < 0)
			return -1;
		if (stop->kind == TK_EOF)
			return error_at(start, "missing '%%)' for this '%%('");
		if (is_op(stop, "%("))
			depth++;
		else if (is_op(stop, "%)") && depth-- == 0)
			return 0;
		else if (is_op(stop, "%:") && depth == 0)
			return 0;
	}
}

static int begin_conditional(struct preprocessor *pp, const struct token *start)
{
	struct token next, stop;
	int truth;

	pp->in_condition++;	/* so the closing %? comes through */
	truth = eval_or(pp, &next);
	pp->in_condition--;

	if (truth < 0)
		return -1;
	if (!is_op(&next, "%?"))
		return error_at(&next, "expected '%%?' after a preprocessor condition");
	if (!truth) {
		if (skip_branch(pp, start, &stop) < 0)
			return -1;
		if (is_op(&stop, "%)"))
			return 0;	/* no ELSE part */
	}
	vec_push(&pp->conds, truth);
	vec_push(&pp->cond_locs, start->loc);
	return 0;
}

/* ---- macros ---- */

static struct macro *find_macro_in(struct macro_table *t, const char *name)
{
	for (int i = 0; t && i < t->macros.len; i++)
		if (!strcmp(t->macros.items[i]->name, name))
			return t->macros.items[i];
	return NULL;
}

static int read_macro_params(struct preprocessor *pp, struct macro *m)
{
	struct token tok;

	do {
		if (pp_raw(pp, &tok) < 0)
			return -1;
		if (tok.kind != TK_IDENT || tok.text[0] == '$' || tok.text[0] == '@')
			return error_at(&tok, "expected a macro parameter name");
		vec_push(&m->params, tok.text);
		if (pp_raw(pp, &tok) < 0)
			return -1;
	} while (is_op(&tok, ","));
	if (!is_op(&tok, ")"))
		return error_at(&tok, "expected ')' after the macro's parameters");
	return 0;
}

/* @define NAME[(a, b)] %( BODY %) */
static int define_macro(struct preprocessor *pp, const struct token *at, struct macro_table *into)
{
	struct macro *m = xcalloc(1, sizeof(*m));
	struct token tok;
	int depth = 0;

	m->loc = at->loc;
	if (pp_raw(pp, &tok) < 0)
		return -1;
	if (tok.kind != TK_IDENT || !isalpha((unsigned char)tok.text[0]))
		return error_at(&tok, "expected a macro name after @define");
	m->name = tok.text;
	if (find_macro_in(into, m->name))
		return error_at(&tok, "macro '@%s' is already defined", m->name);
	if (pp_raw(pp, &tok) < 0)
		return -1;
	if (is_op(&tok, "(")) {
		if (read_macro_params(pp, m) < 0 || pp_raw(pp, &tok) < 0)
			return -1;
	}
	if (!is_op(&tok, "%("))
		return error_at(&tok, "expected '%%(' to open the body of macro '@%s'", m->name);
	for (;;) {
		if (pp_raw(pp, &tok) < 0)
			return -1;
		if (tok.kind == TK_EOF)
			return error_at(at, "missing '%%)' at the end of macro '@%s'", m->name);
		if (is_op(&tok, "%("))
			depth++;
		else if (is_op(&tok, "%)") && depth-- == 0)
			break;
		vec_push(&m->body, tok);
	}
	vec_push(&into->macros, m);
	return 0;
}

typedef VEC(struct token) token_list;

/* The arguments of a macro call: token lists split at top-level commas. */
static int read_macro_args(struct preprocessor *pp, const struct macro *m, const struct token *at,
			   token_list *args)
{
	struct token tok;
	int depth = 0, n = 0;

	if (pp_raw(pp, &tok) < 0)
		return -1;
	if (!is_op(&tok, "("))
		return error_at(&tok, "macro '@%s' takes %d argument%s", m->name, m->params.len,
				m->params.len == 1 ? "" : "s");
	for (;;) {
		if (pp_raw(pp, &tok) < 0)
			return -1;
		if (tok.kind == TK_EOF)
			return error_at(at, "missing ')' in the call of macro '@%s'", m->name);
		if (depth == 0 && (is_op(&tok, ",") || is_op(&tok, ")"))) {
			n++;
			if (is_op(&tok, ")"))
				break;
			continue;
		}
		if (is_op(&tok, "(") || is_op(&tok, "["))
			depth++;
		else if (is_op(&tok, ")") || is_op(&tok, "]"))
			depth--;
		if (n < m->params.len)
			vec_push(&args[n], tok);
	}
	if (n != m->params.len)
		return error_at(at, "macro '@%s' takes %d argument%s, %d given", m->name, m->params.len,
				m->params.len == 1 ? "" : "s", n);
	return 0;
}

static int param_index(const struct macro *m, const struct token *tok)
{
	if (tok->kind != TK_IDENT || tok->text[0] != '@')
		return -1;
	for (int i = 0; i < m->params.len; i++)
		if (!strcmp(tok->text + 1, m->params.items[i]))
			return i;
	return -1;
}

static int expand_macro(struct preprocessor *pp, struct macro *m, const struct token *at)
{
	token_list *args = xcalloc(m->params.len + 1, sizeof(*args));
	token_list out = {0};

	if (++pp->expansions > MAX_EXPANSIONS)
		return error_at(at, "too many macro expansions (does '@%s' expand itself?)", m->name);
	if (m->params.len && read_macro_args(pp, m, at, args) < 0)
		return -1;
	for (int i = 0; i < m->body.len; i++) {
		int p = param_index(m, &m->body.items[i]);

		if (p < 0) {
			vec_push(&out, m->body.items[i]);
			continue;
		}
		for (int j = 0; j < args[p].len; j++)
			vec_push(&out, args[p].items[j]);
	}
	push_tokens(pp, out.items, out.len);
	free(out.items);
	free(args);
	return 0;
}

/* ---- script arguments ---- */

static int expand_argument(struct preprocessor *pp, struct token *tok)
{
	int n = atoi(tok->text + 1);
	const char *arg;

	if (n < 1 || n > pp->env->nargs)
		return error_at(tok, "command line argument index %d out of range [1-%d]", n, pp->env->nargs);
	arg = pp->env->args[n - 1];
	if (tok->text[0] == '@') {
		tok->kind = TK_STRING;
		tok->text = xstrdup(arg);
		return 1;
	}
	/* $N is the argument's own tokens, spliced in. */
	{
		struct source *src = xcalloc(1, sizeof(*src));
		token_list toks = {0};
		struct lexer lx;
		struct token t;

		src->name = xasprintf("<argument $%d>", n);
		src->text = xstrdup(arg);
		lexer_init(&lx, src);
		for (;;) {
			if (lexer_next(&lx, &t) < 0)
				return -1;
			if (t.kind == TK_EOF)
				break;
			vec_push(&toks, t);
		}
		push_tokens(pp, toks.items, toks.len);
		free(toks.items);
	}
	return 0;
}

static int is_argument(const struct token *tok)
{
	const char *p = tok->text;

	if (tok->kind != TK_IDENT || (p[0] != '$' && p[0] != '@') || !p[1])
		return 0;
	for (p++; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

/* ---- the token stream ---- */

int pp_next(struct preprocessor *pp, struct token *tok)
{
	for (;;) {
		struct macro *m;
		struct token stop;

		if (pp_raw(pp, tok) < 0)
			return -1;
		if (is_op(tok, "%(")) {
			if (begin_conditional(pp, tok) < 0)
				return -1;
		} else if (is_op(tok, "%:") && pp->conds.len && pp->conds.items[pp->conds.len - 1]) {
			pp->conds.len--;	/* end of a THEN part: skip the ELSE part */
			pp->cond_locs.len--;
			if (skip_branch(pp, tok, &stop) < 0)
				return -1;
			if (!is_op(&stop, "%)"))
				return error_at(&stop, "a second '%%:' in one conditional");
		} else if (is_op(tok, "%)") && pp->conds.len) {
			pp->conds.len--;
			pp->cond_locs.len--;
		} else if (is_op(tok, "%?") && pp->in_condition) {
			return 0;
		} else if (is_op(tok, "%?") || is_op(tok, "%:") || is_op(tok, "%)")) {
			return error_at(tok, "'%s' outside a preprocessor conditional", tok->text);
		} else if (tok->kind == TK_IDENT && !strcmp(tok->text, "@define")) {
			if (define_macro(pp, tok, &pp->local) < 0)
				return -1;
		} else if (tok->kind == TK_IDENT && tok->text[0] == '@' &&
			   ((m = find_macro_in(&pp->local, tok->text + 1)) ||
			    (m = find_macro_in(pp->library, tok->text + 1)))) {
			if (expand_macro(pp, m, tok) < 0)
				return -1;
		} else if (is_argument(tok)) {
			int r = expand_argument(pp, tok);

			if (r != 0)
				return r < 0 ? -1 : 0;
		} else {
			if (tok->kind == TK_EOF && pp->conds.len) {
				tok->loc = pp->cond_locs.items[pp->conds.len - 1];
				return error_at(tok, "missing '%%)' for this '%%('");
			}
			if (pp->library_mode && tok->kind != TK_EOF)
				return error_at(tok, "a macro file may only hold @define");
			return 0;
		}
	}
}

int pp_load_macros(struct macro_table *table, const struct source *src, const struct pp_env *env)
{
	struct preprocessor pp;
	struct token tok;

	pp_init(&pp, src, env, NULL);
	pp.library_mode = 1;
	/* Its macros go straight into the shared table. */
	pp.local = *table;
	if (pp_next(&pp, &tok) < 0)
		return 1;
	*table = pp.local;
	return 0;
}
