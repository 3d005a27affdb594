/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobe.function("NAME"), kernel.function("PATTERN") and their .return:
 * one kprobe (or kretprobe) per function, on a symbol the kernel looks up
 * by name when the script starts ("MODULE:NAME" for a module's), so no
 * address is ever baked into the module.  A module's probes go in when it
 * loads, even after the script started, and come out when it unloads
 * (modules.c watches).  The kernel refuses its own blacklist.  The handlers run with preemption off, like every probe (see
 * stp_probe_run); one that hits while another runs on the same CPU is
 * skipped, never nested.
 */
#include <linux/kprobes.h>

struct stp_kprobe {
	union {
		struct kprobe kp;
		struct kretprobe rp;
	};
	struct stp_probe *probe;
	bool registered;
};

static int stp_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct stp_kprobe *k = container_of(kp, struct stp_kprobe, kp);

	stp_probe_run_with(k->probe, STP_SCRIPT_RUNNING, regs, k->probe->handler, NULL,
			   k - k->probe->kprobes);
	return 0;
}

/* @entry(...) in a .return probe: its values, saved in the instance. */
static int stp_kretprobe_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stp_kprobe *k = container_of(get_kretprobe(ri), struct stp_kprobe, rp);
	const struct stp_probe *p = k->probe;

	memset(ri->data, 0, p->entry_size);	/* a skipped hit saves zeros */
	stp_probe_run_with(p, STP_SCRIPT_RUNNING, regs, p->entry_handler, ri->data, k - p->kprobes);
	return 0;
}

static int stp_kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stp_kprobe *k = container_of(get_kretprobe(ri), struct stp_kprobe, rp);

	stp_probe_run_with(k->probe, STP_SCRIPT_RUNNING, regs, k->probe->handler, ri->data,
			   k - k->probe->kprobes);
	return 0;
}

/* Where the i-th kprobe of p goes: a symbol (and an offset into it), or an
 * .absolute address. */
static void stp_kprobe_place(const struct stp_probe *p, struct kprobe *kp, int i)
{
	if (p->addresses) {
		kp->addr = (kprobe_opcode_t *)p->addresses[i];
		return;
	}
	kp->symbol_name = p->symbols[i];
	kp->offset = p->offsets ? p->offsets[i] : 0;
}

/* Serializes registration: at start and exit, and from the module
 * notifier (modules.c) when a module comes or goes. */
static DEFINE_MUTEX(stp_kprobes_mutex);

static int stp_kprobe_register_one(struct stp_probe *p, struct stp_kprobe *k, int i)
{
	int rc;

	memset(k, 0, sizeof(*k));	/* the kernel wants a fresh one each time */
	k->probe = p;
	if (p->is_return) {
		stp_kprobe_place(p, &k->rp.kp, i);
		k->rp.handler = stp_kretprobe_ret;
		if (p->entry_handler) {
			k->rp.entry_handler = stp_kretprobe_entry;
			k->rp.data_size = p->entry_size;
		}
		k->rp.maxactive = 0;	/* the kernel's default for this machine */
		rc = register_kretprobe(&k->rp);
	} else {
		stp_kprobe_place(p, &k->kp, i);
		k->kp.pre_handler = stp_kprobe_pre;
		rc = register_kprobe(&k->kp);
	}
	k->registered = rc == 0;
	return rc;
}

static const char *stp_kprobe_reason(int rc)
{
	return rc == -ENOENT ? "no such symbol" : rc == -EILSEQ ? "not at an instruction boundary" :
	       rc == -EINVAL ? "the kernel does not allow probing there" : "refused";
}

/* "MODULE:NAME": the symbol of a module, which may be loaded later. */
static bool stp_kprobe_in_module(const struct stp_probe *p, int i, const char *module)
{
	return !p->addresses && stp_symbol_in_module(p->symbols[i], module);
}

/*
 * Registers p's kprobes.  A module's symbol the kernel doesn't know waits
 * for the module to load (stp_kprobe_module_coming).  One the kernel
 * refuses ends the script, unless the point was optional ('?') or a
 * pattern (then a warning says how many of its functions could not be
 * probed).  Returns 0 or the error.
 */
