/* DWARF queries for target variables: the debug image of the kernel, a
 * module (libdwfl applies a module's relocations), a program or a shared
 * library, a function by name
 * (from the symbol table straight to its compilation unit through the
 * address ranges: never a walk over every unit), the scopes and
 * variables at a probe address, type names, and location expressions
 * turned into C that reads the probe's registers and, fault-safe, memory.
 *
 * The C refers to the runtime's context `c` (c->regs: the pt_regs the
 * probe saw), to stp_kread() (runtime/target.c; stp_uread() for a
 * program's memory) and, for a variable at a fixed address, to where the
 * kernel (KASLR), the module or the program (stp_ubias()) was loaded. */
#include "dwarf.h"

#include "ksyms.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dwarf_symbol {
	const char *name;
	uint64_t addr;
	uint64_t size;
};

struct unit_index;

struct dwarf_image {
	char *path;
	int is_kernel;
	int is_user;		/* a program or shared library (not ET_REL) */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf *dw;
	Dwarf_Addr bias;
	struct dwarf_symbol *funcs;	/* sorted by name, for dwarf_function */
	int nfuncs;
	uint64_t jiffies_addr;	/* the kernel's, for static data (DW_OP_addr) */
	VEC(struct unit_index *) units;	/* see unit_index() */
	char **where;		/* the kernel's: funcs[i]'s "file:line" (see where_index) */
	struct type_memo *types;	/* dwarf_find_type's answers so far */
	int ntypes;
};

/* A type found by name: tapsets @cast to the same types many times. */
struct type_memo {
	char *name;
	Dwarf_Die die;
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static int by_symbol_name(const void *a, const void *b)
{
	return strcmp(((const struct dwarf_symbol *)a)->name, ((const struct dwarf_symbol *)b)->name);
}

static void load_function_symbols(struct dwarf_image *im)
{
	int n = dwfl_module_getsymtab(im->mod);

	im->funcs = xcalloc(n > 0 ? n : 1, sizeof(*im->funcs));
	for (int i = 0; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(im->mod, i, &sym, &addr, NULL, NULL, NULL);

		if (name && GELF_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_shndx != SHN_UNDEF)
			im->funcs[im->nfuncs++] = (struct dwarf_symbol){ name, addr, sym.st_size };
		if (name && im->is_kernel && !strcmp(name, "jiffies"))
			im->jiffies_addr = addr;
	}
	qsort(im->funcs, im->nfuncs, sizeof(*im->funcs), by_symbol_name);
}

static struct dwarf_image *open_image(const char *path, int is_kernel, char **why)
{
	struct dwarf_image *im = xcalloc(1, sizeof(*im));

	im->path = xstrdup(path);
	im->is_kernel = is_kernel;
	im->dwfl = dwfl_begin(&offline_callbacks);
	if (im->dwfl)
		im->mod = dwfl_report_offline(im->dwfl, is_kernel ? "kernel" : "module", path, -1);
	if (!im->mod || dwfl_report_end(im->dwfl, NULL, NULL) != 0) {
		*why = xasprintf("cannot read %s: %s", path, dwfl_errmsg(-1));
		return NULL;
	}
	im->dw = dwfl_module_getdwarf(im->mod, &im->bias);
	if (!im->dw) {
		*why = xasprintf("%s has no debug information", path);
		return NULL;
	}
	load_function_symbols(im);
	if (!is_kernel) {
		GElf_Addr base;
		Elf *elf = dwfl_module_getelf(im->mod, &base);
		GElf_Ehdr ehdr;

		im->is_user = elf && gelf_getehdr(elf, &ehdr) && ehdr.e_type != ET_REL;
	}
	return im;
}

static void *open_debug_image(const char *path, const char *module, char **why)
{
	return open_image(path, module == NULL, why);
}

struct dwarf_image *dwarf_image(const char *release, const char *module, char **why)
{
	static image_cache_t cache;

	return image_cache_get(&cache, release, module, 1, open_debug_image, why);
}

int dwarf_image_is_kernel(const struct dwarf_image *im)
{
	return im->is_kernel;
}

int dwarf_image_is_user(const struct dwarf_image *im)
{
	return im->is_user;
}

const char *dwarf_reader(const struct dwarf_image *im)
{
	return im->is_user ? "stp_uread" : "stp_kread";
}

/* Where die's code starts: its entry or low pc, or for a function split
 * into hot and cold parts (DW_AT_ranges only) the start of its first
 * range, which is where its symbol is. */
static int entry_of(Dwarf_Die *die, Dwarf_Addr *pc)
{
	Dwarf_Addr base, start, end;

	if (dwarf_entrypc(die, pc) == 0)
		return 0;
	if (dwarf_ranges(die, 0, &base, &start, &end) > 0) {
		*pc = start;
		return 0;
	}
	return -1;
}

uint64_t dwarf_entry_pc(Dwarf_Die *fn)
{
	Dwarf_Addr pc = 0;

	entry_of(fn, &pc);
	return pc;
}

/* One unit's functions by entry address, built the first time a lookup
 * lands in the unit: listing every function of the kernel visits each
 * unit's top level once instead of once per function. */
struct unit_entry {
	uint64_t pc;
	Dwarf_Off die;
};

struct unit_index {
	Dwarf_Off cu;
	struct unit_entry *entries;
	int n;
};

typedef VEC(struct unit_entry) unit_entries;

static void index_subprograms(Dwarf_Die *parent, unit_entries *out)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		Dwarf_Addr entry;

		if (tag == DW_TAG_subprogram && entry_of(&child, &entry) == 0)
			vec_push(out, ((struct unit_entry){ entry, dwarf_dieoffset(&child) }));
		else if (tag == DW_TAG_namespace)
			index_subprograms(&child, out);
	} while (dwarf_siblingof(&child, &child) == 0);
}

