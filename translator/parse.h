/* Pass 1: parse script sources into the AST. */
#ifndef PARSE_H
#define PARSE_H

#include "ast.h"
#include "preprocess.h"

/* Parses one source into s, through the preprocessor (env says what its
 * conditionals see; macros are the library's, may be NULL).  Returns the
 * number of errors (0 on success), each reported with file:line:col, the
 * line and a caret. */
int parse_source(struct script *s, struct source *src, const struct pp_env *env,
		 struct macro_table *macros);

#endif
