/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probes on processes and threads, from the scheduler's and the system
 * call tracepoints:
 *
 * - process.begin (process("PATH").begin): a process that execs (PATH, or
 *   anything) runs them in its own context right after the exec; one
 *   already running when the script starts, when it next enters or
 *   leaves a system call (it must be running its own code to be in its
 *   context, and a system call is where we see it).
 * - process.end: when its last thread exits.  By then the process has no
 *   memory map left, so the processes an end probe waits for are noted
 *   (by thread group id) when they exec, or at start for those running.
 * - process.thread.begin/.end: each thread but the first, in its own
 *   context, on its way out of clone() and when it exits.
 * - process.syscall/.return: each system call's entry and exit, in the
 *   target process (the -c/-x one) or, with a PATH, in processes running
 *   it, or in any process.
 * process(PID) is each of these for that process alone.
 */
#include <linux/binfmts.h>
#include <linux/namei.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/tracepoint.h>

#define STP_TRACKED_MAX 1024

/* A process (or thread) a probe waits for. */
struct stp_tracked {
	pid_t id;
	const struct stp_probe *probe;
};

/* Processes and threads end probes wait for (by tgid, or by tid for
 * thread.end), and those whose begin is still to run in their context. */
struct stp_track_table {
	struct stp_tracked slots[STP_TRACKED_MAX];
	atomic_t count;
	const char *full_msg;
	bool warned;
};

static struct stp_track_table stp_ending = {
	.full_msg = "more than 1024 processes wait for process end probes: some ends are missed"
};
static struct stp_track_table stp_beginning = {
	.full_msg = "more than 1024 processes or threads wait for begin probes: some begins are missed"
};
static DEFINE_SPINLOCK(stp_tracked_lock);

static struct tracepoint *stp_tp_exec, *stp_tp_exit, *stp_tp_fork, *stp_tp_sys_enter, *stp_tp_sys_exit;

/* Whether file is the program p is for (any, without a PATH): the file
 * found at start, by device and inode (no d_path() on the hot path of
 * the system call probes), else by path (a program made since). */
static bool stp_program_matches(const struct stp_probe *p, struct file *file)
{
	char buf[256];
	char *path;

	if (!p->upaths)
		return true;
	if (!file)
		return false;
	if (p->uino)
		return file_inode(file)->i_ino == p->uino && file_inode(file)->i_sb->s_dev == p->udev;
	path = file_path(file, buf, sizeof(buf));
	return !IS_ERR(path) && !strcmp(path, p->upaths[0]);
}

/* At start (process context): the file of each probe's PATH. */
static void stp_find_programs(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		struct stp_probe *p = &stp_probes[i];
		struct path path;

		if (p->kind < STP_PROBE_PROCESS_BEGIN || !p->upaths || kern_path(p->upaths[0], LOOKUP_FOLLOW, &path))
			continue;
		p->udev = d_inode(path.dentry)->i_sb->s_dev;
		p->uino = d_inode(path.dentry)->i_ino;
		path_put(&path);
	}
}

/* Whether p is for process tgid: process(PID) is for that one alone. */
static bool stp_pid_wanted(const struct stp_probe *p, pid_t tgid)
{
	return !p->upid || tgid == p->upid;
}

/* Whether the current process runs p's program (any, without a PATH). */
static bool stp_current_matches(const struct stp_probe *p)
{
	struct file *exe;
	bool match;

	if (!p->upaths)
		return true;
	if (!current->mm)
		return false;
	rcu_read_lock();
	exe = rcu_dereference(current->mm->exe_file);
	match = exe && stp_program_matches(p, exe);
	rcu_read_unlock();
	return match;
}

