#define _GNU_SOURCE
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_BUFFER (256 * 1024)
/* Room for what strftime makes of a pattern; longer is an error. */
#define EXPAND_MAX 4096

char *output_expand(const char *pattern)
{
	char buf[EXPAND_MAX];
	struct tm tm;
	time_t now;
	size_t n;

	if (!strchr(pattern, '%'))
		return strdup(pattern);
	now = time(NULL);
	localtime_r(&now, &tm);
	n = strftime(buf, sizeof(buf), pattern, &tm);
	if (n == 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return strdup(buf);
}

static void output_fail(struct output *o, int err)
{
	if (!o->broken) {
		o->broken = true;
		o->err = err;
	}
}

/* The name of the next file: pattern (expanded now), suffix, ".N". */
static char *output_next_name(struct output *o)
{
	char *base = output_expand(o->pattern), *name;
	int n;

	if (!base)
		return NULL;
	if (o->limit)
		n = asprintf(&name, "%s%s.%u", base, o->suffix, o->index);
	else
		n = asprintf(&name, "%s%s", base, o->suffix);
	free(base);
	return n < 0 ? NULL : name;
}

/* -S ...,N: forget (and delete) the oldest files beyond N. */
static void output_prune(struct output *o)
{
	while (o->keep && o->nnames > o->keep) {
		unlink(o->names[0]);
		free(o->names[0]);
		memmove(o->names, o->names + 1,
			(o->nnames - 1) * sizeof(*o->names));
		o->nnames--;
	}
}

static int output_open_next(struct output *o)
{
	char **grown;

	free(o->path);
	o->path = output_next_name(o);
	if (!o->path)
		return -1;
	o->fp = fopen(o->path, o->append ? "ae" : "we");
	if (!o->fp)
		return -1;
	setvbuf(o->fp, o->buffer, _IOFBF, OUTPUT_BUFFER);
	o->written = 0;
	if (!o->limit)
		return 0;
	grown = realloc(o->names, (o->nnames + 1) * sizeof(*o->names));
	if (!grown || !(grown[o->nnames] = strdup(o->path))) {
		o->names = grown ? grown : o->names;
		return -1;
	}
	o->names = grown;
	o->nnames++;
	output_prune(o);
	return 0;
}

int output_open(struct output *o, const char *pattern, const char *suffix,
		uint64_t limit, unsigned int keep, bool append)
{
	memset(o, 0, sizeof(*o));
	o->pattern = pattern;
	o->suffix = suffix ? suffix : "";
	o->limit = limit;
	o->keep = keep;
	o->append = append;
	o->buffer = malloc(OUTPUT_BUFFER);
	if (!o->buffer)
		return -1;
	if (!pattern) {
		o->fp = stdout;
		setvbuf(stdout, o->buffer, _IOFBF, OUTPUT_BUFFER);
		return 0;
	}
	return output_open_next(o);
}

/* Closes the current file and opens the next one. */
static void output_rotate(struct output *o)
{
	if (fclose(o->fp) != 0)
		output_fail(o, errno);
	o->fp = NULL;
	o->index++;
	if (output_open_next(o) < 0)
		output_fail(o, errno);
}

void output_write(struct output *o, const void *data, size_t len)
{
	if (o->broken || !len)
		return;
	if (o->limit && o->written > 0 && o->written + len > o->limit) {
		output_rotate(o);
		if (o->broken)
			return;
	}
	if (fwrite(data, 1, len, o->fp) != len)
		output_fail(o, errno);
	o->written += len;
}

void output_switch(struct output *o)
{
	if (o->limit && !o->broken && o->fp)
		output_rotate(o);
}

void output_flush(struct output *o)
{
	if (!o->broken && o->fp && fflush(o->fp) != 0)
		output_fail(o, errno);
}

int output_close(struct output *o)
{
	int ret = 0;
	size_t i;

	if (o->fp && o->fp != stdout && fclose(o->fp) != 0)
		ret = -1;
	if (o->fp == stdout && fflush(stdout) != 0)
		ret = -1;
	o->fp = NULL;
	for (i = 0; i < o->nnames; i++)
		free(o->names[i]);
	free(o->names);
	free(o->path);
	o->names = NULL;
	o->path = NULL;
	o->nnames = 0;
	/* (the buffer stays: stdout may still point at it) */
	return ret;
}