static int by_pc(const void *a, const void *b)
{
	const struct unit_entry *x = a, *y = b;

	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

static struct unit_index *unit_index(struct dwarf_image *im, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	unit_entries entries = {0};
	struct unit_index *u;

	for (int i = 0; i < im->units.len; i++)
		if (im->units.items[i]->cu == off)
			return im->units.items[i];
	index_subprograms(cu, &entries);
	if (entries.len)
		qsort(entries.items, entries.len, sizeof(*entries.items), by_pc);
	u = xcalloc(1, sizeof(*u));
	u->cu = off;
	u->entries = entries.items;
	u->n = entries.len;
	vec_push(&im->units, u);
	return u;
}

int dwarf_function(struct dwarf_image *im, const char *name, Dwarf_Die *fn)
{
	struct dwarf_symbol key = { .name = name }, *sym;
	struct unit_entry want, *found;
	struct unit_index *u;
	Dwarf_Addr bias;
	Dwarf_Die *cu;

	sym = bsearch(&key, im->funcs, im->nfuncs, sizeof(*im->funcs), by_symbol_name);
	if (!sym)
		return -1;
	cu = dwfl_module_addrdie(im->mod, sym->addr, &bias);
	if (!cu)
		return -1;
	u = unit_index(im, cu);
	want.pc = sym->addr - bias;
	found = u->n ? bsearch(&want, u->entries, u->n, sizeof(*u->entries), by_pc) : NULL;
	return found && dwarf_offdie(im->dw, found->die, fn) ? 0 : -1;
}

int dwarf_die_at(struct dwarf_image *im, uint64_t offset, Dwarf_Die *die)
{
	return dwarf_offdie(im->dw, offset, die) ? 0 : -1;
}

int dwarf_function_at(struct dwarf_image *im, uint64_t pc, Dwarf_Die *fn)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(im->mod, pc + im->bias, &bias);
	struct unit_index *u;

	if (!cu)
		return -1;
	u = unit_index(im, cu);
	for (int i = 0; i < u->n; i++)	/* a function's cold part lies apart: ask each */
		if (dwarf_offdie(im->dw, u->entries[i].die, fn) && dwarf_haspc(fn, pc + im->bias - bias) > 0)
			return 0;
	return -1;
}

struct line_start {
	int line;
	uint64_t addr;
};

