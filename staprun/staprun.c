/*
 * staprun: loads a stap module, runs stapio on it, removes it again.
 *
 *   staprun [OPTIONS] MODULE [name=value ...]
 *   staprun -A NAME | -d NAME
 *
 * Installed setuid root.  The caller's groups decide which modules may be
 * loaded (privilege.c); the module file is opened once, as the caller,
 * read into memory, checked and loaded from that copy (modimage.c).  Root
 * is borrowed only to load, to open the transport and to remove; stapio
 * runs as the caller with the transport's open files (launch.c).
 *
 * The exit status is stapio's (1 if stapio did not exit normally).  The
 * module is removed whatever happened to stapio unless stapio detached
 * from it (-L, SIGQUIT), so staprun ignores the signals that stop a
 * session: stapio acts on them.
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

#include "launch.h"
#include "modimage.h"
#include "privilege.h"

#define STAPRUN_VERSION "1.0"
#define REMOVE_TRIES 100
#define REMOVE_PAUSE_MS 50
/* stapio's exit status when it detached: the module stays loaded. */
#define STAPIO_DETACHED 3

struct options {
	int verbose;
	bool no_warnings;	/* -w */
	bool load_only;		/* -L, and -F without -o */
	bool overwrite;		/* -F / -L: flight recorder buffers */
	bool background;	/* -D, and -F with -o */
	bool rename;		/* -R */
	const char *outfile;	/* -o */
	const char *size_spec;	/* -S SIZE[,N] */
	const char *command;	/* -c */
	const char *target_pid;	/* -x */
	const char *poll_ms;	/* -T */
	long bufsize;		/* -b, MB */
	const char *attach;	/* -A NAME */
	const char *remove;	/* -d NAME */
	const char *module;	/* the MODULE argument */
	char **params;
	int nparams;
};

static struct caller caller;
static char **user_environ;	/* for stapio, which runs as the caller */
static pid_t stapio_pid;
static volatile sig_atomic_t forward_signals;

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

static void usage(FILE *to, int status)
{
	fputs("usage: staprun [OPTIONS] MODULE [name=value ...]\n"
	      "       staprun [-v] -A NAME    attach to a running module\n"
	      "       staprun [-v] -d NAME    remove a detached module\n"
	      "options:\n"
	      "  -v          verbose (repeat for more)\n"
	      "  -w          no warnings from the script\n"
	      "  -c CMD      run CMD; the script's target() is its pid; end with it\n"
	      "  -x PID      the script's target() is PID\n"
	      "  -o FILE     output to FILE (strftime %-patterns allowed)\n"
	      "  -S SIZE[,N] write FILE.0, FILE.1 ..., a new one every SIZE MB, keep N\n"
	      "  -b MB       relay buffer size per CPU, 1..4095\n"
	      "  -T MS       how often stapio looks for output, in milliseconds\n"
	      "  -L          load, start, detach (flight recorder in memory)\n"
	      "  -F          flight recorder: -L without -o, in the background with -o\n"
	      "  -D          run in the background (needs -o); prints the pid\n"
	      "  -R          give the module a unique name, so copies run at once\n"
	      "  -u          uprobes: built into the kernel, nothing to load\n"
	      "  -V          version\n"
	      "  -h          this help\n", to);
	exit(status);
}

static long parse_number(const char *what, const char *text, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || end == text || v < lo || v > hi)
		fatal("%s takes a number from %ld to %ld, not '%s'", what, lo, hi, text);
	return v;
}

