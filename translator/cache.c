/* The module cache's entries: finding one, checking it, filling it, and
 * keeping the cache under its size limit.
 *
 * An entry is CACHE/XX/stap_KEY.ko (the module), .c (its source, for -p3
 * and for the curious), .sum (what vouches for the other two: the key,
 * the module's name, each file's size and SHA-256, pass 2's warnings) and
 * .lock.  Files are written under a temporary name and renamed, the .sum
 * last, so an entry whose .sum is there and agrees is whole; anything else
 * is rebuilt, never loaded.  The .sum's modification time is when the
 * entry was last used, for least-recently-used eviction. */
#include "cache.h"
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LIMIT_MB 256
#define DEFAULT_CLEAN_INTERVAL_S 300
/* Leftovers of an interrupted store are removed once this old. */
#define STALE_S 3600

static char *entry_file(const struct cache_entry *e, const char *ext)
{
	return xasprintf("%s.%s", e->base, ext);
}

/* ---- locking ---- */

/* An exclusive lock on path.  The file may be removed by an eviction
 * while we wait for it; then the lock we got guards nothing, so we take
 * the new file's.  -1 if it cannot be had (or is busy, with nonblock). */
static int lock_file(const char *path, int nonblock, int verbose)
{
	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		struct stat held, now;

		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno != EWOULDBLOCK || nonblock) {
				close(fd);
				return -1;
			}
			if (verbose)
				fprintf(stderr, "Waiting for another stap that builds the same module (%s)\n", path);
			if (flock(fd, LOCK_EX) < 0) {
				close(fd);
				return -1;
			}
		}
		if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev)
			return fd;
		close(fd);
	}
}

void cache_release(struct session *s)
{
	if (s->cache && s->cache->lock_fd >= 0) {
		close(s->cache->lock_fd);
		s->cache->lock_fd = -1;
	}
}

/* ---- the .sum file ---- */

struct entry_sum {
	char key[65];
	char module[64];
	long long ko_size, c_size;
	char ko_sha[65], c_sha[65];
	const char *inputs;	/* into the text read: "input IDENTITY PATH" lines */
	long long warnings_size;
	const char *warnings;	/* into the text read */
};

static int parse_sum(const char *text, struct entry_sum *sum)
{
	const char *p;
	int n = 0;

	if (sscanf(text, "stap module cache entry 1\nkey %64s\nmodule %63s\nko %lld %64s\nc %lld %64s\n%n",
		   sum->key, sum->module, &sum->ko_size, sum->ko_sha, &sum->c_size, sum->c_sha, &n) != 6 || !n)
		return -1;
	p = sum->inputs = text + n;
	while (!strncmp(p, "input ", 6) && strchr(p, '\n'))
		p = strchr(p, '\n') + 1;
	n = 0;
	if (sscanf(p, "warnings %lld\n%n", &sum->warnings_size, &n) != 1 || !n)
		return -1;
	p += n;
	if (sum->warnings_size < 0 || (long long)strlen(p) != sum->warnings_size)
		return -1;
	sum->warnings = p;
	return 0;
}

/* The "input IDENTITY PATH" lines of s->inputs (a missing file is one
 * that changed). */
static void add_inputs(struct strbuf *sb, const struct session *s)
{
	for (int i = 0; i < s->inputs.len; i++) {
		char *id = file_identity(s->inputs.items[i]);

		sb_printf(sb, "input %s %s\n", id ? id : "absent", s->inputs.items[i]);
		free(id);
	}
}

static char *format_sum(const struct session *s, const char *key, const char *ko, size_t ko_len,
			const char *warnings)
{
	char ko_sha[65], c_sha[65];
	size_t c_len = strlen(s->c_source);
	struct strbuf sb = {0};

	sha256_hex(ko, ko_len, ko_sha);
	sha256_hex(s->c_source, c_len, c_sha);
	sb_printf(&sb, "stap module cache entry 1\nkey %s\nmodule %s\nko %zu %s\nc %zu %s\n", key, s->module_name,
		  ko_len, ko_sha, c_len, c_sha);
	add_inputs(&sb, s);
	sb_printf(&sb, "warnings %zu\n%s", strlen(warnings), warnings);
	return sb_steal(&sb);
}

