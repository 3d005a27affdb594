/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel.trace("NAME"): a probe on each of the kernel's tracepoints the
 * translator matched, found by name when the script starts (so nothing
 * about the kernel's layout is baked in).  Module tracepoints are not
 * looked at.
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

struct stp_tracepoint {
	struct tracepoint *tp;
	void *handler;
	bool registered;
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

static void stp_tracepoint_find(struct tracepoint *tp, void *priv)
{
	struct stp_probe *p = priv;
	int i;

	for (i = 0; i < p->nsymbols; i++)
		if (!p->tracepoints[i].tp && !strcmp(tp->name, p->symbols[i]))
			p->tracepoints[i].tp = tp;
}

/*
 * Registers p's tracepoints.  One the kernel lacks or refuses ends the
 * script, unless the point was optional ('?') or a pattern (then a
 * warning says how many of its tracepoints could not be probed).
 * Returns 0 or the error.
 */
static int stp_tracepoint_register(struct stp_probe *p)
{
	const char *first = NULL;
	int i, rc, failed = 0, first_rc = 0;
	char msg[256];

	p->tracepoints = kvcalloc(p->nsymbols, sizeof(*p->tracepoints), GFP_KERNEL);
	if (!p->tracepoints)
		return -ENOMEM;
	for_each_kernel_tracepoint(stp_tracepoint_find, p);
	for (i = 0; i < p->nsymbols; i++) {
		struct stp_tracepoint *t = &p->tracepoints[i];

		/* more than the maximum: the handler leaves the last ones */
		t->handler = stp_tracepoint_handlers[min_t(int, p->nargs[i], STP_TRACEPOINT_MAX_ARGS)];
		rc = t->tp ? tracepoint_probe_register(t->tp, t->handler, p) : -ENOENT;
		t->registered = rc == 0;
		if (rc && !failed++) {
			first = p->symbols[i];
			first_rc = rc;
		}
	}
	if (!failed || p->optional)
		return 0;
	if (p->wildcard && failed < p->nsymbols) {
		snprintf(msg, sizeof(msg), "%d of %d tracepoints of %s could not be probed (%s: %s)", failed,
			 p->nsymbols, p->pp, first, first_rc == -ENOENT ? "no such tracepoint" : "refused");
		stp_ctl_send(STP_MSG_WARNING, msg, strlen(msg));
		return 0;
	}
	if (first_rc == -ENOENT)
		snprintf(msg, sizeof(msg), "cannot register probe %s at %s: no tracepoint %s in this kernel",
			 p->pp, p->location, first);
	else
		snprintf(msg, sizeof(msg), "cannot register probe %s at %s: tracepoint %s refused (%d)", p->pp,
			 p->location, first, first_rc);
	stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
	return first_rc;
}

static void stp_tracepoint_unregister(struct stp_probe *p)
{
	int i;

	if (!p->tracepoints)
		return;
	for (i = 0; i < p->nsymbols; i++) {
		struct stp_tracepoint *t = &p->tracepoints[i];

		if (!t->registered)
			continue;
		tracepoint_probe_unregister(t->tp, t->handler, p);
		t->registered = false;
		stp_tracepoints_unregistered = true;
	}
	kvfree(p->tracepoints);
	p->tracepoints = NULL;
}

/* After the last unregister: no handler runs any more (this sleeps). */
static void stp_tracepoint_sync(void)
{
	if (!stp_tracepoints_unregistered)
		return;
	tracepoint_synchronize_unregister();
	stp_tracepoints_unregistered = false;
}
