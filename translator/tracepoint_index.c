/* Which modules define which tracepoints, for kernel.trace patterns.
 *
 * A kernel has thousands of modules (4023 .ko files for Debian's 6.1)
 * and about a hundred of them define tracepoints, in systems whose names
 * often differ from the module's (kvm.ko has "kvm" and "kvmmmu",
 * auth_rpcgss.ko "rpcgss"), so no pattern tells which files to open.
 * Finding out means opening every .ko modules.dep lists: a look at the
 * section headers for __tracepoints_ptrs (about 1.5 s with a cold page
 * cache), then the symbols and relocations of those that have it.  That
 * is done once per modules.dep and kept on disk, as dwarf.c keeps its
 * index, in ${SYSTEMTAP_DIR:-~/.systemtap}/cache/tracepoints/RELEASE.index,
 * stamped with modules.dep's size and modification time (depmod rewrites
 * it whenever a module is installed or removed).  After that a pattern,
 * even a bare "*" (which so takes in every module's tracepoints, each
 * probed while its module is loaded), costs a read of that file: a
 * module's own image (its debug information) is opened only for the
 * tracepoints whose arguments a script reads or -L lists.  Compressed
 * modules (.ko.xz...) are not looked at. */
#include "tracepoints.h"

#include "ksyms.h"

#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INDEX_MAGIC "stap tracepoint index 1"

/* "SIZE SECONDS.NANOSECONDS" of modules.dep, or NULL if it has none. */
static char *modules_dep_stamp(const char *release)
{
	char *dep = xasprintf("/lib/modules/%s/modules.dep", release);
	struct stat st;
	int r = stat(dep, &st);

	free(dep);
	return r ? NULL : xasprintf("%lld %lld.%09ld", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
				    st.st_mtim.tv_nsec);
}

/* The cache file, its directories made; NULL without a home. */
static char *index_path(const char *release)
{
	char *dir = cache_dir("tracepoints"), *path;

	if (!dir)
		return NULL;
	path = xasprintf("%s/%s.index", dir, release);
	free(dir);
	return path;
}

/* Whether the .ko has a __tracepoints_ptrs section: section headers
 * only, which is all most modules need of us. */
static int defines_tracepoints(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
	Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;

			found = name && !strcmp(name, "__tracepoints_ptrs") && sh.sh_size;
		}
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return found;
}

/* Every module of modules.dep, looked at. */
static void build_index(const char *release, ktracepoint_vec *out)
{
	const struct kmodule *mods;
	int n = kernel_modules(release, &mods);

	elf_version(EV_CURRENT);
	for (int i = 0; i < n; i++) {
		char *why = NULL;

		if (defines_tracepoints(mods[i].path))	/* unreadable: none */
			tracepoints_of_image(mods[i].path, xstrdup(mods[i].name), out, &why);
		free(why);
	}
}

/* One "MODULE\tSYSTEM\tNAME" line per tracepoint, after the stamp. */
static void save_index(const char *path, const char *stamp, const ktracepoint_vec *v)
{
	struct strbuf sb = {0};
	char *tmp = xasprintf("%s.%d", path, (int)getpid());

	sb_printf(&sb, "%s %s\n", INDEX_MAGIC, stamp);
	for (int i = 0; i < v->len; i++)
		sb_printf(&sb, "%s\t%s\t%s\n", v->items[i].module, v->items[i].system ? v->items[i].system : "",
			  v->items[i].name);
	if (write_file(tmp, sb.buf, sb.len) == 0 && rename(tmp, path) != 0)
		unlink(tmp);	/* written whole, then renamed: never half a file */
	free(tmp);
	free(sb.buf);
}

/* The index if it is there and of this modules.dep: 0, else -1. */
static int load_index(const char *path, const char *stamp, ktracepoint_vec *out)
{
	char *text = read_file(path, NULL), *first = text ? strchr(text, '\n') : NULL, *line, *save = NULL;
	char *header = xasprintf("%s %s", INDEX_MAGIC, stamp);
	const char *module = NULL;

	if (!first || strncmp(text, header, first - text) || header[first - text]) {
		free(header);
		free(text);
		return -1;
	}
	free(header);
	for (line = strtok_r(first + 1, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		struct ktracepoint tp = {0};

		if (!tab2 || tab1 == line || !tab2[1])
			continue;
		*tab1 = *tab2 = '\0';
		if (!module || strcmp(module, line))
			module = xstrdup(line);	/* a module's lines are together */
		tp.module = module;
		tp.system = tab2 > tab1 + 1 ? xstrdup(tab1 + 1) : NULL;
		tp.name = xstrdup(tab2 + 1);
		tp.symbol = xasprintf("%s:%s", module, tp.name);
		vec_push(out, tp);
	}
	free(text);
	return 0;
}

void tracepoint_module_index(const char *release, ktracepoint_vec *out)
{
	char *stamp = modules_dep_stamp(release), *path;
	ktracepoint_vec found = {0};

	if (!stamp)
		return;		/* a kernel without modules */
	path = index_path(release);
	if (!path || load_index(path, stamp, &found) != 0) {
		build_index(release, &found);
		if (path)
			save_index(path, stamp, &found);
	}
	for (int i = 0; i < found.len; i++)
		vec_push(out, found.items[i]);
	free(found.items);
	free(path);
	free(stamp);
}
