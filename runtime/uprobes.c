/* SPDX-License-Identifier: GPL-2.0 */
/*
 * process("PATH").function(...), .statement(...) and .mark(...): one
 * uprobe (or uretprobe) per point, on the file's inode at a file offset
 * the translator found in its ELF headers.  The kernel puts the breakpoint
 * into every process that maps the file, those running now and those that
 * start later (or dlopen() it), and takes it out when we unregister, so
 * no address of any process is ever baked into the module and PIE and
 * shared libraries need nothing more.  An SDT marker's semaphore (its
 * "is anybody listening" counter) is the kernel's to count, through
 * uprobe_register_refctr().  process(PID) probes fire only in that
 * process; the handlers run in the probed task, preemption off like every
 * probe (see stp_probe_run_with).
 */
#include <linux/uprobes.h>
#include <linux/namei.h>
#include <linux/path.h>

struct stp_uprobe {
	struct uprobe_consumer uc;
	struct stp_probe *probe;
	struct path path;		/* held while registered (see below) */
	struct inode *inode;
	bool registered;
};

/*
 * What a uprobe hit knows besides the registers: how far from its own
 * layout the process mapped the probed file (0 for a program that is
 * not PIE), so a static variable's link-time address can be moved to
 * where it is.  The hit's c->entry_data points at it.
 */
struct stp_uprobe_hit {
	unsigned long bias;
};

static __maybe_unused unsigned long stp_ubias(struct stp_context *c)
{
	return ((const struct stp_uprobe_hit *)c->entry_data)->bias;
}

/* Whether this hit is in a process the probe is for. */
static bool stp_uprobe_wanted(const struct stp_probe *p)
{
	return !p->upid || task_tgid_nr(current) == p->upid;
}

/* at is where the probed address is in this process. */
static void stp_uprobe_run(struct uprobe_consumer *uc, unsigned long at, struct pt_regs *regs)
{
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);
	struct stp_probe *p = u->probe;
	int unit = u - p->uprobes;
	struct stp_uprobe_hit hit = { .bias = at - p->uaddrs[unit] };

	if (stp_uprobe_wanted(p))
		stp_probe_run_with(p, STP_SCRIPT_RUNNING, regs, p->handler, &hit, unit);
}

/* The kernel has set ip back to the breakpoint's address. */
static int stp_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	stp_uprobe_run(uc, instruction_pointer(regs), regs);
	return 0;
}

/* func: where the function was entered. */
static int stp_uprobe_return(struct uprobe_consumer *uc, unsigned long func, struct pt_regs *regs)
{
	stp_uprobe_run(uc, func, regs);
	return 0;
}

static int stp_uprobe_register_one(struct stp_probe *p, int i)
{
	struct stp_uprobe *u = &p->uprobes[i];
	int rc;

	u->probe = p;
	/*
	 * The path, not only the inode, stays held: a uprobe is on an inode,
	 * and a filesystem without an inode cache of its own (9p without
	 * caching, as in the qemu guest) makes a new inode at each lookup of
	 * a name nobody holds, so a program started later would run from an
	 * inode without our probes.  A held dentry is found again instead.
	 */
	rc = kern_path(p->upaths[i], LOOKUP_FOLLOW, &u->path);
	if (rc)
		return rc;
	u->inode = d_inode(u->path.dentry);
	if (p->is_return)
		u->uc.ret_handler = stp_uprobe_return;
	else
		u->uc.handler = stp_uprobe_hit;
	rc = uprobe_register_refctr(u->inode, p->uoffsets[i], p->urefctrs ? p->urefctrs[i] : 0, &u->uc);
	if (rc) {
		path_put(&u->path);
		u->inode = NULL;
		return rc;
	}
	u->registered = true;
	return 0;
}

/*
 * Registers p's uprobes.  One the kernel refuses (no such file, an offset
 * that is not an instruction it can step) ends the script, unless the
 * point was optional ('?') or a pattern: then a warning says how many of
 * its points could not be probed.  Returns 0 or the error.
 */
static int stp_uprobe_register(struct stp_probe *p)
{
	int i, rc, failed = 0, first_rc = 0, first = 0;
	char msg[320];

	p->uprobes = kvcalloc(p->nuprobes, sizeof(*p->uprobes), GFP_KERNEL);
	if (!p->uprobes)
		return -ENOMEM;
	for (i = 0; i < p->nuprobes; i++) {
		rc = stp_uprobe_register_one(p, i);
		if (rc && !failed++) {
			first = i;
			first_rc = rc;
		}
		cond_resched();
	}
	if (!failed || p->optional)
		return 0;
	if (p->wildcard && failed < p->nuprobes) {
		snprintf(msg, sizeof(msg), "%d of %d points of %s could not be probed (%s at 0x%llx: error %d)",
			 failed, p->nuprobes, p->pp, p->upaths[first], (unsigned long long)p->uoffsets[first],
			 first_rc);
		stp_ctl_send(STP_MSG_WARNING, msg, strlen(msg));
		return 0;
	}
	snprintf(msg, sizeof(msg), "cannot register probe %s at %s: %s at offset 0x%llx: error %d", p->pp,
		 p->location, p->upaths[first], (unsigned long long)p->uoffsets[first], first_rc);
	stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
	return first_rc;
}

static void stp_uprobe_unregister(struct stp_probe *p)
{
	int i;

	if (!p->uprobes)
		return;
	for (i = 0; i < p->nuprobes; i++) {
		struct stp_uprobe *u = &p->uprobes[i];

		if (!u->registered)
			continue;
		uprobe_unregister(u->inode, p->uoffsets[i], &u->uc);
		path_put(&u->path);
		u->registered = false;
	}
	kvfree(p->uprobes);
	p->uprobes = NULL;
}
