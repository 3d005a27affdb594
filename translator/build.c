/* Pass 4: build the generated C into a kernel module with kbuild, in a
 * temporary directory, against the target release's build tree. */
#include "session.h"

#include "modinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs argv with stdout and stderr to log_path; returns the exit status,
 * or -1 if it could not run. */
static int run_logged(char *const argv[], const char *log_path)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		FILE *log = fopen(log_path, "w");

		if (log) {
			dup2(fileno(log), 1);
			dup2(fileno(log), 2);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *default_module_name(struct session *s)
{
	uint64_t h = hash_bytes(0, s->c_source, strlen(s->c_source));

	h = hash_bytes(h, s->release, strlen(s->release));
	return xasprintf("stap_%016llx", (unsigned long long)h);
}

static int valid_module_name(const char *name)
{
	if (!*name || strlen(name) > 55)
		return 0;
	for (const char *p = name; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9' && p != name)))
			return 0;
	return 1;
}

static int write_kbuild_files(struct session *s, const char *name)
{
	char *c_path = xasprintf("%s/%s.c", s->tmpdir, name);
	char *kbuild_path = xasprintf("%s/Kbuild", s->tmpdir);
	/* -g0 after the kernel's -g: nothing reads the module's DWARF (the
	 * kernel unwinds it with the ORC data objtool makes), and making it
	 * is a good part of the compile. */
	char *kbuild = xasprintf("obj-m := %s.o\nccflags-y := -I%s -g0\n", name, s->runtime_dir);
	int rc = 0;

	if (write_file(c_path, s->c_source, strlen(s->c_source)) < 0 ||
	    write_file(kbuild_path, kbuild, strlen(kbuild)) < 0) {
		fprintf(stderr, "stap: cannot write to %s: %s\n", s->tmpdir, strerror(errno));
		rc = -1;
	}
	free(c_path);
	free(kbuild_path);
	free(kbuild);
	return rc;
}

static void show_build_log(const char *log_path)
{
	char *log = read_file(log_path, NULL);

	if (log)
		fputs(log, stderr);
	free(log);
}

/* The module must say it is for our release ("6.1.0-56-amd64 SMP ..."). */
static int check_vermagic(struct session *s)
{
	char vermagic[256];
	size_t n = strlen(s->release);

	if (module_info(s->module_path, "vermagic", vermagic, sizeof(vermagic)) < 0) {
		fprintf(stderr, "stap: %s has no vermagic: not a kernel module?\n", s->module_path);
		return -1;
	}
	if (strncmp(vermagic, s->release, n) || vermagic[n] != ' ') {
		fprintf(stderr, "stap: %s was built for '%s', not for %s\n", s->module_path, vermagic,
			s->release);
		return -1;
	}
	if (s->verbose > 1)
		fprintf(stderr, "Module vermagic: %s\n", vermagic);
	return 0;
}

int pass4_build(struct session *s)
{
	const char *name = s->module_name;
	char *log_path, *mdir;
	int rc;

	if (!is_dir(s->kernel_build_dir)) {
		fprintf(stderr, "stap: no kernel build tree at %s (install linux-headers-%s)\n",
			s->kernel_build_dir, s->release);
		return -1;
	}
	if (!name)
		name = s->module_name = default_module_name(s);
	if (!valid_module_name(name)) {
		fprintf(stderr, "stap: invalid module name '%s' (letters, digits and '_', at most 55)\n", name);
		return -1;
	}
	if (write_kbuild_files(s, name) < 0)
		return -1;
	log_path = xasprintf("%s/build.log", s->tmpdir);
	mdir = xasprintf("M=%s", s->tmpdir);
	{
		char *argv[] = { "make", "-C", (char *)s->kernel_build_dir, mdir, "modules", NULL };

		rc = run_logged(argv, log_path);
	}
	if (rc != 0) {
		show_build_log(log_path);
		fprintf(stderr, "stap: kbuild failed for %s (in %s)\n", name, s->tmpdir);
		s->keep_tmpdir = 1;
	} else {
		if (s->verbose > 1)
			show_build_log(log_path);
		s->module_path = xasprintf("%s/%s.ko", s->tmpdir, name);
		rc = check_vermagic(s);
	}
	free(log_path);
	free(mdir);
	return rc ? -1 : 0;
}