static void stp_track(struct stp_track_table *t, pid_t id, const struct stp_probe *p)
{
	unsigned long flags;
	int i, free_slot = -1;
	bool warn = false;

	spin_lock_irqsave(&stp_tracked_lock, flags);
	for (i = 0; i < STP_TRACKED_MAX; i++) {
		if (t->slots[i].id == id && t->slots[i].probe == p)
			goto out;
		if (!t->slots[i].id && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		t->slots[free_slot].id = id;
		t->slots[free_slot].probe = p;
		atomic_inc(&t->count);
	} else if (!t->warned) {
		t->warned = warn = true;
	}
out:
	spin_unlock_irqrestore(&stp_tracked_lock, flags);
	if (warn)
		stp_warn(t->full_msg);
}

/* Forgets id for p (any probe, if p is NULL); whether it was noted. */
static bool stp_untrack(struct stp_track_table *t, pid_t id, const struct stp_probe *p)
{
	unsigned long flags;
	bool found = false;
	int i;

	if (!atomic_read(&t->count))
		return false;
	spin_lock_irqsave(&stp_tracked_lock, flags);
	for (i = 0; i < STP_TRACKED_MAX; i++) {
		if (t->slots[i].id == id && (!p || t->slots[i].probe == p)) {
			t->slots[i].id = 0;
			atomic_dec(&t->count);
			found = true;
		}
	}
	spin_unlock_irqrestore(&stp_tracked_lock, flags);
	return found;
}

static void stp_exec_hit(void *data, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	size_t i;

	if (!stp_current_allowed())
		return;
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		const struct stp_probe *p = &stp_probes[i];

		if ((p->kind != STP_PROBE_PROCESS_BEGIN && p->kind != STP_PROBE_PROCESS_END) ||
		    !stp_pid_wanted(p, task->tgid))
			continue;
		if (!stp_program_matches(p, bprm->file)) {
			if (p->kind == STP_PROBE_PROCESS_END)
				stp_untrack(&stp_ending, task->tgid, p);	/* it runs another program now */
			continue;
		}
		if (p->kind == STP_PROBE_PROCESS_BEGIN) {
			stp_untrack(&stp_beginning, task->tgid, p);	/* begun here, not at a system call */
			stp_probe_run_with(p, STP_SCRIPT_RUNNING, NULL, p->handler, NULL, 0);
		} else if (p->upaths) {
			stp_track(&stp_ending, task->tgid, p);
		}
	}
}

/* A thread (not a process's first) of a program thread probes are for:
 * its begin runs on its way out of clone(), its end is waited for. */
static void stp_fork_hit(void *data, struct task_struct *parent, struct task_struct *child)
{
	size_t i;

	if (child->tgid != parent->tgid)
		return;		/* a new process: process.begin comes at its exec */
	if (!stp_current_allowed())
		return;
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		const struct stp_probe *p = &stp_probes[i];

		if (!stp_pid_wanted(p, child->tgid))
			continue;
		if (p->kind == STP_PROBE_PROCESS_THREAD_BEGIN && stp_current_matches(p))
			stp_track(&stp_beginning, child->pid, p);
		else if (p->kind == STP_PROBE_PROCESS_THREAD_END && stp_current_matches(p))
			stp_track(&stp_ending, child->pid, p);
	}
}

static void stp_exit_hit(void *data, struct task_struct *task)
{
	bool last = !atomic_read(&task->signal->live);
	size_t i;

	stp_untrack(&stp_beginning, task->pid, NULL);	/* never got to begin */
	if (last)
		stp_untrack(&stp_beginning, task->tgid, NULL);
	if (!stp_current_allowed())
		return;
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		const struct stp_probe *p = &stp_probes[i];

		if (p->kind == STP_PROBE_PROCESS_THREAD_END && stp_untrack(&stp_ending, task->pid, p))
			stp_probe_run_with(p, STP_SCRIPT_RUNNING, NULL, p->handler, NULL, 0);
		else if (p->kind == STP_PROBE_PROCESS_END && last && stp_pid_wanted(p, task->tgid) &&
			 (!p->upaths || stp_untrack(&stp_ending, task->tgid, p)))
			stp_probe_run_with(p, STP_SCRIPT_RUNNING, NULL, p->handler, NULL, 0);
	}
}

/* Begin probes still to run in the current task's context: a thread's,
 * or a process's that was running when the script started. */
static void stp_run_pending_begins(void)
{
	size_t i;

	if (!atomic_read(&stp_beginning.count))
		return;
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		const struct stp_probe *p = &stp_probes[i];

		if ((p->kind == STP_PROBE_PROCESS_THREAD_BEGIN && stp_untrack(&stp_beginning, current->pid, p)) ||
		    (p->kind == STP_PROBE_PROCESS_BEGIN && stp_untrack(&stp_beginning, current->tgid, p)))
			stp_probe_run_with(p, STP_SCRIPT_RUNNING, NULL, p->handler, NULL, 0);
	}
}

/* Whether a system call probe is for the current process. */
static bool stp_syscall_wanted(const struct stp_probe *p)
{
	if (p->upid)
		return current->tgid == p->upid;
	if (p->upaths)
		return stp_current_matches(p);
	return !stp_target || current->tgid == stp_target;
}

static void stp_syscall_hit(enum stp_probe_kind kind, struct pt_regs *regs)
{
	size_t i;

	if (!stp_current_allowed())
		return;
	stp_run_pending_begins();
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		const struct stp_probe *p = &stp_probes[i];

		if (p->kind == kind && stp_syscall_wanted(p))
			stp_probe_run_with(p, STP_SCRIPT_RUNNING, regs, p->handler, NULL, 0);
	}
}

static void stp_sys_enter_hit(void *data, struct pt_regs *regs, long id)
{
	stp_syscall_hit(STP_PROBE_PROCESS_SYSCALL, regs);
}

static void stp_sys_exit_hit(void *data, struct pt_regs *regs, long ret)
{
	stp_syscall_hit(STP_PROBE_PROCESS_SYSCALL_RETURN, regs);
}

