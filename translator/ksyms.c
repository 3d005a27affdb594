/* The functions of the target kernel and of its modules, from the ELF
 * symbol tables of their images (libelf): the debuginfo vmlinux, and each
 * module's .ko.  kernel.function and module().function match their
 * patterns here; each function also says whether a probe may go on it:
 *
 * - the kernel's own kprobe blacklist (NOKPROBE_SYMBOL, the addresses
 *   between __start_kprobe_blacklist and __stop_kprobe_blacklist);
 * - entry and noinstr code, and init/exit code, by the section it is in;
 * - notrace functions: those without an ftrace call site at their start
 *   (__start_mcount_loc .. __stop_mcount_loc);
 * - what the probe runtime itself calls while a probe runs (locks,
 *   printing, copying, relay, timers), which would only ever be skipped.
 */
#include "ksyms.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sections whose functions can't be probed, and why: in a module, and in
 * vmlinux for those the linker keeps apart (init, exit). */
static const struct {
	const char *section;
	const char *why;
} unprobeable_sections[] = {
	{ ".entry.text", "entry code" },
	{ ".noinstr.text", "noinstr code" },
	{ ".irqentry.text", "entry code" },
	{ ".kprobes.text", "kprobes itself" },
	{ ".cpuidle.text", "noinstr code" },
	{ ".init.text", "init code, gone after boot" },
	{ ".exit.text", "exit code" },
	{ ".spinlock.text", "locks the probe runtime takes" },
};

/* vmlinux merges the others into .text, between these symbols. */
static const struct {
	const char *start, *stop, *why;
} unprobeable_ranges[] = {
	{ "__entry_text_start", "__entry_text_end", "entry code" },
	{ "__noinstr_text_start", "__noinstr_text_end", "noinstr code" },
	{ "__irqentry_text_start", "__irqentry_text_end", "entry code" },
	{ "__kprobes_text_start", "__kprobes_text_end", "kprobes itself" },
	{ "__cpuidle_text_start", "__cpuidle_text_end", "noinstr code" },
	{ "__lock_text_start", "__lock_text_end", "locks the probe runtime takes" },
};

#define NRANGES (sizeof(unprobeable_ranges) / sizeof(unprobeable_ranges[0]))

/* Functions a pattern skips by name: what the probe runtime calls while a
 * probe runs (a probe there would only ever be skipped), and code that
 * runs where a probe handler is not safe or not wanted: the idle loop,
 * NMIs, RCU and context tracking, clocks, text patching, tracing.  SystemTap
 * keeps a list in the same spirit; this one is our own and deliberately
 * wide.  A function named exactly (no wildcard) is still allowed. */