/* The first input of the summary that is not as it was when the module
 * was built (malloc'd), or NULL.  A line is "input SIZE TIME INODE PATH",
 * or "input absent PATH". */
static char *changed_input(const char *inputs)
{
	char *changed = NULL;

	for (const char *p = inputs; !changed && !strncmp(p, "input ", 6);) {
		const char *end = strchr(p, '\n');
		char *line = xstrndup(p + 6, end - p - 6), *id;
		int n = 0;

		if (strncmp(line, "absent ", 7))
			sscanf(line, "%*s %*s %*s %n", &n);
		else
			n = 7;
		if (n > 1) {
			line[n - 1] = '\0';
			id = file_identity(line + n);
			if (strcmp(id ? id : "absent", line))
				changed = xstrdup(line + n);
			free(id);
		}
		free(line);
		p = end + 1;
	}
	return changed;
}

/* A file of the entry read whole and checked against its size and hash;
 * NULL and why not. */
static char *read_checked(const struct cache_entry *e, const char *ext, long long size, const char *sha,
			  char **why)
{
	char *path = entry_file(e, ext), hex[65];
	size_t len;
	char *data = read_file(path, &len);

	if (!data)
		*why = xasprintf("%s: %s", path, strerror(errno));
	else if ((long long)len != size)
		*why = xasprintf("%s has %zu bytes, not %lld", path, len, size);
	else if (sha256_hex(data, len, hex), strcmp(hex, sha))
		*why = xasprintf("%s does not match its checksum", path);
	free(path);
	if (*why) {
		free(data);
		return NULL;
	}
	return data;
}

/* ---- lookup ---- */

static void remove_entry_files(const struct cache_entry *e, int with_lock)
{
	static const char *const exts[] = { "sum", "ko", "c", "lock" };

	for (int i = 0; i < 4 - !with_lock; i++) {
		char *path = entry_file(e, exts[i]);

		unlink(path);
		free(path);
	}
}

/* 1 when the entry is whole and for this key (the module's C then in
 * *c_source, pass 2's warnings in *warnings); 0 when there is none; -1,
 * and why, when it is damaged. */
static int read_entry(const struct cache_entry *e, const char *module, char **c_source, char **warnings,
		      char **changed, char **why)
{
	char *path = entry_file(e, "sum"), *text = read_file(path, NULL), *ko;
	struct entry_sum sum;
	int rc = -1;

	*why = NULL;
	if (!text) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc < 0)
			*why = xasprintf("%s: %s", path, strerror(errno));
	} else if (parse_sum(text, &sum) < 0) {
		*why = xasprintf("%s is not a cache entry's summary", path);
	} else if (strcmp(sum.key, e->key) || strcmp(sum.module, module)) {
		*why = xasprintf("%s is for another module", path);
	} else if ((*changed = changed_input(sum.inputs))) {
		rc = 0;		/* a program it probes was rebuilt: build it again */
	} else if ((ko = read_checked(e, "ko", sum.ko_size, sum.ko_sha, why))) {
		free(ko);
		*c_source = read_checked(e, "c", sum.c_size, sum.c_sha, why);
		if (*c_source) {
			*warnings = xstrdup(sum.warnings);
			rc = 1;
		}
	}
	free(text);
	free(path);
	return rc;
}

/* The module's name: -m's, else stap_ and half the key (the kernel
 * allows 55 characters). */
static const char *entry_module_name(struct session *s)
{
	if (!s->module_name)
		s->module_name = xasprintf("stap_%.32s", s->cache->key);
	return s->module_name;
}

static int open_entry(struct session *s)
{
	struct cache_entry *e = xcalloc(1, sizeof(*e));
	char *dir, sub[3];
	struct stat st;

	cache_key(s, e->key);
	memcpy(sub, e->key, 2);
	sub[2] = '\0';
	dir = cache_dir(sub);
	if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) < 0) {
		free(dir);
		free(e);
		return -1;
	}
	e->base = xasprintf("%s/stap_%.32s", dir, e->key);
	free(dir);
	s->cache = e;
	e->lock_fd = -1;
	return 0;
}

static void show_hit(struct session *s, const char *warnings)
{
	if (s->verbose) {
		fprintf(stderr, "Pass 1-2: skipped: the script and everything it depends on are as cached\n");
		fprintf(stderr, "Pass 3: using cached %s.c\n", s->cache->base);
		fprintf(stderr, "Pass 4: using cached %s.ko\n", s->cache->base);
	}
	fputs(warnings, stderr);
}

