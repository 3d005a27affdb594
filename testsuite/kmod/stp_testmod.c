// SPDX-License-Identifier: GPL-2.0
/*
 * A module for the testsuite to probe: functions that take and return
 * ints, strings, pointers to nested structs and arrays, built with debug
 * information.  Writing to /proc/stp_testmod calls them all once; reading
 * it shows what the last round returned (a guru-mode script may have
 * changed an argument).
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

struct stp_inner {
	int id;
	char name[16];
};

struct stp_outer {
	long value;
	struct stp_inner *inner;
	struct stp_inner embedded;
	int numbers[4];
	unsigned int flag : 1, level : 3;
	short delta;
	const char *label;
};

/* noipa: no clones or constant propagation, so each function keeps its
 * symbol and its parameters arrive as the C says */
#define STP_TESTED noinline __attribute__((noipa))

STP_TESTED int stp_test_ints(int a, long b, unsigned char c, short d)
{
	return a + (int)b + c + d;
}

STP_TESTED long stp_test_struct(struct stp_outer *o)
{
	return o->value + o->inner->id + o->embedded.id;
}

STP_TESTED const char *stp_test_string(const char *s, int skip)
{
	return s + skip;
}

STP_TESTED int stp_test_array(const int *values, int n)
{
	int i, sum = 0;

	for (i = 0; i < n; i++)
		sum += values[i];
	return sum;
}

/* Gets a pointer that is not one: the script's reads through it fault. */
STP_TESTED int stp_test_bad_pointer(struct stp_outer *o)
{
	return o != NULL;
}

/* A guru-mode script may change x on the way in. */
STP_TESTED int stp_test_guru(int x)
{
	return x * 2;
}

static int last_ints, last_array, last_guru, last_inlined, rounds;

/* Always inlined: .inline probes find it inside stp_test_round's caller. */
static __always_inline int stp_test_inlined(int v)
{
	return v * 2 + rounds;
}
static long last_struct;
static const char *last_string;

static struct stp_inner inner = { .id = 7, .name = "inner-seven" };
static struct stp_outer outer = {
	.value = 100,
	.inner = &inner,
	.embedded = { .id = 3, .name = "embedded" },
	.numbers = { 10, 20, 30, 40 },
	.flag = 1,
	.level = 5,
	.delta = -12,
	.label = "outer label",
};

#define CREATE_TRACE_POINTS
#include "stp_testmod_trace.h"

static void stp_test_round(void)
{
	static const int values[] = { 1, 2, 3, 4, 5 };

	trace_stp_testmod_round(rounds, outer.value, outer.label, &inner);
	trace_stp_testmod_wide(1, -2, 3, -4, 5, -6, 7);
	last_ints = stp_test_ints(-5, 1L << 40, 200, -300);
	last_struct = stp_test_struct(&outer);
	last_string = stp_test_string("hello, probe", 7);
	last_array = stp_test_array(values, 5);
	stp_test_bad_pointer((struct stp_outer *)0x10);
	last_guru = stp_test_guru(5);
	last_inlined = stp_test_inlined(last_array);
	rounds++;
}

static ssize_t stp_test_write(struct file *file, const char __user *buf, size_t count, loff_t *pos)
{
	stp_test_round();
	return count;
}

static int stp_test_show(struct seq_file *m, void *v)
{
	seq_printf(m, "rounds=%d ints=%d struct=%ld string=%s array=%d guru=%d inlined=%d\n", rounds,
		   last_ints, last_struct, last_string ? last_string : "", last_array, last_guru, last_inlined);
	return 0;
}

static int stp_test_open(struct inode *inode, struct file *file)
{
	return single_open(file, stp_test_show, NULL);
}

static const struct proc_ops stp_test_ops = {
	.proc_open = stp_test_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = stp_test_write,
};

static int __init stp_testmod_init(void)
{
	return proc_create("stp_testmod", 0666, NULL, &stp_test_ops) ? 0 : -ENOMEM;
}

static void __exit stp_testmod_exit(void)
{
	remove_proc_entry("stp_testmod", NULL);
}

module_init(stp_testmod_init);
module_exit(stp_testmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Functions for the stap testsuite to probe");
