/* process(PID): which program the process runs (target_process.c). */
#ifndef TARGET_PROCESS_H
#define TARGET_PROCESS_H

#include "util.h"

/* The program process pid runs, as a path: on this machine (remote
 * NULL), or in the persistent guest of --remote=qemu.  NULL with *why
 * (malloc'd) if there is no such process or it can't be asked. */
char *target_process_program(const char *remote, long pid, char **why);

#endif
