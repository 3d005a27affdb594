/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test module's trace events (system "stp_testmod"), fired once per
 * round: one whose arguments are of several kinds, one with seven, the
 * last two of which a tracepoint's probe gets on the stack.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM stp_testmod

#if !defined(STP_TESTMOD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define STP_TESTMOD_TRACE_H

#include <linux/tracepoint.h>

struct stp_inner;

TRACE_EVENT(stp_testmod_round,
	TP_PROTO(int round, long value, const char *label, const struct stp_inner *inner),
	TP_ARGS(round, value, label, inner),
	TP_STRUCT__entry(
		__field(int, round)
		__field(long, value)
		__string(label, label)
		__field(const void *, inner)
	),
	TP_fast_assign(
		__entry->round = round;
		__entry->value = value;
		__assign_str(label, label);
		__entry->inner = inner;
	),
	TP_printk("round=%d value=%ld label=%s inner=%p", __entry->round, __entry->value, __get_str(label),
		  __entry->inner)
);

TRACE_EVENT(stp_testmod_wide,
	TP_PROTO(long a, long b, long c, long d, long e, long f, long g),
	TP_ARGS(a, b, c, d, e, f, g),
	TP_STRUCT__entry(
		__field(long, a)
		__field(long, f)
		__field(long, g)
	),
	TP_fast_assign(
		__entry->a = a + b + c + d + e;
		__entry->f = f;
		__entry->g = g;
	),
	TP_printk("a..e=%ld f=%ld g=%ld", __entry->a, __entry->f, __entry->g)
);

#endif

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE stp_testmod_trace
#include <trace/define_trace.h>
