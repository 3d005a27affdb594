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
	struct uprobe_consumer save_uc;	/* at usave_offset past it, if any */
	struct stp_probe *probe;
	struct path path;		/* held while registered (see below) */
	struct inode *inode;
	bool registered, save_registered;
};

/* Where the probed file is in this process, less where it is in its own
 * layout (0 for a program that is not PIE): static data of the file, as
 * the translator knows it, is that much further on. */
static __maybe_unused unsigned long stp_ubias(struct stp_context *c)
{
	return c->ubias;
}

/*
 * What a .return probe saves at the call (@entry, and parameters read in
 * .return): a uretprobe consumer has no per-call data of its own, so each
 * call's values wait in a slot of the probe's pool, found again at the
 * return by thread and stack pointer.  Code built without optimization
 * has its parameters where the debug information says only past its
 * prologue: then a second uprobe there (usave_offset past the entry)
 * saves them, into the thread's innermost slot: the call just made.  A call that never returns
 * (longjmp, exit inside it) leaves its slot behind: the thread's next
 * return frees those deeper than itself, and a full pool takes back the
 * slots of threads that are gone.  A return whose call found no free slot
 * is skipped (and counted), as a kretprobe's past its maxactive.
 */
#define STP_UENTRY_SLOTS 256

struct stp_uentry {
	pid_t tid;		/* 0: free */
	u64 start_time;		/* with tid, the thread (tids are reused) */
	unsigned long sp;	/* at the call: where the return address is */
	int64_t saved[];	/* the probe's entry_size bytes */
};

struct stp_uentries {
	spinlock_t lock;
	size_t slot_size;
	char slots[];
};

static struct stp_uentry *stp_uentry_at(struct stp_uentries *pool, int i)
{
	return (struct stp_uentry *)(pool->slots + i * pool->slot_size);
}

static bool stp_thread_alive(pid_t tid, u64 start_time)
{
	struct task_struct *t;
	bool alive;

	rcu_read_lock();
	t = pid_task(find_pid_ns(tid, &init_pid_ns), PIDTYPE_PID);
	alive = t && t->start_time == start_time;
	rcu_read_unlock();
	return alive;
}

/* A slot for this call of the current thread, or NULL. */
static struct stp_uentry *stp_uentry_take(struct stp_uentries *pool, unsigned long sp)
{
	struct stp_uentry *e, *found = NULL;
	unsigned long flags;
	int i, pass;

	spin_lock_irqsave(&pool->lock, flags);
	for (pass = 0; pass < 2 && !found; pass++)
		for (i = 0; i < STP_UENTRY_SLOTS && !found; i++) {
			e = stp_uentry_at(pool, i);
			if (e->tid && pass && !stp_thread_alive(e->tid, e->start_time))
				e->tid = 0;
			if (!e->tid)
				found = e;
		}
	if (found) {
		found->tid = task_pid_nr(current);
		found->start_time = current->start_time;
		found->sp = sp;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return found;
}

/*
 * The current thread's slot: at a return, that of the call whose return
 * address was at sp (freeing its slots of deeper calls, which never
 * returned); past a prologue, its innermost call's (the lowest sp at or
 * above sp).  NULL if none.  The caller frees a return's with
 * stp_uentry_put.
 */
static struct stp_uentry *stp_uentry_mine(struct stp_uentries *pool, unsigned long sp, bool at_return)
{
	pid_t tid = task_pid_nr(current);
	struct stp_uentry *e, *found = NULL;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&pool->lock, flags);
	for (i = 0; i < STP_UENTRY_SLOTS; i++) {
		e = stp_uentry_at(pool, i);
		if (e->tid != tid || e->start_time != current->start_time)
			continue;
		if (at_return && e->sp == sp)
			found = e;
		else if (at_return && e->sp < sp)
			e->tid = 0;
		else if (!at_return && e->sp >= sp && (!found || e->sp < found->sp))
			found = e;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return found;
}

static void stp_uentry_put(struct stp_uentry *e)
{
	smp_store_release(&e->tid, 0);
}

/* Whether this hit is in a process the probe is for (and may see). */
static bool stp_uprobe_wanted(const struct stp_probe *p)
{
	if (!stp_current_allowed())
		return false;
	if (p->utarget && task_tgid_nr(current) != stp_target)
		return false;
	return !p->upid || task_tgid_nr(current) == p->upid;
}

/* A hit at the probed address (the kernel has set ip back to it). */
static int stp_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);
	struct stp_probe *p = u->probe;
	int unit = u - p->uprobes;

	if (stp_uprobe_wanted(p))
		stp_probe_run_at(p, STP_SCRIPT_RUNNING, regs, p->handler, NULL, unit,
				 instruction_pointer(regs) - p->uaddrs[unit]);
	return 0;
}