static void stp_find_task_tracepoint(struct tracepoint *tp, void *unused)
{
	if (!strcmp(tp->name, "sched_process_exec"))
		stp_tp_exec = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		stp_tp_exit = tp;
	else if (!strcmp(tp->name, "sched_process_fork"))
		stp_tp_fork = tp;
	else if (!strcmp(tp->name, "sys_enter"))
		stp_tp_sys_enter = tp;
	else if (!strcmp(tp->name, "sys_exit"))
		stp_tp_sys_exit = tp;
}

/* A process's threads but its first, for thread.end. */
static void stp_track_threads(struct task_struct *leader, const struct stp_probe *p)
{
	struct task_struct *t;

	for_each_thread(leader, t)
		if (t->pid != t->tgid)
			stp_track(&stp_ending, t->pid, p);
}

/* At start: the processes running PATH wait for its end (their threads
 * for thread.end), and every process a begin probe is for, for its
 * begin. */
static void stp_track_running(const struct stp_probe *p)
{
	struct task_struct *t;

	rcu_read_lock();
	for_each_process(t) {
		struct file *exe = NULL;

		if ((t->flags & PF_KTHREAD) || !stp_pid_wanted(p, t->tgid))
			continue;
		task_lock(t);	/* t->mm stays while we look */
		if (t->mm)
			exe = rcu_dereference(t->mm->exe_file);
		if (exe && stp_program_matches(p, exe) && p->kind == STP_PROBE_PROCESS_THREAD_END)
			stp_track_threads(t, p);
		else if (exe && stp_program_matches(p, exe))
			stp_track(p->kind == STP_PROBE_PROCESS_END ? &stp_ending : &stp_beginning, t->tgid, p);
		task_unlock(t);
	}
	rcu_read_unlock();
}

static bool stp_has_probe(enum stp_probe_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stp_probes); i++)
		if (stp_probes[i].kind == kind)
			return true;
	return false;
}

/* The tracepoints we attach to, and whether we are attached. */
struct stp_task_hook {
	struct tracepoint **tp;
	void *func;
	bool attached;
};

static struct stp_task_hook stp_task_hooks[] = {
	{ &stp_tp_exec, (void *)stp_exec_hit },
	{ &stp_tp_exit, (void *)stp_exit_hit },
	{ &stp_tp_fork, (void *)stp_fork_hit },
	{ &stp_tp_sys_enter, (void *)stp_sys_enter_hit },	/* (the last two only if needed) */
	{ &stp_tp_sys_exit, (void *)stp_sys_exit_hit },
};

static int stp_hook(struct stp_task_hook *h)
{
	int rc = tracepoint_probe_register(*h->tp, h->func, NULL);

	if (rc) {
		char msg[128];

		snprintf(msg, sizeof(msg), "cannot attach to the kernel's %s tracepoint: error %d", (*h->tp)->name,
			 rc);
		stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
	}
	h->attached = !rc;
	return rc;
}

static void stp_task_finder_stop(void);

static int stp_task_finder_start(void)
{
	size_t i, n = ARRAY_SIZE(stp_task_hooks);
	int rc = 0;

	for_each_kernel_tracepoint(stp_find_task_tracepoint, NULL);
	for (i = 0; i < n; i++) {
		if (!*stp_task_hooks[i].tp) {
			static const char msg[] = "cannot register process probes: this kernel lacks one of the "
						  "sched_process_exec/exit/fork and sys_enter/exit tracepoints";

			stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
			return -ENOENT;
		}
	}
	stp_find_programs();
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++)
		if ((stp_probes[i].kind == STP_PROBE_PROCESS_END && stp_probes[i].upaths) ||
		    stp_probes[i].kind == STP_PROBE_PROCESS_BEGIN || stp_probes[i].kind == STP_PROBE_PROCESS_THREAD_END)
			stp_track_running(&stp_probes[i]);
	/* every system call pays for these two while they are in */
	if (!stp_has_probe(STP_PROBE_PROCESS_SYSCALL) && !stp_has_probe(STP_PROBE_PROCESS_SYSCALL_RETURN) &&
	    !stp_has_probe(STP_PROBE_PROCESS_THREAD_BEGIN) && !atomic_read(&stp_beginning.count))
		n -= 2;
	for (i = 0; i < n && !rc; i++)
		rc = stp_hook(&stp_task_hooks[i]);
	if (rc)
		stp_task_finder_stop();
	return rc;
}

static void stp_task_finder_stop(void)
{
	bool any = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stp_task_hooks); i++) {
		struct stp_task_hook *h = &stp_task_hooks[i];

		if (!h->attached)
			continue;
		tracepoint_probe_unregister(*h->tp, h->func, NULL);
		h->attached = false;
		any = true;
	}
	if (any)
		tracepoint_synchronize_unregister();
}
