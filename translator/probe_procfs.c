/* procfs("PATH").read, .read.maxsize(N) and .write, each with an optional
 * .umask(M) before .read/.write (procfs.read / procfs.write: PATH is
 * "command"): the file /proc/systemtap/MODULE/PATH, there while the
 * script runs; PATH may name subdirectories ("a/b/name").  Reading it
 * runs the read probes, whose $value (empty at first) is what the reader
 * gets, set with '=' and extended with '.='; writing it runs the write
 * probes with $value holding the text written, MAXSTRINGLEN - 1 bytes at
 * a time.  The runtime side is runtime/procfs.c. */
#include "emit.h"
#include "probes.h"

#include <string.h>

/* The read buffer's bound: .maxsize(N) is for output larger than one
 * string, not for memory without limit. */
#define MAX_PROCFS_SIZE (1 << 20)
#define MAX_PATH_LEN 200
#define MAX_NAME_LEN 64		/* of one file or directory name */

/* As SystemTap: read files are 0444 and write files 0222 less their
 * umask, which is 0044 for reads and 0022 for writes unless given. */
#define READ_UMASK 0044
#define WRITE_UMASK 0022

static const char *const procfs_points[] = { "procfs.read", "procfs.write", NULL };

/* The paths resolved so far, to find one file that is another's
 * directory (stap translates one script per run; the parser's fuzzer,
 * which elaborates many, may only see extra errors). */
struct procfs_path {
	const char *path;
	struct loc loc;
};
static VEC(struct procfs_path) known_paths;

/* One name of a path (n bytes at name): 0, or -1 (reported). */
static int valid_name(const char *path, const char *name, size_t n, const struct loc *loc)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

	if (!n) {
		diag("semantic", loc, "procfs path '%s' has an empty name (a '/' at its start or end, or '//')",
		     path);
		return -1;
	}
	if ((n == 1 && name[0] == '.') || (n == 2 && !strncmp(name, "..", 2))) {
		diag("semantic", loc, "procfs path '%s' cannot contain '.' or '..'", path);
		return -1;
	}
	if (n > MAX_NAME_LEN) {
		diag("semantic", loc, "procfs path '%s' has a name longer than %d bytes", path, MAX_NAME_LEN);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strchr(allowed, name[i]) || !name[i]) {
			diag("semantic", loc, "procfs path '%s': names are made of letters, digits, '_', '-' and '.', "
			     "separated by '/'", path);
			return -1;
		}
	}
	return 0;
}

/* A path relative to /proc/systemtap/MODULE: 0, or -1 (reported). */
static int valid_path(const char *path, const struct loc *loc)
{
	const char *name = path, *slash;

	if (*path == '/') {
		diag("semantic", loc, "procfs path '%s' cannot start with '/' (it is relative to "
		     "/proc/systemtap/MODULE)", path);
		return -1;
	}
	if (strlen(path) > MAX_PATH_LEN) {
		diag("semantic", loc, "procfs path '%.32s...' is longer than %d bytes", path, MAX_PATH_LEN);
		return -1;
	}
	for (; (slash = strchr(name, '/')); name = slash + 1)
		if (valid_name(path, name, (size_t)(slash - name), loc) < 0)
			return -1;
	return valid_name(path, name, strlen(name), loc);
}

/* Whether dir is a directory above path, as "a" is above "a/b". */
static int is_dir_of(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return !strncmp(dir, path, n) && path[n] == '/';
}

/* A file can't also be a directory ("a" and "a/b"): 0, or -1 (reported). */
static int check_clash(const char *path, const struct loc *loc)
{
	struct procfs_path known = { path, *loc };

	for (int i = 0; i < known_paths.len; i++) {
		const char *other = known_paths.items[i].path;

		if (is_dir_of(path, other) || is_dir_of(other, path)) {
			diag("semantic", loc, "procfs file '%s' can't also be a directory, as '%s' makes it",
			     is_dir_of(path, other) ? path : other, is_dir_of(path, other) ? other : path);
			diag_also(&known_paths.items[i].loc);
			return -1;
		}
	}
	vec_push(&known_paths, known);
	return 0;
}

/* procfs(...)'s path, into dp: 0, or -1 (reported). */
static int resolve_path(struct probe_point *pp, struct derived_probe *dp)
{
	struct probe_component *c = pp->comps.items[0];

	dp->procfs_file = "command";
	if (c->arg && !(dp->procfs_file = component_string(pp, 0, "path")))
		return -1;
	if (c->arg && valid_path(dp->procfs_file, &c->arg->loc) < 0)
		return -1;
	return check_clash(dp->procfs_file, c->arg ? &c->arg->loc : &c->loc);
}

