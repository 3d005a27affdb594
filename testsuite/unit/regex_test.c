/* Unit tests of the regex compiler (translator/regex.c) and of the VM
 * that runs its programs (runtime/regex.c, built here in user space).
 * Prints "ok NAME" or "FAIL NAME" and details per test, then "done".
 * `regex_test --emit PATTERN` prints the C the translator would emit. */
#include "regex.h"
#include "util.h"

/* glibc's POSIX regex, for the cross-check; by path, since -Itranslator
 * makes <regex.h> name translator/regex.h. */
#include "/usr/include/regex.h"
#include <string.h>
#include <time.h>

#include "../../runtime/regex.c"

_Static_assert((int)REGEX_CHAR == (int)STP_RX_CHAR && (int)REGEX_CLASS == (int)STP_RX_CLASS &&
	       (int)REGEX_SAVE == (int)STP_RX_SAVE && (int)REGEX_MATCH == (int)STP_RX_MATCH,
	       "translator and runtime opcodes differ");
_Static_assert(STP_REGEX_MAX_GROUP == 9, "matched() covers groups 0..9");

static int failures;

static void verdict(const char *name, int ok, const char *detail)
{
	if (ok) {
		printf("ok %s\n", name);
		return;
	}
	printf("FAIL %s\n%s\n", name, detail ? detail : "");
	failures++;
}

/* A compiled pattern in the runtime's form, as the emitted C would be. */
struct loaded {
	struct regex_program *prog;
	struct stp_regex re;
	struct stp_regex_insn *insns;
	u32 (*classes)[8];
};

static int load(struct loaded *l, const char *pattern, char **error)
{
	const struct regex_insn *in;
	int n;

	memset(l, 0, sizeof(*l));
	l->prog = regex_compile(pattern, error);
	if (!l->prog)
		return -1;
	n = regex_ninsns(l->prog);
	in = regex_insns(l->prog);
	l->insns = xcalloc(n, sizeof(*l->insns));
	for (int i = 0; i < n; i++)
		l->insns[i] = (struct stp_regex_insn){ in[i].op, in[i].arg, in[i].x, in[i].y };
	l->classes = xcalloc(regex_nclasses(l->prog) + 1, sizeof(*l->classes));
	for (int i = 0; i < regex_nclasses(l->prog); i++)
		memcpy(l->classes[i], regex_class(l->prog, i), sizeof(l->classes[i]));
	l->re = (struct stp_regex){ l->insns, (const u32 (*)[8])l->classes, n,
				    regex_ngroups(l->prog) };
	return 0;
}

static void unload(struct loaded *l)
{
	regex_free(l->prog);
	free(l->insns);
	free(l->classes);
}

/* Exactly the advertised workspace, on the heap so ASan sees overruns. */
static bool run(const struct loaded *l, const char *text, struct stp_regex_match *m)
{
	void *work = xmalloc(STP_REGEX_WORK_SIZE(l->re.ninsns, l->re.ngroups));
	bool found = stp_regex_match(&l->re, text, work, m);

	free(work);
	return found;
}

/* "0,3 1,2 ?": spans of groups 0.. in order, "?" not checked, "-" no
 * match expected. */
static void spans_of(struct strbuf *sb, const struct stp_regex_match *m, int n)
{
	for (int g = 0; g < n && g <= STP_REGEX_MAX_GROUP; g++)
		sb_printf(sb, "%s%d,%d", g ? " " : "", m->start[g], m->end[g]);
}

static bool spans_agree(const char *want, const struct stp_regex_match *m)
{
	int g = 0;

	for (const char *w = want; *w; g++) {
		int s, e, used = 0;

		if (*w == '?') {
			used = 1;
		} else if (sscanf(w, "%d,%d%n", &s, &e, &used) != 2 || g > STP_REGEX_MAX_GROUP ||
			   m->start[g] != s || m->end[g] != e) {
			return false;
		}
		w += used;
		while (*w == ' ')
			w++;
	}
	return true;
}

struct match_case {
	const char *name, *pattern, *text, *want;
};

