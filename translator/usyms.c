/* The user-space files whose names and unwind rows go into the module
 * (see usyms.h): every file a process probe of the script is in, each
 * -d FILE that is a program or library, and with --ldd the libraries
 * they need.  Functions come from the file's .symtab, else from the
 * .symtab of its separate debug file (found by build-id, as libc's is),
 * else from .dynsym; rows from its CFI (ucfi.c).  Written as C arrays
 * that runtime/usymbols.c and runtime/ustack.c search. */
#include "usyms.h"

#include "probes.h"
#include "uelf.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

struct usym {
	uint64_t addr, size;
	char *name;
	int rank;		/* which of two at one address to keep: global, weak, local */
};
typedef VEC(struct usym) usym_vec;

struct ufile {
	const char *path;
	char *symbol_file;	/* the file the functions came from */
	const char *symbol_source;	/* ".symtab" or ".dynsym" */
	VEC(GElf_Phdr) segs;	/* PT_LOAD */
	usym_vec syms;
	ucfi_row_vec rows;
};

static int open_elf(const char *path, int *fd, Elf **elf)
{
	GElf_Ehdr eh;

	elf_version(EV_CURRENT);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -1;
	*elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (*elf && elf_kind(*elf) == ELF_K_ELF && gelf_getehdr(*elf, &eh) &&
	    (eh.e_type == ET_EXEC || eh.e_type == ET_DYN))
		return 0;
	elf_end(*elf);
	close(*fd);
	return -1;
}

int usyms_is_user_elf(const char *path)
{
	Elf *elf;
	int fd;

	if (open_elf(path, &fd, &elf) < 0)
		return 0;
	elf_end(elf);
	close(fd);
	return 1;
}

static void add_path(string_vec *v, const char *path)
{
	for (int i = 0; i < v->len; i++)
		if (!strcmp(v->items[i], path))
			return;
	vec_push(v, xstrdup(path));
}

/* process("PATH").library(...): PATH's program, whose frames call the
 * library's functions. */
static void add_program(const struct derived_probe *dp, string_vec *files)
{
	const struct probe_component *c = dp->point->comps.len ? dp->point->comps.items[0] : NULL;
	char *program = c && c->arg && c->arg->kind == EX_STRING ? uelf_find_program(c->arg->str) : NULL;

	if (program)
		add_path(files, program);
	free(program);
}

/* The script's process probes' files, -d's, then (--ldd) every library
 * they need, and the libraries those need. */
static void collect_files(const struct session *s, string_vec *files)
{
	const struct script *sc = &s->script;

	for (int i = 0; i < sc->derived.len; i++) {
		const struct derived_probe *dp = sc->derived.items[i];

		if (dp->provider != &process_provider)
			continue;
		add_program(dp, files);
		for (int k = 0; k < dp->modules.len; k++)
			add_path(files, dp->modules.items[k]);
		if (dp->module)
			add_path(files, dp->module);
	}
	for (int i = 0; i < s->user_files.len; i++)
		add_path(files, s->user_files.items[i]);
	for (int i = 0; s->ldd && i < files->len; i++) {
		string_vec libs = {0};
		char *why = NULL;

		if (uelf_find_libraries(files->items[i], "*", &libs, &why) < 0)
			free(why);
		for (int k = 0; k < libs.len; k++) {
			add_path(files, libs.items[k]);
			free(libs.items[k]);
		}
		free(libs.items);
	}
}

static void add_function(void *arg, const GElf_Sym *sym, const char *name)
{
	static const int rank[] = { [STB_LOCAL] = 0, [STB_GLOBAL] = 2, [STB_WEAK] = 1 };
	int bind = GELF_ST_BIND(sym->st_info);

	/* a debug file's names carry their versions: memcpy@@GLIBC_2.14 */
	vec_push((usym_vec *)arg, ((struct usym){ sym->st_value, sym->st_size, xstrndup(name, strcspn(name, "@")),
						 bind <= STB_WEAK ? rank[bind] : 0 }));
}

/* The functions of elf's symbol table of type (SHT_SYMTAB, SHT_DYNSYM);
 * 0 if it has none. */
static int read_functions(Elf *elf, GElf_Word type, usym_vec *out)
{
	return uelf_each_function(elf, type, add_function, out) > 0;
}