static void check_options(struct options *o)
{
	if (o->attach || o->remove) {
		if (o->module || o->load_only || o->background || o->rename || o->command ||
		    o->bufsize)
			fatal("-A and -d take a module name and no module file, -L, -D, -R, -c or -b");
		return;
	}
	if (!o->module)
		usage(stderr, 1);
	if (o->background && !o->outfile)
		fatal("-D needs -o FILE: a background run has no terminal for its output");
	if (o->size_spec && !o->outfile)
		fatal("-S needs -o FILE");
	if (o->load_only && (o->command || o->background))
		fatal("-L cannot be combined with -c or -D");
	if (o->target_pid)
		parse_number("-x", o->target_pid, 1, 0x3fffffff);
	if (o->poll_ms)
		parse_number("-T", o->poll_ms, 1, 3600000);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	bool flight = false;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt(argc, argv, "+vwc:x:o:S:b:T:LFDRA:d:uVh")) != -1) {
		switch (c) {
		case 'v': o->verbose++; break;
		case 'w': o->no_warnings = true; break;
		case 'c': o->command = optarg; break;
		case 'x': o->target_pid = optarg; break;
		case 'o': o->outfile = optarg; break;
		case 'S': o->size_spec = optarg; break;
		case 'b': o->bufsize = parse_number("-b", optarg, 1, 4095); break;
		case 'T': o->poll_ms = optarg; break;
		case 'L': o->load_only = true; break;
		case 'F': flight = true; break;
		case 'D': o->background = true; break;
		case 'R': o->rename = true; break;
		case 'A': o->attach = optarg; break;
		case 'd': o->remove = optarg; break;
		case 'u': break;	/* uprobes are part of the kernel now */
		case 'V':
			printf("staprun (our SystemTap-compatible runtime) version %s\n",
			       STAPRUN_VERSION);
			exit(0);
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 1);
		}
	}
	if (flight) {
		if (o->outfile)
			o->background = true;
		else
			o->load_only = true;
	}
	o->overwrite = o->load_only;
	if (optind < argc && !o->attach && !o->remove) {
		o->module = argv[optind++];
		o->params = argv + optind;
		o->nparams = argc - optind;
	} else if (optind < argc) {
		usage(stderr, 1);
	}
	check_options(o);
}

/* A name alone means an installed module: /lib/modules/RELEASE/systemtap/. */
static char *module_path(const char *arg)
{
	size_t len = strlen(arg);
	char *path, *real;

	if (!strchr(arg, '/') && (len < 3 || strcmp(arg + len - 3, ".ko"))) {
		if (asprintf(&path, "%s%s.ko", trusted_module_dir(), arg) < 0)
			fatal("out of memory");
	} else {
		path = strdup(arg);
	}
	real = realpath(path, NULL);
	if (!real)
		fatal("cannot find module %s: %s", path, strerror(errno));
	free(path);
	return real;
}

/* Module parameters are the script's globals; the runtime's own (_stp_*)
 * are set by staprun alone. */
static void check_param(const char *p)
{
	const char *eq = strchr(p, '=');

	if (!eq || eq == p)
		fatal("module parameter '%s' is not name=value", p);
	if (!strncmp(p, "_stp_", 5))
		fatal("module parameter '%.*s' is reserved for staprun", (int)(eq - p), p);
	if (strchr(p, '"') || strchr(p, '\n'))
		fatal("module parameter may not contain '\"' or a newline: %s", p);
}

static void append(char **all, size_t *used, size_t *size, const char *text)
{
	size_t len = strlen(text);

	if (*used + len + 2 > *size) {
		*size = (*used + len + 2) * 2;
		*all = realloc(*all, *size);
		if (!*all)
			fatal("out of memory");
	}
	if (*used)
		(*all)[(*used)++] = ' ';
	memcpy(*all + *used, text, len + 1);
	*used += len;
}

/* A value with blanks is quoted, which the kernel's parser understands. */
static void append_param(char **all, size_t *used, size_t *size, const char *p)
{
	const char *eq = strchr(p, '=');
	char *quoted;

	check_param(p);
	if (!strpbrk(eq, " \t")) {
		append(all, used, size, p);
		return;
	}
	if (asprintf(&quoted, "%.*s\"%s\"", (int)(eq - p + 1), p, eq + 1) < 0)
		fatal("out of memory");
	append(all, used, size, quoted);
	free(quoted);
}

/*
 * The runtime's parameters first: who loaded the module, its buffers, and
 * the local time zone for tz_gmtoff()/tz_name()/tz_ctime() (the kernel
 * knows none); then the script's globals.
 */
static char *module_params(const struct options *o)
{
	size_t used = 0, size = 0;
	char *all = NULL, tmp[128];
	time_t now = time(NULL);
	struct tm tm;
	int i;

	snprintf(tmp, sizeof(tmp), "_stp_uid=%u _stp_gid=%u", (unsigned)caller.uid,
		 (unsigned)caller.gid);
	append(&all, &used, &size, tmp);
	if (o->bufsize) {
		snprintf(tmp, sizeof(tmp), "_stp_bufsize=%ld", o->bufsize);
		append(&all, &used, &size, tmp);
	}
	if (o->overwrite)
		append(&all, &used, &size, "_stp_overwrite=1");
	tzset();
	if (localtime_r(&now, &tm) && tm.tm_zone && !strpbrk(tm.tm_zone, " \t\n\"")) {
		snprintf(tmp, sizeof(tmp), "_stp_tz_gmtoff=%ld _stp_tz_name=%s",
			 -tm.tm_gmtoff, tm.tm_zone);
		append(&all, &used, &size, tmp);
	}
	for (i = 0; i < o->nparams; i++)
		append_param(&all, &used, &size, o->params[i]);
	return all;
}