static const struct match_case match_cases[] = {
	{ "literal", "abc", "xabcx", "1,4" },
	{ "literal_miss", "abc", "abx", "-" },
	{ "empty_pattern", "", "abc", "0,0" },
	{ "empty_both", "", "", "0,0" },
	{ "char_on_empty", "a", "", "-" },
	{ "dot", "a.c", "abc", "0,3" },
	{ "dot_needs_char", "a.c", "ac", "-" },
	{ "dot_newline", "a.c", "a\nc", "0,3" },
	{ "bol", "^abc", "abcabc", "0,3" },
	{ "bol_miss", "^abc", "xabc", "-" },
	{ "eol", "abc$", "abcabc", "3,6" },
	{ "eol_miss", "abc$", "abcx", "-" },
	{ "bol_eol_empty", "^$", "", "0,0" },
	{ "bol_eol_miss", "^$", "a", "-" },
	{ "bol_alone", "^", "abc", "0,0" },
	{ "eol_alone", "$", "abc", "3,3" },
	{ "bol_inside", "a^b", "a^b", "-" },
	{ "bol_in_repeat", "(^a)+", "aa", "0,1 0,1" },
	{ "eol_in_group", "(a$|ab)", "xab", "1,3 1,3" },
	{ "star_eol", "x*$", "abxx", "2,4" },
	{ "alt", "cat|dog", "hotdog", "3,6" },
	{ "alt_longest", "a|ab", "abc", "0,2" },
	{ "alt_longest2", "ab|a", "abc", "0,2" },
	{ "alt_groups", "(a|ab)(c|bcd)", "abcd", "0,4 0,1 1,4" },
	{ "alt_three", "x(a|b|c)y", "xby", "0,3 1,2" },
	{ "alt_empty_branch", "(|a)b", "ab", "0,2 0,1" },
	{ "alt_leftmost", "a|b+", "bbba", "0,3" },
	{ "alt_later", "(a|b)*c|d", "xabd", "3,4 -1,-1" },
	{ "groups_seq", "(a)(b)(c)", "abc", "0,3 0,1 1,2 2,3" },
	{ "groups_nested", "((a)b)c", "abc", "0,3 0,2 0,1" },
	{ "groups_deep", "(a(b(c)))", "abc", "0,3 0,3 1,3 2,3" },
	{ "group_unused", "(a)|(b)", "b", "0,1 -1,-1 0,1" },
	{ "group_star", "(a*)b", "aaab", "0,4 0,3" },
	{ "group_greedy", "(a*)(a*)", "aaa", "0,3 0,3 3,3" },
	{ "group_last_iter", "(a|b)*", "abab", "0,4 3,4" },
	{ "group_plus", "(a+)(b+)", "xaabbby", "1,6 1,3 3,6" },
	{ "group_empty", "()", "x", "0,0 0,0" },
	{ "group_optional", "(a)?b", "b", "0,1 -1,-1" },
	{ "group_nested_star", "(a(b)*)*", "abbab", "0,5 3,5 4,5" },
	{ "group_opt_tail", "(ab|a)(bc|c)?", "abc", "0,3 0,2 2,3" },
	{ "group_more_than_9", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", "abcdefghijk",
	  "0,11 0,1 1,2 2,3 3,4 4,5 5,6 6,7 7,8 8,9" },
	{ "star_zero", "ab*c", "ac", "0,2" },
	{ "star_many", "ab*c", "abbbc", "0,5" },
	{ "plus_zero", "ab+c", "ac", "-" },
	{ "plus_two", "ab+c", "abbc", "0,4" },
	{ "quest_one", "ab?c", "abc", "0,3" },
	{ "quest_two", "ab?c", "abbc", "-" },
	{ "star_empty_at_0", "a*", "bbb", "0,0" },
	{ "star_prefix", "a*", "aaab", "0,3" },
	{ "star_star", "a**", "aa", "0,2" },
	{ "leftmost", "b+", "abbbcbb", "1,4" },
	{ "bound_exact", "a{3}", "aaaa", "0,3" },
	{ "bound_exact_miss", "a{3}", "aa", "-" },
	{ "bound_min", "a{2,}", "aaaaa", "0,5" },
	{ "bound_min_miss", "a{2,}", "a", "-" },
	{ "bound_range", "a{2,3}", "aaaa", "0,3" },
	{ "bound_range_anch_miss", "^a{2,3}$", "aaaa", "-" },
	{ "bound_range_anch", "^a{2,3}$", "aaa", "0,3" },
	{ "bound_zero", "a{0}b", "ab", "1,2" },
	{ "bound_group", "(ab){2}", "ababab", "0,4 2,4" },
	{ "bound_0_1", "a{0,1}b", "b", "0,1" },
	{ "bound_alt", "(a|b){1,3}c", "ababc", "1,5 3,4" },
	{ "bound_0_comma", "x{0,}y", "xxy", "0,3" },
	{ "class_set", "[abc]+", "xxbcay", "2,5" },
	{ "class_range", "[a-z]+", "ABcdeF", "2,5" },
	{ "class_negated", "[^a-z]+", "abcDEF1g", "3,7" },
	{ "class_digit", "[[:digit:]]+", "abc123def", "3,6" },
	{ "class_alpha", "[[:alpha:]]+", "12ab34", "2,4" },
	{ "class_alnum_extra", "[[:alnum:]_]+", "--a_1--", "2,5" },
	{ "class_upper", "[[:upper:]]", "abcD", "3,4" },
	{ "class_lower", "[[:lower:]]+", "ABcd", "2,4" },
	{ "class_space", "[[:space:]]+", "a \t\nb", "1,4" },
	{ "class_punct", "[[:punct:]]+", "ab!?.c", "2,5" },
	{ "class_xdigit", "[[:xdigit:]]+", "xyzBEEF", "3,7" },
	{ "class_print", "[[:print:]]+", "\001ab c\002", "1,5" },
	{ "class_graph", "[[:graph:]]+", " ab c", "1,3" },
	{ "class_cntrl", "[[:cntrl:]]", "ab\177", "2,3" },
	{ "class_blank", "[[:blank:]]+", "a \t\nb", "1,3" },
	{ "class_bracket_first", "[]a]+", "x]a]y", "1,4" },
	{ "class_neg_bracket_first", "[^]a]+", "]]bc]", "2,4" },
	{ "class_dash_last", "[a-]+", "x-a-y", "1,4" },
	{ "class_dash_first", "[-a]", "x-", "1,2" },
	{ "class_dot_literal", "[.]", "a.b", "1,2" },
	{ "class_backslash_literal", "[\\]", "a\\b", "1,2" },
	{ "class_neg_named", "[^[:digit:]]+", "12ab3", "2,4" },
	{ "class_mixed", "[[:digit:]a-c]+", "x1a2dz", "1,4" },
	{ "class_high_bytes", "[\x80-\xff]+", "a\xc3\xa9z", "1,3" },
	{ "class_neg_matches_high", "[^a]", "a\xff", "1,2" },
	{ "escape_dot", "a\\.b", "axb a.b", "4,7" },
	{ "escape_parens", "\\(x\\)", "(x)", "0,3" },
	{ "escape_star", "\\*", "a*", "1,2" },
	{ "escape_backslash", "\\\\", "a\\", "1,2" },
	{ "escape_shorthands", "\\d+\\s\\w+", "x 12 ab_c", "2,9" },
	{ "escape_neg_shorthand", "\\D+", "12ab3", "2,4" },
	{ "escape_bar", "a\\|b", "a|b", "0,3" },
	{ "escape_caret", "\\^a", "b^a", "1,3" },
	{ "escape_dollar", "\\$", "a$b", "1,2" },
	{ "escape_braces", "a\\{2\\}", "a{2}", "0,4" },
	{ "close_brace_literal", "}", "a}", "1,2" },
	{ "close_bracket_literal", "]", "a]", "1,2" },
	{ "empty_star_group", "(x*)(y*)", "z", "0,0 0,0 0,0" },
	{ "empty_plus_group", "(a*)+", "b", "0,0 0,0" },
	{ "nullable_loop", "(a*)*b", "aab", "0,3 ?" },
	{ "last_iteration_kept", "((a)|b)+", "ab", "0,2 1,2 ?" },
	{ "longest_across_starts", "abcd|c", "abcd", "0,4" },
	{ "later_longer_same_start", "a|abc|ab", "abcx", "0,3" },
};