/* The separate debug file of elf, by its build-id, if installed. */
static char *debug_file_of(Elf *elf)
{
	const void *raw;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &raw);
	const unsigned char *id = raw;
	struct strbuf sb = {0};

	if (n < 2)
		return NULL;
	sb_printf(&sb, "/usr/lib/debug/.build-id/%02x/", id[0]);
	for (ssize_t i = 1; i < n; i++)
		sb_printf(&sb, "%02x", id[i]);
	sb_add(&sb, ".debug");
	if (access(sb.buf, R_OK) == 0)
		return sb_steal(&sb);
	free(sb.buf);
	return NULL;
}

static int by_address(const void *a, const void *b)
{
	const struct usym *x = a, *y = b;

	if (x->addr != y->addr)
		return (x->addr > y->addr) - (x->addr < y->addr);
	if (x->rank != y->rank)
		return y->rank - x->rank;
	return strcmp(x->name, y->name);
}

/* Sorted by address, one (the best ranked) per address. */
static void sort_functions(usym_vec *v)
{
	int n = 0;

	if (!v->len)
		return;
	qsort(v->items, v->len, sizeof(*v->items), by_address);
	for (int i = 0; i < v->len; i++) {
		if (n && v->items[n - 1].addr == v->items[i].addr) {
			free(v->items[i].name);
			continue;
		}
		v->items[n++] = v->items[i];
	}
	v->len = n;
}

static void file_functions(Elf *elf, struct ufile *f)
{
	char *debug;
	Elf *delf;
	int fd;

	f->symbol_file = xstrdup(f->path);
	f->symbol_source = ".symtab";
	if (read_functions(elf, SHT_SYMTAB, &f->syms))
		return;
	debug = debug_file_of(elf);
	if (debug && open_elf(debug, &fd, &delf) == 0) {
		int found = read_functions(delf, SHT_SYMTAB, &f->syms);

		elf_end(delf);
		close(fd);
		if (found) {
			free(f->symbol_file);
			f->symbol_file = debug;
			return;
		}
	}
	free(debug);
	f->symbol_source = ".dynsym";
	read_functions(elf, SHT_DYNSYM, &f->syms);
}

static void file_segments(Elf *elf, struct ufile *f)
{
	size_t n = 0;

	elf_getphdrnum(elf, &n);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && ph.p_filesz)
			vec_push(&f->segs, ph);
	}
}

/* Everything about one file; 0, or -1 if it is not a readable program
 * or library. */
static int read_file_tables(const char *path, struct ufile *f)
{
	VEC(uint64_t) starts = {0};
	Elf *elf;
	int fd;

	memset(f, 0, sizeof(*f));
	f->path = path;
	if (open_elf(path, &fd, &elf) < 0)
		return -1;
	file_segments(elf, f);
	file_functions(elf, f);
	sort_functions(&f->syms);
	for (int i = 0; i < f->syms.len; i++)
		vec_push(&starts, f->syms.items[i].addr);
	ucfi_rows(elf, starts.items, starts.len, &f->rows);
	free(starts.items);
	elf_end(elf);
	close(fd);
	return 0;
}

/* A row the runtime's compact struct can hold: pc in 32 bits, the CFA's
 * offset in 32 and the saved registers' in 16; else "no rule". */
static int row_fits(const struct ucfi_row *r)
{
	return r->pc <= UINT32_MAX && r->cfa_off >= INT32_MIN && r->cfa_off <= INT32_MAX &&
	       r->ra_off >= INT16_MIN && r->ra_off <= INT16_MAX && r->bp_off >= INT16_MIN && r->bp_off <= INT16_MAX;
}

static void emit_rows(struct emitter *em, int k, const struct ufile *f)
{
	static const char *const bp_rules[] = { "STP_UBP_SAME", "STP_UBP_SAVED", "STP_UBP_LOST" };

	line(em, "static const struct stp_uframe stp_ufile_%d_frames[] = {", k);
	line(em, "\t/* from pc: CFA = reg + off, return address at CFA + off, rbp's rule (+ off) */");
	for (int i = 0; i < f->rows.len; i++) {
		const struct ucfi_row *r = &f->rows.items[i];

		if (r->pc > UINT32_MAX)
			break;
		if (r->cfa_reg < 0)
			line(em, "\t{ 0x%llx, STP_UREG_END },", (unsigned long long)r->pc);
		else if (!r->cfa_reg || !row_fits(r))
			line(em, "\t{ 0x%llx, 0 },", (unsigned long long)r->pc);
		else
			line(em, "\t{ 0x%llx, STP_UREG_%s, %lld, %lld, %s, %lld },", (unsigned long long)r->pc,
			     r->cfa_reg == 7 ? "SP" : "BP", (long long)r->cfa_off, (long long)r->ra_off,
			     bp_rules[r->bp_rule], (long long)r->bp_off);
	}
	line(em, "};");
}

