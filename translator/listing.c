/* stap -l PATTERN / -L PATTERN: instead of running a script, list the
 * probe points PATTERN matches, sorted, one per line: the script aliases
 * of the tapset library (by their own names), the providers' points that
 * take no argument, and any concrete point a provider accepts.  -L adds
 * the variables a probe on each point can use, with their types. */
#include "session.h"

#include "dwarf.h"
#include "probes.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

typedef VEC(char *) name_vec;

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* " name:type" for each variable of p's handler. */
static char *probe_variables(const struct probe *p)
{
	struct strbuf sb = {0};

	sb_add(&sb, "");
	for (int i = 0; i < p->locals.len; i++) {
		const struct symbol *v = p->locals.items[i];

		if (v->type != TYPE_UNKNOWN)
			sb_printf(&sb, " %s:%s", v->name, type_name(v->type));
	}
	return sb_steal(&sb);
}

static void add_fixed_points(const char *pattern, name_vec *names)
{
	for (int i = 0; i < n_providers; i++) {
		const char *const *fixed = all_providers[i]->fixed_points;

		for (int j = 0; fixed && fixed[j]; j++)
			if (!fnmatch(pattern, fixed[j], 0))
				vec_push(names, xstrdup(fixed[j]));
	}
}

/* kernel.function("vfs_*") lists as each function it found, with its
 * source file and line when there is debug information, and with -L its
 * parameters. */
static void add_functions(const struct session *s, const struct derived_probe *dp, const char *vars,
			  int with_variables, name_vec *names)
{
	struct probe_context ctx = { .release = s->release };

	int n = dp->inline_from ? dp->inline_from : dp->symbols.len;

	if (dp->offsets.len && !dp->lines.len && !dp->inline_from) {	/* inline sites: the point as written */
		vec_push(names, xasprintf("%s%s", dp->point->text, vars));
		return;
	}
	for (int i = 0; i < n; i++) {	/* (F's inline copies list as F) */
		const char *name = dp->symbols.items[i], *module = dp->modules.len ? dp->modules.items[i] : dp->module;
		char *where = module ? xasprintf("module(\"%s\")", module) : xstrdup("kernel");
		char *decl = dwarf_function_where(&ctx, module, name);
		struct strbuf params = {0};

		sb_add(&params, "");
		if (dp->lines.len) {	/* kernel.statement: one line per source line */
			if (decl)
				*strrchr(decl, ':') = '\0';
			vec_push(names, xasprintf("%s.statement(\"%s@%s:%d\")%s", where, name, decl ? decl : "?",
						  dp->lines.items[i], vars));
			free(where);
			free(decl);
			free(params.buf);
			continue;
		}
		if (with_variables)
			dwarf_list_params(&params, &ctx, module, name, dp->is_return);
		vec_push(names, xasprintf("%s.function(\"%s%s%s\")%s%s%s", where, name, decl ? "@" : "",
					  decl ? decl : "", dp->is_return ? ".return" : "", params.buf, vars));
		free(where);
		free(decl);
		free(params.buf);
	}
}

int list_probe_points(struct session *s, const char *pattern, int with_variables)
{
	name_vec names = {0};
	struct script *sc = &s->script;
	int errors = diag_errors;

	s->list_mode = 1;
	s->script_file = NULL;
	s->script_text = xasprintf("probe %s {}\n", pattern);
	if (pass1_parse(s) < 0)
		return 1;
	for (int i = 0; i < sc->probes.len; i++)	/* unmatched parts are no error */
		for (int j = 0; j < sc->probes.items[i]->points.len; j++)
			sc->probes.items[i]->points.items[j]->optional = 1;
	if (pass2_elaborate(s) == 0) {
		for (int i = 0; i < sc->derived.len; i++) {
			const struct derived_probe *dp = sc->derived.items[i];
			const char *name = dp->probe->alias_name ? dp->probe->alias_name : dp->point->text;
			char *vars;

			if (dp->probe->loc.src != sc->sources.items[0])
				continue;	/* a probe of a library file the pattern took in */
			vars = with_variables ? probe_variables(dp->probe) : xstrdup("");
			if (dp->provider == &kernel_function_provider && !dp->probe->alias_name) {
				add_functions(s, dp, vars, with_variables, &names);	/* one line per function */
				free(vars);
				continue;
			}
			if (dp->provider == &process_provider && dp->symbols.len && !dp->probe->alias_name) {
				for (int k = 0; k < dp->symbols.len; k++) {	/* one line per point found */
					char *point = process_point_name(dp, k, s->release, with_variables);

					vec_push(&names, xasprintf("%s%s", point, vars));
					free(point);
				}
				free(vars);
				continue;
			}
			if (dp->provider == &tracepoint_provider && !dp->probe->alias_name) {
				for (int k = 0; k < dp->symbols.len; k++) {	/* and per tracepoint */
					char *point = tracepoint_point_name(s->release, dp->symbols.items[k],
									    with_variables);

					vec_push(&names, xasprintf("%s%s", point, vars));
					free(point);
				}
				free(vars);
				continue;
			}

			vec_push(&names, xasprintf("%s%s", name, vars));
			free(vars);
		}
	} else if (diag_errors > errors) {
		return 1;
	}
	add_fixed_points(pattern, &names);
	if (names.len)
		qsort(names.items, names.len, sizeof(*names.items), compare_strings);
	for (int i = 0; i < names.len; i++)
		if (i == 0 || strcmp(names.items[i], names.items[i - 1]))
			puts(names.items[i]);
	return names.len ? 0 : 1;
}
