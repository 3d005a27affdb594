/* The tracepoints of the target kernel and of its modules, for
 * kernel.trace("SYSTEM:NAME"): the debuginfo vmlinux's, those of the
 * modules modules.dep lists (through tracepoint_index.c), and those of
 * modules given to -d (a .ko outside /lib/modules, say).
 *
 * Each tracepoint is a `struct tracepoint __tracepoint_NAME` object (its
 * arguments are those of its `__traceiter_NAME(void *__data, ARGS...)`
 * function: see probe_tracepoint.c).  The system comes from its trace
 * event: the image's _ftrace_events section is an array of pointers to
 * `struct trace_event_call`s; a call points at its tracepoint and at its
 * `struct trace_event_class` (an event_class_* object), whose first
 * member is `const char *system`.  We look for those two pointers among
 * the call's first words rather than trusting offsets, so a change in
 * the layout of the rest of the struct doesn't matter.  Tracepoints no
 * trace event uses (DECLARE_TRACE only, e.g. sched's pelt_cfs_tp) have
 * no system.  Everything comes from the images, nothing from a running
 * kernel: the linked vmlinux's sections hold the final pointer values; a
 * module's .ko is relocatable, so its pointers are what its relocations
 * will put there (an address in a .ko is its section's index << 32 plus
 * the offset in the section). */
#include "tracepoints.h"

#include "ksyms.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many words of a trace_event_call may hold its class and
 * tracepoint pointers (they are the 3rd and 4th today). */
#define CALL_WORDS 8
/* x86_64's relocation that stores a symbol's 64-bit address. */
#define RELOC_64 1

struct found_tp {
	char *name;
	uint64_t addr;
	const char *system;	/* in the image */
};

struct reloc {
	uint64_t offset, value;
};

/* A module's relocations of one section, read the first time a word of
 * it is. */
struct section_relocs {
	int loaded;
	size_t rela;		/* the SHT_RELA section that applies to it, or 0 */
	struct reloc *relocs;	/* by offset */
	size_t n;
};

struct loader {
	Elf *elf;
	int relocatable;	/* a module's .ko */
	VEC(struct found_tp) tps;
	VEC(uint64_t) classes;
	uint64_t start_events, stop_events;
	struct section_relocs *sections;	/* relocatable: one per section */
	size_t nsections;
};

static uint64_t symbol_address(const struct loader *ld, const GElf_Sym *sym)
{
	return ld->relocatable ? ((uint64_t)sym->st_shndx << 32) + sym->st_value : sym->st_value;
}

static void note_symbol(void *arg, const char *name, const GElf_Sym *sym, const char *section)
{
	struct loader *ld = arg;
	int type = GELF_ST_TYPE(sym->st_info);

	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
		return;		/* another image's (kvm_intel uses kvm's tracepoints) */
	if (!strncmp(name, "__tracepoint_", 13) && name[13] && type == STT_OBJECT && sym->st_size > 8) {
		/* (8 bytes: a __tracepoint_ptr_NAME entry, where there are those) */
		struct found_tp tp = { .name = xstrdup(name + 13), .addr = symbol_address(ld, sym) };

		vec_push(&ld->tps, tp);
	} else if (!strncmp(name, "event_class_", 12) && type == STT_OBJECT) {
		vec_push(&ld->classes, symbol_address(ld, sym));
	} else if (!ld->relocatable && !strcmp(name, "__start_ftrace_events")) {
		ld->start_events = sym->st_value;
	} else if (!ld->relocatable && !strcmp(name, "__stop_ftrace_events")) {
		ld->stop_events = sym->st_value;
	}
	(void)section;
}

/* len bytes at addr, or NULL. */
static const unsigned char *bytes_at(struct loader *ld, uint64_t addr, size_t len)
{
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf_Data *data;
	uint64_t offset = addr & 0xffffffff;

	if (!ld->relocatable)
		return elf_bytes_at(ld->elf, addr, len);
	scn = elf_getscn(ld->elf, addr >> 32);
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
		return NULL;
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf || offset + len > data->d_size)
		return NULL;
	return (const unsigned char *)data->d_buf + offset;
}

static int by_offset(const void *a, const void *b)
{
	uint64_t x = ((const struct reloc *)a)->offset, y = ((const struct reloc *)b)->offset;

	return x < y ? -1 : x > y;
}

