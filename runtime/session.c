/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The life of a script: its probes, the locks on its globals, running a
 * probe hit, errors, exit(), and the start and stop requests from stapio.
 */

struct stp_cpu_timer;
struct stp_kprobe;
struct stp_tracepoint;
struct stp_uprobe;

enum stp_probe_kind {
	STP_PROBE_BEGIN,
	STP_PROBE_END,
	STP_PROBE_ERROR,	/* instead of END when the script stops for an error */
	STP_PROBE_NEVER,
	STP_PROBE_TIMER,
	STP_PROBE_PROFILE,	/* timer.profile */
	STP_PROBE_KPROBE,
	STP_PROBE_TRACEPOINT,
	STP_PROBE_PROCFS,
	STP_PROBE_PERF,
	STP_PROBE_UPROBE,
	STP_PROBE_PROCESS_BEGIN,	/* process.begin: after an exec (the process kinds last) */
	STP_PROBE_PROCESS_END,		/* process.end: its last thread's exit */
	STP_PROBE_PROCESS_THREAD_BEGIN,	/* process.thread.begin: a new thread, in it */
	STP_PROBE_PROCESS_THREAD_END,	/* process.thread.end: its exit */
	STP_PROBE_PROCESS_SYSCALL,	/* process.syscall: a system call's entry */
	STP_PROBE_PROCESS_SYSCALL_RETURN,	/* process.syscall.return: its exit */
};

/* A global's lock, and whether a probe takes it to write. */
struct stp_lock_req {
	rwlock_t *lock;
	bool write;
};

struct stp_probe {
	enum stp_probe_kind kind;
	const char *pp;			/* probe point, as the script spelled it */
	const char *location;		/* FILE:LINE:COL of the probe */
	void (*handler)(struct stp_context *c);
	const struct stp_lock_req *locks;	/* in a fixed global order */
	int nlocks;
	s64 priority;			/* begin/end */
	u64 period_ns;			/* timers */
	u64 randomize_ns;		/* timers: .randomize(M) */
	struct hrtimer timer;
	struct stp_cpu_timer __percpu *cpu_timers;	/* timer.profile */
	bool armed;
	const char *const *symbols;	/* kprobes, tracepoints: "NAME" or "MODULE:NAME" each */
	int nsymbols;
	bool is_return;			/* kprobes: kretprobes */
	bool optional;			/* '?': skip them quietly if they can't be registered */
	bool wildcard;			/* from a pattern: some may fail */
	struct stp_kprobe *kprobes;	/* nsymbols of them, while registered */
	const unsigned int *offsets;	/* kernel.statement: into each symbol, or NULL */
	const char *const *wheres;	/* kernel.function: each one's "FILE:LINE" (or NULL), for pp() */
	const unsigned long *addresses;	/* .absolute: nsymbols addresses, instead of symbols */
	/* kretprobes with @entry: saves entry_size bytes of values at entry */
	void (*entry_handler)(struct stp_context *c);
	size_t entry_size;
	const u8 *nargs;			/* tracepoints: each one's argument count */
	struct stp_tracepoint *tracepoints;	/* tracepoints: theirs, while registered */
	const char *procfs_file;	/* procfs: the name under /proc/systemtap/MODULE */
	bool procfs_write;		/* procfs: .write, else .read */
	size_t procfs_maxsize;		/* procfs: .read.maxsize(N), or 0 */
	umode_t procfs_umask;		/* procfs: .umask(M), or the default */
	u32 perf_type;			/* perf: the event */
	u64 perf_config;
	u64 perf_sample;		/* perf: every that many events */
	bool perf_freq;			/* perf: .hz(N): perf_sample times a second */
	struct perf_event **perf_events;	/* perf: one per CPU, while registered */
	const char *const *upaths;	/* uprobes: each one's file */
	const loff_t *uoffsets;		/* uprobes: each one's offset in its file */
	const unsigned long *uaddrs;	/* uprobes: each one's address in its file's own layout */
	const loff_t *urefctrs;		/* uprobes: each one's SDT semaphore offset (0: none), or NULL */
	int nuprobes;
	pid_t upid;			/* uprobes: process(PID): only that process; 0: any */
	bool utarget;			/* uprobes: process without a path: only target() */
	dev_t udev;			/* process.* with a PATH: its file, found at start */
	unsigned long uino;		/* (0: not found then; compare paths) */
	struct stp_uprobe *uprobes;	/* uprobes: nuprobes of them, while registered */
	struct stp_uentries *uentries;	/* uretprobes with @entry: the calls' saved values */
	loff_t usave_offset;		/* uretprobes with @entry: where past the entry they are read */
};

