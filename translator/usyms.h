/* User-space files' symbol and unwind tables, embedded in the module for
 * usymname(), usymdata() and ubacktrace() (runtime/usymbols.c and
 * ustack.c): which files (those the script's process probes are in, -d
 * FILE, --ldd), their functions, and their call frame information as
 * a compact table of rows. */
#ifndef USYMS_H
#define USYMS_H

#include "emit.h"

#include <libelf.h>
#include <stdint.h>

/* Whether path is a user-space ELF program or shared library (for -d:
 * a kernel module is a relocatable file instead). */
int usyms_is_user_elf(const char *path);

/* The tables, as C, when the generated code so far uses them (see
 * runtime/usymbols.c); the files read go into the session's inputs. */
void emit_user_symbols(struct emitter *em);

/* ucfi.c: one row of a file's unwind table, from its link-time address
 * pc on: the caller's stack pointer (the CFA) is cfa_reg (6: rbp, 7: rsp;
 * 0: no rule known here) plus cfa_off, the return address is saved at
 * CFA + ra_off, and rbp is unchanged, saved at CFA + bp_off, or lost.
 * cfa_reg -1: the outermost frame (the return address is undefined). */
enum ucfi_bp { UCFI_BP_SAME, UCFI_BP_SAVED, UCFI_BP_LOST };

struct ucfi_row {
	uint64_t pc;
	int cfa_reg;
	int64_t cfa_off, ra_off, bp_off;
	enum ucfi_bp bp_rule;
};
typedef VEC(struct ucfi_row) ucfi_row_vec;

/* The rows of elf's .eh_frame (else .debug_frame), merged where a row
 * says what the one before it says; the functions' addresses starts
 * (sorted) are looked at besides those .eh_frame_hdr lists. */
void ucfi_rows(Elf *elf, const uint64_t *starts, int nstarts, ucfi_row_vec *out);

#endif
