/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module init and exit, and the start and stop of the script.  Included
 * at the end of the generated file, after its probe table:
 *
 *	static struct stp_probe stp_probes[];	(the script's probes)
 *	#define STP_FRAME_SIZE ...		(bytes of locals one CPU needs)
 *	static int stp_script_init(void);	(allocates the script's arrays)
 *	static void stp_script_exit(void);	(frees them)
 */

#include "modules.c"
#ifdef STP_NEED_PROCESS_EVENTS
#include "task_finder.c"
#endif

static __maybe_unused void stp_for_each_probe(void (*fn)(struct stp_probe *p), enum stp_probe_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stp_probes); i++)
		if (stp_probes[i].kind == kind)
			fn(&stp_probes[i]);
}

/* fn on each probe of the kind until one fails: 0, or that error. */
static __maybe_unused int stp_for_each_probe_until(int (*fn)(struct stp_probe *p), enum stp_probe_kind kind)
{
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		if (stp_probes[i].kind != kind)
			continue;
		rc = fn(&stp_probes[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Runs the begin or end probes in order of priority, then of position. */
static void stp_run_in_order(enum stp_probe_kind kind, int state)
{
	bool done[ARRAY_SIZE(stp_probes)] = { false };
	size_t i, n;

	for (n = 0; n < ARRAY_SIZE(stp_probes); n++) {
		const struct stp_probe *next = NULL;
		size_t next_i = 0;

		for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
			const struct stp_probe *p = &stp_probes[i];

			if (p->kind != kind || done[i])
				continue;
			if (!next || p->priority < next->priority) {
				next = p;
				next_i = i;
			}
		}
		if (!next)
			return;
		done[next_i] = true;
		stp_probe_run(next, state);
	}
}

/*
 * The start and stop of each kind of probe the script has; runtime.h left
 * out the code of the other kinds (see STP_NEED_* there).
 */

/* Kprobes, tracepoints, perf counters, uprobes and procfs files: 0, or the first
 * error (those placed before it stay so until stp_disarm_all). */
static int stp_place_probes(void)
{
	int rc = 0;

#ifdef STP_NEED_USYMBOLS
	stp_usym_start();	/* before a probe can ask */
#endif
#ifdef STP_NEED_KPROBES
	if (!rc)
		rc = stp_for_each_probe_until(stp_kprobe_register, STP_PROBE_KPROBE);
#endif
#ifdef STP_NEED_TRACEPOINTS
	if (!rc)
		rc = stp_for_each_probe_until(stp_tracepoint_register, STP_PROBE_TRACEPOINT);
#endif
#ifdef STP_NEED_PERF
	if (!rc)
		rc = stp_for_each_probe_until(stp_perf_register, STP_PROBE_PERF);
#endif
#ifdef STP_NEED_UPROBES
	if (!rc)
		rc = stp_for_each_probe_until(stp_uprobe_register, STP_PROBE_UPROBE);
#endif
#ifdef STP_NEED_PROCESS_EVENTS
	if (!rc)
		rc = stp_task_finder_start();
#endif
#ifdef STP_NEED_PROCFS
	if (!rc)
		rc = stp_procfs_create(stp_probes, ARRAY_SIZE(stp_probes));
#endif
	return rc;
}

static int stp_timers_init(void)
{
#ifdef STP_NEED_TIMERS
	stp_for_each_probe(stp_timer_init, STP_PROBE_TIMER);
	return stp_for_each_probe_until(stp_profile_init, STP_PROBE_PROFILE);
#else
	return 0;
#endif
}

static void stp_timers_arm(void)
{
#ifdef STP_NEED_TIMERS
	stp_for_each_probe(stp_timer_arm, STP_PROBE_TIMER);
	stp_for_each_probe(stp_profile_arm, STP_PROBE_PROFILE);
#endif
}

static void stp_timers_disarm(void)
{
#ifdef STP_NEED_TIMERS
	stp_for_each_probe(stp_timer_disarm, STP_PROBE_TIMER);
	stp_for_each_probe(stp_profile_disarm, STP_PROBE_PROFILE);
#endif
}

static void stp_timers_free(void)
{
#ifdef STP_NEED_TIMERS
	stp_for_each_probe(stp_profile_free, STP_PROBE_PROFILE);
#endif
}

/* What stp_place_probes placed (or tried to). */
static void stp_remove_probes(void)
{
#ifdef STP_NEED_KPROBES
	stp_for_each_probe(stp_kprobe_unregister, STP_PROBE_KPROBE);
#endif
#ifdef STP_NEED_TRACEPOINTS
	stp_for_each_probe(stp_tracepoint_unregister, STP_PROBE_TRACEPOINT);
	stp_tracepoint_sync();
#endif
#ifdef STP_NEED_PERF
	stp_for_each_probe(stp_perf_unregister, STP_PROBE_PERF);
#endif
#ifdef STP_NEED_UPROBES
	stp_for_each_probe(stp_uprobe_unregister, STP_PROBE_UPROBE);
#endif
#ifdef STP_NEED_PROCESS_EVENTS
	stp_task_finder_stop();
#endif
#ifdef STP_NEED_PROCFS
	stp_procfs_remove();
#endif
}

static atomic_t stp_started = ATOMIC_INIT(0);

/* START from stapio (process context). */
static void stp_session_start(s32 target)
{
	if (atomic_cmpxchg(&stp_started, 0, 1) != 0)
		return;
	stp_target = target;
	/* Kprobes, tracepoints, perf counters and procfs files first: their
	 * handlers wait for RUNNING, and a script whose probes can't all be
	 * placed shouldn't run its begin probes (those registered before a
	 * failure stay so until stp_disarm_all). */
	stp_modules_watch();
	if (stp_place_probes()) {
		atomic_inc(&stp_error_count);
		stp_abort_script();
		return;
	}
	stp_run_in_order(STP_PROBE_BEGIN, STP_SCRIPT_STARTING);
	if (atomic_cmpxchg(&stp_script_state, STP_SCRIPT_STARTING, STP_SCRIPT_RUNNING) !=
	    STP_SCRIPT_STARTING)
		return;	/* exit() or an error in a begin probe */
	stp_timers_arm();
}

static void stp_disarm_all(void)
{
	stp_timers_disarm();
	stp_modules_unwatch();
	stp_remove_probes();
}

/* STOP from stapio (process context): end the script, then say DONE. */
static void stp_session_stop(void)
{
	struct stp_done done = { 0 };
	int prev;

	do {
		prev = stp_script();
		if (prev == STP_SCRIPT_STOPPING || prev == STP_SCRIPT_STOPPED)
			return;
	} while (atomic_cmpxchg(&stp_script_state, prev, STP_SCRIPT_STOPPING) != prev);

	stp_disarm_all();
	stp_run_in_order(prev == STP_SCRIPT_ERROR ? STP_PROBE_ERROR : STP_PROBE_END, STP_SCRIPT_STOPPING);
	atomic_set(&stp_script_state, STP_SCRIPT_STOPPED);

	done.errors = atomic_read(&stp_error_count);
	done.skipped = atomic_read(&stp_skipped_count);
	done.dropped = stp_transport_dropped();
	stp_ctl_send(STP_MSG_DONE, &done, sizeof(done));
}

static int __init stp_module_init(void)
{
	int rc;

	rc = stp_contexts_alloc(STP_FRAME_SIZE);
	if (rc)
		goto fail;
	rc = stp_script_init();
	if (rc)
		goto fail;
	rc = stp_timers_init();
	if (rc)
		goto fail;
	rc = stp_transport_init();
	if (rc)
		goto fail;
	return 0;
fail:
	stp_timers_free();
	stp_script_exit();
	stp_contexts_free();
	return rc;
}

/* Also reached when stapio died without STOP: disarm, run nothing more. */
static void __exit stp_module_exit(void)
{
	atomic_set(&stp_script_state, STP_SCRIPT_STOPPED);
	stp_disarm_all();
	stp_transport_exit();
	stp_timers_free();
	stp_script_exit();
	stp_contexts_free();
}

module_init(stp_module_init);
module_exit(stp_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SystemTap script: " STP_SCRIPT_NAME);
