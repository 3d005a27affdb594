/* stap: translate a SystemTap script into a kernel module and run it.
 * Parses the command line, then runs the five passes in order. */
#include "session.h"

#include "cache.h"
#include "parse.h"
#include "privilege.h"
#include "remote_qemu.h"
#include "tracepoints.h"
#include "usyms.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define STAP_VERSION "0.1"
/* The SystemTap language version scripts see as systemtap_v. */
#define STAP_COMPAT_VERSION "5.0"

static void usage(FILE *out)
{
	fputs("Usage: stap [OPTIONS] SCRIPT-FILE [ARGS...]\n"
	      "       stap [OPTIONS] -e SCRIPT [ARGS...]\n"
	      "       stap [OPTIONS] - [ARGS...]         (script on standard input)\n"
	      "Options:\n"
	      "  -e SCRIPT        run the given script text\n"
	      "  -p NUM           stop after pass NUM (1 parse, 2 elaborate, 3 C, 4 build, 5 run)\n"
	      "  -v               more verbose: one line per pass with its time (repeatable)\n"
	      "  -k               keep the temporary build directory\n"
	      "  -m NAME          name the module NAME\n"
	      "  -r RELEASE       build for kernel RELEASE (default: the running kernel)\n"
	      "  -o FILE          write the script's output to FILE (strftime %% patterns expanded)\n"
	      "  -S SIZE[,N]      with -o: write FILE.0, FILE.1..., SIZE MB each, keep the last N\n"
	      "  -b               bulk mode: one raw output file per CPU (see stap-merge)\n"
	      "  -s NUM           NUM MB of output buffer per CPU\n"
	      "  -F               flight recorder: keep only the latest output (with -o: files,\n"
	      "                   else in memory, detached: reattach with staprun -A)\n"
	      "  -T SECONDS       end the script after SECONDS\n"
	      "  -c CMD           run CMD while the script runs; target() is its pid\n"
	      "  -x PID           target() is PID\n"
	      "  -D NAME=VALUE    define a C macro for the module (e.g. -D MAXACTION=10000)\n"
	      "  -R DIR           runtime directory\n"
	      "  -I DIR           additional tapset directory\n"
	      "  -d MODULE        kernel.trace also sees the tracepoints of MODULE (a .ko path);\n"
	      "                   with a program or shared library: usymname() and ubacktrace()\n"
	      "                   know its functions and unwind its frames\n"
	      "  --ldd            the same for the libraries the probed programs (and -d's) need\n"
	      "  --skip-badvars   a target variable that can't be found, or read, is 0 (no error)\n"
	      "  -G NAME=VALUE    set the script's global NAME when the module loads\n"
	      "  -l PATTERN       list the probe points PATTERN matches (-L: with variables)\n"
	      "  --dump-functions, --dump-probe-aliases\n"
	      "                   list the tapset library's functions (typed) or probe aliases\n"
	      "  --man-pages=DIR  write the tapset reference into DIR (function::NAME.3stap,\n"
	      "                   probe::NAME.3stap), made from the library's doc comments\n"
	      "  -u               keep unused functions and globals (no elision)\n"
	      "  -w               suppress warnings (the translator's and the running module's)\n"
	      "  -g               guru mode: allow embedded C in the script\n"
	      "  --privilege=stapusr|stapsys|stapdev\n"
	      "                   build for the users of that group (default stapdev): stapsys\n"
	      "                   allows no embedded C, stapusr only begin/end/timer probes and\n"
	      "                   functions marked unprivileged\n"
	      "  --unprivileged   the same as --privilege=stapusr\n"
	      "  --remote=qemu[:KERNEL-IMAGE]\n"
	      "                   run pass 5 in a throw-away qemu guest of that kernel\n"
	      "                   (default: the newest /boot/vmlinuz-R with /lib/modules/R/build)\n"
	      "  --remote-timeout=SECONDS\n"
	      "                   kill the guest if the script has not ended by then\n"
	      "  --poison-cache   build the module again, replacing the cached one\n"
	      "  --clean-cache    trim the module cache to its size limit now (alone: only that)\n"
	      "  -h, --help       this help\n"
	      "  -V, --version    version\n",
	      out);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of stap and the programs it ran (kbuild's compilers). */
static double cpu_ms(int which_sys)
{
	double total = 0;

	for (int who = 0; who < 2; who++) {
		struct rusage ru;
		struct timeval *tv = which_sys ? &ru.ru_stime : &ru.ru_utime;

		getrusage(who ? RUSAGE_CHILDREN : RUSAGE_SELF, &ru);
		total += tv->tv_sec * 1e3 + tv->tv_usec / 1e3;
	}
	return total;
}

struct pass_clock {
	double real, user, sys;
};

static struct pass_clock clock_start(void)
{
	struct pass_clock c = { now_ms(), cpu_ms(0), cpu_ms(1) };

	return c;
}

/* The directory of our own binary, so runtime/ and tapset/ are found
 * next to it in the build tree, or under ../share/systemtap installed. */
static char *own_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return xstrdup(".");
	buf[n] = '\0';
	return xstrdup(dirname(buf));
}

/* runtime/ or tapset/: $SYSTEMTAP_RUNTIME or $SYSTEMTAP_TAPSET, else next
 * to the binary (the build tree), else the installed copy. */
static char *find_data_dir(const char *bindir, const char *what, const char *env)
{
	char *path;

	if (getenv(env) && *getenv(env))
		return xstrdup(getenv(env));
	path = xasprintf("%s/%s", bindir, what);

	if (is_dir(path))
		return path;
	free(path);
	return xasprintf("%s/../share/systemtap/%s", bindir, what);
}

/* kbuild runs in another directory, so -I paths must be absolute. */
static const char *absolute_path(const char *path)
{
	char *abs = realpath(path, NULL);

	return abs ? abs : path;
}

static int parse_remote(struct session *s, const char *spec)
{
	if (strncmp(spec, "qemu", 4) || (spec[4] && spec[4] != ':')) {
		fprintf(stderr, "stap: unsupported --remote '%s' (expected qemu or qemu:KERNEL-IMAGE)\n", spec);
		return -1;
	}
	s->remote = spec;
	if (spec[4] == ':')
		s->remote_kernel = spec + 5;
	return 0;
}

enum {
	OPT_REMOTE = 256, OPT_REMOTE_TIMEOUT, OPT_DUMP_FUNCTIONS, OPT_DUMP_ALIASES, OPT_MAN_PAGES,
	OPT_PRIVILEGE, OPT_UNPRIVILEGED, OPT_POISON_CACHE, OPT_CLEAN_CACHE, OPT_LDD, OPT_SKIP_BADVARS,
};

/* -G NAME=VALUE: an identifier, '=', and a value the kernel's module
 * parameter parser passes through unchanged. */
static int valid_global_setting(const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || (arg[0] >= '0' && arg[0] <= '9'))
		return 0;
	for (const char *p = arg; p < eq; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789", *p))
			return 0;
	return !strpbrk(eq + 1, "\"\n");
}

/* A whole decimal number from lo to hi. */
static int parse_count(const char *arg, long lo, long hi, int *value)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < lo || v > hi)
		return -1;
	*value = (int)v;
	return 0;
}

