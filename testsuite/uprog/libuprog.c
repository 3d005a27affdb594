/* libuprog.so: a shared library with functions and a marker. */
#include <sys/sdt.h>
#include "uprog.h"

static int calls;	/* static data of the library */

__attribute__((noinline)) int lib_scale(int v, int factor)
{
	int result = v * factor;

	calls++;
	STAP_PROBE3(libuprog, scaled, v, factor, result);
	return result;
}

const char *lib_name(void)
{
	return "libuprog";
}
