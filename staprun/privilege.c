/*
 * The privilege model: stap groups, the trusted module directory, and the
 * borrowed root of a setuid staprun.
 *
 * staprun is setuid root.  It runs as the caller (effective uid = real
 * uid) except inside privileged_begin()/privileged_end(), and gives root
 * up for good before anything of the caller's runs (stapio, -c CMD).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "privilege.h"
#include "signature.h"

static const char *const level_names[] = {
	[LEVEL_NONE] = "none",
	[LEVEL_STAPUSR] = "stapusr",
	[LEVEL_STAPSYS] = "stapsys",
	[LEVEL_STAPDEV] = "stapdev",
};

const char *level_name(enum level level)
{
	return level_names[level];
}

static void die(const char *what)
{
	fprintf(stderr, "staprun: ERROR: %s: %s\n", what, strerror(errno));
	exit(1);
}

static bool in_group(const char *name, const gid_t *gids, int n, gid_t gid)
{
	struct group *g = getgrnam(name);
	int i;

	if (!g)
		return false;
	if (g->gr_gid == gid)
		return true;
	for (i = 0; i < n; i++)
		if (gids[i] == g->gr_gid)
			return true;
	return false;
}

static enum level level_of_groups(gid_t gid)
{
	gid_t gids[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, gids);

	if (n < 0)
		die("cannot read the groups you are in");
	if (in_group("stapdev", gids, n, gid))
		return LEVEL_STAPDEV;
	if (in_group("stapsys", gids, n, gid))
		return LEVEL_STAPSYS;
	if (in_group("stapusr", gids, n, gid))
		return LEVEL_STAPUSR;
	return LEVEL_NONE;
}

void privilege_init(struct caller *c)
{
	c->uid = getuid();
	c->gid = getgid();
	c->setuid = geteuid() == 0 && c->uid != 0;
	c->level = c->uid == 0 ? LEVEL_STAPDEV : level_of_groups(c->gid);
	if (c->setuid && seteuid(c->uid) < 0)
		die("cannot give up root");
}

void privileged_begin(void)
{
	if (geteuid() != 0 && seteuid(0) < 0)
		die("cannot become root (is staprun installed setuid root?)");
}

void privileged_end(const struct caller *c)
{
	if (geteuid() != c->uid && seteuid(c->uid) < 0)
		die("cannot give up root");
}

void privilege_drop_all(const struct caller *c)
{
	if (c->uid == 0)
		return;
	if (geteuid() != 0 && c->setuid && seteuid(0) < 0)
		die("cannot give up root");
	if (setresgid(c->gid, c->gid, c->gid) < 0 || setresuid(c->uid, c->uid, c->uid) < 0)
		die("cannot give up root");
	/* Paranoia: root must be gone for good. */
	if (setuid(0) == 0 || geteuid() != c->uid) {
		fputs("staprun: ERROR: root privileges could not be dropped\n", stderr);
		exit(1);
	}
}

const char *trusted_module_dir(void)
{
	static char dir[PATH_MAX];
	struct utsname u;

	if (!dir[0]) {
		uname(&u);
		snprintf(dir, sizeof(dir), "/lib/modules/%s/systemtap/", u.release);
	}
	return dir;
}

static enum level level_of_module(const struct modimage *m)
{
	const char *p = modimage_info(m, "stap_privilege");

	if (p && !strcmp(p, "stapusr"))
		return LEVEL_STAPUSR;
	if (p && !strcmp(p, "stapsys"))
		return LEVEL_STAPSYS;
	return LEVEL_STAPDEV;	/* not recorded: built without restrictions */
}

/* Every directory from / down to @path's own is root's alone: nobody else
 * can swap a file or directory on the way between our check and the load. */
static bool path_is_root_only(const char *path, char *why, size_t size)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	while ((slash = strrchr(dir, '/')) != NULL) {
		slash[slash == dir] = '\0';
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			snprintf(why, size, "cannot check directory %s", dir);
			return false;
		}
		if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
			snprintf(why, size, "directory %s is not owned and writable by root alone", dir);
			return false;
		}
		if (slash == dir)
			break;
	}
	return true;
}

/* trusted_module_dir() with its symbolic links resolved (/lib may be one),
 * as the canonical path of a module in it begins. */
static const char *canonical_trusted_dir(void)
{
	static char dir[PATH_MAX + 1];
	char *real;

	if (!dir[0]) {
		real = realpath(trusted_module_dir(), NULL);
		snprintf(dir, sizeof(dir), "%s/", real ? real : "/nonexistent");
		free(real);
	}
	return dir;
}

