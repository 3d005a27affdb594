#include "builtins.h"

#include <stdlib.h>
#include <string.h>

static const struct builtin builtins[] = {
	{ "print", BI_PRINT, TYPE_VOID, 1, -1, TYPE_UNKNOWN },
	{ "println", BI_PRINTLN, TYPE_VOID, 0, -1, TYPE_UNKNOWN },
	{ "printf", BI_PRINTF, TYPE_VOID, 1, -1, TYPE_UNKNOWN },
	{ "sprintf", BI_SPRINTF, TYPE_STRING, 1, -1, TYPE_UNKNOWN },
	{ "sprint", BI_SPRINT, TYPE_STRING, 1, -1, TYPE_UNKNOWN },
	{ "sprintln", BI_SPRINTLN, TYPE_STRING, 0, -1, TYPE_UNKNOWN },
	{ "printd", BI_PRINTD, TYPE_VOID, 2, -1, TYPE_UNKNOWN },
	{ "printdln", BI_PRINTDLN, TYPE_VOID, 2, -1, TYPE_UNKNOWN },
	{ "sprintd", BI_SPRINTD, TYPE_STRING, 2, -1, TYPE_UNKNOWN },
	{ "matched", BI_MATCHED, TYPE_STRING, 1, 1, TYPE_LONG },
	{ "exit", BI_EXIT, TYPE_VOID, 0, 0, TYPE_UNKNOWN },
	{ "error", BI_ERROR, TYPE_VOID, 1, 1, TYPE_STRING },
	{ "warn", BI_WARN, TYPE_VOID, 1, 1, TYPE_STRING },
	{ "target", BI_TARGET, TYPE_LONG, 0, 0, TYPE_UNKNOWN },
	{ "@count", BI_COUNT, TYPE_LONG, 1, 1, TYPE_STATS },
	{ "@sum", BI_SUM, TYPE_LONG, 1, 1, TYPE_STATS },
	{ "@min", BI_MIN, TYPE_LONG, 1, 1, TYPE_STATS },
	{ "@max", BI_MAX, TYPE_LONG, 1, 1, TYPE_STATS },
	{ "@avg", BI_AVG, TYPE_LONG, 1, 1, TYPE_STATS },
	{ "@variance", BI_VARIANCE, TYPE_LONG, 1, 2, TYPE_STATS },
	{ "@hist_linear", BI_HIST_LINEAR, TYPE_HIST, 4, 4, TYPE_STATS },
	{ "@hist_log", BI_HIST_LOG, TYPE_HIST, 1, 1, TYPE_STATS },
};

const struct builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

static int format_error(struct expr *call, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int format_error(struct expr *call, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("semantic", &call->args.items[0]->loc, fmt, ap);
	va_end(ap);
	return -1;
}

/* A '*' width or precision takes a long argument, passed as an int. */
static int star_argument(struct expr *call, int *argi, struct strbuf *kinds)
{
	struct expr *arg;

	if (*argi >= call->args.len)
		return format_error(call, "format's '*' has no matching argument");
	arg = call->args.items[(*argi)++];
	if (arg->type != TYPE_LONG)
		return format_error(call, "format's '*' expects a long, got a %s argument", type_name(arg->type));
	sb_addc(kinds, 'c');
	return 0;
}

/* A width or a precision: digits, or '*' for an argument. */
static int copy_count(struct expr *call, const char **pp, struct strbuf *out, struct strbuf *kinds,
		      int *argi)
{
	const char *p = *pp;

	if (*p == '*') {
		if (star_argument(call, argi, kinds) < 0)
			return -1;
		sb_addc(out, *p++);
	}
	while (*p >= '0' && *p <= '9')
		sb_addc(out, *p++);
	*pp = p;
	return 0;
}

/* Flags, width and precision ("-08", "*", ".3", ".*"), copied to out. */
static int copy_modifiers(struct expr *call, const char **pp, struct strbuf *out, struct strbuf *kinds,
			  int *argi)
{
	while (**pp && strchr("-+ #0", **pp))
		sb_addc(out, *(*pp)++);
	if (copy_count(call, pp, out, kinds, argi) < 0)
		return -1;
	if (**pp == '.') {
		sb_addc(out, *(*pp)++);
		if (copy_count(call, pp, out, kinds, argi) < 0)
			return -1;
	}
	return 0;
}

/* One conversion: copies flags, width and precision, then maps the
 * script's conversion to the kernel's (64-bit integers get "ll"). */
static int convert_spec(struct expr *call, const char **pp, struct strbuf *out, struct strbuf *kinds,
			int *argi)
{
	const char *start = *pp, *p;
	size_t mark = out->len;
	struct expr *arg;

	sb_addc(out, '%');
	if (copy_modifiers(call, pp, out, kinds, argi) < 0)
		return -1;
	p = *pp;
	if (!*p || !strchr("diuxXocsp", *p))
		return format_error(call, "unsupported conversion '%%%.*s' in format", (int)(p - start + (*p != 0)), start);
	if (*argi >= call->args.len)
		return format_error(call, "format '%%%.*s' has no matching argument", (int)(p - start + 1), start);
	arg = call->args.items[(*argi)++];
	if (*p == 's') {
		if (arg->type != TYPE_STRING)
			return format_error(call, "format '%%%.*s' expects a string, got a %s argument",
					    (int)(p - start + 1), start, type_name(arg->type));
		sb_addc(out, 's');
		sb_addc(kinds, 's');
	} else {
		if (arg->type != TYPE_LONG)
			return format_error(call, "format '%%%.*s' expects a long, got a %s argument",
					    (int)(p - start + 1), start, type_name(arg->type));
		if (*p == 'c') {
			sb_addc(out, 'c');
		} else if (*p == 'p') {
			/* a pointer: 0x and 16 hex digits, as SystemTap prints them */
			if (p != start)
				return format_error(call, "'%%p' takes no flags, width or precision");
			out->len = mark;
			out->buf[out->len] = '\0';
			sb_add(out, "0x%016llx");
		} else {
			sb_printf(out, "ll%c", *p == 'i' ? 'd' : *p);
		}
		sb_addc(kinds, *p == 'c' ? 'c' : 'd');
	}
	*pp = p + 1;
	return 0;
}

int check_format(struct expr *call)
{
	struct expr *fmt = call->args.items[0];
	struct strbuf out = {0}, kinds = {0};
	const char *p;
	int argi = 1;

	if (fmt->kind != EX_STRING) {
		diag("semantic", &fmt->loc, "the format of %s must be a string literal", call->name);
		return -1;
	}
	for (p = fmt->str; *p;) {
		if (*p != '%') {
			sb_addc(&out, *p++);
			continue;
		}
		p++;
		if (*p == '%') {
			sb_add(&out, "%%");
			p++;
			continue;
		}
		if (convert_spec(call, &p, &out, &kinds, &argi) < 0) {
			free(out.buf);
			free(kinds.buf);
			return -1;
		}
	}
	if (argi < call->args.len) {
		free(out.buf);
		free(kinds.buf);
		diag("semantic", &call->args.items[argi]->loc, "too many arguments for the format of %s",
		     call->name);
		return -1;
	}
	call->str = sb_steal(&out);
	call->arg_kinds = sb_steal(&kinds);
	return 0;
}
