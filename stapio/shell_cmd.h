/* What /bin/sh -c runs for the -c command, so that target() is the
 * command's own pid where that can be had. */
#ifndef STAPIO_SHELL_CMD_H
#define STAPIO_SHELL_CMD_H

/* A simple command (assignments, one program found on $PATH or by its
 * path, its arguments and redirections) becomes "exec COMMAND", with the
 * exec after any leading assignments: the shell then turns into the
 * program and keeps its pid.  Anything else ("a; b", pipelines, builtins,
 * keywords, expansions in the command's name) stays as it is, since the
 * shell must live on to run it.  Returns a malloc'd string, NULL when out
 * of memory. */
char *shell_cmd_for(const char *command);

#endif