/* The i-th component, .umask(M): 0, or -1 (reported). */
static int resolve_umask(struct probe_point *pp, int i, struct derived_probe *dp)
{
	int64_t umask;

	if (component_number(pp, i, &umask, 1) < 0)
		return -1;
	if (umask < 0 || umask > 0777) {
		diag("semantic", &pp->comps.items[i]->arg->loc, "umask(M) needs 0 <= M <= 0777 (an octal "
		     "permission mask, like 0022)");
		return -1;
	}
	dp->procfs_umask = (int)umask;
	return 0;
}

/* The i-th component, .maxsize(N): 0, or -1 (reported). */
static int resolve_maxsize(struct probe_point *pp, int i, struct derived_probe *dp)
{
	if (component_number(pp, i, &dp->procfs_maxsize, 1) < 0)
		return -1;
	if (dp->procfs_maxsize <= 0 || dp->procfs_maxsize > MAX_PROCFS_SIZE) {
		diag("semantic", &pp->comps.items[i]->arg->loc, "maxsize(N) needs 0 < N <= %d", MAX_PROCFS_SIZE);
		return -1;
	}
	return 0;
}

/* What may follow procfs(...): [.umask(M)] .read [.maxsize(N)] or
 * [.umask(M)] .write.  1, or -1 (reported). */
static int resolve_rest(struct probe_point *pp, struct derived_probe *dp)
{
	int i = 1, has_umask = component_is(pp, 1, "umask");

	if (has_umask && resolve_umask(pp, i++, dp) < 0)
		return -1;
	if (i >= pp->comps.len || pp->comps.items[i]->arg ||
	    (!component_is(pp, i, "read") && !component_is(pp, i, "write"))) {
		diag("semantic", &pp->loc, "expected procfs(\"PATH\").read, .read.maxsize(N) or .write, "
		     "with an optional .umask(M) before .read or .write");
		return -1;
	}
	dp->procfs_write = component_is(pp, i++, "write");
	if (!has_umask)
		dp->procfs_umask = dp->procfs_write ? WRITE_UMASK : READ_UMASK;
	else if (!((dp->procfs_write ? 0222 : 0444) & ~dp->procfs_umask)) {
		diag("semantic", &pp->comps.items[1]->arg->loc, "umask(0%o) leaves a %s file no permissions",
		     dp->procfs_umask, dp->procfs_write ? "write" : "read");
		return -1;
	}
	if (!dp->procfs_write && component_is(pp, i, "maxsize") && resolve_maxsize(pp, i++, dp) < 0)
		return -1;
	if (i < pp->comps.len) {
		struct probe_component *extra = pp->comps.items[i];

		diag("semantic", &extra->loc, "unexpected '.%s' in a procfs point%s", extra->name,
		     component_is(pp, i, "umask") ? " (.umask(M) goes before .read or .write)" : "");
		return -1;
	}
	return 1;
}

static int resolve_procfs(struct probe_point *pp, struct derived_probe *dp,
			  const struct probe_context *ctx)
{
	(void)ctx;
	if (!component_is(pp, 0, "procfs"))
		return 0;
	for (int i = 1; i < pp->comps.len; i++)
		if (strpbrk(pp->comps.items[i]->name, "*?["))
			return 0;	/* procfs.*: -l lists the fixed points */
	if (resolve_path(pp, dp) < 0)
		return -1;
	return resolve_rest(pp, dp);
}

static void emit_procfs(struct strbuf *sb, const struct derived_probe *dp)
{
	sb_add(sb, ".kind = STP_PROBE_PROCFS, .procfs_file = ");
	sb_add_quoted(sb, dp->procfs_file);
	sb_printf(sb, ", .procfs_write = %s, .procfs_umask = 0%03o", dp->procfs_write ? "true" : "false",
		  dp->procfs_umask);
	if (dp->procfs_maxsize)
		sb_printf(sb, ", .procfs_maxsize = %lld", (long long)dp->procfs_maxsize);
}

/* $value: the text a read probe hands the reader (it may set it with '='
 * and add to it with '.='), or the text a writer wrote (read-only), in the
 * runtime's buffer for this hit.  Setting it past the buffer is an error
 * there, reported near $value. */
static int resolve_procfs_target(struct derived_probe *dp, struct expr *e, const struct probe_context *ctx,
				 int quiet)
{
	struct target_access *a;
	char *near;

	(void)ctx;
	if (strcmp(e->op, "$") || strcmp(e->name, "$value") || e->steps.len || e->pretty || e->addr_of) {
		if (!quiet)
			diag("semantic", &e->loc, "procfs probes have only $value, a string (not %s)", e->name);
		return quiet ? 0 : -1;
	}
	a = xcalloc(1, sizeof(*a));
	a->type = TYPE_STRING;
	a->read = xstrdup("stp_procfs_get(c, %T)");
	if (!dp->procfs_write) {
		near = near_literal(e->near, &e->loc);
		a->write = xasprintf("stp_procfs_set(c, %%V, %s)", near);
		a->append = xasprintf("stp_procfs_append(c, %%V, %s)", near);
		free(near);
	}
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
