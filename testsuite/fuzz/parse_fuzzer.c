/* libFuzzer target: the lexer, preprocessor and parser must survive any
 * input (errors are fine; crashes, hangs and memory errors are not), and
 * whatever parses must print (-p1) without trouble. */
#include "parse.h"

#include <string.h>

static char *fuzz_args[] = { "1", "timer.ms(10)", "x" };
static struct pp_env fuzz_env = {
	.kernel_release = "6.1.0-1-amd64", .arch = "x86_64", .runtime = "kernel",
	.systemtap_v = "5.0", .privilege = "stapdev", .args = fuzz_args, .nargs = 3,
};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct source *src = xcalloc(1, sizeof(*src));
	struct script s;
	FILE *null;

	memset(&s, 0, sizeof(s));
	src->name = "<fuzz>";
	src->text = xstrndup((const char *)data, size);	/* stops at a NUL, as files do */
	if (parse_source(&s, src, &fuzz_env, NULL) == 0) {
		null = fopen("/dev/null", "w");
		if (null) {
			print_script(null, &s, 0);
			fclose(null);
		}
	}
	return 0;
}
