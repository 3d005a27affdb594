/* The doc comment of a tapset function or probe alias: a slash-star-star
 * block ending on the line just before the declaration, whose lines read
 *
 *	 * sfunction NAME - summary       (or: probe NAME - summary)
 *	 * @param: what it is
 *	 *
 *	 * Description, in paragraphs.
 *
 * --dump-functions, --dump-probe-aliases and the man pages (manpages.c)
 * are made from it. */
#ifndef DOC_COMMENT_H
#define DOC_COMMENT_H

#include "util.h"

struct doc_param {
	char *name, *text;
};

struct doc_comment {
	char *summary;
	VEC(struct doc_param) params;
	char *description;	/* lines joined by '\n', "" for none */
};

/* The doc comment right before the declaration at `at` (KIND is
 * "sfunction" or "probe"), if it names NAME; 0, or -1 when there is none. */
int doc_comment_of(const struct loc *at, const char *kind, const char *name, struct doc_comment *doc);
void doc_comment_free(struct doc_comment *doc);

#endif
