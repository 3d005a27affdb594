/*
 * A marker guarded by a semaphore, the way dtrace -h / -G arrange it: a
 * counter in the .probes section that a tracer raises while it watches
 * the marker (uprobes' reference counter), tested by *_ENABLED().
 * Written out by hand instead of generated from a .d file.  In its own
 * file: _SDT_HAS_SEMAPHORES gives every marker of a unit a semaphore.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include "uprog.h"

__extension__ unsigned short uprog_guarded_semaphore __attribute__((unused))
	__attribute__((section(".probes")));
#define UPROG_GUARDED_ENABLED() __builtin_expect(uprog_guarded_semaphore, 0)

__attribute__((noinline)) int guarded_marker(int i)
{
	if (!UPROG_GUARDED_ENABLED())
		return 0;
	STAP_PROBE1(uprog, guarded, i);
	return 1;
}
