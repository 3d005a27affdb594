/*
 * translator/sdt.c: argument strings parsed and turned into C, and the
 * markers of the test programs (testsuite/uprog) against what
 * `readelf -n --wide` says of them.  Prints "ok NAME" / "FAIL NAME" and
 * the difference, then "done".
 *
 *   sdt_test [--shifted ORIG COPY DELTA] BINARY...     the tests; COPY is
 *              ORIG with .stapsdt.base's address moved by DELTA, as
 *              prelink would move it with the rest
 *   sdt_test --emit-c OUT BINARY...    C for every marker argument, for
 *                                      sdt_trace.c (see sdt_test.sh)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdt.h"

static int failures;

static void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s\n", ok ? "ok" : "FAIL", name);
	if (ok)
		return;
	failures++;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int fake_lookup(void *ctx, const char *name, uint64_t *addr)
{
	(void)ctx;
	if (!strcmp(name, "uprog_global"))
		*addr = 0x4010;
	else if (!strcmp(name, "arr"))
		*addr = 0x5000;
	else
		return -1;
	return 0;
}

/* One argument string, parsed at pc 0x1000: its C (or "BAD: why"). */
static char *arg_result(const char *text, int pic)
{
	struct sdt_arg *args;
	int n;
	char *r;

	sdt_parse_args(text, 0x1000, pic, fake_lookup, NULL, &args, &n);
	if (n != 1)
		return xasprintf("%d args", n);
	r = args[0].kind == SDT_BAD ? xasprintf("BAD: %s", args[0].why) : sdt_arg_c(&args[0], "$arg1");
	free(args[0].reg);
	free(args[0].index);
	free(args[0].text);
	free(args[0].why);
	free(args);
	return r;
}

static void expect_arg(const char *text, int pic, const char *want)
{
	char *got = arg_result(text, pic);
	char *name = xasprintf("arg %s%s", text, pic ? " (pic)" : "");

	check(!strcmp(got, want), name, "  want %s\n  got  %s", want, got);
	free(name);
	free(got);
}