static void test_matches(void)
{
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		struct stp_regex_match m;
		struct strbuf sb = { 0 };
		struct loaded l;
		char *error;
		bool found, ok;

		if (load(&l, c->pattern, &error)) {
			sb_printf(&sb, "  compile error: %s", error);
			verdict(c->name, 0, sb.buf);
			free(error);
			free(sb.buf);
			continue;
		}
		found = run(&l, c->text, &m);
		ok = !strcmp(c->want, "-") ? !found : found && spans_agree(c->want, &m);
		sb_printf(&sb, "  /%s/ want %s got %s", c->pattern, c->want, found ? "" : "no match");
		if (found)
			spans_of(&sb, &m, m.ngroups + 1);
		verdict(c->name, ok, sb.buf);
		free(sb.buf);
		unload(&l);
	}
}

struct error_case {
	const char *pattern, *want;
};

static const struct error_case error_cases[] = {
	{ "(ab", "unmatched '(' at offset 0" },
	{ "a(b(c)", "unmatched '(' at offset 1" },
	{ "ab)", "unmatched ')' at offset 2" },
	{ "[ab", "unmatched '[' at offset 0" },
	{ "[]", "unmatched '[' at offset 0" },
	{ "*a", "nothing to repeat before '*' at offset 0" },
	{ "a|+b", "nothing to repeat before '+' at offset 2" },
	{ "(?a)", "nothing to repeat before '?' at offset 1" },
	{ "a{2,1}", "invalid repetition range (min > max) at offset 1" },
	{ "a{256}", "repetition count exceeds 255 at offset 1" },
	{ "a{1,99999999999}", "repetition count exceeds 255 at offset 1" },
	{ "a{2", "unmatched '{' at offset 1" },
	{ "a{x}", "invalid repetition count in '{' at offset 1" },
	{ "[[:foo:]]", "unknown character class '[:foo:]' at offset 1" },
	{ "[[:alpha:", "unmatched '[:' at offset 1" },
	{ "[z-a]", "invalid range 'z-a' at offset 1" },
	{ "[[=a=]]", "collating elements and equivalence classes are not supported at offset 1" },
	{ "ab\\", "trailing backslash at offset 2" },
	{ "(a)\\1", "unsupported escape '\\1' at offset 3" },
	{ "\\b", "unsupported escape '\\b' at offset 0" },
	{ "(a{255}){255}", "pattern too large (over 1024 instructions) at offset 0" },
	{ "((((a{255}){255}){255}){255}){255}", "pattern too large (over 1024 instructions) at offset 0" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];
		char *error = NULL, *name = xasprintf("error_%zu", i);
		struct regex_program *p = regex_compile(c->pattern, &error);
		char *detail = xasprintf("  /%s/ want \"%s\" got \"%s\"", c->pattern, c->want,
					 error ? error : "(compiled)");

		verdict(name, !p && error && !strcmp(error, c->want), detail);
		regex_free(p);
		free(error);
		free(detail);
		free(name);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Texts of MAXSTRINGLEN - 1 bytes; patterns that blow up backtracking. */
static void test_long(const char *name, const char *pattern, char fill, const char *tail,
		      const char *want)
{
	char text[512], *error, *detail;
	struct stp_regex_match m;
	struct loaded l;
	double t;
	bool found, ok;

	memset(text, fill, sizeof(text));
	strcpy(text + sizeof(text) - 1 - strlen(tail), tail);
	if (load(&l, pattern, &error)) {
		verdict(name, 0, error);
		free(error);
		return;
	}
	t = now();
	found = run(&l, text, &m);
	t = now() - t;
	ok = (!strcmp(want, "-") ? !found : found && spans_agree(want, &m)) && t < 1.0;
	detail = xasprintf("  /%s/ want %s got %s %d,%d in %.3fs", pattern, want,
			   found ? "match" : "no match", m.start[0], m.end[0], t);
	verdict(name, ok, detail);
	free(detail);
	unload(&l);
}

static void test_long_texts(void)
{
	test_long("pathological_nested_star", "(a*)*b", 'a', "", "-");
	test_long("pathological_nested_star_hit", "(a*)*b", 'a', "b", "0,511 ?");
	test_long("pathological_alt_star", "(a|aa)*c", 'a', "", "-");
	test_long("pathological_plus_plus", "(x+x+)+y", 'x', "", "-");
	test_long("pathological_bounded", "(a?){200}a{200}$", 'a', "", "111,511 ?");
	test_long("bound_255", "^a{255}", 'a', "", "0,255");
	test_long("bound_0_255", "a{0,255}b", 'a', "b", "255,511");
	test_long("dot_star_all", ".*", 'q', "", "0,511");
	test_long("class_star_tail", "[a-c]*z$", 'b', "z", "0,511");
}

/* ---- cross-check with glibc ---- */

static unsigned rng_state = 12345;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 1103515245 + 12345;
	return (rng_state >> 16) % n;
}

