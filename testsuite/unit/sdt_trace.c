/*
 * Runs a test program (testsuite/uprog) under ptrace with a breakpoint
 * at each of its markers, raises the semaphores, and at each hit
 * evaluates the arguments with the C that sdt_arg_c() wrote (built in
 * by sdt_test.sh): the values must be those the program prints.  So the
 * file offsets, semaphores and argument C of translator/sdt.c are tried
 * on real processes, PIE, non-PIE, -O2 and a shared library.  The
 * register names the C uses must be in runtime/registers.c's table.
 *
 *   sdt_trace REGISTERS_C PROGRAM ARGS...    prints ok/FAIL lines
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sdt_trace.h"

static pid_t child;
static struct user_regs_struct regs;
static unsigned long hit_addr;		/* the probed address: what "rip" reads */
static char known_regs[64][16];		/* runtime/registers.c's names */
static int nknown;
static char trace_out[16384];		/* what the markers said, a line each */
static int failures;

struct armed {
	unsigned long addr;
	unsigned char orig;	/* the byte under the int3 */
};
static struct armed armed[256];		/* by gen_markers index; addr 0: not yet */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

static void load_register_names(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], *p;

	while (f && fgets(line, sizeof(line), f))
		for (p = line; (p = strstr(p, "STP_REG(\"")) && nknown < 64; p++)
			sscanf(p, "STP_REG(\"%15[^\"]", known_regs[nknown++]);
	if (f)
		fclose(f);
}

s64 stp_register(struct stp_context *c, const char *name, bool sign_extend)
{
	static const struct { const char *name; size_t off; } map[] = {
#define R(n, f) { n, offsetof(struct user_regs_struct, f) }
		R("rax", rax), R("rbx", rbx), R("rcx", rcx), R("rdx", rdx), R("rsi", rsi), R("rdi", rdi),
		R("rbp", rbp), R("rsp", rsp), R("r8", r8), R("r9", r9), R("r10", r10), R("r11", r11),
		R("r12", r12), R("r13", r13), R("r14", r14), R("r15", r15),
#undef R
	};
	int known = 0;

	(void)sign_extend;
	for (int i = 0; i < nknown; i++)
		known |= !strcmp(known_regs[i], name);
	if (!known) {
		snprintf(c->error_buf, sizeof(c->error_buf), "Unknown register: %s", name);
		c->error = c->error_buf;
		return 0;
	}
	if (!strcmp(name, "rip"))
		return (s64)hit_addr;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].name, name))
			return *(s64 *)((char *)&regs + map[i].off);
	snprintf(c->error_buf, sizeof(c->error_buf), "no such register in this test: %s", name);
	c->error = c->error_buf;
	return 0;
}

u64 stp_uread(struct stp_context *c, unsigned long addr, size_t size, const char *near)
{
	u64 v = 0;
	long w;

	if (c->error)
		return 0;
	errno = 0;
	w = ptrace(PTRACE_PEEKDATA, child, (void *)addr, NULL);
	if (errno) {
		snprintf(c->error_buf, sizeof(c->error_buf), "user read fault at 0x%016lx", addr);
		c->error = c->error_buf;
		c->error_near = near;
		return 0;
	}
	memcpy(&v, &w, size);
	return v;
}

static void user_string(struct stp_context *c, unsigned long addr, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size; i++) {
		buf[i] = (char)stp_uread(c, addr + i, 1, "string");
		if (!buf[i] || c->error)
			break;
	}
	buf[i] = '\0';
}

/* Where the process maps offset off of file path; 0 if it doesn't. */
static unsigned long runtime_addr(const char *path, unsigned long long off)
{
	char maps[64], line[PATH_MAX + 128], file[PATH_MAX], real[PATH_MAX], want[PATH_MAX];
	unsigned long lo, hi, moff, addr = 0;
	FILE *f;

	if (!realpath(path, want))
		return 0;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", child);
	f = fopen(maps, "r");
	while (f && !addr && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %4095s", &lo, &hi, &moff, file) == 4 &&
		    realpath(file, real) && !strcmp(real, want) && off >= moff && off < moff + (hi - lo))
			addr = lo + (off - moff);
	if (f)
		fclose(f);
	return addr;
}

/* Sets one byte of the text (markers' nops may be adjacent: a word
 * written back would undo a neighbour's int3); the old byte. */
static unsigned char set_byte(unsigned long addr, unsigned char b)
{
	long w = ptrace(PTRACE_PEEKTEXT, child, (void *)addr, NULL);

	ptrace(PTRACE_POKETEXT, child, (void *)addr, (void *)((w & ~0xffL) | b));
	return (unsigned char)w;
}

/* Breakpoints at the markers of every file mapped by now; semaphores up. */
static void arm(void)
{
	for (int i = 0; i < gen_nmarkers; i++) {
		const struct gen_marker *m = &gen_markers[i];
		unsigned long a = armed[i].addr ? 0 : runtime_addr(m->path, m->pc_offset);

		if (!a)
			continue;
		armed[i].addr = a;
		armed[i].orig = set_byte(a, 0xcc);
		if (m->semaphore_offset) {
			unsigned long s = runtime_addr(m->path, m->semaphore_offset);
			long w = ptrace(PTRACE_PEEKDATA, child, (void *)s, NULL);

			if (!s)
				fail("%s:%s: semaphore offset 0x%llx not mapped", m->provider, m->name,
				     m->semaphore_offset);
			else
				ptrace(PTRACE_POKEDATA, child, (void *)s, (void *)((w & ~0xffffL) | ((w + 1) & 0xffff)));
		}
	}
}

