/* Host side of the qemu guest runner: builds the initramfs, starts qemu,
 * talks to stap-guest-agent over a virtio-console port (a unix socket on our
 * side) and relays commands' output.  See remote_qemu.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "remote_qemu_internal.h"

#define POWEROFF_TIMEOUT_MS 15000
#define EXIT_TIMEOUT_MS 5000
/* Generous: a TCG guest under load can stall for seconds. */
#define DEFAULT_HANG_TIMEOUT_S 60
/* A command that ends normally after SIGINT does so well within this. */
#define DEFAULT_INTERRUPT_GRACE_S 5
#define LOCK_POLL_US 50000
/* For a persistent guest's agent to kill a command that ignored SIGINT. */
#define KILL_WAIT_MS 3000
#define QEMU_BINARY "qemu-system-x86_64"

/* ---- the qemu process ---- */

int guest_qemu_alive(struct guest *g)
{
	int status;

	if (g->qemu_pid <= 0)
		return 0;
	if (g->is_our_child) {
		if (waitpid(g->qemu_pid, &status, WNOHANG) == 0)
			return 1;
		g->qemu_pid = 0;
		return 0;
	}
	if (guest_qemu_is_running(g->qemu_pid, g->qemu_socket))
		return 1;
	g->qemu_pid = 0;
	return 0;
}

static int wait_qemu_exit(struct guest *g, int timeout_ms)
{
	long long deadline = guest_now_ms() + timeout_ms;

	while (guest_qemu_alive(g)) {
		if (guest_now_ms() >= deadline)
			return -1;
		usleep(20000);
	}
	return 0;
}

static void close_channel(struct guest *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	g->in_len = 0;
}

/* Field 4 of /proc/PID/stat, or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], *text, *end;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = guest_read_file(path, NULL);
	end = text ? strrchr(text, ')') : NULL;
	if (!end || sscanf(end + 1, " %*c %d", &ppid) != 1)
		ppid = 0;
	free(text);
	return ppid;
}

void guest_kill_qemu(struct guest *g)
{
	close_channel(g);
	if (!guest_qemu_alive(g))
		return;
	/* The keeper first, or it would see qemu go and clean up under us. */
	if (g->keeper_pid > 0 && parent_of(g->qemu_pid) == g->keeper_pid)
		kill(g->keeper_pid, SIGKILL);
	kill(g->qemu_pid, SIGKILL);
	wait_qemu_exit(g, EXIT_TIMEOUT_MS);
}

/* Escape a value for qemu's "key=value,..." option syntax. */
static char *qemu_opt_value(const char *value)
{
	char *out = malloc(strlen(value) * 2 + 1), *p = out;

	if (!out)
		return NULL;
	for (; *value; value++) {
		*p++ = *value;
		if (*value == ',')
			*p++ = ',';
	}
	*p = '\0';
	return out;
}

struct qemu_args {
	const char *kernel;
	char *append, *initrd, *console, *channel;
};

static void qemu_args_free(struct qemu_args *a)
{
	free(a->append);
	free(a->initrd);
	free(a->console);
	free(a->channel);
}

static int qemu_args_init(struct qemu_args *a, struct guest *g,
			  const char *kernel, const char *agent)
{
	char *dir = qemu_opt_value(g->dir), *sock = qemu_opt_value(g->qemu_socket);
	const char *extra = getenv("STAP_QEMU_APPEND");
	int ok;

	a->kernel = kernel;
	ok = dir && sock &&
		asprintf(&a->append, "console=ttyS0 quiet panic=-1 oops=panic stap.agent=%s %s",
			 agent, extra ? extra : "") >= 0 &&
		asprintf(&a->initrd, "%s/initrd.img", g->dir) >= 0 &&
		asprintf(&a->console, "file,id=console,path=%s/console.log", dir) >= 0 &&
		asprintf(&a->channel, "socket,id=agent,path=%s,server=on,wait=off", sock) >= 0;

	free(dir);
	free(sock);
	return ok ? 0 : -1;
}

