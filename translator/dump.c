/* stap --dump-functions and --dump-probe-aliases: what the tapset library
 * offers, a line each, with the summary of each one's doc comment:
 *
 *	strlen:long (s:string) - the number of bytes in a string
 *	syscall.openat - ...
 *
 * (the same lines SystemTap prints, plus the summaries). */
#include "session.h"

#include "ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The summary of the doc comment "KIND NAME - summary" in text, or NULL. */
static char *doc_summary(const char *text, const char *kind, const char *name)
{
	char *key = xasprintf("%s %s - ", kind, name);
	const char *at = text, *start, *end;
	char *summary = NULL;

	while ((at = strstr(at, key))) {
		if (at > text && (at[-1] == ' ' || at[-1] == '*')) {
			start = at + strlen(key);
			end = strchr(start, '\n');
			summary = xstrndup(start, end ? (size_t)(end - start) : strlen(start));
			break;
		}
		at++;
	}
	free(key);
	return summary;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_sorted(string_vec *lines)
{
	if (lines->len)
		qsort(lines->items, lines->len, sizeof(char *), by_text);
	for (int i = 0; i < lines->len; i++)
		if (!i || strcmp(lines->items[i], lines->items[i - 1]))
			puts(lines->items[i]);
}

static char *function_line(const struct function *f)
{
	struct strbuf sb = {0};
	char *summary = doc_summary(f->loc.src->text, "sfunction", f->name);

	sb_printf(&sb, "%s:%s (", f->name, type_name(f->type));
	for (int i = 0; i < f->params.len; i++)
		sb_printf(&sb, "%s%s:%s", i ? ", " : "", f->params.items[i]->name, type_name(f->params.items[i]->type));
	sb_addc(&sb, ')');
	if (summary)
		sb_printf(&sb, " - %s", summary);
	free(summary);
	return sb.buf;
}

static char *alias_line(const struct probe_alias *a)
{
	const char *name = a->name->text;
	char *summary = doc_summary(a->loc.src->text, "probe", name);
	char *line = summary ? xasprintf("%s - %s", name, summary) : xstrdup(name);

	free(summary);
	return line;
}

int dump_library(struct session *s)
{
	string_vec lines = {0};

	s->list_mode = 1;
	s->script_file = NULL;
	s->script_text = "probe never {}\n";
	if (pass1_parse(s) < 0)
		return 1;
	if (s->dump == DUMP_ALIASES) {
		for (int i = 0; i < s->library.aliases.len; i++)
			if (s->library.aliases.items[i]->name->text[0] != '_')
				vec_push(&lines, alias_line(s->library.aliases.items[i]));
	} else {
		if (pass2_library(s) < 0)
			return 1;
		for (int i = 0; i < s->script.functions.len; i++)	/* (_name: internal) */
			if (s->script.functions.items[i]->name[0] != '_')
				vec_push(&lines, function_line(s->script.functions.items[i]));
	}
	print_sorted(&lines);
	return 0;
}
