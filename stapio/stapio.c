/*
 * stapio: talks to a loaded stap module through its debugfs directory.
 *
 *   stapio [-v]... [-w] [-o FILE] [-S SIZE[,N]] [-c CMD] [-x PID] [-T MS]
 *          [-L | -A] [--ctl-fd=N --relay-fds=A,B,...] MODULE_NAME
 *
 * Sends START (not with -A: the module runs already), copies the output
 * records to stdout (or FILE) in the order the probes produced them, or
 * in bulk mode each CPU's raw records to a file of its own, prints the
 * module's errors and warnings, runs the commands the script's system()
 * asks for, sends STOP when asked to (signal, exit request, end of CMD)
 * and leaves once the module reports DONE and those commands have ended.
 * -L and SIGQUIT detach instead: exit status 3, the module runs on.
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

#include "args.h"
#include "ctl.h"
#include "merge.h"
#include "output.h"
#include "system.h"
#include "target.h"

#define DEBUGFS_DIR "/sys/kernel/debug"
#define DEBUGFS_MAGIC 0x64626720
/* relay only wakes pollers on sub-buffer switches, so look this often
 * (-T); and sooner while a record is missing from the merge. */
#define POLL_GAP_MS 10
#define EXIT_DETACHED 3

struct session {
	struct options opt;
	char dir[512];
	struct ctl ctl;
	struct stp_transport_info info;
	struct merger merger;
	struct output out;
	struct output *raw;	/* bulk mode: one output per relay file */
	struct target cmd;
	bool bulk;
	bool read_output;	/* not with -L: the output waits in relay */
	bool start_done;
	bool stop_sent;
	bool stop_done;
	bool want_stop;
	bool want_detach;
	bool done;
	struct stp_done done_info;
};

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t child_signal;
static volatile sig_atomic_t detach_signal;
static volatile sig_atomic_t switch_signal;

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

static void on_detach_signal(int sig)
{
	(void)sig;
	detach_signal = 1;
}

static void on_switch_signal(int sig)
{
	(void)sig;
	switch_signal = 1;
}

static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD,
				       SIGQUIT, SIGUSR2 };

/*
 * The signals are blocked except inside ppoll(), so a signal can never
 * slip in between checking the flags and going to sleep.
 */
static void setup_signals(sigset_t *poll_mask)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child_signal;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_detach_signal;
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_switch_signal;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigemptyset(&block);
	for (i = 0; i < sizeof(handled_signals) / sizeof(*handled_signals); i++)
		sigaddset(&block, handled_signals[i]);
	sigprocmask(SIG_BLOCK, &block, poll_mask);
	for (i = 0; i < sizeof(handled_signals) / sizeof(*handled_signals); i++)
		sigdelset(poll_mask, handled_signals[i]);
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

/* Without --ctl-fd: open the files ourselves (as root). */
static void open_transport_by_path(struct session *s)
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
	if (merger_open_dir(&s->merger, s->dir) < 0)
		fatal("cannot open relay files in %s: %s", s->dir,
		      strerror(errno));
}

/* --ctl-fd/--relay-fds: the files staprun opened for us. */
static void open_transport_by_fds(struct session *s)
{
	size_t i;

	if (ctl_open_fd(&s->ctl, s->opt.ctl_fd) < 0)
		fatal("--ctl-fd=%d is not the module's control file open "
		      "for reading and writing: %s", s->opt.ctl_fd,
		      strerror(errno));
	for (i = 0; i < s->opt.nrelay_fds; i++)
		if (merger_add_fd(&s->merger, s->opt.relay_fds[i]) < 0)
			fatal("--relay-fds: fd %d: %s", s->opt.relay_fds[i],
			      strerror(errno));
}

static void open_transport(struct session *s)
{
	if (s->opt.ctl_fd >= 0)
		open_transport_by_fds(s);
	else
		open_transport_by_path(s);
	if (ctl_info(&s->ctl, &s->info) < 0)
		fatal("cannot ask module %s about its transport: %s",
		      s->opt.module, strerror(errno));
	s->bulk = s->info.flags & STP_INFO_BULK;
	s->merger.gaps_overwritten = s->info.flags & STP_INFO_OVERWRITE;
	if (s->opt.attach)
		s->merger.next_seq = 0;	/* older records may be gone */
	verbose(s, "module %s: %zu relay files, %u x %llu bytes%s%s",
		s->opt.module, s->merger.nstreams,
		s->info.n_subbufs, (unsigned long long)s->info.subbuf_size,
		s->bulk ? ", bulk" : "",
		s->merger.gaps_overwritten ? ", flight recorder" : "");
}

static void open_failed(const char *path)
{
	fatal("cannot open output file %s: %s", path ? path : "(pattern)",
	      strerror(errno));
}