static void exec_qemu(struct guest *g, const struct qemu_args *a, pid_t parent)
{
	char *log = guest_path_in(g->dir, "qemu.log");
	int null_fd = open("/dev/null", O_RDWR);
	int log_fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
	char *argv[] = {
		QEMU_BINARY, "-name", "stap-guest", "-no-user-config", "-nodefaults",
		"-accel", "tcg,thread=multi", "-cpu", "max", "-m", "2048", "-smp", "2",
		"-display", "none", "-no-reboot",
		"-kernel", (char *)a->kernel, "-initrd", a->initrd, "-append", a->append,
		"-chardev", a->console, "-serial", "chardev:console",
		"-device", "virtio-serial-pci,id=vser",
		"-chardev", a->channel,
		"-device", "virtserialport,bus=vser.0,chardev=agent,name=" GUEST_PORT_NAME,
		"-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
		"-virtfs", "local,path=/tmp,mount_tag=hosttmp,security_model=none,multidevs=remap",
		"-virtfs", "local,path=/var/tmp,mount_tag=hostvartmp,security_model=none,multidevs=remap",
		NULL
	};

	/* qemu dies with its owner: the user of a throw-away guest, or the
	 * keeper of a persistent one. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	/* Own session: a Ctrl-C at the terminal is forwarded to the guest's
	 * command by us, it must not kill qemu. */
	setsid();
	if (null_fd < 0 || log_fd < 0 || dup2(null_fd, 0) < 0 ||
	    dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	execvp(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int start_qemu(struct guest *g, const char *kernel, const char *agent,
		      char **err)
{
	struct qemu_args args = { 0 };
	pid_t parent = getpid(), pid;

	if (qemu_args_init(&args, g, kernel, agent) < 0) {
		qemu_args_free(&args);
		guest_set_error(err, "out of memory");
		return -1;
	}
	unlink(g->qemu_socket);
	pid = fork();
	if (pid == 0)
		exec_qemu(g, &args, parent);
	qemu_args_free(&args);
	if (pid < 0) {
		guest_set_error(err, "cannot start qemu: %s", strerror(errno));
		return -1;
	}
	g->qemu_pid = pid;
	g->is_our_child = 1;
	return 0;
}

void guest_remove_files(struct guest *g)
{
	static const char *const names[] = {
		GUEST_QEMU_PID, GUEST_KEEPER_PID, GUEST_KEEPER_SOCKET,
		GUEST_QEMU_SOCKET, "initrd.img", "vmlinux",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *path = guest_path_in(g->dir, names[i]);

		if (path)
			unlink(path);
		free(path);
	}
}

static void remove_gone_note(struct guest *g)
{
	char *path = guest_path_in(g->dir, GUEST_GONE_NOTE);

	if (path)
		unlink(path);
	free(path);
}

/* A persistent guest's next users learn why it is gone: "... because WHY". */
static void note_gone(struct guest *g, const char *fmt, ...)
{
	char *path, *why;
	va_list ap;
	FILE *f;

	if (!g->persistent)
		return;
	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	path = guest_path_in(g->dir, GUEST_GONE_NOTE);
	f = path && why ? fopen(path, "we") : NULL;
	if (f) {
		fputs(why, f);
		fclose(f);
	}
	free(path);
	free(why);
}

/* ---- the channel ---- */

int guest_connect_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int guest_send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		/* send() for sockets, so a closed peer is EPIPE, not a signal. */
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int guest_send_frame(struct guest *g, int type, const void *payload,
		      size_t len)
{
	unsigned char header[GUEST_FRAME_HEADER_SIZE];

	if (g->fd < 0)
		return -1;
	header[0] = type;
	guest_put_u32(header + 1, len);
	if (guest_send_all(g->fd, header, sizeof(header)) < 0 ||
	    (len && guest_send_all(g->fd, payload, len) < 0))
		return -1;
	return 0;
}

/* Wait up to timeout_ms for bytes and append them to g->in.
 * 1: got some, 0: nothing yet, -1: the guest closed the channel. */
static int receive_some(struct guest *g, int timeout_ms)
{
	struct pollfd pfd = { .fd = g->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	if (g->in_cap - g->in_len < 65536) {
		unsigned char *bigger = realloc(g->in, g->in_cap + 65536);

		if (!bigger)
			return -1;
		g->in = bigger;
		g->in_cap += 65536;
	}
	n = read(g->fd, g->in + g->in_len, 65536);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	g->in_len += n;
	return 1;
}

static void consume_input(struct guest *g, size_t len)
{
	memmove(g->in, g->in + len, g->in_len - len);
	g->in_len -= len;
}

/* Next complete frame at the start of g->in: 1 and its parts, else 0. */
static int next_frame(struct guest *g, int *type, unsigned char **payload,
		      size_t *len)
{
	if (g->in_len < GUEST_FRAME_HEADER_SIZE)
		return 0;
	*type = g->in[0];
	*len = guest_get_u32(g->in + 1);
	if (g->in_len < GUEST_FRAME_HEADER_SIZE + *len)
		return 0;
	*payload = g->in + GUEST_FRAME_HEADER_SIZE;
	return 1;
}

/* Ping the agent and skip everything up to its answer, which carries our
 * nonce: whatever arrives before it (a previous session's leftovers, even a
 * frame cut in half) is searched, not parsed.  0, or -1 with *why set. */
int guest_sync_with_agent(struct guest *g, long long deadline,
			   volatile sig_atomic_t *interrupt, const char **why)
{
	unsigned char nonce[4], answer[GUEST_FRAME_HEADER_SIZE + 4];
	unsigned char *found;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	guest_put_u32(nonce, (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 12);
	answer[0] = GUEST_FRAME_READY;
	guest_put_u32(answer + 1, sizeof(nonce));
	memcpy(answer + GUEST_FRAME_HEADER_SIZE, nonce, sizeof(nonce));
	if (guest_send_frame(g, GUEST_FRAME_PING, nonce, sizeof(nonce)) < 0) {
		*why = "cannot write to the guest's channel";
		return -1;
	}
	for (;;) {
		found = g->in_len ? memmem(g->in, g->in_len, answer, sizeof(answer)) : NULL;
		if (found) {
			consume_input(g, found - g->in + sizeof(answer));
			return 0;
		}
		if (g->in_len > sizeof(answer))
			consume_input(g, g->in_len - sizeof(answer));
		if (interrupt && *interrupt) {
			*why = "interrupted";
			return -1;
		}
		if (guest_now_ms() >= deadline) {
			*why = "the agent did not answer in time";
			return -1;
		}
		if (receive_some(g, GUEST_POLL_SLICE_MS) < 0) {
			*why = "the guest closed its channel (qemu exited)";
			return -1;
		}
	}
}

/* ---- setting up a struct guest ---- */

void guest_free(struct guest *g)
{
	close_channel(g);
	if (g->lock_fd >= 0)
		close(g->lock_fd);
	free(g->dir);
	free(g->qemu_socket);
	free(g->in);
	free(g);
}

struct guest *guest_new(const char *dir, char **err)
{
	struct guest *g = calloc(1, sizeof(*g));
	struct sockaddr_un addr;

	if (!g) {
		guest_set_error(err, "out of memory");
		return NULL;
	}
	g->fd = g->lock_fd = -1;
	g->dir = realpath(dir, NULL);
	if (!g->dir) {
		guest_set_error(err, "guest directory %s: %s", dir, strerror(errno));
		guest_free(g);
		return NULL;
	}
	g->qemu_socket = guest_path_in(g->dir, GUEST_QEMU_SOCKET);
	/* The keeper's socket has the longer name. */
	if (!g->qemu_socket || strlen(g->dir) + 1 + strlen(GUEST_KEEPER_SOCKET) >=
	    sizeof(addr.sun_path)) {
		guest_set_error(err, "guest directory %s: path too long for a socket", g->dir);
		guest_free(g);
		return NULL;
	}
	return g;
}

/* One user of a guest directory at a time.  Waiting for an interruptible
 * user polls, so that a signal is never lost just before flock() blocks. */
static int lock_dir(struct guest *g, int wait, volatile sig_atomic_t *interrupt,
		    char **err)
{
	char *path = guest_path_in(g->dir, "lock");
	int nonblocking = !wait || interrupt ? LOCK_NB : 0;

	g->lock_fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
	free(path);
	if (g->lock_fd < 0) {
		guest_set_error(err, "cannot create a lock in %s: %s", g->dir, strerror(errno));
		return -1;
	}
	while (flock(g->lock_fd, LOCK_EX | nonblocking) < 0) {
		if (errno != EINTR && !(wait && errno == EWOULDBLOCK)) {
			guest_set_error(err, "guest directory %s is in use", g->dir);
			return -1;
		}
		if (interrupt && *interrupt) {
			guest_set_error(err, "interrupted while waiting for the guest in %s", g->dir);
			return -1;
		}
		if (nonblocking)
			usleep(LOCK_POLL_US);
	}
	return 0;
}

int guest_lock_dir(struct guest *g, int wait, char **err)
{
	return lock_dir(g, wait, NULL, err);
}

static int check_boot_args(struct guest *g, const char *kernel,
			   const char *agent, char *release, size_t size,
			   char **err)
{
	if (access(kernel, R_OK) < 0) {
		guest_set_error(err, "cannot read kernel image %s: %s", kernel, strerror(errno));
		return -1;
	}
	if (guest_kernel_release(kernel, release, size) < 0) {
		guest_set_error(err, "%s is not a bzImage with a version string", kernel);
		return -1;
	}
	if (agent[0] != '/' || strpbrk(agent, " \t\n\"") || access(agent, X_OK) < 0) {
		guest_set_error(err, "guest agent %s: must be an absolute path without spaces to an executable",
			  agent);
		return -1;
	}
	if (strchr(g->dir, ',') || strpbrk(g->dir, " \t\n")) {
		guest_set_error(err, "guest directory %s: commas and spaces are not allowed", g->dir);
		return -1;
	}
	if (guest_qemu_is_running(guest_read_pid(g->dir, GUEST_QEMU_PID), g->qemu_socket)) {
		guest_set_error(err, "a guest is already running in %s", g->dir);
		return -1;
	}
	return 0;
}

/* The socket appears once qemu has parsed its options. */
static int connect_to_qemu(struct guest *g, long long deadline, char **err)
{
	for (;;) {
		g->fd = guest_connect_socket(g->qemu_socket);
		if (g->fd >= 0)
			return 0;
		if (!guest_qemu_alive(g)) {
			guest_set_boot_error(err, g->dir, "qemu exited at once");
			return -1;
		}
		if (guest_now_ms() >= deadline) {
			guest_set_boot_error(err, g->dir, "qemu did not open its socket");
			return -1;
		}
		usleep(10000);
	}
}

static int boot_and_sync(struct guest *g, const char *kernel_image,
			 const char *agent, volatile sig_atomic_t *interrupt,
			 char **err)
{
	long long deadline = guest_now_ms() + GUEST_BOOT_TIMEOUT_MS;
	char release[128], *initrd, what[128], *pvh = NULL;
	const char *why, *no_pvh = getenv("STAP_QEMU_NO_PVH");
	int rc;

	if (check_boot_args(g, kernel_image, agent, release, sizeof(release), err) < 0)
		return -1;
	remove_gone_note(g);
	initrd = guest_path_in(g->dir, "initrd.img");
	rc = initrd ? guest_build_initrd(initrd, release, err) : -1;
	free(initrd);
	if (rc == 0 && !(no_pvh && *no_pvh))
		pvh = guest_pvh_kernel(kernel_image, release, g->dir);
	if (rc == 0)
		rc = start_qemu(g, pvh ? pvh : kernel_image, agent, err);
	free(pvh);
	if (rc < 0 ||
	    guest_write_pid(g->dir, GUEST_QEMU_PID, g->qemu_pid, err) < 0 ||
	    connect_to_qemu(g, deadline, err) < 0)
		return -1;
	if (guest_sync_with_agent(g, deadline, interrupt, &why) < 0) {
		if (interrupt && *interrupt) {
			guest_set_error(err, "interrupted while the guest booted");
			return -1;
		}
		if (guest_now_ms() >= deadline)
			snprintf(what, sizeof(what), "no answer from the guest agent within %d s",
				 GUEST_BOOT_TIMEOUT_MS / 1000);
		else
			snprintf(what, sizeof(what), "%s", why);
		guest_set_boot_error(err, g->dir, what);
		return -1;
	}
	return 0;
}

struct guest *guest_boot_direct(const char *kernel_image, const char *dir,
				const char *agent, int take_lock,
				volatile sig_atomic_t *interrupt, char **err)
{
	struct guest *g = guest_new(dir, err);

	if (!g)
		return NULL;
	if (take_lock && guest_lock_dir(g, 0, err) < 0) {
		guest_free(g);
		return NULL;
	}
	if (boot_and_sync(g, kernel_image, agent, interrupt, err) < 0) {
		guest_kill_qemu(g);
		guest_remove_files(g);
		guest_free(g);
		return NULL;
	}
	return g;
}

struct guest *guest_boot_interruptible(const char *kernel_image,
				       const char *dir, const char *agent,
				       int persistent,
				       volatile sig_atomic_t *interrupt,
				       char **err)
{
	char *default_kernel = NULL;
	struct guest *g;

	if (!agent) {
		guest_set_error(err, "no stap-guest-agent to run in the guest");
		return NULL;
	}
	if (!kernel_image) {
		kernel_image = default_kernel = guest_default_kernel();
		if (!kernel_image) {
			guest_set_error(err, "no guest kernel: no /boot/vmlinuz-R with /lib/modules/R/build");
			return NULL;
		}
	}
	if (persistent)
		g = guest_boot_persistent(kernel_image, dir, agent, interrupt, err);
	else
		g = guest_boot_direct(kernel_image, dir, agent, 1, interrupt, err);
	free(default_kernel);
	return g;
}

struct guest *guest_boot(const char *kernel_image, const char *dir,
			 const char *agent, int persistent, char **err)
{
	return guest_boot_interruptible(kernel_image, dir, agent, persistent,
					NULL, err);
}

/* "no guest is running in DIR", with why if the last one left a note. */
static void set_not_running_error(struct guest *g, char **err)
{
	char *path = guest_path_in(g->dir, GUEST_GONE_NOTE);
	char *why = path ? guest_read_file(path, NULL) : NULL;

	if (why && *why)
		guest_set_error(err, "no guest is running in %s: the last one ended because %s; "
				"see %s/console.log, and start a new one", g->dir, why, g->dir);
	else
		guest_set_error(err, "no guest is running in %s", g->dir);
	free(why);
	free(path);
}

struct guest *guest_attach_interruptible(const char *dir,
					 volatile sig_atomic_t *interrupt,
					 char **err)
{
	struct guest *g = guest_new(dir, err);
	const char *why;
	char *path;

	if (!g)
		return NULL;
	g->persistent = 1;
	if (lock_dir(g, 1, interrupt, err) < 0)
		goto fail;
	g->qemu_pid = guest_read_pid(g->dir, GUEST_QEMU_PID);
	g->keeper_pid = guest_read_pid(g->dir, GUEST_KEEPER_PID);
	if (!guest_qemu_is_running(g->qemu_pid, g->qemu_socket)) {
		set_not_running_error(g, err);
		goto fail;
	}
	path = guest_path_in(g->dir, GUEST_KEEPER_SOCKET);
	g->fd = path ? guest_connect_socket(path) : -1;
	free(path);
	if (g->fd < 0) {
		guest_set_error(err, "cannot connect to the guest in %s: %s", g->dir,
			  strerror(errno));
		goto fail;
	}
	if (guest_sync_with_agent(g, guest_now_ms() + GUEST_ATTACH_TIMEOUT_MS, interrupt,
				  &why) < 0) {
		guest_set_error(err, "the guest in %s does not answer: %s", g->dir, why);
		goto fail;
	}
	return g;
fail:
	guest_free(g);
	return NULL;
}

struct guest *guest_attach(const char *dir, char **err)
{
	return guest_attach_interruptible(dir, NULL, err);
}

/* ---- running a command ---- */

static char *run_payload(const char *cwd, char *const argv[], size_t *len)
{
	size_t size = strlen(cwd) + 1, at;
	char *payload;
	int i;

	for (i = 0; argv[i]; i++)
		size += strlen(argv[i]) + 1;
	payload = malloc(size);
	if (!payload)
		return NULL;
	memcpy(payload, cwd, strlen(cwd) + 1);
	at = strlen(cwd) + 1;
	for (i = 0; argv[i]; i++) {
		memcpy(payload + at, argv[i], strlen(argv[i]) + 1);
		at += strlen(argv[i]) + 1;
	}
	*len = size;
	return payload;
}

static void copy_out(int fd, const unsigned char *data, size_t len)
{
	ssize_t n;

	/* A reader that went away loses the rest; the command still runs on. */
	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		data += n;
		len -= n;
	}
}

/* Relay the frames received so far; 1 once the exit status came. */
static int relay_frames(struct guest *g, int out_fd, int err_fd,
			int *wait_status)
{
	unsigned char *payload;
	size_t len;
	int type;

	while (next_frame(g, &type, &payload, &len)) {
		if (type == GUEST_FRAME_STDOUT)
			copy_out(out_fd, payload, len);
		else if (type == GUEST_FRAME_STDERR)
			copy_out(err_fd, payload, len);
		else if (type == GUEST_FRAME_EXIT && len == 4)
			*wait_status = (int)guest_get_u32(payload);
		consume_input(g, GUEST_FRAME_HEADER_SIZE + len);
		if (type == GUEST_FRAME_EXIT)
			return 1;
	}
	return 0;
}

/* The console's report since the command started. */
static char *console_report(struct guest *g)
{
	char *report = guest_console_since(g->dir, g->console_from);

	return report ? report : strdup("");
}

static void set_died_error(struct guest *g, const char *what, char **err)
{
	char *crash = guest_console_crash(g->dir, g->console_from);
	char *report = console_report(g);

	if (crash) {
		guest_set_error(err, "the guest's kernel crashed while running %s: %s%s",
				what, crash, report ? report : "");
		note_gone(g, "its kernel crashed while running %s (%s)", what, crash);
	} else {
		guest_set_error(err, "the guest went away while running %s (it crashed or powered off)%s",
				what, report ? report : "");
		note_gone(g, "it went away while running %s", what);
	}
	free(report);
	free(crash);
}

static void set_hung_error(struct guest *g, const char *what, int hang_s,
			   char **err)
{
	char *report = console_report(g);

	guest_set_error(err, "guest stopped responding (nothing for %d s); killed it%s",
			hang_s, report ? report : "");
	note_gone(g, "it stopped responding while running %s and was killed", what);
	free(report);
}

/* Seconds from the environment variable name, else default_s. */
static int env_seconds(const char *name, int default_s)
{
	const char *env = getenv(name);
	char *end;
	long s;

	if (!env || !*env)
		return default_s;
	s = strtol(env, &end, 10);
	if (*end || s < 0 || s > INT_MAX / 1000)
		return default_s;
	return (int)s;
}

static void kill_guest(struct guest *g)
{
	guest_kill_qemu(g);
	guest_remove_files(g);
}

/* One command's relay; times in ms of guest_now_ms(), 0 for none. */
struct relay {
	struct guest *g;
	const char *what;
	int out_fd, err_fd;
	volatile sig_atomic_t *interrupt;
	int timeout_s, hang_s, grace_s;
	long long deadline;	/* of timeout_s */
	long long heard_ms;	/* the guest's last sign of life */
	long long give_up_ms;	/* after an interrupt; -1: never (no grace) */
};

/* Have a persistent guest's agent SIGKILL the command; 1 once it is gone,
 * 0 if it lingers (stuck in a wedged kernel) or the guest went away. */
static int kill_command(struct relay *r)
{
	long long deadline = guest_now_ms() + KILL_WAIT_MS;
	unsigned char sig = SIGKILL;
	int status;

	if (guest_send_frame(r->g, GUEST_FRAME_SIGNAL, &sig, 1) < 0)
		return 0;
	while (guest_now_ms() < deadline) {
		if (relay_frames(r->g, r->out_fd, r->err_fd, &status))
			return 1;
		if (receive_some(r->g, GUEST_POLL_SLICE_MS) < 0)
			return 0;
	}
	return 0;
}

/* The command did not end after an interrupt.  A throw-away guest (maybe
 * wedged by a script) is killed.  A persistent one is kept if its agent
 * can still kill the command, so that one stuck script does not take the
 * guest from the commands after it. */
static int give_up_after_interrupt(struct relay *r, int twice, char **err)
{
	struct guest *g = r->g;
	char *crash, *report, when[64];

	if (twice)
		snprintf(when, sizeof(when), "before the second interrupt");
	else
		snprintf(when, sizeof(when), "within %d s of the interrupt", r->grace_s);
	if (g->persistent && kill_command(r)) {
		guest_set_error(err, "interrupted: %s did not end %s; killed it", r->what, when);
		return -1;
	}
	crash = guest_console_crash(g->dir, g->console_from);
	report = crash ? console_report(g) : NULL;
	kill_guest(g);
	guest_set_error(err, "interrupted: %s did not end %s%s; killed the guest%s", r->what,
			when, g->persistent ? " and could not be killed" : "",
			report ? report : "");
	note_gone(g, "%s could not be killed after an interrupt, so the guest was killed", r->what);
	free(report);
	free(crash);
	return -1;
}

enum interrupt_state { GOING_ON, GRACE_OVER, INTERRUPTED_TWICE };

/* Forward an interrupt to the command, and say when to give up on it. */
static enum interrupt_state handle_interrupt(struct relay *r)
{
	unsigned char sig = SIGINT;

	if (r->interrupt && *r->interrupt) {
		*r->interrupt = 0;
		if (r->give_up_ms)
			return INTERRUPTED_TWICE;
		guest_send_frame(r->g, GUEST_FRAME_SIGNAL, &sig, 1);
		r->give_up_ms = r->grace_s ? guest_now_ms() + r->grace_s * 1000LL : -1;
	}
	if (r->give_up_ms > 0 && guest_now_ms() >= r->give_up_ms)
		return GRACE_OVER;
	return GOING_ON;
}

/* Wait for the guest a while: 0 to go on, -1 (with *err) if it is lost. */
static int wait_for_guest(struct relay *r, char **err)
{
	int got;

	if (r->deadline && guest_now_ms() >= r->deadline) {
		kill_guest(r->g);
		guest_set_error(err, "guest did not finish within %d s; killed it", r->timeout_s);
		note_gone(r->g, "%s did not finish within %d s and the guest was killed",
			  r->what, r->timeout_s);
		return -1;
	}
	got = receive_some(r->g, GUEST_POLL_SLICE_MS);
	if (got < 0) {
		set_died_error(r->g, r->what, err);
		kill_guest(r->g);
		return -1;
	}
	/* Judged only after waiting in vain: time we spent blocked
	 * writing output must not count as the guest's silence. */
	if (got > 0)
		r->heard_ms = guest_now_ms();
	else if (r->hang_s && guest_now_ms() - r->heard_ms >= r->hang_s * 1000LL) {
		set_hung_error(r->g, r->what, r->hang_s, err);
		kill_guest(r->g);
		return -1;
	}
	return 0;
}

static int relay_until_exit(struct relay *r, int *wait_status, char **err)
{
	enum interrupt_state state;

	while (!relay_frames(r->g, r->out_fd, r->err_fd, wait_status)) {
		state = handle_interrupt(r);
		if (state != GOING_ON)
			return give_up_after_interrupt(r, state == INTERRUPTED_TWICE, err);
		if (wait_for_guest(r, err) < 0)
			return -1;
	}
	return 0;
}

int guest_run(struct guest *g, const char *cwd, char *const argv[],
	      int out_fd, int err_fd, volatile sig_atomic_t *interrupt,
	      int timeout_s, int *wait_status, char **err)
{
	size_t len;
	char *payload;
	int rc;

	if (!g || g->fd < 0) {
		guest_set_error(err, "the guest is not running");
		return -1;
	}
	if (!argv || !argv[0]) {
		guest_set_error(err, "no command to run in the guest");
		return -1;
	}
	payload = run_payload(cwd, argv, &len);
	if (!payload || len > GUEST_FRAME_MAX_PAYLOAD) {
		free(payload);
		guest_set_error(err, "command line too long for the guest");
		return -1;
	}
	g->console_from = guest_console_size(g->dir);
	rc = guest_send_frame(g, GUEST_FRAME_RUN, payload, len);
	free(payload);
	if (rc < 0) {
		set_died_error(g, argv[0], err);
		guest_kill_qemu(g);
		return -1;
	}
	*wait_status = 0;
	return relay_until_exit(&(struct relay){
		.g = g, .what = argv[0], .out_fd = out_fd, .err_fd = err_fd,
		.interrupt = interrupt, .timeout_s = timeout_s,
		.hang_s = env_seconds("STAP_QEMU_HANG_TIMEOUT", DEFAULT_HANG_TIMEOUT_S),
		.grace_s = env_seconds("STAP_QEMU_INTERRUPT_GRACE", DEFAULT_INTERRUPT_GRACE_S),
		.deadline = timeout_s > 0 ? guest_now_ms() + timeout_s * 1000LL : 0,
		.heard_ms = guest_now_ms(),
	}, wait_status, err);
}

/* ---- ending ---- */

/* After 'H', qemu closes the socket when the guest has powered off. */
static void wait_channel_closed(struct guest *g, int timeout_ms)
{
	long long deadline = guest_now_ms() + timeout_ms;

	while (g->fd >= 0 && guest_now_ms() < deadline) {
		if (receive_some(g, GUEST_POLL_SLICE_MS) < 0)
			break;
		g->in_len = 0;
	}
	close_channel(g);
}

int guest_poweroff(struct guest *g, char **err)
{
	int rc = 0;

	if (!g)
		return 0;
	if (g->fd >= 0 && guest_send_frame(g, GUEST_FRAME_HALT, NULL, 0) == 0)
		wait_channel_closed(g, POWEROFF_TIMEOUT_MS);
	close_channel(g);
	if (wait_qemu_exit(g, EXIT_TIMEOUT_MS) < 0) {
		guest_kill_qemu(g);
		guest_set_error(err, "the guest did not power off; killed qemu");
		rc = -1;
	}
	guest_remove_files(g);
	guest_free(g);
	return rc;
}

void guest_detach(struct guest *g)
{
	if (!g)
		return;
	if (!g->persistent) {
		guest_poweroff(g, NULL);
		return;
	}
	guest_free(g);
}

void guest_halt(struct guest *g)
{
	if (g && !g->persistent)
		guest_poweroff(g, NULL);
	else
		guest_detach(g);
}

int guest_kill_dir(const char *dir, char **err)
{
	struct guest *g = guest_new(dir, err);

	if (!g)
		return -1;
	g->qemu_pid = guest_read_pid(g->dir, GUEST_QEMU_PID);
	g->keeper_pid = guest_read_pid(g->dir, GUEST_KEEPER_PID);
	guest_kill_qemu(g);
	if (guest_qemu_alive(g)) {
		guest_set_error(err, "cannot kill qemu (pid %d)", (int)g->qemu_pid);
		guest_free(g);
		return -1;
	}
	guest_remove_files(g);
	guest_free(g);
	return 0;
}