/* The 64-bit absolute relocations of section i: where each stores what. */
static void load_relocs(struct loader *ld, size_t i)
{
	struct section_relocs *s = &ld->sections[i];
	Elf_Scn *rela = s->rela ? elf_getscn(ld->elf, s->rela) : NULL, *symtab;
	GElf_Shdr sh, sym_sh;
	Elf_Data *data, *syms;
	VEC(struct reloc) out = {0};

	s->loaded = 1;
	if (!rela || !gelf_getshdr(rela, &sh) || !(symtab = elf_getscn(ld->elf, sh.sh_link)) ||
	    !gelf_getshdr(symtab, &sym_sh) || !(data = elf_getdata(rela, NULL)) || !(syms = elf_getdata(symtab, NULL)))
		return;
	for (size_t k = 0; k < sh.sh_size / sh.sh_entsize; k++) {
		GElf_Rela r;
		GElf_Sym sym;

		if (!gelf_getrela(data, (int)k, &r) || GELF_R_TYPE(r.r_info) != RELOC_64 ||
		    !gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym) || sym.st_shndx == SHN_UNDEF ||
		    sym.st_shndx >= SHN_LORESERVE)
			continue;	/* to another image: not one of ours */
		vec_push(&out, ((struct reloc){ r.r_offset, symbol_address(ld, &sym) + r.r_addend }));
	}
	if (out.len)
		qsort(out.items, out.len, sizeof(*out.items), by_offset);
	s->relocs = out.items;
	s->n = out.len;
}

/* The pointer at addr as the loaded image has it; 0 if unknown. */
static uint64_t word_at(struct loader *ld, uint64_t addr)
{
	const unsigned char *p = bytes_at(ld, addr, 8);
	struct reloc key = { .offset = addr & 0xffffffff }, *r;
	struct section_relocs *s;
	uint64_t w;

	if (!p)
		return 0;
	memcpy(&w, p, 8);	/* x86_64: little-endian, like the host */
	if (!ld->relocatable)
		return w;
	if ((addr >> 32) >= ld->nsections)
		return 0;
	s = &ld->sections[addr >> 32];
	if (!s->loaded)
		load_relocs(ld, addr >> 32);
	r = s->n ? bsearch(&key, s->relocs, s->n, sizeof(key), by_offset) : NULL;
	return r ? r->value : 0;	/* no relocation: a null pointer */
}

/* The NUL-terminated string at addr in the image, or NULL. */
static const char *string_at(struct loader *ld, uint64_t addr)
{
	for (size_t len = 1; len <= 64; len++) {
		const unsigned char *p = bytes_at(ld, addr, len);

		if (!p)
			return NULL;
		if (!p[len - 1])
			return (const char *)p;
	}
	return NULL;
}

