/* Pass 2 in two files: elaborate.c resolves names, aliases, library
 * files and unused code; types.c infers and checks types.  This is what
 * they share. */
#ifndef ELABORATE_H
#define ELABORATE_H

#include "session.h"

struct elab {
	struct session *sess;
	struct script *s;
	/* the probe or function being resolved */
	struct probe *probe;
	struct derived_probe *dp;	/* the probe's one unit, for target variables */
	struct function *func;
	int loop_depth;
	/* type inference */
	int changed;
	int report;		/* final round: report mismatches */
	VEC(const struct source *) taken_files;	/* library files in the script */
	int pure_write;		/* the next variable is assigned, not read */
	struct expr *entry;	/* the @entry(expression) being resolved, if any */
	/* privilege checks (privilege.c) */
	struct expr *user_call;		/* the user's call that led into the library */
	const struct expr *refused_call;	/* ... already reported as refused */
	VEC(const struct probe_point *) refused_points;	/* the user's, reported */
	int quiet_refusals;		/* optional points refused without a word */
};

/* "semantic error: ..." at loc, with its source line. */
void sem_error(const struct loc *loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One round of type inference over the whole script; el->changed says
 * whether it learned anything.  With el->report set, mismatches are
 * reported. */
void infer_all(struct elab *el);
/* After inference: every used variable must have a type. */
void check_all_resolved(struct elab *el);

#endif
