/* The functions of the target kernel and its modules, from their ELF
 * symbol tables, and whether each may be probed (see ksyms.c). */
#ifndef KSYMS_H
#define KSYMS_H

#include "util.h"

#include <stdint.h>

struct kfunc {
	char *name;
	uint64_t addr;		/* in the image, before KASLR: for ordering only */
	const char *why_not;	/* NULL if a probe may go here, else the reason */
	const char *why_by_name;	/* a pattern skips it by name (see ksyms.c), or NULL */
	int traced;		/* has an ftrace call site (not notrace) */
	int exported;		/* EXPORT_SYMBOL'd */
};

struct kfunc_table {
	char *path;		/* the image it came from */
	struct kfunc *funcs;	/* sorted by name */
	int n;
};

/* The table of release's kernel (module NULL) or of one of its modules;
 * loaded once per run.  NULL, with *why set, if there is none. */
const struct kfunc_table *kfunc_table(const char *release, const char *module, char **why);
const struct kfunc *kfunc_find(const struct kfunc_table *t, const char *name);
/* Up to max names of t closest to name, closest first; how many. */
int kfunc_similar(const struct kfunc_table *t, const char *name, const char **out, int max);

#endif
