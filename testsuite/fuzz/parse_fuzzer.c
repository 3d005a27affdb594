/* libFuzzer target: the lexer, preprocessor, parser and elaborator must
 * survive any input (errors are fine; crashes, hangs and memory errors
 * are not), and whatever parses must print (-p1), and whatever elaborates
 * (-p2), without trouble. */
#include "session.h"

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
	struct session *sess = xcalloc(1, sizeof(*sess));
	FILE *null = fopen("/dev/null", "w");

	if (!null)
		return 0;
	src->name = "<fuzz>";
	src->text = xstrndup((const char *)data, size);	/* stops at a NUL, as files do */
	sess->pp_env = fuzz_env;
	sess->release = fuzz_env.kernel_release;	/* no such kernel: kernel.function fails fast */
	sess->suppress_warnings = 1;
	if (parse_source(&sess->script, src, &fuzz_env, &sess->macros) == 0) {
		print_script(null, &sess->script, 0);
		if (pass2_elaborate(sess) == 0)
			print_script(null, &sess->script, 1);
	}
	fclose(null);
	return 0;
}
