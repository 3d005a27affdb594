/* Commands the script asks for with system(): run in the background with
 * /bin/sh -c, waited for before stapio leaves. */
#ifndef STAPIO_SYSTEM_H
#define STAPIO_SYSTEM_H

#include <stddef.h>

/* Starts the command (len bytes of text, not NUL-terminated); -1 with
 * errno set if it could not be started. */
int system_start(const char *command, size_t len);

/* Reaps the commands that have ended (after a SIGCHLD). */
void system_reap(void);

/* Waits until every command has ended; SIGINT, SIGTERM or SIGHUP (which
 * must be blocked) kill the ones still running instead. */
void system_wait_all(void);

#endif
