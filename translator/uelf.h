/* Programs and shared libraries, as process() probes see them: where a
 * program named in a script is, which libraries it uses, and the
 * functions of an ELF file with their offsets in the file (what a uprobe
 * is placed by). */
#ifndef UELF_H
#define UELF_H

#include "util.h"

#include <gelf.h>
#include <libelf.h>
#include <stdint.h>

struct ufunc {
	char *name;
	uint64_t addr;		/* link-time address */
	uint64_t offset;	/* in the file */
};
typedef VEC(struct ufunc) ufunc_vec;

/* process("NAME"): a path with a '/' as it is (made absolute), else the
 * first executable NAME in $PATH, as a shell finds it; NULL if none. */
char *uelf_find_program(const char *name);
/* The program -c CMD runs: CMD's first word, found as above; NULL if
 * none. */
char *uelf_command_program(const char *cmd);
/* .library("LIB") of program: LIB with a '/' as it is, else each library
 * the program needs (DT_NEEDED) whose name matches the pattern LIB, found
 * through its RUNPATH/RPATH ($ORIGIN too) and the system's library
 * directories.  The paths found go into out; -1 and *why if the program
 * can't be read. */
int uelf_find_libraries(const char *program, const char *lib, string_vec *out, char **why);
/* The functions of the ELF file at path whose names match pattern (a
 * glob), from .symtab, else .dynsym; one per address.  -1 and *why
 * (malloc'd) if it is not an ELF file we can probe. */
int uelf_functions(const char *path, const char *pattern, ufunc_vec *out, char **why);
/* fn(arg, sym, name) for each defined, named function of elf's symbol
 * table of type (SHT_SYMTAB or SHT_DYNSYM); how many there were. */
int uelf_each_function(Elf *elf, GElf_Word type, void (*fn)(void *arg, const GElf_Sym *sym, const char *name),
		       void *arg);
/* The file offset of the link-time address addr, through elf's PT_LOAD
 * program headers; -1 if no segment's file data holds it. */
int64_t uelf_file_offset(Elf *elf, uint64_t addr);
/* The same for the file at path; -1 and *why (malloc'd) if none. */
int64_t uelf_address_offset(const char *path, uint64_t addr, char **why);

#endif
