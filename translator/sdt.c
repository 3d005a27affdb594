/*
 * Statically defined markers: <sys/sdt.h> puts a nop at each marker and
 * a "stapsdt" note (type 3) in .note.stapsdt that describes it.  The
 * note's descriptor holds three addresses (the nop, the link-time address
 * of the .stapsdt.base section, the semaphore or 0), then the provider,
 * the name and the arguments as NUL-terminated strings.  The note is not
 * allocated, so prelink does not relocate it: the difference between
 * .stapsdt.base's section address and the note's copy of it moves the pc
 * and the semaphore.  Each argument is "[-]SIZE@OPERAND" in the
 * assembler's AT&T syntax (a leading - for signed; "f" after SIZE for
 * floating point), separated by spaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdt.h"
#include "uelf.h"

#define NT_STAPSDT 3

/* ---- registers ---- */

struct sdt_reg {
	const char *r64;	/* the 64-bit register, as runtime/registers.c names it */
	int bytes, shift;
};

/* The eight legacy registers by width: 64, 32, 16, low 8, high 8. */
static const char *const legacy_regs[][5] = {
	{ "rax", "eax", "ax", "al", "ah" }, { "rbx", "ebx", "bx", "bl", "bh" },
	{ "rcx", "ecx", "cx", "cl", "ch" }, { "rdx", "edx", "dx", "dl", "dh" },
	{ "rsi", "esi", "si", "sil", NULL }, { "rdi", "edi", "di", "dil", NULL },
	{ "rbp", "ebp", "bp", "bpl", NULL }, { "rsp", "esp", "sp", "spl", NULL },
};