/* The module, read once; refused unless the caller may run it. */
static void read_module(const struct options *o, struct modimage *m)
{
	char *path = module_path(o->module), why[768], *sig;
	const char *err;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fatal("cannot open module file %s: %s", path, strerror(errno));
	if (modimage_read(m, fd, &err) < 0)
		fatal("module file %s: %s", path, err);
	close(fd);
	if (asprintf(&sig, "%s.sgn", path) < 0 || modimage_read_signature(m, sig) < 0)
		fatal("cannot read signature file %s: %s", sig, strerror(errno));
	free(sig);
	if (!may_load(&caller, m, path, why, sizeof(why)))
		fatal("%s", why);
	if (o->target_pid && !may_target(&caller, (pid_t)atol(o->target_pid), why, sizeof(why)))
		fatal("%s", why);
	verbose(o, "module %s (%s), built for %s; you: %s", m->name, path,
		modimage_info(m, "stap_privilege") ?: "stapdev", level_name(caller.level));
	free(path);
}

/* -R: NAME_PID, shortened to fit the kernel's limit. */
static void rename_module(const struct options *o, struct modimage *m)
{
	char suffix[24], name[MAX_MODULE_NAME + 1];
	size_t keep;

	snprintf(suffix, sizeof(suffix), "_%d", (int)getpid());
	keep = strlen(m->name);
	if (keep + strlen(suffix) > MAX_MODULE_NAME)
		keep = MAX_MODULE_NAME - strlen(suffix);
	snprintf(name, sizeof(name), "%.*s%s", (int)keep, m->name, suffix);
	if (modimage_rename(m, name) < 0)
		fatal("cannot rename module %s", m->name);
	verbose(o, "renamed to %s", name);
}

static void load_module(const struct options *o, const struct modimage *m)
{
	char *params = module_params(o);
	int rc, err;

	verbose(o, "loading %s, options '%s'", m->name, params);
	privileged_begin();
	rc = syscall(SYS_init_module, m->data, m->size, params);
	err = errno;
	privileged_end(&caller);
	if (rc != 0) {
		if (err == EEXIST)
			fatal("module %s is already loaded (-R loads another copy under a new name)",
			      m->name);
		fatal("cannot load module %s: %s", m->name, strerror(err));
	}
	free(params);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Busy means a file of the module is still being closed: try again. */
static int remove_module(const struct options *o, const char *name, int tries)
{
	int i, rc = -1;

	privileged_begin();
	for (i = 0; i < tries; i++) {
		rc = syscall(SYS_delete_module, name, O_NONBLOCK);
		if (rc == 0 || (errno != EAGAIN && errno != EBUSY))
			break;
		sleep_ms(REMOVE_PAUSE_MS);
	}
	privileged_end(&caller);
	if (rc == 0) {
		verbose(o, "removed module %s", name);
		return 0;
	}
	fprintf(stderr, "staprun: ERROR: cannot remove module %s: %s\n", name,
		errno == EAGAIN || errno == EBUSY ? "it is in use (attached to a stapio?)"
						  : strerror(errno));
	return -1;
}

static void open_transport(const char *name, struct transport_fds *t)
{
	int rc, err;

	privileged_begin();
	rc = transport_open(name, t);
	err = errno;
	privileged_end(&caller);
	if (rc == 0)
		return;
	if (err == EBUSY)
		fprintf(stderr, "staprun: ERROR: module %s is already attached to another stapio\n",
			name);
	else
		fprintf(stderr, "staprun: ERROR: cannot open the transport of module %s: %s\n",
			name, strerror(err));
}

static void push(const char **argv, int *argc, const char *a, const char *b)
{
	argv[(*argc)++] = a;
	if (b)
		argv[(*argc)++] = b;
}

static void exec_stapio(const struct options *o, const char *name,
			const struct transport_fds *t, bool attach)
{
	char path[PATH_MAX + 16];
	const char *argv[32];
	int argc = 0, i;

	privilege_drop_all(&caller);
	find_stapio(path, sizeof(path));
	push(argv, &argc, "stapio", NULL);
	for (i = 0; i < o->verbose && i < 4; i++)
		push(argv, &argc, "-v", NULL);
	if (o->no_warnings)
		push(argv, &argc, "-w", NULL);
	if (o->outfile)
		push(argv, &argc, "-o", o->outfile);
	if (o->size_spec)
		push(argv, &argc, "-S", o->size_spec);
	if (o->command)
		push(argv, &argc, "-c", o->command);
	if (o->target_pid)
		push(argv, &argc, "-x", o->target_pid);
	if (o->poll_ms)
		push(argv, &argc, "-T", o->poll_ms);
	if (attach)
		push(argv, &argc, "-A", NULL);
	else if (o->load_only)
		push(argv, &argc, "-L", NULL);
	push(argv, &argc, transport_ctl_arg(t), transport_relay_arg(t));
	push(argv, &argc, name, NULL);
	argv[argc] = NULL;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	if (strchr(path, '/'))
		execve(path, (char **)argv, user_environ);
	else
		execvpe(path, (char **)argv, user_environ);
	fprintf(stderr, "staprun: ERROR: cannot run %s: %s\n", path, strerror(errno));
	_exit(1);
}

/* In the background nobody else signals stapio: pass them on. */
static void on_signal(int sig)
{
	if (forward_signals && stapio_pid > 0)
		kill(stapio_pid, sig);
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}

/* Runs stapio and returns its exit status (1 if it did not exit). */
static int run_stapio(const struct options *o, const char *name, struct transport_fds *t,
		      bool attach)
{
	int status;

	fflush(NULL);
	stapio_pid = fork();
	if (stapio_pid < 0) {
		fprintf(stderr, "staprun: ERROR: cannot fork: %s\n", strerror(errno));
		return 1;
	}
	if (stapio_pid == 0)
		exec_stapio(o, name, t, attach);
	transport_close(t);
	while (waitpid(stapio_pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "staprun: ERROR: waiting for stapio: %s\n",
				strerror(errno));
			return 1;
		}
	}
	stapio_pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "staprun: ERROR: stapio died from signal %d (%s)\n",
		WTERMSIG(status), strsignal(WTERMSIG(status)));
	return 1;
}

