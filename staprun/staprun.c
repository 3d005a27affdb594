/*
 * staprun: loads a stap module, runs stapio on it, removes it again.
 *
 *   staprun [-v] [-o FILE] [-c CMD] [-x PID] MODULE.ko [name=value ...]
 *
 * The exit status is stapio's (1 if stapio did not exit normally).  The
 * module is removed whatever happened to stapio, so staprun itself ignores
 * the signals that stop a session: stapio acts on them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The kernel's MODULE_NAME_LEN (64 - sizeof(unsigned long)) less the NUL. */
#define MAX_MODULE_NAME 55
#define REMOVE_TRIES 100
#define REMOVE_PAUSE_MS 50

struct options {
	int verbose;
	const char *outfile;
	const char *command;
	const char *target_pid;
	const char *module_path;
	char **params;
	int nparams;
};

static void fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("staprun: ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void verbose(const struct options *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->verbose)
		return;
	fputs("staprun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(void)
{
	fputs("usage: staprun [-v] [-o FILE] [-c CMD] [-x PID] MODULE.ko "
	      "[name=value ...]\n", stderr);
	exit(1);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt(argc, argv, "+vo:c:x:")) != -1) {
		switch (c) {
		case 'v':
			o->verbose++;
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 'c':
			o->command = optarg;
			break;
		case 'x':
			o->target_pid = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	o->module_path = argv[optind];
	o->params = argv + optind + 1;
	o->nparams = argc - optind - 1;
}

/* The name kbuild gives foo-bar.ko: the file stem with '-' made '_'. */
static void module_name_of(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t len;
	char *p;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 3 && strcmp(base + len - 3, ".ko") == 0)
		len -= 3;
	if (len == 0 || len > MAX_MODULE_NAME || len >= size)
		fatal("invalid module file name '%s'", path);
	memcpy(name, base, len);
	name[len] = '\0';
	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

/*
 * Joins the parameters into the kernel's "a=1 b=2" form.  A value with
 * blanks is quoted, which the kernel's parser understands.
 */
static char *join_params(const struct options *o)
{
	size_t size = 1, used = 0;
	char *out, *eq;
	int i;

	for (i = 0; i < o->nparams; i++)
		size += strlen(o->params[i]) + 3;
	out = malloc(size);
	if (!out)
		fatal("out of memory");
	out[0] = '\0';
	for (i = 0; i < o->nparams; i++) {
		const char *p = o->params[i];

		if (strchr(p, '"'))
			fatal("module parameter may not contain '\"': %s", p);
		eq = strchr(p, '=');
		if (eq && strpbrk(eq, " \t\n"))
			used += sprintf(out + used, "%s%.*s\"%s\"",
					i ? " " : "", (int)(eq - p + 1), p,
					eq + 1);
		else
			used += sprintf(out + used, "%s%s", i ? " " : "", p);
	}
	return out;
}

/*
 * The local time zone for the script's tz_gmtoff(), tz_name() and
 * tz_ctime() (the kernel knows none): seconds west of UTC and the zone's
 * abbreviation, as module parameters of the runtime.  Before the user's,
 * which may override them.
 */
static char *with_time_zone(char *params)
{
	time_t now = time(NULL);
	struct tm tm;
	char *all;

	tzset();
	if (!localtime_r(&now, &tm) || !tm.tm_zone || strpbrk(tm.tm_zone, " \t\n\""))
		return params;
	if (asprintf(&all, "_stp_tz_gmtoff=%ld _stp_tz_name=%s%s%s", -tm.tm_gmtoff, tm.tm_zone,
		     *params ? " " : "", params) < 0)
		fatal("out of memory");
	free(params);
	return all;
}

static void load_module(const struct options *o, const char *name)
{
	char *params = with_time_zone(join_params(o));
	int fd;

	fd = open(o->module_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fatal("cannot open module file %s: %s", o->module_path,
		      strerror(errno));
	verbose(o, "loading %s as %s, options '%s'", o->module_path, name,
		params);
	if (syscall(SYS_finit_module, fd, params, 0) != 0) {
		if (errno == EEXIST)
			fatal("module %s is already loaded", name);
		fatal("cannot load module %s: %s", name, strerror(errno));
	}
	close(fd);
	free(params);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Busy means a file of the module is still being closed: try again. */
static int remove_module(const struct options *o, const char *name)
{
	int i;

	for (i = 0; i < REMOVE_TRIES; i++) {
		if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0) {
			verbose(o, "removed module %s", name);
			return 0;
		}
		if (errno != EAGAIN && errno != EBUSY)
			break;
		sleep_ms(REMOVE_PAUSE_MS);
	}
	fprintf(stderr, "staprun: ERROR: cannot remove module %s: %s\n",
		name, strerror(errno));
	return -1;
}

static int is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* stapio next to our own binary (installed), or in the build tree's
 * stapio/ beside our staprun/, else whatever PATH finds. */
static void find_stapio(char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(path, size, "%s/stapio", self) < (int)size &&
			    is_program(path))
				return;
			if (snprintf(path, size, "%s/../stapio/stapio", self) < (int)size &&
			    is_program(path))
				return;
		}
	}
	snprintf(path, size, "stapio");
}

static void exec_stapio(const struct options *o, const char *name)
{
	char path[PATH_MAX + 16];
	const char *argv[12];
	int argc = 0;

	find_stapio(path, sizeof(path));
	argv[argc++] = "stapio";
	if (o->verbose)
		argv[argc++] = "-v";
	if (o->outfile) {
		argv[argc++] = "-o";
		argv[argc++] = o->outfile;
	}
	if (o->command) {
		argv[argc++] = "-c";
		argv[argc++] = o->command;
	}
	if (o->target_pid) {
		argv[argc++] = "-x";
		argv[argc++] = o->target_pid;
	}
	argv[argc++] = name;
	argv[argc] = NULL;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (strchr(path, '/'))
		execv(path, (char **)argv);
	else
		execvp(path, (char **)argv);
	fprintf(stderr, "staprun: ERROR: cannot run %s: %s\n", path,
		strerror(errno));
	_exit(1);
}

/* Runs stapio and returns the exit status staprun should pass on. */
static int run_stapio(const struct options *o, const char *name)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "staprun: ERROR: cannot fork: %s\n",
			strerror(errno));
		return 1;
	}
	if (pid == 0)
		exec_stapio(o, name);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "staprun: ERROR: waiting for stapio: "
				"%s\n", strerror(errno));
			return 1;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "staprun: ERROR: stapio died from signal %d (%s)\n",
		WTERMSIG(status), strsignal(WTERMSIG(status)));
	return 1;
}

int main(int argc, char **argv)
{
	char name[MAX_MODULE_NAME + 1];
	struct options o;
	int status;

	/* Ignored from the start: nothing may leave the module loaded. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	parse_args(argc, argv, &o);
	module_name_of(o.module_path, name, sizeof(name));
	load_module(&o, name);
	status = run_stapio(&o, name);
	if (remove_module(&o, name) < 0 && status == 0)
		status = 1;
	return status;
}
