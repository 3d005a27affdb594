/* The table of probe-point providers, and helpers they share. */
#include "probes.h"

#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const struct provider *const all_providers[] = {
	&begin_end_provider,
	&timer_provider,
	&kprobe_provider,
	&tracepoint_provider,	/* before kernel.function: kernel.trace is ours */
	&kernel_function_provider,
	&procfs_provider,
	&perf_provider,
	&process_provider,
};
const int n_providers = sizeof(all_providers) / sizeof(all_providers[0]);

int component_is(const struct probe_point *pp, int i, const char *name)
{
	return i < pp->comps.len && !strcmp(pp->comps.items[i]->name, name);
}

int component_number(struct probe_point *pp, int i, int64_t *value, int required)
{
	struct probe_component *c = pp->comps.items[i];

	if (!c->arg) {
		if (!required)
			return 0;
		diag("semantic", &c->loc, "'%s' needs a number, as in %s(N)", c->name, c->name);
		return -1;
	}
	if (c->arg->kind != EX_NUMBER) {
		diag("semantic", &c->arg->loc, "'%s' takes a number, not a string", c->name);
		return -1;
	}
	*value = c->arg->num;
	return 0;
}

const char *component_string(struct probe_point *pp, int i, const char *what)
{
	struct probe_component *c = pp->comps.items[i];
	char example[16];
	size_t n;

	if (c->arg && c->arg->kind == EX_STRING)
		return c->arg->str;
	for (n = 0; what[n] && n < sizeof(example) - 1; n++)	/* "name" -> "NAME" */
		example[n] = (char)toupper((unsigned char)what[n]);
	example[n] = '\0';
	diag("semantic", &c->loc, "'%s' needs a %s, as in %s(\"%s\")", c->name, what, c->name, example);
	return NULL;
}

int function_spec_parse(const char *text, const struct loc *loc, struct function_spec *spec)
{
	const char *at = strchr(text, '@');
	char *colon, *end;

	memset(spec, 0, sizeof(*spec));
	spec->name = xstrndup(text, at ? (size_t)(at - text) : strlen(text));
	if (!at)
		return 0;
	spec->file = xstrdup(at + 1);
	colon = strrchr(spec->file, ':');
	if (colon) {
		*colon = '\0';
		if (!strcmp(colon + 1, "*")) {	/* statements: every line */
			spec->line = 1;
			spec->line_hi = INT_MAX;
			end = "";
		} else {
			spec->line = (int)strtol(colon + 1, &end, 10);
			spec->line_hi = *end == '-' ? (int)strtol(end + 1, &end, 10) : spec->line;
		}
		if (*end || spec->line <= 0 || spec->line_hi < spec->line) {
			diag("semantic", loc, "'%s' is not a line number (FUNCTION@FILE:LINE)", colon + 1);
			return -1;
		}
	}
	if (!*spec->file || !*spec->name) {
		diag("semantic", loc, "expected FUNCTION@FILE or FUNCTION@FILE:LINE");
		return -1;
	}
	return 0;
}

int function_file_matches(const char *pattern, const char *path)
{
	for (const char *p = path; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (!fnmatch(pattern, p, 0))
			return 1;
	return 0;
}

/*
 * What the entry handler saves: an int64_t for each of entry_saves, then
 * one for each @entry(expression) that is a number, then a string of
 * MAXSTRINGLEN bytes for each that is a string; the return handler reads
 * them there.
 */
void layout_entry_exprs(struct derived_probe *dp)
{
	int longs = dp->entry_saves.len, strings = 0;

	for (int i = 0; i < dp->entry_exprs.len; i++)
		longs += dp->entry_exprs.items[i]->access->type != TYPE_STRING;
	for (int i = 0, k = dp->entry_saves.len; i < dp->entry_exprs.len; i++) {
		struct target_access *a = dp->entry_exprs.items[i]->access;

		if (a->type == TYPE_STRING)
			a->read = xasprintf("((char *)c->entry_data + %d * sizeof(int64_t) + %d * MAXSTRINGLEN)",
					    longs, strings++);
		else
			a->read = xasprintf("((int64_t *)c->entry_data)[%d]", k++);
	}
	if (strings)
		dp->entry_size = xasprintf("%d * sizeof(int64_t) + %d * MAXSTRINGLEN", longs, strings);
	else if (longs)
		dp->entry_size = xasprintf("%d * sizeof(int64_t)", longs);
}

void emit_entry_saves(struct strbuf *sb, const struct derived_probe *dp)
{
	if (!dp->entry_size)
		return;
	sb_printf(sb, "\n\n/* @entry: what the .return probe needs of the entry */\n"
		  "static void dp_%d_entry(struct stp_context *c)\n{\n\tint64_t *saved = c->entry_data;\n\n",
		  dp->index);
	for (int i = 0; i < dp->entry_saves.len; i++)
		sb_printf(sb, "\tsaved[%d] = %s;\n", i, dp->entry_saves.items[i]);
	if (dp->entry_exprs.len)
		sb_printf(sb, "\tdp_%d_entry_exprs(c);\n", dp->index);
	sb_add(sb, "}");
}

void emit_entry_fields(struct strbuf *sb, const struct derived_probe *dp)
{
	if (dp->entry_size)
		sb_printf(sb, ", .entry_handler = dp_%d_entry, .entry_size = %s", dp->index, dp->entry_size);
}

int is_plain_return(const struct derived_probe *dp, const struct expr *e, const struct probe_context *ctx)
{
	return dp->is_return && !ctx->at_entry && !strcmp(e->op, "$") && !strcmp(e->name, "$return") &&
	       !e->steps.len && !e->pretty && !e->addr_of;
}

int resolve_probe_point(struct probe_point *pp, struct derived_probe *dp, const struct probe_context *ctx)
{
	for (int i = 0; i < n_providers; i++) {
		int r = all_providers[i]->resolve(pp, dp, ctx);

		if (r > 0)
			dp->provider = all_providers[i];
		if (r)
			return r > 0 ? 0 : -1;
	}
	if (pp->optional)
		return 1;
	diag("semantic", &pp->loc, "probe point '%s' is not supported", pp->text);
	return -1;
}

char *formatted_access(struct strbuf *fmt, struct strbuf *values)
{
	struct strbuf sb = {0};

	sb_add(&sb, "({ snprintf(%T, MAXSTRINGLEN, ");
	sb_add_quoted(&sb, fmt->buf ? fmt->buf : "");
	sb_add(&sb, values->buf ? values->buf : "");
	sb_add(&sb, "); %T; })");
	free(fmt->buf);
	free(values->buf);
	return sb_steal(&sb);
}
