/* The -c command: forked early, held until START is through. */
#ifndef STAPIO_TARGET_H
#define STAPIO_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

struct target {
	pid_t pid;		/* 0 when there is no command (left) */
	int go_fd;		/* write end of the pipe the child waits on */
};

void target_init(struct target *t);

/* In a child about to exec: drop stapio's signal handlers, mask and
 * ignored SIGPIPE (the -c command's and system()'s). */
void child_reset_signals(void);

/* Forks a child that runs /bin/sh -c CMD once released (as "exec CMD" for
 * a simple command, so that its pid is the command's; see shell_cmd.h). */
int target_spawn(struct target *t, const char *command);

/* Lets the held child exec its command; no-op without a command. */
int target_release(struct target *t);

/* Kills a child that must not run after all. */
void target_abort(struct target *t);

/* Returns 1 if the command has just exited (and is reaped), else 0. */
int target_reap(struct target *t);

/* At exit: a command still running gets SIGTERM, then SIGKILL. */
void target_finish(struct target *t);

#endif