enum stp_script_state {
	STP_SCRIPT_STARTING,	/* loaded; begin probes run on START */
	STP_SCRIPT_RUNNING,
	STP_SCRIPT_EXITING,	/* exit() called: only end probes run now */
	STP_SCRIPT_ERROR,	/* too many errors: nothing runs any more */
	STP_SCRIPT_STOPPING,
	STP_SCRIPT_STOPPED,
};

static atomic_t stp_script_state = ATOMIC_INIT(STP_SCRIPT_STARTING);
/* Whether symbol ("NAME" or "MODULE:NAME", see stp_probe.symbols) is one
 * of module's; with module NULL, of any module's. */
static __maybe_unused bool stp_symbol_in_module(const char *symbol, const char *module)
{
	const char *colon = strchr(symbol, ':');

	if (!colon)
		return false;
	return !module || (strlen(module) == (size_t)(colon - symbol) && !strncmp(symbol, module, colon - symbol));
}

static atomic_t stp_error_count = ATOMIC_INIT(0);
static atomic_t stp_skipped_count = ATOMIC_INIT(0);
static atomic_t stp_exit_requested = ATOMIC_INIT(0);
static s32 stp_target;

static int stp_script(void)
{
	return atomic_read(&stp_script_state);
}

/* Asks stapio (once) to stop the script: it answers with STOP. */
static void stp_request_exit(void)
{
	if (atomic_cmpxchg(&stp_exit_requested, 0, 1) == 0)
		stp_ctl_send(STP_MSG_EXIT_REQUEST, NULL, 0);
}

/* exit() from a script; 0 where a script uses it as a value (x && exit()). */
static __maybe_unused int64_t stp_exit(void)
{
	atomic_cmpxchg(&stp_script_state, STP_SCRIPT_STARTING, STP_SCRIPT_EXITING);
	atomic_cmpxchg(&stp_script_state, STP_SCRIPT_RUNNING, STP_SCRIPT_EXITING);
	stp_request_exit();
	return 0;
}

static __maybe_unused void stp_warn(const char *msg)
{
	stp_ctl_send(STP_MSG_WARNING, msg, strlen(msg));
}

/*
 * A runtime error in a probe hit: recorded here (the first one wins), the
 * generated code then jumps to a catch block or out of the probe.  Errors
 * no try/catch handled are reported when the hit ends.
 */
static void stp_error(struct stp_context *c, const char *msg, const char *near)
{
	if (c->error)
		return;
	strscpy(c->error_buf, msg, sizeof(c->error_buf));
	c->error = c->error_buf;
	c->error_near = near;
}

/* abort() ends the hit like an error no catch takes and nothing reports. */
static const char stp_abort_marker[] = "abort()";

/* catch: the error is handled; the script goes on. */
static __maybe_unused void stp_error_clear(struct stp_context *c)
{
	if (c->error == stp_abort_marker)
		return;
	c->error = NULL;
	c->error_near = NULL;
}

/* The script can't go on: nothing runs any more, end probes included,
 * and stapio is asked to stop it. */
static void stp_abort_script(void)
{
	int s = stp_script();

	if (s == STP_SCRIPT_STARTING || s == STP_SCRIPT_RUNNING || s == STP_SCRIPT_EXITING)
		atomic_cmpxchg(&stp_script_state, s, STP_SCRIPT_ERROR);
	stp_request_exit();
}

/* Reports an uncaught error; past MAXERRORS the script ends without
 * running its end probes. */
static void stp_report_error(struct stp_context *c)
{
	char text[MAXSTRINGLEN + 128];
	int n;

	if (c->error_near)
		n = scnprintf(text, sizeof(text), "%s near %s", c->error, c->error_near);
	else
		n = scnprintf(text, sizeof(text), "%s", c->error);
	stp_ctl_send(STP_MSG_ERROR, text, n);
	if (atomic_inc_return(&stp_error_count) > MAXERRORS)
		stp_abort_script();
}

