/* Target variables: $name, $name->member[i]..., &$name, $name$ and
 * $name$$, $$parms/$$locals/$$vars, $return, for a probe at a function's
 * entry or return.  Each becomes a struct target_access: C that reads
 * the probe's registers and memory through the runtime's fault-safe
 * stp_kread(), so a bad pointer ends the script with an error naming the
 * operator, never an oops.  The DWARF side (finding the variable, its
 * location, its type) is dwarf.c's. */
#include "dwarf.h"

#include "elaborate.h"
#include "emit.h"
#include "probes.h"

#include <dwarf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a value is and what it is, as the steps go. */
struct tvalue {
	enum dwarf_loc_kind kind;	/* ADDRESS: c is its address; else its value */
	char *c;
	Dwarf_Die type;			/* peeled of typedefs and qualifiers */
	int is_void;
	int bit_size, bit_offset;	/* a bitfield member: bits from c */
	const char *near;		/* the operator that reads it, for faults */
	struct dwarf_piece pieces[DWARF_MAX_PIECES];	/* PIECES: its bytes */
	int npieces;
};

struct tquery {
	struct dwarf_image *im;
	Dwarf_Die fn;
	uint64_t pc;
	int is_return;
	struct expr *e;
	int quiet;
	int failed;
	string_vec *saves;	/* .return probes: values saved at entry */
};

static void fail(struct tquery *q, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct tquery *q, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	q->failed = 1;
	if (q->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sem_error(loc, "%s", msg);
}

static int tag_of(const struct tvalue *v)
{
	return v->is_void ? 0 : dwarf_tag((Dwarf_Die *)&v->type);
}

static char *type_text(struct tvalue *v)
{
	struct strbuf sb = {0};

	if (v->is_void)
		return xstrdup("void");
	/* (dwarf_type_name spells the type *of* a DIE; v->type is the type
	 * itself: its pointee or element is what dwarf_type_name gives) */
	switch (dwarf_tag(&v->type)) {
	case DW_TAG_structure_type:
		sb_printf(&sb, "struct %s", dwarf_diename(&v->type) ? dwarf_diename(&v->type) : "{...}");
		break;
	case DW_TAG_union_type:
		sb_printf(&sb, "union %s", dwarf_diename(&v->type) ? dwarf_diename(&v->type) : "{...}");
		break;
	case DW_TAG_pointer_type: {
		char *inner = dwarf_type_name(&v->type);

		sb_printf(&sb, "%s*", inner);
		free(inner);
		break;
	}
	case DW_TAG_array_type: {
		char *inner = dwarf_type_name(&v->type);

		sb_printf(&sb, "%s[]", inner);
		free(inner);
		break;
	}
	default:
		sb_add(&sb, dwarf_diename(&v->type) ? dwarf_diename(&v->type) : "?");
	}
	return sb_steal(&sb);
}

static void set_type_of(struct tvalue *v, Dwarf_Die *die)
{
	v->is_void = dwarf_peeled_type(die, &v->type) != 0;
}

static uint64_t size_of(Dwarf_Die *type)
{
	Dwarf_Word size = 0;

	if (dwarf_aggregate_size(type, &size) != 0)
		return 0;
	return size;
}

/* v from a location.  A number in pieces is put together (a struct in
 * pieces stays so for '->'); one partly optimized out stays in pieces,
 * which scalar_read and '->' refuse. */
static void set_location(struct tvalue *v, const struct dwarf_loc *loc)
{
	v->kind = loc->kind;
	v->c = loc->c;
	v->npieces = loc->npieces;
	memcpy(v->pieces, loc->pieces, sizeof(v->pieces));
}

static int is_aggregate(struct tvalue *v)
{
	int tag = tag_of(v);

	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type;
}

static void join_pieces(struct tvalue *v)
{
	uint64_t size = size_of(&v->type);
	char *c;

	if (v->kind != DWARF_LOC_PIECES || v->bit_size || is_aggregate(v) || !size || size > 8)
		return;
	c = dwarf_pieces_bytes(v->pieces, v->npieces, 0, size);
	if (c) {
		v->kind = DWARF_LOC_VALUE;
		v->c = c;
	}
}

/* A struct held in a register (or computed) is in one piece. */
static void as_pieces(struct tvalue *v)
{
	if (v->kind != DWARF_LOC_REGISTER && v->kind != DWARF_LOC_VALUE)
		return;
	v->kind = DWARF_LOC_PIECES;
	v->pieces[0] = (struct dwarf_piece){ 0, 8, v->c };
	v->npieces = 1;
	v->c = NULL;
}

/* A pointer's value as C (never of a value in pieces: join_pieces made it
 * a value, or it is partly optimized out and was refused). */
static char *value_of(struct tquery *q, const struct tvalue *v)
{
	if (v->kind != DWARF_LOC_ADDRESS)
		return xstrdup(v->c);
	return xasprintf("%s(c, %s, 8, %s)", dwarf_reader(q->im), v->c, v->near);
}

/* A pointer to a struct or union becomes the struct in memory (for
 * '->', and at the top of $ptr$). */
static void dereference(struct tquery *q, struct tvalue *v, const char *near)
{
	char *p = value_of(q, v);

	free(v->c);
	v->c = p;
	v->kind = DWARF_LOC_ADDRESS;
	v->near = near;
	set_type_of(v, &v->type);
}

static int is_signed_type(Dwarf_Die *type)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc;
	Dwarf_Die under;

	if (dwarf_tag(type) == DW_TAG_enumeration_type) {
		if (dwarf_peeled_type(type, &under) == 0)
			return is_signed_type(&under);
		return 0;
	}
	if (!dwarf_attr(type, DW_AT_encoding, &attr) || dwarf_formudata(&attr, &enc) != 0)
		return 0;
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

static int is_float_type(Dwarf_Die *type)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc;

	return dwarf_tag(type) == DW_TAG_base_type && dwarf_attr(type, DW_AT_encoding, &attr) &&
	       dwarf_formudata(&attr, &enc) == 0 && (enc == DW_ATE_float || enc == DW_ATE_complex_float);
}

