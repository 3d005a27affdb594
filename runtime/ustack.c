/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space stack of a probe hit, for ubacktrace() and friends.
 * User code is often built without frame pointers (Debian's libc is), so
 * each frame is unwound with the rows the translator made of its file's
 * CFI (struct stp_uframe in usymbols.c): the caller's stack pointer (the
 * CFA) is rsp or rbp plus an offset, and the return address and rbp are
 * saved at offsets from it.  An address in no table is unwound through
 * the frame pointer chain.  The walk stops at anything odd: a read that
 * faults, a stack that does not grow towards its callers, a return
 * address of 0, the outermost frame (_start), or MAXBACKTRACE frames.
 * Every read of user memory is fault-safe.
 */

struct stp_uwalk {
	unsigned long ip, sp, bp;
	bool bp_known;
};

/* Recently seen mappings, so a walk finds each file's path once. */
#define STP_UWALK_VMAS 4

struct stp_uwalk_vma {
	unsigned long start, end;
	const struct stp_ufile *file;	/* NULL: not an embedded file */
	unsigned long pgoff;		/* bytes */
};

static __maybe_unused bool stp_uread_word(unsigned long addr, unsigned long *v)
{
	return !copy_from_user_nofault(v, (const void __user *)addr, sizeof(*v));
}

/* The embedded file holding ip and ip's link-time address in it, with
 * the mm's lock held; NULL if none. */
static __maybe_unused const struct stp_ufile *stp_uwalk_file(unsigned long ip, unsigned long *link,
					      struct stp_uwalk_vma *seen, unsigned int *nseen)
{
	struct stp_uplace *pl = this_cpu_ptr(&stp_uplace_buf);
	struct vm_area_struct *vma;
	struct stp_uwalk_vma *v;
	unsigned int i;

	for (i = 0; i < *nseen; i++)
		if (ip >= seen[i].start && ip < seen[i].end)
			break;
	if (i == *nseen) {
		vma = find_vma(current->mm, ip);
		if (!vma || vma->vm_start > ip)
			return NULL;
		i = *nseen < STP_UWALK_VMAS ? (*nseen)++ : STP_UWALK_VMAS - 1;
		seen[i].start = vma->vm_start;
		seen[i].end = vma->vm_end;
		seen[i].pgoff = vma->vm_pgoff << PAGE_SHIFT;
		seen[i].file = vma->vm_file && stp_usym_place_locked(ip, pl, false, false) ? pl->file : NULL;
	}
	v = &seen[i];
	if (!v->file || !stp_usym_link(v->file, ip - v->start + v->pgoff, link))
		return NULL;
	return v->file;
}

/* The row of f for link, or NULL where f's CFI has none. */
static __maybe_unused const struct stp_uframe *stp_uwalk_row(const struct stp_ufile *f,
							       unsigned long link)
{
	unsigned int lo = 0, hi = f->nframes;

	if (link > U32_MAX)
		return NULL;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (f->frames[mid].pc <= link)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &f->frames[lo - 1] : NULL;
}

/* One step with a CFI row; false at the end or on anything odd. */
static __maybe_unused bool stp_uwalk_cfi(struct stp_uwalk *w, const struct stp_uframe *row,
					 unsigned long *ra)
{
	unsigned long cfa, bp = w->bp;

	if (row->cfa_reg == STP_UREG_END)
		return false;
	if (row->cfa_reg == STP_UREG_BP && !w->bp_known)
		return false;
	cfa = (row->cfa_reg == STP_UREG_SP ? w->sp : w->bp) + row->cfa_off;
	if (!stp_uread_word(cfa + row->ra_off, ra))
		return false;
	if (row->bp_rule == STP_UBP_SAVED && !stp_uread_word(cfa + row->bp_off, &bp))
		return false;
	w->bp_known = row->bp_rule != STP_UBP_LOST && w->bp_known;
	if (row->bp_rule == STP_UBP_SAVED)
		w->bp_known = true;
	w->bp = bp;
	if (cfa <= w->sp)
		return false;
	w->sp = cfa;
	return true;
}

/* One step through the frame pointer chain. */
static __maybe_unused bool stp_uwalk_fp(struct stp_uwalk *w, unsigned long *ra)
{
	unsigned long bp;

	if (!w->bp_known || w->bp < w->sp || (w->bp & 7))
		return false;
	if (!stp_uread_word(w->bp + 8, ra) || !stp_uread_word(w->bp, &bp))
		return false;
	w->sp = w->bp + 16;
	w->bp = bp;
	return true;
}

/* The user stack of this hit into pcs (at most max); how many there are.
 * Without the mm's lock, only the frame pointer chain is followed. */
