/* begin, begin(N), end, end(N): run once when the script starts or stops,
 * in order of N (default 0). */
#include "probes.h"

static int resolve_begin_end(struct probe_point *pp, struct derived_probe *dp)
{
	if (!component_is(pp, 0, "begin") && !component_is(pp, 0, "end"))
		return 0;
	if (pp->comps.len != 1) {
		diag("semantic", &pp->comps.items[1]->loc, "unexpected '.%s' after '%s'",
		     pp->comps.items[1]->name, pp->comps.items[0]->name);
		return -1;
	}
	dp->priority = 0;
	if (component_number(pp, 0, &dp->priority, 0) < 0)
		return -1;
	return 1;
}

static void emit_begin_end(struct strbuf *sb, const struct derived_probe *dp)
{
	int is_begin = component_is(dp->point, 0, "begin");

	sb_printf(sb, ".kind = %s, .priority = %lld", is_begin ? "STP_PROBE_BEGIN" : "STP_PROBE_END",
		  (long long)dp->priority);
}

static const char *const begin_end_points[] = { "begin", "end", NULL };

const struct provider begin_end_provider = {
	.name = "begin/end",
	.fixed_points = begin_end_points,
	.resolve = resolve_begin_end,
	.emit_fields = emit_begin_end,
};
