/* Pass 1, part two: the preprocessor between the lexer and the parser.
 * It evaluates %( COND %? THEN %: ELSE %) conditionals, expands @define
 * macros, and substitutes the command-line arguments $1..$n / @1..@n. */
#ifndef PREPROCESS_H
#define PREPROCESS_H

#include "lexer.h"

/* What conditionals can test; filled in by the driver. */
struct pp_env {
	const char *kernel_release;	/* "6.1.0-56-amd64"; NULL: unknown */
	const char *kernel_config;	/* path of the kernel's .config, or NULL */
	const char *arch;		/* "x86_64" */
	const char *runtime;		/* "kernel" */
	const char *systemtap_v;	/* compatibility version, "5.0" */
	const char *privilege;		/* "stapdev", "stapsys" or "stapusr" */
	int guru_mode;
	char **args;			/* script arguments */
	int nargs;
};

struct macro;

/* Macros visible to every script: those of the library's .stpm files. */
struct macro_table {
	VEC(struct macro *) macros;
};

struct pp_frame;

struct preprocessor {
	struct lexer lx;
	const struct pp_env *env;
	struct macro_table *library;	/* shared, may be NULL */
	struct macro_table local;	/* this source's own @defines */
	VEC(struct token) pending;	/* expanded tokens, delivered last first */
	VEC(int) conds;			/* open conditionals: 1 while in a THEN part */
	VEC(struct loc) cond_locs;	/* where each opened, for errors */
	int expansions;			/* guards against runaway macro recursion */
	int library_mode;		/* a .stpm file: only @define allowed */
	int in_condition;		/* reading a %( condition %? */
};

void pp_init(struct preprocessor *pp, const struct source *src, const struct pp_env *env,
	     struct macro_table *library);
/* The next token after preprocessing; 0, or -1 after reporting an error. */
int pp_next(struct preprocessor *pp, struct token *tok);

/* Reads a .stpm file's @define macros into table; returns errors. */
int pp_load_macros(struct macro_table *table, const struct source *src, const struct pp_env *env);

#endif
