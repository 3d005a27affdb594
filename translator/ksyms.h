/* The functions of the target kernel and its modules, from their ELF
 * symbol tables, and whether each may be probed (see ksyms.c). */
#ifndef KSYMS_H
#define KSYMS_H

#include "util.h"

#include <gelf.h>
#include <stdint.h>

struct kfunc {
	char *name;
	uint64_t addr;		/* in the image, before KASLR: for ordering only */
	uint64_t size;
	int unique;		/* no other function has its name */
	const char *why_not;	/* NULL if a probe may go here, else the reason */
	const char *why_by_name;	/* a pattern skips it by name (see ksyms.c), or NULL */
	int traced;		/* has an ftrace call site (not notrace) */
	int exported;		/* EXPORT_SYMBOL'd */
};

struct kfunc_table {
	char *path;		/* the image it came from */
	struct kfunc *funcs;	/* sorted by name */
	int n;
	struct kfunc *by_addr;	/* all of them (even a name's second copy), by address */
	int n_by_addr;
	uint64_t stext;		/* the kernel's _stext, or 0 */
};

/* The table of release's kernel (module NULL) or of one of its modules;
 * loaded once per run.  NULL, with *why set, if there is none. */
const struct kfunc_table *kfunc_table(const char *release, const char *module, char **why);
/* A run's objects of each image (symbol tables, debug images), opened
 * once per (release, module); a failure is remembered with its reason. */
struct image_cache_entry {
	char *key;
	void *obj;
	char *why;
};
typedef VEC(struct image_cache_entry) image_cache_t;
/* The cached object for (release, module), opened with open(path of
 * kernel_image_path, module, why) the first time; NULL with *why set. */
void *image_cache_get(image_cache_t *c, const char *release, const char *module, int debug,
		      void *(*open)(const char *path, const char *module, char **why), char **why);

/* The image the tables (and the debug information) come from: the debug
 * vmlinux, a module's .ko (from modules.dep; with debug, its -dbg copy if
 * there is one), or module itself when it is a path.  NULL, with *why set. */
char *kernel_image_path(const char *release, const char *module, int debug, char **why);
/* A module of the target kernel: its name (as the kernel knows it, see
 * module_name) and its .ko. */
struct kmodule {
	char *name;
	char *path;
};
/* release's modules, from modules.dep, sorted by name: how many, *out. */
int kernel_modules(const char *release, const struct kmodule **out);
/* The name the running kernel knows a module by: "stp_testmod" for
 * "/path/to/stp-testmod.ko". */
char *module_name(const char *module);
const struct kfunc *kfunc_find(const struct kfunc_table *t, const char *name);
/* The function whose code holds addr (an address of the image), or NULL. */
const struct kfunc *kfunc_at(const struct kfunc_table *t, uint64_t addr);
/* Up to max names of t closest to name, closest first; how many. */
int kfunc_similar(const struct kfunc_table *t, const char *name, const char **out, int max);

/* Helpers for other readers of these images (tracepoints.c): where
 * release's debuginfo vmlinux is (malloc'd; NULL if there is none); fn on
 * each named symbol of elf, with its section's name or NULL; the bytes at
 * virtual address addr of a section with contents, or NULL. */
char *find_vmlinux(const char *release);
void elf_each_symbol(Elf *elf, void (*fn)(void *arg, const char *name, const GElf_Sym *sym, const char *section),
		     void *arg);
const unsigned char *elf_bytes_at(Elf *elf, uint64_t addr, size_t len);

#endif
