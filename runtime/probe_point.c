/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a probe hit is: its registers (when they are the CPU's), the
 * address it is at, and the text of its probe point for pp().  A kprobe
 * handler runs with regs->ip just past the breakpoint, so the address
 * comes from the kprobe itself; a kernel.function("vfs_*") probe is one
 * struct stp_probe for many symbols, and the context's unit says which
 * one hit.
 */

/* The registers the probe interrupted, or NULL: begin, end, timers and
 * procfs have none, and a tracepoint's are made up from its arguments. */
static __maybe_unused struct pt_regs *stp_real_regs(const struct stp_context *c)
{
	if (!c->probe || c->probe->kind == STP_PROBE_TRACEPOINT)
		return NULL;
	return c->regs;
}

/* The address of the kprobe of this hit, or 0 if it is not a kprobe's
 * (an address, not the struct kprobe: the other parts of the runtime then
 * need no <linux/kprobes.h>, which is slow to compile). */
#ifdef STP_NEED_KPROBES
static __maybe_unused unsigned long stp_kprobe_addr(const struct stp_context *c)
{
	const struct stp_probe *p = c->probe;
	const struct stp_kprobe *k;

	if (!p || p->kind != STP_PROBE_KPROBE || !p->kprobes || c->unit < 0 ||
	    c->unit >= p->nsymbols)
		return 0;
	k = &p->kprobes[c->unit];
	return (unsigned long)(p->is_return ? k->rp.kp.addr : k->kp.addr);
}
#else
/* A script without kprobes (runtime.h left kprobes.c out). */
static __maybe_unused unsigned long stp_kprobe_addr(const struct stp_context *c)
{
	return 0;
}
#endif

/* The address the probe is at: the probed instruction for kprobes (the
 * function's, in .return probes), else the interrupted one; 0 if none. */
static __maybe_unused unsigned long stp_probe_addr(const struct stp_context *c)
{
	unsigned long kp_addr = stp_kprobe_addr(c);
	struct pt_regs *regs = stp_real_regs(c);

	if (kp_addr)
		return kp_addr;
	return regs ? instruction_pointer(regs) : 0;
}

static bool stp_is_pattern(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

/*
 * Copies text to out, the first argument "..." after `key` replaced by
 * name when it is a wildcard pattern (only its part before an '@').
 * Returns false (out untouched) when there is nothing to replace.
 */
static bool stp_pp_fill_in(char *out, size_t size, const char *text, const char *key,
			   const char *name, size_t name_len)
{
	const char *arg = strstr(text, key), *end;

	if (!arg)
		return false;
	arg += strlen(key);
	end = arg + strcspn(arg, "@\"");
	if (!stp_is_pattern(arg, end - arg))
		return false;
	snprintf(out, size, "%.*s%.*s%s", (int)(arg - text), text, (int)name_len, name, end);
	return true;
}

/* function("NAME") or function("NAME@FILE") in text becomes
 * function("NAME@where"); one that names a line already stays. */
static void stp_pp_add_where(char *out, size_t size, const char *text, const char *where)
{
	const char *arg = strstr(text, "function(\""), *at, *end;

	if (!arg)
		return;
	arg += strlen("function(\"");
	at = arg + strcspn(arg, "@\"");
	end = at + strcspn(at, ":\"");
	if (*end != '"')
		return;
	snprintf(out, size, "%.*s@%s%s", (int)(at - text), text, where, end);
}

/*
 * pp(): the probe point as the script wrote it, except that a pattern
 * naming functions or modules becomes the one this hit is in, so that
 * kernel.function("vfs_*") reads kernel.function("vfs_read") in vfs_read.
 */
static __maybe_unused void stp_probe_point(const struct stp_context *c, char *out, size_t size)
{
	const struct stp_probe *p = c->probe;
	const char *sym, *colon;
	char step[MAXSTRINGLEN];

	if (!p) {
		out[0] = '\0';
		return;
	}
	strscpy(out, p->pp, size);
	if (!stp_kprobe_addr(c) || !p->symbols)
		return;
	sym = p->symbols[c->unit];
	colon = strchr(sym, ':');
	if (colon) {
		strscpy(step, out, sizeof(step));
		stp_pp_fill_in(out, size, step, "module(\"", sym, colon - sym);
		sym = colon + 1;
	}
	strscpy(step, out, sizeof(step));
	if (!stp_pp_fill_in(out, size, step, "function(\"", sym, strlen(sym)))
		stp_pp_fill_in(out, size, step, "statement(\"", sym, strlen(sym));
	if (p->wheres && p->wheres[c->unit]) {
		strscpy(step, out, sizeof(step));
		stp_pp_add_where(out, size, step, p->wheres[c->unit]);
	}
}

/* The name in the first `key`"NAME..." of text, up to an '@' or the
 * closing quote, into out; false if text has no such part. */
static __maybe_unused bool stp_pp_argument(const char *text, const char *key, char *out,
					   size_t size)
{
	const char *arg = strstr(text, key);

	if (!arg)
		return false;
	arg += strlen(key);
	snprintf(out, size, "%.*s", (int)strcspn(arg, "@\""), arg);
	return true;
}

/*
 * The module the probe point is in, into out: the module of the kprobe's
 * symbol ("MODULE:NAME"), else what a module("NAME") part names; false if
 * the probe point names none.
 */
static __maybe_unused bool stp_probe_module(const struct stp_context *c, char *out, size_t size)
{
	char point[MAXSTRINGLEN];
	const char *sym, *colon;

	if (stp_kprobe_addr(c) && c->probe->symbols) {
		sym = c->probe->symbols[c->unit];
		colon = strchr(sym, ':');
		if (colon) {
			snprintf(out, size, "%.*s", (int)(colon - sym), sym);
			return true;
		}
	}
	stp_probe_point(c, point, sizeof(point));
	return stp_pp_argument(point, "module(\"", out, size);
}
