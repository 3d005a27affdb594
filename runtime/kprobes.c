/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobe.function("NAME"), kernel.function("PATTERN") and their .return:
 * one kprobe (or kretprobe) per function, on a symbol the kernel looks up
 * by name when the script starts ("MODULE:NAME" for a module's), so no
 * address is ever baked into the module.  The kernel refuses its own
 * blacklist.  The handlers run with preemption off, like every probe (see
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

	stp_probe_run_regs(k->probe, STP_SCRIPT_RUNNING, regs);
	return 0;
}

/* @entry(...) in a .return probe: its values, saved in the instance. */
static int stp_kretprobe_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stp_kprobe *k = container_of(get_kretprobe(ri), struct stp_kprobe, rp);
	const struct stp_probe *p = k->probe;

	memset(ri->data, 0, p->entry_size);	/* a skipped hit saves zeros */
	stp_probe_run_with(p, STP_SCRIPT_RUNNING, regs, p->entry_handler, ri->data);
	return 0;
}

static int stp_kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stp_kprobe *k = container_of(get_kretprobe(ri), struct stp_kprobe, rp);

	stp_probe_run_with(k->probe, STP_SCRIPT_RUNNING, regs, k->probe->handler, ri->data);
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

static int stp_kprobe_register_one(struct stp_probe *p, struct stp_kprobe *k, int i)
{
	int rc;

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

/*
 * Registers p's kprobes.  One the kernel refuses ends the script, unless
 * the point was optional ('?') or a pattern (then a warning says how
 * many of its functions could not be probed).  Returns 0 or the error.
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
	for (i = 0; i < p->nsymbols; i++) {
		rc = stp_kprobe_register_one(p, &p->kprobes[i], i);
		if (rc && !failed++) {
			if (p->addresses)
				snprintf(where, sizeof(where), "0x%lx", p->addresses[i]);
			first = p->addresses ? where : p->symbols[i];
			first_rc = rc;
		}
		cond_resched();
	}
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
	snprintf(msg, sizeof(msg), "cannot register probe %s at %s: %s (%d)", p->pp, p->location,
		 stp_kprobe_reason(first_rc), first_rc);
	stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
	return first_rc;
}

/* Waits for running handlers to finish (this sleeps), once for all. */
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
		k->registered = false;
		if (!batch) {	/* no memory: one at a time */
			if (p->is_return)
				unregister_kretprobe(&k->rp);
			else
				unregister_kprobe(&k->kp);
			continue;
		}
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
