/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The current process's command line and environment, read out of its
 * own memory for cmdline_args() and env_var().  A probe can't sleep, so
 * the reads never fault pages in: copy_from_user_nofault gives up on a
 * page that is not there, and the answer is then "" (as documented).
 * Kernel threads have no user memory and get "" too.
 */
#include <linux/mm_types.h>
#include <linux/uaccess.h>

/*
 * The name of t's program into out (MAXSTRINGLEN).  Without the task
 * lock get_task_comm takes: the probe may have hit where t holds it.  A
 * rename racing with us gives a mix of two names, never an overrun.
 */
static __maybe_unused void stp_task_comm(char *out, struct task_struct *t)
{
	char comm[TASK_COMM_LEN];

	memcpy(comm, t->comm, sizeof(comm));
	comm[sizeof(comm) - 1] = '\0';
	strscpy(out, comm, MAXSTRINGLEN);
}

/* Bytes of environment env_var() looks through at most. */
#define STP_ENV_SCAN_MAX (256 * 1024)

/* The current process's argument (or environment) strings: false if it
 * has none. */
static bool stp_user_strings(bool env, unsigned long *start, unsigned long *end)
{
	struct mm_struct *mm = current->mm;

	if (!mm || (current->flags & PF_KTHREAD))
		return false;
	if (env) {
		*start = READ_ONCE(mm->env_start);
		*end = READ_ONCE(mm->env_end);
	} else {
		*start = READ_ONCE(mm->arg_start);
		*end = READ_ONCE(mm->arg_end);
	}
	return *start && *start < *end;
}

/*
 * Reads the string at user address pos (it ends at a NUL or at end) into
 * buf (size bytes, cut short if need be, always terminated).  Returns
 * where the next string starts, or 0 if the memory can't be read.
 */
static unsigned long stp_user_string_at(unsigned long pos, unsigned long end, char *buf,
					size_t size)
{
	size_t want = min_t(unsigned long, size - 1, end - pos), len;
	char skip[64];

	if (copy_from_user_nofault(buf, (const void __user *)pos, want))
		return 0;
	len = strnlen(buf, want);
	buf[len] = '\0';
	if (len < want)
		return pos + len + 1;
	/* no NUL in what fit: find where the string ends */
	for (pos += len; pos < end; pos += want) {
		want = min_t(unsigned long, sizeof(skip), end - pos);
		if (copy_from_user_nofault(skip, (const void __user *)pos, want))
			return 0;
		len = strnlen(skip, want);
		if (len < want)
			return pos + len + 1;
	}
	return end;
}

/*
 * cmdline_args(n, m, delim): arguments n to m (m < n: to the last) of the
 * current process, joined by delim, into out (MAXSTRINGLEN).  An empty
 * argument after the first shows as "".  "" if there are fewer than n
 * arguments or they can't be read.
 */
static __maybe_unused void stp_cmdline_args(char *out, long long n, long long m, const char *delim)
{
	unsigned long pos, end;
	size_t len = 0, dlen = strlen(delim);
	long long i;

	out[0] = '\0';
	if (n < 0 || !stp_user_strings(false, &pos, &end))
		return;
	for (i = 0; pos && pos < end && (m < n || i <= m); i++) {
		if (i > n) {
			if (len + dlen >= MAXSTRINGLEN - 1)
				break;	/* full */
			memcpy(out + len, delim, dlen);
			len += dlen;
		}
		pos = stp_user_string_at(pos, end, out + len, MAXSTRINGLEN - len);
		if (!pos) {
			out[0] = '\0';
			return;
		}
		if (i < n)
			continue;
		if (!out[len] && i > n)
			strscpy(out + len, "\"\"", MAXSTRINGLEN - len);
		len += strlen(out + len);
	}
	if (i <= n)	/* there is no argument n */
		len = 0;
	out[len] = '\0';
}

/* env_var(name): the value of the current process's environment
 * variable name into out (MAXSTRINGLEN); "" if it has none. */
static __maybe_unused void stp_env_var(char *out, const char *name)
{
	unsigned long pos, end, limit;
	size_t nlen = strlen(name);

	out[0] = '\0';
	if (!nlen || !stp_user_strings(true, &pos, &end))
		return;
	limit = pos + min_t(unsigned long, end - pos, STP_ENV_SCAN_MAX);
	while (pos && pos < limit) {
		pos = stp_user_string_at(pos, end, out, MAXSTRINGLEN);
		if (pos && !strncmp(out, name, nlen) && out[nlen] == '=') {
			memmove(out, out + nlen + 1, strlen(out + nlen + 1) + 1);
			return;
		}
	}
	out[0] = '\0';
}
