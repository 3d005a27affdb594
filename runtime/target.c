/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Target variables: the translator turns $var->member and friends into C
 * that reads the probe's registers (c->regs) and memory through these
 * accessors.  A read that faults sets the hit's error ("kernel read fault
 * at 0x..." near the operator that did it) and yields 0: the probe then
 * stops at its next check, and the kernel never sees the fault.  With
 * --skip-badvars (STP_SKIP_BADVARS) it only yields 0.
 */

#ifdef STP_SKIP_BADVARS
#define stp_read_fault(c, msg, near) do { } while (0)
#else
#define stp_read_fault(c, msg, near) stp_error(c, msg, near)
#endif

static __maybe_unused u64 stp_kread(struct stp_context *c, unsigned long addr, size_t size, const char *near)
{
	u64 v = 0;	/* little-endian: the low bytes are the value */

	if (unlikely(c->error))
		return 0;
	if (copy_from_kernel_nofault(&v, (const void *)addr, size)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "kernel read fault at 0x%016lx", addr);
		stp_read_fault(c, msg, near);
		return 0;
	}
	return v;
}

/* The same for the probed process's memory (uprobes, SDT marker args). */
static __maybe_unused u64 stp_uread(struct stp_context *c, unsigned long addr, size_t size, const char *near)
{
	u64 v = 0;

	if (unlikely(c->error))
		return 0;
	if (copy_from_user_nofault(&v, (const void __user *)addr, size)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "user read fault at 0x%016lx", addr);
		stp_read_fault(c, msg, near);
		return 0;
	}
	return v;
}

/*
 * Stores the low size bytes of v at addr, a fault (read-only or unmapped
 * memory) only a false return.  copy_to_kernel_nofault() would do, but
 * the kernel doesn't export it; this is what it does, one scalar.
 */
static __maybe_unused bool stp_kernel_store(unsigned long addr, size_t size, u64 v)
{
	pagefault_disable();
	switch (size) {
	case 1: __put_kernel_nofault((u8 *)addr, (u8 *)&v, u8, fault); break;
	case 2: __put_kernel_nofault((u16 *)addr, (u16 *)&v, u16, fault); break;
	case 4: __put_kernel_nofault((u32 *)addr, (u32 *)&v, u32, fault); break;
	case 8: __put_kernel_nofault((u64 *)addr, &v, u64, fault); break;
	default: goto fault;
	}
	pagefault_enable();
	return true;
fault:
	pagefault_enable();
	return false;
}

/* Guru mode only: the translator refuses writes without -g. */
static __maybe_unused void stp_kwrite(struct stp_context *c, unsigned long addr, size_t size, u64 v,
				      const char *near)
{
	if (unlikely(c->error))
		return;
	if (!stp_kernel_store(addr, size, v)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "kernel write fault at 0x%016lx", addr);
		stp_error(c, msg, near);
	}
}

/* The same in the probed process's memory (guru mode). */
static __maybe_unused void stp_uwrite(struct stp_context *c, unsigned long addr, size_t size, u64 v,
				      const char *near)
{
	if (unlikely(c->error))
		return;
	if (copy_to_user_nofault((void __user *)addr, &v, size)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "user write fault at 0x%016lx", addr);
		stp_error(c, msg, near);
	}
}

/* $var$ and $$parms: appends to a MAXSTRINGLEN buffer, cutting at its end. */
static __maybe_unused __printf(2, 3) void stp_pretty_add(char *buf, const char *fmt, ...)
{
	size_t len = strnlen(buf, MAXSTRINGLEN);
	va_list ap;

	if (len >= MAXSTRINGLEN - 1)
		return;
	va_start(ap, fmt);
	vscnprintf(buf + len, MAXSTRINGLEN - len, fmt, ap);
	va_end(ap);
}

/*
 * Copies the C string at addr, in kernel or user memory, into dst (size
 * bytes, always terminated): its length, or -EFAULT.  Reads go up to 8
 * aligned bytes at a time, so none crosses into a page the string doesn't
 * reach.  (The kernel's strncpy_from_{kernel,user}_nofault are not
 * exported to modules.)
 */
