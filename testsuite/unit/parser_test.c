/* Unit tests of the lexer and the parser.  Prints "ok NAME" or
 * "FAIL NAME" and details per test, then "done". */
#include "lexer.h"
#include "parse.h"

#include <string.h>

static int failures;
static char *test_args[] = { "42", "timer.ms(10)", "text" };
static struct pp_env test_env = {
	.kernel_release = "6.1.0-56-amd64", .arch = "x86_64", .runtime = "kernel",
	.systemtap_v = "5.0", .privilege = "stapdev", .args = test_args, .nargs = 3,
};

static void verdict(const char *name, int ok, const char *detail)
{
	if (ok) {
		printf("ok %s\n", name);
		return;
	}
	printf("FAIL %s\n%s\n", name, detail ? detail : "");
	failures++;
}

static struct source *source_of(const char *text)
{
	struct source *src = xcalloc(1, sizeof(*src));

	src->name = xstrdup("<test>");
	src->text = xstrdup(text);
	return src;
}

/* The tokens of text as "KIND:TEXT" words, or "ERROR" at a lexical error. */
static char *lex_all(const char *text)
{
	static const char kinds[] = "EINSOC";
	struct strbuf sb = {0};
	struct lexer lx;
	struct token tok;

	lexer_init(&lx, source_of(text));
	do {
		if (lexer_next(&lx, &tok) < 0) {
			sb_add(&sb, "ERROR");
			break;
		}
		if (tok.kind == TK_NUMBER)
			sb_printf(&sb, "N:%lld ", (long long)tok.num);
		else
			sb_printf(&sb, "%c:%s ", kinds[tok.kind], tok.text);
	} while (tok.kind != TK_EOF);
	return sb_steal(&sb);
}

static void expect_tokens(const char *name, const char *text, const char *want)
{
	char *got = lex_all(text);
	char *detail = xasprintf("  want: %s\n  got:  %s", want, got);

	verdict(name, !strcmp(got, want), detail);
}

/* Parses text and prints it back (-p1 form), or "ERROR". */
static char *parse_and_print(const char *text)
{
	struct script s;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	memset(&s, 0, sizeof(s));
	if (parse_source(&s, source_of(text), &test_env, NULL))
		return xstrdup("ERROR");
	f = open_memstream(&out, &len);
	print_script(f, &s, 0);
	fclose(f);
	return out;
}

static void expect_parse(const char *name, const char *text, const char *want)
{
	char *got = parse_and_print(text);
	char *detail = xasprintf("  want: %s\n  got:  %s", want, got);

	verdict(name, !strcmp(got, want), detail);
}

static void lexer_tests(void)
{
	expect_tokens("lex: identifiers and keywords", "probe begin",
		      "I:probe I:begin E:end of input ");
	expect_tokens("lex: decimal, hex and octal", "42 0x1F 017 0",
		      "N:42 N:31 N:15 N:0 E:end of input ");
	expect_tokens("lex: 64-bit numbers", "18446744073709551615",
		      "N:-1 E:end of input ");
	expect_tokens("lex: number too large", "18446744073709551616", "ERROR");
	expect_tokens("lex: malformed number", "12ab", "ERROR");
	expect_tokens("lex: string escapes", "\"a\\tb\\n\\\"q\\\"\\101\"",
		      "S:a\tb\n\"q\"A E:end of input ");
	expect_tokens("lex: unterminated string", "\"abc", "ERROR");
	expect_tokens("lex: comments", "a # one\nb // two\nc /* three\n */ d",
		      "I:a I:b I:c I:d E:end of input ");
	expect_tokens("lex: unterminated comment", "a /* b", "I:a ERROR");
	expect_tokens("lex: longest operator first", "a<<<b<<=c<=d.=e",
		      "I:a O:<<< I:b O:<<= I:c O:<= I:d O:.= I:e E:end of input ");
	expect_tokens("lex: target variables", "$var @cast",
		      "I:$var I:@cast E:end of input ");
	expect_tokens("lex: embedded C", "%{ int x; %}", "C: int x;  E:end of input ");
	expect_tokens("lex: stray character", "a ` b", "I:a ERROR");
}

