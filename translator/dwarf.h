/* The target's debug information (libdw, through libdwfl so a module's
 * relocations are applied): functions, their scopes and variables, types,
 * and DWARF location expressions turned into C (see dwarf.c).  What the
 * script makes of them is target.c's business. */
#ifndef DWARF_H
#define DWARF_H

#include "util.h"

#include <elfutils/libdw.h>
#include <stdint.h>

struct dwarf_image;

/* The debug image of release's kernel (module NULL), of one of its
 * modules, or of a module given by path; opened once per run.  NULL, with
 * *why set, if there is none. */
struct dwarf_image *dwarf_image(const char *release, const char *module, char **why);
int dwarf_image_is_kernel(const struct dwarf_image *im);
/* A program or shared library: its memory is the probed process's, its
 * static data where the process mapped it (stp_ubias(c) in a uprobe). */
int dwarf_image_is_user(const struct dwarf_image *im);
/* The runtime's fault-safe reader of the image's memory: "stp_kread" or
 * "stp_uread". */
const char *dwarf_reader(const struct dwarf_image *im);

/* The out-of-line instance of function name: 0, or -1 if the image has
 * none (inlined everywhere, or no such function). */
int dwarf_function(struct dwarf_image *im, const char *name, Dwarf_Die *fn);
/* The same for the function whose code holds pc (an address as the
 * debug information has it). */
int dwarf_function_at(struct dwarf_image *im, uint64_t pc, Dwarf_Die *fn);
/* Its entry address, in the image's address space. */
uint64_t dwarf_entry_pc(Dwarf_Die *fn);
/* For each line from lo to hi that has code in fn, found(arg, line, the
 * offset from fn's entry of its first statement); how many.  *first and
 * *last say which lines fn has code for. */
int dwarf_function_lines(Dwarf_Die *fn, int lo, int hi, void (*found)(void *arg, int line, uint64_t offset),
			 void *arg, int *first, int *last);
/* How far past fn's entry its body starts, when its variables are where
 * they are described only from there: code built without optimization
 * keeps them in the frame, and its prologue puts them there.  The first
 * line-table address after the entry; 0 for optimized code (its variables
 * are described from the entry on) or without line information. */
uint64_t dwarf_body_offset(Dwarf_Die *fn);
/* Where function name is defined, "fs/read_write.c:450", or NULL: for
 * the kernel from an index of all its functions, built once per kernel
 * (by build-id) and kept under $SYSTEMTAP_DIR/cache/dwarf. */
char *dwarf_where(struct dwarf_image *im, const char *name);
/* Each place a function matching pattern was inlined: the function symbol
 * whose code holds it, and how far into that function it starts (a walk
 * over every unit: about half a second for the kernel). */
void dwarf_inline_instances(struct dwarf_image *im, const char *pattern,
			    void (*found)(void *arg, const char *function, uint64_t offset), void *arg);
/* The places function name (no pattern) was inlined, as found() above:
 * in its own unit when it also has an out-of-line copy (the kernel isn't
 * built with LTO, so a call can only be inlined in the unit that defines
 * the callee); anywhere, by the walk above, when it has none. */
void dwarf_inline_copies(struct dwarf_image *im, const char *name,
			 void (*found)(void *arg, const char *function, uint64_t offset), void *arg);
/* "fs/read_write.c:450", or NULL. */
char *dwarf_decl_where(Dwarf_Die *die);

/* The scopes that contain pc in fn's unit, innermost first; their count
 * (0: none).  Free *scopes. */
int dwarf_scopes(Dwarf_Die *fn, uint64_t pc, Dwarf_Die **scopes);

/* A type with typedefs and const/volatile peeled off (typedefs kept when
 * keep_typedefs); 0, or -1 if die has no type (void). */
int dwarf_peeled_type(Dwarf_Die *die, Dwarf_Die *type);
/* The C spelling of die's type: "struct file*", "size_t", "char[16]". */
char *dwarf_type_name(Dwarf_Die *die);
/* A complete definition of a struct or union known only by declaration
 * in this unit, from elsewhere in the image: 0, or -1. */
int dwarf_complete_type(struct dwarf_image *im, Dwarf_Die *type);

/* The DIE at offset (dwarf_dieoffset) of the image: 0, or -1. */
int dwarf_die_at(struct dwarf_image *im, uint64_t offset, Dwarf_Die *die);
/* A type by name (struct, union, typedef, base or enum): 0, or -1. */
int dwarf_find_type(struct dwarf_image *im, const char *name, Dwarf_Die *type);
/* A global variable by name (of file, if not NULL), and its symbol's
 * address: 0, or -1. */
