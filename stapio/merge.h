/* Reading the per-CPU relay files and merging their records by seq. */
#ifndef STAPIO_MERGE_H
#define STAPIO_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "output.h"

/* One relay file: bytes read but not yet emitted are buf[head..tail). */
struct relay_stream {
	int fd;
	char *name;		/* "trace3", or the path stap-merge was given */
	int cpu;		/* N of traceN, -1 if unknown */
	unsigned char *buf;
	size_t cap;
	size_t head;
	size_t tail;
	bool plain;		/* a plain file (stap-merge), not relay */
	bool eof;		/* a plain file read to its end */
	struct output *raw;	/* bulk mode: where its records go unmerged */
};

struct merger {
	struct relay_stream *streams;
	size_t nstreams;
	uint64_t next_seq;		/* the record to print next; 0: unknown
					 * yet (attaching to a running module) */
	bool in_gap;			/* next_seq is missing for now */
	struct timespec gap_since;
	bool gaps_overwritten;		/* flight recorder: gaps are expected */
	uint64_t skipped;		/* records given up on (never seen) */
	uint64_t overwritten;		/* the same, when gaps_overwritten */
	uint64_t emitted;
	struct output *out;
	bool out_broken;		/* write failed: discard from now on */
	int out_errno;
};

void merger_init(struct merger *m, struct output *out);

/* Opens every trace<N> file in dir, in the order of N.  Returns 0, or -1
 * with errno set. */
int merger_open_dir(struct merger *m, const char *dir);

/* Takes fds already open on trace files (staprun's --relay-fds). */
int merger_add_fd(struct merger *m, int fd);

/* Opens a plain file (stap-merge): read to its end, then done. */
int merger_add_file(struct merger *m, const char *path);

void merger_close(struct merger *m);

/*
 * Pulls what the kernel has made readable, a bounded amount per file.
 * Returns the bytes read (0: all files are drained), or -1 on error.
 */
ssize_t merger_fill(struct merger *m);

/*
 * Prints records in seq order as far as they are known.  A missing record
 * is waited for a little, then skipped; with final set (no more data will
 * come) gaps are skipped at once.  Returns -1 on a corrupt stream.
 */
int merger_emit(struct merger *m, bool final);

/* Bulk mode: writes each file's whole records to its own stream->raw. */
int merger_emit_raw(struct merger *m);

/* True while records are buffered that could not be printed yet. */
bool merger_pending(const struct merger *m);

/* Flushes the output(s); sets out_broken on failure. */
void merger_flush(struct merger *m);

#endif
