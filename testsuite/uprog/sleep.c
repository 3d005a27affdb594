/* What the test programs' options do: --sleep, --fork, --quiet. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "uprog.h"

void sleep_seconds(const char *s)
{
	double d = atof(s);
	struct timespec ts = { (time_t)d, (long)((d - (time_t)d) * 1e9) };

	while (nanosleep(&ts, &ts))
		;
}

void fork_and_wait(void)
{
	pid_t child = fork();

	if (child < 0) {
		perror("uprog: fork");
		exit(1);
	}
	if (child)	/* the child's calls first, then the parent's */
		waitpid(child, NULL, 0);
}

void quiet(void)
{
	if (!freopen("/dev/null", "w", stdout))
		exit(1);
}
