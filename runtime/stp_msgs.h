/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control-channel protocol between a stap module and stapio.
 *
 * Shared by the kernel runtime and by stapio, so it uses only fixed-width
 * types.  Every message on the control file (debugfs
 * /sys/kernel/debug/systemtap/<MODULE>/ctl) is a struct stp_msg_hdr
 * followed by `len` bytes of payload.  A read() returns whole messages
 * only; a write() carries exactly one message.
 *
 * Output travels separately, on the relay files trace0..traceN in the same
 * directory (one per online CPU).  Each relay record is a struct
 * stp_rec_hdr followed by `len` bytes of text; `seq` is global across CPUs,
 * so stapio restores the order in which probes produced their output by
 * merging the per-CPU streams by sequence number.  A read() of a relay
 * file returns whole records only, so a reader that detaches leaves the
 * next one at a record boundary.  In bulk mode these raw records are what
 * stapio stores, one file per CPU, for stap-merge to put in order later.
 */
#ifndef STP_MSGS_H
#define STP_MSGS_H

/* The uapi headers give user space the same __u32/__u64 as the kernel. */
#include <linux/types.h>
#include <linux/ioctl.h>

enum stp_msg_type {
	/* stapio -> module */
	STP_MSG_START = 1,	/* payload: struct stp_start; run begin probes,
				 * then arm the others */
	STP_MSG_STOP = 2,	/* disarm probes, run end probes, then DONE */

	/* module -> stapio */
	STP_MSG_EXIT_REQUEST = 16,	/* exit() or an error: please send STOP */
	STP_MSG_ERROR = 17,		/* payload: text, printed as "ERROR: text" */
	STP_MSG_WARNING = 18,		/* payload: text, printed as "WARNING: text" */
	STP_MSG_DONE = 19,		/* payload: struct stp_done; the module is idle */
	STP_MSG_SYSTEM = 20,		/* payload: a command (text) for stapio to run
					 * with /bin/sh -c: system() */
};

struct stp_msg_hdr {
	__u32 type;
	__u32 len;
};

struct stp_start {
	__s32 target;		/* target() of the script: -x PID or -c's pid, else 0 */
};

struct stp_done {
	__u32 errors;		/* number of script errors reported */
	__u32 skipped;		/* probe hits skipped (reentrancy, lock contention) */
	__u64 dropped;		/* output records lost to full relay buffers */
};

struct stp_rec_hdr {
	__u64 seq;
	__u32 len;
	__u32 cpu;
};

#define STP_MSG_MAX_PAYLOAD 2048

/*
 * How the module's transport is set up, asked with ioctl(STP_IOC_INFO) on
 * the ctl file: stapio needs it also when it attaches to a module that is
 * already running (no START, so no message exchange to carry it).
 */
#define STP_INFO_BULK		0x1	/* built with stap -b: one file per CPU */
#define STP_INFO_OVERWRITE	0x2	/* flight recorder: relay overwrites */

struct stp_transport_info {
	__u32 flags;		/* STP_INFO_* */
	__u32 n_subbufs;	/* sub-buffers per CPU */
	__u64 subbuf_size;	/* bytes per sub-buffer */
};

#define STP_IOC_INFO _IOR('s', 0x51, struct stp_transport_info)

#endif /* STP_MSGS_H */
