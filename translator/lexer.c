#include "lexer.h"

#include <ctype.h>
#include <string.h>

static const char *const keywords[] = {
	"probe", "global", "function", "if", "else", "while", "for", "foreach",
	"in", "limit", "return", "break", "continue", "next", "delete", "do",
	"try", "catch", "private", "string", "long", NULL,
};

/* Longest first, so the scanner takes the longest match. */
static const char *const operators[] = {
	"<<<", ">>=", "<<=", "!~",
	"==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=",
	"%=", "&=", "|=", "^=", ".=", "<<", ">>", "=~", "->", "%(", "%?", "%:",
	"%)",
	"+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "|", "^", "?",
	":", ";", ",", ".", "(", ")", "{", "}", "[", "]", "$", "@", "#",
	NULL,
};

int is_keyword(const char *s)
{
	for (int i = 0; keywords[i]; i++)
		if (!strcmp(s, keywords[i]))
			return 1;
	return 0;
}

void lexer_init(struct lexer *lx, const struct source *src)
{
	lx->src = src;
	lx->p = src->text;
	lx->line = 1;
	lx->col = 1;
}

static void advance(struct lexer *lx, int n)
{
	while (n-- > 0 && *lx->p) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
		lx->p++;
	}
}

static struct loc here(const struct lexer *lx)
{
	struct loc loc = { lx->src, lx->line, lx->col };

	return loc;
}

/* Skips blanks and comments; -1 on an unterminated comment. */
static int skip_space(struct lexer *lx)
{
	for (;;) {
		const char *p = lx->p;

		if (isspace((unsigned char)*p)) {
			advance(lx, 1);
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*lx->p && *lx->p != '\n')
				advance(lx, 1);
		} else if (p[0] == '/' && p[1] == '*') {
			struct loc start = here(lx);
			const char *end = strstr(p + 2, "*/");

			if (!end) {
				diag("parse", &start, "unterminated comment");
				return -1;
			}
			advance(lx, end + 2 - p);
		} else {
			return 0;
		}
	}
}

static int lex_number(struct lexer *lx, struct token *tok)
{
	const char *p = lx->p;
	int base = 10;
	uint64_t v = 0;
	const char *start = p;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	for (;; p++) {
		int d;

		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base) {
			diag("parse", &tok->loc, "number too large");
			return -1;
		}
		v = v * base + d;
	}
	if (isalnum((unsigned char)*p) || *p == '_' || (base == 16 && p == start + 2)) {
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		diag("parse", &tok->loc, "malformed number '%.*s'", (int)(p - start), start);
		return -1;
	}
	tok->kind = TK_NUMBER;
	tok->num = (int64_t)v;
	tok->text = xstrndup(start, p - start);
	advance(lx, p - start);
	return 0;
}

static int escape_value(const char **pp)
{
	const char *p = *pp;
	int v = 0, n;

	switch (*p) {
	case 'n': *pp = p + 1; return '\n';
	case 't': *pp = p + 1; return '\t';
	case 'r': *pp = p + 1; return '\r';
	case 'a': *pp = p + 1; return '\a';
	case 'b': *pp = p + 1; return '\b';
	case 'f': *pp = p + 1; return '\f';
	case 'v': *pp = p + 1; return '\v';
	case 'x':
		for (p++, n = 0; n < 2 && isxdigit((unsigned char)*p); n++, p++)
			v = v * 16 + (isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10);
		*pp = p;
		return n ? v : -1;
	default:
		if (*p >= '0' && *p <= '7') {
			for (n = 0; n < 3 && *p >= '0' && *p <= '7'; n++, p++)
				v = v * 8 + (*p - '0');
			*pp = p;
			return v & 0xff;
		}
		*pp = p + 1;
		return (unsigned char)*p;	/* \\, \", \' and friends */
	}
}

static int lex_string(struct lexer *lx, struct token *tok)
{
	struct strbuf sb = {0};
	const char *p = lx->p + 1;

	while (*p != '"') {
		if (!*p || *p == '\n') {
			diag("parse", &tok->loc, "unterminated string");
			free(sb.buf);
			return -1;
		}
		if (*p == '\\') {
			int c;

			p++;
			c = escape_value(&p);
			if (c <= 0) {
				diag("parse", &tok->loc, "bad escape in string");
				free(sb.buf);
				return -1;
			}
			sb_addc(&sb, (char)c);
		} else {
			sb_addc(&sb, *p++);
		}
	}
	tok->kind = TK_STRING;
	tok->text = sb_steal(&sb);
	advance(lx, p + 1 - lx->p);
	return 0;
}

static int lex_embedded(struct lexer *lx, struct token *tok)
{
	const char *end = strstr(lx->p + 2, "%}");

	if (!end) {
		diag("parse", &tok->loc, "unterminated embedded C block");
		return -1;
	}
	tok->kind = TK_EMBEDDED;
	tok->text = xstrndup(lx->p + 2, end - (lx->p + 2));
	advance(lx, end + 2 - lx->p);
	return 0;
}

static int is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

int lexer_next(struct lexer *lx, struct token *tok)
{
	const char *p;

	memset(tok, 0, sizeof(*tok));
	if (skip_space(lx) < 0)
		return -1;
	tok->loc = here(lx);
	p = lx->p;
	if (!*p) {
		tok->kind = TK_EOF;
		tok->text = xstrdup("end of input");
		return 0;
	}
	if (isdigit((unsigned char)*p))
		return lex_number(lx, tok);
	if (*p == '"')
		return lex_string(lx, tok);
	if (p[0] == '%' && p[1] == '{')
		return lex_embedded(lx, tok);
	if ((p[0] == '$' || p[0] == '@') && p[1] == '#') {	/* $# and @#: argument count */
		tok->kind = TK_IDENT;
		tok->text = xstrndup(p, 2);
		advance(lx, 2);
		return 0;
	}
	if (is_ident_char(*p) || ((*p == '$' || *p == '@') && is_ident_char(p[1])) ||
	    (p[0] == '$' && p[1] == '$' && is_ident_char(p[2]))) {	/* $$parms */
		const char *q = p + 1 + (p[1] == '$');

		while (is_ident_char(*q))
			q++;
		tok->kind = TK_IDENT;
		tok->text = xstrndup(p, q - p);
		advance(lx, q - p);
		return 0;
	}
	for (int i = 0; operators[i]; i++) {
		size_t n = strlen(operators[i]);

		if (!strncmp(p, operators[i], n)) {
			tok->kind = TK_OP;
			tok->text = xstrdup(operators[i]);
			advance(lx, n);
			return 0;
		}
	}
	diag("parse", &tok->loc, "unexpected character '%c'", *p);
	return -1;
}

char *token_describe(const struct token *tok)
{
	switch (tok->kind) {
	case TK_EOF:
		return xstrdup("end of input");
	case TK_IDENT:
		return xasprintf("%s '%s'", is_keyword(tok->text) ? "keyword" : "identifier", tok->text);
	case TK_NUMBER:
		return xasprintf("number '%s'", tok->text);
	case TK_STRING:
		return xasprintf("string \"%s\"", tok->text);
	case TK_EMBEDDED:
		return xstrdup("embedded C");
	case TK_OP:
		return xasprintf("operator '%s'", tok->text);
	}
	return xstrdup("token");
}
