/* The tracepoints of the target kernel, found in its debuginfo vmlinux
 * (see tracepoints.c). */
#ifndef TRACEPOINTS_H
#define TRACEPOINTS_H

#include "util.h"

#include <stdint.h>

struct ktracepoint {
	char *name;		/* sched_switch */
	const char *system;	/* its trace event's system ("sched"), or NULL */
	uint64_t addr;		/* struct tracepoint __tracepoint_NAME */
};

struct tracepoint_table {
	char *path;		/* the image */
	struct ktracepoint *tps;	/* sorted by name */
	int n;
};

/* release's tracepoints, loaded once per run; NULL with *why set if the
 * kernel has no debuginfo image. */
const struct tracepoint_table *tracepoint_table(const char *release, char **why);
const struct ktracepoint *tracepoint_find(const struct tracepoint_table *t, const char *name);

#endif
