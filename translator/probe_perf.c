/* perf.hw.NAME, perf.sw.NAME, perf.hw_cache.CACHE.OP.RESULT and
 * perf.type(T).config(C), each with an optional .sample(N) or .hz(N): a
 * perf event counter on every online CPU, whose overflow every N events
 * (or N times a second) runs the probe (runtime/perf.c).  N defaults to
 * .sample(1000000), as in SystemTap: for perf.sw.cpu_clock that is every
 * millisecond, for rarer events it may be never; hardware events,
 * hw_cache ones included, need a machine (or virtual machine) with
 * performance counters. */
#include "probes.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_SAMPLE 1000000
/* .hz(N)'s bound: the kernel's default perf_event_max_sample_rate */
#define MAX_HZ 100000
#define MAX_HZ_TEXT "100000"

struct perf_event_name {
	const char *name;
	const char *config;	/* the kernel's name for it */
};
static const struct perf_event_name hw_events[] = {
	{ "cpu_cycles", "PERF_COUNT_HW_CPU_CYCLES" },
	{ "instructions", "PERF_COUNT_HW_INSTRUCTIONS" },
	{ "cache_references", "PERF_COUNT_HW_CACHE_REFERENCES" },
	{ "cache_misses", "PERF_COUNT_HW_CACHE_MISSES" },
	{ "branch_instructions", "PERF_COUNT_HW_BRANCH_INSTRUCTIONS" },
	{ "branch_misses", "PERF_COUNT_HW_BRANCH_MISSES" },
	{ "bus_cycles", "PERF_COUNT_HW_BUS_CYCLES" },
	{ "stalled_cycles_frontend", "PERF_COUNT_HW_STALLED_CYCLES_FRONTEND" },
	{ "stalled_cycles_backend", "PERF_COUNT_HW_STALLED_CYCLES_BACKEND" },
	{ "ref_cpu_cycles", "PERF_COUNT_HW_REF_CPU_CYCLES" },
	{ NULL, NULL },
};

static const struct perf_event_name sw_events[] = {
	{ "cpu_clock", "PERF_COUNT_SW_CPU_CLOCK" },
	{ "task_clock", "PERF_COUNT_SW_TASK_CLOCK" },
	{ "page_faults", "PERF_COUNT_SW_PAGE_FAULTS" },
	{ "context_switches", "PERF_COUNT_SW_CONTEXT_SWITCHES" },
	{ "cpu_migrations", "PERF_COUNT_SW_CPU_MIGRATIONS" },
	{ "page_faults_min", "PERF_COUNT_SW_PAGE_FAULTS_MIN" },
	{ "page_faults_maj", "PERF_COUNT_SW_PAGE_FAULTS_MAJ" },
	{ "alignment_faults", "PERF_COUNT_SW_ALIGNMENT_FAULTS" },
	{ "emulation_faults", "PERF_COUNT_SW_EMULATION_FAULTS" },
	{ NULL, NULL },
};

/* perf.hw_cache.CACHE.OP.RESULT: the three parts of a PERF_TYPE_HW_CACHE
 * event's config, as SystemTap (tapset::perf) names them. */
static const struct perf_event_name cache_ids[] = {
	{ "l1d", "PERF_COUNT_HW_CACHE_L1D" },
	{ "l1i", "PERF_COUNT_HW_CACHE_L1I" },
	{ "ll", "PERF_COUNT_HW_CACHE_LL" },
	{ "dtlb", "PERF_COUNT_HW_CACHE_DTLB" },
	{ "itlb", "PERF_COUNT_HW_CACHE_ITLB" },
	{ "bpu", "PERF_COUNT_HW_CACHE_BPU" },
	{ NULL, NULL },
};

static const struct perf_event_name cache_ops[] = {
	{ "read", "PERF_COUNT_HW_CACHE_OP_READ" },
	{ "write", "PERF_COUNT_HW_CACHE_OP_WRITE" },
	{ "prefetch", "PERF_COUNT_HW_CACHE_OP_PREFETCH" },
	{ NULL, NULL },
};