static void gen_alt(struct strbuf *sb, int depth);

static void gen_atom(struct strbuf *sb, int depth)
{
	static const char *const atoms[] = { "a", "b", "c", ".", "[ab]", "[^a]", "[b-c]", "a" };

	if (depth > 0 && rnd(4) == 0) {
		sb_addc(sb, '(');
		gen_alt(sb, depth - 1);
		sb_addc(sb, ')');
		return;
	}
	sb_add(sb, atoms[rnd(8)]);
}

static void gen_piece(struct strbuf *sb, int depth)
{
	static const char *const quants[] = {
		"", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "{1,3}",
	};

	gen_atom(sb, depth);
	sb_add(sb, quants[rnd(10)]);
}

/* Anchors only at the top: glibc mishandles '^' in repeated groups
 * (it matches "(^a)+" against all of "aa"). */
static void gen_branch(struct strbuf *sb, int depth, bool top)
{
	int n = 1 + rnd(3);

	if (top && rnd(6) == 0)
		sb_addc(sb, '^');
	while (n--)
		gen_piece(sb, depth);
	if (top && rnd(6) == 0)
		sb_addc(sb, '$');
}

static void gen_alt_top(struct strbuf *sb, int depth, bool top)
{
	gen_branch(sb, depth, top);
	while (rnd(3) == 0) {
		sb_addc(sb, '|');
		gen_branch(sb, depth, top);
	}
}

