// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-written module that drives runtime/transport.c without the core.
 *
 * Every output line is "<n> <source> cpu<c>" with n counting successful
 * writes 1, 2, 3...  The writes are serialised by one lock, so the relay
 * sequence numbers follow n and stapio must print n strictly in order,
 * although the lines land in different per-CPU buffers.  Sources: a work
 * item per CPU (process context), a timer per CPU (softirq) and an hrtimer
 * per CPU (hardirq).  The last line, written by stop, is
 * "<n> end attempts=<a>": a - n lines were dropped and must be reported.
 */
#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/timer.h>
#include <linux/hrtimer.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/cpumask.h>

#include "transport.c"

static int lines = 1000;
module_param(lines, int, 0444);
MODULE_PARM_DESC(lines, "lines written by the work items, all CPUs together");
static int burst = 500;
module_param(burst, int, 0444);
MODULE_PARM_DESC(burst, "lines a work item writes before pausing");
static int pause_ms = 5;
module_param(pause_ms, int, 0444);
MODULE_PARM_DESC(pause_ms, "pause between bursts (0: only cond_resched)");
static bool retry;
module_param(retry, bool, 0444);
MODULE_PARM_DESC(retry, "work items retry dropped lines (lossless)");
static int timer_lines = 50;
module_param(timer_lines, int, 0444);
MODULE_PARM_DESC(timer_lines, "lines per CPU from the timer and the hrtimer");
static bool autoexit = true;
module_param(autoexit, bool, 0444);
MODULE_PARM_DESC(autoexit, "send EXIT_REQUEST once all sources are done");
static int tick_ms;
module_param(tick_ms, int, 0444);
MODULE_PARM_DESC(tick_ms, "if > 0, write a tick line this often until STOP");
static int errors;
module_param(errors, int, 0444);
MODULE_PARM_DESC(errors, "ERROR messages to send and report in DONE");
static int big;
module_param(big, int, 0444);
MODULE_PARM_DESC(big, "if > 0, write one record this long at start");

struct test_cpu {
	int cpu;
	struct work_struct work;
	struct timer_list timer;
	struct hrtimer hrtimer;
	int timer_left;
	int hrtimer_left;
	int work_lines;
};

static struct test_cpu *test_cpus;	/* one per possible CPU */
static DEFINE_SPINLOCK(test_lock);
static u64 test_written;		/* lines that made it into relay */
static u64 test_attempts;		/* lines tried */
static atomic_t test_sources_left;
static bool test_stopping;
static bool test_started;
static struct timer_list test_tick_timer;
static int test_ticks;

/* Write one numbered line; false if the transport dropped it. */
static bool test_emit(const char *src, const char *extra)
{
	char line[96];
	unsigned long flags;
	u64 before;
	bool ok;
	int n;

	spin_lock_irqsave(&test_lock, flags);
	n = scnprintf(line, sizeof(line), "%llu %s cpu%d%s\n",
		      test_written + 1, src, smp_processor_id(), extra);
	before = stp_transport_dropped();
	stp_transport_write(line, n);
	ok = stp_transport_dropped() == before;
	test_attempts++;
	if (ok)
		test_written++;
	spin_unlock_irqrestore(&test_lock, flags);
	return ok;
}

/* One long record: number, then filler, to check nothing gets mangled. */
static void test_emit_big(void)
{
	unsigned long flags;
	char *rec;
	int n;

	rec = kmalloc(big + 32, GFP_KERNEL);
	if (!rec)
		return;
	spin_lock_irqsave(&test_lock, flags);
	n = scnprintf(rec, 32, "%llu big ", test_written + 1);
	memset(rec + n, 'x', big);
	rec[n + big] = '\n';
	stp_transport_write(rec, n + big + 1);
	test_attempts++;
	test_written++;		/* written at start: relay cannot be full */
	spin_unlock_irqrestore(&test_lock, flags);
	kfree(rec);
}

static void test_source_done(void)
{
	if (atomic_dec_and_test(&test_sources_left) && autoexit)
		stp_ctl_send(STP_MSG_EXIT_REQUEST, NULL, 0);
}

static void test_work_fn(struct work_struct *work)
{
	struct test_cpu *tc = container_of(work, struct test_cpu, work);
	int i;

	for (i = 0; i < tc->work_lines && !READ_ONCE(test_stopping); i++) {
		while (!test_emit("work", "") && retry &&
		       !READ_ONCE(test_stopping))
			usleep_range(200, 400);
		if (burst > 0 && (i + 1) % burst == 0 && pause_ms > 0)
			msleep(pause_ms);
		else
			cond_resched();
	}
	test_source_done();
}

static void test_timer_fn(struct timer_list *t)
{
	struct test_cpu *tc = from_timer(tc, t, timer);

	test_emit("timer", "");
	if (--tc->timer_left > 0 && !READ_ONCE(test_stopping))
		mod_timer(&tc->timer, jiffies + 1);
	else
		test_source_done();
}

