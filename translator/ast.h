/* The abstract syntax tree: the only thing passed between the passes.
 * Pass 1 builds it, pass 2 resolves names and fills in types, pass 3
 * reads it to write C. */
#ifndef AST_H
#define AST_H

#include "util.h"

/* TYPE_VOID: calls that return nothing (print, exit); never a variable's. */
/* TYPE_STATS: a statistic (x <<< v); TYPE_HIST: what @hist_* gives,
 * which only print and println take. */
enum type { TYPE_UNKNOWN, TYPE_LONG, TYPE_STRING, TYPE_VOID, TYPE_STATS, TYPE_HIST };

const char *type_name(enum type t);

enum expr_kind {
	EX_NUMBER,	/* num */
	EX_STRING,	/* str */
	EX_VAR,		/* name; resolved to sym */
	EX_CALL,	/* name(args); resolved to func or builtin */
	EX_UNARY,	/* op lhs: - ! ~ + */
	EX_BINARY,	/* lhs op rhs: arithmetic, bitwise, comparison, && || */
	EX_CONCAT,	/* lhs . rhs */
	EX_ASSIGN,	/* lhs op rhs: = += -= *= /= %= .= and friends */
	EX_INCDEC,	/* ++x x++ --x x--: op, postfix */
	EX_TERNARY,	/* cond ? lhs : rhs */
	EX_INDEX,	/* name[args]: an array element; sym is the array */
	EX_IN,		/* [args] in name: whether the element exists */
	EX_TARGET,	/* DWARF forms; op says which: "$" ($var, $$parms...),
			 * "@cast", "@var", "@entry", "@defined", "@probewrite" */
	EX_EMBEDDED,	/* %{ C expression %}: str (guru mode); a string
			 * if str has the pragma comment string */
};

/* ->member or [index] after a target variable or @cast. */
struct target_step {
	char *member;		/* NULL: an index */
	struct expr *index;
	struct loc loc;		/* of the '->' or '[', for runtime errors */
};

/* A target variable as pass 2 resolved it: C that the handler evaluates
 * (with the context `c` in scope; reads that fail set c->error).  In the
 * templates, %T stands for a string temporary, %V for the value being
 * stored and %I<n> for the n-th step's index expression. */
struct target_access {
	enum type type;		/* TYPE_LONG or TYPE_STRING */
	char *read;		/* C expression: the value */
	char *write;		/* C statement that stores %V; NULL: read-only */
	char *append;		/* C statement that appends %V ('.='); NULL: '=' only */
	int write_needs_guru;	/* the kernel's own data: only with -g */
	/* A pointer to a type the debug information knows: what p->member
	 * follows after p = this value (autocast).  pointee_die 0: none. */
	const void *pointee_image;	/* a struct dwarf_image */
	uint64_t pointee_die;		/* the pointed-to type's DIE offset */
	char *pointee_name;		/* and its name, as @cast would say it */
};

struct symbol;
struct function;
struct regex_program;
struct builtin;

/* A printf format that has conversions vsnprintf lacks (%b %m %M), in
 * pieces: vsnprintf chunks, and one piece for each such conversion. */
struct format_piece {
	char conv;		/* 0: the chunk in fmt; else 'b', 'm' or 'M' */
	char *fmt;
	int first_arg, nargs;	/* the call's arguments this piece takes */
	int width, precision;	/* -1: none; -2: from an argument ('*') */
	int left;		/* the '-' flag */
};

struct expr {
	enum expr_kind kind;
	struct loc loc;
	char *near;		/* the token, as runtime errors name it */
	enum type type;		/* filled in by pass 2 */
	const char *op;
	int postfix;
	int64_t num;
	char *str;
	char *name;
	struct symbol *sym;
	struct function *func;
	const struct builtin *builtin;
	struct expr *lhs, *rhs, *cond;
	VEC(struct expr *) args;
	char *arg_kinds;	/* printf-style calls: 's', 'd' or 'c' per argument */
	VEC(struct format_piece *) pieces;	/* printf, sprintf: see above */
	VEC(struct target_step *) steps;	/* EX_TARGET's ->member / [i] chain */
	int pretty;		/* EX_TARGET: 1 for a trailing $, 2 for $$ */
	int addr_of;		/* EX_TARGET: &$var */
	struct target_access *access;	/* EX_TARGET, after pass 2 */
	int tmp;		/* pass 3: temporary slot for a string value, or -1 */
	int entry_slot;		/* @entry(expression): its place in dp->entry_exprs, plus 1 */
	const struct target_access *autocast;	/* @cast made of p->member: p's pointee */
	struct regex_program *regex;	/* =~ and !~: the compiled pattern */
	int regex_id;			/* pass 3: its C name, regex_N */
};

enum stmt_kind {
	ST_BLOCK,	/* body */
	ST_EXPR,	/* expr */
	ST_IF,		/* cond then else_ */
	ST_WHILE,	/* cond then */
	ST_FOR,		/* init; cond; incr then (each may be NULL) */
	ST_RETURN,	/* expr (may be NULL) */
	ST_BREAK,
	ST_CONTINUE,
	ST_NEXT,
	ST_EMPTY,
	ST_DO,		/* do then while (cond) */
	ST_TRY,		/* try then catch [(expr: the message variable)] else_ */
	ST_DELETE,	/* delete expr: a variable, an element, or a slice (NULL args) */
	ST_FOREACH,	/* see struct foreach */
};

