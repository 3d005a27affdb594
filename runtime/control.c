/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control functions of the tapset library that need the runtime:
 * abort(), system() (run by stapio), and randint()'s random numbers.
 */

#include <linux/random.h>
#include <linux/timekeeping.h>

/* abort(): exit() without finishing this hit, which ends at once. */
static __maybe_unused void stp_abort(struct stp_context *c)
{
	stp_exit();
	if (!c->error) {
		c->error = stp_abort_marker;
		c->error_near = NULL;
	}
}

/*
 * system(): stapio runs the command with /bin/sh once it reads the
 * request.  What the hit printed so far goes out first, so that it comes
 * before anything the command prints.
 */
static __maybe_unused void stp_system(struct stp_context *c, const char *command)
{
	size_t len = strnlen(command, MAXSTRINGLEN);

	if (len > STP_MSG_MAX_PAYLOAD) {
		stp_warn("system() command too long: not run");
		return;
	}
	stp_print_flush(c);
	stp_ctl_send(STP_MSG_SYSTEM, command, len);
}

static DEFINE_PER_CPU(u64, stp_random_state);

/*
 * A pseudo-random 64-bit number: splitmix64 over a per-CPU counter that
 * is seeded on its CPU's first use.  Lock-free and safe in any probe
 * context; not for secrets.
 */
static u64 stp_random_u64(void)
{
	u64 *state = this_cpu_ptr(&stp_random_state);
	u64 z;

	if (unlikely(!*state))
		*state = (in_nmi() ? ktime_get_mono_fast_ns() : get_random_u64()) | 1;
	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define STP_RANDINT_MAX (1LL << 20)

/* randint(n): uniform in [0, n) for 1 <= n <= 2^20, else an error. */
static __maybe_unused int64_t stp_randint(struct stp_context *c, int64_t n)
{
	char msg[80];

	if (n < 1 || n > STP_RANDINT_MAX) {
		snprintf(msg, sizeof(msg), "randint: range %lld is not between 1 and %lld",
			 (long long)n, STP_RANDINT_MAX);
		stp_error(c, msg, NULL);
		return 0;
	}
	return (int64_t)(((stp_random_u64() >> 32) * (u64)n) >> 32);
}
