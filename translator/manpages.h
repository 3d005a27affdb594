/* stap --man-pages=DIR (manpages.c): the tapset reference as man pages. */
#ifndef MANPAGES_H
#define MANPAGES_H

#include "ast.h"

/* function::NAME.3stap for each public function name (fns is sorted in
 * place), probe::NAME.3stap for each public alias; 0, or -1 (reported). */
int write_man_pages(const char *dir, struct function **fns, int nfns, struct probe_alias **aliases,
		    int naliases);

/* "name:type (arg:type, ...)" (malloc'd), as --dump-functions shows it. */
char *function_signature(const struct function *f);

#endif
