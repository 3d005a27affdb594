/* begin, end and error (each with an optional priority N), and never.
 * begin runs once when the script starts, end once when it stops, error
 * instead of end when the script stops because of an error; each kind in
 * order of N (default 0), then of position.  never never runs (its body
 * is still checked and compiled). */
#include "probes.h"

#include <string.h>

static const char *const once_points[] = { "begin", "end", "error", "never", NULL };

static int resolve_once(struct probe_point *pp, struct derived_probe *dp,
			 const struct probe_context *ctx)
{
	const char *name = pp->comps.items[0]->name;
	int known = 0;

	(void)ctx;

	for (int i = 0; once_points[i]; i++)
		known |= !strcmp(name, once_points[i]);
	if (!known)
		return 0;
	if (pp->comps.len != 1) {
		diag("semantic", &pp->comps.items[1]->loc, "unexpected '.%s' after '%s'",
		     pp->comps.items[1]->name, name);
		return -1;
	}
	if (!strcmp(name, "never")) {
		if (pp->comps.items[0]->arg) {
			diag("semantic", &pp->comps.items[0]->arg->loc, "'never' takes no argument");
			return -1;
		}
		return 1;
	}
	dp->priority = 0;
	if (component_number(pp, 0, &dp->priority, 0) < 0)
		return -1;
	return 1;
}

static void emit_once(struct strbuf *sb, const struct derived_probe *dp)
{
	const char *name = dp->point->comps.items[0]->name;

	if (!strcmp(name, "never")) {
		sb_add(sb, ".kind = STP_PROBE_NEVER");
		return;
	}
	sb_printf(sb, ".kind = %s, .priority = %lld",
		  !strcmp(name, "begin") ? "STP_PROBE_BEGIN" : !strcmp(name, "end") ? "STP_PROBE_END" :
		  "STP_PROBE_ERROR", (long long)dp->priority);
}

const struct provider begin_end_provider = {
	.name = "begin/end/error/never",
	.fixed_points = once_points,
	.resolve = resolve_once,
	.emit_fields = emit_once,
};