static const struct {
	const char *pattern, *why;
} skipped_by_name[] = {
#define RUNTIME "used by the probe runtime"
	{ "vsnprintf", RUNTIME }, { "vscnprintf", RUNTIME }, { "snprintf", RUNTIME },
	{ "scnprintf", RUNTIME }, { "sprintf", RUNTIME }, { "format_decode", RUNTIME },
	{ "number", RUNTIME }, { "string", RUNTIME }, { "pointer", RUNTIME }, { "memcpy", RUNTIME },
	{ "memmove", RUNTIME }, { "memset", RUNTIME }, { "strscpy", RUNTIME }, { "strlen", RUNTIME },
	{ "strnlen", RUNTIME }, { "strcmp", RUNTIME }, { "copy_from_kernel_nofault*", RUNTIME },
	{ "relay_*", RUNTIME }, { "__relay_*", RUNTIME }, { "hrtimer_*", RUNTIME },
	{ "__hrtimer_*", RUNTIME }, { "ktime_get*", RUNTIME }, { "get_random_*", RUNTIME },
	{ "preempt_*", RUNTIME }, { "sort_r", RUNTIME }, { "sort", RUNTIME }, { "bin2hex", RUNTIME },
	{ "hex_*", RUNTIME }, { "kstrto*", RUNTIME }, { "kvmalloc*", RUNTIME }, { "kvfree", RUNTIME },
	{ "__x86_indirect_thunk*", RUNTIME }, { "__x86_return_thunk", RUNTIME },
	{ "__fentry__", RUNTIME }, { "native_*", RUNTIME }, { "debug_smp_processor_id", RUNTIME },
#define UNSAFE "idle/NMI/RCU/clock/patching/tracing code"
	{ "*idle*", UNSAFE }, { "cpuidle_*", UNSAFE }, { "mwait_*", UNSAFE }, { "*_cpu_up*", UNSAFE },
	{ "cpu_startup_entry", UNSAFE }, { "start_secondary", UNSAFE }, { "*nmi*", UNSAFE },
	{ "rcu_*", UNSAFE }, { "__rcu_*", UNSAFE }, { "*_rcu", UNSAFE }, { "ct_*", UNSAFE },
	{ "context_tracking_*", UNSAFE }, { "tick_*", UNSAFE }, { "*sched_clock*", UNSAFE },
	{ "*clock_read*", UNSAFE }, { "kvm_clock_*", UNSAFE }, { "pvclock_*", UNSAFE },
	{ "read_tsc", UNSAFE }, { "irq_enter*", UNSAFE }, { "irq_exit*", UNSAFE },
	{ "irqentry_*", UNSAFE }, { "text_poke*", UNSAFE }, { "__text_poke*", UNSAFE },
	{ "*int3*", UNSAFE }, { "*static_call*", UNSAFE }, { "*jump_label*", UNSAFE },
	{ "ftrace*", UNSAFE }, { "*kprobe*", UNSAFE }, { "*kretprobe*", UNSAFE }, { "rethook*", UNSAFE },
	{ "lockdep_*", UNSAFE }, { "lock_acquire*", UNSAFE }, { "lock_release*", UNSAFE },
	{ "printk*", UNSAFE }, { "vprintk*", UNSAFE }, { "_printk*", UNSAFE }, { "console_*", UNSAFE },
	{ "*smp_call_function*", UNSAFE }, { "paravirt_*", UNSAFE }, { "pv_*", UNSAFE },
	{ "__raw_callee_save_*", UNSAFE }, { "kvm_*", UNSAFE }, { "xen_*", UNSAFE }, { "hv_*", UNSAFE },
	{ "trace_hardirqs_*", UNSAFE }, { "stop_machine*", UNSAFE }, { "multi_cpu_stop", UNSAFE },
	{ "*_trace_*", UNSAFE }, { "perf_*", UNSAFE }, { "x86_pmu_*", UNSAFE },
	/* What the idle loop calls on every pass without "idle" in its name:
	 * arch_cpu_idle_enter() -> tsc_verify_tsc_adjust(), interrupts off.
	 * Text patching wakes the idle CPUs, which run it while its call site
	 * is rewritten; under qemu (TCG) one hit an int3 there that the
	 * patching code no longer claimed (a stale translation, most likely),
	 * and the kernel took it for an int3 kprobe at that address; an
	 * ftrace-based kprobe has no instruction copy, so it "single-stepped"
	 * at 0: "BUG: kernel NULL pointer dereference", RIP 0, RSP just below
	 * arch_cpu_idle_enter's frame, in swapper (kernel.function("[s-z]*"),
	 * issue 4). */
	{ "*tsc_adjust*", UNSAFE },
#undef RUNTIME
#undef UNSAFE
};

static const char *skipped_by_name_why(const char *name)
{
	for (size_t i = 0; i < sizeof(skipped_by_name) / sizeof(skipped_by_name[0]); i++)
		if (!fnmatch(skipped_by_name[i].pattern, name, 0))
			return skipped_by_name[i].why;
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct kfunc *)a)->name, ((const struct kfunc *)b)->name);
}

static int by_address(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

const unsigned char *elf_bytes_at(Elf *elf, uint64_t addr, size_t len)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || addr < sh.sh_addr ||
		    addr + len > sh.sh_addr + sh.sh_size)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || addr - sh.sh_addr + len > data->d_size)
			return NULL;
		return (const unsigned char *)data->d_buf + (addr - sh.sh_addr);
	}
	return NULL;
}

struct loader {
	Elf *elf;
	VEC(struct kfunc) funcs;
	uint64_t start_blacklist, stop_blacklist, start_mcount, stop_mcount, stext;
	uint64_t range_start[NRANGES], range_stop[NRANGES];
	VEC(char *) exported;
};

