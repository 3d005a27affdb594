/* The probe-cost benchmark's workload: N getppid() system calls in a
 * tight loop, in 5 timed chunks of N/5 (CLOCK_MONOTONIC), after N/10
 * untimed calls that warm the caches and the probe's first-hit paths.
 * Prints "N calls X ns/call" with X the median chunk, which a burst of
 * other work on the (emulated) CPU disturbs less than a plain mean, on
 * stdout or into FILE (so it can't mix with a script's output).
 * syscall(SYS_getppid) makes sure every call enters the kernel. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNKS 5

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void calls(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n = argc == 2 || argc == 3 ? strtol(argv[1], NULL, 10) : 0;
	FILE *out = argc == 3 ? fopen(argv[2], "w") : stdout;
	double per_call[CHUNKS];

	if (n < CHUNKS) {
		fprintf(stderr, "usage: %s N [FILE] (N >= %d getppid calls)\n", argv[0], CHUNKS);
		return 2;
	}
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	calls(n / 10);
	for (int c = 0; c < CHUNKS; c++) {
		double start = now_ns();

		calls(n / CHUNKS);
		per_call[c] = (now_ns() - start) / (n / CHUNKS);
	}
	qsort(per_call, CHUNKS, sizeof(per_call[0]), compare);
	fprintf(out, "%ld calls %.1f ns/call\n", n / CHUNKS * CHUNKS, per_call[CHUNKS / 2]);
	return fclose(out) ? 1 : 0;
}
