#define _GNU_SOURCE
#include "system.h"
#include "target.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_TICK_NS 100000000L

/* The commands still running; reaped by pid, never with waitpid(-1),
 * which could take the -c command's exit from target.c. */
static pid_t *running;
static size_t nrunning, capacity;

static void run_command(const char *command)
{
	child_reset_signals();
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	fprintf(stderr, "stapio: ERROR: cannot run /bin/sh for system(): %s\n",
		strerror(errno));
	_exit(127);
}

static int remember(pid_t pid)
{
	if (nrunning == capacity) {
		size_t n = capacity ? 2 * capacity : 8;
		pid_t *p = realloc(running, n * sizeof(*p));

		if (!p)
			return -1;
		running = p;
		capacity = n;
	}
	running[nrunning++] = pid;
	return 0;
}

int system_start(const char *command, size_t len)
{
	char *text = strndup(command, len);
	pid_t pid;

	if (!text)
		return -1;
	/* Buffered output must not be written twice, nor after the
	 * command's own. */
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		run_command(text);
	free(text);
	if (pid < 0)
		return -1;
	if (remember(pid) < 0) {
		/* Can't track it: wait for it here rather than lose it. */
		waitpid(pid, NULL, 0);
	}
	return 0;
}

void system_reap(void)
{
	size_t i = 0;

	while (i < nrunning) {
		if (waitpid(running[i], NULL, WNOHANG) == running[i])
			running[i] = running[--nrunning];
		else
			i++;
	}
}

static void kill_all(void)
{
	size_t i;

	for (i = 0; i < nrunning; i++)
		kill(running[i], SIGKILL);
	for (i = 0; i < nrunning; i++)
		waitpid(running[i], NULL, 0);
	nrunning = 0;
}

void system_wait_all(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	system_reap();
	while (nrunning) {
		struct timespec tick = { 0, WAIT_TICK_NS };
		int sig = sigtimedwait(&set, NULL, &tick);

		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			kill_all();
			break;
		}
		system_reap();
	}
	free(running);
	running = NULL;
	capacity = 0;
}