/* -D: the parent prints the background staprun's pid and leaves. */
static void go_background(void)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fatal("cannot fork: %s", strerror(errno));
	if (pid > 0) {
		printf("%d\n", (int)pid);
		exit(0);
	}
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	forward_signals = 1;
}

/* Runs stapio on a loaded module; removes it unless stapio detached. */
static int session(const struct options *o, const char *name, bool attach)
{
	struct transport_fds t;
	int status;

	open_transport(name, &t);
	if (t.ctl < 0) {
		if (!attach)
			remove_module(o, name, REMOVE_TRIES);
		return 1;
	}
	if (o->background)
		go_background();
	status = run_stapio(o, name, &t, attach);
	if (status == STAPIO_DETACHED) {
		verbose(o, "detached from module %s", name);
		return 0;
	}
	if (remove_module(o, name, REMOVE_TRIES) < 0 && status == 0)
		status = 1;
	return status;
}

static int run_module(const struct options *o)
{
	struct modimage m;

	read_module(o, &m);
	if (o->rename)
		rename_module(o, &m);
	load_module(o, &m);
	modimage_free(&m);
	return session(o, m.name, false);
}

static int control_module(const struct options *o)
{
	const char *name = o->attach ? o->attach : o->remove;
	char why[512];

	if (!may_control(&caller, name, why, sizeof(why)))
		fatal("%s", why);
	if (o->attach)
		return session(o, name, true);
	return remove_module(o, name, 1) < 0;
}

/* A setuid program must not have its own files land on fds 0-2. */
static void ensure_standard_fds(void)
{
	int fd;

	do {
		fd = open("/dev/null", O_RDWR);
	} while (fd >= 0 && fd <= 2);
	if (fd < 0)
		exit(1);
	close(fd);
}

/* The caller's environment goes to stapio (unprivileged); staprun itself
 * runs with a fixed one, but for TZ (the zone is read as the caller). */
static void sanitize_environment(void)
{
	const char *tz = getenv("TZ");
	char *zone = tz ? strdup(tz) : NULL;
	size_t n = 0, i;

	while (environ[n])
		n++;
	user_environ = calloc(n + 1, sizeof(char *));
	if (!user_environ)
		fatal("out of memory");
	for (i = 0; i < n; i++)
		user_environ[i] = strdup(environ[i]);
	clearenv();
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	if (zone)
		setenv("TZ", zone, 1);
	free(zone);
}

int main(int argc, char **argv)
{
	struct options o;

	ensure_standard_fds();
	privilege_init(&caller);
	sanitize_environment();
	setup_signals();
	parse_args(argc, argv, &o);
	if (o.attach || o.remove)
		return control_module(&o);
	return run_module(&o);
}
