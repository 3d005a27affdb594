/* procfs("NAME").read, procfs("NAME").read.maxsize(N) and
 * procfs("NAME").write (procfs.read / procfs.write: NAME is "command"):
 * the file /proc/systemtap/MODULE/NAME, there while the script runs.
 * Reading it runs the read probes, whose $value (empty at first) is what
 * the reader gets; writing it runs the write probes with $value holding
 * the text written, MAXSTRINGLEN - 1 bytes at a time.  The runtime side
 * is runtime/procfs.c. */
#include "probes.h"

#include <string.h>

/* The read buffer's bound: .maxsize(N) is for output larger than one
 * string, not for memory without limit. */
#define MAX_PROCFS_SIZE (1 << 20)

static const char *const procfs_points[] = { "procfs.read", "procfs.write", NULL };

/* One file name, no directories: what a script would want to cat. */
static int valid_name(const char *name)
{
	return *name && strlen(name) <= 64 && strcmp(name, ".") && strcmp(name, "..") &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(name);
}

static int resolve_procfs(struct probe_point *pp, struct derived_probe *dp,
			  const struct probe_context *ctx)
{
	struct probe_component *c = pp->comps.items[0];

	(void)ctx;
	if (!component_is(pp, 0, "procfs"))
		return 0;
	if (pp->comps.len > 1 && strpbrk(pp->comps.items[1]->name, "*?["))
		return 0;	/* procfs.*: -l lists the fixed points */
	dp->procfs_file = "command";
	if (c->arg && !(dp->procfs_file = component_string(pp, 0, "name")))
		return -1;
	if (!valid_name(dp->procfs_file)) {
		diag("semantic", &c->arg->loc, "procfs file name '%s' must be one name of letters, digits, "
		     "'_', '-' and '.' (no directories)", dp->procfs_file);
		return -1;
	}
	if (pp->comps.len < 2 || pp->comps.items[1]->arg ||
	    (!component_is(pp, 1, "read") && !component_is(pp, 1, "write"))) {
		diag("semantic", &pp->loc, "expected procfs(\"NAME\").read, .read.maxsize(N) or .write");
		return -1;
	}
	dp->procfs_write = component_is(pp, 1, "write");
	if (!dp->procfs_write && component_is(pp, 2, "maxsize")) {
		if (component_number(pp, 2, &dp->procfs_maxsize, 1) < 0)
			return -1;
		if (dp->procfs_maxsize <= 0 || dp->procfs_maxsize > MAX_PROCFS_SIZE) {
			diag("semantic", &pp->comps.items[2]->arg->loc, "maxsize(N) needs 0 < N <= %d",
			     MAX_PROCFS_SIZE);
			return -1;
		}
		if (pp->comps.len == 3)
			return 1;
	}
	if (pp->comps.len > 2 + (dp->procfs_maxsize > 0)) {
		struct probe_component *extra = pp->comps.items[2 + (dp->procfs_maxsize > 0)];

		diag("semantic", &extra->loc, "unexpected '.%s' in a procfs point", extra->name);
		return -1;
	}
	return 1;
}

static void emit_procfs(struct strbuf *sb, const struct derived_probe *dp)
{
	sb_add(sb, ".kind = STP_PROBE_PROCFS, .procfs_file = ");
	sb_add_quoted(sb, dp->procfs_file);
	sb_printf(sb, ", .procfs_write = %s", dp->procfs_write ? "true" : "false");
	if (dp->procfs_maxsize)
		sb_printf(sb, ", .procfs_maxsize = %lld", (long long)dp->procfs_maxsize);
}

/* $value: the text a read probe hands the reader (it may set it), or the
 * text a writer wrote (read-only), in the runtime's buffer for this hit. */
static int resolve_procfs_target(struct derived_probe *dp, struct expr *e, const struct probe_context *ctx,
				 int quiet)
{
	struct target_access *a;

	(void)ctx;
	if (strcmp(e->op, "$") || strcmp(e->name, "$value") || e->steps.len || e->pretty || e->addr_of) {
		if (!quiet)
			diag("semantic", &e->loc, "procfs probes have only $value, a string (not %s)", e->name);
		return quiet ? 0 : -1;
	}
	a = xcalloc(1, sizeof(*a));
	a->type = TYPE_STRING;
	a->read = xstrdup("stp_procfs_get(c, %T)");
	a->write = dp->procfs_write ? NULL : xstrdup("stp_procfs_set(c, %V)");
	a->write_needs_guru = 0;
	e->access = a;
	return 1;
}

const struct provider procfs_provider = {
	.name = "procfs",
	.fixed_points = procfs_points,
	.resolve = resolve_procfs,
	.emit_fields = emit_procfs,
	.resolve_target = resolve_procfs_target,
};