static void parse_tests(void)
{
	/* registers: named by their 64-bit register, cut to the width */
	expect_arg("-4@%edi", 1, "((s64)(s32)stp_register(c, \"rdi\", false))");
	expect_arg("8@%rsi", 1, "((s64)(u64)stp_register(c, \"rsi\", false))");
	expect_arg("1@%r15b", 1, "((s64)(u8)stp_register(c, \"r15\", false))");
	expect_arg("-2@%r14w", 1, "((s64)(s16)stp_register(c, \"r14\", false))");
	expect_arg("-4@%r9d", 1, "((s64)(s32)stp_register(c, \"r9\", false))");
	expect_arg("2@%ax", 1, "((s64)(u16)stp_register(c, \"rax\", false))");
	expect_arg("-1@%dil", 1, "((s64)(s8)stp_register(c, \"rdi\", false))");
	expect_arg("1@%ah", 1, "((s64)(u8)((u64)stp_register(c, \"rax\", false) >> 8))");
	expect_arg("8@%edx", 1, "((s64)(u32)stp_register(c, \"rdx\", false))");
	expect_arg("%rdi", 1, "((s64)(s64)stp_register(c, \"rdi\", false))");
	/* memory */
	expect_arg("8@-16(%rbp)", 1,
		   "((s64)(u64)stp_uread(c, (u64)stp_register(c, \"rbp\", false) - 0x10UL, 8, \"$arg1\"))");
	expect_arg("-4@8(%rsp)", 1,
		   "((s64)(s32)stp_uread(c, (u64)stp_register(c, \"rsp\", false) + 0x8UL, 4, \"$arg1\"))");
	expect_arg("8@(%rax,%rdx,8)", 1,
		   "((s64)(u64)stp_uread(c, (u64)stp_register(c, \"rax\", false) + "
		   "(u64)stp_register(c, \"rdx\", false) * 8, 8, \"$arg1\"))");
	expect_arg("2@0x10(,%r8,2)", 1,
		   "((s64)(u16)stp_uread(c, (u64)stp_register(c, \"r8\", false) * 2 + 0x10UL, 2, \"$arg1\"))");
	expect_arg("-1@(%eax)", 1,
		   "((s64)(s8)stp_uread(c, (unsigned long)(u32)((u32)stp_register(c, \"rax\", false)), 1, \"$arg1\"))");
	expect_arg("-8@uprog_global(%rip)", 1,
		   "((s64)(s64)stp_uread(c, (u64)stp_register(c, \"rip\", false) + 0x3010UL, 8, \"$arg1\"))");
	expect_arg("4@uprog_global+8(%rip)", 1,
		   "((s64)(u32)stp_uread(c, (u64)stp_register(c, \"rip\", false) + 0x3018UL, 4, \"$arg1\"))");
	expect_arg("8@arr(,%rax,8)", 0,
		   "((s64)(u64)stp_uread(c, (u64)stp_register(c, \"rax\", false) * 8 + 0x5000UL, 8, \"$arg1\"))");
	expect_arg("4@arr", 0, "((s64)(u32)stp_uread(c, 0x5000UL, 4, \"$arg1\"))");
	/* immediates */
	expect_arg("-4@$5", 1, "((s64)(s32)0x5ULL)");
	expect_arg("-8@$-1", 1, "((s64)(s64)0xffffffffffffffffULL)");
	expect_arg("4@$0x10", 1, "((s64)(u32)0x10ULL)");
	/* what we refuse, and why */
	expect_arg("8f@%xmm0", 1, "BAD: floating-point argument '8f@%xmm0' is not supported");
	expect_arg("4@%xmm1", 1, "BAD: unknown register '%xmm1'");
	expect_arg("16@%rax", 1, "BAD: unsupported size 16 in '16@%rax'");
	expect_arg("x@%rax", 1, "BAD: bad size in 'x@%rax'");
	expect_arg("8@nosuch(%rip)", 1, "BAD: symbol 'nosuch' of 'nosuch(%rip)' not found");
	expect_arg("8@16(%rip)", 1, "BAD: numeric RIP-relative operand '16(%rip)' is not supported");
	expect_arg("8@%fs:40", 1, "BAD: segment-relative operand '%fs:40' is not supported");
	expect_arg("8@$sym", 1, "BAD: unsupported immediate '$sym'");
	expect_arg("8@arr(,%rax,8)", 1, "BAD: absolute address of 'arr' in a position-independent file");
	expect_arg("8@(%rax", 1, "BAD: bad memory operand '(%rax'");
	expect_arg("8@(%ax)", 1, "BAD: unknown address register '%ax' in '(%ax)'");
	expect_arg("8@(%rax,%rbx,3)", 1, "BAD: bad scale in '(%rax,%rbx,3)'");
	expect_arg("8@", 1, "BAD: bad operand ''");

	struct sdt_arg *args;
	int n;

	sdt_parse_args("  -4@%edi \t 8f@%xmm0  1@%al ", 0, 1, NULL, NULL, &args, &n);
	check(n == 3 && !strcmp(args[0].text, "-4@%edi") && args[1].kind == SDT_BAD &&
		      args[2].kind == SDT_REG && !strcmp(args[2].text, "1@%al"),
	      "args: split on blanks, a bad one between good ones", "  n=%d", n);
	sdt_parse_args("", 0, 1, NULL, NULL, &args, &n);
	check(n == 0, "args: none", "  n=%d", n);
}

/* ---- against readelf ---- */

struct note {
	char provider[64], name[64], args[512];
	unsigned long long pc, sem;
};

static int readelf_notes(const char *path, struct note *notes, int max)
{
	char *cmd = xasprintf("readelf -n --wide '%s'", path), line[1024];
	FILE *f = popen(cmd, "r");
	int n = -1;

	free(cmd);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		line[strcspn(line, "\n")] = '\0';
		if ((p = strstr(line, "Provider: ")) && n + 1 < max)
			snprintf(notes[++n].provider, sizeof(notes->provider), "%s", p + 10);
		else if (n < 0)
			continue;
		else if ((p = strstr(line, "    Name: ")))
			snprintf(notes[n].name, sizeof(notes->name), "%s", p + 10);
		else if ((p = strstr(line, "Location: ")))
			sscanf(p, "Location: %llx, Base: %*x, Semaphore: %llx", &notes[n].pc, &notes[n].sem);
		else if ((p = strstr(line, "Arguments:")))
			snprintf(notes[n].args, sizeof(notes->args), "%s", p[10] == ' ' ? p + 11 : p + 10);
	}
	pclose(f);
	return n + 1;
}

