/* The translator's options and shared state: what main() parsed from the
 * command line, handed to each pass. */
#ifndef SESSION_H
#define SESSION_H

#include "ast.h"
#include "preprocess.h"

struct session {
	const char *script_file;	/* NULL with -e */
	const char *script_text;	/* -e */
	VEC(char *) args;		/* script arguments after the script */
	int last_pass;			/* -p N, 5 by default */
	int verbose;			/* -v, repeatable */
	int keep_tmpdir;		/* -k */
	const char *module_name;	/* -m, else stap_<hash> */
	const char *release;		/* -r, else the running (or remote) kernel */
	const char *kernel_build_dir;	/* /lib/modules/RELEASE/build */
	const char *output_file;	/* -o */
	const char *target_cmd;		/* -c */
	long target_pid;		/* -x */
	VEC(char *) defines;		/* -D NAME=VALUE */
	const char *runtime_dir;	/* -R */
	VEC(char *) tapset_dirs;	/* -I, then the default */
	const char *remote;		/* --remote=qemu[:IMAGE] */
	const char *remote_kernel;	/* IMAGE of --remote=qemu:IMAGE */
	int remote_timeout;		/* seconds, --remote-timeout */
	const char *bindir;		/* where stap lives; staprun is found there */
	int suppress_warnings;		/* -w */
	int guru_mode;			/* -g: embedded C in the user's script */
	int keep_unused;		/* -u: no elision of unused code */
	int list_mode;			/* -l / -L: list probe points */
	const char *list_pattern;	/* -l / -L PATTERN */
	int list_variables;		/* -L */
	int dump;			/* --dump-functions / --dump-probe-aliases / --man-pages */
	const char *man_dir;		/* --man-pages=DIR */
	VEC(char *) global_settings;	/* -G NAME=VALUE */
	int privilege;			/* --privilege / --unprivileged: enum privilege */
	int bulk_mode;			/* -b: one output file per CPU (STP_BULKMODE) */
	int buffer_mb;			/* -s N: relay buffer MB per CPU, staprun -b N; 0: default */
	const char *rotate;		/* -S SIZE[,N]: staprun -S, rotate the -o files */
	int flight_recorder;		/* -F: staprun -F */
	int timeout_s;			/* -T SECONDS: a timer probe ends the script; 0: none */
	string_vec trace_modules;	/* -d MODULE */
	string_vec user_files;		/* -d FILE of a program or library: its symbols and CFI */
	int ldd;			/* --ldd: also those of the libraries they need */
	int skip_badvars;		/* --skip-badvars: unresolvable or faulting $vars are 0 */
	int poison_cache;		/* --poison-cache: build again, replacing the cached module */
	int clean_cache;		/* --clean-cache: trim the cache to its limit now */

	struct source *script_source;	/* the script's text, as pass 1 read it */
	struct pp_env pp_env;		/* what %( conditionals see */
	struct macro_table macros;	/* the library's @define macros */
	struct script script;
	struct script library;		/* tapset functions, pulled in on use */
	int library_files;

	struct cache_entry *cache;	/* the module cache's entry, or NULL (cache.h) */
	struct strbuf warnings;		/* pass 2's warnings, kept with the cached module */
	string_vec inputs;		/* other files pass 2 read (probe_context.inputs) */

	char *tmpdir;			/* pass 4's kbuild directory */
	char *c_source;			/* pass 3's output */
	char *module_path;		/* pass 4's output */
};

/* The passes, each with one entry point; 0 on success. */
int pass1_parse(struct session *s);
int pass2_elaborate(struct session *s);
int pass3_emit(struct session *s);
int pass4_build(struct session *s);
int pass5_run(struct session *s);
/* stap -l / -L PATTERN: lists the probe points PATTERN matches, with
 * their variables for -L; the exit status (1: none). */
int list_probe_points(struct session *s, const char *pattern, int with_variables);
/* stap --dump-functions / --dump-probe-aliases (dump.c): the tapset
 * library's functions with their types, or its probe aliases, a line each
 * with the summary of its doc comment; or (--man-pages=DIR) a man page for
 * each (manpages.c). */
enum { DUMP_FUNCTIONS = 1, DUMP_ALIASES, DUMP_MAN_PAGES };
int dump_library(struct session *s);
/* For --dump-functions (elaborate.c): every public library function taken
 * into the script, resolved and typed; 0, or -1 (reported). */
int pass2_library(struct session *s);

/* Whether pass 5 can run where it was asked to; says why not.  Checked
 * before pass 1, so nobody waits for a module that cannot load. */
int pass5_possible(struct session *s);

void warn_at(struct session *s, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
