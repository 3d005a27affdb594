/* Opening a module's transport for stapio, and finding stapio. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launch.h"

#define TRANSPORT_ROOT "/sys/kernel/debug/systemtap"

/* "trace12" -> 12; -1 for any other name. */
static int relay_index(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "trace", 5) || name[5] < '0' || name[5] > '9')
		return -1;
	n = strtol(name + 5, &end, 10);
	return *end || n >= MAX_RELAY_FILES ? -1 : (int)n;
}

static int open_relays(int dir, struct transport_fds *t)
{
	DIR *d = fdopendir(dup(dir));
	struct dirent *e;
	int i, n, fds[MAX_RELAY_FILES];

	if (!d)
		return -1;
	for (i = 0; i < MAX_RELAY_FILES; i++)
		fds[i] = -1;
	while ((e = readdir(d)) != NULL) {
		n = relay_index(e->d_name);
		if (n >= 0 && fds[n] < 0)
			fds[n] = openat(dir, e->d_name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	}
	closedir(d);
	for (i = 0; i < MAX_RELAY_FILES; i++)
		if (fds[i] >= 0)
			t->relay[t->nrelay++] = fds[i];
	if (t->nrelay == 0) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int transport_open(const char *name, struct transport_fds *t)
{
	char path[PATH_MAX];
	int dir, saved;

	t->ctl = -1;
	t->nrelay = 0;
	snprintf(path, sizeof(path), TRANSPORT_ROOT "/%s", name);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -1;
	t->ctl = openat(dir, "ctl", O_RDWR | O_NONBLOCK | O_NOFOLLOW);
	if (t->ctl < 0 || open_relays(dir, t) < 0) {
		saved = errno;
		transport_close(t);
		close(dir);
		errno = saved;
		return -1;
	}
	close(dir);
	return 0;
}

void transport_close(struct transport_fds *t)
{
	int i;

	if (t->ctl >= 0)
		close(t->ctl);
	for (i = 0; i < t->nrelay; i++)
		close(t->relay[i]);
	t->ctl = -1;
	t->nrelay = 0;
}

char *transport_ctl_arg(const struct transport_fds *t)
{
	char *arg;

	if (asprintf(&arg, "--ctl-fd=%d", t->ctl) < 0)
		return NULL;
	return arg;
}

char *transport_relay_arg(const struct transport_fds *t)
{
	size_t size = 16 + (size_t)t->nrelay * 12, used;
	char *arg = malloc(size);
	int i;

	if (!arg)
		return NULL;
	used = snprintf(arg, size, "--relay-fds=");
	for (i = 0; i < t->nrelay; i++)
		used += snprintf(arg + used, size - used, "%s%d", i ? "," : "", t->relay[i]);
	return arg;
}

static int is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

void find_stapio(char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(path, size, "%s/stapio", self) < (int)size && is_program(path))
				return;
			if (snprintf(path, size, "%s/../stapio/stapio", self) < (int)size &&
			    is_program(path))
				return;
		}
	}
	snprintf(path, size, "stapio");
}
