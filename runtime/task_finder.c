/* SPDX-License-Identifier: GPL-2.0 */
/*
 * process.begin / process.end and process("PATH").begin / .end: a
 * process that execs (PATH, or anything) runs the begin probes in its own
 * context right after the exec; one whose last thread exits runs the end
 * probes.  The kernel's sched_process_exec and sched_process_exit
 * tracepoints tell us; by exit time the process has no memory map left,
 * so the processes an end probe waits for are noted (by thread group id)
 * when they exec, or when the script starts for those already running.
 */
#include <linux/binfmts.h>
#include <linux/sched/signal.h>
#include <linux/tracepoint.h>

#define STP_TRACKED_MAX 1024

struct stp_tracked {
	pid_t tgid;
	const struct stp_probe *probe;
};

static struct stp_tracked stp_tracked[STP_TRACKED_MAX];
static DEFINE_SPINLOCK(stp_tracked_lock);
static bool stp_tracked_full_warned;
static struct tracepoint *stp_tp_exec, *stp_tp_exit;

/* Whether file is the program p is for (any, without a PATH). */
static bool stp_program_matches(const struct stp_probe *p, struct file *file)
{
	char buf[256];
	char *path;

	if (!p->upaths)
		return true;
	if (!file)
		return false;
	path = file_path(file, buf, sizeof(buf));
	return !IS_ERR(path) && !strcmp(path, p->upaths[0]);
}

static void stp_track(pid_t tgid, const struct stp_probe *p)
{
	unsigned long flags;
	int i, free_slot = -1;
	bool warn = false;

	spin_lock_irqsave(&stp_tracked_lock, flags);
	for (i = 0; i < STP_TRACKED_MAX; i++) {
		if (stp_tracked[i].tgid == tgid && stp_tracked[i].probe == p)
			goto out;
		if (!stp_tracked[i].tgid && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		stp_tracked[free_slot].tgid = tgid;
		stp_tracked[free_slot].probe = p;
	} else if (!stp_tracked_full_warned) {
		stp_tracked_full_warned = warn = true;
	}
out:
	spin_unlock_irqrestore(&stp_tracked_lock, flags);
	if (warn)
		stp_warn("more than 1024 processes wait for process end probes: some ends are missed");
}

/* Forgets tgid for p; whether it was noted. */
static bool stp_untrack(pid_t tgid, const struct stp_probe *p)
{
	unsigned long flags;
	bool found = false;
	int i;

	spin_lock_irqsave(&stp_tracked_lock, flags);
	for (i = 0; i < STP_TRACKED_MAX && !found; i++) {
		if (stp_tracked[i].tgid == tgid && stp_tracked[i].probe == p) {
			stp_tracked[i].tgid = 0;
			found = true;
		}
	}
	spin_unlock_irqrestore(&stp_tracked_lock, flags);
	return found;
}

static void stp_exec_hit(void *data, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	size_t i;

#ifdef STP_MYPROC_ONLY
	if (!stp_is_myproc())
		return;
#endif
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		const struct stp_probe *p = &stp_probes[i];

		if (p->kind != STP_PROBE_PROCESS_BEGIN && p->kind != STP_PROBE_PROCESS_END)
			continue;
		if (!stp_program_matches(p, bprm->file)) {
			if (p->kind == STP_PROBE_PROCESS_END)
				stp_untrack(task->tgid, p);	/* it runs another program now */
			continue;
		}
		if (p->kind == STP_PROBE_PROCESS_BEGIN)
			stp_probe_run_with(p, STP_SCRIPT_RUNNING, NULL, p->handler, NULL, 0);
		else if (p->upaths)
			stp_track(task->tgid, p);
	}
}

static void stp_exit_hit(void *data, struct task_struct *task)
{
	size_t i;

	if (atomic_read(&task->signal->live))
		return;		/* a thread, not the process's last */
#ifdef STP_MYPROC_ONLY
	if (!stp_is_myproc())
		return;
#endif
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		const struct stp_probe *p = &stp_probes[i];

		if (p->kind == STP_PROBE_PROCESS_END && (!p->upaths || stp_untrack(task->tgid, p)))
			stp_probe_run_with(p, STP_SCRIPT_RUNNING, NULL, p->handler, NULL, 0);
	}
}

static void stp_find_sched_tracepoint(struct tracepoint *tp, void *unused)
{
	if (!strcmp(tp->name, "sched_process_exec"))
		stp_tp_exec = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		stp_tp_exit = tp;
}

/* The processes running PATH when the script starts wait for its end. */
static void stp_track_running(const struct stp_probe *p)
{
	struct task_struct *t;

	rcu_read_lock();
	for_each_process(t) {
		struct file *exe = NULL;

		task_lock(t);	/* t->mm stays while we look */
		if (t->mm)
			exe = rcu_dereference(t->mm->exe_file);
		if (exe && stp_program_matches(p, exe))
			stp_track(t->tgid, p);
		task_unlock(t);
	}
	rcu_read_unlock();
}

static int stp_task_finder_start(void)
{
	size_t i;
	int rc;

	for_each_kernel_tracepoint(stp_find_sched_tracepoint, NULL);
	if (!stp_tp_exec || !stp_tp_exit) {
		static const char msg[] = "cannot register process.begin/.end probes: this kernel has no "
					  "sched_process_exec or sched_process_exit tracepoint";

		stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++)
		if (stp_probes[i].kind == STP_PROBE_PROCESS_END && stp_probes[i].upaths)
			stp_track_running(&stp_probes[i]);
	rc = tracepoint_probe_register(stp_tp_exec, (void *)stp_exec_hit, NULL);
	if (rc)
		return rc;
	rc = tracepoint_probe_register(stp_tp_exit, (void *)stp_exit_hit, NULL);
	if (rc) {
		tracepoint_probe_unregister(stp_tp_exec, (void *)stp_exec_hit, NULL);
		stp_tp_exec = NULL;
	}
	return rc;
}

static void stp_task_finder_stop(void)
{
	if (!stp_tp_exec)
		return;
	tracepoint_probe_unregister(stp_tp_exec, (void *)stp_exec_hit, NULL);
	tracepoint_probe_unregister(stp_tp_exit, (void *)stp_exit_hit, NULL);
	tracepoint_synchronize_unregister();
	stp_tp_exec = NULL;
}