/* A probe hit that could not run; past MAXSKIPPED the script ends. */
static void stp_skip(void)
{
	static const char msg[] = "Skipped too many probes, check MAXSKIPPED";

	if (atomic_inc_return(&stp_skipped_count) != MAXSKIPPED + 1)
		return;
	stp_ctl_send(STP_MSG_ERROR, msg, sizeof(msg) - 1);
	atomic_inc(&stp_error_count);
	stp_abort_script();
}

static bool stp_lock_one(const struct stp_lock_req *req)
{
	int tries;

	for (tries = 0; tries < MAXTRYLOCK; tries++) {
		if (req->write ? write_trylock(req->lock) : read_trylock(req->lock))
			return true;
		udelay(TRYLOCKDELAY);
	}
	return false;
}

static void stp_unlock_one(const struct stp_lock_req *req)
{
	if (req->write)
		write_unlock(req->lock);
	else
		read_unlock(req->lock);
}

/* Takes all of a probe's locks, or none (the hit is then skipped). */
static bool stp_lock_globals(const struct stp_probe *p)
{
	int i;

	for (i = 0; i < p->nlocks; i++) {
		if (!stp_lock_one(&p->locks[i])) {
			while (--i >= 0)
				stp_unlock_one(&p->locks[i]);
			return false;
		}
	}
	return true;
}

static void stp_unlock_globals(const struct stp_probe *p)
{
	int i;

	for (i = p->nlocks - 1; i >= 0; i--)
		stp_unlock_one(&p->locks[i]);
}

/*
 * One probe hit, from any context.  The hit runs only while the session
 * is in `state`, and never nests inside another hit on the same CPU.
 * regs are the registers the probe saw (NULL for begin, end and timers):
 * target variables are read from them.  unit: which of a kprobe's symbols
 * hit (pp() and addr() name it), or -1; ubias: a uprobe's stp_ubias().
 * Interrupts are off while it runs, as in a kprobe: an interrupt's own
 * hits (irq_handler.*, a kmem:kfree in the softirq on its way out) would
 * otherwise find the CPU busy and be skipped.
 */
static void stp_probe_run_at(const struct stp_probe *p, int state, struct pt_regs *regs,
			     void (*handler)(struct stp_context *c), void *entry_data, int unit,
			     unsigned long ubias)
{
	struct stp_context *c;
	unsigned long flags;

	local_irq_save(flags);
	if (stp_script() != state)
		goto out;
	c = stp_contexts[smp_processor_id()];
	if (atomic_inc_return(&c->busy) != 1) {
		stp_skip();
		goto busy;
	}
	if (!stp_lock_globals(p)) {
		stp_skip();
		goto busy;
	}
	c->probe = p;
	c->regs = regs;
	c->unit = unit;
	c->entry_data = entry_data;
	c->ubias = ubias;
	c->actions = 0;
	c->error = NULL;
	c->error_near = NULL;
	c->has_match = false;
	c->nesting = 0;
	c->frame_used = 0;
	c->print_len = 0;
	handler(c);
	stp_unlock_globals(p);
	stp_print_flush(c);
	if (c->error && c->error != stp_abort_marker)
		stp_report_error(c);
	c->probe = NULL;
	c->regs = NULL;
	c->entry_data = NULL;
busy:
	atomic_dec(&c->busy);
out:
	local_irq_restore(flags);
}

/* The same, for every hit but a uprobe's (whose ubias says where the
 * probed file was mapped). */
static void stp_probe_run_with(const struct stp_probe *p, int state, struct pt_regs *regs,
			       void (*handler)(struct stp_context *c), void *entry_data, int unit)
{
	stp_probe_run_at(p, state, regs, handler, entry_data, unit, 0);
}

static void stp_probe_run_regs(const struct stp_probe *p, int state, struct pt_regs *regs)
{
	stp_probe_run_with(p, state, regs, p->handler, NULL, -1);
}

static void stp_probe_run(const struct stp_probe *p, int state)
{
	stp_probe_run_regs(p, state, NULL);
}