static void note_symbol(void *arg, const char *name, const GElf_Sym *sym, const char *section)
{
	struct loader *ld = arg;
	struct kfunc f = {0};

	if (!strcmp(name, "__start_kprobe_blacklist"))
		ld->start_blacklist = sym->st_value;
	else if (!strcmp(name, "__stop_kprobe_blacklist"))
		ld->stop_blacklist = sym->st_value;
	else if (!strcmp(name, "__start_mcount_loc"))
		ld->start_mcount = sym->st_value;
	else if (!strcmp(name, "__stop_mcount_loc"))
		ld->stop_mcount = sym->st_value;
	else if (!strcmp(name, "_stext"))
		ld->stext = sym->st_value;
	else if (!strncmp(name, "__ksymtab_", 10))
		vec_push(&ld->exported, xstrdup(name + 10));
	for (size_t i = 0; i < NRANGES; i++) {
		if (!strcmp(name, unprobeable_ranges[i].start))
			ld->range_start[i] = sym->st_value;
		if (!strcmp(name, unprobeable_ranges[i].stop))
			ld->range_stop[i] = sym->st_value;
	}
	if (GELF_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF || strchr(name, '.'))
		return;		/* "f.cold", "f.isra.0": parts or clones, not the function */
	f.name = xstrdup(name);
	f.addr = sym->st_value;
	f.size = sym->st_size;
	for (size_t i = 0; i < sizeof(unprobeable_sections) / sizeof(unprobeable_sections[0]); i++)
		if (section && !strcmp(section, unprobeable_sections[i].section))
			f.why_not = unprobeable_sections[i].why;
	if (!f.why_not)
		f.why_by_name = skipped_by_name_why(name);
	vec_push(&ld->funcs, f);
}

void elf_each_symbol(Elf *elf, void (*fn)(void *arg, const char *name, const GElf_Sym *sym, const char *section),
		     void *arg)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name, *section = NULL;
			Elf_Scn *in;
			GElf_Shdr in_sh;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			in = sym.st_shndx < SHN_LORESERVE ? elf_getscn(elf, sym.st_shndx) : NULL;
			if (in && gelf_getshdr(in, &in_sh))
				section = elf_strptr(elf, shstrndx, in_sh.sh_name);
			fn(arg, name, &sym, section);
		}
	}
}

/* The last of t's functions by address that starts at or before addr,
 * or NULL. */
