/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Limits that keep a script from hurting the kernel it runs in.  Each can
 * be changed with stap -D NAME=VALUE.
 */
#ifndef STP_LIMITS_H
#define STP_LIMITS_H

/* Statements one probe hit may execute before it is stopped with an error. */
#ifndef MAXACTION
#define MAXACTION 1000
#endif

/* Bytes in a string value, including the terminating NUL; longer strings
 * are truncated, as in SystemTap. */
#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512
#endif

/* Depth of nested script function calls. */
#ifndef MAXNESTING
#define MAXNESTING 10
#endif

/* Errors tolerated before the script is stopped; 0: the first one stops it. */
#ifndef MAXERRORS
#define MAXERRORS 0
#endif

/* Probe hits skipped (busy CPU, contended locks) before the script is
 * stopped: a script that misses that much is not measuring anything. */
#ifndef MAXSKIPPED
#define MAXSKIPPED 100
#endif

/* Tries to take a global's lock, TRYLOCKDELAY microseconds apart, before
 * a probe hit is skipped: about a millisecond in all, as in SystemTap. */
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 100
#endif
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 10
#endif

/* Output one probe hit may buffer before it is written out. */
#ifndef STP_PRINT_BUF_SIZE
#define STP_PRINT_BUF_SIZE 8192
#endif

#endif /* STP_LIMITS_H */