static const char *const numbered_regs[] = {
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* r8..r15 with their width suffixes: r8d, r8w, r8b (or r8l). */
static bool numbered_reg(const char *name, struct sdt_reg *r)
{
	char *end;
	long n;

	if (name[0] != 'r' || name[1] < '0' || name[1] > '9')
		return false;
	n = strtol(name + 1, &end, 10);
	if (n < 8 || n > 15)
		return false;
	r->r64 = numbered_regs[n - 8];
	r->shift = 0;
	if (!strcmp(end, ""))
		r->bytes = 8;
	else if (!strcmp(end, "d"))
		r->bytes = 4;
	else if (!strcmp(end, "w"))
		r->bytes = 2;
	else if (!strcmp(end, "b") || !strcmp(end, "l"))
		r->bytes = 1;
	else
		return false;
	return true;
}

/* A general-purpose register by its AT&T name without the %. */
static bool find_reg(const char *name, struct sdt_reg *r)
{
	static const int widths[] = { 8, 4, 2, 1, 1 };

	for (size_t i = 0; i < sizeof(legacy_regs) / sizeof(legacy_regs[0]); i++)
		for (int w = 0; w < 5; w++)
			if (legacy_regs[i][w] && !strcmp(legacy_regs[i][w], name)) {
				*r = (struct sdt_reg){ legacy_regs[i][0], widths[w], w == 4 ? 8 : 0 };
				return true;
			}
	if (!strcmp(name, "rip") || !strcmp(name, "eip")) {
		*r = (struct sdt_reg){ "rip", name[0] == 'r' ? 8 : 4, 0 };
		return true;
	}
	return numbered_reg(name, r);
}

/* ---- argument parsing ---- */

/* Marks a as not understood (why: malloc'd); false. */
static bool bad(struct sdt_arg *a, char *why)
{
	a->kind = SDT_BAD;
	a->why = why;
	return false;
}

/* "[-]N[f]@": the size, or an error; *rest after the '@'. */
static bool parse_size(struct sdt_arg *a, const char *tok, const char **rest)
{
	const char *at = strchr(tok, '@'), *p = tok;
	bool sign = false, fp = false;
	long n = 0;

	if (!at) {		/* sizeless: the old format's long */
		a->size = -8;
		*rest = tok;
		return true;
	}
	if (*p == '-') {
		sign = true;
		p++;
	}
	if (p == at || *p < '0' || *p > '9')
		return bad(a, xasprintf("bad size in '%s'", tok));
	while (*p >= '0' && *p <= '9' && n < 1000)
		n = n * 10 + (*p++ - '0');
	if (*p == 'f') {
		fp = true;
		p++;
	}
	if (p != at)
		return bad(a, xasprintf("bad size in '%s'", tok));
	if (fp)
		return bad(a, xasprintf("floating-point argument '%s' is not supported", tok));
	if (n != 1 && n != 2 && n != 4 && n != 8)
		return bad(a, xasprintf("unsupported size %ld in '%s'", n, tok));
	a->size = sign ? -(int)n : (int)n;
	*rest = at + 1;
	return true;
}

/* A signed decimal or 0x number at *p; advances past it. */
static bool parse_number(const char **p, int64_t *v)
{
	const char *s = *p;
	bool neg = false;
	char *end;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	uint64_t u = strtoull(s, &end, 0);
	if (errno)
		return false;
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	*p = end;
	return true;
}

static bool sym_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static bool sym_char(char c)
{
	return sym_start(c) || (c >= '0' && c <= '9') || c == '$' || c == '@';
}

/* "%name" at *p, ending at ',' or ')': a register of 4 or 8 bytes
 * (addressing), or an error. */
static bool parse_addr_reg(struct sdt_arg *a, const char **p, const char *op, char **reg, int *bytes)
{
	const char *s = *p;
	size_t n = strcspn(s + 1, ",)");
	struct sdt_reg r;
	char *name;

	if (*s != '%')
		return bad(a, xasprintf("bad memory operand '%s'", op));
	name = xstrndup(s + 1, n);
	if (!find_reg(name, &r) || r.bytes < 4) {
		bad(a, xasprintf("unknown address register '%%%s' in '%s'", name, op));
		free(name);
		return false;
	}
	free(name);
	*reg = xstrdup(r.r64);
	*bytes = r.bytes;
	*p = s + 1 + n;
	return true;
}

/* "(%base[,%index[,scale]])" or "(,%index[,scale])" at *p, to the end. */
static bool parse_parens(struct sdt_arg *a, const char *p, const char *op)
{
	int64_t scale = 1;

	p++;	/* ( */
	if (*p != ',' && !parse_addr_reg(a, &p, op, &a->reg, &a->base_bytes))
		return false;
	if (*p == ',') {
		p++;
		if (!parse_addr_reg(a, &p, op, &a->index, &a->index_bytes))
			return false;
		if (!strcmp(a->index, "rip"))
			return bad(a, xasprintf("bad index register in '%s'", op));
		if (*p == ',') {
			p++;
			if (!parse_number(&p, &scale) || (scale != 1 && scale != 2 && scale != 4 && scale != 8))
				return bad(a, xasprintf("bad scale in '%s'", op));
		}
	}
	if (strcmp(p, ")"))
		return bad(a, xasprintf("bad memory operand '%s'", op));
	a->scale = a->index ? (int)scale : 0;
	return true;
}

struct sym_ctx {
	uint64_t pc;
	int pic;
	sdt_symbol_lookup lookup;
	void *ctx;
};

/* The displacement: a number, a symbol, or symbol+/-number. */
static bool parse_disp(struct sdt_arg *a, const char **p, const char *op, char **sym)
{
	const char *s = *p;
	int64_t n = 0;

	*sym = NULL;
	if (sym_start(*s)) {
		const char *e = s;

		while (sym_char(*e))
			e++;
		*sym = xstrndup(s, e - s);
		s = e;
		if ((*s == '+' || *s == '-') && !parse_number(&s, &n))
			return bad(a, xasprintf("bad displacement in '%s'", op));
	} else if (*s && *s != '(' && !parse_number(&s, &n)) {
		return bad(a, xasprintf("bad operand '%s'", op));
	}
	a->value = n;
	*p = s;
	return true;
}

/* A symbolic displacement as an address: relative to the marker's pc for
 * sym(%rip), absolute otherwise (only where addresses don't move). */
static bool resolve_sym(struct sdt_arg *a, const char *sym, const char *op, const struct sym_ctx *sc)
{
	bool rip = a->reg && !strcmp(a->reg, "rip");
	uint64_t addr;

	if (!sym) {
		if (rip)
			return bad(a, xasprintf("numeric RIP-relative operand '%s' is not supported", op));
		return true;
	}
	if (!sc->lookup || sc->lookup(sc->ctx, sym, &addr) != 0)
		return bad(a, xasprintf("symbol '%s' of '%s' not found", sym, op));
	if (!rip && sc->pic)
		return bad(a, xasprintf("absolute address of '%s' in a position-independent file", sym));
	a->value += (int64_t)(rip ? addr - sc->pc : addr);
	return true;
}

static bool parse_operand(struct sdt_arg *a, const char *op, const struct sym_ctx *sc)
{
	const char *p = op;
	struct sdt_reg r;
	char *sym = NULL;
	bool ok = false;

	if (*op == '%') {
		if (strchr(op, ':'))
			return bad(a, xasprintf("segment-relative operand '%s' is not supported", op));
		if (!find_reg(op + 1, &r))
			return bad(a, xasprintf("unknown register '%s'", op));
		a->kind = SDT_REG;
		a->reg = xstrdup(r.r64);
		a->reg_bytes = r.bytes;
		a->reg_shift = r.shift;
		return true;
	}
	if (*op == '$') {
		p++;
		if (!parse_number(&p, &a->value) || *p)
			return bad(a, xasprintf("unsupported immediate '%s'", op));
		a->kind = SDT_IMM;
		return true;
	}
	if (strchr(op, ':'))
		return bad(a, xasprintf("segment-relative operand '%s' is not supported", op));
	a->kind = SDT_MEM;
	if (!parse_disp(a, &p, op, &sym))
		goto out;
	if (*p == '(') {
		if (!parse_parens(a, p, op))
			goto out;
	} else if (*p || (!sym && p == op)) {
		bad(a, xasprintf("bad operand '%s'", op));
		goto out;
	}
	ok = resolve_sym(a, sym, op, sc);
out:
	free(sym);
	return ok;
}

void sdt_parse_args(const char *text, uint64_t pc, int pic, sdt_symbol_lookup lookup, void *ctx,
		    struct sdt_arg **args, int *nargs)
{
	struct sym_ctx sc = { pc, pic, lookup, ctx };
	VEC(struct sdt_arg) v = { 0 };
	const char *p = text;

	for (;;) {
		struct sdt_arg a = { 0 };
		const char *rest;
		size_t n;

		p += strspn(p, " \t");
		if (!*p)
			break;
		n = strcspn(p, " \t");
		a.text = xstrndup(p, n);
		p += n;
		if (parse_size(&a, a.text, &rest))
			parse_operand(&a, rest, &sc);
		vec_push(&v, a);
	}
	*args = v.items;
	*nargs = v.len;
}

/* ---- C for an argument ---- */

static const char *int_type(int bytes, bool sign)
{
	switch (bytes) {
	case 1: return sign ? "s8" : "u8";
	case 2: return sign ? "s16" : "u16";
	case 4: return sign ? "s32" : "u32";
	default: return sign ? "s64" : "u64";
	}
}

static void add_term(struct strbuf *sb, const char *reg, int bytes, int scale)
{
	if (sb->len)
		sb_add(sb, " + ");
	sb_printf(sb, "(%s)stp_register(c, \"%s\", false)", bytes == 4 ? "u32" : "u64", reg);
	if (scale > 1)
		sb_printf(sb, " * %d", scale);
}

/* The effective address of a memory operand, as unsigned long. */
static char *mem_address(const struct sdt_arg *a)
{
	struct strbuf sb = { 0 };
	bool addr32 = (a->reg && a->base_bytes == 4) || (a->index && a->index_bytes == 4);

	if (a->reg)
		add_term(&sb, a->reg, a->base_bytes, 1);
	if (a->index)
		add_term(&sb, a->index, a->index_bytes, a->scale);
	if (!sb.len)
		sb_printf(&sb, "0x%" PRIx64 "UL", (uint64_t)a->value);
	else if (a->value < 0)
		sb_printf(&sb, " - 0x%" PRIx64 "UL", 0 - (uint64_t)a->value);
	else if (a->value > 0)
		sb_printf(&sb, " + 0x%" PRIx64 "UL", (uint64_t)a->value);
	if (addr32) {
		char *s = xasprintf("(unsigned long)(u32)(%s)", sb.buf);

		free(sb.buf);
		return s;
	}
	return sb_steal(&sb);
}

char *sdt_arg_c(const struct sdt_arg *a, const char *near)
{
	bool sign = a->size < 0;
	int size = sign ? -a->size : a->size;
	struct strbuf sb = { 0 };
	char *addr;

	switch (a->kind) {
	case SDT_REG:
		if (size > a->reg_bytes)
			size = a->reg_bytes;
		if (a->reg_shift)
			return xasprintf("((s64)(%s)((u64)stp_register(c, \"%s\", false) >> %d))",
					 int_type(size, sign), a->reg, a->reg_shift);
		return xasprintf("((s64)(%s)stp_register(c, \"%s\", false))", int_type(size, sign), a->reg);
	case SDT_MEM:
		addr = mem_address(a);
		sb_printf(&sb, "((s64)(%s)stp_uread(c, %s, %d, ", int_type(size, sign), addr, size);
		sb_add_quoted(&sb, near);
		sb_add(&sb, "))");
		free(addr);
		return sb_steal(&sb);
	case SDT_IMM:
		return xasprintf("((s64)(%s)0x%" PRIx64 "ULL)", int_type(size, sign), (uint64_t)a->value);
	default:
		return NULL;
	}
}

/* ---- the ELF file ---- */

struct sdt_elf {
	const char *path;
	Elf *elf;
	bool have_base;
	uint64_t base;		/* .stapsdt.base's sh_addr */
};

/* A symbol's value from .symtab, else .dynsym. */
static int elf_symbol(void *ctx, const char *name, uint64_t *addr)
{
	struct sdt_elf *e = ctx;

	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(e->elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *data;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB) ||
			    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
				continue;
			for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym sym;
				const char *n;

				if (gelf_getsym(data, (int)i, &sym) && sym.st_shndx != SHN_UNDEF &&
				    (n = elf_strptr(e->elf, sh.sh_link, sym.st_name)) && !strcmp(n, name)) {
					*addr = sym.st_value;
					return 0;
				}
			}
		}
	}
	return -1;
}

