/*
 * stapio: talks to a loaded stap module through its debugfs directory.
 *
 *   stapio [-v] [-o FILE] [-c CMD] [-x PID] MODULE_NAME
 *
 * Sends START, copies the output records to stdout (or FILE) in the order
 * the probes produced them, prints the module's errors and warnings, runs
 * the commands the script's system() asks for, sends STOP when asked to
 * (signal, exit request, end of CMD) and leaves once the module reports
 * DONE and those commands have ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "merge.h"
#include "system.h"
#include "target.h"

#define DEBUGFS_DIR "/sys/kernel/debug"
#define DEBUGFS_MAGIC 0x64626720
/* relay only wakes pollers on sub-buffer switches, so look this often. */
#define POLL_IDLE_MS 50
#define POLL_GAP_MS 10

struct options {
	int verbose;
	const char *outfile;
	const char *command;
	pid_t target_pid;
	const char *module;
};

struct session {
	struct options opt;
	char dir[512];
	struct ctl ctl;
	struct merger merger;
	FILE *out;
	struct target cmd;
	bool start_done;
	bool stop_sent;
	bool stop_done;
	bool want_stop;
	bool done;
	struct stp_done done_info;
};

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t child_signal;

static void fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("stapio: ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void verbose(const struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->opt.verbose)
		return;
	fputs("stapio: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(void)
{
	fputs("usage: stapio [-v] [-o FILE] [-c CMD] [-x PID] MODULE_NAME\n",
	      stderr);
	exit(1);
}

static pid_t parse_pid(const char *text)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || end == text || v <= 0 || v > 0x3fffffff)
		fatal("invalid process id '%s'", text);
	return (pid_t)v;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt(argc, argv, "+vo:c:x:")) != -1) {
		switch (c) {
		case 'v':
			o->verbose++;
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 'c':
			o->command = optarg;
			break;
		case 'x':
			o->target_pid = parse_pid(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o->module = argv[optind];
	if (!*o->module || strchr(o->module, '/'))
		fatal("invalid module name '%s'", o->module);
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
}

static void on_child_signal(int sig)
{
	(void)sig;
	child_signal = 1;
}

/*
 * The signals are blocked except inside ppoll(), so a signal can never
 * slip in between checking the flags and going to sleep.
 */
static void setup_signals(sigset_t *poll_mask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child_signal;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, poll_mask);
	sigdelset(poll_mask, SIGINT);
	sigdelset(poll_mask, SIGTERM);
	sigdelset(poll_mask, SIGHUP);
	sigdelset(poll_mask, SIGCHLD);
}

/* Explains a missing module directory as precisely as possible. */
static void explain_missing_dir(const struct session *s)
{
	struct statfs fs;

	if (statfs(DEBUGFS_DIR, &fs) < 0 || fs.f_type != DEBUGFS_MAGIC)
		fatal("debugfs is not mounted on %s "
		      "(mount -t debugfs none %s)", DEBUGFS_DIR, DEBUGFS_DIR);
	fatal("module %s is not loaded or has no transport (%s missing)",
	      s->opt.module, s->dir);
}

static void open_transport(struct session *s)
{
	char path[600];
	struct stat st;

	snprintf(s->dir, sizeof(s->dir), DEBUGFS_DIR "/systemtap/%s",
		 s->opt.module);
	if (stat(s->dir, &st) < 0) {
		if (errno == ENOENT)
			explain_missing_dir(s);
		fatal("cannot access %s: %s", s->dir, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/ctl", s->dir);
	if (ctl_open(&s->ctl, path) < 0) {
		if (errno == EBUSY)
			fatal("module %s is already attached to another stapio",
			      s->opt.module);
		fatal("cannot open control file %s: %s", path, strerror(errno));
	}
	if (merger_open(&s->merger, s->dir, s->out) < 0)
		fatal("cannot open relay files in %s: %s", s->dir,
		      strerror(errno));
	verbose(s, "module %s: %zu relay files", s->opt.module,
		s->merger.nstreams);
}

static void open_output(struct session *s)
{
	static char buffer[256 * 1024];

	s->out = stdout;
	if (s->opt.outfile) {
		s->out = fopen(s->opt.outfile, "we");
		if (!s->out)
			fatal("cannot open output file %s: %s", s->opt.outfile,
			      strerror(errno));
	}
	/* Flushed after every pass of the main loop, not per line. */
	setvbuf(s->out, buffer, _IOFBF, sizeof(buffer));
}

static void send_start(struct session *s)
{
	struct stp_start start = { .target = s->opt.target_pid };

	if (s->opt.command) {
		if (target_spawn(&s->cmd, s->opt.command) < 0)
			fatal("cannot start command: %s", strerror(errno));
		start.target = s->cmd.pid;
	}
	if (ctl_send_async(&s->ctl, STP_MSG_START, &start, sizeof(start)) < 0)
		fatal("cannot send START: %s", strerror(errno));
	verbose(s, "START sent (target %d)", (int)start.target);
}

static void maybe_send_stop(struct session *s)
{
	if (!s->want_stop || s->stop_sent || !s->start_done || s->done)
		return;
	if (ctl_send_async(&s->ctl, STP_MSG_STOP, NULL, 0) < 0)
		fatal("cannot send STOP: %s", strerror(errno));
	s->stop_sent = true;
	verbose(s, "STOP sent");
}

static void handle_result(struct session *s, const struct ctl_result *r)
{
	const char *what = r->type == STP_MSG_START ? "START" : "STOP";

	if (r->err) {
		target_abort(&s->cmd);
		fatal("module %s refused %s: %s", s->opt.module, what,
		      strerror(r->err));
	}
	verbose(s, "%s done", what);
	if (r->type == STP_MSG_START) {
		s->start_done = true;
		if (target_release(&s->cmd) < 0)
			fatal("cannot release command: %s", strerror(errno));
	} else {
		s->stop_done = true;
	}
}

/* Prints a message text with exactly one newline. */
static void print_text(const char *prefix, const struct ctl_msg *m)
{
	size_t len = m->len;

	while (len > 0 && m->payload[len - 1] == '\0')
		len--;
	if (len > 0 && m->payload[len - 1] == '\n')
		len--;
	fprintf(stderr, "%s%.*s\n", prefix, (int)len, m->payload);
}

static void pump_output(struct session *s, bool drain);

/* system() in the script: what it printed before comes first. */
static void run_system(struct session *s, const struct ctl_msg *m)
{
	pump_output(s, false);
	verbose(s, "system: %.*s", (int)m->len, m->payload);
	if (system_start(m->payload, m->len) < 0)
		fprintf(stderr, "WARNING: system() could not run '%.*s': %s\n",
			(int)m->len, m->payload, strerror(errno));
}

static void handle_message(struct session *s, const struct ctl_msg *m)
{
	switch (m->type) {
	case STP_MSG_ERROR:
	case STP_MSG_WARNING:
		/* Output produced before the message comes first. */
		merger_flush(&s->merger);
		print_text(m->type == STP_MSG_ERROR ? "ERROR: " : "WARNING: ",
			   m);
		break;
	case STP_MSG_SYSTEM:
		run_system(s, m);
		break;
	case STP_MSG_EXIT_REQUEST:
		verbose(s, "exit requested");
		s->want_stop = true;
		break;
	case STP_MSG_DONE:
		memset(&s->done_info, 0, sizeof(s->done_info));
		memcpy(&s->done_info, m->payload,
		       m->len < sizeof(s->done_info) ? m->len
						     : sizeof(s->done_info));
		s->done = true;
		verbose(s, "DONE received");
		break;
	default:
		verbose(s, "ignoring message type %u", m->type);
	}
}

static void read_messages(struct session *s)
{
	struct ctl_msg m;
	int r;

	while (!s->done && (r = ctl_next_msg(&s->ctl, &m)) != 0) {
		if (r < 0)
			fatal("reading control file of %s failed: %s",
			      s->opt.module,
			      errno ? strerror(errno) : "module went away");
		handle_message(s, &m);
	}
}

static ssize_t fill_output(struct session *s)
{
	ssize_t n = merger_fill(&s->merger);

	if (n < 0)
		fatal("reading relay files of %s failed: %s", s->opt.module,
		      strerror(errno));
	return n;
}

static void emit_output(struct session *s, bool final)
{
	if (merger_emit(&s->merger, final) < 0)
		fatal("corrupt record in relay files of %s", s->opt.module);
}

/*
 * One pass while running; with drain set, read every file to its end
 * first, so that only then are missing records given up at once.
 */
static void pump_output(struct session *s, bool drain)
{
	ssize_t n;

	do {
		n = fill_output(s);
		emit_output(s, drain && n == 0);
	} while (drain && n > 0);
	merger_flush(&s->merger);
	if (s->merger.out_broken && !s->want_stop) {
		verbose(s, "output closed, stopping");
		s->want_stop = true;
	}
}

static void check_events(struct session *s)
{
	if (stop_signal) {
		stop_signal = 0;
		verbose(s, "signal received");
		s->want_stop = true;
	}
	if (child_signal) {
		child_signal = 0;
		system_reap();
		if (target_reap(&s->cmd) > 0) {
			verbose(s, "command exited");
			s->want_stop = true;
		}
	}
}

static void wait_for_events(struct session *s, const sigset_t *mask)
{
	size_t n = s->merger.nstreams, i;
	struct pollfd fds[2 + n];
	struct timespec ts = { 0, 0 };
	long ms = merger_pending(&s->merger) ? POLL_GAP_MS : POLL_IDLE_MS;

	fds[0] = (struct pollfd){ .fd = s->ctl.fd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = ctl_done_fd(&s->ctl), .events = POLLIN };
	for (i = 0; i < n; i++)
		fds[2 + i] = (struct pollfd){ .fd = s->merger.streams[i].fd,
					      .events = POLLIN };
	ts.tv_nsec = ms * 1000000L;
	if (ppoll(fds, 2 + n, &ts, mask) < 0 && errno != EINTR)
		fatal("poll failed: %s", strerror(errno));
	if (fds[1].revents & POLLIN) {
		struct ctl_result r;

		if (ctl_wait_result(&s->ctl, &r) < 0)
			fatal("lost track of a control command: %s",
			      strerror(errno));
		handle_result(s, &r);
	}
}

static void run_loop(struct session *s, const sigset_t *mask)
{
	while (!s->done) {
		wait_for_events(s, mask);
		check_events(s);
		pump_output(s, false);
		read_messages(s);
		maybe_send_stop(s);
	}
}

/* After DONE: let a running command finish, then print everything. */
static void finish(struct session *s)
{
	struct ctl_result r;

	if ((s->stop_sent && !s->stop_done) || !s->start_done) {
		if (ctl_wait_result(&s->ctl, &r) < 0)
			fatal("lost track of a control command: %s",
			      strerror(errno));
		handle_result(s, &r);
	}
	pump_output(s, true);
}

static int report(struct session *s)
{
	const struct stp_done *d = &s->done_info;

	if (d->errors || d->skipped)
		fprintf(stderr, "WARNING: Number of errors: %u, "
			"skipped probes: %u\n", d->errors, d->skipped);
	if (d->dropped)
		fprintf(stderr, "WARNING: %llu output records lost "
			"(relay buffers full)\n",
			(unsigned long long)d->dropped);
	if (s->merger.skipped)
		fprintf(stderr, "WARNING: %llu output records missing "
			"from the relay stream\n",
			(unsigned long long)s->merger.skipped);
	verbose(s, "%llu records written",
		(unsigned long long)s->merger.emitted);
	if (s->merger.out_broken && s->merger.out_errno != EPIPE) {
		fprintf(stderr, "stapio: ERROR: writing output failed: %s\n",
			strerror(s->merger.out_errno));
		return 1;
	}
	return d->errors > 0;
}

int main(int argc, char **argv)
{
	struct session s;
	sigset_t poll_mask;
	int status;

	memset(&s, 0, sizeof(s));
	target_init(&s.cmd);
	parse_args(argc, argv, &s.opt);
	setup_signals(&poll_mask);
	open_output(&s);
	open_transport(&s);
	send_start(&s);
	run_loop(&s, &poll_mask);
	finish(&s);
	system_wait_all();
	status = report(&s);
	target_finish(&s.cmd);
	merger_close(&s.merger);
	ctl_close(&s.ctl);
	if (s.out != stdout && fclose(s.out) != 0)
		status = 1;
	return status;
}
