/* Where the script's output goes: standard output, or a file named by a
 * pattern with strftime(3) %-sequences, optionally rotated by size
 * (-S SIZE[,N]: FILE.0, FILE.1, ..., at most N kept). */
#ifndef STAPIO_OUTPUT_H
#define STAPIO_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct output {
	FILE *fp;
	const char *pattern;	/* NULL: standard output */
	const char *suffix;	/* appended after the pattern ("_cpu3"), or "" */
	uint64_t limit;		/* bytes per file with -S, 0: no rotation */
	unsigned int keep;	/* files kept with -S, 0: all */
	bool append;		/* open for appending (reattaching) */
	unsigned int index;	/* number of the current file with -S */
	uint64_t written;	/* bytes in the current file */
	char **names;		/* files written with -S, oldest first */
	size_t nnames;
	char *path;		/* the current file's name */
	char *buffer;
	bool broken;		/* a write failed: the rest is discarded */
	int err;
};

/* Opens the first file.  Returns 0, or -1 with errno set (o->path names
 * the file that failed, when there is one). */
int output_open(struct output *o, const char *pattern, const char *suffix,
		uint64_t limit, unsigned int keep, bool append);

/* Writes one record; with -S, first switches files if it would pass the
 * limit.  Failures set o->broken and o->err. */
void output_write(struct output *o, const void *data, size_t len);

/* SIGUSR2: goes on in the next file (with -S; else does nothing). */
void output_switch(struct output *o);

void output_flush(struct output *o);

/* Closes the file (not standard output); returns -1 if that failed. */
int output_close(struct output *o);

/* strftime(3) on the pattern at the current local time, malloc'd; the
 * pattern unchanged when it has no '%'. */
char *output_expand(const char *pattern);

#endif