/* The file offset of an address the file holds (in a PT_LOAD's file
 * part); 0 if none. */
/* addr's offset in the file; 0 if no segment's file data holds it. */
static uint64_t file_offset(const struct sdt_elf *e, uint64_t addr)
{
	int64_t off = uelf_file_offset(e->elf, addr);

	return off < 0 ? 0 : (uint64_t)off;
}

static int scan_elf(struct sdt_elf *e, char **why)
{
	GElf_Ehdr eh;
	size_t nph, shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &eh)) {
		*why = xasprintf("%s: not an ELF file", e->path);
		return -1;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64) {
		*why = xasprintf("%s: not an x86-64 ELF file", e->path);
		return -1;
	}
	if (elf_getphdrnum(e->elf, &nph) != 0 || elf_getshdrstrndx(e->elf, &shstrndx) != 0) {
		*why = xasprintf("%s: bad ELF headers: %s", e->path, elf_errmsg(-1));
		return -1;
	}
	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e->elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".stapsdt.base")) {
			e->have_base = true;
			e->base = sh.sh_addr;
		}
	}
	return 0;
}

/* The NUL-terminated string at *off in desc (n bytes); NULL if none. */
static const char *note_string(const char *desc, size_t n, size_t *off)
{
	const char *s = desc + *off, *end;

	if (*off >= n || !(end = memchr(s, '\0', n - *off)))
		return NULL;
	*off += end - s + 1;
	return s;
}