int cache_lookup(struct session *s)
{
	char *c_source = NULL, *warnings = NULL, *why = NULL, *changed = NULL, *path;
	struct cache_entry *e;
	int found;

	if (open_entry(s) < 0)
		return CACHE_OFF;
	e = s->cache;
	path = entry_file(e, "lock");
	e->lock_fd = lock_file(path, 0, s->verbose);
	free(path);
	if (e->lock_fd < 0) {
		s->cache = NULL;
		return CACHE_OFF;
	}
	entry_module_name(s);
	if (s->poison_cache)
		return CACHE_MISS;
	found = read_entry(e, s->module_name, &c_source, &warnings, &changed, &why);
	if (changed && s->verbose)
		fprintf(stderr, "Cache: %s changed since the cached module was built: building it again\n",
			changed);
	if (found < 0) {
		fprintf(stderr, "stap: the cached module is damaged (%s): building it again\n", why);
		remove_entry_files(e, 0);
		free(why);
	}
	if (found <= 0)
		return CACHE_MISS;
	path = entry_file(e, "sum");
	utimensat(AT_FDCWD, path, NULL, 0);	/* used now: the last to be evicted */
	free(path);
	s->c_source = c_source;
	s->module_path = entry_file(e, "ko");
	e->kept = 1;
	show_hit(s, warnings);
	free(warnings);
	cache_release(s);
	return CACHE_HIT;
}

/* ---- store ---- */

/* Writes path through a temporary file in its directory and a rename, so
 * nobody ever sees it half written. */
static int write_atomically(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp), rc = -1;
	size_t done = 0;

	if (fd >= 0) {
		while (done < len) {
			ssize_t n = write(fd, data + done, len - done);

			if (n <= 0)
				break;
			done += n;
		}
		if (done == len && fchmod(fd, 0644) == 0 && fsync(fd) == 0 && close(fd) == 0)
			rc = rename(tmp, path);
		else
			close(fd);
		if (rc < 0)
			unlink(tmp);
	}
	free(tmp);
	return rc;
}

static int store_file(const struct cache_entry *e, const char *ext, const char *data, size_t len)
{
	char *path = entry_file(e, ext);
	int rc = write_atomically(path, data, len);

	if (rc < 0)
		fprintf(stderr, "stap: cannot keep %s in the module cache: %s\n", path, strerror(errno));
	free(path);
	return rc;
}

void cache_store(struct session *s)
{
	struct cache_entry *e = s->cache;
	size_t ko_len, c_len = strlen(s->c_source);
	char *ko, *sum;
	const char *warnings = s->warnings.buf ? s->warnings.buf : "";

	if (!e || e->lock_fd < 0)
		return;
	ko = read_file(s->module_path, &ko_len);
	if (!ko) {
		fprintf(stderr, "stap: cannot read %s: %s\n", s->module_path, strerror(errno));
		return;
	}
	sum = format_sum(s, e->key, ko, ko_len, warnings);
	remove_entry_files(e, 0);
	if (store_file(e, "ko", ko, ko_len) == 0 && store_file(e, "c", s->c_source, c_len) == 0 &&
	    store_file(e, "sum", sum, strlen(sum)) == 0) {
		s->module_path = entry_file(e, "ko");
		e->kept = 1;
		if (s->verbose > 1)
			fprintf(stderr, "Pass 4: kept the module in the cache: %s\n", s->module_path);
	} else {
		remove_entry_files(e, 0);
	}
	free(ko);
	free(sum);
	cache_release(s);
	cache_clean(s, 0);
}

/* ---- eviction ---- */

/* A number kept in CACHE/name (fractions allowed), written there with its
 * default when the file is missing, so users find the knob. */
static double cache_setting(const char *root, const char *name, long fallback)
{
	char *path = xasprintf("%s/%s", root, name), *text = read_file(path, NULL), *end;
	double value = fallback;

	if (text) {
		double v = strtod(text, &end);

		if (end != text && v >= 0)
			value = v;
	} else if (errno == ENOENT) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%ld\n", fallback);

		write_atomically(path, buf, n);
	}
	free(text);
	free(path);
	return value;
}

struct kept {
	char *base;
	long long bytes;
	struct timespec used;
};
typedef VEC(struct kept) kept_vec;

