/* Probe-point providers: each kind of probe point (begin/end, timer, and
 * later kprobes, tracepoints, ...) lives in its own file behind this one
 * small interface. */
#ifndef PROBES_H
#define PROBES_H

#include "ast.h"

struct sdt_marker;

/* One concrete probe the module registers: a script probe's handler bound
 * to one resolved probe point. */
struct derived_probe {
	const struct provider *provider;
	struct probe *probe;
	struct probe_point *point;
	int64_t priority;	/* begin(N) / end(N) */
	uint64_t period_ns;	/* timers */
	uint64_t randomize_ns;	/* timers: .randomize(M) */
	int64_t jiffies;	/* timer.jiffies(N) */
	int per_cpu;		/* timer.profile */
	VEC(const char *) symbols;	/* kprobes: the functions, by name */
	const char *module;	/* kprobes: their module, or NULL for the kernel */
	VEC(const char *) modules;	/* module("PATTERN"): each symbol's module */
	int is_return;		/* kprobes: .return */
	int wildcard;		/* kprobes: from a pattern, so some may fail */
	string_vec entry_saves;	/* .return probes: C for the values @entry saves */
	/* .return probes: @entry(expression) nodes whose expression the entry
	 * handler evaluates (after entry_saves); laid out by layout_entry_exprs */
	VEC(struct expr *) entry_exprs;
	char *entry_size;	/* C: the bytes saved at the entry, or NULL */
	uint64_t save_offset;	/* uretprobes: where past the entry they are read */
	VEC(uint64_t) offsets;	/* kernel.statement, .inline: bytes into each symbol */
	VEC(int) lines;		/* kernel.statement: each one's source line */
	int inline_from;	/* kernel.function("F"): symbols from here on are F's inline copies */
	string_vec wheres;	/* kernel.function: each one's "FILE:LINE" for pp(), NULL if unknown */
	VEC(uint64_t) addresses;	/* .absolute: the running kernel's addresses (no symbols) */
	uint64_t link_address;	/* kernel.statement(ADDR): ADDR in the image, for $vars */
	const char *procfs_file;	/* procfs: the file under /proc/systemtap/MODULE */
	int procfs_write;	/* procfs: .write, else .read */
	int64_t procfs_maxsize;	/* procfs: .read.maxsize(N), or 0 */
	int procfs_umask;	/* procfs: .umask(M), or the default */
	const char *perf_type, *perf_config;	/* perf: C expressions */
	int64_t perf_sample;	/* perf: .sample(N), or .hz(N) if perf_freq */
	int perf_freq;
	/* uprobes: symbols has each point's function (or PROVIDER:NAME), modules
	 * its file and offsets its offset in that file */
	VEC(uint64_t) uaddrs;	/* each one's link-time address: stp_ubias() from it */
	int inlined;		/* .inline: symbols has the functions the sites are in */
	VEC(uint64_t) refctrs;	/* .mark: each one's semaphore offset, 0 for none */
	VEC(const struct sdt_marker *) marks;	/* .mark: each one's marker */
	int process_event;	/* process.begin, .end...: see enum process_event; modules: its program */
	int utarget;		/* process without a path: hits only in target() */
	int upid;		/* process(PID): hits only in that process */
	int index;
};

/* What providers may need to know of the session. */
/* Points about a process's life (probe_process.c). */
enum process_event {
	PROCESS_NONE, PROCESS_BEGIN, PROCESS_END, PROCESS_THREAD_BEGIN, PROCESS_THREAD_END, PROCESS_SYSCALL,
	PROCESS_SYSCALL_RETURN,
};

struct probe_context {
	const char *release;	/* the target kernel */
	int verbose;		/* -v: say what patterns became */
	int guru;		/* -g: .absolute addresses allowed */
	/* Files the module is made from besides those the module cache's key
	 * covers (a probed program): the cache checks them before a hit.
	 * NULL when nobody keeps them (listings). */
	string_vec *inputs;
	/* In a process probe's handler, the program or library it is in:
	 * where @cast and @var look by default (as the kernel for others),
	 * and the only file whose static data @var can find (stp_ubias()). */
	const char *user_image;
	const char *target_cmd;	/* -c: process probes without a path probe its program */
	long target_pid;	/* -x: or that process's */
	const char *remote;	/* --remote=...: where process(PID) is looked for; NULL: here */
	int at_entry;		/* resolving @entry(expression) of a .return probe: as at the call */
};

