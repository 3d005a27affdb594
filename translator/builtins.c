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
	{ "exit", BI_EXIT, TYPE_LONG, 0, 0, TYPE_UNKNOWN },	/* 0, as a value (cond && exit()) */
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

/* A width or a precision: digits, or '*' for an argument; its value in
 * *count (-2 for '*'), copied to out. */
static int copy_count(struct expr *call, const char **pp, struct strbuf *out, struct strbuf *kinds,
		      int *argi, int *count)
{
	const char *p = *pp;

	if (*p == '*') {
		if (star_argument(call, argi, kinds) < 0)
			return -1;
		sb_addc(out, *p++);
		*count = -2;
	}
	if (*p >= '0' && *p <= '9')
		*count = 0;
	while (*p >= '0' && *p <= '9') {
		*count = *count * 10 + (*p - '0') > 9999 ? 9999 : *count * 10 + (*p - '0');
		sb_addc(out, *p++);
	}
	*pp = p;
	return 0;
}

/* Flags, width and precision ("-08", "*", ".3", ".*"), copied to out and
 * noted in piece. */
static int copy_modifiers(struct expr *call, const char **pp, struct strbuf *out, struct strbuf *kinds,
			  int *argi, struct format_piece *piece)
{
	while (**pp && strchr("-+ #0", **pp)) {
		piece->left |= **pp == '-';
		sb_addc(out, *(*pp)++);
	}
	if (copy_count(call, pp, out, kinds, argi, &piece->width) < 0)
		return -1;
	if (**pp == '.') {
		sb_addc(out, *(*pp)++);
		piece->precision = 0;
		if (copy_count(call, pp, out, kinds, argi, &piece->precision) < 0)
			return -1;
	}
	return 0;
}

/* One conversion: copies flags, width and precision, then maps the
 * script's conversion to the kernel's (64-bit integers get "ll").  %b, %m
 * and %M become a piece of their own in piece. */
static int convert_spec(struct expr *call, const char **pp, struct strbuf *out, struct strbuf *kinds,
			int *argi, struct format_piece *piece)
{
	const char *start = *pp, *p;
	size_t mark = out->len;
	struct expr *arg;

	sb_addc(out, '%');
	piece->first_arg = *argi;
	piece->width = piece->precision = -1;
	if (copy_modifiers(call, pp, out, kinds, argi, piece) < 0)
		return -1;
	p = *pp;
	if (!*p || !strchr("diuxXocspbmM", *p))
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
		*pp = p + 1;
		return 0;
	}
	if (arg->type != TYPE_LONG)
		return format_error(call, "format '%%%.*s' expects a long, got a %s argument",
				    (int)(p - start + 1), start, type_name(arg->type));
	sb_addc(kinds, *p == 'c' ? 'c' : 'd');
	if (strchr("bmM", *p)) {
		out->len = mark;
		out->buf[out->len] = '\0';
		piece->conv = *p;
		piece->nargs = *argi - piece->first_arg;
	} else if (*p == 'c') {
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
	*pp = p + 1;
	return 0;
}

/* The vsnprintf chunk so far, as a piece, when the format has others. */
static void end_chunk(struct expr *call, struct strbuf *out, int *first_arg, int argi)
{
	struct format_piece *piece;

	if (!out->len)
		return;
	piece = xcalloc(1, sizeof(*piece));
	piece->fmt = sb_steal(out);
	piece->first_arg = *first_arg;
	piece->nargs = argi - *first_arg;
	vec_push(&call->pieces, piece);
	*first_arg = argi;
}

int check_format(struct expr *call)
{
	struct expr *fmt = call->args.items[0];
	struct strbuf out = {0}, kinds = {0};
	const char *p;
	int argi = 1, chunk_first = 1;

	if (fmt->kind != EX_STRING) {
		diag("semantic", &fmt->loc, "the format of %s must be a string literal", call->name);
		return -1;
	}
	call->pieces.len = 0;
	for (p = fmt->str; *p;) {
		struct format_piece piece = {0};

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
		if (convert_spec(call, &p, &out, &kinds, &argi, &piece) < 0) {
			free(out.buf);
			free(kinds.buf);
			return -1;
		}
		if (piece.conv) {
			end_chunk(call, &out, &chunk_first, piece.first_arg);
			vec_push(&call->pieces, xmemdup(&piece, sizeof(piece)));
			chunk_first = argi;
		}
	}
	if (argi < call->args.len) {
		free(out.buf);
		free(kinds.buf);
		diag("semantic", &call->args.items[argi]->loc, "too many arguments for the format of %s",
		     call->name);
		return -1;
	}
	if (call->pieces.len)
		end_chunk(call, &out, &chunk_first, argi);
	call->str = call->pieces.len ? NULL : sb_steal(&out);
	call->arg_kinds = sb_steal(&kinds);
	return 0;
}

/* Past a width or precision in a format; '*' takes a long argument. */
static const char *skip_count(const char *p, enum type *types, int *n, int max)
{
	if (*p == '*') {
		if (*n < max)
			types[(*n)++] = TYPE_LONG;
		return p + 1;
	}
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

/* The type each argument after the format wants, as far as the format
 * tells (for type inference, before check_format's full check): a long
 * for '*' and the integer conversions, a string for %s.  Returns how many
 * it could tell. */
int format_arg_types(const char *fmt, enum type *types, int max)
{
	int n = 0;

	for (const char *p = fmt; *p && n < max; p++) {
		if (*p != '%')
			continue;
		if (*++p == '%')
			continue;
		while (*p && strchr("-+ #0", *p))
			p++;
		p = skip_count(p, types, &n, max);
		if (*p == '.')
			p = skip_count(p + 1, types, &n, max);
		if (!*p || n >= max || !strchr("sdiuxXocpbmM", *p))
			break;
		types[n++] = *p == 's' ? TYPE_STRING : TYPE_LONG;
	}
	return n;
}