static void emit_file(struct emitter *em, int k, const struct ufile *f)
{
	line(em, "/* %s: %d functions (%s of %s), %d unwind rows */", f->path, f->syms.len, f->symbol_source,
	     f->symbol_file, f->rows.len);
	line(em, "static const struct stp_useg stp_ufile_%d_segs[] = {", k);
	line(em, "\t/* file offset, bytes, link-time address less file offset */");
	for (int i = 0; i < f->segs.len; i++)
		line(em, "\t{ 0x%llx, 0x%llx, 0x%llx },", (unsigned long long)f->segs.items[i].p_offset,
		     (unsigned long long)f->segs.items[i].p_filesz,
		     (unsigned long long)(f->segs.items[i].p_vaddr - f->segs.items[i].p_offset));
	line(em, "};");
	if (f->syms.len) {
		line(em, "static const struct stp_usym stp_ufile_%d_syms[] = {", k);
		for (int i = 0; i < f->syms.len; i++) {
			char *name = quoted(f->syms.items[i].name);

			line(em, "\t{ 0x%llx, 0x%llx, %s },", (unsigned long long)f->syms.items[i].addr,
			     (unsigned long long)f->syms.items[i].size, name);
			free(name);
		}
		line(em, "};");
	}
	if (f->rows.len)
		emit_rows(em, k, f);
}

static void emit_file_entry(struct emitter *em, int k, const struct ufile *f)
{
	char *path = quoted(f->path);

	line(em, "\t{ .path = %s, .id = &stp_ufile_ids[%d],", path, k);
	line(em, "\t  .segs = stp_ufile_%d_segs, .nsegs = ARRAY_SIZE(stp_ufile_%d_segs),", k, k);
	if (f->syms.len)
		line(em, "\t  .syms = stp_ufile_%d_syms, .nsyms = ARRAY_SIZE(stp_ufile_%d_syms),", k, k);
	if (f->rows.len)
		line(em, "\t  .frames = stp_ufile_%d_frames, .nframes = ARRAY_SIZE(stp_ufile_%d_frames),", k, k);
	line(em, "\t},");
	free(path);
}

static void free_file(struct ufile *f)
{
	for (int i = 0; i < f->syms.len; i++)
		free(f->syms.items[i].name);
	free(f->syms.items);
	free(f->rows.items);
	free(f->segs.items);
	free(f->symbol_file);
}

void emit_user_symbols(struct emitter *em)
{
	const char *body = em->out.buf;
	string_vec paths = {0};
	VEC(struct ufile) files = {0};

	if (!body || (!strstr(body, "stp_usym_text(") && !strstr(body, "stp_ustack_")))
		return;
	collect_files(em->sess, &paths);
	for (int i = 0; i < paths.len; i++) {
		struct ufile f;

		if (read_file_tables(paths.items[i], &f) < 0)
			continue;
		add_path(&em->sess->inputs, f.path);	/* the cache rebuilds when they change */
		add_path(&em->sess->inputs, f.symbol_file);
		vec_push(&files, f);
	}
	line(em, "/* User-space files whose functions usymname() and ubacktrace() name, and");
	line(em, " * whose stacks ubacktrace() unwinds (runtime/usymbols.c, ustack.c). */");
	for (int i = 0; i < files.len; i++)
		emit_file(em, i, &files.items[i]);
	if (files.len) {
		line(em, "static struct stp_ufile_id stp_ufile_ids[%d];	/* found at start */", files.len);
		line(em, "static const struct stp_ufile stp_ufiles[] = {");
		for (int i = 0; i < files.len; i++)
			emit_file_entry(em, i, &files.items[i]);
		line(em, "};");
	}
	line(em, "static const struct stp_utables stp_utables = { %s };",
	     files.len ? ".files = stp_ufiles, .nfiles = ARRAY_SIZE(stp_ufiles)" : ".nfiles = 0");
	line(em, "%s", "");
	for (int i = 0; i < files.len; i++)
		free_file(&files.items[i]);
	free(files.items);
	for (int i = 0; i < paths.len; i++)
		free(paths.items[i]);
	free(paths.items);
}
