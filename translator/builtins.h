/* Functions the translator knows without a tapset: output, exit, errors,
 * and a few context values.  Pass 2 checks their arguments, pass 3 writes
 * their C. */
#ifndef BUILTINS_H
#define BUILTINS_H

#include "ast.h"

enum builtin_id {
	BI_PRINT, BI_PRINTLN, BI_PRINTF, BI_SPRINTF, BI_SPRINT, BI_SPRINTLN,
	BI_PRINTD, BI_PRINTDLN, BI_SPRINTD, BI_MATCHED,
	BI_EXIT, BI_ERROR, BI_WARN, BI_TARGET,
	BI_COUNT, BI_SUM, BI_MIN, BI_MAX, BI_AVG, BI_VARIANCE, BI_HIST_LINEAR, BI_HIST_LOG,
};

struct builtin {
	const char *name;
	enum builtin_id id;
	enum type type;		/* result */
	int min_args, max_args;	/* max -1: any number */
	enum type arg_type;	/* TYPE_UNKNOWN: any, checked elsewhere */
};

const struct builtin *find_builtin(const char *name);

/* Checks a printf-style call's format against its arguments, and stores
 * the kernel vsnprintf format in call->str.  Returns 0 or -1 (reported). */
int check_format(struct expr *call);

/* For type inference: the types a format's conversions give its first
 * arguments; returns how many it could tell (at most max). */
int format_arg_types(const char *fmt, enum type *types, int max);

#endif
