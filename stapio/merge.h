/* Reading the per-CPU relay files and merging their records by seq. */
#ifndef STAPIO_MERGE_H
#define STAPIO_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* One relay file: bytes read but not yet emitted are buf[head..tail). */
struct relay_stream {
	int fd;
	char *name;
	unsigned char *buf;
	size_t cap;
	size_t head;
	size_t tail;
};

struct merger {
	struct relay_stream *streams;
	size_t nstreams;
	uint64_t next_seq;		/* the record to print next */
	bool in_gap;			/* next_seq is missing for now */
	struct timespec gap_since;
	uint64_t skipped;		/* records given up on (never seen) */
	uint64_t emitted;
	FILE *out;
	bool out_broken;		/* write failed: discard from now on */
	int out_errno;
};

/* Opens every trace<N> file in dir.  Returns 0, or -1 with errno set. */
int merger_open(struct merger *m, const char *dir, FILE *out);
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

/* True while records are buffered that could not be printed yet. */
bool merger_pending(const struct merger *m);

/* Flushes the output; sets out_broken on failure. */
void merger_flush(struct merger *m);

#endif
