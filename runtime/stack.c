/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel stack of a probe hit, for backtrace() and friends, walked
 * with the kernel's own unwinder (ORC on x86_64; __unwind_start and
 * unwind_next_frame are exported for modules).
 *
 * A kprobe hit's stack starts at the probed function and goes on with its
 * callers, unwound from the registers the kprobe saw (as they are at the
 * probed instruction: the breakpoint's regs->ip is one byte past it).  A
 * .return probe's starts at the function that returned, then the address
 * it returned to.  A probe without registers (timers, begin, procfs,
 * tracepoints) shows the stack it runs on, less the frames of this
 * module.
 */
#include <asm/unwind.h>

/* Frames in a backtrace, as in SystemTap. */
#ifndef MAXBACKTRACE
#define MAXBACKTRACE 20
#endif

/* Frames of this module skipped before a stack without registers starts. */
#define STP_STACK_SKIP_MAX 32

static bool stp_in_this_module(unsigned long addr)
{
	return within_module(addr, THIS_MODULE);
}

/* Return addresses from state on, into pcs[n..max); the new count. */
static unsigned int stp_unwind(struct unwind_state *state, unsigned long *pcs, unsigned int n,
			       unsigned int max, bool skip_ours)
{
	unsigned int skipped = 0;

	for (; !unwind_done(state) && n < max; unwind_next_frame(state)) {
		unsigned long addr = unwind_get_return_address(state);

		if (!addr)
			break;
		if (skip_ours && n == 0 && stp_in_this_module(addr) &&
		    skipped++ < STP_STACK_SKIP_MAX)
			continue;
		pcs[n++] = addr;
	}
	return n;
}

/* The stack of this hit into pcs (at most max); how many there are. */
static noinline __maybe_unused unsigned int stp_stack_collect(const struct stp_context *c,
							       unsigned long *pcs, unsigned int max)
{
	unsigned long kp_addr = stp_kprobe_addr(c);
	struct pt_regs *regs = stp_real_regs(c), at;
	struct unwind_state state;
	unsigned int n = 0;

	if (!max || (regs && user_mode(regs)))
		return 0;
	if (!regs) {
		unwind_start(&state, current, NULL, NULL);
		return stp_unwind(&state, pcs, 0, max, true);
	}
	at = *regs;
	if (kp_addr) {
		pcs[n++] = kp_addr;
		if (c->probe->is_return && n < max)
			pcs[n++] = instruction_pointer(regs);
		else
			instruction_pointer_set(&at, kp_addr);
	} else {
		pcs[n++] = instruction_pointer(regs);
	}
	unwind_start(&state, current, &at, NULL);
	return stp_unwind(&state, pcs, n, max, false);
}

/* The address at depth n of this hit's stack (0: where the probe is),
 * or 0 if the stack is not that deep. */
static __maybe_unused unsigned long stp_stack_at(const struct stp_context *c, unsigned int n)
{
	unsigned long pcs[MAXBACKTRACE];

	if (n >= MAXBACKTRACE || stp_stack_collect(c, pcs, n + 1) <= n)
		return 0;
	return pcs[n];
}

/* backtrace(): the addresses in hex, separated by blanks. */
static __maybe_unused void stp_stack_hex(const struct stp_context *c, char *out, size_t size)
{
	unsigned long pcs[MAXBACKTRACE];
	unsigned int i, n = stp_stack_collect(c, pcs, MAXBACKTRACE);
	size_t len = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		/* whole addresses only: stop where the next would be cut */
		if (len + 19 + (i > 0) >= size)
			break;
		len += scnprintf(out + len, size - len, "%s0x%016lx", i ? " " : "", pcs[i]);
	}
}

/* One line per frame, "NAME+0xOFF [MODULE]\n", as long as whole lines
 * fit into out (sprint_backtrace). */
static __maybe_unused void stp_stack_lines(const struct stp_context *c, char *out, size_t size)
{
	unsigned long pcs[MAXBACKTRACE];
	unsigned int i, n = stp_stack_collect(c, pcs, MAXBACKTRACE);
	char line[MAXSTRINGLEN];
	size_t len = 0, l;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		l = stp_addr_text(line, sizeof(line) - 1, pcs[i],
				  STP_SYM_NAME | STP_SYM_OFFSET | STP_SYM_MODULE);
		line[l++] = '\n';
		if (len + l >= size)
			break;
		memcpy(out + len, line, l);
		len += l;
		out[len] = '\0';
	}
}

/* One frame as print_backtrace and print_stack show it:
 * " 0xADDR : NAME+0xOFF/0xSIZE [MODULE]\n"; hex is the address as text. */
static __maybe_unused size_t stp_frame_line(char *out, size_t size, const char *hex,
					     unsigned long addr)
{
	size_t n = scnprintf(out, size - 1, " %s : ", hex);	/* room for the newline */

	n += stp_addr_text(out + n, size - 1 - n, addr,
			   STP_SYM_NAME | STP_SYM_OFFSET | STP_SYM_SIZE | STP_SYM_MODULE);
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

/* print_backtrace(): every frame, as a line of its own. */
static __maybe_unused void stp_stack_print(struct stp_context *c)
{
	unsigned long pcs[MAXBACKTRACE];
	unsigned int i, n = stp_stack_collect(c, pcs, MAXBACKTRACE);
	char hex[24], line[MAXSTRINGLEN];

	for (i = 0; i < n; i++) {
		snprintf(hex, sizeof(hex), "0x%016lx", pcs[i]);
		stp_print_n(c, line, stp_frame_line(line, sizeof(line), hex, pcs[i]));
	}
}

/*
 * The addresses of a backtrace() string, one by one: the next blank-
 * separated word of *text into word (size bytes) and its value; false
 * at the end.  A word that isn't a hex number reads as 0.
 */
static bool stp_stack_next_word(const char **text, char *word, size_t size, unsigned long *addr)
{
	const char *p = *text + strspn(*text, " "), *end;

	if (!*p)
		return false;
	end = p + strcspn(p, " ");
	snprintf(word, size, "%.*s", (int)(end - p), p);
	if (kstrtoul(word, 16, addr))
		*addr = 0;
	*text = end;
	return true;
}

/* print_stack(stk): each address of stk as print_backtrace shows it. */
static __maybe_unused void stp_stack_print_text(struct stp_context *c, const char *stk)
{
	char word[64], line[MAXSTRINGLEN];
	unsigned long addr;

	while (stp_stack_next_word(&stk, word, sizeof(word), &addr))
		stp_print_n(c, line, stp_frame_line(line, sizeof(line), word, addr));
}

/* sprint_stack(stk): the same lines into out, as many as fit whole. */
static __maybe_unused void stp_stack_sprint_text(char *out, size_t size, const char *stk)
{
	char word[64], line[MAXSTRINGLEN];
	unsigned long addr;
	size_t len = 0, l;

	out[0] = '\0';
	while (stp_stack_next_word(&stk, word, sizeof(word), &addr)) {
		l = stp_frame_line(line, sizeof(line), word, addr);
		if (len + l >= size)
			break;
		memcpy(out + len, line, l + 1);
		len += l;
	}
}