static const struct perf_event_name cache_results[] = {
	{ "access", "PERF_COUNT_HW_CACHE_RESULT_ACCESS" },
	{ "miss", "PERF_COUNT_HW_CACHE_RESULT_MISS" },
	{ NULL, NULL },
};

#define CACHE_RESULTS(id, op) "perf.hw_cache." id "." op ".access", "perf.hw_cache." id "." op ".miss"
#define CACHE_OPS(id) CACHE_RESULTS(id, "read"), CACHE_RESULTS(id, "write"), CACHE_RESULTS(id, "prefetch")

/* For -l: perf.hw.NAME, perf.sw.NAME and perf.hw_cache.CACHE.OP.RESULT
 * for each of the above. */
static const char *const perf_points[] = {
	"perf.hw.cpu_cycles", "perf.hw.instructions", "perf.hw.cache_references",
	"perf.hw.cache_misses", "perf.hw.branch_instructions", "perf.hw.branch_misses",
	"perf.hw.bus_cycles", "perf.hw.stalled_cycles_frontend", "perf.hw.stalled_cycles_backend",
	"perf.hw.ref_cpu_cycles",
	"perf.sw.cpu_clock", "perf.sw.task_clock", "perf.sw.page_faults", "perf.sw.context_switches",
	"perf.sw.cpu_migrations", "perf.sw.page_faults_min", "perf.sw.page_faults_maj",
	"perf.sw.alignment_faults", "perf.sw.emulation_faults",
	CACHE_OPS("l1d"), CACHE_OPS("l1i"), CACHE_OPS("ll"), CACHE_OPS("dtlb"), CACHE_OPS("itlb"),
	CACHE_OPS("bpu"),
	NULL,
};

/* The config for component c's name in table (a perf.KIND WHAT), or NULL
 * (reported: an unknown name, with the names there are). */
static const char *lookup_name(const struct perf_event_name *table, const struct probe_component *c,
			       const char *kind, const char *what)
{
	struct strbuf names = {0};

	for (int i = 0; table[i].name; i++) {
		if (!strcmp(c->name, table[i].name) && !c->arg) {
			free(names.buf);
			return table[i].config;
		}
		sb_printf(&names, "%s%s", i ? ", " : "", table[i].name);
	}
	diag("semantic", &c->loc, "unknown perf.%s %s '%s' (expected one of %s)", kind, what, c->name, names.buf);
	free(sb_steal(&names));
	return NULL;
}

/* perf.hw.NAME / perf.sw.NAME: the next component's index, or -1
 * (reported). */
static int named_event(struct probe_point *pp, struct derived_probe *dp)
{
	int hw = component_is(pp, 1, "hw");

	dp->perf_config = lookup_name(hw ? hw_events : sw_events, pp->comps.items[2], hw ? "hw" : "sw", "event");
	dp->perf_type = hw ? "PERF_TYPE_HARDWARE" : "PERF_TYPE_SOFTWARE";
	return dp->perf_config ? 3 : -1;
}

/* perf.hw_cache.CACHE.OP.RESULT, whose config is the cache's id, the
 * operation's shifted by 8 and the result's by 16: the next component's
 * index, or -1 (reported). */
static int cache_event(struct probe_point *pp, struct derived_probe *dp)
{
	const char *id, *op, *result;

	if (pp->comps.len < 5) {
		diag("semantic", &pp->loc, "expected perf.hw_cache.CACHE.OP.RESULT, as in "
		     "perf.hw_cache.l1d.read.miss");
		return -1;
	}
	if (!(id = lookup_name(cache_ids, pp->comps.items[2], "hw_cache", "cache")) ||
	    !(op = lookup_name(cache_ops, pp->comps.items[3], "hw_cache", "operation")) ||
	    !(result = lookup_name(cache_results, pp->comps.items[4], "hw_cache", "result")))
		return -1;
	dp->perf_type = "PERF_TYPE_HW_CACHE";
	dp->perf_config = xasprintf("(%s | %s << 8 | %s << 16)", id, op, result);
	return 5;
}

