/* The tracepoints of the target kernel, from its debuginfo vmlinux, for
 * kernel.trace("SYSTEM:NAME").
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
 * no system.  Everything comes from the linked image (its sections hold
 * the final pointer values), nothing from the running kernel. */
#include "tracepoints.h"

#include "ksyms.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many words of a trace_event_call may hold its class and
 * tracepoint pointers (they are the 3rd and 4th today). */
#define CALL_WORDS 8

struct image {
	struct tracepoint_table t;
	char *release;
	int fd;
	Elf *elf;
};

struct loader {
	VEC(struct ktracepoint) tps;
	VEC(uint64_t) classes;
	uint64_t start_events, stop_events;
};

static void note_symbol(void *arg, const char *name, const GElf_Sym *sym, const char *section)
{
	struct loader *ld = arg;
	int type = GELF_ST_TYPE(sym->st_info);

	(void)section;
	if (!strncmp(name, "__tracepoint_", 13) && name[13] && type == STT_OBJECT) {
		struct ktracepoint tp = { .name = xstrdup(name + 13), .addr = sym->st_value };

		vec_push(&ld->tps, tp);
	} else if (!strncmp(name, "event_class_", 12) && type == STT_OBJECT) {
		vec_push(&ld->classes, sym->st_value);
	} else if (!strcmp(name, "__start_ftrace_events")) {
		ld->start_events = sym->st_value;
	} else if (!strcmp(name, "__stop_ftrace_events")) {
		ld->stop_events = sym->st_value;
	}
}

static int tp_by_name(const void *a, const void *b)
{
	return strcmp(((const struct ktracepoint *)a)->name, ((const struct ktracepoint *)b)->name);
}

static int tp_by_addr(const void *a, const void *b)
{
	uint64_t x = ((const struct ktracepoint *)a)->addr, y = ((const struct ktracepoint *)b)->addr;

	return x < y ? -1 : x > y;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t word_at(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);	/* x86_64: little-endian, like the host */
	return w;
}

/* The NUL-terminated string at addr in the image, or NULL. */
static const char *string_at(Elf *elf, uint64_t addr)
{
	for (size_t len = 1; len <= 64; len++) {
		const unsigned char *p = elf_bytes_at(elf, addr, len);

		if (!p)
			return NULL;
		if (!p[len - 1])
			return (const char *)p;
	}
	return NULL;
}

/* Gives each tracepoint that has a trace event the event's system. */
static void find_systems(struct image *img, struct loader *ld)
{
	size_t n = ld->stop_events > ld->start_events ? (ld->stop_events - ld->start_events) / 8 : 0;
	const unsigned char *calls = n ? elf_bytes_at(img->elf, ld->start_events, n * 8) : NULL;
	struct ktracepoint *tps = ld->tps.items;

	if (!calls || !ld->classes.len || !ld->tps.len)
		return;
	qsort(tps, ld->tps.len, sizeof(*tps), tp_by_addr);
	qsort(ld->classes.items, ld->classes.len, sizeof(uint64_t), compare_u64);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *call = elf_bytes_at(img->elf, word_at(calls + 8 * i), CALL_WORDS * 8);
		struct ktracepoint key, *tp = NULL;
		const unsigned char *class = NULL;

		for (int w = 0; call && w < CALL_WORDS; w++) {
			uint64_t v = word_at(call + 8 * w);

			key.addr = v;
			if (!tp)
				tp = bsearch(&key, tps, ld->tps.len, sizeof(*tps), tp_by_addr);
			if (!class && bsearch(&v, ld->classes.items, ld->classes.len, sizeof(uint64_t), compare_u64))
				class = elf_bytes_at(img->elf, v, 8);
		}
		if (tp && class && !tp->system)
			tp->system = string_at(img->elf, word_at(class));
	}
}

static struct image *load_image(const char *release, char **why)
{
	struct image *img;
	struct loader ld = {0};
	char *path = find_vmlinux(release);

	if (!path) {
		*why = xasprintf("no debug information for kernel %s (install linux-image-%s-dbg, or the package "
				 "that provides /usr/lib/debug/boot/vmlinux-%s)", release, release, release);
		return NULL;
	}
	img = xcalloc(1, sizeof(*img));
	img->release = xstrdup(release);
	img->t.path = path;
	elf_version(EV_CURRENT);
	img->fd = open(path, O_RDONLY | O_CLOEXEC);
	img->elf = img->fd < 0 ? NULL : elf_begin(img->fd, ELF_C_READ_MMAP, NULL);
	if (!img->elf) {
		*why = xasprintf("cannot read %s", path);
		return NULL;
	}
	/* kept open: the systems point into it */
	elf_each_symbol(img->elf, note_symbol, &ld);
	find_systems(img, &ld);
	if (ld.tps.len)
		qsort(ld.tps.items, ld.tps.len, sizeof(*ld.tps.items), tp_by_name);
	img->t.tps = ld.tps.items;
	img->t.n = ld.tps.len;
	free(ld.classes.items);
	return img;
}

const struct tracepoint_table *tracepoint_table(const char *release, char **why)
{
	static struct image *images[4];
	static int nimages;

	for (int i = 0; i < nimages; i++)
		if (!strcmp(images[i]->release, release))
			return &images[i]->t;
	if (nimages == 4) {
		*why = xstrdup("too many kernels");
		return NULL;
	}
	images[nimages] = load_image(release, why);
	return images[nimages] ? &images[nimages++]->t : NULL;
}

const struct ktracepoint *tracepoint_find(const struct tracepoint_table *t, const char *name)
{
	struct ktracepoint key = { .name = (char *)name };

	return t->n ? bsearch(&key, t->tps, t->n, sizeof(key), tp_by_name) : NULL;
}