static int by_use(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return strcmp(x->base, y->base);
}

static long long file_size(const char *base, const char *ext)
{
	char *path = xasprintf("%s.%s", base, ext);
	struct stat st;
	long long n = stat(path, &st) == 0 ? st.st_size : 0;

	free(path);
	return n;
}

static int is_entry_dir(const char *name)
{
	return strlen(name) == 2 && strchr("0123456789abcdef", name[0]) && strchr("0123456789abcdef", name[1]);
}

/* The entry a file belongs to: its path up to the last '.'. */
static char *base_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? xstrndup(path, dot - path) : xstrdup(path);
}

/* Whether an entry's file has no .sum beside it (a store interrupted, or
 * the rest of an eviction) and is old enough that no store is under way. */
static int is_leftover(const char *path, const struct stat *st, time_t now)
{
	char *base, *sum;
	int orphan;

	if (now - st->st_mtime < STALE_S)
		return 0;
	if (strstr(path, ".tmp"))
		return 1;
	base = base_of(path);
	sum = xasprintf("%s.sum", base);
	orphan = access(sum, F_OK) != 0;
	free(sum);
	free(base);
	return orphan;
}

/* Collects the entries of dir (those with a .sum) and removes leftovers. */
static void scan_dir(const char *dir, kept_vec *entries, time_t now)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *path = xasprintf("%s/%s", dir, de->d_name);
		size_t n = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.' || lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (n > 4 && !strcmp(de->d_name + n - 4, ".sum")) {
			struct kept k = { base_of(path), 0, st.st_mtim };

			k.bytes = st.st_size + file_size(k.base, "ko") + file_size(k.base, "c");
			vec_push(entries, k);
		} else if (is_leftover(path, &st, now)) {
			unlink(path);
		}
		free(path);
	}
	closedir(d);
}

/* Removes one entry unless another stap holds it; 0 if removed. */
static int evict(struct kept *k)
{
	struct cache_entry e = { .base = k->base };
	char *lock = entry_file(&e, "lock");
	int fd = lock_file(lock, 1, 0);

	free(lock);
	if (fd < 0)
		return -1;
	remove_entry_files(&e, 1);
	close(fd);
	return 0;
}

void cache_clean(struct session *s, int force)
{
	char *root = cache_dir(NULL), *stamp;
	long long limit, total = 0, freed = 0;
	kept_vec entries = {0};
	time_t now = time(NULL);
	struct stat st;
	DIR *d;
	struct dirent *de;
	int removed = 0;

	if (!root)
		return;
	limit = (long long)(cache_setting(root, "cache_mb_limit", DEFAULT_LIMIT_MB) * 1024 * 1024);
	stamp = xasprintf("%s/last_clean", root);
	if (!force && stat(stamp, &st) == 0 &&
	    now - st.st_mtime < cache_setting(root, "cache_clean_interval_s", DEFAULT_CLEAN_INTERVAL_S))
		goto out;
	write_atomically(stamp, "", 0);
	if (!(d = opendir(root)))
		goto out;
	while ((de = readdir(d))) {
		if (is_entry_dir(de->d_name)) {
			char *dir = xasprintf("%s/%s", root, de->d_name);

			scan_dir(dir, &entries, now);
			free(dir);
		}
	}
	closedir(d);
	for (int i = 0; i < entries.len; i++)
		total += entries.items[i].bytes;
	if (entries.len)
		qsort(entries.items, entries.len, sizeof(*entries.items), by_use);
	for (int i = 0; i < entries.len && total > limit; i++) {
		struct kept *k = &entries.items[i];

		if (s->cache && !strcmp(k->base, s->cache->base))
			continue;	/* the module this stap is about to use */
		if (evict(k) == 0) {
			total -= k->bytes;
			freed += k->bytes;
			removed++;
		}
	}
	if (s->verbose && (removed || force))
		fprintf(stderr, "Cache: removed %d module%s (%lld KB); %lld KB kept, limit %lld KB (%s/cache_mb_limit)\n",
			removed, removed == 1 ? "" : "s", freed / 1024, total / 1024, limit / 1024, root);
	for (int i = 0; i < entries.len; i++)
		free(entries.items[i].base);
	free(entries.items);
out:
	free(stamp);
	free(root);
}
