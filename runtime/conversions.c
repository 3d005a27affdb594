/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading kernel and user memory for the kernel_* and user_* functions
 * of the tapset library.  Every read goes through the kernel's _nofault
 * accessors, so a bad address is an error or a warning for the script,
 * never an oops, from any probe context.  (Kernel strings are read by
 * stp_kernel_string_copy in target.c.)
 */

/* "kernel int copy fault at 0x...", the error of a failed read. */
static __maybe_unused void stp_copy_fault(struct stp_context *c, const char *what,
					  unsigned long addr)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "%s copy fault at 0x%016lx", what, addr);
	stp_error(c, msg, NULL);
}

/* The same, as a warning: the script goes on. */
static __maybe_unused void stp_copy_fault_warn(const char *what, unsigned long addr)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "%s copy fault at 0x%016lx", what, addr);
	stp_warn(msg);
}

/* size bytes of kernel memory at addr into val: 0, or -EFAULT. */
static __maybe_unused int stp_kernel_read(void *val, unsigned long addr, size_t size)
{
	return copy_from_kernel_nofault(val, (const void *)addr, size) ? -EFAULT : 0;
}

/* size bytes of the current task's user memory at addr into val: 0, or
 * -EFAULT (also for a kernel thread, which has no user memory). */
static __maybe_unused int stp_user_read(void *val, unsigned long addr, size_t size)
{
	return copy_from_user_nofault(val, (const void __user *)addr, size) ? -EFAULT : 0;
}

/* The C string at user address addr: see stp_string_copy. */
static __maybe_unused long stp_user_string_copy(char *dst, unsigned long addr, size_t size)
{
	return stp_string_copy(dst, addr, size, true);
}

/* The error (or warning) message of a user string that can't be read. */
static __maybe_unused void stp_user_string_fault_msg(char *msg, size_t size, unsigned long addr)
{
	snprintf(msg, size, "user string copy fault %d at 0x%016lx", -EFAULT, addr);
}

/* A string argument n's length limit: n bytes, between 0 and what fits. */
static __maybe_unused size_t stp_string_limit(int64_t n)
{
	return n <= 0 ? 0 : (size_t)min_t(int64_t, n, MAXSTRINGLEN - 1);
}

/*
 * A buffer (whole_buffer) or C string at addr, of at most inlen bytes,
 * escaped and quoted into out (at most outlen bytes); the address in
 * hex, unquoted, when it can't be read.
 */
static __maybe_unused void stp_memory_quoted(char *out, size_t outlen, unsigned long addr,
					     size_t inlen, bool user, bool whole_buffer)
{
	char text[MAXSTRINGLEN];
	long n;

	inlen = min_t(size_t, inlen, sizeof(text) - 1);
	if (whole_buffer)
		n = (user ? stp_user_read(text, addr, inlen) : stp_kernel_read(text, addr, inlen)) ?
			-EFAULT : (long)inlen;
	else if (user)
		n = stp_user_string_copy(text, addr, inlen + 1);
	else
		n = stp_kernel_string_copy(text, addr, inlen + 1);
	if (n < 0 || !addr) {
		snprintf(out, outlen ? min_t(size_t, outlen + 1, MAXSTRINGLEN) : MAXSTRINGLEN,
			 "0x%lx", addr);
		return;
	}
	stp_text_escape(out, outlen, text, n, true, whole_buffer);
}