static int add_marker(struct sdt_elf *e, int pic, const char *desc, size_t n, sdt_marker_vec *out,
		      char **why)
{
	struct sdt_marker m = { 0 };
	uint64_t addr[3];
	size_t off = sizeof(addr);
	const char *provider, *name, *args;

	if (n < sizeof(addr)) {
		*why = xasprintf("%s: truncated stapsdt note", e->path);
		return -1;
	}
	memcpy(addr, desc, sizeof(addr));	/* pc, base, semaphore (little-endian, as we are) */
	provider = note_string(desc, n, &off);
	name = provider ? note_string(desc, n, &off) : NULL;
	args = name ? note_string(desc, n, &off) : NULL;
	if (!name) {
		*why = xasprintf("%s: stapsdt note without provider and name", e->path);
		return -1;
	}
	if (e->have_base && addr[1]) {	/* prelink moved the sections, not the note */
		addr[0] += e->base - addr[1];
		if (addr[2])
			addr[2] += e->base - addr[1];
	}
	m.pc = addr[0];
	m.pc_offset = file_offset(e, m.pc);
	if (!m.pc_offset) {
		*why = xasprintf("%s: marker %s:%s at 0x%" PRIx64 " is outside the file's segments", e->path,
				 provider, name, m.pc);
		return -1;
	}
	m.semaphore = addr[2];
	/* in .probes, initialized data: in a segment's file part */
	m.semaphore_offset = m.semaphore ? file_offset(e, m.semaphore) : 0;
	m.provider = xstrdup(provider);
	m.name = xstrdup(name);
	m.args_text = xstrdup(args ? args : "");
	sdt_parse_args(m.args_text, m.pc, pic, elf_symbol, e, &m.args, &m.nargs);
	vec_push(out, m);
	return 0;
}

