/* POSIX extended regular expressions: a recursive-descent parser builds
 * a syntax tree, which is then compiled Thompson-style into a program for
 * the runtime's Pike VM (runtime/regex.c) and written out as C data. */
#include "regex.h"
#include "util.h"

#include <stdbool.h>
#include <string.h>

#define MAX_NESTING 100
#define MAX_TRACKED_GROUP 9	/* STP_REGEX_MAX_GROUP in runtime/regex.h */

struct byteset {
	uint32_t bits[8];
};

enum node_kind {
	N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_GROUP, N_REPEAT,
};

struct node {
	enum node_kind kind;
	int c;			/* N_CHAR */
	struct byteset set;	/* N_CLASS */
	int group;		/* N_GROUP */
	int min, max;		/* N_REPEAT; max -1 is unbounded */
	struct node *a, *b;
};

struct parser {
	const char *pat;
	int pos;
	int ngroups;
	int depth;
	char *error;
	VEC(struct node *) nodes;	/* all of them, to free */
};

struct regex_program {
	struct regex_insn *insns;
	int ninsns;
	bool overflow;		/* more than REGEX_MAX_INSNS were needed */
	VEC(struct byteset *) classes;
	int ngroups;
	char *pattern;
};

/* ---- byte sets ---- */

static void set_add(struct byteset *s, int c)
{
	s->bits[c >> 5] |= 1u << (c & 31);
}

static bool set_has(const struct byteset *s, int c)
{
	return s->bits[c >> 5] & (1u << (c & 31));
}

static void set_add_range(struct byteset *s, int lo, int hi)
{
	for (int c = lo; c <= hi; c++)
		set_add(s, c);
}

static void set_negate(struct byteset *s)
{
	for (int i = 0; i < 8; i++)
		s->bits[i] = ~s->bits[i];
	s->bits[0] &= ~1u;	/* NUL ends the text, it never matches */
}

/* The C locale's classes, spelled out so the host locale cannot matter. */
static bool in_named_class(const char *name, int c)
{
	bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
	bool digit = c >= '0' && c <= '9', graph = c > 0x20 && c < 0x7f;

	if (!strcmp(name, "alpha"))
		return upper || lower;
	if (!strcmp(name, "digit"))
		return digit;
	if (!strcmp(name, "alnum"))
		return upper || lower || digit;
	if (!strcmp(name, "upper"))
		return upper;
	if (!strcmp(name, "lower"))
		return lower;
	if (!strcmp(name, "space"))
		return c == ' ' || (c >= '\t' && c <= '\r');
	if (!strcmp(name, "punct"))
		return graph && !upper && !lower && !digit;
	if (!strcmp(name, "xdigit"))
		return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	if (!strcmp(name, "print"))
		return graph || c == ' ';
	if (!strcmp(name, "graph"))
		return graph;
	if (!strcmp(name, "cntrl"))
		return c < 0x20 || c == 0x7f;
	return c == ' ' || c == '\t';	/* blank */
}

