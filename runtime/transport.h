/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transport between a stap module and stapio: output records on relay
 * files, control messages on the "ctl" file, all under
 * /sys/kernel/debug/systemtap/<module name>/.
 *
 * Everything is static: the runtime is built as a single translation unit.
 */
#ifndef STP_TRANSPORT_H
#define STP_TRANSPORT_H

#include <linux/types.h>
#include <linux/compiler.h>
#include "stp_msgs.h"

/* Relay geometry per CPU; a record never spans sub-buffers. */
#ifndef STP_RELAY_SUBBUF_SIZE
#define STP_RELAY_SUBBUF_SIZE (64 * 1024)
#endif
#ifndef STP_RELAY_N_SUBBUFS
#define STP_RELAY_N_SUBBUFS 8
#endif

/* Control messages that may wait for stapio at once. */
#ifndef STP_CTL_QUEUE_LEN
#define STP_CTL_QUEUE_LEN 64
#endif

/* Provided by runtime/transport.c; a script may not need all of them. */
static int stp_transport_init(void);
static void stp_transport_exit(void);
static void __maybe_unused stp_transport_write(const char *data, u32 len);
static void __maybe_unused stp_ctl_send(u32 type, const void *data, u32 len);
static u64 __maybe_unused stp_transport_dropped(void);

/* Provided by the core, called from the ctl file's write handler. */
static void stp_session_start(s32 target);
static void stp_session_stop(void);

#endif /* STP_TRANSPORT_H */
