/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime of a stap-generated module.  The generated C file includes
 * this header first, then defines its globals, functions, probe handlers
 * and probe table, and finally includes module.c, which registers them.
 *
 * Everything is static and lives in the one translation unit kbuild
 * compiles, so the compiler drops what a script does not use.  The code of
 * each kind of probe is compiled only when the generated file asks for it
 * with STP_NEED_<KIND> (see "Parts" below): module.c refers to it to start
 * and stop those probes, which would otherwise make the compiler build all
 * of it for every script.
 */
#ifndef STP_RUNTIME_H
#define STP_RUNTIME_H

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <linux/version.h>
#include <linux/delay.h>

#include "stp_limits.h"
#include "stp_msgs.h"
#include "regex.h"


struct stp_context;
static void stp_session_start(s32 target);
static void stp_session_stop(void);

#include "transport.c"
#include "context.c"
#include "strings.c"
#include "print.c"
#include "session.c"
#include "params.c"
#include "format.c"

/*
 * Parts: the probe kinds the script has.  timer.c is timer.* (and
 * timer.profile), kprobes.c kernel.function, module().function and
 * kprobe.*, tracepoints.c kernel.trace, procfs.c procfs, perf.c perf.*,
 * uprobes.c process(...).function/.statement/.mark.
 * And symbols.c, for target variables in a module's static data;
 * usymbols.c and ustack.c for user-space addresses and stacks (uaddr(),
 * usymname(), ubacktrace()...).
 */
#ifdef STP_NEED_TIMERS
#include "timer.c"
#endif
#ifdef STP_NEED_KPROBES
#include "kprobes.c"
#endif
#ifdef STP_NEED_TRACEPOINTS
#include "tracepoints.c"
#endif
#ifdef STP_NEED_PROCFS
#include "procfs.c"
#endif
#ifdef STP_NEED_PERF
#include "perf.c"
#endif
#ifdef STP_NEED_UPROBES
#include "uprobes.c"
#endif

#ifdef STP_NEED_MODULE_SYMBOLS
#include "symbols.c"
#endif
#include "target.c"
#include "probe_point.c"
#include "registers.c"
#include "symbolize.c"
#include "stack.c"
#ifdef STP_NEED_USYMBOLS
#include "usymbols.c"
#include "ustack.c"
#endif
#include "process.c"
#include "time.c"
#include "text.c"
#include "flags.c"
#include "conversions.c"
#include "control.c"
#include "map.c"
#include "arrays.c"
#include "stat.c"
#include "aggregates.c"
#include "regex.c"
#include "matching.c"

#endif /* STP_RUNTIME_H */