static __maybe_unused long stp_string_copy(char *dst, unsigned long addr, size_t size, bool user)
{
	size_t len = 0;

	if (!size)
		return -EINVAL;
	while (len + 1 < size) {
		char chunk[8];
		size_t n = 8 - ((addr + len) & 7), i;

		if (user ? copy_from_user_nofault(chunk, (const void __user *)(addr + len), n) :
			   copy_from_kernel_nofault(chunk, (const void *)(addr + len), n))
			return -EFAULT;
		for (i = 0; i < n && len + 1 < size; i++, len++) {
			dst[len] = chunk[i];
			if (!chunk[i])
				return len;
		}
	}
	dst[len] = '\0';
	return len;
}

static __maybe_unused long stp_kernel_string_copy(char *dst, unsigned long addr, size_t size)
{
	return stp_string_copy(dst, addr, size, false);
}

/*
 * A C string in kernel or user memory, quoted and escaped; max bounds a char
 * array (0: a pointer, read up to MAXSTRINGLEN).  An unreadable one
 * shows as its address: pretty printing never fails the probe.
 */
static __maybe_unused void stp_pretty_quoted(char *buf, unsigned long addr, size_t max, bool user)
{
	char text[MAXSTRINGLEN];
	size_t limit = max && max < sizeof(text) ? max : sizeof(text) - 1;
	long n;

	if (stp_string_copy(text, addr, limit + 1, user) < 0) {
		stp_pretty_add(buf, "0x%lx", addr);
		return;
	}
	stp_pretty_add(buf, "\"");
	for (n = 0; text[n]; n++) {
		unsigned char ch = text[n];

		if (ch == '"' || ch == '\\')
			stp_pretty_add(buf, "\\%c", ch);
		else if (ch == '\n')
			stp_pretty_add(buf, "\\n");
		else if (ch < 32 || ch > 126)
			stp_pretty_add(buf, "\\%03o", ch);
		else
			stp_pretty_add(buf, "%c", ch);
	}
	stp_pretty_add(buf, "\"");
}

static __maybe_unused void stp_pretty_string(char *buf, unsigned long addr, size_t max)
{
	stp_pretty_quoted(buf, addr, max, false);
}

/* The same in the probed process's memory. */
static __maybe_unused void stp_pretty_ustring(char *buf, unsigned long addr, size_t max)
{
	stp_pretty_quoted(buf, addr, max, true);
}

/*
 * SystemTap's names for fault-safe access, for embedded C written for it:
 * kread(ptr) and kwrite(ptr, value) on a scalar; a fault sets the hit's
 * error and jumps to the function's CATCH_DEREF_FAULT(), after which it
 * goes on (and its caller sees the error).
 */
static __maybe_unused void stp_deref_fault(struct stp_context *c, const char *what, const void *addr)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "kernel %s fault at 0x%016lx", what, (unsigned long)addr);
	stp_error(c, msg, NULL);
}

#define kread(ptr) ({								\
	u64 stp_kread_v = 0;							\
	BUILD_BUG_ON(sizeof(*(ptr)) > sizeof(u64));				\
	if (copy_from_kernel_nofault(&stp_kread_v, (ptr), sizeof(*(ptr)))) {	\
		stp_deref_fault(CONTEXT, "read", (ptr));			\
		goto deref_fault;						\
	}									\
	(__typeof__(*(ptr)))stp_kread_v;					\
})

#define kwrite(ptr, value) do {							\
	BUILD_BUG_ON(sizeof(*(ptr)) > sizeof(u64));				\
	if (!stp_kernel_store((unsigned long)(ptr), sizeof(*(ptr)), (u64)(value))) { \
		stp_deref_fault(CONTEXT, "write", (ptr));			\
		goto deref_fault;						\
	}									\
} while (0)

#define CATCH_DEREF_FAULT() if (0) { deref_fault: __maybe_unused; }
