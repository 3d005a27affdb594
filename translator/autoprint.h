/* The end probe that shows a global written but never read. */
#ifndef AUTOPRINT_H
#define AUTOPRINT_H

#include "ast.h"

/* The probe's script text, for a global whose types pass 2 decided. */
char *autoprint_text(const struct symbol *g);

#endif
