/* What --privilege=stapsys and --privilege=stapusr refuse in pass 2.
 * stapsys: embedded C and guru mode.  stapusr besides: probe points other
 * than begin/end/error/never, the timers of one CPU and process probes,
 * target variables, @cast and @var outside process probes (and @cast or
 * @var naming a module there), %m/%M, and library functions in embedded C
 * that don't carry SystemTap's / * unprivileged * / or
 * / * myproc-unprivileged * / pragma.  The module itself (STP_MYPROC_ONLY)
 * keeps process probes and the myproc functions to the user's own
 * processes. */
#include "privilege.h"

#include "builtins.h"
#include "probes.h"

#include <string.h>

static const char *const level_names[] = { "stapdev", "stapsys", "stapusr" };

int privilege_parse(const char *name)
{
	for (int i = 0; i < (int)(sizeof(level_names) / sizeof(level_names[0])); i++)
		if (!strcmp(name, level_names[i]))
			return i;
	return -1;
}

const char *privilege_name(int level)
{
	return level_names[level];
}

static int in_user_script(const struct elab *el, const struct loc *loc)
{
	return loc->src == el->s->sources.items[0];
}

static const char *level(const struct elab *el)
{
	return privilege_name(el->sess->privilege);
}

/* `what` (at loc) is refused, and `needs` says what would allow it.  In
 * the library, reached from a call in the user's script, the error is at
 * that call (once per call), with loc as a second location. */
static void refuse(struct elab *el, const struct loc *loc, const char *what, const char *needs)
{
	const struct expr *call = el->user_call;

	if (in_user_script(el, loc) || !call) {
		sem_error(loc, "%s is not allowed for --privilege=%s (it needs %s)", what, level(el), needs);
		return;
	}
	if (el->refused_call == call)
		return;
	el->refused_call = call;
	sem_error(&call->loc, "function '%s' is not allowed for --privilege=%s: it uses %s (which needs %s)",
		  call->name, level(el), what, needs);
	diag_also(loc);
}

/* begin, end, error, never, timers that fire on one CPU (timer.profile
 * runs on every CPU, in whatever task it interrupts), and process probes
 * (the module fires them only in the user's own processes). */
static int unprivileged_point(const struct derived_probe *dp)
{
	if (dp->provider == &begin_end_provider || dp->provider == &process_provider)
		return 1;
	return dp->provider == &timer_provider && !dp->per_cpu;
}

static int reported_already(struct elab *el, const struct probe_point *pp)
{
	for (int i = 0; i < el->refused_points.len; i++)
		if (el->refused_points.items[i] == pp)
			return 1;
	vec_push(&el->refused_points, pp);
	return 0;
}

int privilege_allows_point(struct elab *el, struct probe *p, struct probe_point *pp,
			   const struct derived_probe *dp)
{
	const struct probe_point *user = p->user_point ? p->user_point : pp;

	if (el->sess->privilege != PRIV_STAPUSR || unprivileged_point(dp))
		return 1;
	if (user->optional) {
		el->quiet_refusals++;
		return 0;
	}
	if (reported_already(el, user))
		return 0;
	if (user == pp) {
		sem_error(&pp->loc, "probe point '%s' is not allowed for --privilege=%s (it needs stapsys)",
			  pp->text, level(el));
		return 0;
	}
	/* an alias: the point the script names, and what refused it */
	sem_error(&user->loc, "probe point '%s' is not allowed for --privilege=%s: it stands for '%s' "
		  "(which needs stapsys)", user->text, level(el), pp->text);
	diag_also(&pp->loc);
	return 0;
}

int privilege_allows_call(struct elab *el, struct expr *call, const struct function *f)
{
	char *what;

	if (!f->embedded || in_user_script(el, &f->loc))
		return 1;	/* the user's own embedded C: see privilege_refuse_embedded */
	if (strstr(f->embedded, "/* guru */")) {
		if (el->sess->privilege == PRIV_STAPDEV) {
			if (el->sess->guru_mode)
				return 1;
			sem_error(&call->loc, "'%s' needs guru mode (stap -g)", f->name);
			return 0;
		}
		what = xasprintf("function '%s'", f->name);
		refuse(el, &call->loc, what, "stapdev and -g");
		free(what);
		return 0;
	}
	/* / * myproc-unprivileged * / functions check at run time that the
	 * current process is the user's (emit.c) */
	if (el->sess->privilege != PRIV_STAPUSR || strstr(f->embedded, "/* unprivileged */") ||
	    strstr(f->embedded, "/* myproc-unprivileged */"))
		return 1;
	what = xasprintf("function '%s'", f->name);
	refuse(el, &call->loc, what, "stapsys");
	free(what);
	return 0;
}

/* In a process probe: its own variables, and @cast/@var of its file
 * (no module named). */
static int in_own_process(struct elab *el, const struct expr *e)
{
	const struct derived_probe *dp = el->func ? NULL : el->dp;
	int module_arg = !strcmp(e->op, "@cast") ? 2 : !strcmp(e->op, "@var") ? 1 : -1;

	return dp && dp->provider == &process_provider && !dp->process_event &&
	       (module_arg < 0 || e->args.len <= module_arg);
}

int privilege_allows_target(struct elab *el, struct expr *e, int quiet)
{
	char *what;

	if (el->sess->privilege != PRIV_STAPUSR || in_own_process(el, e))
		return 1;
	if (quiet)
		return 0;
	if (!strcmp(e->op, "@cast") || !strcmp(e->op, "@var"))
		what = xstrdup(e->op);
	else
		what = xasprintf("target variable %s", e->name);
	refuse(el, &e->loc, what, "stapsys");
	free(what);
	return 0;
}

/* The conversion letter of each % directive of a format, in turn: the
 * next one after *p, or 0 at the end. */
static char next_conversion(const char **p)
{
	const char *s = *p;

	while ((s = strchr(s, '%'))) {
		s++;
		if (*s == '%') {
			s++;
			continue;
		}
		s += strspn(s, "-+ #0123456789.*");
		*p = *s ? s + 1 : s;
		return *s;
	}
	return 0;
}

void privilege_check_format(struct elab *el, struct expr *call)
{
	const struct expr *fmt = call->args.len ? call->args.items[0] : NULL;
	const char *p;
	char conv, *what;

	if (el->sess->privilege != PRIV_STAPUSR || !call->builtin || !fmt || fmt->kind != EX_STRING ||
	    (call->builtin->id != BI_PRINTF && call->builtin->id != BI_SPRINTF))
		return;
	for (p = fmt->str; (conv = next_conversion(&p));) {
		if (conv != 'm' && conv != 'M')
			continue;
		what = xasprintf("format %%%c (memory at an address)", conv);
		refuse(el, &fmt->loc, what, "stapsys");
		free(what);
		return;
	}
}

void privilege_refuse_embedded(struct elab *el, const struct loc *loc, const char *what)
{
	refuse(el, loc, what, "stapdev and -g");
}
