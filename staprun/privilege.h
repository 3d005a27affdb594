/*
 * Who may run which module.  Levels, lowest first: a module records the
 * level it was built for (.modinfo stap_privilege=), a user has the level
 * of the highest stap group they are in (root: stapdev).
 */
#ifndef PRIVILEGE_H
#define PRIVILEGE_H

#include <stdbool.h>
#include <sys/types.h>

#include "modimage.h"

enum level { LEVEL_NONE, LEVEL_STAPUSR, LEVEL_STAPSYS, LEVEL_STAPDEV };

struct caller {
	uid_t uid;		/* real ids of whoever ran staprun */
	gid_t gid;
	enum level level;
	bool setuid;		/* running with borrowed root */
};

const char *level_name(enum level level);

/* Takes the borrowed root away until privileged_begin(); fills @c. */
void privilege_init(struct caller *c);
/* Root for one operation (loading, removing, opening the transport). */
void privileged_begin(void);
void privileged_end(const struct caller *c);
/* For good, before running stapio: only the caller's own ids remain. */
void privilege_drop_all(const struct caller *c);

/* The directory stapusr and stapsys modules must come from, for this
 * kernel, with a trailing '/'. */
const char *trusted_module_dir(void);

/* Whether @c may load @m (opened as @path, already canonical); when not,
 * @why says so and which group would be needed. */
bool may_load(const struct caller *c, const struct modimage *m, const char *path,
	      char *why, size_t size);
/* Whether @c may attach to or remove the loaded module @name. */
bool may_control(const struct caller *c, const char *name, char *why, size_t size);
/* Whether @c may make process @pid the script's target (-x). */
bool may_target(const struct caller *c, pid_t pid, char *why, size_t size);

#endif