static struct kfunc *function_before(const struct kfunc_table *t, uint64_t addr)
{
	int lo = 0, hi = t->n_by_addr - 1, found = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (t->by_addr[mid].addr <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found < 0 ? NULL : &t->by_addr[found];
}

/* The 8-byte addresses the image stores between two linker symbols
 * (malloc'd into *out); how many, 0 if there are none. */
static size_t read_addresses(struct loader *ld, uint64_t start, uint64_t stop, uint64_t **out)
{
	size_t n = stop > start ? (stop - start) / 8 : 0;
	const unsigned char *p = n ? elf_bytes_at(ld->elf, start, n * 8) : NULL;

	if (!p)
		return 0;
	*out = xmalloc(n * 8);
	memcpy(*out, p, n * 8);
	return n;
}

/* Marks what the address tables say: the blacklist, and which functions
 * have an ftrace call site in their first 16 bytes (after endbr64). */
static void apply_address_tables(struct loader *ld, struct kfunc_table *t)
{
	uint64_t *sites = NULL, *blacklist = NULL;
	size_t nsites = read_addresses(ld, ld->start_mcount, ld->stop_mcount, &sites);
	size_t nblack = read_addresses(ld, ld->start_blacklist, ld->stop_blacklist, &blacklist);
	struct kfunc *funcs = t->by_addr;

	for (size_t i = 0; i < nsites; i++) {
		struct kfunc *f = function_before(t, sites[i]);

		/* and its aliases: __x64_sys_getppid is __do_sys_getppid */
		for (; f && sites[i] - f->addr < 16; f = f > t->by_addr && f[-1].addr == f->addr ? f - 1 : NULL)
			f->traced = 1;
	}
	for (int i = 0; i < t->n_by_addr && !nsites; i++)	/* no ftrace table: nothing is known notrace */
		funcs[i].traced = 1;
	for (size_t i = 0; i < nblack; i++) {
		struct kfunc *f = function_before(t, blacklist[i]);

		for (; f && f->addr == blacklist[i]; f = f > t->by_addr ? f - 1 : NULL)
			f->why_not = "on the kernel's kprobe blacklist";
	}
	free(sites);
	free(blacklist);
	for (int i = 0; i < t->n_by_addr; i++) {
		for (size_t r = 0; r < NRANGES && !funcs[i].why_not; r++)
			if (funcs[i].addr >= ld->range_start[r] && funcs[i].addr < ld->range_stop[r])
				funcs[i].why_not = unprobeable_ranges[r].why;
		if (!funcs[i].why_not && !funcs[i].traced)
			funcs[i].why_not = "notrace";
	}
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* t->by_addr has every function, with what the address tables say;
 * t->funcs is sorted by name, one entry per name (a static function that
 * several files define keeps its first). */
static void finish_table(struct kfunc_table *t, struct loader *ld)
{
	int n = 0;

	t->stext = ld->stext;
	t->n_by_addr = ld->funcs.len;
	t->by_addr = xcalloc(t->n_by_addr ? t->n_by_addr : 1, sizeof(*t->by_addr));
	if (t->n_by_addr) {
		memcpy(t->by_addr, ld->funcs.items, t->n_by_addr * sizeof(*t->by_addr));
		qsort(t->by_addr, t->n_by_addr, sizeof(*t->by_addr), by_address);
	}
	apply_address_tables(ld, t);
	memcpy(ld->funcs.items, t->by_addr, t->n_by_addr * sizeof(*t->by_addr));
	if (ld->exported.len)
		qsort(ld->exported.items, ld->exported.len, sizeof(char *), compare_names);
	if (ld->funcs.len)
		qsort(ld->funcs.items, ld->funcs.len, sizeof(struct kfunc), by_name);
	for (int i = 0; i < ld->funcs.len; i++) {
		if (n && !strcmp(ld->funcs.items[n - 1].name, ld->funcs.items[i].name)) {
			ld->funcs.items[n - 1].unique = 0;
			continue;
		}
		ld->funcs.items[n] = ld->funcs.items[i];
		ld->funcs.items[n++].unique = 1;
	}
	t->funcs = ld->funcs.items;
	t->n = n;
	for (int i = 0; i < n && ld->exported.len; i++)
		t->funcs[i].exported = bsearch(&t->funcs[i].name, ld->exported.items, ld->exported.len,
					       sizeof(char *), compare_names) != NULL;
	for (int i = 0; i < t->n_by_addr; i++)
		t->by_addr[i].unique = kfunc_find(t, t->by_addr[i].name)->unique;
}

static struct kfunc_table *load_table(const char *path, char **why)
{
	struct loader ld = {0};
	struct kfunc_table *t;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = xasprintf("cannot open %s", path);
		return NULL;
	}
	ld.elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ld.elf) {
		close(fd);
		*why = xasprintf("%s is not an ELF file", path);
		return NULL;
	}
	elf_each_symbol(ld.elf, note_symbol, &ld);
	t = xcalloc(1, sizeof(*t));
	t->path = xstrdup(path);
	finish_table(t, &ld);
	elf_end(ld.elf);
	close(fd);
	if (!t->n) {
		*why = xasprintf("%s has no function symbols", path);
		return NULL;
	}
	return t;
}

char *find_vmlinux(const char *release)
{
	char *candidates[] = {
		xasprintf("/usr/lib/debug/boot/vmlinux-%s", release),
		xasprintf("/usr/lib/debug/lib/modules/%s/vmlinux", release),
		xasprintf("/lib/modules/%s/build/vmlinux", release),
		xasprintf("/boot/vmlinux-%s", release),
	};

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], R_OK) == 0)
			return candidates[i];
	return NULL;
}

/* Module names compare with '-' and '_' the same. */
static int by_module_name(const void *a, const void *b)
{
	return strcmp(((const struct kmodule *)a)->name, ((const struct kmodule *)b)->name);
}

int kernel_modules(const char *release, const struct kmodule **out)
{
	static char *loaded_release;
	static VEC(struct kmodule) mods;
	char *dep, *text, *line, *save = NULL;

	if (loaded_release && !strcmp(loaded_release, release)) {
		*out = mods.items;
		return mods.len;
	}
	for (int i = 0; i < mods.len; i++) {
		free(mods.items[i].name);
		free(mods.items[i].path);
	}
	mods.len = 0;
	free(loaded_release);
	loaded_release = xstrdup(release);
	dep = xasprintf("/lib/modules/%s/modules.dep", release);
	text = read_file(dep, NULL);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		size_t len;

		if (!colon)
			continue;
		*colon = '\0';
		len = strlen(line);
		if (len <= 3 || strcmp(line + len - 3, ".ko"))
			continue;	/* (compressed ones would need unpacking) */
		vec_push(&mods, ((struct kmodule){ module_name(line), xasprintf("/lib/modules/%s/%s", release, line) }));
	}
	if (mods.len)
		qsort(mods.items, mods.len, sizeof(*mods.items), by_module_name);
	free(text);
	free(dep);
	*out = mods.items;
	return mods.len;
}

