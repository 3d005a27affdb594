/* Pass 3's internals, shared by emit.c (scalars, statements, functions,
 * probes) and emit_arrays.c (arrays and foreach). */
#ifndef EMIT_H
#define EMIT_H

#include "session.h"

struct emitter {
	struct strbuf out;
	struct session *sess;
	struct function *func;	/* NULL inside a probe */
	int ntmp;		/* temporaries handed out in this frame */
	int nltmp;		/* long ones, for arguments evaluated in order */
	int depth;		/* indentation */
	const char *error_label;	/* where a failure jumps: "out" or a catch */
	int ntry;		/* try blocks in this function, for labels */
	int niter;		/* foreach iterators in this frame */
	int uses_regex;		/* this frame needs a workspace for =~ */
	int nregex;		/* regex programs written so far */
};

void line(struct emitter *em, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *quoted(const char *s);
/* "identifier 'x' at FILE:L:C", as a C string: where a runtime error was. */
char *near_literal(const char *near, const struct loc *loc);
char *var_ref(const struct symbol *sym);
char *new_tmp(struct emitter *em, struct expr *e);
char *emit_expr(struct emitter *em, struct expr *e);
/* Wraps a C expression that may fail in STP_CHECKED; frees sb's text. */
char *checked(struct emitter *em, struct strbuf *sb);
void emit_braced(struct emitter *em, struct stmt *st, int counted);
char *emit_arith(struct emitter *em, const struct expr *e, const char *op, const char *a, const char *b);
char *compound_operator(const char *op);

/* emit_arrays.c */
char *emit_index(struct emitter *em, struct expr *e);
char *emit_in(struct emitter *em, struct expr *e);
char *emit_index_assign(struct emitter *em, struct expr *e);
char *emit_index_incdec(struct emitter *em, struct expr *e);
void emit_array_delete(struct emitter *em, struct stmt *st);
void emit_foreach(struct emitter *em, struct stmt *st);
void emit_end_iterators(struct emitter *em, int from);
void emit_array_globals(struct emitter *em);
void emit_script_init(struct emitter *em);

char *emit_element_key(struct emitter *em, struct expr *e);

/* emit_stats.c */
void emit_stat_desc(struct emitter *em, const struct symbol *g);
void emit_stat_array_init(struct emitter *em, const struct symbol *g);
void emit_stat_globals(struct emitter *em);
void emit_stat_init(struct emitter *em);
void emit_stat_exit(struct emitter *em);
char *emit_stat_part(struct emitter *em, struct expr *e);
void emit_print_hist(struct emitter *em, struct expr *print, int newline);
char *emit_stat_add(struct emitter *em, struct expr *e);

#endif
