/* The tracepoints of the target kernel and of its modules (see
 * tracepoints.c and tracepoint_index.c). */
#ifndef TRACEPOINTS_H
#define TRACEPOINTS_H

#include "util.h"

#include <stdint.h>

struct ktracepoint {
	char *name;		/* sched_switch */
	char *system;		/* its trace event's system ("sched"), or NULL */
	const char *module;	/* NULL: the kernel's; else its module, by name
				 * (modules.dep) or as the path given to -d */
	char *symbol;		/* what probes call it: NAME, or MODULE:NAME */
};

struct tracepoint_table {
	struct ktracepoint *tps;	/* sorted by symbol */
	int n;
};

/* release's tracepoints, the kernel's and its modules', loaded once per
 * run; NULL with *why set if the kernel has no debuginfo image. */
const struct tracepoint_table *tracepoint_table(const char *release, char **why);
const struct ktracepoint *tracepoint_find(const struct tracepoint_table *t, const char *symbol);

/* A symbol's parts: the tracepoint's name, and its module (malloc'd) or
 * NULL for the kernel's. */
const char *tracepoint_symbol_name(const char *symbol);
char *tracepoint_symbol_module(const char *symbol);

/* stap -d MODULE: a module (a .ko path, or a name) whose tracepoints
 * kernel.trace also looks at, as for one modules.dep lists. */
void tracepoint_add_module(const char *module);

/* The tracepoints an image defines: the debuginfo vmlinux, or a module's
 * .ko (relocatable: pointers come from its relocations).  Each gets
 * module; 0, or -1 with *why set. */
typedef VEC(struct ktracepoint) ktracepoint_vec;
int tracepoints_of_image(const char *path, const char *module, ktracepoint_vec *out, char **why);

/* tracepoint_index.c: the tracepoints of every module modules.dep lists,
 * from an index built once per modules.dep and kept on disk. */
void tracepoint_module_index(const char *release, ktracepoint_vec *out);

#endif
