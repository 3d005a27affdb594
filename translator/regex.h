/* Regular expressions for `=~`, `!~` and matched(n): POSIX extended
 * syntax, compiled at translation time into a program for the runtime's
 * Pike VM (runtime/regex.h), and emitted as static const C data. */
#ifndef REGEX_H
#define REGEX_H

#include <stdint.h>

/* Programs larger than this are refused: the runtime workspace grows
 * with the instruction count. */
#define REGEX_MAX_INSNS 1024
#define REGEX_MAX_REPEAT 255

/* Same order and meaning as enum stp_regex_op in runtime/regex.h. */
enum regex_op {
	REGEX_CHAR, REGEX_ANY, REGEX_CLASS, REGEX_SPLIT, REGEX_JMP,
	REGEX_SAVE, REGEX_BOL, REGEX_EOL, REGEX_MATCH,
};

struct regex_insn {
	int op, arg, x, y;
};

struct regex_program;

/* NULL and a malloc'd "MESSAGE at offset N" in *error on a bad pattern. */
struct regex_program *regex_compile(const char *pattern, char **error);
void regex_free(struct regex_program *p);

/* Capture groups, not counting group 0; matched(n) sees up to 9. */
int regex_ngroups(const struct regex_program *p);
int regex_ninsns(const struct regex_program *p);
const struct regex_insn *regex_insns(const struct regex_program *p);
int regex_nclasses(const struct regex_program *p);
/* Class i: 256 bits, bit c in word c / 32. */
const uint32_t *regex_class(const struct regex_program *p, int i);

/* malloc'd C source: `static const struct stp_regex NAME = {...};`, its
 * arrays NAME_insns and NAME_classes, and the constant NAME_WORK_SIZE,
 * the bytes of int-aligned workspace stp_regex_match() needs. */
char *regex_emit_c(const struct regex_program *p, const char *name);

#endif