static int stp_kprobe_register(struct stp_probe *p)
{
	char msg[256];
	int i, rc, failed = 0, first_rc = 0;
	const char *first = NULL;
	char where[24];

	p->kprobes = kvcalloc(p->nsymbols, sizeof(*p->kprobes), GFP_KERNEL);
	if (!p->kprobes)
		return -ENOMEM;
	mutex_lock(&stp_kprobes_mutex);
	for (i = 0; i < p->nsymbols; i++) {
		rc = stp_kprobe_register_one(p, &p->kprobes[i], i);
		if (rc == -ENOENT && stp_kprobe_in_module(p, i, NULL))
			rc = 0;	/* not loaded (yet) */
		if (rc && !failed++) {
			if (p->addresses)
				snprintf(where, sizeof(where), "0x%lx", p->addresses[i]);
			first = p->addresses ? where : p->symbols[i];
			first_rc = rc;
		}
		cond_resched();
	}
	mutex_unlock(&stp_kprobes_mutex);
	if (!failed || p->optional)
		return 0;
	/* (a pattern's functions each have a probe of their own when the
	 * handler reads target variables: then one failing is a warning) */
	if (p->wildcard && (failed < p->nsymbols || p->nsymbols == 1)) {
		snprintf(msg, sizeof(msg), "%d of %d functions of %s could not be probed (%s: %s)", failed,
			 p->nsymbols, p->pp, first, stp_kprobe_reason(first_rc));
		stp_ctl_send(STP_MSG_WARNING, msg, strlen(msg));
		return 0;
	}
	/* As SystemTap: the script runs without it (a function an older
	 * kernel had, say), and says so. */
	snprintf(msg, sizeof(msg), "cannot register probe %s at %s: %s (%d); the script runs without it", p->pp,
		 p->location, stp_kprobe_reason(first_rc), first_rc);
	stp_ctl_send(STP_MSG_WARNING, msg, strlen(msg));
	return 0;
}

static void stp_kprobe_unregister_one(struct stp_probe *p, struct stp_kprobe *k)
{
	k->registered = false;
	if (p->is_return)
		unregister_kretprobe(&k->rp);
	else
		unregister_kprobe(&k->kp);
}

/* Module `name` is coming (its symbols are known, its init not run yet):
 * p's probes on it go in.  One refused is a warning; the script goes on. */
static void stp_kprobe_module_coming(struct stp_probe *p, const char *name)
{
	char msg[256];
	int i, rc;

	mutex_lock(&stp_kprobes_mutex);
	for (i = 0; p->kprobes && i < p->nsymbols; i++) {
		if (p->kprobes[i].registered || !stp_kprobe_in_module(p, i, name))
			continue;
		rc = stp_kprobe_register_one(p, &p->kprobes[i], i);
		if (rc && !p->optional) {
			snprintf(msg, sizeof(msg), "cannot register probe %s at %s in module %s: %s (%d)", p->pp,
				 p->symbols[i], name, stp_kprobe_reason(rc), rc);
			stp_ctl_send(STP_MSG_WARNING, msg, strlen(msg));
		}
	}
	mutex_unlock(&stp_kprobes_mutex);
}

/* Module `name` is going: p's probes on it come out (they are registered
 * again if it comes back). */
static void stp_kprobe_module_going(struct stp_probe *p, const char *name)
{
	int i;

	mutex_lock(&stp_kprobes_mutex);
	for (i = 0; p->kprobes && i < p->nsymbols; i++)
		if (p->kprobes[i].registered && stp_kprobe_in_module(p, i, name))
			stp_kprobe_unregister_one(p, &p->kprobes[i]);
	mutex_unlock(&stp_kprobes_mutex);
}

/* Waits for running handlers to finish (this sleeps), once for all.  The
 * module notifier is gone by then (stp_modules_unwatch). */
static void stp_kprobe_unregister(struct stp_probe *p)
{
	void **batch;
	int i, n = 0;

	if (!p->kprobes)
		return;
	batch = kvcalloc(p->nsymbols, sizeof(*batch), GFP_KERNEL);
	for (i = 0; i < p->nsymbols; i++) {
		struct stp_kprobe *k = &p->kprobes[i];

		if (!k->registered)
			continue;
		if (!batch) {	/* no memory: one at a time */
			stp_kprobe_unregister_one(p, k);
			continue;
		}
		k->registered = false;
		batch[n++] = p->is_return ? (void *)&k->rp : (void *)&k->kp;
	}
	if (batch && n && p->is_return)
		unregister_kretprobes((struct kretprobe **)batch, n);
	else if (batch && n)
		unregister_kprobes((struct kprobe **)batch, n);
	kvfree(batch);
	kvfree(p->kprobes);
	p->kprobes = NULL;
}
