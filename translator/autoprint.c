/* A global the script writes but never reads is shown when the script
 * ends, as SystemTap users expect: pass 2 parses the end probe written
 * here and adds it to the script.
 *
 *   count=0x2a                       a number, in hex
 *   name="bash"                      a string
 *   calls[3,"read"]=0x7              each element, largest value first
 *   times @count=3 @min=1 @max=9 @sum=12 @avg=4    a statistic
 */
#include "autoprint.h"

#include <stdlib.h>

/* "[%d,\"%s\"]" for the keys' types, and "__k1, __k2" for their names. */
static void key_format(const struct symbol *g, struct strbuf *fmt, struct strbuf *names)
{
	sb_addc(fmt, '[');
	for (int i = 0; i < g->nkeys; i++) {
		sb_add(fmt, i ? "," : "");
		sb_add(fmt, g->key_types[i] == TYPE_STRING ? "\\\"%s\\\"" : "%d");
		sb_printf(names, "%s__k%d", i ? ", " : "", i + 1);
	}
	sb_addc(fmt, ']');
}

/* printf(FORMAT, ARGS) for one value: `what` is the global, or the
 * element, being shown. */
static void print_value(struct strbuf *sb, const struct symbol *g, const char *fmt, const char *keys,
			const char *what)
{
	const char *comma = *keys ? ", " : "";

	if (g->type == TYPE_STATS) {
		sb_printf(sb, "printf(\"%s%s @count=%%d @min=%%d @max=%%d @sum=%%d @avg=%%d\\n\"%s%s", g->name,
			  fmt, comma, keys);
		sb_printf(sb, ", @count(%s), @min(%s), @max(%s), @sum(%s), @avg(%s))", what, what, what, what,
			  what);
	} else if (g->type == TYPE_STRING) {
		sb_printf(sb, "printf(\"%s%s=\\\"%%s\\\"\\n\"%s%s, %s)", g->name, fmt, comma, keys, what);
	} else {
		sb_printf(sb, "printf(\"%s%s=%%#x\\n\"%s%s, %s)", g->name, fmt, comma, keys, what);
	}
}

char *autoprint_text(const struct symbol *g)
{
	struct strbuf sb = {0}, fmt = {0}, keys = {0};
	char *element;

	sb_add(&sb, "probe end {\n\t");
	if (g->is_array) {
		key_format(g, &fmt, &keys);
		element = xasprintf("%s[%s]", g->name, keys.buf);
		sb_printf(&sb, "foreach ([%s] in %s-)\n\t\t", keys.buf, g->name);
		print_value(&sb, g, fmt.buf, keys.buf, element);
		free(element);
	} else {
		if (g->type == TYPE_STATS)
			sb_printf(&sb, "if (@count(%s) == 0)\n\t\tprintf(\"%s @count=0x0\\n\")\n\telse\n\t\t",
				  g->name, g->name);
		print_value(&sb, g, "", "", g->name);
	}
	sb_add(&sb, "\n}\n");
	free(fmt.buf);
	free(keys.buf);
	return sb_steal(&sb);
}