static int by_line_then_addr(const void *a, const void *b)
{
	const struct line_start *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int dwarf_function_lines(Dwarf_Die *fn, int lo, int hi, void (*found)(void *arg, int line, uint64_t offset),
			 void *arg, int *first, int *last)
{
	Dwarf_Die cu;
	Dwarf_Lines *lines;
	size_t n;
	uint64_t entry = dwarf_entry_pc(fn);
	VEC(struct line_start) starts = {0};
	int count = 0;
	/* its own lines, not those of what it inlined (from other files, or
	 * from earlier in its own) */
	const char *file = dwarf_decl_file(fn);
	int decl_line = 0;

	dwarf_decl_line(fn, &decl_line);
	*first = *last = 0;
	if (!dwarf_diecu(fn, &cu, NULL, NULL) || dwarf_getsrclines(&cu, &lines, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr addr;
		int no;
		bool is_stmt;

		const char *src;

		if (dwarf_lineaddr(l, &addr) || dwarf_lineno(l, &no) || dwarf_linebeginstatement(l, &is_stmt) ||
		    !is_stmt || addr < entry || dwarf_haspc(fn, addr) <= 0)
			continue;
		src = dwarf_linesrc(l, NULL, NULL);
		if ((file && src && strcmp(src, file)) || no < decl_line)
			continue;
		if (!*first || no < *first)
			*first = no;
		if (no > *last)
			*last = no;
		if (no >= lo && no <= hi)
			vec_push(&starts, ((struct line_start){ no, addr }));
	}
	if (starts.len)
		qsort(starts.items, starts.len, sizeof(*starts.items), by_line_then_addr);
	for (int i = 0; i < starts.len; i++)	/* each line's first statement */
		if (!i || starts.items[i].line != starts.items[i - 1].line) {
			found(arg, starts.items[i].line, starts.items[i].addr - entry);
			count++;
		}
	free(starts.items);
	return count;
}

/* Whether var lives in fn's frame for the whole function (one location
 * expression, DW_OP_fbreg): code built without optimization. */
static int lives_in_frame(Dwarf_Die *var)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;

	return dwarf_attr(var, DW_AT_location, &attr) && dwarf_whatform(&attr) != DW_FORM_sec_offset &&
	       dwarf_whatform(&attr) != DW_FORM_loclistx && dwarf_getlocation(&attr, &ops, &n) == 0 && n >= 1 &&
	       ops[0].atom == DW_OP_fbreg;
}

uint64_t dwarf_body_offset(Dwarf_Die *fn)
{
	Dwarf_Die child, cu;
	Dwarf_Lines *lines;
	size_t n;
	uint64_t entry = dwarf_entry_pc(fn), body = 0;
	int in_frame = 0;

	if (dwarf_child(fn, &child) == 0)
		do {
			int tag = dwarf_tag(&child);

			if ((tag == DW_TAG_formal_parameter || tag == DW_TAG_variable) && lives_in_frame(&child))
				in_frame = 1;
		} while (!in_frame && dwarf_siblingof(&child, &child) == 0);
	if (!in_frame || !dwarf_diecu(fn, &cu, NULL, NULL) || dwarf_getsrclines(&cu, &lines, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Addr addr;
		bool is_stmt;

		if (dwarf_lineaddr(dwarf_onesrcline(lines, i), &addr) == 0 &&
		    dwarf_linebeginstatement(dwarf_onesrcline(lines, i), &is_stmt) == 0 && is_stmt && addr > entry &&
		    (!body || addr < body) && dwarf_haspc(fn, addr) > 0)
			body = addr;
	}
	return body ? body - entry : 0;
}

/* The units of im in turn: 1 with *cu set, 0 after the last; *off
 * starts at 0. */
static int next_unit(struct dwarf_image *im, Dwarf_Off *off, Dwarf_Die *cu)
{
	Dwarf_Off next;
	size_t hsize;

	while (dwarf_nextcu(im->dw, *off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Off at = *off + hsize;

		*off = next;
		if (dwarf_offdie(im->dw, at, cu))
			return 1;
	}
	return 0;
}

/* ---- every kernel function's "file:line", cached on disk ---- */

struct pc_where {
	uint64_t pc;
	char *where;
};

static int by_pc_where(const void *a, const void *b)
{
	const struct pc_where *x = a, *y = b;

	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

/* All units' top levels, walked once (about a second for the kernel). */
static void build_where(struct dwarf_image *im)
{
	VEC(struct pc_where) all = {0};
	Dwarf_Off off = 0;
	Dwarf_Die cu, child;

	while (next_unit(im, &off, &cu)) {
		if (dwarf_child(&cu, &child) != 0)
			continue;
		do {
			Dwarf_Addr entry;

			if (dwarf_tag(&child) == DW_TAG_subprogram && entry_of(&child, &entry) == 0)
				vec_push(&all, ((struct pc_where){ entry, dwarf_decl_where(&child) }));
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	if (all.len)
		qsort(all.items, all.len, sizeof(*all.items), by_pc_where);
	im->where = xcalloc(im->nfuncs ? im->nfuncs : 1, sizeof(*im->where));
	for (int i = 0; i < im->nfuncs; i++) {
		struct pc_where key = { .pc = im->funcs[i].addr - im->bias }, *found;

		found = all.len ? bsearch(&key, all.items, all.len, sizeof(*all.items), by_pc_where) : NULL;
		if (found && found->where)
			im->where[i] = xstrdup(found->where);
	}
	for (int i = 0; i < all.len; i++)
		free(all.items[i].where);
	free(all.items);
}

/* ${SYSTEMTAP_DIR:-~/.systemtap}/cache/dwarf/BUILDID.where, its
 * directories made; NULL if the image has no build-id or no home. */
static char *where_cache_path(struct dwarf_image *im)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(im->mod, &bits, &vaddr);
	char *dir = n > 0 ? cache_dir("dwarf") : NULL, *path;
	struct strbuf id = {0};

	if (!dir)
		return NULL;
	for (int i = 0; i < n; i++)
		sb_printf(&id, "%02x", bits[i]);
	path = xasprintf("%s/%s.where", dir, id.buf);
	free(dir);
	free(id.buf);
	return path;
}

/* The cache file holds one "NAME\tFILE:LINE" line per function, in the
 * image's order; one that doesn't match the image is rebuilt. */
static int load_where(struct dwarf_image *im, const char *path)
{
	size_t len;
	char *text = read_file(path, &len), *p = text;

	if (!text)
		return -1;
	im->where = xcalloc(im->nfuncs ? im->nfuncs : 1, sizeof(*im->where));
	for (int i = 0; i < im->nfuncs; i++) {
		char *tab = p ? strchr(p, '\t') : NULL, *nl = tab ? strchr(tab, '\n') : NULL;

		if (!nl || strncmp(p, im->funcs[i].name, tab - p) || im->funcs[i].name[tab - p]) {
			free(text);
			free(im->where);	/* (the strings so far leak: a rare path) */
			im->where = NULL;
			return -1;
		}
		if (nl > tab + 1)
			im->where[i] = xstrndup(tab + 1, nl - tab - 1);
		p = nl + 1;
	}
	free(text);
	return 0;
}

static void save_where(struct dwarf_image *im, const char *path)
{
	struct strbuf sb = {0};
	char *tmp = xasprintf("%s.%d", path, (int)getpid());

	for (int i = 0; i < im->nfuncs; i++)
		sb_printf(&sb, "%s\t%s\n", im->funcs[i].name, im->where[i] ? im->where[i] : "");
	if (write_file(tmp, sb.buf ? sb.buf : "", sb.len) == 0 && rename(tmp, path) != 0)
		unlink(tmp);	/* written whole, then renamed: never half a file */
	free(tmp);
	free(sb.buf);
}

char *dwarf_where(struct dwarf_image *im, const char *name)
{
	struct dwarf_symbol key = { .name = name }, *sym;
	Dwarf_Die fn;

	if (!im->is_kernel)	/* a module's units are few: ask directly */
		return dwarf_function(im, name, &fn) == 0 ? dwarf_decl_where(&fn) : NULL;
	if (!im->where) {
		char *path = where_cache_path(im);

		if (!path || load_where(im, path) != 0) {
			build_where(im);
			if (path)
				save_where(im, path);
		}
		free(path);
	}
	sym = bsearch(&key, im->funcs, im->nfuncs, sizeof(*im->funcs), by_symbol_name);
	return sym && im->where[sym - im->funcs] ? xstrdup(im->where[sym - im->funcs]) : NULL;
}

/* ---- inline instances (.inline) ---- */

struct inline_walk {
	struct dwarf_image *im;
	const char *pattern;
	struct dwarf_symbol *by_addr;	/* funcs sorted by address */
	int n;
	void (*found)(void *arg, const char *function, uint64_t offset);
	void *arg;
};

static int by_symbol_addr(const void *a, const void *b)
{
	const struct dwarf_symbol *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The function symbol whose code holds pc (image addresses), or NULL. */
static const struct dwarf_symbol *symbol_holding(const struct inline_walk *w, uint64_t pc)
{
	int lo = 0, hi = w->n - 1, best = -1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (w->by_addr[mid].addr <= pc) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0 || pc >= w->by_addr[best].addr + w->by_addr[best].size)
		return NULL;
	return &w->by_addr[best];
}

static void walk_inlines(struct inline_walk *w, Dwarf_Die *parent)
{
	Dwarf_Die child, origin;
	Dwarf_Attribute attr;

	if (dwarf_child(parent, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		const char *name;
		Dwarf_Addr pc;
		const struct dwarf_symbol *sym;

		if (tag == DW_TAG_inlined_subroutine && dwarf_attr(&child, DW_AT_abstract_origin, &attr) &&
		    dwarf_formref_die(&attr, &origin) && (name = dwarf_diename(&origin)) &&
		    !fnmatch(w->pattern, name, 0) && entry_of(&child, &pc) == 0 &&
		    (sym = symbol_holding(w, pc + w->im->bias)))
			w->found(w->arg, sym->name, pc + w->im->bias - sym->addr);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine)
			walk_inlines(w, &child);
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* The inline instances matching pattern in unit cu, or in every unit. */
static void find_inline_instances(struct dwarf_image *im, const char *pattern, Dwarf_Die *cu,
				  void (*found)(void *arg, const char *function, uint64_t offset), void *arg)
{
	struct inline_walk w = { .im = im, .pattern = pattern, .found = found, .arg = arg, .n = im->nfuncs };
	Dwarf_Off off = 0;
	Dwarf_Die unit;

	w.by_addr = xmemdup(im->funcs, im->nfuncs * sizeof(*im->funcs));
	if (w.n)
		qsort(w.by_addr, w.n, sizeof(*w.by_addr), by_symbol_addr);
	if (cu)
		walk_inlines(&w, cu);
	else
		while (next_unit(im, &off, &unit))
			walk_inlines(&w, &unit);
	free(w.by_addr);
}

void dwarf_inline_instances(struct dwarf_image *im, const char *pattern,
			    void (*found)(void *arg, const char *function, uint64_t offset), void *arg)
{
	find_inline_instances(im, pattern, NULL, found, arg);
}

/* Whether fn (an out-of-line copy) was also inlined somewhere: then its
 * DIE refers to an abstract one that says so. */
static int also_inlined(Dwarf_Die *fn)
{
	Dwarf_Attribute attr;
	Dwarf_Die origin;
	Dwarf_Word how;

	if (!dwarf_attr(fn, DW_AT_abstract_origin, &attr) || !dwarf_formref_die(&attr, &origin))
		return 0;
	return dwarf_attr(&origin, DW_AT_inline, &attr) && dwarf_formudata(&attr, &how) == 0 &&
	       (how == DW_INL_inlined || how == DW_INL_declared_inlined);
}

void dwarf_inline_copies(struct dwarf_image *im, const char *name,
			 void (*found)(void *arg, const char *function, uint64_t offset), void *arg)
{
	Dwarf_Die fn, cu;

	if (dwarf_function(im, name, &fn) != 0)	/* only ever inlined: anywhere */
		find_inline_instances(im, name, NULL, found, arg);
	else if (also_inlined(&fn) && dwarf_diecu(&fn, &cu, NULL, NULL))
		find_inline_instances(im, name, &cu, found, arg);
}

char *dwarf_decl_where(Dwarf_Die *die)
{
	const char *file = dwarf_decl_file(die);
	int line = 0;

	if (!file)
		return NULL;
	dwarf_decl_line(die, &line);
	return xasprintf("%s:%d", file, line);
}

int dwarf_scopes(Dwarf_Die *fn, uint64_t pc, Dwarf_Die **scopes)
{
	Dwarf_Die cu;
	int n;

	if (!dwarf_diecu(fn, &cu, NULL, NULL))
		return 0;
	n = dwarf_getscopes(&cu, pc, scopes);
	return n > 0 ? n : 0;
}

/* ---- types ---- */

static int type_of(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute attr;

	if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, type))
		return -1;
	return 0;
}

int dwarf_peeled_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Die t;

	if (type_of(die, &t) != 0)
		return -1;
	while (dwarf_tag(&t) == DW_TAG_typedef || dwarf_tag(&t) == DW_TAG_const_type ||
	       dwarf_tag(&t) == DW_TAG_volatile_type || dwarf_tag(&t) == DW_TAG_restrict_type ||
	       dwarf_tag(&t) == DW_TAG_atomic_type)
		if (type_of(&t, &t) != 0)
			return -1;	/* const void */
	*type = t;
	return 0;
}

static void array_bounds(Dwarf_Die *array, struct strbuf *sb)
{
	Dwarf_Die sub;

	if (dwarf_child(array, &sub) != 0)
		return;
	do {
		Dwarf_Word n;
		Dwarf_Attribute attr;

		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		if (dwarf_attr(&sub, DW_AT_count, &attr) && dwarf_formudata(&attr, &n) == 0)
			sb_printf(sb, "[%llu]", (unsigned long long)n);
		else if (dwarf_attr(&sub, DW_AT_upper_bound, &attr) && dwarf_formudata(&attr, &n) == 0)
			sb_printf(sb, "[%llu]", (unsigned long long)n + 1);
		else
			sb_add(sb, "[]");
	} while (dwarf_siblingof(&sub, &sub) == 0);
}

/* The C spelling of type t: prefix ("struct file", "char") and suffix
 * ("*", "[16]"), pointers and arrays as stap -L writes them. */
static void spell_type(Dwarf_Die *t, struct strbuf *sb)
{
	const char *name = dwarf_diename(t);
	Dwarf_Die inner;

	switch (dwarf_tag(t)) {
	case DW_TAG_pointer_type:
		if (type_of(t, &inner) != 0)
			sb_add(sb, "void");
		else
			spell_type(&inner, sb);
		sb_add(sb, "*");
		return;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
		if (type_of(t, &inner) != 0) {
			sb_add(sb, dwarf_tag(t) == DW_TAG_const_type ? "const void" : "volatile void");
			return;
		}
		sb_add(sb, dwarf_tag(t) == DW_TAG_const_type ? "const " : "volatile ");
		spell_type(&inner, sb);
		return;
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		if (type_of(t, &inner) == 0)
			spell_type(&inner, sb);
		return;
	case DW_TAG_array_type:
		if (type_of(t, &inner) == 0)
			spell_type(&inner, sb);
		array_bounds(t, sb);
		return;
	case DW_TAG_structure_type:
		sb_printf(sb, "struct %s", name ? name : "{...}");
		return;
	case DW_TAG_union_type:
		sb_printf(sb, "union %s", name ? name : "{...}");
		return;
	case DW_TAG_enumeration_type:
		sb_printf(sb, "enum %s", name ? name : "{...}");
		return;
	case DW_TAG_subroutine_type:
		sb_add(sb, "func");
		return;
	default:
		sb_add(sb, name ? name : "?");
	}
}

char *dwarf_type_name(Dwarf_Die *die)
{
	struct strbuf sb = {0};
	Dwarf_Die t;

	if (type_of(die, &t) != 0)
		return xstrdup("void");
	spell_type(&t, &sb);
	return sb_steal(&sb);
}

/* A unit's top-level DIE with tag named name (a definition, not a
 * declaration, if definitions_only). */
static int find_in_unit(Dwarf_Die *cu, int tag, const char *name, int definitions_only, Dwarf_Die *out)
{
	Dwarf_Die child;

	if (dwarf_child(cu, &child) != 0)
		return -1;
	do {
		Dwarf_Attribute attr;
		const char *n;

		if (dwarf_tag(&child) != tag || (definitions_only && dwarf_hasattr(&child, DW_AT_declaration)))
			continue;
		n = dwarf_formstring(dwarf_attr_integrate(&child, DW_AT_name, &attr));
		if (n && !strcmp(n, name)) {
			*out = child;
			return 0;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return -1;
}

static int find_definition(Dwarf_Die *cu, int tag, const char *name, Dwarf_Die *out)
{
	return find_in_unit(cu, tag, name, 1, out);
}

/* Units are walked (their top level only), each once per run, until one
 * defines the type; the kernel's common types turn up in the first few. */
int dwarf_complete_type(struct dwarf_image *im, Dwarf_Die *type)
{
	const char *name = dwarf_diename(type);
	int tag = dwarf_tag(type);
	Dwarf_Off off = 0;
	Dwarf_Die cu;

	if (!dwarf_hasattr(type, DW_AT_declaration))
		return 0;
	if (!name)
		return -1;
	while (next_unit(im, &off, &cu))
		if (find_definition(&cu, tag, name, type) == 0)
			return 0;
	return -1;
}

static int remember_type(struct dwarf_image *im, const char *name, const Dwarf_Die *die)
{
	im->types = xrealloc(im->types, (im->ntypes + 1) * sizeof(*im->types));
	im->types[im->ntypes].name = xstrdup(name);
	im->types[im->ntypes].die = *die;
	im->ntypes++;
	return 0;
}

/* A definition named name with one of the tags, among the units' top
 * levels: the first unit that has one (the kernel's common types are in
 * the first few).  0, or -1. */
int dwarf_find_type(struct dwarf_image *im, const char *name, Dwarf_Die *out)
{
	static const int tags[] = { DW_TAG_structure_type, DW_TAG_union_type, DW_TAG_typedef,
				    DW_TAG_base_type, DW_TAG_enumeration_type };
	Dwarf_Off off = 0;
	Dwarf_Die cu;

	for (int i = 0; i < im->ntypes; i++) {
		if (!strcmp(im->types[i].name, name)) {
			*out = im->types[i].die;
			return 0;
		}
	}
	while (next_unit(im, &off, &cu))
		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
			if (find_definition(&cu, tags[i], name, out) == 0)
				return remember_type(im, name, out);
	return -1;
}

/* A global variable, from its symbol straight to its unit; *addr is the
 * symbol's (a linker alias such as jiffies has only a declaration). */
/* Whether unit cu was compiled from file (a tail of its name will do). */
static int unit_is(Dwarf_Die *cu, const char *file)
{
	const char *name = dwarf_diename(cu);
	size_t n = name ? strlen(name) : 0, f = strlen(file);

	return n >= f && !strcmp(name + n - f, file) && (n == f || name[n - f - 1] == '/');
}

/* Data addresses are not in the units' address ranges: the units' top
 * levels are walked for a definition (or, failing that, a declaration). */
static int search_units_for_variable(struct dwarf_image *im, const char *name, const char *file, Dwarf_Die *var)
{
	Dwarf_Off off = 0;
	Dwarf_Die cu;
	int have_declaration = 0;

	while (next_unit(im, &off, &cu)) {
		if (file && !unit_is(&cu, file))
			continue;
		if (find_definition(&cu, DW_TAG_variable, name, var) == 0)
			return 0;
		if (!have_declaration && find_in_unit(&cu, DW_TAG_variable, name, 0, var) == 0)
			have_declaration = 1;
	}
	return have_declaration ? 0 : -1;
}

int dwarf_global_variable(struct dwarf_image *im, const char *name, const char *file, Dwarf_Die *var,
			  uint64_t *addr)
{
	int n = dwfl_module_getsymtab(im->mod);

	for (int i = 0; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr at;
		Dwarf_Addr bias;
		Dwarf_Die *cu;
		const char *s = dwfl_module_getsym_info(im->mod, i, &sym, &at, NULL, NULL, NULL);

		if (!s || strcmp(s, name) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
			continue;
		*addr = at;
		cu = dwfl_module_addrdie(im->mod, at, &bias);
		if (cu && find_definition(cu, DW_TAG_variable, name, var) == 0)
			return 0;
		return search_units_for_variable(im, name, file, var);
	}
	return -1;
}

/* A module's static data moves with the module: it is found at run time
 * relative to the symbol that holds it, "MODULE:SYMBOL", one of the
 * table's that pass 3 writes (runtime/symbols.c looks them up). */
static string_vec module_symbols;

string_vec dwarf_module_symbols(void)
{
	return module_symbols;
}

static int module_symbol_index(const char *name)
{
	for (int i = 0; i < module_symbols.len; i++)
		if (!strcmp(module_symbols.items[i], name))
			return i;
	vec_push(&module_symbols, xstrdup(name));
	return module_symbols.len - 1;
}

static char *module_static_address(struct dwarf_image *im, uint64_t addr, char **why)
{
	GElf_Off offset = 0;
	GElf_Sym sym;
	const char *symbol = dwfl_module_addrinfo(im->mod, addr + im->bias, &offset, &sym, NULL, NULL, NULL);
	char *module, *name;
	int i;

	if (!symbol || (GELF_ST_TYPE(sym.st_info) != STT_OBJECT && GELF_ST_TYPE(sym.st_info) != STT_FUNC)) {
		*why = xasprintf("no symbol of %s holds static data at 0x%llx", im->path, (unsigned long long)addr);
		return NULL;
	}
	module = module_name(im->path);
	name = xasprintf("%s:%s", module, symbol);
	i = module_symbol_index(name);
	free(module);
	free(name);
	return xasprintf("(stp_module_symbol(c, &stp_module_symbols[%d]) + 0x%llxULL)", i, (unsigned long long)offset);
}

char *dwarf_static_address(struct dwarf_image *im, uint64_t addr, char **why)
{
	if (im->is_user)	/* where the probed process mapped the file */
		return xasprintf("(stp_ubias(c) + 0x%llxULL)", (unsigned long long)addr);
	if (!im->is_kernel)
		return module_static_address(im, addr, why);
	if (!im->jiffies_addr) {
		*why = xstrdup("the kernel image has no 'jiffies' to relocate by");
		return NULL;
	}
	/* KASLR moves the kernel as a whole: jiffies is where the module
	 * sees it, and the image says where it was */
	return xasprintf("((unsigned long)&jiffies - 0x%llxULL + 0x%llxULL)", (unsigned long long)im->jiffies_addr,
			 (unsigned long long)addr);
}

/* ---- location expressions to C ---- */

static const char *const x86_64_registers[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

static const char *register_field(unsigned int regno)
{
	return regno < sizeof(x86_64_registers) / sizeof(x86_64_registers[0]) ? x86_64_registers[regno] : NULL;
}

#define MAX_STACK 16

struct loc_eval {
	struct dwarf_image *im;
	Dwarf_Die *fn;
	uint64_t pc;
	const char *near;
	Dwarf_Attribute *attr;	/* the location's, for DW_OP_entry_value */
	char *stack[MAX_STACK];
	int depth;
	char *why;
};

static int push(struct loc_eval *ev, char *c)
{
	if (ev->depth == MAX_STACK) {
		free(c);
		ev->why = xstrdup("location expression too deep");
		return -1;
	}
	ev->stack[ev->depth++] = c;
	return 0;
}

static char *pop(struct loc_eval *ev)
{
	if (!ev->depth) {
		ev->why = xstrdup("malformed location expression");
		return NULL;
	}
	return ev->stack[--ev->depth];
}

static int eval_ops(struct loc_eval *ev, const Dwarf_Op *ops, size_t n, int *is_value, const char **reg);

/* The canonical frame address at pc: at a function's entry the return
 * address was just pushed; elsewhere the call frame information says. */
static char *frame_address(struct loc_eval *ev)
{
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops;
	size_t nops;
	int is_value = 0;
	const char *reg = NULL;

	if (!ev->fn) {
		ev->why = xstrdup("not a static variable");
		return NULL;
	}
	if (ev->pc == dwarf_entry_pc(ev->fn))
		return xstrdup("(c->regs->sp + 8)");
	cfi = dwfl_module_dwarf_cfi(ev->im->mod, &bias);
	if (!cfi)
		cfi = dwfl_module_eh_cfi(ev->im->mod, &bias);
	/* pc is in the debug information's layout; the CFI's may differ */
	if (!cfi || dwarf_cfi_addrframe(cfi, ev->pc + ev->im->bias - bias, &frame) != 0 ||
	    dwarf_frame_cfa(frame, &ops, &nops) != 0) {
		free(frame);
		ev->why = xstrdup("the frame address is not known at this point");
		return NULL;
	}
	if (eval_ops(ev, ops, nops, &is_value, &reg) != 0 || reg) {
		free(frame);
		if (!ev->why)
			ev->why = xstrdup("unusual frame address");
		return NULL;
	}
	free(frame);
	return pop(ev);
}

/* DW_AT_frame_base of the function, as C. */
static char *frame_base(struct loc_eval *ev)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t nops;
	int is_value = 0;
	const char *reg = NULL;

	if (!ev->fn || !dwarf_attr(ev->fn, DW_AT_frame_base, &attr) ||
	    dwarf_getlocation_addr(&attr, ev->pc, &ops, &nops, 1) != 1) {
		ev->why = xstrdup("the function has no frame base here");
		return NULL;
	}
	if (eval_ops(ev, ops, nops, &is_value, &reg) != 0)
		return NULL;
	if (reg)	/* DW_OP_reg6: the frame pointer's value */
		return xasprintf("c->regs->%s", reg);
	return pop(ev);
}

/* An entry value (a parameter's value when the function was entered) is
 * known only at the entry itself, where it is still in its register. */
static int entry_value(struct loc_eval *ev, const Dwarf_Op *op)
{
	Dwarf_Attribute attr;
	Dwarf_Op *sub;
	size_t nsub;

	if (!ev->attr || dwarf_getlocation_attr(ev->attr, op, &attr) != 0 ||
	    dwarf_getlocation(&attr, &sub, &nsub) != 0 || nsub != 1 || sub[0].atom < DW_OP_reg0 ||
	    sub[0].atom > DW_OP_reg31 || !ev->fn || ev->pc != dwarf_entry_pc(ev->fn)) {
		ev->why = xstrdup("not available at this point (only its value at entry is described)");
		return -1;
	}
	return push(ev, xasprintf("c->regs->%s", register_field(sub[0].atom - DW_OP_reg0)));
}

static int binary_op(struct loc_eval *ev, const char *op, int is_signed)
{
	char *b = pop(ev), *a = b ? pop(ev) : NULL;

	if (!a) {
		free(b);
		return -1;
	}
	if (is_signed)
		return push(ev, xasprintf("((uint64_t)((int64_t)%s %s (int64_t)%s))", a, op, b));
	return push(ev, xasprintf("(%s %s %s)", a, op, b));
}

static int register_op(struct loc_eval *ev, unsigned int regno, int64_t offset)
{
	const char *field = register_field(regno);

	if (!field) {
		ev->why = xasprintf("register %u is not one of pt_regs'", regno);
		return -1;
	}
	return push(ev, xasprintf("(c->regs->%s + %lld)", field, (long long)offset));
}

/* Evaluates ops symbolically: each stack entry is C.  A location that is
 * a whole register sets *reg, DW_OP_stack_value sets *is_value. */
static int eval_ops(struct loc_eval *ev, const Dwarf_Op *ops, size_t n, int *is_value, const char **reg)
{
	for (size_t i = 0; i < n; i++) {
		const Dwarf_Op *op = &ops[i];
		uint8_t atom = op->atom;
		char *a, *b;
		int rc = 0;

		if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
			*reg = register_field(atom - DW_OP_reg0);
			if (!*reg)
				ev->why = xstrdup("in a register pt_regs lacks");
			return *reg && i + 1 == n ? 0 : -1;
		}
		if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
			rc = push(ev, xasprintf("%lluULL", (unsigned long long)(atom - DW_OP_lit0)));
		} else if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
			rc = register_op(ev, atom - DW_OP_breg0, (int64_t)op->number);
		} else {
			switch (atom) {
			case DW_OP_regx:
				*reg = register_field((unsigned int)op->number);
				return *reg && i + 1 == n ? 0 : -1;
			case DW_OP_bregx:
				rc = register_op(ev, (unsigned int)op->number, (int64_t)op->number2);
				break;
			case DW_OP_addr:
				a = dwarf_static_address(ev->im, op->number, &ev->why);
				if (!a)
					return -1;
				rc = push(ev, a);
				break;
			case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
			case DW_OP_constu:
				rc = push(ev, xasprintf("%lluULL", (unsigned long long)op->number));
				break;
			case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
			case DW_OP_consts:
				rc = push(ev, xasprintf("(uint64_t)%lldLL", (long long)(int64_t)op->number));
				break;
			case DW_OP_fbreg:
				a = frame_base(ev);
				if (!a)
					return -1;
				rc = push(ev, xasprintf("(%s + %lld)", a, (long long)(int64_t)op->number));
				free(a);
				break;
			case DW_OP_call_frame_cfa:
				a = frame_address(ev);
				rc = a ? push(ev, a) : -1;
				break;
			case DW_OP_plus_uconst:
				a = pop(ev);
				rc = a ? push(ev, xasprintf("(%s + %lluULL)", a, (unsigned long long)op->number)) : -1;
				free(a);
				break;
			case DW_OP_deref:
			case DW_OP_deref_size:
				a = pop(ev);
				rc = a ? push(ev, xasprintf("%s(c, %s, %d, %s)", dwarf_reader(ev->im), a,
							    atom == DW_OP_deref ? 8 : (int)op->number, ev->near)) : -1;
				free(a);
				break;
			case DW_OP_dup:
				a = pop(ev);
				rc = a ? push(ev, a) : -1;
				if (!rc)
					rc = push(ev, xstrdup(a));
				break;
			case DW_OP_drop:
				free(pop(ev));
				break;
			case DW_OP_swap:
				b = pop(ev);
				a = b ? pop(ev) : NULL;
				rc = a ? push(ev, b) : -1;
				if (!rc)
					rc = push(ev, a);
				break;
			case DW_OP_over:
				if (ev->depth < 2)
					return -1;
				rc = push(ev, xstrdup(ev->stack[ev->depth - 2]));
				break;
			case DW_OP_neg: case DW_OP_not:
				a = pop(ev);
				rc = a ? push(ev, xasprintf("(%s%s)", atom == DW_OP_neg ? "-" : "~", a)) : -1;
				free(a);
				break;
			case DW_OP_plus: rc = binary_op(ev, "+", 0); break;
			case DW_OP_minus: rc = binary_op(ev, "-", 0); break;
			case DW_OP_mul: rc = binary_op(ev, "*", 0); break;
			case DW_OP_and: rc = binary_op(ev, "&", 0); break;
			case DW_OP_or: rc = binary_op(ev, "|", 0); break;
			case DW_OP_xor: rc = binary_op(ev, "^", 0); break;
			case DW_OP_shl: rc = binary_op(ev, "<<", 0); break;
			case DW_OP_shr: rc = binary_op(ev, ">>", 0); break;
			case DW_OP_shra: rc = binary_op(ev, ">>", 1); break;
			case DW_OP_stack_value:
				*is_value = 1;
				return i + 1 == n ? 0 : -1;
			case DW_OP_entry_value:
			case DW_OP_GNU_entry_value:
				rc = entry_value(ev, op);
				break;
			case DW_OP_piece:	/* (dwarf_location splits at them) */
				ev->why = xstrdup("malformed location expression (a misplaced piece)");
				return -1;
			default:
				ev->why = xasprintf("unsupported DWARF operation 0x%x", atom);
				return -1;
			}
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* One simple location (ops, up to a DW_OP_piece) as a value of size bytes:
 * a register's low bytes, memory read fault-safe, or a computed value;
 * *c is NULL when there are no ops (that piece is optimized out). */
static int piece_value(struct loc_eval *ev, const Dwarf_Op *ops, size_t n, uint64_t size, char **c)
{
	int is_value = 0;
	const char *reg = NULL;
	char *addr;

	*c = NULL;
	if (!n)
		return 0;
	if (eval_ops(ev, ops, n, &is_value, &reg) != 0)
		return -1;
	if (reg) {
		*c = xasprintf("c->regs->%s", reg);
		return 0;
	}
	if (ev->depth != 1) {
		ev->why = xstrdup("unusual location expression");
		return -1;
	}
	addr = pop(ev);
	*c = is_value ? addr : xasprintf("%s(c, %s, %llu, %s)", dwarf_reader(ev->im), addr,
					  (unsigned long long)(size < 8 ? size : 8), ev->near);
	if (!is_value)
		free(addr);
	return 0;
}

/* A location in pieces (DW_OP_piece after each part): into loc->pieces. */
static int location_pieces(struct loc_eval *ev, const Dwarf_Op *ops, size_t n, struct dwarf_loc *loc)
{
	size_t start = 0;
	uint64_t offset = 0;

	loc->kind = DWARF_LOC_PIECES;
	loc->npieces = 0;
	for (size_t i = 0; i < n; i++) {
		struct dwarf_piece *p;

		if (ops[i].atom != DW_OP_piece)
			continue;
		if (loc->npieces == DWARF_MAX_PIECES) {
			ev->why = xstrdup("in too many pieces");
			return -1;
		}
		p = &loc->pieces[loc->npieces++];
		p->offset = offset;
		p->size = ops[i].number;
		if (piece_value(ev, ops + start, i - start, p->size, &p->c) != 0)
			return -1;
		offset += p->size;
		start = i + 1;
	}
	if (start != n) {
		ev->why = xstrdup("malformed location expression (ops after the last piece)");
		return -1;
	}
	return 0;
}

static int has_pieces(const Dwarf_Op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].atom == DW_OP_piece || ops[i].atom == DW_OP_bit_piece)
			return 1;
	return 0;
}

/* DW_AT_const_value: a number the compiler knew (no location at all). */
static int constant_location(Dwarf_Die *var, struct dwarf_loc *loc, char **why)
{
	Dwarf_Attribute attr;
	Dwarf_Sword value;

	if (!dwarf_attr_integrate(var, DW_AT_const_value, &attr))
		return -1;
	if (dwarf_formsdata(&attr, &value) != 0) {
		*why = xstrdup("a constant that is not a number (not supported)");
		return 1;
	}
	loc->kind = DWARF_LOC_VALUE;
	loc->c = xasprintf("((uint64_t)%lldLL)", (long long)value);
	return 0;
}

int dwarf_location(struct dwarf_image *im, Dwarf_Die *fn, Dwarf_Die *var, uint64_t pc, const char *near,
		   struct dwarf_loc *loc, char **why)
{
	Dwarf_Attribute attr;
	struct loc_eval ev = { .im = im, .fn = fn, .pc = pc, .near = near, .attr = &attr };
	Dwarf_Op *ops;
	size_t nops;
	int is_value = 0, n;
	const char *reg = NULL;

	memset(loc, 0, sizeof(*loc));
	if (!dwarf_attr_integrate(var, DW_AT_location, &attr)) {
		n = constant_location(var, loc, why);
		if (n < 0)
			*why = xstrdup("optimized out");
		return n ? -1 : 0;
	}
	n = dwarf_getlocation_addr(&attr, pc, &ops, &nops, 1);
	if (n <= 0 || nops == 0) {
		*why = xstrdup("not available at this point (optimized out)");
		return -1;
	}
	if (has_pieces(ops, nops)) {
		if (location_pieces(&ev, ops, nops, loc) == 0)
			return 0;
		*why = ev.why ? ev.why : xstrdup("unusual location expression");
		while (ev.depth)
			free(pop(&ev));
		return -1;
	}
	if (eval_ops(&ev, ops, nops, &is_value, &reg) != 0 || (!reg && ev.depth != 1)) {
		*why = ev.why ? ev.why : xstrdup("unusual location expression");
		while (ev.depth)
			free(pop(&ev));
		return -1;
	}
	if (reg) {
		loc->kind = DWARF_LOC_REGISTER;
		loc->c = xasprintf("c->regs->%s", reg);
	} else {
		loc->kind = is_value ? DWARF_LOC_VALUE : DWARF_LOC_ADDRESS;
		loc->c = pop(&ev);
	}
	return 0;
}
