/* What C from sdt_arg_c() needs, in user space: sdt_trace.c provides
 * stp_register and stp_uread over a traced process; the markers and
 * their argument functions are written by sdt_test --emit-c. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int8_t s8;
typedef uint8_t u8;
typedef int16_t s16;
typedef uint16_t u16;
typedef int32_t s32;
typedef uint32_t u32;
typedef int64_t s64;
typedef uint64_t u64;

struct stp_context {
	const char *error;	/* the first error of the hit, as the runtime's */
	char error_buf[80];
	const char *error_near;
};

s64 stp_register(struct stp_context *c, const char *name, bool sign_extend);
u64 stp_uread(struct stp_context *c, unsigned long addr, size_t size, const char *near);

struct gen_marker {
	const char *path, *provider, *name;
	unsigned long long pc_offset, semaphore_offset;
	int nargs;
	s64 (*args[12])(struct stp_context *c);
};

extern const struct gen_marker gen_markers[];
extern const int gen_nmarkers;