static int read_notes(struct sdt_elf *e, sdt_marker_vec *out, char **why)
{
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	int pic = gelf_getehdr(e->elf, &eh) && eh.e_type == ET_DYN;

	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(data = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *buf = data->d_buf;

			if (nh.n_type != NT_STAPSDT || nh.n_namesz != sizeof("stapsdt") ||
			    memcmp(buf + name_off, "stapsdt", sizeof("stapsdt")))
				continue;
			if (add_marker(e, pic, buf + desc_off, nh.n_descsz, out, why) != 0)
				return -1;
		}
	}
	return 0;
}

static void free_marker(struct sdt_marker *m)
{
	for (int j = 0; j < m->nargs; j++) {
		free(m->args[j].reg);
		free(m->args[j].index);
		free(m->args[j].text);
		free(m->args[j].why);
	}
	free(m->args);
	free(m->provider);
	free(m->name);
	free(m->args_text);
}

int sdt_markers(const char *path, sdt_marker_vec *out, char **why)
{
	struct sdt_elf e = { .path = path };
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, had = out->len;

	if (fd < 0) {
		*why = xasprintf("can't open %s: %s", path, strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	e.elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e.elf) {
		*why = xasprintf("%s: %s", path, elf_errmsg(-1));
		close(fd);
		return -1;
	}
	rc = scan_elf(&e, why);
	if (rc == 0)
		rc = read_notes(&e, out, why);
	while (rc != 0 && out->len > had)
		free_marker(&out->items[--out->len]);
	elf_end(e.elf);
	close(fd);
	return rc;
}

void sdt_markers_free(sdt_marker_vec *v)
{
	for (int i = 0; i < v->len; i++)
		free_marker(&v->items[i]);
	free(v->items);
	*v = (sdt_marker_vec){ 0 };
}
