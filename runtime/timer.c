/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timer.s/ms/us/ns(N) probes: an hrtimer that fires every period on
 * whichever CPU it was armed on, and runs the probe in hardirq context.
 */

static enum hrtimer_restart stp_timer_fire(struct hrtimer *t)
{
	struct stp_probe *p = container_of(t, struct stp_probe, timer);

	stp_probe_run(p, STP_SCRIPT_RUNNING);
	if (stp_script() != STP_SCRIPT_RUNNING)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(p->period_ns));
	return HRTIMER_RESTART;
}

static void stp_timer_init(struct stp_probe *p)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(&p->timer, stp_timer_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
#else
	hrtimer_init(&p->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	p->timer.function = stp_timer_fire;
#endif
}

static void stp_timer_arm(struct stp_probe *p)
{
	p->armed = true;
	hrtimer_start(&p->timer, ns_to_ktime(p->period_ns), HRTIMER_MODE_REL);
}

/* Waits for a running callback to finish. */
static void stp_timer_disarm(struct stp_probe *p)
{
	if (!p->armed)
		return;
	hrtimer_cancel(&p->timer);
	p->armed = false;
}