static int tp_by_addr(const void *a, const void *b)
{
	uint64_t x = ((const struct found_tp *)a)->addr, y = ((const struct found_tp *)b)->addr;

	return x < y ? -1 : x > y;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Gives each tracepoint that has a trace event the event's system. */
static void find_systems(struct loader *ld)
{
	size_t n = ld->stop_events > ld->start_events ? (ld->stop_events - ld->start_events) / 8 : 0;
	struct found_tp *tps = ld->tps.items;

	if (!n || !ld->classes.len || !ld->tps.len)
		return;
	qsort(tps, ld->tps.len, sizeof(*tps), tp_by_addr);
	qsort(ld->classes.items, ld->classes.len, sizeof(uint64_t), compare_u64);
	for (size_t i = 0; i < n; i++) {
		uint64_t call = word_at(ld, ld->start_events + 8 * i), class = 0;
		struct found_tp key, *tp = NULL;

		for (int w = 0; call && w < CALL_WORDS; w++) {
			uint64_t v = word_at(ld, call + 8 * w);

			key.addr = v;
			if (!tp)
				tp = bsearch(&key, tps, ld->tps.len, sizeof(*tps), tp_by_addr);
			if (!class && bsearch(&v, ld->classes.items, ld->classes.len, sizeof(uint64_t), compare_u64))
				class = v;
		}
		if (tp && class && !tp->system)
			tp->system = string_at(ld, word_at(ld, class));
	}
}

/* A module's _ftrace_events section, and which relocation section
 * applies to each section. */
static void index_sections(struct loader *ld)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(ld->elf, &ld->nsections) != 0 || elf_getshdrstrndx(ld->elf, &shstrndx) != 0)
		return;
	ld->sections = xcalloc(ld->nsections ? ld->nsections : 1, sizeof(*ld->sections));
	while ((scn = elf_nextscn(ld->elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(ld->elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_RELA && sh.sh_info < ld->nsections)
			ld->sections[sh.sh_info].rela = elf_ndxscn(scn);
		if (name && !strcmp(name, "_ftrace_events")) {
			ld->start_events = (uint64_t)elf_ndxscn(scn) << 32;
			ld->stop_events = ld->start_events + sh.sh_size;
		}
	}
}

static void free_loader(struct loader *ld)
{
	for (size_t i = 0; i < ld->nsections; i++)
		free(ld->sections[i].relocs);
	free(ld->sections);
	free(ld->classes.items);
	free(ld->tps.items);
}

int tracepoints_of_image(const char *path, const char *module, ktracepoint_vec *out, char **why)
{
	struct loader ld = {0};
	GElf_Ehdr eh;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ld.elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ld.elf || !gelf_getehdr(ld.elf, &eh)) {
		*why = xasprintf("cannot read %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ld.relocatable = eh.e_type == ET_REL;
	if (ld.relocatable)
		index_sections(&ld);
	elf_each_symbol(ld.elf, note_symbol, &ld);
	find_systems(&ld);
	for (int i = 0; i < ld.tps.len; i++) {
		struct found_tp *f = &ld.tps.items[i];
		struct ktracepoint tp = {
			.name = f->name,
			.system = f->system ? xstrdup(f->system) : NULL,
			.module = module,
			.symbol = module ? xasprintf("%s:%s", module, f->name) : xstrdup(f->name),
		};

		vec_push(out, tp);
	}
	free_loader(&ld);
	elf_end(ld.elf);
	close(fd);
	return 0;
}

/* ---- the table kernel.trace matches ---- */

static string_vec extra_modules;

void tracepoint_add_module(const char *module)
{
	vec_push(&extra_modules, xstrdup(module));
}

const char *tracepoint_symbol_name(const char *symbol)
{
	const char *colon = strrchr(symbol, ':');

	return colon ? colon + 1 : symbol;
}

char *tracepoint_symbol_module(const char *symbol)
{
	const char *colon = strrchr(symbol, ':');

	return colon ? xstrndup(symbol, colon - symbol) : NULL;
}

/* Drops the tracepoints of the module the kernel knows as name. */
static void drop_module(ktracepoint_vec *v, const char *name)
{
	int kept = 0;

	for (int i = 0; i < v->len; i++) {
		char *other = v->items[i].module ? module_name(v->items[i].module) : NULL;

		if (!other || strcmp(other, name))
			v->items[kept++] = v->items[i];
		free(other);
	}
	v->len = kept;
}

/* -d's modules: one given by path replaces the modules.dep module of its
 * name; one given by name adds nothing modules.dep doesn't have. */
static int add_extra_modules(const char *release, ktracepoint_vec *v, char **why)
{
	for (int i = 0; i < extra_modules.len; i++) {
		const char *module = extra_modules.items[i];
		char *path, *name, *reason = NULL;

		if (!strchr(module, '/'))
			continue;
		path = kernel_image_path(release, module, 1, &reason);
		name = module_name(module);
		drop_module(v, name);
		free(name);
		if (!path || tracepoints_of_image(path, module, v, &reason) != 0) {
			*why = xasprintf("-d %s: %s", module, reason);
			free(reason);
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

static int tp_by_symbol(const void *a, const void *b)
{
	return strcmp(((const struct ktracepoint *)a)->symbol, ((const struct ktracepoint *)b)->symbol);
}

static struct tracepoint_table *load_table(const char *release, char **why)
{
	ktracepoint_vec all = {0};
	struct tracepoint_table *t;
	char *path = find_vmlinux(release);

	if (!path) {
		*why = xasprintf("no debug information for kernel %s (install linux-image-%s-dbg, or the package "
				 "that provides /usr/lib/debug/boot/vmlinux-%s)", release, release, release);
		return NULL;
	}
	if (tracepoints_of_image(path, NULL, &all, why) != 0) {
		free(path);
		return NULL;
	}
	free(path);
	tracepoint_module_index(release, &all);
	if (add_extra_modules(release, &all, why) != 0)
		return NULL;
	if (all.len)
		qsort(all.items, all.len, sizeof(*all.items), tp_by_symbol);
	t = xcalloc(1, sizeof(*t));
	t->tps = all.items;
	for (int i = 0; i < all.len; i++)	/* one of a name: two files of a module (updates/) */
		if (!t->n || strcmp(t->tps[t->n - 1].symbol, all.items[i].symbol))
			t->tps[t->n++] = all.items[i];
	return t;
}

const struct tracepoint_table *tracepoint_table(const char *release, char **why)
{
	static struct {
		char *release;
		struct tracepoint_table *t;
		char *why;
	} loaded[4];
	static int n;

	for (int i = 0; i < n; i++)
		if (!strcmp(loaded[i].release, release)) {
			if (!loaded[i].t)
				*why = xstrdup(loaded[i].why);
			return loaded[i].t;
		}
	if (n == 4) {
		*why = xstrdup("too many kernels");
		return NULL;
	}
	loaded[n].release = xstrdup(release);
	loaded[n].t = load_table(release, why);
	loaded[n].why = loaded[n].t ? NULL : xstrdup(*why);
	return loaded[n++].t;
}

const struct ktracepoint *tracepoint_find(const struct tracepoint_table *t, const char *symbol)
{
	struct ktracepoint key = { .symbol = (char *)symbol };

	return t->n ? bsearch(&key, t->tps, t->n, sizeof(key), tp_by_symbol) : NULL;
}
