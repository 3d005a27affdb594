/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compiled regular expressions for `=~`, `!~` and matched(n).
 *
 * The translator compiles each pattern into a program for a Pike VM
 * (a Thompson NFA simulation that carries capture slots per thread) and
 * emits it as static const data; regex.c only runs it.  Running needs no
 * allocation and no recursion: the caller passes a workspace of
 * STP_REGEX_WORK_SIZE(ninsns, ngroups) bytes, aligned like an int.
 *
 * Also compiles in user space (for the unit test): define the types
 * below before including it there.
 */
#ifndef STP_REGEX_H
#define STP_REGEX_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#endif

/* Groups 0..STP_REGEX_MAX_GROUP are tracked; higher ones only group. */
#define STP_REGEX_MAX_GROUP 9

enum stp_regex_op {
	STP_RX_CHAR,	/* text byte == arg, then next */
	STP_RX_ANY,	/* any byte, then next */
	STP_RX_CLASS,	/* byte in classes[x], then next */
	STP_RX_SPLIT,	/* go to x, else (lower priority) to y */
	STP_RX_JMP,	/* go to x */
	STP_RX_SAVE,	/* capture slot arg = position, then next */
	STP_RX_BOL,	/* at position 0, then next */
	STP_RX_EOL,	/* at the end of the text, then next */
	STP_RX_MATCH,	/* success */
};

struct stp_regex_insn {
	u8 op;
	u8 arg;
	u16 x;
	u16 y;
};

struct stp_regex {
	const struct stp_regex_insn *insns;
	const u32 (*classes)[8];	/* 256-bit byte sets, bit c of word c/32 */
	u16 ninsns;
	u16 ngroups;			/* capture groups, not counting group 0 */
};

/* Offsets of the last successful match; -1 for groups that took no part. */
struct stp_regex_match {
	int start[STP_REGEX_MAX_GROUP + 1];
	int end[STP_REGEX_MAX_GROUP + 1];
	int ngroups;		/* as in the program, may exceed the tracked 9 */
	const char *text;
};

/* Capture slots each thread carries: start and end of groups 0..9. */
#define STP_REGEX_SLOTS(ngroups) \
	(2 * ((ngroups) < STP_REGEX_MAX_GROUP ? (ngroups) + 1 : STP_REGEX_MAX_GROUP + 1))

/*
 * Workspace in ints: two thread lists (count, pcs, slots per thread), the
 * visited marks, the closure stack (two ints an entry) and the slots the
 * closure edits.
 */
#define STP_REGEX_WORK_INTS(ninsns, ngroups) \
	(2 * (1 + (ninsns) + (ninsns) * STP_REGEX_SLOTS(ngroups)) + \
	 (ninsns) + 2 * ((ninsns) + 1) + STP_REGEX_SLOTS(ngroups))

#define STP_REGEX_WORK_SIZE(ninsns, ngroups) \
	(STP_REGEX_WORK_INTS(ninsns, ngroups) * sizeof(int))

#endif /* STP_REGEX_H */
