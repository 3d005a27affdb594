/* A user-space file's call frame information as unwind rows (see struct
 * ucfi_row): libdw decodes the CFI, and we walk it row by row from the
 * start of each FDE (.eh_frame_hdr's table lists them) and of each
 * function, keeping only what an x86-64 unwinder needs. */
#include "usyms.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16 };

typedef VEC(uint64_t) u64_vec;

/* Where a register's rule says the caller's value is saved: CFA + *off. */
static int saved_at_cfa(const Dwarf_Op *ops, size_t n, int64_t *off)
{
	if (!ops || n < 1 || ops[0].atom != DW_OP_call_frame_cfa)
		return 0;
	if (n == 1) {
		*off = 0;
		return 1;
	}
	if (n == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;
		return 1;
	}
	return 0;
}

/* The CFA as rsp or rbp plus an offset; 0 for anything else. */
static int cfa_rule(Dwarf_Frame *f, int64_t *off)
{
	Dwarf_Op *ops;
	size_t n;

	if (dwarf_frame_cfa(f, &ops, &n) != 0 || n != 1)
		return 0;
	if (ops[0].atom == DW_OP_bregx && (ops[0].number == REG_RBP || ops[0].number == REG_RSP)) {
		*off = (int64_t)ops[0].number2;
		return (int)ops[0].number;
	}
	if (ops[0].atom == DW_OP_breg0 + REG_RBP || ops[0].atom == DW_OP_breg0 + REG_RSP) {
		*off = (int64_t)ops[0].number;
		return ops[0].atom - DW_OP_breg0;
	}
	return 0;
}

static struct ucfi_row frame_row(Dwarf_Frame *f, uint64_t pc)
{
	struct ucfi_row r = { .pc = pc };
	Dwarf_Op mem[3], *ops;
	size_t n;

	r.cfa_reg = cfa_rule(f, &r.cfa_off);
	if (dwarf_frame_register(f, REG_RA, mem, &ops, &n) != 0)
		r.cfa_reg = 0;
	else if (n == 0 && ops == mem)	/* no return address: _start */
		r.cfa_reg = -1;
	else if (!saved_at_cfa(ops, n, &r.ra_off))
		r.cfa_reg = 0;
	if (dwarf_frame_register(f, REG_RBP, mem, &ops, &n) != 0)
		r.bp_rule = UCFI_BP_LOST;
	else if (!ops && n == 0)
		r.bp_rule = UCFI_BP_SAME;
	else if (saved_at_cfa(ops, n, &r.bp_off))
		r.bp_rule = UCFI_BP_SAVED;
	else
		r.bp_rule = UCFI_BP_LOST;
	if (r.cfa_reg <= 0)
		r.cfa_off = r.ra_off = r.bp_off = 0;
	if (r.bp_rule != UCFI_BP_SAVED)
		r.bp_off = 0;
	return r;
}

static Elf_Scn *section_named(Elf *elf, const char *name, GElf_Shdr *sh)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n = gelf_getshdr(scn, sh) ? elf_strptr(elf, shstrndx, sh->sh_name) : NULL;

		if (n && !strcmp(n, name) && sh->sh_type != SHT_NOBITS)
			return scn;
	}
	return NULL;
}

static int32_t get_s32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The FDEs' start addresses in .eh_frame_hdr's search table, in the
 * encoding every x86-64 linker writes (others are skipped: the
 * functions' addresses still give the rows). */
static void eh_frame_hdr_starts(Elf *elf, u64_vec *out)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section_named(elf, ".eh_frame_hdr", &sh);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	const unsigned char *p;
	uint32_t count;

	if (!d || d->d_size < 12)
		return;
	p = d->d_buf;
	if (p[0] != 1 || p[1] != (DW_EH_PE_pcrel | DW_EH_PE_sdata4) || p[2] != DW_EH_PE_udata4 ||
	    p[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return;
	memcpy(&count, p + 8, 4);
	for (uint32_t i = 0; i < count && 12 + 8 * (size_t)i + 8 <= d->d_size; i++)
		vec_push(out, sh.sh_addr + (int64_t)get_s32(p + 12 + 8 * i));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int same_rule(const struct ucfi_row *a, const struct ucfi_row *b)
{
	return a->cfa_reg == b->cfa_reg && a->cfa_off == b->cfa_off && a->ra_off == b->ra_off &&
	       a->bp_rule == b->bp_rule && a->bp_off == b->bp_off;
}

static void add_row(ucfi_row_vec *out, struct ucfi_row r)
{
	if (out->len && same_rule(&out->items[out->len - 1], &r))
		return;
	vec_push(out, r);
}

/* Rows from pc on, up to next (or where the CFI stops); where it ended. */
static uint64_t walk_rows(Dwarf_CFI *cfi, uint64_t pc, uint64_t next, ucfi_row_vec *out)
{
	while (pc < next) {
		Dwarf_Frame *f;
		Dwarf_Addr lo, hi;

		if (dwarf_cfi_addrframe(cfi, pc, &f) != 0) {
			add_row(out, (struct ucfi_row){ .pc = pc });	/* no rule past the FDE */
			return pc;
		}
		if (dwarf_frame_info(f, &lo, &hi, NULL) < 0 || hi <= pc) {
			free(f);
			return pc;
		}
		add_row(out, frame_row(f, pc));
		free(f);
		pc = hi;
	}
	return pc;
}

void ucfi_rows(Elf *elf, const uint64_t *starts, int nstarts, ucfi_row_vec *out)
{
	u64_vec all = {0};
	Dwarf *dw = NULL;
	Dwarf_CFI *cfi = dwarf_getcfi_elf(elf);
	uint64_t done = 0;

	if (!cfi) {
		dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
		cfi = dw ? dwarf_getcfi(dw) : NULL;
	}
	if (!cfi)
		goto out;
	eh_frame_hdr_starts(elf, &all);
	for (int i = 0; i < nstarts; i++)
		vec_push(&all, starts[i]);
	if (all.len)
		qsort(all.items, all.len, sizeof(*all.items), cmp_u64);
	for (int i = 0; i < all.len; i++) {
		uint64_t next = i + 1 < all.len ? all.items[i + 1] : UINT64_MAX;

		if (all.items[i] < done)
			continue;
		/* a start between two FDEs: "no rule" until the next */
		done = walk_rows(cfi, all.items[i], next, out);
	}
	if (dw)
		dwarf_end(dw);
	else
		dwarf_cfi_end(cfi);
out:
	free(all.items);
}
