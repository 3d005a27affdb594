/* timer.s(N), timer.ms(N), timer.us(N), timer.ns(N): a periodic probe on
 * one CPU, driven by an hrtimer in the runtime. */
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

static int resolve_timer(struct probe_point *pp, struct derived_probe *dp)
{
	struct probe_component *unit;
	int64_t n;

	if (!component_is(pp, 0, "timer"))
		return 0;
	if (pp->comps.len != 2) {
		diag("semantic", &pp->loc, "expected timer.s(N), timer.ms(N), timer.us(N) or timer.ns(N)");
		return -1;
	}
	unit = pp->comps.items[1];
	for (size_t i = 0; i < sizeof(timer_units) / sizeof(timer_units[0]); i++) {
		if (strcmp(unit->name, timer_units[i].unit))
			continue;
		if (component_number(pp, 1, &n, 1) < 0)
			return -1;
		if (n <= 0 || (uint64_t)n > UINT64_MAX / timer_units[i].ns) {
			diag("semantic", &unit->arg->loc, "timer period must be positive and not too large");
			return -1;
		}
		dp->period_ns = (uint64_t)n * timer_units[i].ns;
		if (dp->period_ns < MIN_TIMER_PERIOD_NS) {
			diag("semantic", &unit->arg->loc, "timer period below the minimum of %llu ns",
			     (unsigned long long)MIN_TIMER_PERIOD_NS);
			return -1;
		}
		return 1;
	}
	diag("semantic", &unit->loc, "unsupported timer unit '%s' (expected s, ms, us or ns)", unit->name);
	return -1;
}

static void emit_timer(struct strbuf *sb, const struct derived_probe *dp)
{
	sb_printf(sb, ".kind = STP_PROBE_TIMER, .period_ns = %lluULL",
		  (unsigned long long)dp->period_ns);
}

const struct provider timer_provider = {
	.name = "timer",
	.resolve = resolve_timer,
	.emit_fields = emit_timer,
};