/* perf.type(T).config(C): the next component's index, or -1 (reported). */
static int raw_event(struct probe_point *pp, struct derived_probe *dp)
{
	int64_t type, config;

	if (component_number(pp, 1, &type, 1) < 0)
		return -1;
	if (type < 0 || type > UINT32_MAX) {
		diag("semantic", &pp->comps.items[1]->arg->loc, "perf event type must be 0 to %u", UINT32_MAX);
		return -1;
	}
	if (!component_is(pp, 2, "config")) {
		diag("semantic", &pp->loc, "expected perf.type(T).config(C)");
		return -1;
	}
	if (component_number(pp, 2, &config, 1) < 0)
		return -1;
	dp->perf_type = xasprintf("%lld", (long long)type);
	dp->perf_config = xasprintf("%#llxULL", (unsigned long long)config);
	return 3;
}

/* The event's point: the index of the component after it, or -1
 * (reported). */
static int resolve_event(struct probe_point *pp, struct derived_probe *dp)
{
	if ((component_is(pp, 1, "hw") || component_is(pp, 1, "sw")) && pp->comps.len >= 3 &&
	    !pp->comps.items[1]->arg)
		return named_event(pp, dp);
	if (component_is(pp, 1, "hw_cache") && !pp->comps.items[1]->arg)
		return cache_event(pp, dp);
	if (component_is(pp, 1, "type") && pp->comps.len >= 3)
		return raw_event(pp, dp);
	diag("semantic", &pp->loc, "expected perf.hw.NAME, perf.sw.NAME, perf.hw_cache.CACHE.OP.RESULT or "
	     "perf.type(T).config(C), with an optional .sample(N) or .hz(N)");
	return -1;
}

/* After the event, from component i: .sample(N) or .hz(N), if any.  1, or
 * -1 (reported). */
static int resolve_period(struct probe_point *pp, int i, struct derived_probe *dp)
{
	struct probe_component *c;

	dp->perf_sample = DEFAULT_SAMPLE;
	if (component_is(pp, i, "sample") || component_is(pp, i, "hz")) {
		c = pp->comps.items[i++];
		dp->perf_freq = !strcmp(c->name, "hz");
		if (component_number(pp, i - 1, &dp->perf_sample, 1) < 0)
			return -1;
		if (dp->perf_sample <= 0 || (dp->perf_freq && dp->perf_sample > MAX_HZ)) {
			diag("semantic", &c->arg->loc, dp->perf_freq ? "hz(N) needs 0 < N <= " MAX_HZ_TEXT :
			     "sample(N) needs N > 0");
			return -1;
		}
	}
	if (i == pp->comps.len)
		return 1;
	c = pp->comps.items[i];
	if (component_is(pp, i, "process") || component_is(pp, i, "counter"))
		diag("semantic", &c->loc, "perf points with .%s(...) are not supported yet (they need the "
		     "user-space task finder)", c->name);
	else
		diag("semantic", &c->loc, "unexpected '.%s' in a perf point (expected .sample(N) or .hz(N))",
		     c->name);
	return -1;
}

static int resolve_perf(struct probe_point *pp, struct derived_probe *dp,
			const struct probe_context *ctx)
{
	int next;

	(void)ctx;
	if (!component_is(pp, 0, "perf"))
		return 0;
	for (int i = 1; i < pp->comps.len; i++)
		if (strpbrk(pp->comps.items[i]->name, "*?["))
			return 0;	/* perf.sw.*: -l lists the fixed points */
	next = resolve_event(pp, dp);
	return next < 0 ? -1 : resolve_period(pp, next, dp);
}

static void emit_perf(struct strbuf *sb, const struct derived_probe *dp)
{
	sb_printf(sb, ".kind = STP_PROBE_PERF, .perf_type = %s, .perf_config = %s, .perf_sample = %lldULL, ",
		  dp->perf_type, dp->perf_config, (long long)dp->perf_sample);
	if (dp->perf_freq)
		sb_add(sb, ".perf_freq = true, ");
	sb_printf(sb, ".optional = %s", dp->point->optional ? "true" : "false");
}

const struct provider perf_provider = {
	.name = "perf",
	.fixed_points = perf_points,
	.resolve = resolve_perf,
	.emit_fields = emit_perf,
};
