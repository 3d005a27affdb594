/* timer.s(N), timer.ms(N), timer.us(N), timer.ns(N), timer.hz(N),
 * timer.jiffies(N), with .randomize(M): a periodic probe on one CPU,
 * driven by an hrtimer in the runtime; timer.profile: one on every CPU at
 * each scheduler tick. */
#include "probes.h"

#include <string.h>

static const struct {
	const char *unit;
	uint64_t ns;
} timer_units[] = {
	{ "s", 1000000000ULL },
	{ "sec", 1000000000ULL },
	{ "ms", 1000000ULL },
	{ "msec", 1000000ULL },
	{ "us", 1000ULL },
	{ "usec", 1000ULL },
	{ "ns", 1ULL },
	{ "nsec", 1ULL },
};

/* Shorter periods would keep a CPU busy with nothing but the probe. */
#define MIN_TIMER_PERIOD_NS 100000ULL

/* .randomize(M) after timer.UNIT(N): each period is N +/- M units. */
static int resolve_randomize(struct probe_point *pp, struct derived_probe *dp, int64_t n, uint64_t unit_ns)
{
	int64_t m;

	if (pp->comps.len == 2)
		return 1;
	if (pp->comps.len != 3 || strcmp(pp->comps.items[2]->name, "randomize")) {
		diag("semantic", &pp->comps.items[2]->loc, "unexpected '.%s' after a timer",
		     pp->comps.items[2]->name);
		return -1;
	}
	if (component_number(pp, 2, &m, 1) < 0)
		return -1;
	if (m <= 0 || m >= n) {
		diag("semantic", &pp->comps.items[2]->arg->loc, "randomize(M) needs 0 < M < the period");
		return -1;
	}
	dp->randomize_ns = (uint64_t)m * unit_ns;
	if (dp->period_ns - dp->randomize_ns < MIN_TIMER_PERIOD_NS) {
		diag("semantic", &pp->comps.items[2]->arg->loc, "randomized period can go below the minimum of "
		     "%llu ns", (unsigned long long)MIN_TIMER_PERIOD_NS);
		return -1;
	}
	return 1;
}

/* timer.jiffies(N) and timer.hz(N) take no .randomize: 1, or -1 (reported). */
static int only_unit(struct probe_point *pp)
{
	if (pp->comps.len == 2)
		return 1;
	diag("semantic", &pp->comps.items[2]->loc, "timer.%s(N) takes no '.%s'", pp->comps.items[1]->name,
	     pp->comps.items[2]->name);
	return -1;
}

/* timer.UNIT(N): the period in nanoseconds, or 0 (reported). */
static uint64_t unit_period(struct probe_point *pp, uint64_t unit_ns, int64_t *n)
{
	struct probe_component *unit = pp->comps.items[1];

	if (component_number(pp, 1, n, 1) < 0)
		return 0;
	if (*n <= 0 || (uint64_t)*n > UINT64_MAX / unit_ns) {
		diag("semantic", &unit->arg->loc, "timer period must be positive and not too large");
		return 0;
	}
	if ((uint64_t)*n * unit_ns < MIN_TIMER_PERIOD_NS) {
		diag("semantic", &unit->arg->loc, "timer period below the minimum of %llu ns",
		     (unsigned long long)MIN_TIMER_PERIOD_NS);
		return 0;
	}
	return (uint64_t)*n * unit_ns;
}

static int resolve_timer(struct probe_point *pp, struct derived_probe *dp,
			 const struct probe_context *ctx)
{
	struct probe_component *unit;
	int64_t n;

	(void)ctx;
	if (!component_is(pp, 0, "timer"))
		return 0;
	if (component_is(pp, 1, "profile")) {
		if (pp->comps.len != 2 || pp->comps.items[1]->arg) {
			diag("semantic", &pp->comps.items[1]->loc, "timer.profile takes no argument and no suffix");
			return -1;
		}
		dp->per_cpu = 1;	/* every CPU, every tick */
		return 1;
	}
	if (pp->comps.len < 2 || pp->comps.len > 3) {
		diag("semantic", &pp->loc, "expected timer.s(N), timer.ms(N), timer.us(N), timer.ns(N), "
		     "timer.hz(N), timer.jiffies(N) (each with an optional .randomize(M)) or timer.profile");
		return -1;
	}
	unit = pp->comps.items[1];
	if (!strcmp(unit->name, "jiffies")) {
		if (component_number(pp, 1, &n, 1) < 0)
			return -1;
		if (n <= 0 || n > 1000000000) {
			diag("semantic", &unit->arg->loc, "timer period must be positive and not too large");
			return -1;
		}
		dp->jiffies = n;	/* the target kernel's HZ decides the length */
		return only_unit(pp);
	}
	if (!strcmp(unit->name, "hz")) {
		if (component_number(pp, 1, &n, 1) < 0)
			return -1;
		if (n <= 0 || 1000000000ULL / (uint64_t)n < MIN_TIMER_PERIOD_NS) {
			diag("semantic", &unit->arg->loc, "timer.hz(N) needs 0 < N <= %llu",
			     1000000000ULL / MIN_TIMER_PERIOD_NS);
			return -1;
		}
		dp->period_ns = 1000000000ULL / (uint64_t)n;
		return only_unit(pp);
	}
	for (size_t i = 0; i < sizeof(timer_units) / sizeof(timer_units[0]); i++) {
		if (strcmp(unit->name, timer_units[i].unit))
			continue;
		dp->period_ns = unit_period(pp, timer_units[i].ns, &n);
		if (!dp->period_ns)
			return -1;
		return resolve_randomize(pp, dp, n, timer_units[i].ns);
	}
	diag("semantic", &unit->loc, "unsupported timer unit '%s' (expected s, ms, us, ns, hz, jiffies "
	     "or profile)", unit->name);
	return -1;
}

static void emit_timer(struct strbuf *sb, const struct derived_probe *dp)
{
	if (dp->per_cpu) {
		sb_add(sb, ".kind = STP_PROBE_PROFILE, .period_ns = TICK_NSEC");
		return;
	}
	if (dp->jiffies) {
		sb_printf(sb, ".kind = STP_PROBE_TIMER, .period_ns = %lldULL * TICK_NSEC", (long long)dp->jiffies);
		return;
	}
	sb_printf(sb, ".kind = STP_PROBE_TIMER, .period_ns = %lluULL", (unsigned long long)dp->period_ns);
	if (dp->randomize_ns)
		sb_printf(sb, ", .randomize_ns = %lluULL", (unsigned long long)dp->randomize_ns);
}

const struct provider timer_provider = {
	.name = "timer",
	.resolve = resolve_timer,
	.emit_fields = emit_timer,
};