/* The module's .ko, from modules.dep. */
static char *find_module(const char *release, const char *module)
{
	const struct kmodule *mods, *found;
	struct kmodule key = { .name = module_name(module) };
	int n = kernel_modules(release, &mods);

	found = n ? bsearch(&key, mods, n, sizeof(*mods), by_module_name) : NULL;
	free(key.name);
	return found ? xstrdup(found->path) : NULL;
}

/* A module's image with debug information if there is one: Debian's -dbg
 * package keeps those apart from the stripped ones it loads. */
static char *debug_module(const char *path)
{
	char *debug = xasprintf("/usr/lib/debug%s", path);

	if (access(debug, R_OK) == 0)
		return debug;
	free(debug);
	return xstrdup(path);
}

char *kernel_image_path(const char *release, const char *module, int debug, char **why)
{
	char *path, *found;

	if (module && strchr(module, '/')) {
		if (access(module, R_OK) == 0)
			return xstrdup(module);
		*why = xasprintf("cannot read module %s", module);
		return NULL;
	}
	path = module ? find_module(release, module) : find_vmlinux(release);
	if (!path) {
		*why = module ? xasprintf("no module '%s' for kernel %s", module, release) :
				xasprintf("no debug information for kernel %s (install linux-image-%s-dbg, "
					  "or the package that provides /usr/lib/debug/boot/vmlinux-%s)",
					  release, release, release);
		return NULL;
	}
	if (!module || !debug)
		return path;
	found = debug_module(path);
	free(path);
	return found;
}

void *image_cache_get(image_cache_t *c, const char *release, const char *module, int debug,
		      void *(*open)(const char *path, const char *module, char **why), char **why)
{
	char *key = xasprintf("%s/%s", release, module ? module : ""), *path;
	void *obj;

	for (int i = 0; i < c->len; i++)
		if (!strcmp(c->items[i].key, key)) {
			free(key);
			if (!c->items[i].obj)
				*why = xstrdup(c->items[i].why);
			return c->items[i].obj;
		}
	path = kernel_image_path(release, module, debug, why);
	obj = path ? open(path, module, why) : NULL;
	free(path);
	vec_push(c, ((struct image_cache_entry){ key, obj, obj ? NULL : xstrdup(*why) }));
	return obj;
}

static void *open_table(const char *path, const char *module, char **why)
{
	(void)module;
	return load_table(path, why);
}

const struct kfunc_table *kfunc_table(const char *release, const char *module, char **why)
{
	static image_cache_t cache;

	return image_cache_get(&cache, release, module, 0, open_table, why);
}

char *module_name(const char *module)
{
	const char *base = strrchr(module, '/');
	char *name = xstrdup(base ? base + 1 : module), *dot = strstr(name, ".ko");

	if (dot && !dot[3])
		*dot = '\0';
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

const struct kfunc *kfunc_find(const struct kfunc_table *t, const char *name)
{
	struct kfunc key = { .name = (char *)name };

	return bsearch(&key, t->funcs, t->n, sizeof(*t->funcs), by_name);
}

const struct kfunc *kfunc_at(const struct kfunc_table *t, uint64_t addr)
{
	const struct kfunc *f = function_before(t, addr);

	if (!f || addr - f->addr >= (f->size ? f->size : 1))
		return NULL;
	return f;
}

/* Edit distance, capped: how far apart two names are. */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[128], prev, cur;

	if (la >= 127 || lb >= 127)
		return 1000;
	if (strstr(b, a))	/* "sync" in "ksys_sync": close, however long */
		return (int)(lb - la) / 4;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			cur = row[j];
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

int kfunc_similar(const struct kfunc_table *t, const char *name, const char **out, int max)
{
	int dist[16], n = 0, limit = (int)strlen(name) / 2 + 2;

	if (max > 16)
		max = 16;
	for (int i = 0; i < t->n; i++) {
		int d = distance(name, t->funcs[i].name), at;

		if (d > limit || (n == max && d >= dist[n - 1]))
			continue;
		at = n < max ? n++ : n - 1;
		while (at > 0 && dist[at - 1] > d) {
			dist[at] = dist[at - 1];
			out[at] = out[at - 1];
			at--;
		}
		dist[at] = d;
		out[at] = t->funcs[i].name;
	}
	return n;
}
