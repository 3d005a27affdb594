/*
 * Loads libuprog.so with dlopen, after an optional sleep, and calls it:
 * probes on the library must find it once it is mapped.
 *
 *   uprog_dlopen [--sleep S] [N]
 */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "uprog.h"

int main(int argc, char **argv)
{
	char exe[PATH_MAX], lib[PATH_MAX + 16];
	int (*scale)(int, int);
	int n = 1, i;
	ssize_t len;
	void *h;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sleep") && i + 1 < argc)
			sleep_seconds(argv[++i]);
		else
			n = atoi(argv[i]);
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0) {
		perror("uprog_dlopen: /proc/self/exe");
		return 1;
	}
	exe[len] = '\0';
	snprintf(lib, sizeof(lib), "%s/libuprog.so", dirname(exe));
	h = dlopen(lib, RTLD_NOW);
	if (!h || !(scale = (int (*)(int, int))dlsym(h, "lib_scale"))) {
		fprintf(stderr, "uprog_dlopen: %s\n", dlerror());
		return 1;
	}
	printf("dlopen %s\n", "libuprog.so");
	for (i = 1; i <= n; i++)
		printf("lib_scale(%d, 5) = %d\n", i, scale(i, 5));
	dlclose(h);
	return 0;
}
