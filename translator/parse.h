/* Pass 1: parse script sources into the AST. */
#ifndef PARSE_H
#define PARSE_H

#include "ast.h"

/* Parses one source into s.  Returns the number of errors (0 on success).
 * Each error is reported with file:line:col, the line and a caret. */
int parse_source(struct script *s, struct source *src);

#endif
