/* stapio's command line (the contract with staprun: see stapio(8)). */
#ifndef STAPIO_ARGS_H
#define STAPIO_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct options {
	int verbose;
	bool no_warnings;		/* -w */
	const char *outfile;		/* -o, a strftime pattern */
	uint64_t rotate_bytes;		/* -S SIZE (MB), 0: none */
	unsigned int rotate_keep;	/* -S SIZE,N; 0: keep all */
	const char *command;		/* -c */
	pid_t target_pid;		/* -x */
	long poll_ms;			/* -T */
	bool load_detach;		/* -L */
	bool attach;			/* -A */
	int ctl_fd;			/* --ctl-fd, -1: open by path */
	int *relay_fds;			/* --relay-fds */
	size_t nrelay_fds;
	const char *module;
};

/* Parses argv; on a usage error prints why and exits with status 1. */
void parse_args(int argc, char **argv, struct options *o);

#endif
