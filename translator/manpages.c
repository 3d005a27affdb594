/* stap --man-pages=DIR: the tapset reference as man pages, one per
 * function name (function::NAME.3stap, every overload on one page) and
 * one per probe alias (probe::NAME.3stap), made from the doc comments. */
#include "manpages.h"

#include "doc_comment.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n bytes of text inside a line (a name, a sentence): backslashes escaped. */
static void add_roff_inline(struct strbuf *sb, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\\')
			sb_add(sb, "\\e");
		else
			sb_addc(sb, text[i]);
	}
}

/* Text as roff reads it literally: each line escaped and never taken for
 * a request, a blank line a new paragraph. */
static void add_roff_text(struct strbuf *sb, const char *text)
{
	for (const char *line = text, *end; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if (end == line) {
			sb_add(sb, ".PP\n");
			continue;
		}
		if (*line == '.' || *line == '\'')
			sb_add(sb, "\\&");
		add_roff_inline(sb, line, end - line);
		sb_addc(sb, '\n');
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void add_header(struct strbuf *sb, const char *kind, const char *name, const char *file,
		       const char *summary)
{
	sb_printf(sb, ".\\\" Made by stap --man-pages from tapset file %s: edit its doc comment there.\n", file);
	sb_add(sb, ".TH \"");
	for (const char *p = kind; *p; p++)
		sb_addc(sb, *p - 'a' + 'A');
	sb_add(sb, "::");
	add_roff_inline(sb, name, strlen(name));
	sb_add(sb, "\" 3stap \"\" \"stap\" \"SystemTap Tapset Reference\"\n.SH NAME\n");
	sb_printf(sb, "%s::", kind);
	add_roff_inline(sb, name, strlen(name));
	sb_add(sb, " \\- ");
	add_roff_text(sb, summary);
}

static void add_param_list(struct strbuf *sb, const struct doc_comment *doc)
{
	for (int i = 0; i < doc->params.len; i++) {
		sb_add(sb, ".TP\n.I ");
		add_roff_text(sb, doc->params.items[i].name);
		add_roff_text(sb, doc->params.items[i].text);
	}
}

static void add_params(struct strbuf *sb, const char *heading, const struct doc_comment *doc)
{
	if (doc->params.len) {
		sb_printf(sb, ".SH %s\n", heading);
		add_param_list(sb, doc);
	}
}

static void add_description(struct strbuf *sb, const char *heading, const struct doc_comment *doc)
{
	if (doc->description && *doc->description) {
		sb_add(sb, heading);
		add_roff_text(sb, doc->description);
	}
}

static int write_page(const char *dir, const char *kind, const char *name, struct strbuf *page)
{
	char *path = xasprintf("%s/%s::%s.3stap", dir, kind, name);
	int rc = write_file(path, page->buf, page->len);

	if (rc < 0)
		fprintf(stderr, "stap: can't write %s: %s\n", path, strerror(errno));
	free(path);
	free(sb_steal(page));
	return rc;
}

/* "name:type (arg:type, ...)", as --dump-functions shows it. */
char *function_signature(const struct function *f)
{
	struct strbuf sb = {0};

	sb_printf(&sb, "%s:%s (", f->name, type_name(f->type));
	for (int i = 0; i < f->params.len; i++)
		sb_printf(&sb, "%s%s:%s", i ? ", " : "", f->params.items[i]->name,
			  type_name(f->params.items[i]->type));
	sb_addc(&sb, ')');
	return sb_steal(&sb);
}

static void add_signature(struct strbuf *sb, const char *request, const struct function *f)
{
	char *signature = function_signature(f);

	sb_printf(sb, "%s %s\n", request, signature);
	free(signature);
}

/* One page for the functions named like fns[0] (its overloads). */
static int function_page(const char *dir, struct function **fns, int n)
{
	struct strbuf sb = {0};
	struct doc_comment *docs = xcalloc(n, sizeof(*docs));
	int rc;

	for (int i = 0; i < n; i++)
		doc_comment_of(&fns[i]->loc, "sfunction", fns[i]->name, &docs[i]);
	add_header(&sb, "function", fns[0]->name, base_name(fns[0]->loc.src->name),
		   docs[0].summary ? docs[0].summary : "(no doc comment)");
	sb_add(&sb, ".SH SYNOPSIS\n.nf\n");
	for (int i = 0; i < n; i++)
		add_signature(&sb, ".B", fns[i]);
	sb_add(&sb, ".fi\n");
	if (n == 1) {
		add_params(&sb, "ARGUMENTS", &docs[0]);
		add_description(&sb, ".SH DESCRIPTION\n", &docs[0]);
	} else {	/* each overload in a subsection */
		sb_add(&sb, ".SH DESCRIPTION\n");
		for (int i = 0; i < n; i++) {
			add_signature(&sb, ".SS", fns[i]);
			add_roff_text(&sb, docs[i].summary ? docs[i].summary : "");
			add_param_list(&sb, &docs[i]);
			add_description(&sb, ".PP\n", &docs[i]);
		}
	}
	sb_add(&sb, ".SH SEE ALSO\n.BR stap (1)\n");
	rc = write_page(dir, "function", fns[0]->name, &sb);
	for (int i = 0; i < n; i++)
		doc_comment_free(&docs[i]);
	free(docs);
	return rc;
}

static int alias_page(const char *dir, const struct probe_alias *a)
{
	struct strbuf sb = {0};
	struct doc_comment doc;
	int rc;

	doc_comment_of(&a->loc, "probe", a->name->text, &doc);
	add_header(&sb, "probe", a->name->text, base_name(a->loc.src->name),
		   doc.summary ? doc.summary : "(no doc comment)");
	sb_add(&sb, ".SH SYNOPSIS\n.nf\n.B ");
	add_roff_text(&sb, a->name->text);
	sb_add(&sb, ".fi\n");
	add_params(&sb, "VALUES", &doc);
	add_description(&sb, ".SH DESCRIPTION\n", &doc);
	sb_add(&sb, ".SH SEE ALSO\n.BR stap (1)\n");
	rc = write_page(dir, "probe", a->name->text, &sb);
	doc_comment_free(&doc);
	return rc;
}

/* By name, then by number of arguments. */
static int by_name(const void *a, const void *b)
{
	const struct function *f = *(struct function *const *)a, *g = *(struct function *const *)b;
	int order = strcmp(f->name, g->name);

	return order ? order : f->params.len - g->params.len;
}

int write_man_pages(const char *dir, struct function **fns, int nfns, struct probe_alias **aliases,
		    int naliases)
{
	int rc = 0;

	qsort(fns, nfns, sizeof(*fns), by_name);	/* overloads side by side */
	for (int i = 0, j; i < nfns; i = j) {
		for (j = i + 1; j < nfns && !strcmp(fns[j]->name, fns[i]->name); j++)
			;
		if (fns[i]->name[0] != '_' && function_page(dir, fns + i, j - i) < 0)
			rc = -1;
	}
	for (int i = 0; i < naliases; i++)
		if (aliases[i]->name->text[0] != '_' && alias_page(dir, aliases[i]) < 0)
			rc = -1;
	return rc;
}
