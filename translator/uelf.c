/* Programs and shared libraries for process() probes (libelf): finding
 * them as the system would, and their functions' offsets in the file. */
#include "uelf.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *uelf_find_program(const char *name)
{
	const char *path_env = getenv("PATH");

	if (!*name)
		return NULL;
	if (strchr(name, '/'))
		return realpath(name, NULL);
	for (const char *dir = path_env ? path_env : "/usr/bin:/bin"; *dir;) {
		size_t n = strcspn(dir, ":");
		char *path = xasprintf("%.*s/%s", (int)n, n ? dir : ".", name);

		if (is_executable_file(path)) {
			char *found = realpath(path, NULL);

			free(path);
			return found;
		}
		free(path);
		dir += n + (dir[n] == ':');
	}
	return NULL;
}

char *uelf_command_program(const char *cmd)
{
	size_t start = strspn(cmd, " \t"), n = strcspn(cmd + start, " \t");
	char *word = xstrndup(cmd + start, n), *found = uelf_find_program(word);

	free(word);
	return found;
}

/* An ELF file opened for reading: fd and elf, or -1 and *why. */
static int open_elf(const char *path, int *fd, Elf **elf, char **why)
{
	GElf_Ehdr eh;

	elf_version(EV_CURRENT);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		*why = xasprintf("cannot open %s", path);
		return -1;
	}
	*elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!*elf || elf_kind(*elf) != ELF_K_ELF || !gelf_getehdr(*elf, &eh) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_machine != EM_X86_64) {
		*why = xasprintf("%s is not an x86-64 program or shared library", path);
		elf_end(*elf);
		close(*fd);
		return -1;
	}
	return 0;
}

static void close_elf(int fd, Elf *elf)
{
	elf_end(elf);
	close(fd);
}

int64_t uelf_file_offset(Elf *elf, uint64_t addr)
{
	size_t n = 0;

	elf_getphdrnum(elf, &n);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && addr >= ph.p_vaddr &&
		    addr < ph.p_vaddr + ph.p_filesz)
			return (int64_t)(addr - ph.p_vaddr + ph.p_offset);
	}
	return -1;
}

static Elf_Scn *section_of_type(Elf *elf, GElf_Word type, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == type)
			return scn;
	return NULL;
}

int uelf_each_function(Elf *elf, GElf_Word type, void (*fn)(void *arg, const GElf_Sym *sym, const char *name),
		       void *arg)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section_of_type(elf, type, &sh);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	int n = 0;

	for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		fn(arg, &sym, name);
		n++;
	}
	return n;
}

static int by_name(const void *a, const void *b)
{
	const struct ufunc *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

static int seen_address(const ufunc_vec *v, uint64_t addr)
{
	for (int i = 0; i < v->len; i++)
		if (v->items[i].addr == addr)
			return 1;
	return 0;
}

struct function_match {
	Elf *elf;
	const char *pattern;
	ufunc_vec *out;
};

static void add_matching_function(void *arg, const GElf_Sym *sym, const char *name)
{
	struct function_match *m = arg;
	int64_t off;

	if (fnmatch(m->pattern, name, 0) || seen_address(m->out, sym->st_value))
		return;
	off = uelf_file_offset(m->elf, sym->st_value);
	if (off >= 0)
		vec_push(m->out, ((struct ufunc){ xstrdup(name), sym->st_value, (uint64_t)off }));
}

int uelf_functions(const char *path, const char *pattern, ufunc_vec *out, char **why)
{
	struct function_match m = { NULL, pattern, out };
	int fd;

	if (open_elf(path, &fd, &m.elf, why) < 0)
		return -1;
	if (!uelf_each_function(m.elf, SHT_SYMTAB, add_matching_function, &m))
		uelf_each_function(m.elf, SHT_DYNSYM, add_matching_function, &m);
	close_elf(fd, m.elf);
	if (out->len)
		qsort(out->items, out->len, sizeof(*out->items), by_name);
	return 0;
}

int64_t uelf_address_offset(const char *path, uint64_t addr, char **why)
{
	Elf *elf;
	int fd;
	int64_t off;

	if (open_elf(path, &fd, &elf, why) < 0)
		return -1;
	off = uelf_file_offset(elf, addr);
	close_elf(fd, elf);
	if (off < 0)
		*why = xasprintf("0x%llx is in no loaded part of %s", (unsigned long long)addr, path);
	return off;
}

/* The dynamic section's strings of tag (DT_NEEDED, DT_RUNPATH...). */
static void dynamic_strings(Elf *elf, GElf_Sxword tag, string_vec *out)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section_of_type(elf, SHT_DYNAMIC, &sh);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;

	for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Dyn dyn;
		const char *s;

		if (gelf_getdyn(data, i, &dyn) && dyn.d_tag == tag &&
		    (s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val)))
			vec_push(out, xstrdup(s));
	}
}

/* Where the dynamic linker would look for the program's libraries: its
 * RUNPATH (else RPATH) with $ORIGIN, then the system's directories. */
static void library_dirs(Elf *elf, const char *program, string_vec *dirs)
{
	static const char *const system_dirs[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
		"/usr/local/lib",
	};
	string_vec paths = {0};
	char *copy = xstrdup(program), *origin = dirname(copy);

	dynamic_strings(elf, DT_RUNPATH, &paths);
	if (!paths.len)
		dynamic_strings(elf, DT_RPATH, &paths);
	for (int i = 0; i < paths.len; i++) {
		for (char *dir = strtok(paths.items[i], ":"); dir; dir = strtok(NULL, ":")) {
			if (!strncmp(dir, "$ORIGIN", 7))
				vec_push(dirs, xasprintf("%s%s", origin, dir + 7));
			else if (!strncmp(dir, "${ORIGIN}", 9))
				vec_push(dirs, xasprintf("%s%s", origin, dir + 9));
			else
				vec_push(dirs, xstrdup(dir));
		}
		free(paths.items[i]);
	}
	free(paths.items);
	free(copy);
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		vec_push(dirs, xstrdup(system_dirs[i]));
}

int uelf_find_libraries(const char *program, const char *lib, string_vec *out, char **why)
{
	string_vec needed = {0}, dirs = {0};
	Elf *elf;
	int fd;

	if (strchr(lib, '/')) {
		char *path = realpath(lib, NULL);

		if (path)
			vec_push(out, path);
		return 0;
	}
	if (open_elf(program, &fd, &elf, why) < 0)
		return -1;
	dynamic_strings(elf, DT_NEEDED, &needed);
	library_dirs(elf, program, &dirs);
	close_elf(fd, elf);
	for (int i = 0; i < needed.len; i++) {
		if (fnmatch(lib, needed.items[i], 0))
			continue;
		for (int d = 0; d < dirs.len; d++) {
			char *path = xasprintf("%s/%s", dirs.items[d], needed.items[i]);
			char *real = access(path, R_OK) == 0 ? realpath(path, NULL) : NULL;

			free(path);
			if (real) {
				vec_push(out, real);
				break;
			}
		}
	}
	for (int i = 0; i < needed.len; i++)
		free(needed.items[i]);
	for (int i = 0; i < dirs.len; i++)
		free(dirs.items[i]);
	free(needed.items);
	free(dirs.items);
	return 0;
}