/* -S SIZE[,N]: MB per file (1 to 4095), and N files kept (1 or more). */
static int valid_rotation(const char *arg)
{
	const char *comma = strchr(arg, ',');
	char *size = comma ? xstrndup(arg, comma - arg) : xstrdup(arg);
	int v, ok = parse_count(size, 1, 4095, &v) == 0;

	free(size);
	return ok && (!comma || parse_count(comma + 1, 1, INT32_MAX, &v) == 0);
}

/* A path the qemu guest shares with us read-write: an absolute one under
 * /tmp or /var/tmp, without "..". */
static int guest_writable_path(const char *path)
{
	return (!strncmp(path, "/tmp/", 5) || !strncmp(path, "/var/tmp/", 9)) && !strstr(path, "/../") &&
	       strcmp(path + strlen(path) - 3, "/..");
}

static int check_option_combinations(struct session *s)
{
	if (s->guru_mode && s->privilege != PRIV_STAPDEV) {
		fprintf(stderr, "stap: guru mode (-g) is not allowed for --privilege=%s (only for stapdev)\n",
			privilege_name(s->privilege));
		return -1;
	}
	if (s->rotate && !s->output_file) {
		fputs("stap: -S needs -o FILE (the output files to switch between)\n", stderr);
		return -1;
	}
	/* With --remote=qemu, stapio writes these files in the guest. */
	if (s->remote && (s->rotate || s->bulk_mode || (s->flight_recorder && s->output_file)) &&
	    (!s->output_file || !guest_writable_path(s->output_file))) {
		fprintf(stderr, "stap: with --remote=qemu, %s writes its output files in the guest: -o must "
			"name a file under /tmp or /var/tmp (absolute), which the guest shares\n",
			s->rotate ? "-S" : s->bulk_mode ? "-b" : "-F");
		return -1;
	}
	return 0;
}

