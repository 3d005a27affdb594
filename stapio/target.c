#define _GNU_SOURCE
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shell_cmd.h"

#define GO_BYTE 'g'
#define TERM_GRACE_MS 1000

void target_init(struct target *t)
{
	t->pid = 0;
	t->go_fd = -1;
}

void child_reset_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE,
				    SIGQUIT, SIGUSR2 };
	sigset_t none;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* shell_line: see shell_cmd_for(); the shell becomes a simple command,
 * so target() is the command's pid. */
static void run_child(int wait_fd, const char *shell_line)
{
	char go = 0;
	ssize_t n;

	child_reset_signals();
	do
		n = read(wait_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || go != GO_BYTE)
		_exit(127);
	execl("/bin/sh", "sh", "-c", shell_line, (char *)NULL);
	fprintf(stderr, "stapio: ERROR: cannot run /bin/sh: %s\n",
		strerror(errno));
	_exit(127);
}

int target_spawn(struct target *t, const char *command)
{
	char *shell_line = shell_cmd_for(command);
	int p[2];
	pid_t pid;

	if (!shell_line)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(shell_line);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		free(shell_line);
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		run_child(p[0], shell_line);
	}
	free(shell_line);
	close(p[0]);
	t->pid = pid;
	t->go_fd = p[1];
	return 0;
}

int target_release(struct target *t)
{
	char go = GO_BYTE;
	int ok;

	if (t->go_fd < 0)
		return 0;
	ok = write(t->go_fd, &go, 1) == 1;
	close(t->go_fd);
	t->go_fd = -1;
	return ok ? 0 : -1;
}

void target_abort(struct target *t)
{
	if (t->go_fd >= 0) {
		close(t->go_fd);
		t->go_fd = -1;
	}
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		t->pid = 0;
	}
}

int target_reap(struct target *t)
{
	if (t->pid <= 0 || waitpid(t->pid, NULL, WNOHANG) != t->pid)
		return 0;
	t->pid = 0;
	return 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void target_finish(struct target *t)
{
	int waited;

	if (t->go_fd >= 0 || t->pid <= 0) {
		target_abort(t);
		return;
	}
	kill(t->pid, SIGTERM);
	for (waited = 0; waited < TERM_GRACE_MS; waited += 10) {
		if (target_reap(t))
			return;
		sleep_ms(10);
	}
	target_abort(t);
}
