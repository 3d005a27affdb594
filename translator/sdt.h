/* Statically defined markers (<sys/sdt.h>): the .note.stapsdt notes of an
 * x86-64 ELF executable or shared library, and C for their arguments. */
#ifndef SDT_H
#define SDT_H

#include <stdint.h>
#include "util.h"

enum sdt_arg_kind {
	SDT_REG,	/* %reg */
	SDT_MEM,	/* OFFSET(%base[,%index[,scale]]), sym(%rip) */
	SDT_IMM,	/* $N */
	SDT_BAD,	/* not understood: why says what */
};

struct sdt_arg {
	int size;		/* bytes: 1, 2, 4 or 8; negative when signed (-4 = int) */
	int kind;		/* enum sdt_arg_kind */
	/* 64-bit register names as runtime/registers.c knows them ("rdi",
	 * "r8", "rip"); NULL when absent.  A sub-register (%edi, %dil,
	 * %r14w) is named by its 64-bit register, with its width and shift: */
	char *reg, *index;
	int reg_bytes, reg_shift;	/* SDT_REG: 1 2 4 8; 8 for %ah..%dh */
	int base_bytes, index_bytes;	/* SDT_MEM: 4 for (%eax) addressing, else 8 */
	int scale;			/* SDT_MEM with index: 1 2 4 8 */
	/* SDT_MEM: the displacement (for sym(%rip): the symbol's address
	 * minus the marker's pc, so reg "rip" must read the probed address);
	 * SDT_IMM: the constant */
	int64_t value;
	char *text;		/* this argument as written: "-4@%edi" */
	char *why;		/* SDT_BAD: "unsupported floating-point argument" */
};

struct sdt_marker {
	char *provider, *name;
	/* the probe site's address in the file's layout: the note's, moved
	 * by prelink's shift of .stapsdt.base (none without prelink) */
	uint64_t pc;
	uint64_t pc_offset;		/* its offset in the file (uprobe_register's offset) */
	uint64_t semaphore;		/* its address (adjusted as pc), 0 if none */
	/* file offset of the semaphore (uprobe_register_refctr's
	 * ref_ctr_offset); 0 if none, or if semaphore is not in the file's
	 * data (then the marker can't be enabled) */
	uint64_t semaphore_offset;
	char *args_text;	/* as written in the note: "-4@%edi 8@-16(%rbp)" */
	struct sdt_arg *args;	/* nargs of them; a bad one is SDT_BAD, the others still work */
	int nargs;
};

typedef VEC(struct sdt_marker) sdt_marker_vec;

/* Every marker of the ELF file at path, appended to out in note order;
 * 0, or -1 and *why (malloc'd: "PATH: not an x86-64 ELF file"; out as it
 * was).  A file without markers gives 0 and none. */
int sdt_markers(const char *path, sdt_marker_vec *out, char **why);
void sdt_markers_free(sdt_marker_vec *v);

/*
 * A C expression of type s64 for argument a (not SDT_BAD: NULL) in a
 * probe handler whose context is `c`: registers through stp_register(c,
 * NAME, false), user memory through stp_uread(c, addr, size, NEAR) with
 * NEAR the quoted near text ("$arg2"), the value truncated and
 * sign-extended as a->size says.  malloc'd.
 */
char *sdt_arg_c(const struct sdt_arg *a, const char *near);

/*
 * Parses text (a note's argument string) into *args / *nargs.  lookup
 * gives a symbol's address (0 found, -1 not; NULL: no symbols); pc is
 * the marker's, for sym(%rip); pic: symbols' addresses move with the
 * load address (ET_DYN), so only RIP-relative uses are valid.  For
 * sdt_markers and the unit test.
 */
typedef int (*sdt_symbol_lookup)(void *ctx, const char *name, uint64_t *addr);
void sdt_parse_args(const char *text, uint64_t pc, int pic, sdt_symbol_lookup lookup, void *ctx,
		    struct sdt_arg **args, int *nargs);

#endif
