#include <stdlib.h>
#include <time.h>
#include "uprog.h"

void sleep_seconds(const char *s)
{
	double d = atof(s);
	struct timespec ts = { (time_t)d, (long)((d - (time_t)d) * 1e9) };

	while (nanosleep(&ts, &ts))
		;
}