/* foreach ([k1, k2] in arr[slice] limit N) then, or with "v = " first. */
struct foreach {
	VEC(struct expr *) keys;	/* EX_VAR each */
	struct expr *value;		/* EX_VAR or NULL */
	struct expr *array;		/* EX_VAR, or EX_INDEX for a slice */
	struct expr *limit;		/* or NULL */
	int sort_column;		/* 0 none, 1..9 a key, -1 the value */
	int descending;
};

struct stmt {
	enum stmt_kind kind;
	struct loc loc;
	char *near;
	struct expr *expr, *cond, *init, *incr;
	struct stmt *then, *else_;
	VEC(struct stmt *) body;
	struct foreach *fe;
};

enum symbol_kind { SYM_GLOBAL, SYM_LOCAL, SYM_PARAM };

struct symbol {
	enum symbol_kind kind;
	char *name;
	char *cname;		/* globals: the C name's stem (g_CNAME) */
	struct loc loc;		/* where declared, or first assigned */
	enum type type;
	struct loc type_loc;	/* where its type was decided, for errors */
	struct expr *init;	/* globals: initializer, or NULL */
	int index;		/* globals: declaration order */
	int used;
	int is_read, is_written;	/* globals: by the script, for warnings */
	int set_by_option;	/* -G NAME=VALUE */
	/* p = $ptr: the typed pointer p->member follows (autocast); mixed:
	 * assigned pointers to different types */
	const struct target_access *autocast;
	int autocast_mixed;
	/* arrays */
	int is_array;
	int nkeys;		/* 0 until the first use decides */
	enum type key_types[9];
	struct loc key_locs[9];
	int64_t max_entries;	/* global a[N]; 0: MAXMAPENTRIES */
	struct loc array_loc;	/* first use as an array */
	struct loc scalar_loc;	/* first use as a scalar (line 0: none) */
	int wrap;		/* global a%: full arrays drop their oldest */
	/* statistics: the histograms the script asks of it */
	int hist_log;
	int hist_linear;
	int64_t lin_low, lin_high, lin_step;
	struct loc hist_loc;
	int is_private;		/* visible only in its own file */
	int from_library;	/* declared by a tapset file */
};

/* One component of a probe point: `timer`, `ms(100)`, `function("f")`. */
struct probe_component {
	char *name;
	struct expr *arg;	/* NULL, EX_NUMBER or EX_STRING */
	struct loc loc;
};

struct probe_point {
	VEC(struct probe_component *) comps;
	struct loc loc;
	char *text;		/* canonical spelling: "timer.ms(100)" */
	int optional;		/* trailing '?' or '!' */
	int sufficient;		/* trailing '!': if it resolves, skip the rest */
};

typedef VEC(struct probe_point *) point_vec;

/* probe NAME = POINTS { prologue }  or  probe NAME += POINTS { epilogue } */
struct probe_alias {
	struct probe_point *name;
	point_vec points;
	struct stmt *body;
	int epilogue;
	struct loc loc;
};

struct probe {
	point_vec points;
	struct expr *cond;	/* probe POINT if (cond) { ... }, or NULL */
	struct stmt *body;
	VEC(struct symbol *) locals;
	struct loc loc;
	int index;
	int resolved;		/* pass 2: handled already (a split copy, see split_probe) */
	int alias_depth;	/* pass 2: aliases expanded to make this probe */
	const char *alias_name;	/* pass 2: the outermost alias it came from */
	const struct probe_point *user_point;	/* pass 2: the point that named that alias */
	/* pass 2: globals the handler touches, directly or through calls */
	VEC(struct symbol *) reads, writes;
	VEC(struct function *) calls;
};

struct function {
	char *name;
	char *cname;		/* its C name when overloads share name, else NULL */
	struct loc loc;
	enum type type;		/* return type */
	struct loc type_loc;
	VEC(struct symbol *) params;
	VEC(struct symbol *) locals;	/* params first */
	struct stmt *body;
	char *embedded;		/* %{ C %} instead of a body, or NULL */
	int pure;		/* embedded C marked / * pure * / */
	int is_private;		/* callable only from its own file */
	int used;
	int visiting;		/* pass 2: recursion guard for the lock sets */
	VEC(struct symbol *) reads, writes;
	VEC(struct function *) calls;
};

/* A top-level %{ ... %} block: C copied into the module verbatim. */
struct embedded_block {
	char *code;
	struct loc loc;
};

struct script {
	VEC(struct source *) sources;
	VEC(struct embedded_block *) embedded;
	VEC(struct symbol *) globals;
	VEC(struct function *) functions;
	VEC(struct probe *) probes;
	VEC(struct probe_alias *) aliases;
	/* pass 2 result: concrete probes, see probes.h */
	VEC(struct derived_probe *) derived;
	/* pass 2 result: "MODULE:SYMBOL" each, which a module's static data
	 * is found relative to when the script runs (see dwarf.c) */
	string_vec module_symbols;
};

struct expr *expr_new(enum expr_kind kind, struct loc loc);
struct stmt *stmt_new(enum stmt_kind kind, struct loc loc);
/* Deep copies, before pass 2 resolves names (an alias body used by
 * several probes is resolved once per probe). */
struct expr *expr_clone(const struct expr *e);
struct stmt *stmt_clone(const struct stmt *s);
/* Whether pred holds for some expression in e or s (nested ones too). */
int expr_find(const struct expr *e, int (*pred)(const struct expr *));
int stmt_find(const struct stmt *s, int (*pred)(const struct expr *));

/* -p1 / -p2: print the script back in canonical form (with types when
 * they are known). */
void print_script(FILE *out, const struct script *s, int with_types);
void print_expr(struct strbuf *sb, const struct expr *e);

#endif