static bool known_class(const char *name)
{
	static const char *const names[] = {
		"alpha", "digit", "alnum", "upper", "lower", "space",
		"punct", "xdigit", "print", "graph", "cntrl", "blank",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static void set_add_class(struct byteset *s, const char *name)
{
	for (int c = 1; c < 256; c++)
		if (in_named_class(name, c))
			set_add(s, c);
}

/* ---- parser ---- */

static struct node *new_node(struct parser *p, enum node_kind kind)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	vec_push(&p->nodes, n);
	return n;
}

static struct node *new_pair(struct parser *p, enum node_kind kind, struct node *a, struct node *b)
{
	struct node *n = new_node(p, kind);

	n->a = a;
	n->b = b;
	return n;
}

/* Records the first error only; returns NULL for the caller to pass on. */
static struct node *fail(struct parser *p, int offset, const char *msg)
{
	if (!p->error)
		p->error = xasprintf("%s at offset %d", msg, offset);
	return NULL;
}

static int peek(const struct parser *p)
{
	return (unsigned char)p->pat[p->pos];
}

static struct node *parse_alt(struct parser *p);

/* "[:name:]" inside a bracket expression, p->pos at its '['. */
static bool parse_named_class(struct parser *p, struct byteset *set)
{
	int start = p->pos;
	const char *end = strstr(p->pat + p->pos + 2, ":]");
	char *name;

	if (!end) {
		fail(p, start, "unmatched '[:'");
		return false;
	}
	name = xstrndup(p->pat + p->pos + 2, end - (p->pat + p->pos + 2));
	if (!known_class(name)) {
		char *msg = xasprintf("unknown character class '[:%s:]'", name);

		fail(p, start, msg);
		free(msg);
		free(name);
		return false;
	}
	set_add_class(set, name);
	free(name);
	p->pos = end + 2 - p->pat;
	return true;
}

/* One item of a bracket expression: a class, a byte or a range. */
static bool parse_bracket_item(struct parser *p, struct byteset *set)
{
	int start = p->pos, lo = peek(p), hi;

	if (lo == '[' && p->pat[p->pos + 1] == ':')
		return parse_named_class(p, set);
	if (lo == '[' && (p->pat[p->pos + 1] == '=' || p->pat[p->pos + 1] == '.')) {
		fail(p, start, "collating elements and equivalence classes are not supported");
		return false;
	}
	p->pos++;
	if (peek(p) != '-' || p->pat[p->pos + 1] == ']' || p->pat[p->pos + 1] == '\0') {
		set_add(set, lo);
		return true;
	}
	hi = (unsigned char)p->pat[p->pos + 1];
	if (hi == '[' && p->pat[p->pos + 2] == ':') {
		fail(p, p->pos + 1, "character class as range end");
		return false;
	}
	if (hi < lo) {
		char *msg = xasprintf("invalid range '%c-%c'", lo, hi);

		fail(p, start, msg);
		free(msg);
		return false;
	}
	set_add_range(set, lo, hi);
	p->pos += 2;
	return true;
}

/* "[...]" and "[^...]"; a ']' first in the list is a literal. */
static struct node *parse_bracket(struct parser *p)
{
	int start = p->pos++;
	bool negate = false, first = true;
	struct node *n = new_node(p, N_CLASS);

	if (peek(p) == '^') {
		negate = true;
		p->pos++;
	}
	for (;;) {
		if (peek(p) == '\0')
			return fail(p, start, "unmatched '['");
		if (peek(p) == ']' && !first)
			break;
		if (!parse_bracket_item(p, &n->set))
			return NULL;
		first = false;
	}
	p->pos++;
	if (negate)
		set_negate(&n->set);
	return n;
}

/* "\c": \d \w \s and their negations are classes, other
 * punctuation is literal; back-references and the like are refused. */
static struct node *parse_escape(struct parser *p)
{
	int start = p->pos, c = (unsigned char)p->pat[p->pos + 1];
	int lower = c | 0x20;
	struct node *n;

	if (c == '\0')
		return fail(p, start, "trailing backslash");
	p->pos += 2;
	if (lower == 'd' || lower == 'w' || lower == 's') {
		n = new_node(p, N_CLASS);
		set_add_class(&n->set, lower == 'd' ? "digit" : lower == 's' ? "space" : "alnum");
		if (lower == 'w')
			set_add(&n->set, '_');
		if (c != lower)
			set_negate(&n->set);
		return n;
	}
	if ((c >= '0' && c <= '9') || (lower >= 'a' && lower <= 'z')) {
		char *msg = xasprintf("unsupported escape '\\%c'", c);

		fail(p, start, msg);
		free(msg);
		return NULL;
	}
	n = new_node(p, N_CHAR);
	n->c = c;
	return n;
}

static struct node *parse_group(struct parser *p)
{
	int start = p->pos++;
	struct node *n = new_node(p, N_GROUP);

	if (++p->depth > MAX_NESTING)
		return fail(p, start, "groups nested too deeply");
	n->group = ++p->ngroups;
	n->a = parse_alt(p);
	if (!n->a)
		return NULL;
	if (peek(p) != ')')
		return fail(p, start, "unmatched '('");
	p->pos++;
	p->depth--;
	return n;
}

static struct node *parse_atom(struct parser *p)
{
	int c = peek(p);
	struct node *n;

	switch (c) {
	case '(':
		return parse_group(p);
	case '[':
		return parse_bracket(p);
	case '\\':
		return parse_escape(p);
	case '*': case '+': case '?': case '{': {
		char *msg = xasprintf("nothing to repeat before '%c'", c);

		fail(p, p->pos, msg);
		free(msg);
		return NULL;
	}
	}
	p->pos++;
	if (c == '.')
		return new_node(p, N_ANY);
	if (c == '^')
		return new_node(p, N_BOL);
	if (c == '$')
		return new_node(p, N_EOL);
	n = new_node(p, N_CHAR);
	n->c = c;
	return n;
}

/* Decimal count of a "{n,m}", at most REGEX_MAX_REPEAT; -1 if absent. */
static int parse_count(struct parser *p)
{
	int n = -1;

	while (peek(p) >= '0' && peek(p) <= '9') {
		n = (n < 0 ? 0 : n * 10) + (peek(p) - '0');
		if (n > REGEX_MAX_REPEAT)
			n = REGEX_MAX_REPEAT + 1;	/* no overflow on long digit runs */
		p->pos++;
	}
	return n;
}

/* "{n}", "{n,}" or "{n,m}", p->pos at the '{'. */
static bool parse_bound(struct parser *p, struct node *rep)
{
	int start = p->pos++;

	rep->min = parse_count(p);
	rep->max = rep->min;
	if (rep->min < 0) {
		fail(p, start, "invalid repetition count in '{'");
		return false;
	}
	if (peek(p) == ',') {
		p->pos++;
		rep->max = parse_count(p);
	}
	if (peek(p) != '}') {
		fail(p, start, "unmatched '{'");
		return false;
	}
	p->pos++;
	if (rep->min > REGEX_MAX_REPEAT || rep->max > REGEX_MAX_REPEAT) {
		fail(p, start, "repetition count exceeds 255");
		return false;
	}
	if (rep->max >= 0 && rep->max < rep->min) {
		fail(p, start, "invalid repetition range (min > max)");
		return false;
	}
	return true;
}

/* An atom and the quantifiers after it. */
static struct node *parse_repeat(struct parser *p)
{
	struct node *n = parse_atom(p);

	while (n && peek(p) && strchr("*+?{", peek(p))) {
		struct node *rep = new_node(p, N_REPEAT);
		int c = peek(p);

		rep->a = n;
		rep->min = c == '+' ? 1 : 0;
		rep->max = c == '?' ? 1 : -1;
		if (c == '{') {
			if (!parse_bound(p, rep))
				return NULL;
		} else {
			p->pos++;
		}
		n = rep;
	}
	return n;
}

static struct node *parse_concat(struct parser *p)
{
	struct node *seq = NULL;

	while (peek(p) && peek(p) != '|' && peek(p) != ')') {
		struct node *n = parse_repeat(p);

		if (!n)
			return NULL;
		seq = seq ? new_pair(p, N_CAT, seq, n) : n;
	}
	return seq ? seq : new_node(p, N_EMPTY);
}

static struct node *parse_alt(struct parser *p)
{
	struct node *n = parse_concat(p);

	while (n && peek(p) == '|') {
		struct node *b;

		p->pos++;
		b = parse_concat(p);
		n = b ? new_pair(p, N_ALT, n, b) : NULL;
	}
	return n;
}

/* ---- code generation ---- */

/* Appends an instruction; past the limit the last slot is reused, so
 * patching stays in bounds, and the overflow is reported later. */
static int emit(struct regex_program *prog, int op, int arg)
{
	int i = prog->ninsns;

	if (i == REGEX_MAX_INSNS) {
		prog->overflow = true;
		i--;
	} else {
		prog->ninsns++;
	}
	prog->insns[i] = (struct regex_insn){ .op = op, .arg = arg };
	return i;
}

static int class_index(struct regex_program *prog, const struct byteset *set)
{
	for (int i = 0; i < prog->classes.len; i++)
		if (!memcmp(prog->classes.items[i], set, sizeof(*set)))
			return i;
	struct byteset *copy = xmalloc(sizeof(*copy));

	*copy = *set;
	vec_push(&prog->classes, copy);
	return prog->classes.len - 1;
}

static void gen(struct regex_program *prog, const struct node *n);

/* a|b: split to a or b; a jumps over b. */
static void gen_alt(struct regex_program *prog, const struct node *n)
{
	int split = emit(prog, REGEX_SPLIT, 0), jmp;

	prog->insns[split].x = split + 1;
	gen(prog, n->a);
	jmp = emit(prog, REGEX_JMP, 0);
	prog->insns[split].y = prog->ninsns;
	gen(prog, n->b);
	prog->insns[jmp].x = prog->ninsns;
}

/* x{min,max}: min copies, then either a greedy loop (unbounded) or
 * max - min optional copies that all exit to the end. */
static void gen_repeat(struct regex_program *prog, const struct node *n)
{
	int i, split, splits[REGEX_MAX_REPEAT];

	for (i = 0; i < n->min && !prog->overflow; i++)
		gen(prog, n->a);
	if (n->max < 0) {
		split = emit(prog, REGEX_SPLIT, 0);
		prog->insns[split].x = split + 1;
		gen(prog, n->a);
		prog->insns[emit(prog, REGEX_JMP, 0)].x = split;
		prog->insns[split].y = prog->ninsns;
		return;
	}
	for (i = 0; i < n->max - n->min && !prog->overflow; i++) {
		splits[i] = emit(prog, REGEX_SPLIT, 0);
		prog->insns[splits[i]].x = splits[i] + 1;
		gen(prog, n->a);
	}
	while (i-- > 0)
		prog->insns[splits[i]].y = prog->ninsns;
}

static void gen(struct regex_program *prog, const struct node *n)
{
	if (prog->overflow)
		return;
	switch (n->kind) {
	case N_EMPTY:
		break;
	case N_CHAR:
		emit(prog, REGEX_CHAR, n->c);
		break;
	case N_ANY:
		emit(prog, REGEX_ANY, 0);
		break;
	case N_CLASS:
		prog->insns[emit(prog, REGEX_CLASS, 0)].x = class_index(prog, &n->set);
		break;
	case N_BOL:
		emit(prog, REGEX_BOL, 0);
		break;
	case N_EOL:
		emit(prog, REGEX_EOL, 0);
		break;
	case N_CAT:
		gen(prog, n->a);
		gen(prog, n->b);
		break;
	case N_ALT:
		gen_alt(prog, n);
		break;
	case N_GROUP:
		if (n->group > MAX_TRACKED_GROUP) {
			gen(prog, n->a);
			break;
		}
		emit(prog, REGEX_SAVE, 2 * n->group);
		gen(prog, n->a);
		emit(prog, REGEX_SAVE, 2 * n->group + 1);
		break;
	case N_REPEAT:
		gen_repeat(prog, n);
		break;
	}
}

/* ---- public interface ---- */

void regex_free(struct regex_program *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->classes.len; i++)
		free(p->classes.items[i]);
	free(p->classes.items);
	free(p->insns);
	free(p->pattern);
	free(p);
}

