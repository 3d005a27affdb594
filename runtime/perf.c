/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf.hw.NAME, perf.sw.NAME, perf.hw_cache.CACHE.OP.RESULT and
 * perf.type(T).config(C): a kernel perf counter on each CPU online at
 * START (like timer.profile, CPUs that come online later are not
 * covered); every perf_sample events (with .hz(N), perf_sample times a
 * second, the kernel adjusting the period) its overflow runs the probe
 * with the registers it interrupted.
 *
 * Where the overflow handler runs depends on the event: hardware counters
 * overflow in NMI; cpu_clock and task_clock in their hrtimer's hardirq;
 * page faults in the faulting task, context switches inside the
 * scheduler with its runqueue lock held.  stp_probe_run_regs is safe in
 * all of these: it disables preemption and never sleeps, a hit that finds
 * its CPU's context busy (the NMI came in the middle of another hit) is
 * skipped rather than nested, the globals' rwlocks are only tried, at
 * most MAXTRYLOCK times, and the transport takes its queue lock with a
 * trylock in NMI, writes output to per-CPU buffers with irqs off, and
 * wakes stapio through irq_work, never directly.
 */
#include <linux/perf_event.h>

static void stp_perf_overflow(struct perf_event *event, struct perf_sample_data *data, struct pt_regs *regs)
{
	stp_probe_run_regs(event->overflow_handler_context, STP_SCRIPT_RUNNING, regs);
}

static const char *stp_perf_reason(int rc)
{
	return rc == -ENOENT ? "the kernel has no such event on this machine" :
	       rc == -EOPNOTSUPP ? "the kernel does not support the event here" :
	       rc == -EINVAL ? "the kernel finds the event invalid" : "the kernel refused the event";
}

/* Releases p's counters; when it returns, no handler of p runs. */
static void stp_perf_unregister(struct stp_probe *p)
{
	int cpu;

	if (!p->perf_events)
		return;
	for_each_possible_cpu(cpu)
		if (p->perf_events[cpu])
			perf_event_release_kernel(p->perf_events[cpu]);
	/* Handlers run with preemption off (or in NMI): a grace period
	 * waits for any still running on another CPU. */
	synchronize_rcu();
	kfree(p->perf_events);
	p->perf_events = NULL;
}

/*
 * A counter for p on each online CPU.  One the kernel refuses ends the
 * script, reported by name, unless the point was optional ('?'): then p
 * quietly has none.  Returns 0 or the error.
 */
static int stp_perf_register(struct stp_probe *p)
{
	struct perf_event_attr attr = {
		.type = p->perf_type,
		.size = sizeof(attr),
		.config = p->perf_config,
		.sample_period = p->perf_sample,	/* a union with sample_freq */
		.freq = p->perf_freq,
	};
	struct perf_event *event;
	char msg[256];
	int cpu, rc;

	p->perf_events = kcalloc(nr_cpu_ids, sizeof(*p->perf_events), GFP_KERNEL);
	if (!p->perf_events)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		event = perf_event_create_kernel_counter(&attr, cpu, NULL, stp_perf_overflow, p);
		if (IS_ERR(event)) {
			rc = PTR_ERR(event);
			if (rc == -ENODEV)
				continue;	/* went offline meanwhile */
			goto fail;
		}
		p->perf_events[cpu] = event;
	}
	return 0;
fail:
	stp_perf_unregister(p);
	if (p->optional)
		return 0;
	snprintf(msg, sizeof(msg), "cannot register probe %s at %s: %s (%d)", p->pp, p->location,
		 stp_perf_reason(rc), rc);
	stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
	return rc;
}
