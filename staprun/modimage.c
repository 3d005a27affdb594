/*
 * Reading a module image: bounds-checked ELF64 section lookup, .modinfo
 * entries, and the name field of struct module (renamed for -R).
 *
 * staprun runs setuid root, so every offset from the file is checked
 * before use; a malformed file is refused, never trusted.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modimage.h"

/* Far more than any signature. */
#define MAX_SIGNATURE_SIZE (64 * 1024)
/* Big enough for any stap module with its debug information. */
#define MAX_IMAGE_SIZE (1024UL * 1024 * 1024)
/* struct module begins with enum module_state and a list_head (x86_64). */
#define THIS_MODULE_NAME_OFFSET 24

static int read_all(int fd, struct modimage *m)
{
	size_t done = 0;
	ssize_t n;

	if (fstat(fd, &m->st) < 0)
		return -1;
	if (!S_ISREG(m->st.st_mode) || m->st.st_size <= 0 ||
	    (unsigned long)m->st.st_size > MAX_IMAGE_SIZE) {
		errno = EINVAL;
		return -1;
	}
	m->size = m->st.st_size;
	m->data = malloc(m->size);
	if (!m->data)
		return -1;
	while (done < m->size) {
		n = pread(fd, m->data + done, m->size - done, done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n < 0 ? errno : EIO;
			return -1;
		}
		done += n;
	}
	return 0;
}

static int in_image(const struct modimage *m, uint64_t off, uint64_t len)
{
	return off <= m->size && len <= m->size - off;
}

/* The section called @want, or NULL. */
static const Elf64_Shdr *find_section(const struct modimage *m, const char *want)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m->data;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(m->data + eh->e_shoff);
	const Elf64_Shdr *names = &sh[eh->e_shstrndx];
	size_t want_len = strlen(want) + 1;
	unsigned int i;

	for (i = 0; i < eh->e_shnum; i++) {
		uint64_t at = names->sh_offset + (uint64_t)sh[i].sh_name;

		if (sh[i].sh_name < names->sh_size &&
		    names->sh_size - sh[i].sh_name >= want_len &&
		    memcmp(m->data + at, want, want_len) == 0)
			return &sh[i];
	}
	return NULL;
}

static const char *check_elf(const struct modimage *m)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m->data;
	const Elf64_Shdr *names;

	if (m->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_REL)
		return "not a 64-bit ELF relocatable file";
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 ||
	    eh->e_shoff % 8 ||
	    !in_image(m, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return "bad ELF section table";
	names = (const Elf64_Shdr *)(m->data + eh->e_shoff) + eh->e_shstrndx;
	if (!in_image(m, names->sh_offset, names->sh_size))
		return "bad ELF section name table";
	return NULL;
}

/* The sections staprun uses: .modinfo and struct module's name. */
static const char *find_parts(struct modimage *m)
{
	const Elf64_Shdr *info = find_section(m, ".modinfo");
	const Elf64_Shdr *mod = find_section(m, ".gnu.linkonce.this_module");
	char *name;

	if (!info || info->sh_type == SHT_NOBITS ||
	    !in_image(m, info->sh_offset, info->sh_size))
		return "no .modinfo section: not a kernel module";
	m->modinfo = (char *)m->data + info->sh_offset;
	m->modinfo_size = info->sh_size;
	if (!mod || mod->sh_type == SHT_NOBITS ||
	    mod->sh_size < THIS_MODULE_NAME_OFFSET + MAX_MODULE_NAME + 1 ||
	    !in_image(m, mod->sh_offset, mod->sh_size))
		return "no .gnu.linkonce.this_module section: not a kernel module";
	name = (char *)m->data + mod->sh_offset + THIS_MODULE_NAME_OFFSET;
	if (!memchr(name, '\0', MAX_MODULE_NAME + 1) || !*name)
		return "the module's name is not a string";
	m->name_field = name;
	strcpy(m->name, name);
	return NULL;
}

int modimage_read(struct modimage *m, int fd, const char **why)
{
	memset(m, 0, sizeof(*m));
	if (read_all(fd, m) < 0) {
		*why = strerror(errno);
		return -1;
	}
	*why = check_elf(m);
	if (!*why)
		*why = find_parts(m);
	return *why ? -1 : 0;
}

/* The entry "KEY=..." of .modinfo, as a pointer to its "KEY=". */
static char *find_info(const struct modimage *m, const char *key)
{
	size_t key_len = strlen(key), pos = 0;

	while (pos < m->modinfo_size) {
		char *entry = m->modinfo + pos;
		char *end = memchr(entry, '\0', m->modinfo_size - pos);

		if (!end)
			return NULL;	/* unterminated: ignore the rest */
		if ((size_t)(end - entry) > key_len && !strncmp(entry, key, key_len) &&
		    entry[key_len] == '=')
			return entry;
		pos += end - entry + 1;
	}
	return NULL;
}

const char *modimage_info(const struct modimage *m, const char *key)
{
	char *entry = find_info(m, key);

	return entry ? entry + strlen(key) + 1 : NULL;
}

/*
 * The kernel names a module after struct module's name field; its early
 * messages use .modinfo's "name=" if present, which we rewrite in place
 * when the new name fits and blank out when it does not (the kernel then
 * falls back to the field).
 */
int modimage_rename(struct modimage *m, const char *name)
{
	char *entry = find_info(m, "name");
	size_t len = strlen(name);

	if (len == 0 || len > MAX_MODULE_NAME)
		return -1;
	memset(m->name_field, 0, MAX_MODULE_NAME + 1);
	memcpy(m->name_field, name, len);
	strcpy(m->name, name);
	if (entry) {
		size_t old = strlen(entry);

		if (len + 5 <= old) {
			memset(entry, 0, old);
			memcpy(entry, "name=", 5);
			memcpy(entry + 5, name, len);
		} else {
			memset(entry, 0, old);
		}
	}
	return 0;
}

int modimage_read_signature(struct modimage *m, const char *path)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > MAX_SIGNATURE_SIZE) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	m->sig = malloc(st.st_size);
	n = m->sig ? read(fd, m->sig, st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(m->sig);
		m->sig = NULL;
		errno = n < 0 ? errno : EIO;
		return -1;
	}
	m->sig_size = n;
	return 0;
}

void modimage_free(struct modimage *m)
{
	free(m->data);
	free(m->sig);
	m->data = NULL;
	m->sig = NULL;
}