/* The call of a .return probe with @entry: its values, saved for the return. */
static int stp_uprobe_entry(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);
	struct stp_probe *p = u->probe;
	int unit = u - p->uprobes;
	struct stp_uentry *e;

	if (!stp_uprobe_wanted(p))
		return 0;
	e = stp_uentry_take(p->uentries, user_stack_pointer(regs));
	if (!e)
		return 0;
	memset(e->saved, 0, p->entry_size);	/* a skipped hit saves zeros */
	if (!p->usave_offset)
		stp_probe_run_at(p, STP_SCRIPT_RUNNING, regs, p->entry_handler, e->saved, unit,
				 instruction_pointer(regs) - p->uaddrs[unit]);
	return 0;
}

/* Past the prologue of the call just made: its values. */
static int stp_uprobe_save(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, save_uc);
	struct stp_probe *p = u->probe;
	int unit = u - p->uprobes;
	struct stp_uentry *e;

	if (!stp_uprobe_wanted(p))
		return 0;
	e = stp_uentry_mine(p->uentries, user_stack_pointer(regs), false);
	if (e)
		stp_probe_run_at(p, STP_SCRIPT_RUNNING, regs, p->entry_handler, e->saved, unit,
				 instruction_pointer(regs) - p->usave_offset - p->uaddrs[unit]);
	return 0;
}

/* The return; func: where the function was entered. */
static int stp_uprobe_return(struct uprobe_consumer *uc, unsigned long func, struct pt_regs *regs)
{
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);
	struct stp_probe *p = u->probe;
	int unit = u - p->uprobes;
	struct stp_uentry *e = NULL;

	if (!stp_uprobe_wanted(p))
		return 0;
	if (p->entry_handler) {
		/* ret popped the return address: the call's sp is a word lower */
		e = stp_uentry_mine(p->uentries, user_stack_pointer(regs) - sizeof(long), true);
		if (!e) {
			stp_skip();
			return 0;
		}
	}
	stp_probe_run_at(p, STP_SCRIPT_RUNNING, regs, p->handler, e ? e->saved : NULL, unit,
			 func - p->uaddrs[unit]);
	if (e)
		stp_uentry_put(e);
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
	if (p->is_return && p->entry_handler)
		u->uc.handler = stp_uprobe_entry;
	else if (!p->is_return)
		u->uc.handler = stp_uprobe_hit;
	rc = uprobe_register_refctr(u->inode, p->uoffsets[i], p->urefctrs ? p->urefctrs[i] : 0, &u->uc);
	if (!rc && p->usave_offset && p->entry_handler) {
		u->save_uc.handler = stp_uprobe_save;
		rc = uprobe_register(u->inode, p->uoffsets[i] + p->usave_offset, &u->save_uc);
		if (rc)
			uprobe_unregister(u->inode, p->uoffsets[i], &u->uc);
		u->save_registered = !rc;
	}
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
	if (p->is_return && p->entry_handler) {
		size_t slot = ALIGN(sizeof(struct stp_uentry) + p->entry_size, 8);

		p->uentries = kvzalloc(sizeof(*p->uentries) + STP_UENTRY_SLOTS * slot, GFP_KERNEL);
		if (!p->uentries)
			return -ENOMEM;
		spin_lock_init(&p->uentries->lock);
		p->uentries->slot_size = slot;
	}
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
		if (u->save_registered)
			uprobe_unregister(u->inode, p->uoffsets[i] + p->usave_offset, &u->save_uc);
		path_put(&u->path);
		u->registered = false;
		u->save_registered = false;
	}
	kvfree(p->uprobes);
	p->uprobes = NULL;
	kvfree(p->uentries);
	p->uentries = NULL;
}