static noinline __maybe_unused unsigned int stp_ustack_collect(const struct stp_context *c,
							     unsigned long *pcs, unsigned int max)
{
	struct pt_regs *regs = stp_usym_uregs(c);
	struct stp_uwalk_vma seen[STP_UWALK_VMAS];
	unsigned int n = 0, nseen = 0;
	struct stp_uwalk w;
	bool locked;

	if (!regs || !max)
		return 0;
	w = (struct stp_uwalk){ regs->ip, regs->sp, regs->bp, true };
	locked = stp_usym_lock(c);
	pcs[n++] = w.ip;
	while (n < max) {
		/* a return address is past its call: look up the call */
		unsigned long pc = n == 1 ? w.ip : w.ip - 1, link, ra;
		const struct stp_ufile *f = locked ? stp_uwalk_file(pc, &link, seen, &nseen) : NULL;
		const struct stp_uframe *row = f ? stp_uwalk_row(f, link) : NULL;
		bool ok = row && row->cfa_reg ? stp_uwalk_cfi(&w, row, &ra) : stp_uwalk_fp(&w, &ra);

		if (!ok || !ra)
			break;
		pcs[n++] = w.ip = ra;
	}
	if (locked)
		stp_usym_unlock();
	return n;
}

/* ubacktrace(): the addresses in hex, separated by blanks. */
static __maybe_unused void stp_ustack_hex(const struct stp_context *c, char *out, size_t size)
{
	unsigned long pcs[MAXBACKTRACE];
	unsigned int i, n = stp_ustack_collect(c, pcs, MAXBACKTRACE);
	size_t len = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (len + 19 + (i > 0) >= size)	/* whole addresses only */
			break;
		len += scnprintf(out + len, size - len, "%s0x%016lx", i ? " " : "", pcs[i]);
	}
}

/* One frame as print_ubacktrace and print_ustack show it:
 * " 0xADDR : NAME+0xOFF/0xSIZE [PATH]\n"; hex is the address as text. */
static __maybe_unused size_t stp_uframe_line(const struct stp_context *c, char *out, size_t size,
					     const char *hex, unsigned long addr)
{
	size_t n = scnprintf(out, size - 1, " %s : ", hex);	/* room for the newline */

	n += stp_usym_text(c, out + n, size - 1 - n, addr,
			   STP_SYM_NAME | STP_SYM_OFFSET | STP_SYM_SIZE | STP_SYM_MODULE);
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

/* Appends line (l bytes) to out if it fits whole; false if not. */
static __maybe_unused bool stp_ustack_append(char *out, size_t size, size_t *len, const char *line,
					     size_t l)
{
	if (*len + l >= size)
		return false;
	memcpy(out + *len, line, l + 1);
	*len += l;
	return true;
}

/* sprint_ubacktrace(): "NAME+0xOFF [PATH]\n" per frame, whole lines. */
static __maybe_unused void stp_ustack_lines(const struct stp_context *c, char *out, size_t size)
{
	unsigned long pcs[MAXBACKTRACE];
	unsigned int i, n = stp_ustack_collect(c, pcs, MAXBACKTRACE);
	char line[MAXSTRINGLEN];
	size_t len = 0, l;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		l = stp_usym_text(c, line, sizeof(line) - 1, pcs[i],
				  STP_SYM_NAME | STP_SYM_OFFSET | STP_SYM_MODULE);
		line[l++] = '\n';
		line[l] = '\0';
		if (!stp_ustack_append(out, size, &len, line, l))
			break;
	}
}

/* print_ubacktrace(): every frame, a line each. */
static __maybe_unused void stp_ustack_print(struct stp_context *c)
{
	unsigned long pcs[MAXBACKTRACE];
	unsigned int i, n = stp_ustack_collect(c, pcs, MAXBACKTRACE);
	char hex[24], line[MAXSTRINGLEN];

	for (i = 0; i < n; i++) {
		snprintf(hex, sizeof(hex), "0x%016lx", pcs[i]);
		stp_print_n(c, line, stp_uframe_line(c, line, sizeof(line), hex, pcs[i]));
	}
}

/* print_ustack(stk): each address of a ubacktrace() string, as above. */
static __maybe_unused void stp_ustack_print_text(struct stp_context *c, const char *stk)
{
	char word[64], line[MAXSTRINGLEN];
	unsigned long addr;

	while (stp_stack_next_word(&stk, word, sizeof(word), &addr))
		stp_print_n(c, line, stp_uframe_line(c, line, sizeof(line), word, addr));
}

/* sprint_ustack(stk): the same lines into out, as many as fit whole. */
static __maybe_unused void stp_ustack_sprint_text(const struct stp_context *c, char *out,
						  size_t size, const char *stk)
{
	char word[64], line[MAXSTRINGLEN];
	unsigned long addr;
	size_t len = 0;

	out[0] = '\0';
	while (stp_stack_next_word(&stk, word, sizeof(word), &addr))
		if (!stp_ustack_append(out, size, &len, line,
				       stp_uframe_line(c, line, sizeof(line), word, addr)))
			break;
}
