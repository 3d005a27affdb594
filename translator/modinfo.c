/* Reads a built module's .modinfo with libelf: pass 4 checks that kbuild
 * produced a module for the release we asked for. */
#include "modinfo.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copies the value of "key=value" in the .modinfo section into buf. */
static int find_modinfo(Elf *elf, const char *key, char *buf, size_t size)
{
	size_t shstrndx, keylen = strlen(key);
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return -1;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!name || strcmp(name, ".modinfo"))
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t off = 0; data && off < data->d_size;) {
			const char *entry = (const char *)data->d_buf + off;
			size_t len = strnlen(entry, data->d_size - off);

			if (len > keylen && !strncmp(entry, key, keylen) && entry[keylen] == '=') {
				snprintf(buf, size, "%.*s", (int)(len - keylen - 1), entry + keylen + 1);
				return 0;
			}
			off += len + 1;
		}
	}
	return -1;
}

int module_info(const char *path, const char *key, char *buf, size_t size)
{
	int fd, rc = -1;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf) {
		rc = find_modinfo(elf, key, buf, size);
		elf_end(elf);
	}
	close(fd);
	return rc;
}