static void gen_alt(struct strbuf *sb, int depth)
{
	gen_alt_top(sb, depth, false);
}

static void gen_text(char *text)
{
	int n = rnd(9);

	for (int i = 0; i < n; i++)
		text[i] = "abc"[rnd(3)];
	text[n] = '\0';
}

struct cross_stats {
	int pairs, disagree, group_pairs, group_diffs;
	struct strbuf report;
};

/* Match/no-match and the whole-match span must agree; group spans are
 * counted, since POSIX subexpression rules differ from ours. */
static void cross_check_one(struct cross_stats *st, const char *pattern, regex_t *posix,
			    const struct loaded *l, const char *text)
{
	regmatch_t pm[STP_REGEX_MAX_GROUP + 1];
	struct stp_regex_match m;
	bool found = run(l, text, &m);
	/* Only the whole match first: glibc's group search can take
	 * exponential time on the bigger random patterns. */
	bool pfound = !regexec(posix, text, 1, pm, 0);
	int ng = l->re.ngroups < STP_REGEX_MAX_GROUP ? l->re.ngroups : STP_REGEX_MAX_GROUP;

	st->pairs++;
	if (found != pfound || (found && (m.start[0] != pm[0].rm_so || m.end[0] != pm[0].rm_eo))) {
		if (st->disagree++ < 20)
			sb_printf(&st->report, "  /%s/ on \"%s\": ours %d,%d glibc %d,%d\n",
				  pattern, text, found ? m.start[0] : -1, found ? m.end[0] : -1,
				  pfound ? (int)pm[0].rm_so : -1, pfound ? (int)pm[0].rm_eo : -1);
		return;
	}
	if (!found || ng == 0 || strlen(pattern) > 24 ||
	    regexec(posix, text, STP_REGEX_MAX_GROUP + 1, pm, 0))
		return;
	st->group_pairs++;
	for (int g = 1; g <= ng; g++)
		if (m.start[g] != pm[g].rm_so || m.end[g] != pm[g].rm_eo) {
			if (st->group_diffs++ < 3)
				printf("# group %d of /%s/ on \"%s\": ours %d,%d glibc %d,%d\n",
				       g, pattern, text, m.start[g], m.end[g],
				       (int)pm[g].rm_so, (int)pm[g].rm_eo);
			break;
		}
}

