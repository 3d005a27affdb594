/* stap --dump-functions and --dump-probe-aliases: what the tapset library
 * offers, a line each, with the summary of each one's doc comment:
 *
 *	strlen:long (s:string) - the number of bytes in a string
 *	syscall.openat - ...
 *
 * (the same lines SystemTap prints, plus the summaries); and
 * --man-pages=DIR (manpages.c). */
#include "session.h"

#include "ast.h"
#include "doc_comment.h"
#include "manpages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The summary of the doc comment before the declaration at `at`, or NULL. */
static char *doc_summary(const struct loc *at, const char *kind, const char *name)
{
	struct doc_comment doc;
	char *summary;

	if (doc_comment_of(at, kind, name, &doc) < 0)
		return NULL;
	summary = doc.summary;
	doc.summary = NULL;
	doc_comment_free(&doc);
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
	char *signature = function_signature(f);
	char *summary = doc_summary(&f->loc, "sfunction", f->name);
	char *line = summary ? xasprintf("%s - %s", signature, summary) : xstrdup(signature);

	free(signature);
	free(summary);
	return line;
}

static char *alias_line(const struct probe_alias *a)
{
	const char *name = a->name->text;
	char *summary = doc_summary(&a->loc, "probe", name);
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
	if (s->dump == DUMP_MAN_PAGES) {
		if (pass2_library(s) < 0)
			return 1;
		return write_man_pages(s->man_dir, s->script.functions.items, s->script.functions.len,
				       s->library.aliases.items, s->library.aliases.len) < 0;
	}
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
