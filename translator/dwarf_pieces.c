/* Variables in pieces (DW_OP_piece): a small struct passed in two
 * registers, a value the compiler split.  Each piece is C whose low bytes
 * are some of the variable's bytes; these put bytes back together. */
#include "dwarf.h"

#include <stdlib.h>
#include <string.h>

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Bytes [start, start + len) of piece p, moved to byte at of the result. */
static void add_part(struct strbuf *sb, const struct dwarf_piece *p, uint64_t start, uint64_t len, uint64_t at)
{
	uint64_t down = 8 * (start - p->offset);

	if (sb->len)
		sb_add(sb, " | ");
	if (at)
		sb_addc(sb, '(');
	if (len < 8)
		sb_addc(sb, '(');
	sb_printf(sb, "(uint64_t)%s", p->c);
	if (down)
		sb_printf(sb, " >> %llu", (unsigned long long)down);
	if (len < 8)
		sb_printf(sb, " & 0x%llxULL)", (unsigned long long)((1ULL << (8 * len)) - 1));
	if (at)
		sb_printf(sb, " << %llu)", (unsigned long long)(8 * at));
}

char *dwarf_pieces_bytes(const struct dwarf_piece *pieces, int n, uint64_t off, uint64_t size)
{
	struct strbuf sb = {0};
	uint64_t covered = 0;
	char *r;

	for (int i = 0; i < n; i++) {
		const struct dwarf_piece *p = &pieces[i];
		uint64_t start = max_u64(off, p->offset), end = min_u64(off + size, p->offset + p->size);

		if (end <= start)
			continue;
		if (!p->c)	/* optimized out */
			break;
		add_part(&sb, p, start, end - start, start - off);
		covered += end - start;
	}
	if (covered != size) {
		free(sb.buf);
		return NULL;
	}
	r = xasprintf("(%s)", sb.buf);
	free(sb.buf);
	return r;
}

int dwarf_pieces_from(const struct dwarf_piece *pieces, int n, uint64_t off, struct dwarf_piece *out)
{
	int count = 0;

	for (int i = 0; i < n; i++) {
		const struct dwarf_piece *p = &pieces[i];
		uint64_t skip;

		if (p->offset + p->size <= off)
			continue;
		skip = off > p->offset ? off - p->offset : 0;
		out[count].offset = p->offset + skip - off;
		out[count].size = p->size - skip;
		out[count].c = !p->c ? NULL : skip ? xasprintf("((uint64_t)(%s) >> %llu)", p->c,
								(unsigned long long)(8 * skip)) : xstrdup(p->c);
		count++;
	}
	return count;
}