int dwarf_global_variable(struct dwarf_image *im, const char *name, const char *file, Dwarf_Die *var,
			  uint64_t *addr);
/* C for the running kernel's address of addr, an address of static data
 * in im (KASLR, or where the module was loaded); NULL with *why set. */
char *dwarf_static_address(struct dwarf_image *im, uint64_t addr, char **why);
/* The "MODULE:SYMBOL"s that module data addresses refer to, so far. */
string_vec dwarf_module_symbols(void);

/* Where a location expression leaves a variable. */
enum dwarf_loc_kind {
	DWARF_LOC_ADDRESS,	/* in memory: the C is its address */
	DWARF_LOC_REGISTER,	/* in a register: the C is that pt_regs field */
	DWARF_LOC_VALUE,	/* computed: the C is its value */
	DWARF_LOC_PIECES,	/* in parts (DW_OP_piece): see pieces */
};

/* Bytes [offset, offset + size) of a variable: c is a value whose low
 * bytes they are (NULL: optimized out). */
struct dwarf_piece {
	uint64_t offset, size;
	char *c;
};

#define DWARF_MAX_PIECES 8

struct dwarf_loc {
	enum dwarf_loc_kind kind;
	char *c;
	struct dwarf_piece pieces[DWARF_MAX_PIECES];
	int npieces;
};

/* Variables in pieces (dwarf_pieces.c): the value of bytes [off, off +
 * size) (size <= 8) as C, or NULL if some are optimized out; the pieces
 * of bytes off... rebased to 0, into out (as many as there are): how many. */
char *dwarf_pieces_bytes(const struct dwarf_piece *pieces, int n, uint64_t off, uint64_t size);
int dwarf_pieces_from(const struct dwarf_piece *pieces, int n, uint64_t off, struct dwarf_piece *out);

/* The location of variable var at pc, in function fn, as C reading the
 * registers `c->regs` and memory (fault-safe reads that name near in
 * their errors): 0, or -1 with *why set ("not available at this point",
 * "split across registers", ...). */
int dwarf_location(struct dwarf_image *im, Dwarf_Die *fn, Dwarf_Die *var, uint64_t pc, const char *near,
		   struct dwarf_loc *loc, char **why);

/* target.c: target variables for the providers whose probes sit at a
 * function's entry (or return) with its registers in c->regs. */
struct probe_context;
struct expr;

/* Resolves e ($name..., $$parms, $return, @entry(...)) as the variables
 * of function (of module, or the kernel if NULL) are at its entry, or at
 * its return if is_return: 1 (e->access set), 0 not there (reported
 * unless quiet), -1 reported. */
int dwarf_resolve_target(const struct probe_context *ctx, const char *module, const char *function, int is_return,
			 struct expr *e, int quiet);
/* The same, where a .return probe can save values at the entry (or
 * save_offset bytes past it): the C of each is added to saves, and the
 * access reads c->entry_data. */
int dwarf_resolve_target_saving(const struct probe_context *ctx, const char *module, const char *function,
				int is_return, uint64_t save_offset, struct expr *e, int quiet, string_vec *saves);
/* The same at offset bytes into the function (kernel.statement). */
int dwarf_resolve_target_at(const struct probe_context *ctx, const char *module, const char *function,
			    uint64_t offset, struct expr *e, int quiet);
/* The same at address pc of the image (kernel.statement(ADDR), or a
 * program's .statement(ADDR)). */
int dwarf_resolve_target_pc(const struct probe_context *ctx, const char *module, uint64_t pc, struct expr *e,
			    int quiet);
/* kernel.statement("FUNC@FILE:LO[-HI]"): found(arg, line, offset) for
 * each line with code in function; how many, or -1 with *why set. */
int dwarf_statement_lines(const struct probe_context *ctx, const char *module, const char *function, int lo,
			  int hi, void (*found)(void *arg, int line, uint64_t offset), void *arg, char **why);
/* For stap -L: " $file:struct file* $buf:char*" ..., the function's
 * parameters (and $return:TYPE for a return probe). */
/* @cast(ptr, "type"[, "module"]) and @var("name"[, "module"]) with their
 * steps: they need no probe point, only the image's types and globals.
 * 1 (e->access set), or 0 (reported unless quiet). */
int dwarf_resolve_cast_or_var(const struct probe_context *ctx, struct expr *e, int quiet);
/* "fs/read_write.c:450" for function, or NULL without debug information. */
char *dwarf_function_where(const struct probe_context *ctx, const char *module, const char *function);
void dwarf_list_params(struct strbuf *sb, const struct probe_context *ctx, const char *module,
		       const char *function, int is_return);

#endif
