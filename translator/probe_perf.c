/* perf.hw.NAME, perf.sw.NAME and perf.type(T).config(C), each with an
 * optional .sample(N): a perf event counter on every online CPU, whose
 * overflow every N events runs the probe (runtime/perf.c).  N defaults to
 * 1000000, as in SystemTap: for perf.sw.cpu_clock that is every
 * millisecond, for rarer events it may be never; hardware events need a
 * machine (or virtual machine) with performance counters. */
#include "probes.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_SAMPLE 1000000

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

/* For -l: perf.hw.NAME and perf.sw.NAME for each of the above. */
static const char *const perf_points[] = {
	"perf.hw.cpu_cycles", "perf.hw.instructions", "perf.hw.cache_references",
	"perf.hw.cache_misses", "perf.hw.branch_instructions", "perf.hw.branch_misses",
	"perf.hw.bus_cycles", "perf.hw.stalled_cycles_frontend", "perf.hw.stalled_cycles_backend",
	"perf.hw.ref_cpu_cycles",
	"perf.sw.cpu_clock", "perf.sw.task_clock", "perf.sw.page_faults", "perf.sw.context_switches",
	"perf.sw.cpu_migrations", "perf.sw.page_faults_min", "perf.sw.page_faults_maj",
	"perf.sw.alignment_faults", "perf.sw.emulation_faults",
	NULL,
};

/* perf.hw.NAME / perf.sw.NAME: 1, or -1 (reported: an unknown NAME, with
 * the names there are). */
static int named_event(struct probe_point *pp, struct derived_probe *dp)
{
	int hw = component_is(pp, 1, "hw");
	const struct perf_event_name *ev = hw ? hw_events : sw_events;
	struct probe_component *c = pp->comps.items[2];
	struct strbuf names = {0};

	for (int i = 0; ev[i].name; i++) {
		if (!strcmp(c->name, ev[i].name) && !c->arg) {
			dp->perf_type = hw ? "PERF_TYPE_HARDWARE" : "PERF_TYPE_SOFTWARE";
			dp->perf_config = ev[i].config;
			return 1;
		}
		sb_printf(&names, "%s%s", i ? ", " : "", ev[i].name);
	}
	diag("semantic", &c->loc, "unknown perf.%s event '%s' (expected one of %s)", hw ? "hw" : "sw", c->name,
	     names.buf);
	free(sb_steal(&names));
	return -1;
}

/* perf.type(T).config(C): 1, or -1 (reported). */
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
	return 1;
}

static int resolve_perf(struct probe_point *pp, struct derived_probe *dp,
			const struct probe_context *ctx)
{
	int r;

	(void)ctx;
	if (!component_is(pp, 0, "perf"))
		return 0;
	for (int i = 1; i < pp->comps.len; i++)
		if (strpbrk(pp->comps.items[i]->name, "*?["))
			return 0;	/* perf.sw.*: -l lists the fixed points */
	if ((component_is(pp, 1, "hw") || component_is(pp, 1, "sw")) && pp->comps.len >= 3 &&
	    !pp->comps.items[1]->arg)
		r = named_event(pp, dp);
	else if (component_is(pp, 1, "type") && pp->comps.len >= 3)
		r = raw_event(pp, dp);
	else {
		diag("semantic", &pp->loc, "expected perf.hw.NAME, perf.sw.NAME or perf.type(T).config(C), "
		     "with an optional .sample(N)");
		return -1;
	}
	if (r < 0)
		return -1;
	dp->perf_sample = DEFAULT_SAMPLE;
	if (component_is(pp, 3, "sample")) {
		if (component_number(pp, 3, &dp->perf_sample, 1) < 0)
			return -1;
		if (dp->perf_sample <= 0) {
			diag("semantic", &pp->comps.items[3]->arg->loc, "sample(N) needs N > 0");
			return -1;
		}
		if (pp->comps.len == 4)
			return 1;
		diag("semantic", &pp->comps.items[4]->loc, "unexpected '.%s' in a perf point",
		     pp->comps.items[4]->name);
		return -1;
	}
	if (pp->comps.len > 3) {
		diag("semantic", &pp->comps.items[3]->loc, "unexpected '.%s' in a perf point (expected .sample(N))",
		     pp->comps.items[3]->name);
		return -1;
	}
	return 1;
}

static void emit_perf(struct strbuf *sb, const struct derived_probe *dp)
{
	sb_printf(sb, ".kind = STP_PROBE_PERF, .perf_type = %s, .perf_config = %s, .perf_sample = %lldULL, "
		  ".optional = %s", dp->perf_type, dp->perf_config, (long long)dp->perf_sample,
		  dp->point->optional ? "true" : "false");
}

const struct provider perf_provider = {
	.name = "perf",
	.fixed_points = perf_points,
	.resolve = resolve_perf,
	.emit_fields = emit_perf,
};
