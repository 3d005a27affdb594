#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

int diag_errors;

static void out_of_memory(void)
{
	fputs("stap: out of memory\n", stderr);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xmemdup(const void *p, size_t n)
{
	return memcpy(xmalloc(n), p, n);
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	return sb_steal(&sb);
}

static void sb_reserve(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	while (sb->len + extra + 1 > sb->cap)
		sb->cap = sb->cap ? 2 * sb->cap : 64;
	sb->buf = xrealloc(sb->buf, sb->cap);
}

void sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_add(struct strbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_addn(sb, &c, 1);
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	sb_reserve(sb, n);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	sb->len += n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void sb_add_quoted(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (; *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"': sb_add(sb, "\\\""); break;
		case '\\': sb_add(sb, "\\\\"); break;
		case '\n': sb_add(sb, "\\n"); break;
		case '\t': sb_add(sb, "\\t"); break;
		case '\r': sb_add(sb, "\\r"); break;
		default:
			if (c < 32 || c >= 127)
				sb_printf(sb, "\\%03o", c);
			else
				sb_addc(sb, c);
		}
	}
	sb_addc(sb, '"');
}

char *sb_steal(struct strbuf *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");

	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

char *format_loc(const struct loc *loc)
{
	return xasprintf("%s:%d:%d", loc->src->name, loc->line, loc->col);
}

/* The source line of loc and a caret under its column. */
static void add_source_line(struct strbuf *sb, const struct loc *loc)
{
	const char *p = loc->src->text;
	const char *end;
	int line, i;

	for (line = 1; line < loc->line && *p; p++)
		if (*p == '\n')
			line++;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	sb_printf(sb, "    %.*s\n    ", (int)(end - p), p);
	for (i = 1; i < loc->col; i++)
		sb_addc(sb, p[i - 1] == '\t' ? '\t' : ' ');
	sb_add(sb, "^\n");
}

static void show_source_line(const struct loc *loc)
{
	struct strbuf sb = {0};

	add_source_line(&sb, loc);
	fputs(sb.buf, stderr);
	free(sb.buf);
}

struct strbuf *warning_log;

/* The messages reported so far: one that a tapset's code repeats for
 * each probe an alias expanded to (the same text at the same place) is
 * shown once, and so are the "... at" lines after it. */
static string_vec reported;
static int last_was_repeat;

static int seen_before(const char *text)
{
	for (int i = 0; i < reported.len; i++)
		if (!strcmp(reported.items[i], text))
			return 1;
	vec_push(&reported, xstrdup(text));
	return 0;
}

/* "PREFIXmessage at FILE:LINE:COL", then the source line and a caret;
 * warnings are also kept in warning_log when there is one. */
static void report(const char *prefix, const struct loc *loc, const char *fmt, va_list ap)
{
	struct strbuf sb = {0};

	sb_add(&sb, prefix);
	sb_vprintf(&sb, fmt, ap);
	if (loc && loc->src) {
		char *where = format_loc(loc);

		sb_printf(&sb, " at %s\n", where);
		free(where);
		add_source_line(&sb, loc);
	} else {
		sb_addc(&sb, '\n');
	}
	last_was_repeat = seen_before(sb.buf);
	if (!last_was_repeat)
		fputs(sb.buf, stderr);
	if (warning_log && !strcmp(prefix, "WARNING: ") && !last_was_repeat)
		sb_add(warning_log, sb.buf);
	free(sb.buf);
}

void vdiag(const char *kind, const struct loc *loc, const char *fmt, va_list ap)
{
	char *prefix = xasprintf("%s error: ", kind);

	report(prefix, loc, fmt, ap);
	free(prefix);
	diag_errors++;
}

void vwarn(const struct loc *loc, const char *fmt, va_list ap)
{
	report("WARNING: ", loc, fmt, ap);
}

void diag(const char *kind, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(kind, loc, fmt, ap);
	va_end(ap);
}

void diag_also(const struct loc *loc)
{
	char *where;

	if (last_was_repeat)
		return;
	where = format_loc(loc);
	fprintf(stderr, "  ... at %s\n", where);
	free(where);
	show_source_line(loc);
}

char *read_file(const char *path, size_t *lenp)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct strbuf sb = {0};
	char chunk[8192];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_addn(&sb, chunk, n);
	if (ferror(f)) {
		int saved = errno;

		if (f != stdin)
			fclose(f);
		free(sb.buf);
		errno = saved;
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	if (lenp)
		*lenp = sb.len;
	return sb_steal(&sb);
}

int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* FNV-1a, 64 bit: module names and cache keys need a stable hash. */
uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	if (!h)
		h = 0xcbf29ce484222325ULL;
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int remove_tree(const char *path)
{
	char *cmd = xasprintf("rm -rf '%s'", path);
	int rc = system(cmd);

	free(cmd);
	if (rc != 0)
		fprintf(stderr, "stap: cannot remove %s\n", path);
	return rc ? -1 : 0;
}

char *cache_dir(const char *sub)
{
	const char *dir = getenv("SYSTEMTAP_DIR"), *home = getenv("HOME");
	char *base, *path;

	if ((!dir || !*dir) && (!home || !*home))
		return NULL;
	base = dir && *dir ? xstrdup(dir) : xasprintf("%s/.systemtap", home);
	mkdir(base, 0755);	/* failures show when a file there is written */
	path = xasprintf("%s/cache", base);
	mkdir(path, 0755);
	free(base);
	if (!sub)
		return path;
	base = path;
	path = xasprintf("%s/%s", base, sub);
	mkdir(path, 0755);
	free(base);
	return path;
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);

	return n > m && !strcmp(name + n - m, suffix);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

string_vec dir_files(const char *dir, const char *const *suffixes)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	string_vec files = {0};

	if (!d)
		return files;
	while ((de = readdir(d))) {
		int take = !suffixes && de->d_name[0] != '.';

		for (int i = 0; suffixes && suffixes[i]; i++)
			take |= has_suffix(de->d_name, suffixes[i]);
		if (take)
			vec_push(&files, xasprintf("%s/%s", dir, de->d_name));
	}
	closedir(d);
	if (files.len)
		qsort(files.items, files.len, sizeof(char *), by_name);
	return files;
}

int is_number_text(const char *v)
{
	char *end;

	if (!*v)
		return 0;
	strtoll(v, &end, 0);
	return !*end;
}