static void free_parser(struct parser *p)
{
	for (int i = 0; i < p->nodes.len; i++)
		free(p->nodes.items[i]);
	free(p->nodes.items);
}

static struct regex_program *generate(const char *pattern, const struct node *tree,
				      int ngroups, char **error)
{
	struct regex_program *prog = xcalloc(1, sizeof(*prog));

	prog->insns = xcalloc(REGEX_MAX_INSNS, sizeof(*prog->insns));
	prog->ngroups = ngroups;
	prog->pattern = xstrdup(pattern);
	emit(prog, REGEX_SAVE, 0);
	gen(prog, tree);
	emit(prog, REGEX_SAVE, 1);
	emit(prog, REGEX_MATCH, 0);
	if (prog->overflow) {
		*error = xasprintf("pattern too large (over %d instructions) at offset 0",
				   REGEX_MAX_INSNS);
		regex_free(prog);
		return NULL;
	}
	return prog;
}

struct regex_program *regex_compile(const char *pattern, char **error)
{
	struct parser p = { .pat = pattern };
	struct node *tree = parse_alt(&p);
	struct regex_program *prog = NULL;

	*error = NULL;
	if (tree && peek(&p) == ')')
		fail(&p, p.pos, "unmatched ')'");
	if (p.error)
		*error = p.error;
	else
		prog = generate(pattern, tree, p.ngroups, error);
	free_parser(&p);
	return prog;
}

