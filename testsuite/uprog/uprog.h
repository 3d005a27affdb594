/* Shared by the user-space probe test programs (uprog, uprog_nopie,
 * uprog_O2, libuprog.so, uprog_dlopen). */
#ifndef UPROG_H
#define UPROG_H

struct point {
	int x, y;
	const char *label;
};

/* libuprog.so */
int lib_scale(int v, int factor);
const char *lib_name(void);

/* uprog_sem.c: the marker guarded by a semaphore; 1 if it was enabled. */
int guarded_marker(int i);

/* "--sleep S": S seconds, fractions allowed. */
void sleep_seconds(const char *s);
/* "--fork": the caller goes on in a child process and, once the child
 * has exited, in the parent too. */
void fork_and_wait(void);
/* "--quiet": no output. */
void quiet(void);

#endif
