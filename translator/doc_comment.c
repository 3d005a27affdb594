/* Doc comments of tapset functions and probe aliases (see doc_comment.h). */
#include "doc_comment.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *line_start(const char *text, int line)
{
	const char *p = text;

	while (--line > 0 && (p = strchr(p, '\n')))
		p++;
	return p;
}

/* The text between the slash-star-star and the star-slash that end right
 * before `decl` (only white space between), or NULL. */
static char *block_before(const char *text, const char *decl)
{
	const char *end = decl, *start;

	while (end > text && isspace((unsigned char)end[-1]))
		end--;
	if (end - text < 2 || end[-2] != '*' || end[-1] != '/')
		return NULL;
	end -= 2;
	for (start = end - 1; start >= text + 2; start--)
		if (start[-2] == '/' && start[-1] == '*')
			break;
	if (start < text + 2 || *start != '*')	/* not a slash-star-star block */
		return NULL;
	return xstrndup(start + 1, end - start - 1);
}

/* A comment line without its leading " * ". */
static char *bare_line(char *line)
{
	while (isspace((unsigned char)*line))
		line++;
	if (*line == '*')
		line++;
	if (*line == ' ' || *line == '\t')
		line++;
	return line;
}

static void add_text(char **text, const char *sep, const char *more)
{
	char *joined = xasprintf("%s%s%s", *text, **text ? sep : "", more);

	free(*text);
	*text = joined;
}

/* "@name: text" starts a parameter; lines after it continue it until a
 * blank line, after which comes the description. */
static void parse_body(char *lines, struct doc_comment *doc)
{
	int in_params = 1;

	doc->description = xstrdup("");
	for (char *line = lines, *next; line; line = next) {
		char *bare, *colon;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		bare = bare_line(line);
		if (in_params && bare[0] == '@' && (colon = strchr(bare, ':'))) {
			struct doc_param param = { xstrndup(bare + 1, colon - bare - 1), NULL };

			for (colon++; isspace((unsigned char)*colon); colon++)
				;
			param.text = xstrdup(colon);
			vec_push(&doc->params, param);
		} else if (in_params && *bare && doc->params.len) {
			while (isspace((unsigned char)*bare))	/* (indented) */
				bare++;
			add_text(&doc->params.items[doc->params.len - 1].text, " ", bare);
		} else if (*bare || *doc->description) {
			add_text(&doc->description, "\n", bare);
		}
		if (!*bare && doc->params.len)
			in_params = 0;
		if (*bare && !doc->params.len)
			in_params = 0;	/* a description with no parameters */
	}
	for (size_t n = strlen(doc->description); n && doc->description[n - 1] == '\n'; n--)
		doc->description[n - 1] = 0;	/* trailing blank lines */
}

int doc_comment_of(const struct loc *at, const char *kind, const char *name, struct doc_comment *doc)
{
	char *block = block_before(at->src->text, line_start(at->src->text, at->line));
	char *key = xasprintf("%s %s - ", kind, name);
	char *first, *rest;
	int found = -1;

	memset(doc, 0, sizeof(*doc));
	if (!block)
		goto out;
	/* The first non-blank line names what the comment documents. */
	for (first = block; *first && isspace((unsigned char)*first); first++)
		;
	rest = strchr(first, '\n');
	if (rest)
		*rest++ = 0;
	first = bare_line(first);
	if (strncmp(first, key, strlen(key)))
		goto out;
	doc->summary = xstrdup(first + strlen(key));
	parse_body(rest ? rest : "", doc);
	found = 0;
out:
	free(block);
	free(key);
	return found;
}

void doc_comment_free(struct doc_comment *doc)
{
	for (int i = 0; i < doc->params.len; i++) {
		free(doc->params.items[i].name);
		free(doc->params.items[i].text);
	}
	free(doc->params.items);
	free(doc->summary);
	free(doc->description);
	memset(doc, 0, sizeof(*doc));
}
