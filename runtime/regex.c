/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs regex programs the translator compiled (see regex.h) over a
 * NUL-terminated text, Pike VM style: all NFA threads advance in step
 * over the text, so the time is O(strlen(text) * ninsns) and the memory
 * is the caller's workspace.  No recursion, no allocation, no
 * backtracking.
 *
 * Semantics: the leftmost match start wins, and from that start the
 * longest match (as POSIX requires for the whole match).  Groups come
 * from the highest-priority thread reaching that longest end, where
 * priority prefers the first alternative and greedy repeats, as a
 * backtracking matcher would; they may differ from POSIX subexpression
 * rules in ambiguous cases.
 */
#ifndef __KERNEL__
/* User-space build, for testsuite/unit/regex_test.c. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
#ifndef __maybe_unused
#define __maybe_unused __attribute__((unused))
#endif
#endif

#include "regex.h"

/* A thread list: pcs[i] with its capture slots at slots[i * nslots]. */
struct stp_regex_list {
	int *count;
	int *pcs;
	int *slots;
};

struct stp_regex_vm {
	const struct stp_regex *re;
	const unsigned char *text;
	int nslots;
	int gen;	/* marks[pc] == gen: pc already on the list being built */
	int *marks;
	int *stack;	/* pairs: (pc, 0) to explore, (-slot - 1, value) to restore */
	int *slots;	/* the slots of the path the closure is following */
};

/* Carves the lists, marks, stack and slots out of the workspace. */
static void stp_regex_setup(struct stp_regex_vm *vm, struct stp_regex_list lists[2],
			    const struct stp_regex *re, const char *text, int *work)
{
	int n = re->ninsns;
	int i;

	vm->re = re;
	vm->text = (const unsigned char *)text;
	vm->nslots = STP_REGEX_SLOTS(re->ngroups);
	for (i = 0; i < 2; i++) {
		lists[i].count = work;
		lists[i].pcs = work + 1;
		lists[i].slots = work + 1 + n;
		work += 1 + n + n * vm->nslots;
		*lists[i].count = 0;
	}
	vm->marks = work;
	vm->stack = work + n;
	vm->slots = work + n + 2 * (n + 1);
	for (i = 0; i < n; i++)
		vm->marks[i] = -1;
}

static void stp_regex_push(struct stp_regex_vm *vm, int *sp, int a, int b)
{
	vm->stack[*sp] = a;
	vm->stack[*sp + 1] = b;
	*sp += 2;
}

/*
 * Follows one instruction of the closure at text position pos: returns
 * the next pc to follow, or -1 when this path ends (consuming
 * instructions end it by joining list l).
 */
static int stp_regex_follow(struct stp_regex_vm *vm, struct stp_regex_list *l,
			    int pc, int pos, int *sp)
{
	const struct stp_regex_insn *in = &vm->re->insns[pc];
	int i;

	if (vm->marks[pc] == vm->gen)
		return -1;	/* a higher-priority path got here first */
	vm->marks[pc] = vm->gen;
	switch (in->op) {
	case STP_RX_JMP:
		return in->x;
	case STP_RX_SPLIT:
		stp_regex_push(vm, sp, in->y, 0);
		return in->x;
	case STP_RX_SAVE:
		if (in->arg < vm->nslots) {
			stp_regex_push(vm, sp, -in->arg - 1, vm->slots[in->arg]);
			vm->slots[in->arg] = pos;
		}
		return pc + 1;
	case STP_RX_BOL:
		return pos == 0 ? pc + 1 : -1;
	case STP_RX_EOL:
		return vm->text[pos] == '\0' ? pc + 1 : -1;
	default:
		i = (*l->count)++;
		l->pcs[i] = pc;
		memcpy(l->slots + i * vm->nslots, vm->slots, vm->nslots * sizeof(int));
		return -1;
	}
}

