/* SPDX-License-Identifier: GPL-2.0 */
/*
 * register("rax") and the *_arg(n) functions: the CPU registers a probe
 * saw, by name, and a function's arguments by number for probes without
 * debug information (x86_64: rdi, rsi, rdx, rcx, r8, r9, then the stack
 * above the return address, as they are at the function's entry).
 */

struct stp_register {
	const char *name;
	unsigned short offset;	/* into struct pt_regs */
	bool low32;		/* eax...: the register's low half */
};

#define STP_REG(name, field, low32) { name, offsetof(struct pt_regs, field), low32 }

static const struct stp_register stp_registers[] = {
	STP_REG("rax", ax, false), STP_REG("ax", ax, false), STP_REG("eax", ax, true),
	STP_REG("rbx", bx, false), STP_REG("bx", bx, false), STP_REG("ebx", bx, true),
	STP_REG("rcx", cx, false), STP_REG("cx", cx, false), STP_REG("ecx", cx, true),
	STP_REG("rdx", dx, false), STP_REG("dx", dx, false), STP_REG("edx", dx, true),
	STP_REG("rsi", si, false), STP_REG("si", si, false), STP_REG("esi", si, true),
	STP_REG("rdi", di, false), STP_REG("di", di, false), STP_REG("edi", di, true),
	STP_REG("rbp", bp, false), STP_REG("bp", bp, false), STP_REG("ebp", bp, true),
	STP_REG("rsp", sp, false), STP_REG("sp", sp, false), STP_REG("esp", sp, true),
	STP_REG("rip", ip, false), STP_REG("ip", ip, false), STP_REG("eip", ip, true),
	STP_REG("r8", r8, false), STP_REG("r9", r9, false), STP_REG("r10", r10, false),
	STP_REG("r11", r11, false), STP_REG("r12", r12, false), STP_REG("r13", r13, false),
	STP_REG("r14", r14, false), STP_REG("r15", r15, false),
	STP_REG("orig_rax", orig_ax, false), STP_REG("orig_ax", orig_ax, false),
	STP_REG("orig_eax", orig_ax, true),
	STP_REG("eflags", flags, false), STP_REG("flags", flags, false),
	STP_REG("xcs", cs, false), STP_REG("cs", cs, false),
	STP_REG("xss", ss, false), STP_REG("ss", ss, false),
};

/*
 * The named register as the probe saw it, the low half of eax and the
 * like sign-extended if sign_extend, else zero-extended.  rip is the
 * probed instruction's address at a kprobe (not one past the breakpoint).
 * An error (reported) gives 0.
 */
static __maybe_unused s64 stp_register(struct stp_context *c, const char *name, bool sign_extend)
{
	struct pt_regs *regs = stp_real_regs(c);
	const struct stp_register *r = NULL;
	char msg[64];
	unsigned long v;
	size_t i;

	if (!regs) {
		stp_error(c, "cannot access CPU registers in this context", NULL);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(stp_registers) && !r; i++)
		if (!strcmp(stp_registers[i].name, name))
			r = &stp_registers[i];
	if (!r) {
		snprintf(msg, sizeof(msg), "Unknown register: %s", name);
		stp_error(c, msg, NULL);
		return 0;
	}
	v = *(unsigned long *)((char *)regs + r->offset);
	if (r->offset == offsetof(struct pt_regs, ip) && stp_kprobe_addr(c))
		v = stp_probe_addr(c);
	if (!r->low32)
		return (s64)v;
	return sign_extend ? (s64)(s32)v : (s64)(u32)v;
}

/* Where argument n (from 1) of a function is at its entry: in regs, or
 * (*on_stack) at an address of its stack. */
static unsigned long stp_arg_slot(struct pt_regs *regs, long long n, bool *on_stack)
{
	*on_stack = n > 6;
	switch (n) {
	case 1: return regs->di;
	case 2: return regs->si;
	case 3: return regs->dx;
	case 4: return regs->cx;
	case 5: return regs->r8;
	case 6: return regs->r9;
	default: return regs->sp + (n - 6) * sizeof(long);	/* past the return address */
	}
}

/*
 * Argument n (from 1) of the probed function, for probes at its entry:
 * 32 bits of it (truncate; sign-extended if sign_extend) or all 64.  A
 * stack argument that can't be read, or no registers, is an error
 * (reported; 0).
 */
static __maybe_unused s64 stp_function_arg(struct stp_context *c, long long n, bool sign_extend,
					   bool truncate)
{
	struct pt_regs *regs = stp_real_regs(c);
	unsigned long v, at;
	bool on_stack;
	char msg[80];
	long rc;

	if (!regs) {
		stp_error(c, "cannot access function args in this context", NULL);
		return 0;
	}
	if (n < 1) {
		snprintf(msg, sizeof(msg), "cannot access arg(%lld)", n);
		stp_error(c, msg, NULL);
		return 0;
	}
	v = stp_arg_slot(regs, n, &on_stack);
	if (on_stack) {
		at = v;
		if (user_mode(regs))
			rc = copy_from_user_nofault(&v, (const void __user *)at, sizeof(v));
		else
			rc = copy_from_kernel_nofault(&v, (const void *)at, sizeof(v));
		if (rc) {
			snprintf(msg, sizeof(msg), "%s fault at 0x%lx accessing arg(%lld)",
				 user_mode(regs) ? "user" : "kernel", at, n);
			stp_error(c, msg, NULL);
			return 0;
		}
	}
	if (!truncate)
		return (s64)v;
	return sign_extend ? (s64)(s32)v : (s64)(u32)v;
}