int regex_ngroups(const struct regex_program *p)
{
	return p->ngroups;
}

int regex_ninsns(const struct regex_program *p)
{
	return p->ninsns;
}

const struct regex_insn *regex_insns(const struct regex_program *p)
{
	return p->insns;
}

int regex_nclasses(const struct regex_program *p)
{
	return p->classes.len;
}

const uint32_t *regex_class(const struct regex_program *p, int i)
{
	return p->classes.items[i]->bits;
}

/* ---- C output ---- */

/* A byte for a C comment: printable, never forming a comment delimiter. */
static void describe_byte(struct strbuf *sb, int c, int prev, int next)
{
	bool delim = (c == '/' && (prev == '*' || next == '*')) ||
		     (c == '*' && (prev == '/' || next == '/'));

	if (c < 0x20 || c > 0x7e || delim)
		sb_printf(sb, "\\x%02x", c);
	else
		sb_addc(sb, (char)c);
}

static void describe_text(struct strbuf *sb, const char *s)
{
	for (int i = 0; s[i]; i++)
		describe_byte(sb, (unsigned char)s[i], i ? (unsigned char)s[i - 1] : 0,
			      (unsigned char)s[i + 1]);
}

/* A class as its ranges, like "a-z0-9_"; "^..." when mostly set. */
static void describe_set(struct strbuf *sb, const uint32_t *bits)
{
	struct byteset s;
	int count = 0;

	memcpy(s.bits, bits, sizeof(s.bits));
	for (int c = 0; c < 256; c++)
		count += set_has(&s, c);
	if (count > 128) {
		sb_addc(sb, '^');
		set_negate(&s);
	}
	for (int c = 1; c < 256; c++) {
		int end = c;

		if (!set_has(&s, c))
			continue;
		while (end < 255 && set_has(&s, end + 1))
			end++;
		describe_byte(sb, c, ' ', ' ');
		if (end > c) {
			sb_addc(sb, '-');
			describe_byte(sb, end, ' ', ' ');
		}
		c = end;
	}
}