static bool in_trusted_dir(const char *path)
{
	return !strncmp(path, canonical_trusted_dir(), strlen(canonical_trusted_dir()));
}

/* Installed by root: in the trusted directory, and root's alone. */
static bool module_is_installed(const struct modimage *m, const char *path, char *why,
				size_t size)
{
	if (m->st.st_uid != 0 || (m->st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, size, "module %s is not owned and writable by root alone: "
			 "only stapdev members may run it", path);
		return false;
	}
	return path_is_root_only(path, why, size);
}

/* Signed with a key of the trusted key directory (itself root's alone). */
static bool module_is_signed(const struct modimage *m, const char *path, char *why,
			     size_t size)
{
	char reason[256];

	if (!path_is_root_only(SIGNATURE_KEY_DIR "/key", reason, sizeof(reason)) ||
	    !signature_trusted(m->data, m->size, m->sig, m->sig_size, reason, sizeof(reason))) {
		snprintf(why, size, "module %s is signed, but %s: only stapdev members may run it",
			 path, reason);
		return false;
	}
	return true;
}

static bool module_is_trusted(const struct modimage *m, const char *path, char *why,
			      size_t size)
{
	if (in_trusted_dir(path))
		return module_is_installed(m, path, why, size);
	if (m->sig)
		return module_is_signed(m, path, why, size);
	snprintf(why, size, "module %s is neither in %s nor signed with a key this machine trusts: "
		 "only stapdev members may run it", path, trusted_module_dir());
	return false;
}

bool may_load(const struct caller *c, const struct modimage *m, const char *path,
	      char *why, size_t size)
{
	enum level needed = level_of_module(m);

	if (c->level == LEVEL_STAPDEV)
		return true;
	if (c->level == LEVEL_NONE) {
		snprintf(why, size, "you are not a member of stapusr, stapsys or stapdev: "
			 "running module %s needs %s", path,
			 !in_trusted_dir(path) ? "stapdev" : level_name(needed < LEVEL_STAPUSR ? LEVEL_STAPUSR : needed));
		return false;
	}
	if (!module_is_trusted(m, path, why, size))
		return false;
	if (needed > c->level) {
		snprintf(why, size, "module %s was built for %s: you are a member of %s, "
			 "membership in %s would be needed", path, level_name(needed),
			 level_name(c->level), level_name(needed));
		return false;
	}
	return true;
}

static bool valid_module_name(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= MAX_MODULE_NAME &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == len;
}

/* The uid that loaded stap module @name, or -1 if @name is not one. */
static long loader_of(const char *name)
{
	char path[128];
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/_stp_uid", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &uid) != 1)
		uid = -1;
	fclose(f);
	return uid;
}

bool may_control(const struct caller *c, const char *name, char *why, size_t size)
{
	long uid;

	if (!valid_module_name(name)) {
		snprintf(why, size, "invalid module name '%s'", name);
		return false;
	}
	uid = loader_of(name);
	if (uid < 0) {
		snprintf(why, size, "no systemtap module %s is loaded", name);
		return false;
	}
	if (c->level == LEVEL_STAPDEV)
		return true;
	if (c->level == LEVEL_NONE) {
		snprintf(why, size, "you are not a member of stapusr, stapsys or stapdev: "
			 "controlling module %s needs stapdev (or stapusr, if you loaded it)", name);
		return false;
	}
	if (uid != (long)c->uid) {
		snprintf(why, size, "module %s was loaded by another user (uid %ld): "
			 "membership in stapdev would be needed", name, uid);
		return false;
	}
	return true;
}

/* The real and effective uids of process @pid, from /proc/PID/status. */
static int uids_of(pid_t pid, long *real, long *effective)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Uid: %ld %ld", real, effective) == 2;
	fclose(f);
	return found ? 0 : -1;
}

bool may_target(const struct caller *c, pid_t pid, char *why, size_t size)
{
	long real, effective;

	if (uids_of(pid, &real, &effective) < 0) {
		snprintf(why, size, "no process %d", (int)pid);
		return false;
	}
	if (c->level >= LEVEL_STAPSYS)
		return true;
	if (real != (long)c->uid || effective != (long)c->uid) {
		snprintf(why, size, "process %d belongs to another user: members of stapusr may "
			 "only target their own processes (stapsys would be needed)", (int)pid);
		return false;
	}
	return true;
}