static void parser_tests(void)
{
	expect_parse("parse: hello world", "probe begin { println(\"hello world\") exit() }",
		     "probe begin\n{\n  println(\"hello world\")\n  exit()\n}\n");
	expect_parse("parse: precedence of * over +", "probe begin { x = 1 + 2 * 3 }",
		     "probe begin\n{\n  x = 1 + (2 * 3)\n}\n");
	expect_parse("parse: left associativity", "probe begin { x = 1 - 2 - 3 }",
		     "probe begin\n{\n  x = (1 - 2) - 3\n}\n");
	expect_parse("parse: assignment is right associative", "probe begin { a = b = 1 }",
		     "probe begin\n{\n  a = b = 1\n}\n");
	expect_parse("parse: && binds tighter than ||", "probe begin { x = a || b && c }",
		     "probe begin\n{\n  x = a || (b && c)\n}\n");
	expect_parse("parse: comparison below concatenation", "probe begin { x = a . b == c }",
		     "probe begin\n{\n  x = (a . b) == c\n}\n");
	expect_parse("parse: unary operators", "probe begin { x = -a + !b }",
		     "probe begin\n{\n  x = (-a) + (!b)\n}\n");
	expect_parse("parse: ternary", "probe begin { x = a ? 1 : 2 }",
		     "probe begin\n{\n  x = a ? 1 : 2\n}\n");
	expect_parse("parse: increments", "probe begin { i++; --j }",
		     "probe begin\n{\n  i++;\n  --j\n}\n");
	expect_parse("parse: ';' where a statement could continue", "probe begin { a = b; -c; (d + 1) * 2 }",
		     "probe begin\n{\n  a = b;\n  -c;\n  (d + 1) * 2\n}\n");
	expect_parse("parse: if/else", "probe begin { if (a) b = 1 else { b = 2 } }",
		     "probe begin\n{\n  if (a)\n    b = 1\n  else {\n    b = 2\n  }\n}\n");
	expect_parse("parse: while and for", "probe begin { while (i < 3) i++ for (j = 0; j < 2; j++) ; }",
		     "probe begin\n{\n  while (i < 3)\n    i++\n  for (j = 0; j < 2; j++)\n    ;\n}\n");
	expect_parse("parse: globals with initializers", "global a, b = 5, c = \"s\", d = -1",
		     "global a\nglobal b = 5\nglobal c = \"s\"\nglobal d = -1\n");
	expect_parse("parse: typed function", "function f:long (a:long, b:string) { return a }",
		     "function f:long(a:long, b:string)\n{\n  return a\n}\n");
	expect_parse("parse: several probe points", "probe timer.ms(100), timer.s(2), end? {}",
		     "probe timer.ms(100), timer.s(2), end?\n{\n}\n");
	expect_parse("parse: adjacent strings join", "probe begin { print(\"a\" \"b\") }",
		     "probe begin\n{\n  print(\"ab\")\n}\n");
	expect_parse("parse: missing paren is an error", "probe begin { print(\"a\" }", "ERROR");
	expect_parse("parse: missing brace is an error", "probe begin { print(\"a\")", "ERROR");
	expect_parse("parse: assignment to a literal is an error", "probe begin { 1 = 2 }", "ERROR");
	expect_parse("parse: duplicate global is an error", "global a, a", "ERROR");
	expect_parse("parse: stray keyword is an error", "probe begin { else }", "ERROR");
}

static void preprocessor_tests(void)
{
	expect_parse("pp: true condition keeps THEN",
		     "probe begin { %( kernel_v >= \"5.4\" %? a = 1 %: a = 2 %) }",
		     "probe begin\n{\n  a = 1\n}\n");
	expect_parse("pp: false condition keeps ELSE",
		     "probe begin { %( kernel_v < \"6.1\" %? a = 1 %: a = 2 %) }",
		     "probe begin\n{\n  a = 2\n}\n");
	expect_parse("pp: versions compare by number", "probe begin { %( kernel_v > \"6.0.10\" %? a = 1 %: a = 2 %) }",
		     "probe begin\n{\n  a = 1\n}\n");
	expect_parse("pp: kernel_vr with a wildcard", "probe begin { %( kernel_vr == \"6.1.*-amd64\" %? a = 1 %) }",
		     "probe begin\n{\n  a = 1\n}\n");
	expect_parse("pp: no ELSE part", "probe begin { %( arch == \"arm*\" %? a = 1 %) b = 2 }",
		     "probe begin\n{\n  b = 2\n}\n");
	expect_parse("pp: && || and parentheses",
		     "probe begin { %( arch == \"x86_64\" && ($# == 3 || runtime == \"dyninst\") %? a = 1 %) }",
		     "probe begin\n{\n  a = 1\n}\n");
	expect_parse("pp: nested conditionals",
		     "probe begin { %( 1 == 1 %? %( 2 == 3 %? a = 1 %: a = 2 %) %: a = 3 %) }",
		     "probe begin\n{\n  a = 2\n}\n");
	expect_parse("pp: untaken branch may hold anything that lexes",
		     "%( 0 == 1 %? this is not a script %) probe end {}", "probe end\n{\n}\n");
	expect_parse("pp: conditional around top-level items",
		     "%( systemtap_v >= \"4.0\" %? probe begin {} %: probe end {} %)", "probe begin\n{\n}\n");
	expect_parse("pp: $N spliced as tokens, @N as a string",
		     "probe $2 { x = $1 * 2 s = @3 }",
		     "probe timer.ms(10)\n{\n  x = 42 * 2\n  s = \"text\"\n}\n");
	expect_parse("pp: argument out of range", "probe begin { x = $4 }", "ERROR");
	expect_parse("pp: macro without parameters", "@define one %( 1 %) probe begin { x = @one }",
		     "probe begin\n{\n  x = 1\n}\n");
	expect_parse("pp: macro with parameters",
		     "@define max(a, b) %( (@a > @b ? @a : @b) %) probe begin { x = @max(y, f(1, 2)) }",
		     "probe begin\n{\n  x = (y > f(1, 2)) ? y : f(1, 2)\n}\n");
	expect_parse("pp: macro with a conditional inside",
		     "@define which %( %( arch == \"x86_64\" %? \"x86\" %: \"other\" %) %) probe begin { s = @which }",
		     "probe begin\n{\n  s = \"x86\"\n}\n");
	expect_parse("pp: wrong macro argument count", "@define f(a) %( @a %) probe begin { x = @f(1, 2) }",
		     "ERROR");
	expect_parse("pp: self-expanding macro", "@define loop %( @loop %) probe begin { x = @loop }", "ERROR");
	expect_parse("pp: unknown condition", "probe begin { %( colour == \"red\" %? a = 1 %) }", "ERROR");
	expect_parse("pp: missing %)", "probe begin { %( 1 == 1 %? a = 1 }", "ERROR");
	expect_parse("pp: stray %?", "probe begin { %? }", "ERROR");
}

int main(void)
{
	lexer_tests();
	parser_tests();
	preprocessor_tests();
	printf("done\n");
	return failures != 0;
}
