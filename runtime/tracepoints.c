/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel.trace("NAME"): a probe on each of the tracepoints the translator
 * matched, found by name (so nothing about the kernel's layout is baked
 * in): the kernel's ("NAME") when the script starts, a module's
 * ("MODULE:NAME") when the module is there at the start or comes later,
 * through the tracepoint module notifier (see stp_tracepoint_module_event).
 *
 * A tracepoint calls its probes as probe(data, ARGS...).  On x86_64 every
 * tracepoint argument is an integer or a pointer, so a handler with as
 * many unsigned long parameters receives any tracepoint's: the first
 * five after data in registers, the rest from the caller's stack.  The
 * handler must not declare more than the tracepoint passes (it would
 * read past the caller's frame, maybe past the top of an IRQ stack), so
 * there is one per count of stack arguments, and the translator says
 * each tracepoint's count.  The handler lays the arguments out as they
 * are at the entry of __traceiter_NAME(void *__data, ARGS...), which is
 * what the translator reads target variables from.
 */
#include <linux/tracepoint.h>

/* The widest tracepoint of 6.1 takes 12 arguments; some room to spare. */
#define STP_TRACEPOINT_MAX_ARGS 16

/* One of a probe's tracepoints. */
struct stp_tracepoint_site {
	struct tracepoint *tp;	/* a module's: only while the module is there */
	void *handler;
	bool registered;
};

/*
 * A probe's tracepoints (its p->tracepoints): one site per symbol, and,
 * if some are a module's, the notifier that attaches them when their
 * module comes and detaches them when it goes.
 */
struct stp_tracepoint {
	struct stp_probe *probe;
	struct notifier_block nb;
	bool watching;		/* nb is registered */
	struct stp_tracepoint_site sites[];
};

static bool stp_tracepoints_unregistered;

/* args: the tracepoint's n arguments, 5 <= n <= STP_TRACEPOINT_MAX_ARGS. */
static noinline void stp_tracepoint_run(void *data, const unsigned long *args, int n)
{
	/* the stack at function entry: a return address, then arg 6... */
	unsigned long stack[1 + STP_TRACEPOINT_MAX_ARGS - 5];
	struct pt_regs regs = {
		.di = (unsigned long)data,
		.si = args[0],
		.dx = args[1],
		.cx = args[2],
		.r8 = args[3],
		.r9 = args[4],
		.sp = (unsigned long)stack,
	};

	stack[0] = (unsigned long)__builtin_return_address(0);
	memcpy(stack + 1, args + 5, (n - 5) * sizeof(*args));
	stp_probe_run_regs(data, STP_SCRIPT_RUNNING, &regs);
}

/* Up to five arguments: all in registers, which are always there to read. */
static void stp_tracepoint_handler_5(void *data, unsigned long a1, unsigned long a2, unsigned long a3,
				     unsigned long a4, unsigned long a5)
{
	const unsigned long args[] = { a1, a2, a3, a4, a5 };

	stp_tracepoint_run(data, args, ARRAY_SIZE(args));
}

#define STP_TP_P6 unsigned long a6
#define STP_TP_P7 STP_TP_P6, unsigned long a7
#define STP_TP_P8 STP_TP_P7, unsigned long a8
#define STP_TP_P9 STP_TP_P8, unsigned long a9
#define STP_TP_P10 STP_TP_P9, unsigned long a10
#define STP_TP_P11 STP_TP_P10, unsigned long a11
#define STP_TP_P12 STP_TP_P11, unsigned long a12
#define STP_TP_P13 STP_TP_P12, unsigned long a13
#define STP_TP_P14 STP_TP_P13, unsigned long a14
#define STP_TP_P15 STP_TP_P14, unsigned long a15
#define STP_TP_P16 STP_TP_P15, unsigned long a16
#define STP_TP_A6 a6
#define STP_TP_A7 STP_TP_A6, a7
#define STP_TP_A8 STP_TP_A7, a8
#define STP_TP_A9 STP_TP_A8, a9
#define STP_TP_A10 STP_TP_A9, a10
#define STP_TP_A11 STP_TP_A10, a11
#define STP_TP_A12 STP_TP_A11, a12
#define STP_TP_A13 STP_TP_A12, a13
#define STP_TP_A14 STP_TP_A13, a14
#define STP_TP_A15 STP_TP_A14, a15
#define STP_TP_A16 STP_TP_A15, a16

/* The handler of a tracepoint with n arguments, n > 5. */
#define STP_TP_HANDLER(n)								\
static void stp_tracepoint_handler_##n(void *data, unsigned long a1, unsigned long a2,	\
				       unsigned long a3, unsigned long a4, unsigned long a5,	\
				       STP_TP_P##n)					\
{											\
	const unsigned long args[] = { a1, a2, a3, a4, a5, STP_TP_A##n };		\
											\
	stp_tracepoint_run(data, args, ARRAY_SIZE(args));				\
}

STP_TP_HANDLER(6)
STP_TP_HANDLER(7)
STP_TP_HANDLER(8)
STP_TP_HANDLER(9)
STP_TP_HANDLER(10)
STP_TP_HANDLER(11)
STP_TP_HANDLER(12)
STP_TP_HANDLER(13)
STP_TP_HANDLER(14)
STP_TP_HANDLER(15)
STP_TP_HANDLER(16)

static void *const stp_tracepoint_handlers[STP_TRACEPOINT_MAX_ARGS + 1] = {
	stp_tracepoint_handler_5, stp_tracepoint_handler_5, stp_tracepoint_handler_5,
	stp_tracepoint_handler_5, stp_tracepoint_handler_5, stp_tracepoint_handler_5,
	stp_tracepoint_handler_6, stp_tracepoint_handler_7, stp_tracepoint_handler_8,
	stp_tracepoint_handler_9, stp_tracepoint_handler_10, stp_tracepoint_handler_11,
	stp_tracepoint_handler_12, stp_tracepoint_handler_13, stp_tracepoint_handler_14,
	stp_tracepoint_handler_15, stp_tracepoint_handler_16,
};

static const char *stp_tracepoint_name(const char *symbol)
{
	const char *colon = strchr(symbol, ':');

	return colon ? colon + 1 : symbol;
}

static void stp_tracepoint_find(struct tracepoint *tp, void *priv)
{
	struct stp_tracepoint *set = priv;
	struct stp_probe *p = set->probe;
	int i;

	for (i = 0; i < p->nsymbols; i++)
		if (!set->sites[i].tp && !strcmp(tp->name, p->symbols[i]))
			set->sites[i].tp = tp;
}

/* Whether symbol i of p is a tracepoint of module mod. */
static bool stp_tracepoint_of(const struct stp_probe *p, int i, const struct module *mod)
{
	return stp_symbol_in_module(p->symbols[i], mod->name);
}

static struct tracepoint *stp_tracepoint_in_module(struct module *mod, const char *name)
{
	unsigned int k;

	for (k = 0; k < mod->num_tracepoints; k++) {
		struct tracepoint *tp = tracepoint_ptr_deref(&mod->tracepoints_ptrs[k]);

		if (!strcmp(tp->name, name))
			return tp;
	}
	return NULL;
}

/* A module's tracepoint that can't be probed: not worth stopping the
 * script for (it may come again), but said unless '?' or a pattern. */
static void stp_tracepoint_warn_module(struct stp_probe *p, int i, int rc)
{
	char msg[256];

	if (p->optional || (p->wildcard && rc == -ENOENT))
		return;
	if (rc == -ENOENT)
		snprintf(msg, sizeof(msg), "probe %s at %s: the module has no tracepoint %s", p->pp,
			 p->location, p->symbols[i]);
	else
		snprintf(msg, sizeof(msg), "probe %s at %s: tracepoint %s refused (%d)", p->pp, p->location,
			 p->symbols[i], rc);
	stp_ctl_send(STP_MSG_WARNING, msg, strlen(msg));
}

/* mod is there (loaded, or coming): attaches p's tracepoints of it. */
static void stp_tracepoint_module_coming(struct stp_tracepoint *set, struct module *mod)
{
	struct stp_probe *p = set->probe;
	int i, rc;

	for (i = 0; i < p->nsymbols; i++) {
		struct stp_tracepoint_site *site = &set->sites[i];
		struct tracepoint *tp;

		if (site->registered || !stp_tracepoint_of(p, i, mod))
			continue;
		tp = stp_tracepoint_in_module(mod, stp_tracepoint_name(p->symbols[i]));
		rc = tp ? tracepoint_probe_register(tp, site->handler, p) : -ENOENT;
		if (rc) {
			stp_tracepoint_warn_module(p, i, rc);
			continue;
		}
		site->tp = tp;
		site->registered = true;
	}
}

/*
 * mod is going away (or we stop watching): detaches p's tracepoints of
 * it while they still exist.  The kernel frees their old probe arrays
 * after a grace period, and stp_tracepoint_sync waits for our handlers
 * before our own module goes.
 */
static void stp_tracepoint_module_going(struct stp_tracepoint *set, struct module *mod)
{
	struct stp_probe *p = set->probe;
	int i;

	for (i = 0; i < p->nsymbols; i++) {
		struct stp_tracepoint_site *site = &set->sites[i];

		if (!site->registered || !stp_tracepoint_of(p, i, mod))
			continue;
		tracepoint_probe_unregister(site->tp, site->handler, p);
		site->registered = false;
		site->tp = NULL;
		WRITE_ONCE(stp_tracepoints_unregistered, true);
	}
}

/*
 * The tracepoint module notifier: called, under the kernel's
 * tracepoint_module_list_mutex, with COMING for each module with
 * tracepoints when it is registered and when one loads (before its init
 * runs), and with GOING when one unloads (after its exit ran, before its
 * memory is freed; also on a failed load) and for each module when it is
 * unregistered.  So a module's tracepoints never outlive our hold on
 * them, and calls for one probe never run at the same time.  We take no
 * reference on the module: it may unload while the script runs (rmmod
 * would fail otherwise), and its GOING detaches the probe first.
 */
static int stp_tracepoint_module_event(struct notifier_block *nb, unsigned long event, void *data)
{
	struct stp_tracepoint *set = container_of(nb, struct stp_tracepoint, nb);
	struct tp_module *tp_mod = data;

	if (event == MODULE_STATE_COMING)
		stp_tracepoint_module_coming(set, tp_mod->mod);
	else if (event == MODULE_STATE_GOING)
		stp_tracepoint_module_going(set, tp_mod->mod);
	return NOTIFY_OK;
}

/* The kernel's tracepoints of p, found by name and registered; how many
 * there are, and how many failed (the first one's index and error). */
static void stp_tracepoint_register_kernel(struct stp_tracepoint *set, int *count, int *failed, int *first,
					   int *first_rc)
{
	struct stp_probe *p = set->probe;
	int i, rc;

	for_each_kernel_tracepoint(stp_tracepoint_find, set);
	for (i = 0; i < p->nsymbols; i++) {
		struct stp_tracepoint_site *site = &set->sites[i];

		if (stp_symbol_in_module(p->symbols[i], NULL))
			continue;
		(*count)++;
		rc = site->tp ? tracepoint_probe_register(site->tp, site->handler, p) : -ENOENT;
		site->registered = rc == 0;
		if (rc && !(*failed)++) {
			*first = i;
			*first_rc = rc;
		}
	}
}

/* Says why p's kernel tracepoints could not all be registered: 0 if the
 * script may go on, else the error. */
static int stp_tracepoint_report(struct stp_probe *p, int count, int failed, int first, int first_rc)
{
	char msg[256];

	if (!failed || p->optional)
		return 0;
	if (p->wildcard && failed < count) {
		snprintf(msg, sizeof(msg), "%d of %d tracepoints of %s could not be probed (%s: %s)", failed,
			 count, p->pp, p->symbols[first], first_rc == -ENOENT ? "no such tracepoint" : "refused");
		stp_ctl_send(STP_MSG_WARNING, msg, strlen(msg));
		return 0;
	}
	if (first_rc == -ENOENT)
		snprintf(msg, sizeof(msg), "cannot register probe %s at %s: no tracepoint %s in this kernel",
			 p->pp, p->location, p->symbols[first]);
	else
		snprintf(msg, sizeof(msg), "cannot register probe %s at %s: tracepoint %s refused (%d)", p->pp,
			 p->location, p->symbols[first], first_rc);
	stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
	return first_rc;
}

/*
 * Registers p's tracepoints: the kernel's now, a module's when the module
 * is there.  One of the kernel's it lacks or refuses ends the script,
 * unless the point was optional ('?') or a pattern (then a warning says
 * how many of its tracepoints could not be probed); a module that is not
 * loaded is no error: its tracepoints are probed if it comes.  Returns 0
 * or the error.
 */
static int stp_tracepoint_register(struct stp_probe *p)
{
	struct stp_tracepoint *set;
	int i, rc, count = 0, failed = 0, first = 0, first_rc = 0;
	bool modules = false;

	set = kvzalloc(struct_size(set, sites, p->nsymbols), GFP_KERNEL);
	if (!set)
		return -ENOMEM;
	set->probe = p;
	p->tracepoints = set;
	for (i = 0; i < p->nsymbols; i++) {
		/* more than the maximum: the handler leaves the last ones */
		set->sites[i].handler = stp_tracepoint_handlers[min_t(int, p->nargs[i], STP_TRACEPOINT_MAX_ARGS)];
		modules |= stp_symbol_in_module(p->symbols[i], NULL);
	}
	stp_tracepoint_register_kernel(set, &count, &failed, &first, &first_rc);
	rc = stp_tracepoint_report(p, count, failed, first, first_rc);
	if (rc || !modules)
		return rc;
	set->nb.notifier_call = stp_tracepoint_module_event;
	rc = register_tracepoint_module_notifier(&set->nb);	/* COMING for those loaded */
	set->watching = rc == 0;
	if (rc) {
		char msg[256];

		snprintf(msg, sizeof(msg), "cannot register probe %s at %s: no watch on modules (%d)", p->pp,
			 p->location, rc);
		stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
	}
	return rc;
}

static void stp_tracepoint_unregister(struct stp_probe *p)
{
	struct stp_tracepoint *set = p->tracepoints;
	int i;

	if (!set)
		return;
	if (set->watching)	/* GOING for each module: detaches its tracepoints */
		unregister_tracepoint_module_notifier(&set->nb);
	set->watching = false;
	for (i = 0; i < p->nsymbols; i++) {
		struct stp_tracepoint_site *site = &set->sites[i];

		if (!site->registered || stp_symbol_in_module(p->symbols[i], NULL))
			continue;
		tracepoint_probe_unregister(site->tp, site->handler, p);
		site->registered = false;
		stp_tracepoints_unregistered = true;
	}
	kvfree(set);
	p->tracepoints = NULL;
}

/* After the last unregister: no handler runs any more (this sleeps). */
static void stp_tracepoint_sync(void)
{
	if (!READ_ONCE(stp_tracepoints_unregistered))
		return;
	tracepoint_synchronize_unregister();
	stp_tracepoints_unregistered = false;
}
