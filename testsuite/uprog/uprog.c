/*
 * A target for user-space probes: functions taking ints, a string, a
 * pointer to a struct and a struct by value, a recursive function, SDT
 * markers, and calls into libuprog.so.  It prints what each call gets
 * and returns, so a test can compare a script's view with the program's.
 *
 *   uprog [--sleep S] [--thread] [--fork] [--quiet] [N]
 *
 * runs N iterations (default 1); --sleep waits S seconds first (for -x),
 * --thread calls add_ints from a second thread, --fork runs them all in
 * a child too (same program, another pid), --quiet prints nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include "uprog.h"

#define NOINLINE __attribute__((noinline))

long uprog_global = 42;		/* for @var and RIP-relative marker args */

NOINLINE int add_ints(int a, int b)
{
	int sum = a + b;	/* a local */

	return sum;
}

NOINLINE size_t str_len(const char *s)
{
	return strlen(s);
}

NOINLINE long point_sum(const struct point *p)
{
	return p->x + p->y;
}

NOINLINE long point_by_value(struct point p)
{
	return (long)p.x * p.y;
}

NOINLINE long factorial(int n)
{
	if (n <= 1)
		return 1;
	return n * factorial(n - 1);
}

/* Inlined at every optimization level: for .inline probes. */
static inline __attribute__((always_inline)) int square(int v)
{
	return v * v;
}

/* Called with a bad pointer and valid == 0: only a probe reads *p. */
NOINLINE int maybe_point(const struct point *p, int valid)
{
	return valid ? p->x : -1;
}

static void *thread_add(void *arg)
{
	int *v = arg;

	v[2] = add_ints(v[0], v[1]);
	return NULL;
}

static int call_add(int a, int b, int in_thread)
{
	pthread_t t;
	int v[3] = { a, b, 0 };

	if (!in_thread)
		return add_ints(a, b);
	if (pthread_create(&t, NULL, thread_add, v) || pthread_join(t, NULL)) {
		fprintf(stderr, "uprog: pthread failed\n");
		exit(1);
	}
	return v[2];
}

static void markers(int i, const char *text, struct point *pt)
{
	long big = -5000000000L * i;
	unsigned char byte = (unsigned char)(200 + i);
	short neg = (short)(-i);

	STAP_PROBE2(uprog, ints, i, -3 * i);
	STAP_PROBE3(uprog, mixed, big, text, pt);
	STAP_PROBE3(uprog, small, byte, neg, uprog_global);
	DTRACE_PROBE1(uprog, point, pt);
	STAP_PROBE1(uprog, bad_pointer, (struct point *)16);
	printf("marker ints: %d %d\n", i, -3 * i);
	printf("marker mixed: %ld \"%s\" x=%d\n", big, text, pt->x);
	printf("marker small: %u %d %ld\n", byte, neg, uprog_global);
}

static void iteration(int i, int in_thread)
{
	char text[32];
	struct point pt = { i, 2 * i, "pt" };

	snprintf(text, sizeof(text), "hello %d", i);
	printf("add_ints(%d, %d) = %d\n", i, 10 * i, call_add(i, 10 * i, in_thread));
	printf("str_len(\"%s\") = %zu\n", text, str_len(text));
	printf("point_sum({%d, %d, \"%s\"}) = %ld\n", pt.x, pt.y, pt.label, point_sum(&pt));
	printf("point_by_value({%d, %d, \"%s\"}) = %ld\n", pt.x, pt.y, pt.label, point_by_value(pt));
	printf("factorial(%d) = %ld\n", i + 2, factorial(i + 2));
	printf("square(%d) = %d\n", i + 1, square(i + 1));
	printf("maybe_point(0x10, 0) = %d\n", maybe_point((const struct point *)16, 0));
	printf("lib_scale(%d, 3) = %d\n", i, lib_scale(i, 3));
	markers(i, text, &pt);
	printf("guarded(%d): semaphore %s\n", i, guarded_marker(i) ? "set" : "clear");
}

int main(int argc, char **argv)
{
	int n = 1, in_thread = 0, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sleep") && i + 1 < argc)
			sleep_seconds(argv[++i]);
		else if (!strcmp(argv[i], "--thread"))
			in_thread = 1;
		else if (!strcmp(argv[i], "--fork"))
			fork_and_wait();
		else if (!strcmp(argv[i], "--quiet"))
			quiet();
		else
			n = atoi(argv[i]);
	}
	printf("%s: %s\n", lib_name(), "linked");
	STAP_PROBE(uprog, start);	/* once, libraries loaded */
	for (i = 1; i <= n; i++)
		iteration(i, in_thread);
	return 0;
}
