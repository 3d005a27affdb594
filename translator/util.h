/* Small helpers every pass uses: allocation that cannot fail, growable
 * strings, and diagnostics that point at the source. */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct source {
	char *name;		/* file name, or "<input>" for -e */
	char *text;		/* NUL-terminated contents */
};

struct loc {
	const struct source *src;
	int line, col;
};

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable, always NUL-terminated byte string. */
struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_add(struct strbuf *sb, const char *s);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_addc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
char *sb_steal(struct strbuf *sb);
/* s as a double-quoted literal with C escapes: valid in scripts and in C. */
void sb_add_quoted(struct strbuf *sb, const char *s);

/* Growable array of pointers. */
#define VEC(T) struct { T *items; int len, cap; }
#define vec_push(v, x) do { \
		if ((v)->len == (v)->cap) { \
			(v)->cap = (v)->cap ? 2 * (v)->cap : 4; \
			(v)->items = xrealloc((v)->items, (v)->cap * sizeof(*(v)->items)); \
		} \
		(v)->items[(v)->len++] = (x); \
	} while (0)

typedef VEC(char *) string_vec;

/* "KIND error: MSG at FILE:LINE:COL", the source line and a caret, on
 * stderr.  Counts errors so a pass can report failure at its end. */
void vwarn(const struct loc *loc, const char *fmt, va_list ap);
/* When set, every warning printed is also appended here (the module
 * cache keeps pass 2's warnings to show them again on a hit). */
extern struct strbuf *warning_log;
void diag(const char *kind, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vdiag(const char *kind, const struct loc *loc, const char *fmt, va_list ap);
/* An extra "... at FILE:LINE:COL" line with source and caret, for the
 * second place an error involves. */
void diag_also(const struct loc *loc);
extern int diag_errors;

char *read_file(const char *path, size_t *len);
/* ${SYSTEMTAP_DIR:-~/.systemtap}/cache/SUB (the cache itself when sub is
 * NULL), made if missing (malloc'd); NULL if there is neither
 * $SYSTEMTAP_DIR nor $HOME. */
char *cache_dir(const char *sub);
int write_file(const char *path, const char *data, size_t len);
char *format_loc(const struct loc *loc);	/* "FILE:LINE:COL" */
int is_dir(const char *path);
/* The paths of dir's files whose names end in one of suffixes (NULL:
 * every name not starting with '.'), sorted by name. */
string_vec dir_files(const char *dir, const char *const *suffixes);
/* rm -rf path; 0 on success, else says so on stderr. */
int remove_tree(const char *path);
/* Whether v is a whole number (C syntax): a -G value that is one sets a
 * long global, any other a string. */
int is_number_text(const char *v);
uint64_t hash_bytes(uint64_t h, const void *data, size_t n);

#endif
