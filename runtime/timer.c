/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timer.s/ms/us/ns/hz/jiffies(N) probes: an hrtimer that fires every
 * period (.randomize(M): period +/- M, drawn anew each time) on whichever
 * CPU it was armed on, and runs the probe in hardirq context.
 * timer.profile: one pinned hrtimer per CPU, every tick (CPUs that come
 * online later are not covered).
 */

static void stp_timer_setup(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *))
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
#else
	hrtimer_init(t, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	t->function = fn;
#endif
}

static ktime_t stp_timer_period(const struct stp_probe *p)
{
	u64 ns = p->period_ns;

	if (p->randomize_ns)
		ns = ns - p->randomize_ns + get_random_u64() % (2 * p->randomize_ns + 1);
	return ns_to_ktime(ns);
}

/* One expiry of timer t, which drives probe p (either kind of timer). */
static enum hrtimer_restart stp_timer_tick(struct hrtimer *t, struct stp_probe *p)
{
	stp_probe_run(p, STP_SCRIPT_RUNNING);
	if (stp_script() != STP_SCRIPT_RUNNING)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, stp_timer_period(p));
	return HRTIMER_RESTART;
}

static enum hrtimer_restart stp_timer_fire(struct hrtimer *t)
{
	return stp_timer_tick(t, container_of(t, struct stp_probe, timer));
}

static void stp_timer_init(struct stp_probe *p)
{
	stp_timer_setup(&p->timer, stp_timer_fire);
}

static void stp_timer_arm(struct stp_probe *p)
{
	p->armed = true;
	hrtimer_start(&p->timer, stp_timer_period(p), HRTIMER_MODE_REL);
}

/* Waits for a running callback to finish. */
static void stp_timer_disarm(struct stp_probe *p)
{
	if (!p->armed)
		return;
	hrtimer_cancel(&p->timer);
	p->armed = false;
}

/* timer.profile */

struct stp_cpu_timer {
	struct hrtimer timer;
	struct stp_probe *probe;
};

static enum hrtimer_restart stp_profile_fire(struct hrtimer *t)
{
	return stp_timer_tick(t, container_of(t, struct stp_cpu_timer, timer)->probe);
}

static int stp_profile_init(struct stp_probe *p)
{
	int cpu;

	p->cpu_timers = alloc_percpu(struct stp_cpu_timer);
	if (!p->cpu_timers)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct stp_cpu_timer *ct = per_cpu_ptr(p->cpu_timers, cpu);

		stp_timer_setup(&ct->timer, stp_profile_fire);
		ct->probe = p;
	}
	return 0;
}

/* On each CPU, by on_each_cpu: starts that CPU's timer there. */
static void stp_profile_start_here(void *arg)
{
	struct stp_probe *p = arg;
	struct stp_cpu_timer *ct = this_cpu_ptr(p->cpu_timers);

	hrtimer_start(&ct->timer, ns_to_ktime(p->period_ns), HRTIMER_MODE_REL_PINNED);
}

static void stp_profile_arm(struct stp_probe *p)
{
	p->armed = true;
	on_each_cpu(stp_profile_start_here, p, 1);
}

static void stp_profile_disarm(struct stp_probe *p)
{
	int cpu;

	if (!p->armed)
		return;
	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu_ptr(p->cpu_timers, cpu)->timer);
	p->armed = false;
}

static void stp_profile_free(struct stp_probe *p)
{
	free_percpu(p->cpu_timers);
	p->cpu_timers = NULL;
}
