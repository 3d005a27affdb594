/* process(PID): the program a process runs, on the machine the module
 * will run on: this one, or the persistent qemu guest of --remote=qemu
 * (STAP_QEMU_GUEST), asked through its agent.  A throw-away guest boots
 * after translation, so no process of it can be named yet. */
#define _GNU_SOURCE	/* pipe2 */
#include "target_process.h"

#include "remote_qemu.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *local_program(long pid, char **why)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0) {
		*why = xasprintf("no process %ld here (or its program can't be read)", pid);
		return NULL;
	}
	buf[n] = '\0';
	return xstrdup(buf);
}

/* readlink /proc/PID/exe in the guest; its output through a pipe (a path
 * fits in the pipe's buffer, so the command never waits for us). */
static char *guest_program(const char *dir, long pid, char **why)
{
	char link[64], buf[PATH_MAX + 1], *err = NULL;
	char *argv[] = { "readlink", link, NULL };
	struct guest *g;
	int fds[2], devnull, status = 0, rc;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
	g = guest_attach(dir, &err);
	if (!g) {
		*why = xasprintf("cannot reach the guest in %s: %s", dir, err);
		free(err);
		return NULL;
	}
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(fds, O_CLOEXEC) < 0) {
		*why = xstrdup("out of file descriptors");
		guest_detach(g);
		return NULL;
	}
	rc = guest_run(g, "/", argv, fds[1], devnull, NULL, 60, &status, &err);
	guest_detach(g);
	close(fds[1]);
	close(devnull);
	n = rc == 0 ? read(fds[0], buf, sizeof(buf) - 1) : -1;
	close(fds[0]);
	if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) || n <= 0) {
		*why = rc ? xasprintf("the guest did not answer: %s", err) :
			    xasprintf("no process %ld in the guest (or its program can't be read)", pid);
		free(err);
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

char *target_process_program(const char *remote, long pid, char **why)
{
	const char *guest = getenv("STAP_QEMU_GUEST");

	if (!remote)
		return local_program(pid, why);
	if (!guest || !*guest) {
		*why = xstrdup("with --remote=qemu, a process can be named only in a persistent guest "
			       "(STAP_QEMU_GUEST): name the program, process(\"PATH\"), and the process with -x");
		return NULL;
	}
	return guest_program(guest, pid, why);
}
