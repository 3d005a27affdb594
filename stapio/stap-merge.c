/*
 * stap-merge: puts the per-CPU files of a bulk-mode run (stapio's
 * FILE_cpuN or stpd_cpuN) back together, in the order the probes produced
 * the records, as the text a normal run would have printed.
 *
 *   stap-merge [-v] [-o OUT] FILE...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merge.h"
#include "output.h"

static void die(const char *fmt, const char *arg)
{
	fputs("stap-merge: ERROR: ", stderr);
	fprintf(stderr, fmt, arg, strerror(errno));
	fputc('\n', stderr);
	exit(1);
}

static void usage(void)
{
	fputs("usage: stap-merge [-v] [-o OUT] FILE...\n", stderr);
	exit(1);
}

static bool all_at_end(const struct merger *m)
{
	size_t i;

	for (i = 0; i < m->nstreams; i++)
		if (!m->streams[i].eof)
			return false;
	return true;
}

/* Reads every file to its end, printing records as the order allows. */
static int merge_all(struct merger *m)
{
	bool final;

	do {
		if (merger_fill(m) < 0)
			return -1;
		final = all_at_end(m);
		if (merger_emit(m, final) < 0) {
			errno = EPROTO;
			return -1;
		}
	} while (!final);
	if (merger_pending(m))
		fputs("stap-merge: WARNING: a file ends in the middle of a "
		      "record\n", stderr);
	return 0;
}

int main(int argc, char **argv)
{
	const char *outfile = NULL;
	struct output out;
	struct merger m;
	int c, verbose = 0;

	while ((c = getopt(argc, argv, "vo:")) != -1) {
		if (c == 'o')
			outfile = optarg;
		else if (c == 'v')
			verbose++;
		else
			usage();
	}
	if (optind >= argc)
		usage();
	if (output_open(&out, outfile, NULL, 0, 0, false) < 0)
		die("cannot open %s: %s", outfile);
	merger_init(&m, &out);
	m.next_seq = 0;	/* (a flight recorder's files start later) */
	for (; optind < argc; optind++)
		if (merger_add_file(&m, argv[optind]) < 0)
			die("cannot open %s: %s", argv[optind]);
	if (merge_all(&m) < 0) {
		if (errno != EPROTO)
			die("reading %s failed: %s", "the files");
		fputs("stap-merge: ERROR: corrupt record: not the per-CPU "
		      "files of a bulk-mode run?\n", stderr);
		return 1;
	}
	merger_flush(&m);
	if (m.out_broken || output_close(&out) != 0) {
		errno = m.out_broken ? m.out_errno : errno;
		die("writing %s failed: %s", outfile ? outfile : "the output");
	}
	/* Gaps: records overwritten (flight recorder) or cut off. */
	if (m.skipped)
		fprintf(stderr, "stap-merge: WARNING: %llu records missing "
			"from the sequence\n", (unsigned long long)m.skipped);
	if (verbose)
		fprintf(stderr, "stap-merge: %llu records from %zu files\n",
			(unsigned long long)m.emitted, m.nstreams);
	merger_close(&m);
	return 0;
}