static void test_cross_check(const char *name, int depth, int npatterns)
{
	struct cross_stats st = { 0 };
	char *detail;

	for (int i = 0; i < npatterns; i++) {
		struct strbuf pat = { 0 };
		struct loaded l;
		regex_t posix;
		char *error, text[16];

		gen_alt_top(&pat, depth, true);
		if (load(&l, pat.buf, &error)) {
			sb_printf(&st.report, "  /%s/ ours: %s\n", pat.buf, error);
			st.disagree++;
			free(error);
		} else if (regcomp(&posix, pat.buf, REG_EXTENDED)) {
			sb_printf(&st.report, "  /%s/ glibc refused it\n", pat.buf);
			unload(&l);
		} else {
			for (int t = 0; t < 6; t++) {
				gen_text(text);
				cross_check_one(&st, pat.buf, &posix, &l, text);
			}
			regfree(&posix);
			unload(&l);
		}
		free(pat.buf);
	}
	printf("# %s: %d pairs, %d disagreements; group spans differ in %d of %d\n",
	       name, st.pairs, st.disagree, st.group_diffs, st.group_pairs);
	detail = st.report.buf ? st.report.buf : "";
	verdict(name, st.disagree == 0, detail);
	free(st.report.buf);
}

/* ---- C output ---- */

static void test_emit(void)
{
	struct regex_program *p = regex_compile("a(b|[0-9])*/*x", &(char *){ NULL });
	char *c = regex_emit_c(p, "stp_rx_1");
	const char *after = strstr(c, "*/\n");

	verdict("emit_struct", strstr(c, "static const struct stp_regex stp_rx_1 = {") != NULL, c);
	verdict("emit_insn_comment", strstr(c, "/* 1: char 'a' -> 2 */") != NULL, c);
	verdict("emit_class", strstr(c, "stp_rx_1_classes[1][8]") && strstr(c, "[0-9]"), c);
	verdict("emit_work_size",
		strstr(c, "enum { stp_rx_1_WORK_SIZE = STP_REGEX_WORK_SIZE(") != NULL, c);
	/* The pattern's own "*" "/" must not end the header comment early. */
	verdict("emit_comment_safe", after && !strstr(c, "*/*") && strstr(c, "\\x2f"), c);
	verdict("ngroups", regex_ngroups(p) == 1, NULL);
	free(c);
	regex_free(p);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--emit")) {
		char *error;
		struct regex_program *p = regex_compile(argv[2], &error);

		if (!p) {
			fprintf(stderr, "%s\n", error);
			return 1;
		}
		char *c = regex_emit_c(p, "stp_rx_test");

		fputs(c, stdout);
		free(c);
		regex_free(p);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);	/* a hang still shows progress */
	test_matches();
	test_errors();
	test_long_texts();
	test_cross_check("glibc_cross_check_deep", 2, 600);
	test_cross_check("glibc_cross_check_short", 1, 600);
	test_emit();
	printf("done\n");
	return failures != 0;
}
