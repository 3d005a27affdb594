/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numbers by name, as strace shows a system call's arguments: the bits of
 * a flags word ("O_CREAT|O_TRUNC") or one value of an enumeration
 * ("F_SETFD").  The tables live beside the tapset functions that use them.
 */

/* One named bit (or group of bits, or enumeration value). */
struct stp_flag {
	unsigned long value;
	const char *name;
};

#define STP_FLAG(f) { f, #f }

/* Appends "A|B|C" for the bits of v the table names and, if bits are
 * left, "|0x..." for them; "0" when v is 0 and nothing was written. */
static __maybe_unused void stp_flags(char *buf, unsigned long v, const struct stp_flag *t, size_t n)
{
	size_t len = strlen(buf), start = len, i;

	for (i = 0; i < n && v; i++) {
		if ((v & t[i].value) != t[i].value)
			continue;
		len += scnprintf(buf + len, MAXSTRINGLEN - len, "%s%s", len > start ? "|" : "",
				 t[i].name);
		v &= ~t[i].value;
	}
	if (v)
		scnprintf(buf + len, MAXSTRINGLEN - len, "%s%#lx", len > start ? "|" : "", v);
	else if (len == start)
		scnprintf(buf + len, MAXSTRINGLEN - len, "0");
}

/* Appends the name the table gives v, or v in decimal. */
static __maybe_unused void stp_enum(char *buf, long v, const struct stp_flag *t, size_t n)
{
	size_t len = strlen(buf), i;

	for (i = 0; i < n; i++) {
		if (t[i].value == (unsigned long)v) {
			strlcat(buf, t[i].name, MAXSTRINGLEN);
			return;
		}
	}
	scnprintf(buf + len, MAXSTRINGLEN - len, "%ld", v);
}

#define STP_NAME(e) [e] = #e

/* The standard signals; the real-time ones are SIGRTMIN+N. */
static const char *const stp_signal_names[] = {
	STP_NAME(SIGHUP), STP_NAME(SIGINT), STP_NAME(SIGQUIT), STP_NAME(SIGILL),
	STP_NAME(SIGTRAP), STP_NAME(SIGABRT), STP_NAME(SIGBUS), STP_NAME(SIGFPE),
	STP_NAME(SIGKILL), STP_NAME(SIGUSR1), STP_NAME(SIGSEGV), STP_NAME(SIGUSR2),
	STP_NAME(SIGPIPE), STP_NAME(SIGALRM), STP_NAME(SIGTERM), STP_NAME(SIGSTKFLT),
	STP_NAME(SIGCHLD), STP_NAME(SIGCONT), STP_NAME(SIGSTOP), STP_NAME(SIGTSTP),
	STP_NAME(SIGTTIN), STP_NAME(SIGTTOU), STP_NAME(SIGURG), STP_NAME(SIGXCPU),
	STP_NAME(SIGXFSZ), STP_NAME(SIGVTALRM), STP_NAME(SIGPROF), STP_NAME(SIGWINCH),
	STP_NAME(SIGIO), STP_NAME(SIGPWR), STP_NAME(SIGSYS),
};

#undef STP_NAME

/* "SIGHUP" for 1 up to "SIGSYS" for 31; "SIGRTMIN", "SIGRTMIN+1" ...
 * "SIGRTMAX" for 32 to _NSIG; "" for any other number. */
static __maybe_unused void stp_signal_name(char *buf, size_t size, long long n)
{
	*buf = 0;
	if (n >= 1 && n < (long long)ARRAY_SIZE(stp_signal_names) && stp_signal_names[n])
		strscpy(buf, stp_signal_names[n], size);
	else if (n == 32)
		strscpy(buf, "SIGRTMIN", size);
	else if (n == _NSIG)
		strscpy(buf, "SIGRTMAX", size);
	else if (n > 32 && n < _NSIG)
		snprintf(buf, size, "SIGRTMIN+%lld", n - 32);
}
