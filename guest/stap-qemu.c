/* stap-qemu: keep a qemu guest running and run commands in it.
 *
 *   stap-qemu start DIR [KERNEL-IMAGE]   boot a persistent guest
 *   stap-qemu run DIR [--timeout S] -- CMD ARGS...
 *   stap-qemu stop DIR                   power it off
 *   stap-qemu once [--kernel IMAGE] [--timeout S] -- CMD ARGS...
 *                                        boot, run one command, power off
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../translator/remote_qemu.h"

/* Like ssh: our own failures use a status commands rarely do. */
#define EXIT_RUNNER_FAILED 255

static volatile sig_atomic_t interrupted;

static void note_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(void)
{
	fputs("usage: stap-qemu start DIR [KERNEL-IMAGE]\n"
	      "       stap-qemu run DIR [--timeout SECONDS] -- CMD [ARGS...]\n"
	      "       stap-qemu stop DIR\n"
	      "       stap-qemu once [--kernel IMAGE] [--timeout SECONDS] -- CMD [ARGS...]\n"
	      "The agent is $STAP_GUEST_AGENT, else stap-guest-agent next to stap-qemu.\n",
	      stderr);
	exit(2);
}

static int fail(const char *what, char *err)
{
	fprintf(stderr, "stap-qemu: %s: %s\n", what, err ? err : "failed");
	free(err);
	return EXIT_RUNNER_FAILED;
}

/* No SA_RESTART: a blocking call returns so the flag gets noticed. */
static void catch_signal(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static char *agent_path(void)
{
	char self[PATH_MAX], *path;
	const char *env = getenv("STAP_GUEST_AGENT");
	ssize_t n;

	if (env && *env)
		return realpath(env, NULL);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	if (asprintf(&path, "%s/stap-guest-agent", dirname(self)) < 0)
		return NULL;
	return path;
}

static int cmd_start(int argc, char **argv)
{
	char *kernel, *agent, *err = NULL;
	struct guest *g;

	if (argc < 3 || argc > 4)
		usage();
	if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "stap-qemu: cannot create %s: %s\n", argv[2],
			strerror(errno));
		return EXIT_RUNNER_FAILED;
	}
	kernel = argc == 4 ? strdup(argv[3]) : guest_default_kernel();
	if (!kernel)
		return fail("start", strdup("no /boot/vmlinuz-R with /lib/modules/R/build found"));
	agent = agent_path();
	if (!agent)
		return fail("start", strdup("cannot locate stap-guest-agent"));
	catch_signal(SIGINT, note_interrupt);
	catch_signal(SIGTERM, note_interrupt);
	catch_signal(SIGHUP, note_interrupt);
	g = guest_boot_interruptible(kernel, argv[2], agent, 1, &interrupted, &err);
	free(kernel);
	free(agent);
	if (!g)
		return fail("start", err);
	guest_detach(g);
	return 0;
}

/* Report the command's end as our own: same exit code, or the same signal
 * (without a core dump of ours). */
static int exit_like(int status)
{
	struct rlimit no_core = { 0, 0 };
	int sig;

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (!WIFSIGNALED(status))
		return EXIT_RUNNER_FAILED;
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &no_core);
	fflush(NULL);
	signal(sig, SIG_DFL);
	raise(sig);
	return 128 + sig;
}

/* Options before "--": --timeout S and (if kernel is not NULL) --kernel K.
 * Returns the index of the command. */
static int parse_run_options(int argc, char **argv, int i, int *timeout_s,
			     const char **kernel)
{
	for (; i + 1 < argc && strcmp(argv[i], "--"); i += 2) {
		if (!strcmp(argv[i], "--timeout"))
			*timeout_s = atoi(argv[i + 1]);
		else if (kernel && !strcmp(argv[i], "--kernel"))
			*kernel = argv[i + 1];
		else
			usage();
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc)
		usage();
	return i + 1;
}

static int run_in(struct guest *g, char **argv, int timeout_s, int *status,
		  char **err)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	return guest_run(g, cwd, argv, 1, 2, &interrupted, timeout_s, status, err);
}

static int cmd_run(int argc, char **argv)
{
	int timeout_s = 0, status, rc, cmd;
	char *err = NULL;
	struct guest *g;

	if (argc < 4)
		usage();
	cmd = parse_run_options(argc, argv, 3, &timeout_s, NULL);
	catch_signal(SIGINT, note_interrupt);
	g = guest_attach_interruptible(argv[2], &interrupted, &err);
	if (!g && interrupted) {	/* while waiting for the guest: run nothing */
		free(err);
		return exit_like(SIGINT);
	}
	if (!g)
		return fail("run", err);
	if (interrupted) {
		guest_detach(g);
		return exit_like(SIGINT);
	}
	rc = run_in(g, argv + cmd, timeout_s, &status, &err);
	guest_detach(g);
	if (rc < 0)
		return fail("run", err);
	return exit_like(status);
}

static void remove_scratch_dir(const char *dir)
{
	static const char *const names[] = { "console.log", "qemu.log", "lock" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* What `stap --remote=qemu` does: a throw-away guest for one command. */
static int cmd_once(int argc, char **argv)
{
	int timeout_s = 0, status, rc, cmd;
	char dir[] = "/tmp/stap-qemu-XXXXXX", *kernel_path, *agent, *err = NULL;
	const char *kernel = NULL;
	struct guest *g;

	cmd = parse_run_options(argc, argv, 2, &timeout_s, &kernel);
	kernel_path = kernel ? strdup(kernel) : guest_default_kernel();
	agent = agent_path();
	if (!kernel_path || !agent)
		return fail("once", strdup(kernel_path ? "cannot locate stap-guest-agent"
					   : "no /boot/vmlinuz-R with /lib/modules/R/build found"));
	if (!mkdtemp(dir))
		return fail("once", strdup(strerror(errno)));
	catch_signal(SIGINT, note_interrupt);
	g = guest_boot_interruptible(kernel_path, dir, agent, 0, &interrupted, &err);
	free(kernel_path);
	free(agent);
	if (!g)
		return fail("once", err);	/* keeps dir: the error cites its log */
	rc = run_in(g, argv + cmd, timeout_s, &status, &err);
	guest_halt(g);
	if (rc < 0)
		return fail("once", err);	/* keeps dir, as above */
	remove_scratch_dir(dir);
	return exit_like(status);
}

static int cmd_stop(int argc, char **argv)
{
	char *err = NULL;
	struct guest *g;

	if (argc != 3)
		usage();
	g = guest_attach(argv[2], &err);
	if (!g) {
		/* Not answering (or not there): make sure no qemu is left. */
		free(err);
		err = NULL;
		if (guest_kill_dir(argv[2], &err) < 0)
			return fail("stop", err);
		return 0;
	}
	if (guest_poweroff(g, &err) < 0)
		return fail("stop", err);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "start"))
		return cmd_start(argc, argv);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc, argv);
	if (!strcmp(argv[1], "stop"))
		return cmd_stop(argc, argv);
	if (!strcmp(argv[1], "once"))
		return cmd_once(argc, argv);
	usage();
	return 2;
}