static int count_words(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s != ' ' && (s[1] == ' ' || !s[1]))
			n++;
	return n;
}

/* .probes' address and file offset, from readelf -S. */
static bool probes_section(const char *path, unsigned long long *addr, unsigned long long *off)
{
	char *cmd = xasprintf("readelf -SW '%s'", path), line[512];
	FILE *f = popen(cmd, "r");
	bool found = false;
	char *p;

	free(cmd);
	while (f && fgets(line, sizeof(line), f))
		if ((p = strstr(line, " .probes ")))
			found = sscanf(p, " .probes %*s %llx %llx", addr, off) == 2;
	if (f)
		pclose(f);
	return found;
}

static unsigned file_bytes(const char *path, unsigned long long off, int size)
{
	unsigned char b[2] = { 0xff, 0xff };
	FILE *f = fopen(path, "rb");

	if (f && !fseek(f, (long)off, SEEK_SET) && fread(b, 1, size, f) != (size_t)size)
		b[0] = b[1] = 0xff;
	if (f)
		fclose(f);
	return size == 1 ? b[0] : b[0] | b[1] << 8;
}

static void check_marker(const char *path, const struct sdt_marker *m, const struct note *nt)
{
	char *name = xasprintf("%s: %s:%s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path, m->provider, m->name);
	char *what = xasprintf("%s", name);
	unsigned long long paddr, poff;
	bool args_ok = m->nargs == count_words(nt->args);

	for (int i = 0; i < m->nargs; i++)
		args_ok = args_ok && m->args[i].kind != SDT_BAD;
	check(!strcmp(m->provider, nt->provider) && !strcmp(m->name, nt->name) && m->pc == nt->pc &&
		      m->semaphore == nt->sem && !strcmp(m->args_text, nt->args) && args_ok,
	      what, "  readelf: %s:%s pc 0x%llx sem 0x%llx args '%s'\n  sdt.c:   %s:%s pc 0x%llx sem 0x%llx args '%s' (%d%s)",
	      nt->provider, nt->name, nt->pc, nt->sem, nt->args, m->provider, m->name,
	      (unsigned long long)m->pc, (unsigned long long)m->semaphore, m->args_text, m->nargs,
	      args_ok ? "" : ", not all understood");
	free(what);
	what = xasprintf("%s: a nop at the file offset", name);
	check(file_bytes(path, m->pc_offset, 1) == 0x90, what, "  byte at 0x%llx is 0x%02x",
	      (unsigned long long)m->pc_offset, file_bytes(path, m->pc_offset, 1));
	free(what);
	if (m->semaphore) {
		bool ok = probes_section(path, &paddr, &poff) && m->semaphore_offset &&
			  m->semaphore_offset - poff == m->semaphore - paddr &&
			  file_bytes(path, m->semaphore_offset, 2) == 0;
		what = xasprintf("%s: semaphore's file offset in .probes", name);
		check(ok, what, "  semaphore 0x%llx at offset 0x%llx", (unsigned long long)m->semaphore,
		      (unsigned long long)m->semaphore_offset);
		free(what);
	}
	free(name);
}

static void file_tests(const char *path)
{
	sdt_marker_vec v = { 0 };
	struct note notes[64];
	char *why = NULL, *name = xasprintf("%s: markers as readelf shows them", path);
	int n = readelf_notes(path, notes, 64);

	if (sdt_markers(path, &v, &why) != 0 || n <= 0 || n != v.len) {
		check(false, name, "  %s; readelf: %d notes, sdt.c: %d", why ? why : "no error", n, v.len);
		free(why);
		free(name);
		return;
	}
	check(true, name, "%s", "");
	for (int i = 0; i < v.len; i++)
		check_marker(path, &v.items[i], &notes[i]);
	sdt_markers_free(&v);
	free(name);
}

static void error_tests(const char *self)
{
	sdt_marker_vec v = { 0 };
	char *why = NULL;
	int rc;

	rc = sdt_markers("/nonexistent/uprog", &v, &why);
	check(rc == -1 && why && !strcmp(why, "can't open /nonexistent/uprog: No such file or directory"),
	      "error: missing file", "  rc %d why %s", rc, why ? why : "(null)");
	free(why);
	why = NULL;
	rc = sdt_markers("/etc/passwd", &v, &why);
	check(rc == -1 && why && !strcmp(why, "/etc/passwd: not an ELF file"), "error: not ELF",
	      "  rc %d why %s", rc, why ? why : "(null)");
	free(why);
	why = NULL;
	rc = sdt_markers(self, &v, &why);	/* this test has no markers */
	check(rc == 0 && v.len == 0, "no markers", "  rc %d, %d markers, %s", rc, v.len, why ? why : "");
	free(why);
}

/* A copy whose .stapsdt.base moved by delta (objcopy, standing in for
 * prelink): its markers moved by as much. */
static void shifted_test(const char *orig, const char *copy, long long delta)
{
	sdt_marker_vec a = { 0 }, b = { 0 };
	char *why = NULL;
	bool ok = sdt_markers(orig, &a, &why) == 0 && sdt_markers(copy, &b, &why) == 0 && a.len && a.len == b.len;

	for (int i = 0; ok && i < a.len; i++) {
		const struct sdt_marker *x = &a.items[i], *y = &b.items[i];

		ok = y->pc == x->pc + delta && y->pc_offset == x->pc_offset + delta &&
		     (!x->semaphore || y->semaphore == x->semaphore + delta);
	}
	check(ok, "prelink: markers move with .stapsdt.base", "  %s; %d and %d markers", why ? why : "moved wrong",
	      a.len, b.len);
	free(why);
	sdt_markers_free(&a);
	sdt_markers_free(&b);
}

/* ---- C for sdt_trace.c ---- */

static int emit_c(const char *out, int nfiles, char **files)
{
	FILE *f = fopen(out, "w");
	struct strbuf table = { 0 };
	int count = 0;

	if (!f)
		return perror(out), 1;
	fprintf(f, "#include \"sdt_trace.h\"\n\n");
	for (int i = 0; i < nfiles; i++) {
		sdt_marker_vec v = { 0 };
		char *why = NULL;

		if (sdt_markers(files[i], &v, &why) != 0) {
			fprintf(stderr, "%s\n", why);
			return 1;
		}
		for (int j = 0; j < v.len; j++, count++) {
			const struct sdt_marker *m = &v.items[j];

			sb_printf(&table, "\t{ \"%s\", \"%s\", \"%s\", 0x%llx, 0x%llx, %d, {", files[i], m->provider,
				  m->name, (unsigned long long)m->pc_offset, (unsigned long long)m->semaphore_offset,
				  m->nargs);
			for (int k = 0; k < m->nargs; k++) {
				char *near = xasprintf("$arg%d", k + 1), *c = sdt_arg_c(&m->args[k], near);

				fprintf(f, "static s64 m%d_arg%d(struct stp_context *c)\n{\n\t(void)c;\n\treturn %s;\n}\n\n", count,
					k + 1, c ? c : "0");
				sb_printf(&table, " m%d_arg%d,", count, k + 1);
				free(near);
				free(c);
			}
			sb_add(&table, " } },\n");
		}
		sdt_markers_free(&v);
	}
	fprintf(f, "const struct gen_marker gen_markers[] = {\n%s};\nconst int gen_nmarkers = %d;\n",
		table.buf ? table.buf : "", count);
	free(table.buf);
	return fclose(f) != 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "--emit-c"))
		return emit_c(argv[2], argc - 3, argv + 3);
	parse_tests();
	error_tests(argv[0]);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--shifted") && i + 3 < argc) {
			shifted_test(argv[i + 1], argv[i + 2], strtoll(argv[i + 3], NULL, 0));
			i += 3;
		} else {
			file_tests(argv[i]);
		}
	printf("done\n");
	return failures != 0;
}