/* Bulk mode: FILE_cpuN (stpd_cpuN without -o), raw records. */
static void open_bulk_outputs(struct session *s)
{
	const char *pattern = s->opt.outfile ? s->opt.outfile : "stpd";
	char suffix[32];
	size_t i;

	if (s->opt.rotate_bytes)
		fatal("-S is not available in bulk mode (one file per CPU)");
	s->raw = calloc(s->merger.nstreams, sizeof(*s->raw));
	if (!s->raw)
		fatal("out of memory");
	for (i = 0; i < s->merger.nstreams; i++) {
		snprintf(suffix, sizeof(suffix), "_cpu%d",
			 s->merger.streams[i].cpu);
		if (output_open(&s->raw[i], pattern, suffix, 0, 0,
				s->opt.attach) < 0)
			open_failed(s->raw[i].path);
		s->merger.streams[i].raw = &s->raw[i];
	}
}

static void open_output(struct session *s)
{
	if (!s->read_output)
		return;
	if (s->bulk) {
		open_bulk_outputs(s);
		return;
	}
	/* Reattached: go on after what the last stapio wrote. */
	if (output_open(&s->out, s->opt.outfile, NULL, s->opt.rotate_bytes,
			s->opt.rotate_keep, s->opt.attach) < 0)
		open_failed(s->out.path);
	s->merger.out = &s->out;
}

static void send_start(struct session *s)
{
	struct stp_start start = { .target = s->opt.target_pid };

	if (s->opt.attach) {
		/* The module runs already: STOP may go out at once. */
		s->start_done = true;
		return;
	}
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
		if (m->type == STP_MSG_WARNING && s->opt.no_warnings)
			break;
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
	int r = s->bulk ? merger_emit_raw(&s->merger)
			: merger_emit(&s->merger, final);

	if (r < 0)
		fatal("corrupt record in relay files of %s", s->opt.module);
}

/*
 * One pass while running; with drain set, read every file to its end
 * first, so that only then are missing records given up at once.
 */
static void pump_output(struct session *s, bool drain)
{
	ssize_t n;

	if (!s->read_output)
		return;
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
	if (detach_signal) {
		detach_signal = 0;
		verbose(s, "SIGQUIT received");
		s->want_detach = true;
	}
	if (switch_signal) {
		switch_signal = 0;
		if (s->read_output && !s->bulk) {
			pump_output(s, false);
			output_switch(&s->out);
			verbose(s, "SIGUSR2: output now goes to %s",
				s->out.path ? s->out.path : "standard output");
		}
	}
}

static void wait_for_events(struct session *s, const sigset_t *mask)
{
	size_t n = s->read_output ? s->merger.nstreams : 0, i;
	struct pollfd fds[2 + n];
	struct timespec ts = { 0, 0 };
	long ms = s->opt.poll_ms;

	if (merger_pending(&s->merger) && ms > POLL_GAP_MS)
		ms = POLL_GAP_MS;

	fds[0] = (struct pollfd){ .fd = s->ctl.fd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = ctl_done_fd(&s->ctl), .events = POLLIN };
	for (i = 0; i < n; i++)
		fds[2 + i] = (struct pollfd){ .fd = s->merger.streams[i].fd,
					      .events = POLLIN };
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
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

/*
 * Leave the module running: print what was read already (the rest stays
 * in relay for the next stapio), close the files and exit with status 3.
 * An exit request read but not answered is queued again by the module.
 */
static void detach(struct session *s)
{
	if (s->read_output) {
		emit_output(s, true);
		merger_flush(&s->merger);
	}
	if (s->merger.out_broken && s->merger.out_errno != EPIPE)
		fprintf(stderr, "stapio: ERROR: writing output failed: %s\n",
			strerror(s->merger.out_errno));
	merger_close(&s->merger);
	ctl_close(&s->ctl);
	if (s->merger.out)
		output_close(&s->out);
	fprintf(stderr, "Disconnecting from systemtap module.\n"
		"To reconnect, type \"staprun -A %s\"\n", s->opt.module);
	exit(EXIT_DETACHED);
}

/* Detach once START is through; not once STOP is on its way. */
static void maybe_detach(struct session *s)
{
	if (!s->want_detach && !(s->opt.load_detach && s->start_done))
		return;
	if (s->stop_sent || s->done) {
		if (s->want_detach)
			verbose(s, "stopping already: not detaching");
		s->want_detach = false;
		return;
	}
	if (s->start_done)
		detach(s);
}

static void run_loop(struct session *s, const sigset_t *mask)
{
	while (!s->done) {
		wait_for_events(s, mask);
		check_events(s);
		pump_output(s, false);
		read_messages(s);
		maybe_detach(s);
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
	if (s->merger.overwritten)
		verbose(s, "%llu output records overwritten (flight recorder)",
			(unsigned long long)s->merger.overwritten);
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
	s.read_output = !s.opt.load_detach;
	setup_signals(&poll_mask);
	merger_init(&s.merger, NULL);
	open_transport(&s);
	open_output(&s);
	send_start(&s);
	run_loop(&s, &poll_mask);
	finish(&s);
	system_wait_all();
	status = report(&s);
	target_finish(&s.cmd);
	merger_close(&s.merger);
	ctl_close(&s.ctl);
	if (s.merger.out && output_close(&s.out) != 0)
		status = 1;
	return status;
}