/* ---- the steps ---- */

/* Finds member name in struct/union type, through anonymous members;
 * adds its offset to *offset and leaves its DIE in *member. */
static int find_member(Dwarf_Die *type, const char *name, uint64_t *offset, Dwarf_Die *member)
{
	Dwarf_Die child;

	if (dwarf_child(type, &child) != 0)
		return -1;
	do {
		Dwarf_Attribute attr;
		Dwarf_Word here = 0;
		const char *n;
		Dwarf_Die inner;

		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		if (dwarf_attr(&child, DW_AT_data_member_location, &attr))
			dwarf_formudata(&attr, &here);
		n = dwarf_diename(&child);
		if (n && !strcmp(n, name)) {
			*offset += here;
			*member = child;
			return 0;
		}
		if (!n && dwarf_peeled_type(&child, &inner) == 0 &&
		    (dwarf_tag(&inner) == DW_TAG_structure_type || dwarf_tag(&inner) == DW_TAG_union_type) &&
		    find_member(&inner, name, offset, member) == 0) {
			*offset += here;
			return 0;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return -1;
}

/* Members' names for an error message, as "a, b, c". */
static char *member_names(Dwarf_Die *type)
{
	struct strbuf sb = {0};
	Dwarf_Die child;
	int n = 0;

	if (dwarf_child(type, &child) == 0) {
		do {
			const char *name = dwarf_diename(&child);

			if (dwarf_tag(&child) == DW_TAG_member && name && n++ < 12)
				sb_printf(&sb, "%s%s", n > 1 ? ", " : "", name);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	if (n > 12)
		sb_add(&sb, ", ...");
	return sb_steal(&sb);
}

static int complete(struct tquery *q, struct tvalue *v)
{
	int tag = tag_of(v);

	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
		return 0;
	return dwarf_complete_type(q->im, &v->type);
}

/* v becomes its bytes from offset on (a member's). */
static void member_at(struct tvalue *v, uint64_t offset)
{
	struct dwarf_piece from[DWARF_MAX_PIECES];
	char *base;

	if (v->kind == DWARF_LOC_PIECES) {
		v->npieces = dwarf_pieces_from(v->pieces, v->npieces, offset, from);
		memcpy(v->pieces, from, v->npieces * sizeof(*from));
	} else if (offset) {
		base = xasprintf("(%s + %llu)", v->c, (unsigned long long)offset);
		free(v->c);
		v->c = base;
	}
}

static int member_step(struct tquery *q, struct tvalue *v, const struct target_step *st, const char *near)
{
	uint64_t offset = 0;
	Dwarf_Die member;
	Dwarf_Attribute attr;
	Dwarf_Word bits;
	char *t;

	if (tag_of(v) == DW_TAG_pointer_type && v->kind == DWARF_LOC_PIECES) {
		fail(q, &st->loc, "'->%s': the pointer is partly optimized out here", st->member);
		return -1;
	}
	if (tag_of(v) == DW_TAG_pointer_type)
		dereference(q, v, near);
	else if (tag_of(v) == DW_TAG_structure_type || tag_of(v) == DW_TAG_union_type)
		as_pieces(v);	/* (if not in memory) */
	if (complete(q, v) != 0) {
		t = type_text(v);
		fail(q, &st->loc, "'->%s': no definition of %s in the debug information", st->member, t);
		free(t);
		return -1;
	}
	if (tag_of(v) != DW_TAG_structure_type && tag_of(v) != DW_TAG_union_type) {
		t = type_text(v);
		fail(q, &st->loc, "'->%s' on %s, which is not a struct or union", st->member, t);
		free(t);
		return -1;
	}
	if (find_member(&v->type, st->member, &offset, &member) != 0) {
		char *names = member_names(&v->type);

		t = type_text(v);
		fail(q, &st->loc, "%s has no member '%s' (it has: %s)", t, st->member, names);
		free(t);
		free(names);
		return -1;
	}
	member_at(v, offset);
	v->near = near;
	v->bit_size = v->bit_offset = 0;
	if (dwarf_attr(&member, DW_AT_bit_size, &attr) && dwarf_formudata(&attr, &bits) == 0) {
		Dwarf_Word bit_off = 0;

		v->bit_size = (int)bits;
		if (dwarf_attr(&member, DW_AT_data_bit_offset, &attr))
			dwarf_formudata(&attr, &bit_off);
		v->bit_offset = (int)bit_off;
	}
	set_type_of(v, &member);
	join_pieces(v);
	return 0;
}

static int index_step(struct tquery *q, struct tvalue *v, const struct target_step *st, int n, const char *near)
{
	Dwarf_Die elem;
	uint64_t size;
	char *base;

	if (tag_of(v) == DW_TAG_pointer_type) {
		base = value_of(q, v);
	} else if (tag_of(v) == DW_TAG_array_type && v->kind == DWARF_LOC_ADDRESS) {
		base = xstrdup(v->c);
	} else {
		char *t = type_text(v);

		fail(q, &st->loc, "'[]' on %s, which is not an array or a pointer", t);
		free(t);
		return -1;
	}
	if (dwarf_peeled_type(&v->type, &elem) != 0 || !(size = size_of(&elem))) {
		fail(q, &st->loc, "'[]' on a pointer to void or to a type of unknown size");
		free(base);
		return -1;
	}
	free(v->c);
	v->c = xasprintf("(%s + %llu * (uint64_t)%%I%d)", base, (unsigned long long)size, n);
	v->kind = DWARF_LOC_ADDRESS;
	v->type = elem;
	v->near = near;
	free(base);
	return 0;
}

/* ---- reading the result ---- */

/* C for n bytes of v from byte off on, in the low bytes of a uint64_t;
 * NULL (reported) if they are optimized out. */
static char *read_bytes(struct tquery *q, struct tvalue *v, uint64_t off, unsigned int n, const struct loc *loc)
{
	char *r;

	if (v->kind == DWARF_LOC_ADDRESS && !off)
		return xasprintf("%s(c, %s, %u, %s)", dwarf_reader(q->im), v->c, n, v->near);
	if (v->kind == DWARF_LOC_ADDRESS)
		return xasprintf("%s(c, %s + %llu, %u, %s)", dwarf_reader(q->im), v->c, (unsigned long long)off, n,
				 v->near);
	if (v->kind != DWARF_LOC_PIECES)
		return off ? xasprintf("((uint64_t)(%s) >> %llu)", v->c, (unsigned long long)(8 * off)) : xstrdup(v->c);
	r = dwarf_pieces_bytes(v->pieces, v->npieces, off, n);
	if (!r)
		fail(q, loc, "the value is partly optimized out here");
	return r;
}

/* The C for a scalar's value as a long, sign- or zero-extended. */
static char *scalar_read(struct tquery *q, struct tvalue *v, const struct loc *loc)
{
	uint64_t size = size_of(&v->type);
	int sign = is_signed_type(&v->type);
	char *raw, *r, *bytes;

	if (is_float_type(&v->type)) {
		fail(q, loc, "floating-point target variables are not supported");
		return NULL;
	}
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		fail(q, loc, "a value of %llu bytes is not a number", (unsigned long long)size);
		return NULL;
	}
	if (v->bit_size) {
		unsigned int nbytes = (unsigned int)((v->bit_offset % 8 + v->bit_size + 7) / 8);
		uint64_t mask = v->bit_size >= 64 ? ~0ULL : (1ULL << v->bit_size) - 1;

		bytes = read_bytes(q, v, v->bit_offset / 8, nbytes, loc);
		if (!bytes)
			return NULL;
		raw = xasprintf("((%s >> %d) & 0x%llxULL)", bytes, v->bit_offset % 8, (unsigned long long)mask);
		free(bytes);
		if (sign)	/* the field's top bit is its sign */
			r = xasprintf("((int64_t)(%s << %d) >> %d)", raw, 64 - v->bit_size, 64 - v->bit_size);
		else
			r = xasprintf("(int64_t)%s", raw);
		free(raw);
		return r;
	}
	raw = read_bytes(q, v, 0, (unsigned int)size, loc);
	if (!raw)
		return NULL;
	if (size == 8)
		r = xasprintf("(int64_t)%s", raw);
	else
		r = xasprintf("(int64_t)(%sint%llu_t)%s", sign ? "" : "u", (unsigned long long)size * 8, raw);
	free(raw);
	return r;
}

/* The C that stores %V into the scalar v (guru mode). */
static char *scalar_write(struct tquery *q, struct tvalue *v)
{
	const char *near = v->near;

	uint64_t size = size_of(&v->type);

	if (v->bit_size)
		return NULL;
	if (v->kind == DWARF_LOC_ADDRESS)
		return xasprintf("%s(c, %s, %llu, %%V, %s)", dwarf_image_is_user(q->im) ? "stp_uwrite" : "stp_kwrite",
				 v->c, (unsigned long long)size, near);
	if (v->kind == DWARF_LOC_REGISTER)
		return xasprintf("(%s = (unsigned long)%%V)", v->c);
	return NULL;
}

static int is_char_type(Dwarf_Die *type)
{
	const char *name = dwarf_diename(type);

	return dwarf_tag(type) == DW_TAG_base_type && size_of(type) == 1 && name && strstr(name, "char");
}

/* ---- pretty printing: $var$, $var$$, $$parms ---- */

#define PRETTY_MAX_MEMBERS 64

static void pretty(struct tquery *q, struct strbuf *code, struct tvalue *v, int depth, const char *near);
static int member_step(struct tquery *q, struct tvalue *v, const struct target_step *st, const char *near);

/* The members of struct v, ".name=value" each; an anonymous struct or
 * union's members show as if they were v's own.  *n counts them. */
static void pretty_members(struct tquery *q, struct strbuf *code, struct tvalue *v, int depth, const char *near,
			   int *n)
{
	Dwarf_Die child;

	if (dwarf_child(&v->type, &child) != 0)
		return;
	do {
		struct tvalue m = *v;
		const char *name = dwarf_diename(&child);
		struct target_step st = { .member = (char *)name };
		Dwarf_Attribute attr;
		Dwarf_Word offset = 0;

		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		if (*n == PRETTY_MAX_MEMBERS) {
			sb_add(code, "stp_pretty_add(stp_b, \", ...\"); ");
			(*n)++;
		}
		if (*n > PRETTY_MAX_MEMBERS)
			return;
		if (!name) {
			if (dwarf_attr(&child, DW_AT_data_member_location, &attr))
				dwarf_formudata(&attr, &offset);
			m.c = v->c ? xstrdup(v->c) : NULL;
			member_at(&m, offset);
			set_type_of(&m, &child);
			if (tag_of(&m) == DW_TAG_structure_type || tag_of(&m) == DW_TAG_union_type)
				pretty_members(q, code, &m, depth, near, n);
			free(m.c);
			continue;
		}
		m.c = v->c ? xstrdup(v->c) : NULL;
		if (member_step(q, &m, &st, near) != 0)
			continue;
		sb_printf(code, "stp_pretty_add(stp_b, \"%s.%s=\"); ", (*n)++ ? ", " : "", name);
		pretty(q, code, &m, depth - 1, near);
		free(m.c);
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* Code that appends v's value to the buffer stp_b: numbers in decimal
 * (pointers in hex), char pointers and arrays as quoted strings, structs
 * as {.member=value, ...} down to depth levels. */
static void pretty(struct tquery *q, struct strbuf *code, struct tvalue *v, int depth, const char *near)
{
	int tag = tag_of(v);
	Dwarf_Die elem;

	if (tag == DW_TAG_pointer_type || tag == DW_TAG_array_type) {
		int chars = dwarf_peeled_type(&v->type, &elem) == 0 && is_char_type(&elem);
		char *p = v->kind == DWARF_LOC_PIECES ? xstrdup("") :
			  tag == DW_TAG_array_type ? xstrdup(v->c) : value_of(q, v);

		if ((tag == DW_TAG_array_type && v->kind != DWARF_LOC_ADDRESS) || v->kind == DWARF_LOC_PIECES)
			sb_add(code, "stp_pretty_add(stp_b, \"?\"); ");
		else if (chars)
			sb_printf(code, "stp_pretty_%s(stp_b, %s, %llu); ",
				  dwarf_image_is_user(q->im) ? "ustring" : "string", p,
				  tag == DW_TAG_array_type ? (unsigned long long)size_of(&v->type) : 0ULL);
		else if (tag == DW_TAG_array_type)
			sb_add(code, "stp_pretty_add(stp_b, \"[...]\"); ");
		else
			sb_printf(code, "stp_pretty_add(stp_b, \"0x%%llx\", (unsigned long long)%s); ", p);
		free(p);
		return;
	}
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		int n = 0;

		as_pieces(v);	/* (if not in memory) */
		if (depth <= 0 || complete(q, v) != 0) {
			sb_add(code, "stp_pretty_add(stp_b, \"{...}\"); ");
			return;
		}
		sb_add(code, "stp_pretty_add(stp_b, \"{\"); ");
		pretty_members(q, code, v, depth, near, &n);
		sb_add(code, "stp_pretty_add(stp_b, \"}\"); ");
		return;
	}
	if (v->is_void || is_float_type(&v->type)) {
		sb_add(code, "stp_pretty_add(stp_b, \"?\"); ");
		return;
	}
	{
		int quiet = q->quiet;
		char *r;

		q->quiet = 1;
		r = scalar_read(q, v, NULL);
		q->quiet = quiet;
		if (r)
			sb_printf(code, "stp_pretty_add(stp_b, \"%%lld\", (long long)%s); ", r);
		else
			sb_add(code, "stp_pretty_add(stp_b, \"?\"); ");
		free(r);
	}
}

/* The string a pretty-printing access reads: code appends to stp_b. */
static void set_pretty_access(struct expr *e, struct strbuf *code)
{
	e->access = xcalloc(1, sizeof(*e->access));
	e->access->type = TYPE_STRING;
	e->access->read = xasprintf("({ char *stp_b = %%T; stp_b[0] = '\\0'; %sstp_b; })",
				    code->buf ? code->buf : "");	/* $$parms of a function without any */
	e->type = TYPE_STRING;
}

/* ---- variables ---- */

/* $return's value: in rax when a .return probe runs (a register, so guru
 * mode can change what the caller gets: fault injection). */
static int return_value(struct tquery *q, struct tvalue *v)
{
	if (!q->is_return) {
		fail(q, &q->e->loc, "$return is only available in .return probes");
		return -1;
	}
	set_type_of(v, &q->fn);
	if (v->is_void) {
		fail(q, &q->e->loc, "$return: the function returns nothing");
		return -1;
	}
	v->kind = DWARF_LOC_REGISTER;
	v->c = xstrdup("c->regs->ax");
	return 0;
}

static char *names_in_scope(Dwarf_Die *scopes, int n);

static int is_parameter(struct tquery *q, const char *name)
{
	Dwarf_Die *scopes = NULL, var;
	int n = dwarf_scopes(&q->fn, q->pc, &scopes);
	int found = n ? dwarf_getscopevar(scopes, n, name, 0, NULL, 0, 0, &var) : -1;

	free(scopes);
	return found >= 0 && dwarf_tag(&var) == DW_TAG_formal_parameter;
}

static int find_variable(struct tquery *q, const char *name, struct tvalue *v, const char *near)
{
	Dwarf_Die *scopes = NULL, var;
	int n = dwarf_scopes(&q->fn, q->pc, &scopes), found;
	struct dwarf_loc loc;
	char *why = NULL;

	found = n ? dwarf_getscopevar(scopes, n, name, 0, NULL, 0, 0, &var) : -1;
	if (found < 0) {
		char *names = n ? names_in_scope(scopes, n) : xstrdup("");

		fail(q, &q->e->loc, "unable to find target variable '$%s' in %s (alternatives:%s)", name,
		     dwarf_diename(&q->fn), names);
		free(names);
		free(scopes);
		return -1;
	}
	if (q->is_return && dwarf_tag(&var) == DW_TAG_formal_parameter) {
		fail(q, &q->e->loc, "'$%s' in a .return probe: its value at entry can't be saved here", name);
		free(scopes);
		return -1;
	}
	if (q->is_return) {
		fail(q, &q->e->loc, "'$%s' is a local: not available when the function returns", name);
		free(scopes);
		return -1;
	}
	if (dwarf_location(q->im, &q->fn, &var, q->pc, near, &loc, &why) != 0) {
		fail(q, &q->e->loc, "target variable '$%s' in %s: %s", name, dwarf_diename(&q->fn), why);
		free(why);
		free(scopes);
		return -1;
	}
	set_location(v, &loc);
	v->near = near;
	set_type_of(v, &var);
	join_pieces(v);
	free(scopes);
	return 0;
}

/* The variables $$parms ($$locals, $$vars) lists: the function's
 * parameters (and the locals in scope at pc). */
static int collect_vars(struct tquery *q, int want_params, int want_locals, Dwarf_Die *out, int max)
{
	Dwarf_Die *scopes = NULL, child;
	int n = dwarf_scopes(&q->fn, q->pc, &scopes), count = 0;

	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag != DW_TAG_subprogram && tag != DW_TAG_lexical_block && tag != DW_TAG_inlined_subroutine)
			continue;
		if (dwarf_child(&scopes[i], &child) == 0) {
			do {
				int t = dwarf_tag(&child);

				if (((t == DW_TAG_formal_parameter && want_params) ||
				     (t == DW_TAG_variable && want_locals)) && dwarf_diename(&child) && count < max)
					out[count++] = child;
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		if (tag == DW_TAG_subprogram)
			break;
	}
	free(scopes);
	return count;
}

static char *names_in_scope(Dwarf_Die *scopes, int n)
{
	struct strbuf sb = {0};

	for (int i = 0; i < n; i++) {
		Dwarf_Die child;
		int tag = dwarf_tag(&scopes[i]);

		if (tag != DW_TAG_subprogram && tag != DW_TAG_lexical_block)
			continue;
		if (dwarf_child(&scopes[i], &child) == 0) {
			do {
				int t = dwarf_tag(&child);

				if ((t == DW_TAG_formal_parameter || t == DW_TAG_variable) && dwarf_diename(&child))
					sb_printf(&sb, " $%s", dwarf_diename(&child));
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		if (tag == DW_TAG_subprogram)
			break;
	}
	return sb_steal(&sb);
}

#define MAX_LISTED_VARS 64

/* $$parms: "name=0x1f name2=..."; unavailable ones print as '?'. */
static int list_vars(struct tquery *q, const char *which, const char *near)
{
	Dwarf_Die vars[MAX_LISTED_VARS];
	int params = strcmp(which, "locals") != 0, locals = strcmp(which, "parms") != 0;
	int n = collect_vars(q, params, locals, vars, MAX_LISTED_VARS);
	struct strbuf code = {0};
	int depth = q->e->pretty == 2 ? 3 : q->e->pretty;

	if (q->e->steps.len) {
		fail(q, &q->e->loc, "$$%s takes no '->' or '[]'", which);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct tvalue v = {0};
		struct dwarf_loc loc;
		char *why = NULL;
		const char *name = dwarf_diename(&vars[i]);
		int tag;

		sb_printf(&code, "stp_pretty_add(stp_b, \"%s%s=\"); ", i ? " " : "", name);
		if ((q->is_return && dwarf_tag(&vars[i]) == DW_TAG_formal_parameter) ||
		    dwarf_location(q->im, &q->fn, &vars[i], q->pc, near, &loc, &why) != 0) {
			sb_add(&code, "stp_pretty_add(stp_b, \"?\"); ");
			free(why);
			continue;
		}
		set_location(&v, &loc);
		v.near = near;
		set_type_of(&v, &vars[i]);
		join_pieces(&v);
		tag = tag_of(&v);
		if (v.kind == DWARF_LOC_PIECES && tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
			sb_add(&code, "stp_pretty_add(stp_b, \"?\"); ");	/* partly optimized out */
		else if (depth == 0 && (tag == DW_TAG_pointer_type || tag == DW_TAG_array_type))
			sb_printf(&code, "stp_pretty_add(stp_b, \"0x%%llx\", (unsigned long long)%s); ",
				  tag == DW_TAG_array_type ? v.c : value_of(q, &v));
		else if (depth == 0 && (tag == DW_TAG_structure_type || tag == DW_TAG_union_type))
			sb_add(&code, "stp_pretty_add(stp_b, \"{...}\"); ");
		else if (depth == 0 && !v.is_void && !is_float_type(&v.type) && v.kind != DWARF_LOC_ADDRESS)
			sb_printf(&code, "stp_pretty_add(stp_b, \"0x%%llx\", (unsigned long long)%s); ", v.c);
		else if (depth == 0 && !v.is_void && !is_float_type(&v.type))
			sb_printf(&code, "stp_pretty_add(stp_b, \"0x%%llx\", (unsigned long long)%s(c, %s, "
				  "%llu, %s)); ", dwarf_reader(q->im), v.c, (unsigned long long)size_of(&v.type), near);
		else
			pretty(q, &code, &v, depth, near);
		free(v.c);
	}
	set_pretty_access(q->e, &code);
	free(code.buf);
	return 0;
}

/* $$return: "return=0x..." in a .return probe; "" when the function
 * returns nothing (as SystemTap: $return alone is an error there). */
static int list_return(struct tquery *q)
{
	struct tvalue v = {0};
	struct strbuf code = {0};

	if (q->is_return) {
		set_type_of(&v, &q->fn);
		if (v.is_void) {
			sb_add(&code, "");
			set_pretty_access(q->e, &code);
			free(code.buf);
			return 0;
		}
	}
	if (return_value(q, &v) != 0)
		return -1;
	sb_add(&code, "stp_pretty_add(stp_b, \"return=\"); ");
	if (q->e->pretty)
		pretty(q, &code, &v, q->e->pretty == 2 ? 3 : 1, "NULL");
	else
		sb_printf(&code, "stp_pretty_add(stp_b, \"0x%%llx\", (unsigned long long)%s); ", v.c);
	set_pretty_access(q->e, &code);
	free(code.buf);
	free(v.c);
	return 0;
}

/* The near literal for the i-th step (-1: the variable itself). */
static char *step_near(struct expr *e, int i)
{
	if (i < 0)
		return near_literal(e->near, &e->loc);
	return near_literal(e->steps.items[i]->member ? "operator '->'" : "operator '['",
			    &e->steps.items[i]->loc);
}

static int variable_access_from(struct tquery *q, struct tvalue *base);

/* $name with its steps, &, $ and $$. */
static int variable_access(struct tquery *q)
{
	struct tvalue v = {0};
	char *near = step_near(q->e, -1);

	if (!strcmp(q->e->name, "$return") ? return_value(q, &v) != 0 : find_variable(q, q->e->name + 1, &v, near) != 0)
		return -1;
	return variable_access_from(q, &v);
}

/* What p->member follows after p = this value (autocast): the struct or
 * union it points to, if it points to one. */
static void note_pointee(struct tquery *q, Dwarf_Die *pointee)
{
	struct target_access *a = q->e->access;
	int tag = dwarf_tag(pointee);
	const char *name = dwarf_diename(pointee);

	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
		return;
	a->pointee_image = q->im;
	a->pointee_die = dwarf_dieoffset(pointee);
	a->pointee_name = xasprintf("%s %s", tag == DW_TAG_union_type ? "union" : "struct",
				    name ? name : "<anonymous>");
}

/* The rest of a target expression, from its base value. */
static int variable_access_from(struct tquery *q, struct tvalue *base)
{
	struct expr *e = q->e;
	struct tvalue v = *base;
	char *near = (char *)v.near, *read = NULL;
	int tag, rc = -1;

	for (int i = 0; i < e->steps.len; i++) {
		struct target_step *st = e->steps.items[i];

		near = step_near(e, i);	/* kept: v.near may point at it */
		if (st->member ? member_step(q, &v, st, near) != 0 : index_step(q, &v, st, i, near) != 0)
			goto out;
	}
	if (e->pretty) {
		struct strbuf code = {0};
		Dwarf_Die pointee;

		if (tag_of(&v) == DW_TAG_pointer_type && dwarf_peeled_type(&v.type, &pointee) == 0 &&
		    (dwarf_tag(&pointee) == DW_TAG_structure_type || dwarf_tag(&pointee) == DW_TAG_union_type))
			dereference(q, &v, near);	/* $ptr$ shows what it points to */
		pretty(q, &code, &v, e->pretty == 2 ? 3 : 1, near);
		set_pretty_access(e, &code);
		free(code.buf);
		rc = 0;
		goto out;
	}
	tag = tag_of(&v);
	e->access = xcalloc(1, sizeof(*e->access));
	e->access->type = TYPE_LONG;
	e->type = TYPE_LONG;
	if (e->addr_of) {
		if (v.kind != DWARF_LOC_ADDRESS || v.bit_size) {
			fail(q, &e->loc, "'&%s': not in memory here", e->name);
			goto out;
		}
		e->access->read = xasprintf("(int64_t)%s", v.c);
		if (!v.is_void)
			note_pointee(q, &v.type);
		rc = 0;
		goto out;
	}
	if (tag == DW_TAG_array_type) {	/* its address, as for C */
		if (v.kind != DWARF_LOC_ADDRESS) {
			fail(q, &e->loc, "'%s': an array not in memory", e->name);
			goto out;
		}
		e->access->read = xasprintf("(int64_t)%s", v.c);
		rc = 0;
		goto out;
	}
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || v.is_void) {
		char *t = type_text(&v);
		struct strbuf text = {0};

		print_expr(&text, e);
		fail(q, &e->loc, "'%s' is %s, not a number: use '->member', '%s$' or '&%s'", text.buf, t, text.buf,
		     text.buf);
		free(t);
		free(text.buf);
		goto out;
	}
	read = scalar_read(q, &v, &e->loc);
	if (!read)
		goto out;
	e->access->read = read;
	e->access->write = scalar_write(q, &v);
	e->access->write_needs_guru = 1;
	if (tag == DW_TAG_pointer_type) {
		Dwarf_Die pointee;

		if (dwarf_peeled_type(&v.type, &pointee) == 0)
			note_pointee(q, &pointee);
	}
	rc = 0;
out:
	if (rc && e->access) {
		free(e->access);
		e->access = NULL;
	}
	free(v.c);
	return rc;
}

/* Resolves e as at the function's entry, and has the entry save its value:
 * e then reads the saved copy.  Only numbers, and no index computed by
 * the script (the entry handler can't run script code). */
static int save_at_entry(struct tquery *q, struct expr *e)
{
	struct tquery entry = *q;
	char *read;

	entry.is_return = 0;
	entry.e = e;
	if (e->kind != EX_TARGET || strcmp(e->op, "$") || !strcmp(e->name, "$return")) {
		fail(q, &e->loc, "@entry takes a target variable, as in @entry($var->member)");
		return -1;
	}
	if (!strncmp(e->name, "$$", 2) || e->pretty) {
		fail(q, &e->loc, "%s%s: only numbers can be saved at entry", e->name, e->pretty ? "$" : "");
		return -1;
	}
	for (int i = 0; i < e->steps.len; i++)
		if (e->steps.items[i]->index && e->steps.items[i]->index->kind != EX_NUMBER) {
			fail(q, &e->steps.items[i]->loc, "an index saved at entry must be a number");
			return -1;
		}
	if (variable_access(&entry) != 0 || entry.failed) {
		q->failed = 1;
		return -1;
	}
	read = e->access->read;
	for (int i = 0; i < e->steps.len; i++) {	/* constant indices go in as they are */
		char *mark = xasprintf("%%I%d", i), *at, *num;

		while ((at = strstr(read, mark))) {
			num = xasprintf("%.*s(%lldLL)%s", (int)(at - read), read,
					(long long)e->steps.items[i]->index->num, at + strlen(mark));
			read = num;
		}
		free(mark);
	}
	vec_push(q->saves, read);
	e->access->read = xasprintf("((int64_t *)c->entry_data)[%d]", q->saves->len - 1);
	e->access->write = NULL;
	return 0;
}

int dwarf_resolve_target(const struct probe_context *ctx, const char *module, const char *function, int is_return,
			 struct expr *e, int quiet)
{
	return dwarf_resolve_target_saving(ctx, module, function, is_return, 0, e, quiet, NULL);
}

static int resolve_target(const struct probe_context *ctx, const char *module, const char *function,
			  int is_return, uint64_t offset, struct expr *e, int quiet, string_vec *saves);

int dwarf_resolve_target_saving(const struct probe_context *ctx, const char *module, const char *function,
				int is_return, uint64_t save_offset, struct expr *e, int quiet, string_vec *saves)
{
	return resolve_target(ctx, module, function, is_return, save_offset, e, quiet, saves);
}

int dwarf_resolve_target_at(const struct probe_context *ctx, const char *module, const char *function,
			    uint64_t offset, struct expr *e, int quiet)
{
	return resolve_target(ctx, module, function, 0, offset, e, quiet, NULL);
}

int dwarf_resolve_target_pc(const struct probe_context *ctx, const char *module, uint64_t pc, struct expr *e,
			    int quiet)
{
	return resolve_target(ctx, module, NULL, 0, pc, e, quiet, NULL);
}

static int resolve_target(const struct probe_context *ctx, const char *module, const char *function,
			  int is_return, uint64_t offset, struct expr *e, int quiet, string_vec *saves)
{
	struct tquery q = { .is_return = is_return, .e = e, .quiet = quiet, .saves = saves };
	char *why = NULL;
	int rc;

	q.im = dwarf_image(ctx->release, module, &why);
	if (!q.im) {
		fail(&q, &e->loc, "target variable %s needs debug information: %s", e->name, why);
		free(why);
		return 0;
	}
	if (!function) {	/* offset is an address of the image */
		if (dwarf_function_at(q.im, offset, &q.fn) != 0) {
			fail(&q, &e->loc, "target variable %s: no debug information for a function at 0x%llx", e->name,
			     (unsigned long long)offset);
			return 0;
		}
		q.pc = offset;
	} else if (dwarf_function(q.im, function, &q.fn) != 0) {
		fail(&q, &e->loc, "target variable %s: no debug information for function '%s'", e->name, function);
		return 0;
	} else {
		q.pc = dwarf_entry_pc(&q.fn) + offset;
	}
	if (!strcmp(e->op, "@entry")) {
		if (!is_return || !saves) {
			fail(&q, &e->loc, "@entry is only available in .return probes");
			return 0;
		}
		if (save_at_entry(&q, e->args.items[0]) != 0)
			return 0;
		e->access = e->args.items[0]->access;
		e->type = TYPE_LONG;
		return 1;
	}
	if (strcmp(e->op, "$")) {
		fail(&q, &e->loc, "%s is not supported yet", e->op);
		return 0;
	}
	if (is_return && saves && strcmp(e->name, "$return") && strncmp(e->name, "$$", 2) && !e->pretty &&
	    is_parameter(&q, e->name + 1))	/* SystemTap's implicit @entry */
		return save_at_entry(&q, e) == 0 && !q.failed;
	if (!strcmp(e->name, "$$parms") || !strcmp(e->name, "$$locals") || !strcmp(e->name, "$$vars"))
		rc = list_vars(&q, e->name + 2, "NULL");
	else if (!strcmp(e->name, "$$return"))
		rc = list_return(&q);
	else
		rc = variable_access(&q);
	return rc == 0 && !q.failed;
}

void dwarf_list_params(struct strbuf *sb, const struct probe_context *ctx, const char *module,
		       const char *function, int is_return)
{
	struct tquery q = { .is_return = 0 };
	Dwarf_Die params[MAX_LISTED_VARS];
	char *why = NULL;
	int n;

	q.im = dwarf_image(ctx->release, module, &why);
	free(why);
	if (!q.im || dwarf_function(q.im, function, &q.fn) != 0)
		return;
	q.pc = dwarf_entry_pc(&q.fn);
	if (is_return) {
		char *t = dwarf_type_name(&q.fn);

		if (strcmp(t, "void"))
			sb_printf(sb, " $return:%s", t);
		free(t);
	}
	n = collect_vars(&q, 1, 0, params, MAX_LISTED_VARS);
	for (int i = 0; i < n; i++) {
		char *t = dwarf_type_name(&params[i]);

		sb_printf(sb, " $%s:%s", dwarf_diename(&params[i]), t);
		free(t);
	}
}

/* The image @cast and @var name: "kernel" is the kernel; a module's name
 * or path the module, a program's or library's path that file; none the
 * process probe's file, or the kernel. */
static struct dwarf_image *named_image(struct tquery *q, const struct probe_context *ctx, struct expr *e, int arg)
{
	const char *module = ctx->user_image;
	struct dwarf_image *im;
	char *why = NULL;

	if (e->args.len > arg) {
		if (e->args.items[arg]->kind != EX_STRING) {
			fail(q, &e->args.items[arg]->loc, "%s: the module must be a string literal", e->op);
			return NULL;
		}
		module = e->args.items[arg]->str;
		if (!strcmp(module, "kernel"))
			module = NULL;
	}
	im = dwarf_image(ctx->release, module, &why);
	if (!im)
		fail(q, &e->loc, "%s needs debug information: %s", e->op, why);
	free(why);
	return im;
}

/* @cast(p, "type"): p's value as the address of a struct type. */
static int cast_value(struct tquery *q, const struct probe_context *ctx, struct tvalue *v)
{
	struct expr *e = q->e, *type = e->args.items[1];
	const char *name;

	if (type->kind != EX_STRING) {
		fail(q, &type->loc, "@cast: the type must be a string literal");
		return -1;
	}
	name = type->str;
	if (!strncmp(name, "struct ", 7) || !strncmp(name, "union ", 6))
		name = strchr(name, ' ') + 1;
	if (e->autocast) {	/* p->member: the very type p was assigned a pointer to */
		q->im = (struct dwarf_image *)e->autocast->pointee_image;
		if (dwarf_die_at(q->im, e->autocast->pointee_die, &v->type) != 0) {
			fail(q, &e->loc, "'%s': its type is gone from the debug information", type->str);
			return -1;
		}
	} else if (!(q->im = named_image(q, ctx, e, 2))) {
		return -1;
	} else if (dwarf_find_type(q->im, name, &v->type) != 0) {
		fail(q, &type->loc, "@cast: no type '%s' in the debug information", type->str);
		return -1;
	}
	while (dwarf_tag(&v->type) == DW_TAG_typedef && dwarf_peeled_type(&v->type, &v->type) == 0)
		;
	v->kind = DWARF_LOC_ADDRESS;
	v->c = xstrdup("(unsigned long)(%A)");
	v->near = near_literal(e->near, &e->loc);
	return 0;
}

/* @var("name") or @var("name@file"): a global variable of the image. */
static int global_value(struct tquery *q, const struct probe_context *ctx, struct tvalue *v)
{
	struct expr *e = q->e, *arg = e->args.items[0];
	struct dwarf_loc loc;
	Dwarf_Die var;
	uint64_t addr = 0;
	char *name, *why = NULL;
	const char *at;

	if (arg->kind != EX_STRING) {
		fail(q, &arg->loc, "@var: the name must be a string literal");
		return -1;
	}
	q->im = named_image(q, ctx, e, 1);
	if (!q->im)
		return -1;
	if (dwarf_image_is_user(q->im) && !(ctx->user_image && q->im == dwarf_image(ctx->release, ctx->user_image,
										     &why))) {
		fail(q, &e->loc, "@var: a program's or library's variables can be read only in its own process "
		     "probes (where it is mapped)");
		free(why);
		return -1;
	}
	name = xstrndup(arg->str, strcspn(arg->str, "@"));
	v->near = near_literal(e->near, &e->loc);
	at = strchr(arg->str, '@');
	if (dwarf_global_variable(q->im, name, at ? at + 1 : NULL, &var, &addr) != 0) {
		fail(q, &arg->loc, "@var: no global variable '%s' in the debug information", name);
		free(name);
		return -1;
	}
	if (dwarf_hasattr(&var, DW_AT_declaration)) {	/* known by its symbol only */
		loc.kind = DWARF_LOC_ADDRESS;
		loc.c = dwarf_static_address(q->im, addr, &why);
	} else if (dwarf_location(q->im, NULL, &var, 0, v->near, &loc, &why) != 0) {
		loc.c = NULL;
	}
	if (!loc.c) {
		fail(q, &arg->loc, "@var(\"%s\"): %s", name, why);
		free(why);
		free(name);
		return -1;
	}
	free(name);
	set_location(v, &loc);
	set_type_of(v, &var);
	join_pieces(v);
	return 0;
}

int dwarf_resolve_cast_or_var(const struct probe_context *ctx, struct expr *e, int quiet)
{
	struct tquery q = { .e = e, .quiet = quiet };
	struct tvalue base = {0};

	if (strcmp(e->op, "@cast") ? global_value(&q, ctx, &base) != 0 : cast_value(&q, ctx, &base) != 0)
		return 0;
	return variable_access_from(&q, &base) == 0 && !q.failed;
}

int dwarf_statement_lines(const struct probe_context *ctx, const char *module, const char *function, int lo,
			  int hi, void (*found)(void *arg, int line, uint64_t offset), void *arg, char **why)
{
	struct dwarf_image *im = dwarf_image(ctx->release, module, why);
	Dwarf_Die fn;
	int first, last, n;

	if (!im)
		return -1;
	if (dwarf_function(im, function, &fn) != 0) {
		*why = xasprintf("no debug information for function '%s'", function);
		return -1;
	}
	n = dwarf_function_lines(&fn, lo, hi, found, arg, &first, &last);
	if (n > 0)
		return n;
	if (!first)
		*why = xasprintf("no line information for %s", function);
	else if (lo == hi)
		*why = xasprintf("no code for line %d in %s (it has code at lines %d-%d)", lo, function, first, last);
	else
		*why = xasprintf("no code for lines %d-%d in %s (it has code at lines %d-%d)", lo, hi, function, first,
				 last);
	return -1;
}

char *dwarf_function_where(const struct probe_context *ctx, const char *module, const char *function)
{
	struct dwarf_image *im;
	char *why = NULL;

	im = dwarf_image(ctx->release, module, &why);
	free(why);
	return im ? dwarf_where(im, function) : NULL;
}