/* A hit of marker m: its arguments, as the program prints them. */
static void report(const struct gen_marker *m)
{
	struct stp_context c = { 0 };
	size_t len = strlen(trace_out);
	char *out = trace_out + len, s[64];
	size_t room = sizeof(trace_out) - len;
	s64 a[12] = { 0 };

	for (int i = 0; i < m->nargs; i++)
		a[i] = m->args[i](&c);
	if (!strcmp(m->name, "ints"))
		snprintf(out, room, "marker ints: %lld %lld\n", (long long)a[0], (long long)a[1]);
	else if (!strcmp(m->name, "mixed")) {
		user_string(&c, (unsigned long)a[1], s, sizeof(s));
		snprintf(out, room, "marker mixed: %lld \"%s\" x=%d\n", (long long)a[0], s,
			 (int)stp_uread(&c, (unsigned long)a[2], 4, "x"));
	} else if (!strcmp(m->name, "small"))
		snprintf(out, room, "marker small: %lld %lld %lld\n", (long long)a[0], (long long)a[1],
			 (long long)a[2]);
	else if (!strcmp(m->name, "guarded"))
		snprintf(out, room, "guarded(%lld): semaphore set\n", (long long)a[0]);
	else if (!strcmp(m->name, "scaled"))
		snprintf(out, room, "lib_scale(%lld, %lld) = %lld\n", (long long)a[0], (long long)a[1],
			 (long long)a[2]);
	else if (!strcmp(m->name, "bad_pointer")) {
		stp_uread(&c, (unsigned long)a[0], 4, "$arg1->x");
		if (a[0] != 16 || !c.error || strcmp(c.error, "user read fault at 0x0000000000000010"))
			fail("bad_pointer: arg 0x%llx, error %s", (long long)a[0], c.error ? c.error : "none");
		return;
	}
	if (c.error)
		fail("%s:%s: %s near %s", m->provider, m->name, c.error, c.error_near ? c.error_near : "?");
}

/* Steps over the breakpoint at marker i and puts it back. */
static void step_over(int i)
{
	int st;

	set_byte(armed[i].addr, armed[i].orig);
	regs.rip = armed[i].addr;
	ptrace(PTRACE_SETREGS, child, NULL, &regs);
	ptrace(PTRACE_SINGLESTEP, child, NULL, NULL);
	waitpid(child, &st, 0);
	set_byte(armed[i].addr, 0xcc);
}

static void trace(void)
{
	int st, sig = 0;

	waitpid(child, &st, 0);		/* stopped at the exec */
	ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)PTRACE_O_EXITKILL);
	arm();
	for (;;) {
		int i;

		ptrace(PTRACE_CONT, child, NULL, (void *)(long)sig);
		if (waitpid(child, &st, 0) < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			return;
		sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);
		if (sig)
			continue;
		ptrace(PTRACE_GETREGS, child, NULL, &regs);
		hit_addr = regs.rip - 1;
		for (i = 0; i < gen_nmarkers && armed[i].addr != hit_addr; i++)
			;
		if (i == gen_nmarkers) {
			fail("SIGTRAP at 0x%lx, no marker there", hit_addr);
			return;
		}
		report(&gen_markers[i]);
		step_over(i);
		if (!strcmp(gen_markers[i].name, "start"))
			arm();		/* the libraries are loaded now */
	}
}

/* The program's lines that markers also describe. */
static void filter(const char *all, char *out, size_t size)
{
	const char *p = all;

	out[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0);

		if (!strncmp(p, "marker ints", 11) || !strncmp(p, "marker mixed", 12) ||
		    !strncmp(p, "marker small", 12) || !strncmp(p, "guarded(", 8) || !strncmp(p, "lib_scale(", 10))
			strncat(out, p, n < size - strlen(out) - 1 ? n : size - strlen(out) - 1);
		p += n;
	}
}

int main(int argc, char **argv)
{
	static char prog_out[65536], want[16384];
	int fd[2];
	ssize_t n, len = 0;

	if (argc < 3)
		return fprintf(stderr, "usage: sdt_trace REGISTERS_C PROGRAM ARGS...\n"), 2;
	load_register_names(argv[1]);
	if (nknown < 10 || pipe(fd))
		return fprintf(stderr, "sdt_trace: no registers in %s\n", argv[1]), 2;
	child = fork();
	if (!child) {
		dup2(fd[1], 1);
		close(fd[0]);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	close(fd[1]);
	trace();
	while ((n = read(fd[0], prog_out + len, sizeof(prog_out) - 1 - len)) > 0)
		len += n;
	filter(prog_out, want, sizeof(want));
	if (!want[0] || strcmp(want, trace_out))
		fail("%s: marker arguments as the program printed them\n--- program\n%s--- markers\n%s", argv[2], want,
		     trace_out);
	else
		printf("ok %s: marker arguments as the program printed them\n", argv[2]);
	return failures != 0;
}
