/* Pass 1, part one: turning script text into tokens. */
#ifndef LEXER_H
#define LEXER_H

#include "util.h"

enum token_kind {
	TK_EOF,
	TK_IDENT,	/* identifiers and keywords */
	TK_NUMBER,
	TK_STRING,	/* text holds the decoded value */
	TK_OP,		/* operators and punctuation */
	TK_EMBEDDED,	/* %{ ... %}, text holds the code */
};

struct token {
	enum token_kind kind;
	char *text;		/* spelling (decoded, for strings) */
	int64_t num;
	struct loc loc;
};

struct lexer {
	const struct source *src;
	const char *p;
	int line, col;
};

void lexer_init(struct lexer *lx, const struct source *src);
/* Returns 0, or -1 after reporting a lexical error. */
int lexer_next(struct lexer *lx, struct token *tok);
/* "identifier 'x'", "operator '+'", "string \"hi\"": how errors name a token. */
char *token_describe(const struct token *tok);
int is_keyword(const char *s);

#endif
