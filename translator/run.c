/* Pass 5: run the module.  Locally that is staprun; with --remote=qemu
 * it is staprun inside a throw-away guest, with the output and exit
 * status brought back as if it had run here. */
#include "session.h"

#include "remote_qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* A companion program: next to stap (installed), in its source directory
 * (the build tree: staprun/staprun, guest/stap-guest-agent), else on $PATH. */
static char *find_tool(struct session *s, const char *name, const char *build_dir)
{
	char *path = xasprintf("%s/%s", s->bindir, name);
	const char *dirs = getenv("PATH");

	if (is_program(path))
		return path;
	free(path);
	path = xasprintf("%s/%s/%s", s->bindir, build_dir, name);
	if (is_program(path))
		return path;
	free(path);
	while (dirs && *dirs) {
		size_t n = strcspn(dirs, ":");

		path = xasprintf("%.*s/%s", (int)n, dirs, name);
		if (n && path[0] == '/' && is_program(path))
			return path;
		free(path);
		dirs += n + (dirs[n] == ':');
	}
	return xstrdup(name);
}

/* Whether stapio, not stap, writes the -o files: -S, -b and -F (with
 * --remote=qemu, in the guest, under the /tmp it shares with us). */
static int stapio_writes_output(const struct session *s)
{
	return s->output_file && (s->rotate || s->bulk_mode || s->flight_recorder);
}

/* -vv: the command stap runs, on standard error. */
static void show_command(char **argv)
{
	fputs("Running", stderr);
	for (int i = 0; argv[i]; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
}

/* staprun's command line; output_file only when staprun writes it. */
static char **staprun_argv(struct session *s, const char *output_file)
{
	char **argv = xcalloc(24 + s->global_settings.len, sizeof(*argv));
	int n = 0;

	argv[n++] = find_tool(s, "staprun", "staprun");
	for (int i = 0; i < s->verbose && i < 3; i++)
		argv[n++] = "-v";
	if (s->suppress_warnings)
		argv[n++] = "-w";
	if (output_file) {
		argv[n++] = "-o";
		argv[n++] = (char *)output_file;
	}
	if (s->rotate) {
		argv[n++] = "-S";
		argv[n++] = (char *)s->rotate;
	}
	if (s->buffer_mb) {
		argv[n++] = "-b";
		argv[n++] = xasprintf("%d", s->buffer_mb);
	}
	if (s->flight_recorder)
		argv[n++] = "-F";
	if (s->target_cmd) {
		argv[n++] = "-c";
		argv[n++] = (char *)s->target_cmd;
	}
	if (s->target_pid) {
		argv[n++] = "-x";
		argv[n++] = xasprintf("%ld", s->target_pid);
	}
	argv[n++] = s->module_path;
	for (int i = 0; i < s->global_settings.len; i++)	/* -G NAME=VALUE */
		argv[n++] = s->global_settings.items[i];
	argv[n] = NULL;
	if (s->verbose >= 2)
		show_command(argv);
	return argv;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 1;
}

int pass5_possible(struct session *s)
{
	struct utsname u;

	if (s->remote || s->last_pass < 5)
		return 1;
	uname(&u);
	if (access("/proc/modules", F_OK) != 0) {
		fprintf(stderr, "stap: pass 5 cannot run here: this kernel (%s) cannot load modules; "
			"try --remote=qemu\n", u.release);
		return 0;
	}
	return 1;
}

static int run_local(struct session *s)
{
	struct utsname u;
	char **argv;
	pid_t pid;
	int status;

	uname(&u);
	if (strcmp(u.release, s->release)) {
		fprintf(stderr, "stap: the module is for kernel %s, but this one is %s\n", s->release,
			u.release);
		return -1;
	}
	argv = staprun_argv(s, s->output_file);
	signal(SIGINT, SIG_IGN);	/* staprun and stapio end the script */
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "stap: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	free(argv);
	return exit_code(status) ? -1 : 0;
}

/* -o FILE's strftime(3) patterns (%Y...), expanded as stapio does. */
static char *expand_output_name(const char *name)
{
	char buf[4096];
	time_t now = time(NULL);
	struct tm tm;

	if (!strchr(name, '%') || !localtime_r(&now, &tm) || !strftime(buf, sizeof(buf), name, &tm))
		return xstrdup(name);
	return xstrdup(buf);
}

static int open_output(struct session *s)
{
	char *name;
	int fd;

	if (!s->output_file)
		return 1;
	name = expand_output_name(s->output_file);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		fprintf(stderr, "stap: cannot open %s: %s\n", name, strerror(errno));
	free(name);
	return fd;
}

static struct guest *start_guest(struct session *s, char **dir, char **err)
{
	const char *persistent = getenv("STAP_QEMU_GUEST");
	char *agent;
	struct guest *g;

	if (persistent && *persistent)
		return guest_attach_interruptible(persistent, &interrupted, err);
	*dir = xasprintf("%s/stap-qemu-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(*dir)) {
		*err = xasprintf("cannot create %s: %s", *dir, strerror(errno));
		return NULL;
	}
	agent = find_tool(s, "stap-guest-agent", "guest");
	g = guest_boot_interruptible(s->remote_kernel, *dir, agent, 0, &interrupted, err);
	free(agent);
	return g;
}

static void remove_guest_dir(char *dir)
{
	if (!dir)
		return;
	remove_tree(dir);
	free(dir);
}

static int run_remote(struct session *s)
{
	struct sigaction sa = { .sa_handler = on_interrupt };
	char *err = NULL, *dir = NULL, cwd[4096];
	int out_fd, status = 0, rc;
	struct guest *g;
	char **argv;

	out_fd = stapio_writes_output(s) ? 1 : open_output(s);
	if (out_fd < 0)
		return -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	g = start_guest(s, &dir, &err);
	if (!g) {
		fprintf(stderr, "stap: %s\n", err);
		remove_guest_dir(dir);
		return -1;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	/* main.c made sure such an -o is a path the guest can write */
	argv = staprun_argv(s, stapio_writes_output(s) ? s->output_file : NULL);
	rc = guest_run(g, cwd, argv, out_fd, 2, &interrupted, s->remote_timeout, &status, &err);
	if (rc < 0)
		fprintf(stderr, "stap: %s\n", err);
	if (getenv("STAP_QEMU_GUEST") && *getenv("STAP_QEMU_GUEST"))
		guest_detach(g);
	else
		guest_halt(g);
	remove_guest_dir(dir);
	if (out_fd > 2)
		close(out_fd);
	free(argv);
	if (rc < 0)
		return -1;
	return exit_code(status) ? -1 : 0;
}

int pass5_run(struct session *s)
{
	if (s->remote)
		return run_remote(s);
	return run_local(s);
}