/* Adds the thread at pc, with vm->slots, and all it reaches without input. */
static void stp_regex_add(struct stp_regex_vm *vm, struct stp_regex_list *l, int pc, int pos)
{
	int sp = 0;

	for (;;) {
		if (pc >= 0) {
			pc = stp_regex_follow(vm, l, pc, pos, &sp);
			continue;
		}
		if (sp == 0)
			return;
		sp -= 2;
		if (vm->stack[sp] >= 0)
			pc = vm->stack[sp];
		else
			vm->slots[-vm->stack[sp] - 1] = vm->stack[sp + 1];
	}
}

static bool stp_regex_consumes(const struct stp_regex_vm *vm,
			       const struct stp_regex_insn *in, unsigned char c)
{
	if (c == '\0')
		return false;
	switch (in->op) {
	case STP_RX_CHAR:
		return c == in->arg;
	case STP_RX_ANY:
		return true;
	case STP_RX_CLASS:
		return vm->re->classes[in->x][c >> 5] & (1u << (c & 31));
	default:
		return false;
	}
}

/* Keeps a match that starts further left, or ends later from the same start. */
static void stp_regex_record(const struct stp_regex_vm *vm, const int *slots,
			     struct stp_regex_match *m)
{
	int g;

	if (m->start[0] >= 0 &&
	    (slots[0] > m->start[0] || (slots[0] == m->start[0] && slots[1] <= m->end[0])))
		return;
	for (g = 0; 2 * g < vm->nslots; g++) {
		m->start[g] = slots[2 * g];
		m->end[g] = slots[2 * g + 1];
	}
}

/* Moves every thread of cl over the byte at pos into nl. */
static void stp_regex_step(struct stp_regex_vm *vm, struct stp_regex_list *cl,
			   struct stp_regex_list *nl, int pos, struct stp_regex_match *m)
{
	unsigned char c = vm->text[pos];
	int i;

	vm->gen = pos + 1;
	*nl->count = 0;
	for (i = 0; i < *cl->count; i++) {
		const struct stp_regex_insn *in = &vm->re->insns[cl->pcs[i]];
		const int *slots = cl->slots + i * vm->nslots;

		/* Threads are in start order; later starts cannot win any more. */
		if (m->start[0] >= 0 && slots[0] > m->start[0])
			break;
		if (in->op == STP_RX_MATCH) {
			stp_regex_record(vm, slots, m);
		} else if (stp_regex_consumes(vm, in, c)) {
			memcpy(vm->slots, slots, vm->nslots * sizeof(int));
			stp_regex_add(vm, nl, cl->pcs[i] + 1, pos + 1);
		}
	}
}

static void stp_regex_reset(struct stp_regex_match *m, const struct stp_regex *re,
			    const char *text)
{
	int g;

	for (g = 0; g <= STP_REGEX_MAX_GROUP; g++) {
		m->start[g] = -1;
		m->end[g] = -1;
	}
	m->ngroups = re->ngroups;
	m->text = text;
}

/*
 * Searches text for re; fills m and returns true on a match.  work must
 * hold STP_REGEX_WORK_SIZE(re->ninsns, re->ngroups) bytes, int-aligned.
 */
static __maybe_unused bool stp_regex_match(const struct stp_regex *re, const char *text,
					   void *work, struct stp_regex_match *m)
{
	struct stp_regex_list lists[2], *cl = &lists[0], *nl = &lists[1], *t;
	struct stp_regex_vm vm;
	int pos, s;

	stp_regex_setup(&vm, lists, re, text, work);
	stp_regex_reset(m, re, text);
	for (pos = 0; ; pos++) {
		if (m->start[0] < 0) {
			/* Unanchored search: a new thread starts here, lowest priority. */
			vm.gen = pos;
			for (s = 0; s < vm.nslots; s++)
				vm.slots[s] = -1;
			stp_regex_add(&vm, cl, 0, pos);
		}
		if (*cl->count == 0 && m->start[0] >= 0)
			break;
		stp_regex_step(&vm, cl, nl, pos, m);
		if (vm.text[pos] == '\0')
			break;
		t = cl;
		cl = nl;
		nl = t;
	}
	return m->start[0] >= 0;
}