struct provider {
	const char *name;
	/* 1: the point is ours and dp is filled in; 0: not ours;
	 * -1: ours but wrong (an error was reported). */
	int (*resolve)(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx);
	/* Optional: C declarations the probe table entry refers to. */
	void (*emit_decls)(struct strbuf *sb, const struct derived_probe *dp);
	/* The C designators of the runtime's struct stp_probe for dp, e.g.
	 * ".kind = STP_PROBE_TIMER, .period_ns = 1000000". */
	void (*emit_fields)(struct strbuf *sb, const struct derived_probe *dp);
	/* Optional: target variable e ($name..., @entry(...)) in dp's handler.
	 * By then dp has one unit (at most one symbol: see split_probe in
	 * elaborate.c) and the steps' index expressions are resolved.
	 * 1: e->access is set; 0: dp has no such variable (reported unless
	 * quiet, as @defined asks); -1: wrong (reported). */
	int (*resolve_target)(struct derived_probe *dp, struct expr *e, const struct probe_context *ctx,
			      int quiet);
	/* For -l: the points it has that take no argument; NULL-ended. */
	const char *const *fixed_points;
};

extern const struct provider begin_end_provider;
extern const struct provider timer_provider;
extern const struct provider kprobe_provider;
extern const struct provider kernel_function_provider;
extern const struct provider tracepoint_provider;
extern const struct provider procfs_provider;
extern const struct provider perf_provider;
extern const struct provider process_provider;
/* All of them, in the order they are asked. */
extern const struct provider *const all_providers[];
extern const int n_providers;

/* Finds the provider for pp: 0 found; 1 none, but pp is optional ('?');
 * -1 none (reported). */
int resolve_probe_point(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx);

/* Symbol-based kprobes' C (probe_kprobe.c), for kernel.function too. */
void emit_kprobe_decls(struct strbuf *sb, const struct derived_probe *dp);
void emit_kprobe_fields(struct strbuf *sb, const struct derived_probe *dp);

/* .return probes with @entry (kernel and process): the function that
 * saves dp->entry_saves at the call, and the table fields naming it. */
void emit_entry_saves(struct strbuf *sb, const struct derived_probe *dp);
/* After type inference: where each @entry(expression)'s value is saved
 * (its access->read), and dp->entry_size. */
void layout_entry_exprs(struct derived_probe *dp);
void emit_entry_fields(struct strbuf *sb, const struct derived_probe *dp);
/* Whether e is a plain $return a .return probe without debug information
 * can read from rax (not in an @entry expression: no return yet). */
int is_plain_return(const struct derived_probe *dp, const struct expr *e, const struct probe_context *ctx);

/* For -l/-L (probe_tracepoint.c): kernel.trace("SYSTEM:NAME") for the
 * tracepoint name of release's kernel, with " $arg:type" each if asked. */
char *tracepoint_point_name(const char *release, const char *name, int with_args);

/* For -l/-L (probe_process.c): the k-th point of a process probe, as
 * process("FILE").function("NAME") (.return), .statement("NAME@SRC:LINE")
 * or .provider("P").mark("NAME"), with " $var:type" each if asked (a
 * function's parameters, a marker's arguments). */
char *process_point_name(const struct derived_probe *dp, int k, const char *release, int with_variables);

/* A string target variable's C read ($$parms...): fmt formatted with the
 * ", value" list values into the temporary string; frees both. */
char *formatted_access(struct strbuf *fmt, struct strbuf *values);

/* function("NAME@FILE:LINE") and statement("NAME@FILE:LO-HI"): NAME
 * (a pattern), and FILE and the lines if given (FILE NULL, lines 0 if
 * not; ":*" is every line).  -1 if malformed (reported at loc). */
struct function_spec {
	char *name, *file;
	int line, line_hi;
};
int function_spec_parse(const char *text, const struct loc *loc, struct function_spec *spec);
/* Whether a FILE pattern matches path or a tail of it after a '/'
 * ("read_write.c" finds fs/read_write.c). */
int function_file_matches(const char *pattern, const char *path);

/* Helpers for providers: the i-th component's name and numeric argument. */
int component_is(const struct probe_point *pp, int i, const char *name);
int component_number(struct probe_point *pp, int i, int64_t *value, int required);
/* The i-th component's string argument; NULL (reported: it needs a
 * `what`, e.g. "name") if it has none. */
const char *component_string(struct probe_point *pp, int i, const char *what);

#endif