static const char *const op_names[] = {
	"STP_RX_CHAR", "STP_RX_ANY", "STP_RX_CLASS", "STP_RX_SPLIT", "STP_RX_JMP",
	"STP_RX_SAVE", "STP_RX_BOL", "STP_RX_EOL", "STP_RX_MATCH",
};

static void describe_insn(struct strbuf *sb, const struct regex_program *p, int i)
{
	const struct regex_insn *in = &p->insns[i];

	sb_printf(sb, "%d: ", i);
	switch (in->op) {
	case REGEX_CHAR:
		sb_add(sb, "char '");
		describe_byte(sb, in->arg, ' ', ' ');
		sb_printf(sb, "' -> %d", i + 1);
		break;
	case REGEX_ANY:
		sb_printf(sb, "any -> %d", i + 1);
		break;
	case REGEX_CLASS:
		sb_printf(sb, "class %d [", in->x);
		describe_set(sb, regex_class(p, in->x));
		sb_printf(sb, "] -> %d", i + 1);
		break;
	case REGEX_SPLIT:
		sb_printf(sb, "split -> %d, %d", in->x, in->y);
		break;
	case REGEX_JMP:
		sb_printf(sb, "jmp -> %d", in->x);
		break;
	case REGEX_SAVE:
		sb_printf(sb, "save group %d %s -> %d", in->arg / 2,
			  in->arg % 2 ? "end" : "start", i + 1);
		break;
	case REGEX_BOL:
		sb_printf(sb, "at start -> %d", i + 1);
		break;
	case REGEX_EOL:
		sb_printf(sb, "at end -> %d", i + 1);
		break;
	default:
		sb_add(sb, "match");
	}
}

static void emit_classes(struct strbuf *sb, const struct regex_program *p, const char *name)
{
	if (!p->classes.len)
		return;
	sb_printf(sb, "static const u32 %s_classes[%d][8] = {\n", name, p->classes.len);
	for (int i = 0; i < p->classes.len; i++) {
		const uint32_t *bits = regex_class(p, i);

		sb_add(sb, "\t{ ");
		for (int w = 0; w < 8; w++)
			sb_printf(sb, "0x%08x,%s", (unsigned)bits[w], w < 7 ? " " : "");
		sb_printf(sb, " },\t/* %d: [", i);
		describe_set(sb, bits);
		sb_add(sb, "] */\n");
	}
	sb_add(sb, "};\n");
}

char *regex_emit_c(const struct regex_program *p, const char *name)
{
	struct strbuf sb = { 0 };

	sb_add(&sb, "/* regex \"");
	describe_text(&sb, p->pattern);
	sb_printf(&sb, "\": %d instructions, %d groups */\n", p->ninsns, p->ngroups);
	emit_classes(&sb, p, name);
	sb_printf(&sb, "static const struct stp_regex_insn %s_insns[%d] = {\n", name, p->ninsns);
	for (int i = 0; i < p->ninsns; i++) {
		const struct regex_insn *in = &p->insns[i];

		sb_printf(&sb, "\t{ %s, %d, %d, %d },\t/* ", op_names[in->op], in->arg, in->x, in->y);
		describe_insn(&sb, p, i);
		sb_add(&sb, " */\n");
	}
	sb_add(&sb, "};\n");
	sb_printf(&sb, "static const struct stp_regex %s = {\n", name);
	sb_printf(&sb, "\t.insns = %s_insns,\n", name);
	sb_printf(&sb, "\t.classes = %s%s,\n", p->classes.len ? name : "NULL",
		  p->classes.len ? "_classes" : "");
	sb_printf(&sb, "\t.ninsns = %d,\n\t.ngroups = %d,\n};\n", p->ninsns, p->ngroups);
	sb_printf(&sb, "enum { %s_WORK_SIZE = STP_REGEX_WORK_SIZE(%d, %d) };\n",
		  name, p->ninsns, p->ngroups);
	return sb_steal(&sb);
}
