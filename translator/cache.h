/* The module cache: a module built once is kept in $SYSTEMTAP_DIR/cache
 * (else ~/.systemtap/cache) under a key that hashes everything that
 * shaped it, so running the same script again skips passes 2 to 4. */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>

struct session;

/* One entry: CACHE/XX/stap_KEY.{ko,c,sum,lock}, XX the key's first two
 * hex digits.  The .sum file is written last and vouches for the rest. */
struct cache_entry {
	char key[65];		/* SHA-256, hex */
	char *base;		/* the entry's path without its extension */
	int lock_fd;		/* held while we look the entry up or fill it */
	int kept;		/* s->module_path is the entry's module */
};

enum { CACHE_OFF, CACHE_MISS, CACHE_HIT };

/* After pass 1: the entry for this session, locked (so a second stap
 * building the same module waits for the first and then uses its work).
 * CACHE_HIT: s->module_path is the cached module, s->c_source its C, and
 * pass 2's warnings were shown again; the lock is released.  CACHE_MISS:
 * the lock is kept until cache_store() or cache_release().  CACHE_OFF:
 * no cache (no home directory, or it cannot be written). */
int cache_lookup(struct session *s);
/* After pass 4: keeps s->module_path and s->c_source in the entry and
 * points s->module_path at the kept copy; a failure only warns. */
void cache_store(struct session *s);
void cache_release(struct session *s);
/* Removes the least recently used entries until the cache is under
 * CACHE/cache_mb_limit MB, and what interrupted stores left; at most once
 * per CACHE/cache_clean_interval_s seconds unless forced. */
void cache_clean(struct session *s, int force);

/* The key (cache_key.c): a SHA-256 over the translator, the runtime and
 * tapset files, the script, the options that change the module, and the
 * target kernel's build-id, config and module set; hex into key[65]. */
void cache_key(struct session *s, char key[65]);
/* A file's size, modification time and inode as text ("SIZE SEC.NSEC
 * INODE"), which change when it is rewritten; NULL if it is missing. */
char *file_identity(const char *path);
/* SHA-256 of data as 64 hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