static enum hrtimer_restart test_hrtimer_fn(struct hrtimer *t)
{
	struct test_cpu *tc = container_of(t, struct test_cpu, hrtimer);

	test_emit("hrtimer", "");
	if (--tc->hrtimer_left > 0 && !READ_ONCE(test_stopping)) {
		hrtimer_forward_now(t, ms_to_ktime(1));
		return HRTIMER_RESTART;
	}
	test_source_done();
	return HRTIMER_NORESTART;
}

static void test_tick_fn(struct timer_list *t)
{
	char extra[32];

	scnprintf(extra, sizeof(extra), " tick=%d", ++test_ticks);
	test_emit("tick", extra);
	if (!READ_ONCE(test_stopping))
		mod_timer(&test_tick_timer,
			  jiffies + msecs_to_jiffies(tick_ms));
}

static int test_start_hrtimer(void *arg)
{
	struct test_cpu *tc = arg;

	hrtimer_start(&tc->hrtimer, ms_to_ktime(1), HRTIMER_MODE_REL_PINNED);
	return 0;
}

static void test_start_cpu(struct test_cpu *tc, int share)
{
	tc->work_lines = share;
	tc->timer_left = timer_lines;
	tc->hrtimer_left = timer_lines;
	schedule_work_on(tc->cpu, &tc->work);
	if (timer_lines > 0) {
		tc->timer.expires = jiffies + 1;
		add_timer_on(&tc->timer, tc->cpu);
	}
}

static void test_send_text(u32 type, const char *fmt, int a, int b)
{
	char text[128];
	int n = scnprintf(text, sizeof(text), fmt, a, b);

	stp_ctl_send(type, text, n);
}

static void stp_session_start(s32 target)
{
	int cpu, ncpus = num_online_cpus(), first = 1, i;

	/* No newline: stapio must add exactly one. */
	test_send_text(STP_MSG_WARNING, "transport test: target=%d cpus=%d",
		       target, ncpus);
	for (i = 0; i < errors; i++)
		test_send_text(STP_MSG_ERROR, "test error %d of %d\n",
			       i + 1, errors);
	if (big > 0)
		test_emit_big();
	test_started = true;
	atomic_set(&test_sources_left, ncpus * (timer_lines > 0 ? 3 : 1));
	for_each_online_cpu(cpu) {
		struct test_cpu *tc = &test_cpus[cpu];

		test_start_cpu(tc, lines / ncpus + (first ? lines % ncpus : 0));
		/* hrtimers run where they are started: start it there. */
		if (timer_lines > 0)
			smp_call_on_cpu(cpu, test_start_hrtimer, tc, false);
		first = 0;
	}
	if (tick_ms > 0)
		mod_timer(&test_tick_timer, jiffies + msecs_to_jiffies(tick_ms));
}

/* Write the last line; stapio drains relay during STOP, so retry. */
static void test_emit_end(void)
{
	char extra[48];
	int tries;

	for (tries = 0; tries < 100; tries++) {
		scnprintf(extra, sizeof(extra), " attempts=%llu",
			  test_attempts + 1);
		if (test_emit("end", extra))
			return;
		msleep(20);
	}
}

static void stp_session_stop(void)
{
	struct stp_done done = { 0 };
	int cpu;

	WRITE_ONCE(test_stopping, true);
	if (test_started) {
		for_each_possible_cpu(cpu) {
			cancel_work_sync(&test_cpus[cpu].work);
			del_timer_sync(&test_cpus[cpu].timer);
			hrtimer_cancel(&test_cpus[cpu].hrtimer);
		}
	}
	del_timer_sync(&test_tick_timer);
	test_emit_end();
	done.errors = errors;
	done.dropped = stp_transport_dropped();
	stp_ctl_send(STP_MSG_DONE, &done, sizeof(done));
}

static int __init transport_test_init(void)
{
	int cpu, ret;

	test_cpus = kcalloc(nr_cpu_ids, sizeof(*test_cpus), GFP_KERNEL);
	if (!test_cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct test_cpu *tc = &test_cpus[cpu];

		tc->cpu = cpu;
		INIT_WORK(&tc->work, test_work_fn);
		timer_setup(&tc->timer, test_timer_fn, TIMER_PINNED);
		hrtimer_init(&tc->hrtimer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED);
		tc->hrtimer.function = test_hrtimer_fn;
	}
	timer_setup(&test_tick_timer, test_tick_fn, 0);
	ret = stp_transport_init();
	if (ret)
		kfree(test_cpus);
	return ret;
}

static void __exit transport_test_exit(void)
{
	/* stapio died without STOP: quiesce the sources before teardown. */
	if (!READ_ONCE(test_stopping))
		stp_session_stop();
	stp_transport_exit();
	kfree(test_cpus);
}

module_init(transport_test_init);
module_exit(transport_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stap transport self-test");
