#define _GNU_SOURCE
#include "args.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_POLL_MS 50
#define MAX_ROTATE_MB (1UL << 20)

static const char usage_text[] =
	"usage: stapio [-v]... [-w] [-o FILE] [-S SIZE[,N]] [-c CMD] [-x PID]\n"
	"              [-T MS] [-L | -A] [--ctl-fd=N --relay-fds=A,B,...]"
	" MODULE_NAME\n";

static void usage_error(const char *fmt, const char *arg)
{
	fputs("stapio: ERROR: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	exit(1);
}

/* A decimal number in [lo, hi], all of text; *end gets what follows
 * when end is not NULL. */
static long parse_long(const char *text, long lo, long hi, char **end,
		       const char *what)
{
	char *stop;
	long v;

	errno = 0;
	v = strtol(text, &stop, 10);
	if (errno || stop == text || v < lo || v > hi ||
	    (!end && *stop != '\0'))
		usage_error(what, text);
	if (end)
		*end = stop;
	return v;
}

static void parse_rotation(const char *text, struct options *o)
{
	const char *bad = "invalid -S '%s' (SIZE[,N]: MB per file, files kept)";
	char *rest;
	long mb = parse_long(text, 1, MAX_ROTATE_MB, &rest, bad);

	o->rotate_bytes = (uint64_t)mb << 20;
	if (*rest == ',')
		o->rotate_keep = (unsigned int)parse_long(rest + 1, 1, INT_MAX,
							  NULL, bad);
	else if (*rest != '\0')
		usage_error(bad, text);
}

static void parse_relay_fds(const char *text, struct options *o)
{
	const char *bad = "invalid --relay-fds '%s' (file descriptors, "
			  "separated by commas)";
	const char *p = text;
	char *end;
	int *grown;

	for (;;) {
		long fd = parse_long(p, 0, INT_MAX, &end, bad);

		grown = realloc(o->relay_fds,
				(o->nrelay_fds + 1) * sizeof(*grown));
		if (!grown)
			usage_error("out of memory for --relay-fds '%s'", text);
		o->relay_fds = grown;
		o->relay_fds[o->nrelay_fds++] = (int)fd;
		if (*end == '\0')
			return;
		if (*end != ',')
			usage_error(bad, text);
		p = end + 1;
	}
}

enum { OPT_CTL_FD = 256, OPT_RELAY_FDS };

static const struct option long_options[] = {
	{ "ctl-fd", required_argument, NULL, OPT_CTL_FD },
	{ "relay-fds", required_argument, NULL, OPT_RELAY_FDS },
	{ NULL, 0, NULL, 0 },
};

static void parse_one(int c, struct options *o)
{
	switch (c) {
	case 'v': o->verbose++; break;
	case 'w': o->no_warnings = true; break;
	case 'o': o->outfile = optarg; break;
	case 'S': parse_rotation(optarg, o); break;
	case 'c': o->command = optarg; break;
	case 'x':
		o->target_pid = (pid_t)parse_long(optarg, 1, 0x3fffffff, NULL,
						  "invalid process id '%s'");
		break;
	case 'T':
		o->poll_ms = parse_long(optarg, 1, 60000, NULL,
					"invalid -T '%s' (1 to 60000 ms)");
		break;
	case 'L': o->load_detach = true; break;
	case 'A': o->attach = true; break;
	case OPT_CTL_FD:
		o->ctl_fd = (int)parse_long(optarg, 0, INT_MAX, NULL,
					    "invalid --ctl-fd '%s'");
		break;
	case OPT_RELAY_FDS: parse_relay_fds(optarg, o); break;
	default:
		fputs(usage_text, stderr);
		exit(1);
	}
}

/* Options that make no sense together. */
static void check_combinations(const struct options *o)
{
	if (o->load_detach && o->attach)
		usage_error("%s-L and -A exclude each other", "");
	if ((o->command || o->target_pid) && (o->load_detach || o->attach))
		usage_error("%s-c and -x need a session that stapio starts and "
			    "stays with (not -L or -A)", "");
	if (o->rotate_bytes && !o->outfile)
		usage_error("%s-S needs -o FILE", "");
	if ((o->ctl_fd >= 0) != (o->nrelay_fds > 0))
		usage_error("%s--ctl-fd and --relay-fds go together", "");
}

void parse_args(int argc, char **argv, struct options *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->ctl_fd = -1;
	o->poll_ms = DEFAULT_POLL_MS;
	while ((c = getopt_long(argc, argv, "+vwo:S:c:x:T:LA", long_options,
				NULL)) != -1)
		parse_one(c, o);
	if (optind != argc - 1)
		usage_error("%sexpected one MODULE_NAME", "");
	o->module = argv[optind];
	if (!*o->module || strchr(o->module, '/'))
		usage_error("invalid module name '%s'", o->module);
	check_combinations(o);
}