static int parse_options(struct session *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "remote", required_argument, NULL, OPT_REMOTE },
		{ "remote-timeout", required_argument, NULL, OPT_REMOTE_TIMEOUT },
		{ "dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS },
		{ "dump-probe-aliases", no_argument, NULL, OPT_DUMP_ALIASES },
		{ "man-pages", required_argument, NULL, OPT_MAN_PAGES },
		{ "privilege", required_argument, NULL, OPT_PRIVILEGE },
		{ "unprivileged", no_argument, NULL, OPT_UNPRIVILEGED },
		{ "poison-cache", no_argument, NULL, OPT_POISON_CACHE },
		{ "clean-cache", no_argument, NULL, OPT_CLEAN_CACHE },
		{ "ldd", no_argument, NULL, OPT_LDD },
		{ "skip-badvars", no_argument, NULL, OPT_SKIP_BADVARS },
		{ NULL, 0, NULL, 0 },
	};
	static const char shortopts[] = "e:p:vkm:r:o:c:x:D:R:I:G:l:L:d:uwghVbs:S:FT:";
	int c;

	/* GNU getopt's permutation, as SystemTap has it: "stap script.stp -c CMD"
	 * takes -c as an option; script arguments that start with '-' follow "--". */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'e': s->script_text = optarg; break;
		case 'p':
			s->last_pass = (int)strtol(optarg, &end, 10);
			if (*end || s->last_pass < 1 || s->last_pass > 5) {
				fprintf(stderr, "stap: -p takes 1 to 5, not '%s'\n", optarg);
				return -1;
			}
			break;
		case 'v': s->verbose++; break;
		case 'k': s->keep_tmpdir = 1; break;
		case 'm': s->module_name = optarg; break;
		case 'r': s->release = optarg; break;
		case 'o': s->output_file = optarg; break;
		case 'c': s->target_cmd = optarg; break;
		case 'x':
			s->target_pid = strtol(optarg, &end, 10);
			if (*end || s->target_pid <= 0) {
				fprintf(stderr, "stap: -x takes a process id, not '%s'\n", optarg);
				return -1;
			}
			break;
		case 'D':
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_", optarg[0]) ||
			    strpbrk(optarg, " \t\n\"\\")) {
				fprintf(stderr, "stap: -D takes NAME or NAME=VALUE, not '%s'\n", optarg);
				return -1;
			}
			vec_push(&s->defines, optarg);
			break;
		case 'R': s->runtime_dir = optarg; break;
		case 'I': vec_push(&s->tapset_dirs, optarg); break;
		case 'd':
			if (usyms_is_user_elf(optarg)) {	/* a program or library */
				char *path = realpath(optarg, NULL);

				vec_push(&s->user_files, path ? path : xstrdup(optarg));
				break;
			}
			tracepoint_add_module(optarg);
			vec_push(&s->trace_modules, optarg);
			break;
		case 'G':
			if (!valid_global_setting(optarg)) {
				fprintf(stderr, "stap: -G takes NAME=VALUE, not '%s'\n", optarg);
				return -1;
			}
			vec_push(&s->global_settings, optarg);
			break;
		case 'u': s->keep_unused = 1; break;
		case 'l':
		case 'L':
			s->list_pattern = optarg;
			s->list_variables = c == 'L';
			break;
		case 'w': s->suppress_warnings = 1; break;
		case 'g': s->guru_mode = 1; break;
		case 'b': s->bulk_mode = 1; break;
		case 'F': s->flight_recorder = 1; break;
		case 's':
			if (parse_count(optarg, 1, 4095, &s->buffer_mb) < 0) {
				fprintf(stderr, "stap: -s takes a buffer size in MB, 1 to 4095, not '%s'\n", optarg);
				return -1;
			}
			break;
		case 'S':
			if (!valid_rotation(optarg)) {
				fprintf(stderr, "stap: -S takes SIZE[,N]: MB per output file and how many "
					"files to keep, not '%s'\n", optarg);
				return -1;
			}
			s->rotate = optarg;
			break;
		case 'T':
			if (parse_count(optarg, 1, INT32_MAX, &s->timeout_s) < 0) {
				fprintf(stderr, "stap: -T takes a number of seconds, not '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_PRIVILEGE:
			s->privilege = privilege_parse(optarg);
			if (s->privilege < 0) {
				fprintf(stderr, "stap: --privilege takes stapusr, stapsys or stapdev, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case OPT_UNPRIVILEGED: s->privilege = PRIV_STAPUSR; break;
		case OPT_POISON_CACHE: s->poison_cache = 1; break;
		case OPT_CLEAN_CACHE: s->clean_cache = 1; break;
		case OPT_LDD: s->ldd = 1; break;
		case OPT_SKIP_BADVARS: s->skip_badvars = 1; break;
		case 'h': usage(stdout); exit(0);
		case 'V':
			printf("stap (our SystemTap-compatible translator) version %s\n", STAP_VERSION);
			exit(0);
		case OPT_DUMP_FUNCTIONS: s->dump = DUMP_FUNCTIONS; break;
		case OPT_DUMP_ALIASES: s->dump = DUMP_ALIASES; break;
		case OPT_MAN_PAGES: s->dump = DUMP_MAN_PAGES; s->man_dir = optarg; break;
		case OPT_REMOTE:
			if (parse_remote(s, optarg) < 0)
				return -1;
			break;
		case OPT_REMOTE_TIMEOUT:
			s->remote_timeout = (int)strtol(optarg, &end, 10);
			if (*end || s->remote_timeout < 0) {
				fprintf(stderr, "stap: --remote-timeout takes seconds, not '%s'\n", optarg);
				return -1;
			}
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (check_option_combinations(s) < 0)
		return -1;
	if (!s->script_text && !s->list_pattern && !s->dump) {
		if (optind >= argc && s->clean_cache)
			return 0;
		if (optind >= argc) {
			fputs("stap: no script given (a file, '-' for standard input, or -e SCRIPT)\n", stderr);
			return -1;
		}
		s->script_file = argv[optind++];
	}
	for (; optind < argc; optind++)
		vec_push(&s->args, argv[optind]);
	return 0;
}

static struct source *load_source(const char *path, const char *text)
{
	struct source *src = xcalloc(1, sizeof(*src));

	if (text) {
		src->name = xstrdup("<input>");
		src->text = xstrdup(text);
		return src;
	}
	src->name = xstrdup(strcmp(path, "-") ? path : "<stdin>");
	src->text = read_file(path, NULL);
	if (!src->text) {
		fprintf(stderr, "stap: cannot read %s: %s\n", path, strerror(errno));
		free(src->name);
		free(src);
		return NULL;
	}
	return src;
}

/* Reads a tapset directory: .stpm macro files first (every script sees
 * their macros), then the .stp scripts into the library. */
static int load_tapset_dir(struct session *s, const char *dir)
{
	static const char *const macro_files[] = { ".stpm", NULL }, *const script_files[] = { ".stp", NULL };
	string_vec names = dir_files(dir, macro_files);
	int errors = 0;

	for (int i = 0; i < names.len; i++) {
		struct source *src = load_source(names.items[i], NULL);

		if (!src || pp_load_macros(&s->macros, src, &s->pp_env))
			errors++;
	}
	free(names.items);
	names = dir_files(dir, script_files);
	for (int i = 0; i < names.len; i++) {
		struct source *src = load_source(names.items[i], NULL);

		if (!src || parse_source(&s->library, src, &s->pp_env, &s->macros))
			errors++;
		s->library_files++;
	}
	free(names.items);
	return errors ? -1 : 0;
}

/* What preprocessor conditionals see. */
static void setup_pp_env(struct session *s)
{
	struct pp_env *env = &s->pp_env;
	char *config = xasprintf("%s/.config", s->kernel_build_dir);

	if (access(config, R_OK) != 0) {
		free(config);
		config = xasprintf("/boot/config-%s", s->release);
	}
	env->kernel_release = s->release;
	env->kernel_config = config;
	env->arch = "x86_64";
	env->runtime = "kernel";
	env->systemtap_v = STAP_COMPAT_VERSION;
	env->privilege = privilege_name(s->privilege);
	env->guru_mode = s->guru_mode;
	env->args = s->args.items;
	env->nargs = s->args.len;
}

int pass1_parse(struct session *s)
{
	struct source *src = s->script_source;

	if (!src)
		src = s->script_source = load_source(s->script_file, s->script_text);
	if (!src)
		return -1;
	setup_pp_env(s);
	for (int i = 0; i < s->tapset_dirs.len; i++)
		if (load_tapset_dir(s, s->tapset_dirs.items[i]) < 0)
			return -1;
	if (parse_source(&s->script, src, &s->pp_env, &s->macros))
		return -1;
	return 0;
}

static int make_tmpdir(struct session *s)
{
	const char *base = getenv("TMPDIR");

	s->tmpdir = xasprintf("%s/stapXXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(s->tmpdir)) {
		fprintf(stderr, "stap: cannot create %s: %s\n", s->tmpdir, strerror(errno));
		return -1;
	}
	return 0;
}

static void remove_tmpdir(struct session *s)
{
	if (!s->tmpdir)
		return;
	if (s->keep_tmpdir) {
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", s->tmpdir);
		return;
	}
	remove_tree(s->tmpdir);
}

/* Which kernel the module is for: -r, the --remote guest's, or ours. */
static int choose_release(struct session *s)
{
	static struct utsname u;
	char release[256];

	if (s->remote) {
		if (!s->remote_kernel) {
			char *k = guest_default_kernel();

			if (!k) {
				fputs("stap: --remote=qemu: no /boot/vmlinuz-R with /lib/modules/R/build found\n",
				      stderr);
				return -1;
			}
			s->remote_kernel = k;
		}
		if (guest_kernel_release(s->remote_kernel, release, sizeof(release)) != 0) {
			fprintf(stderr, "stap: cannot read the kernel release of %s\n", s->remote_kernel);
			return -1;
		}
		if (s->release && strcmp(s->release, release)) {
			fprintf(stderr, "stap: -r %s does not match the guest kernel %s\n", s->release, release);
			return -1;
		}
		s->release = xstrdup(release);
	} else if (!s->release) {
		uname(&u);
		s->release = u.release;
	}
	s->kernel_build_dir = xasprintf("/lib/modules/%s/build", s->release);
	return 0;
}

static void report_pass(struct session *s, int pass, const char *what, struct pass_clock start)
{
	if (s->verbose)
		fprintf(stderr, "Pass %d: %s in %.0fusr/%.0fsys/%.0freal ms.\n", pass, what,
			cpu_ms(0) - start.user, cpu_ms(1) - start.sys, now_ms() - start.real);
}

static int fail_pass(int pass, const char *what)
{
	fprintf(stderr, "Pass %d: %s failed.\n", pass, what);
	return 1;
}

/* -p4: the module's path.  A module named with -m is copied here as
 * NAME.ko, as is one the cache could not keep. */
static int show_module(struct session *s, int named)
{
	char *dest, *data;
	size_t len;

	if (!named && s->cache && s->cache->kept) {
		printf("%s\n", s->module_path);
		return 0;
	}
	dest = xasprintf("%s.ko", s->module_name);
	data = read_file(s->module_path, &len);
	if (!data || write_file(dest, data, len) < 0) {
		fprintf(stderr, "stap: cannot copy the module to %s: %s\n", dest, strerror(errno));
		return 1;
	}
	printf("%s\n", dest);
	return 0;
}

/* Passes 1 to 4, which a cache hit skips; 0, or the exit status. */
static int translate_and_build(struct session *s)
{
	struct pass_clock t = clock_start();
	char *what;

	warning_log = &s->warnings;
	if (pass1_parse(s) < 0)
		return fail_pass(1, "parse");
	what = xasprintf("parsed user script and %d library script%s", s->library_files,
			 s->library_files == 1 ? "" : "s");
	report_pass(s, 1, what, t);
	if (s->last_pass == 1) {
		print_script(stdout, &s->script, 0);
		return 0;
	}
	t = clock_start();
	if (pass2_elaborate(s) < 0)
		return fail_pass(2, "analysis");
	report_pass(s, 2, "analyzed script", t);
	if (s->last_pass == 2) {
		print_script(stdout, &s->script, 1);
		return 0;
	}
	t = clock_start();
	pass3_emit(s);
	report_pass(s, 3, "translated to C", t);
	warning_log = NULL;
	if (s->last_pass == 3)
		return 0;
	t = clock_start();
	if (make_tmpdir(s) < 0 || pass4_build(s) < 0)
		return fail_pass(4, "compilation");
	what = xasprintf("compiled C into \"%s.ko\"", s->module_name);
	report_pass(s, 4, what, t);
	cache_store(s);
	return 0;
}

static int run_passes(struct session *s)
{
	struct pass_clock t;
	int named = s->module_name != NULL, rc = 0;

	if (choose_release(s) < 0)
		return 1;
	if (s->clean_cache)
		cache_clean(s, 1);
	if (s->list_pattern)
		return list_probe_points(s, s->list_pattern, s->list_variables);
	if (s->dump)
		return dump_library(s);
	if (!s->script_file && !s->script_text)
		return 0;	/* --clean-cache alone */
	/* the cache's key covers what pass 1 reads, so a hit skips it too */
	s->script_source = load_source(s->script_file, s->script_text);
	if (!s->script_source)
		return fail_pass(1, "parse");
	setup_pp_env(s);
	if (s->last_pass < 3 || cache_lookup(s) != CACHE_HIT)
		rc = translate_and_build(s);
	cache_release(s);
	if (rc || s->last_pass < 3)
		return rc;
	if (s->last_pass == 3) {
		fputs(s->c_source, stdout);
		return 0;
	}
	if (s->last_pass == 4)
		return show_module(s, named);
	t = clock_start();
	if (pass5_run(s) < 0)
		return fail_pass(5, "run");
	report_pass(s, 5, "run completed", t);
	return 0;
}

int main(int argc, char **argv)
{
	struct session s = { .last_pass = 5 };
	int rc;

	if (parse_options(&s, argc, argv) < 0)
		return 1;
	s.bindir = own_dir();
	if (!s.runtime_dir)
		s.runtime_dir = find_data_dir(s.bindir, "runtime", "SYSTEMTAP_RUNTIME");
	s.runtime_dir = absolute_path(s.runtime_dir);
	vec_push(&s.tapset_dirs, find_data_dir(s.bindir, "tapset", "SYSTEMTAP_TAPSET"));
	if (!s.list_pattern && !s.dump && (s.script_file || s.script_text) && !pass5_possible(&s))
		return 1;
	rc = run_passes(&s);
	remove_tmpdir(&s);
	return rc;
}
