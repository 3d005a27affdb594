/* stap-guest-agent: runs as PID 1 inside the qemu guest (after the
 * initramfs chrooted into the host's root) and executes commands sent by the
 * host over a virtio-console port, streaming their output back.  See the
 * wire protocol at the end of translator/remote_qemu.h.
 *
 * Usage: stap-guest-agent [CHANNEL-DEVICE]
 * Without an argument the port named GUEST_PORT_NAME is looked up in sysfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../translator/remote_qemu.h"

#define READ_CHUNK 65536
/* Stop reading the command's pipes while this much is waiting for the host:
 * a slow host then slows the command down instead of growing our memory. */
#define QUEUE_HIGH_WATER (256 * 1024)
#define COMMAND_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct buffer {
	unsigned char *data;
	size_t start;	/* consumed bytes before this offset */
	size_t len;	/* end of valid data */
	size_t cap;
};

struct command {
	pid_t pid;		/* 0 when no command is running */
	int out_fd;		/* read ends of its pipes, -1 once closed */
	int err_fd;
	int exited;
	int status;
};

static int channel_fd = -1;
static char channel_path[PATH_MAX];
static int sigchld_fd = -1;
static struct buffer to_host;
static struct buffer from_host;
static struct command cmd = { .out_fd = -1, .err_fd = -1 };
static long long next_keepalive_ms;	/* while cmd.pid is set */

static void log_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("stap-guest-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void power_off(void)
{
	int fd;

	sync();
	reboot(RB_POWER_OFF);
	/* Not allowed to reboot(2)?  The sysrq route still works for root. */
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "o", 1) < 0)
			log_msg("sysrq power off: %s", strerror(errno));
		close(fd);
	}
	for (;;)
		pause();
}

static void fatal(const char *what)
{
	log_msg("%s: %s; powering off", what, strerror(errno));
	power_off();
}

static void buffer_reserve(struct buffer *b, size_t more)
{
	if (b->start > 0 && b->len + more > b->cap) {
		memmove(b->data, b->data + b->start, b->len - b->start);
		b->len -= b->start;
		b->start = 0;
	}
	if (b->len + more <= b->cap)
		return;
	while (b->len + more > b->cap)
		b->cap = b->cap ? b->cap * 2 : 65536;
	b->data = realloc(b->data, b->cap);
	if (!b->data)
		fatal("out of memory");
}

static size_t buffer_used(const struct buffer *b)
{
	return b->len - b->start;
}

static void buffer_clear(struct buffer *b)
{
	b->start = b->len = 0;
}

static void queue_frame(int type, const void *payload, size_t len)
{
	unsigned char *p;

	buffer_reserve(&to_host, GUEST_FRAME_HEADER_SIZE + len);
	p = to_host.data + to_host.len;
	p[0] = type;
	guest_put_u32(p + 1, len);
	if (len)
		memcpy(p + GUEST_FRAME_HEADER_SIZE, payload, len);
	to_host.len += GUEST_FRAME_HEADER_SIZE + len;
}

static void queue_text(int type, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(text))
		n = sizeof(text) - 1;
	queue_frame(type, text, n);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* While a command runs the host hears from us every second even when the
 * command is silent: that is how it tells a quiet command from a hung guest.
 * Checked on every pass of the main loop, so a command flooding output
 * cannot starve it. */
static void queue_keepalive_if_due(void)
{
	long long now = now_ms();

	if (!cmd.pid || now < next_keepalive_ms)
		return;
	queue_frame(GUEST_FRAME_KEEPALIVE, NULL, 0);
	next_keepalive_ms = now + GUEST_KEEPALIVE_INTERVAL_MS;
}

/* How long the main loop may sleep: until the next keepalive is due. */
static int poll_timeout_ms(void)
{
	long long wait;

	if (!cmd.pid)
		return -1;
	wait = next_keepalive_ms - now_ms();
	return wait < 0 ? 0 : (int)wait;
}

/* ---- system setup (only when we are the guest's init) ---- */

static void mount_one(const char *type, const char *target, const char *opts)
{
	mkdir(target, 0755);
	if (mount(type, target, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		log_msg("mount %s on %s: %s", type, target, strerror(errno));
}

static void bring_up_loopback(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/* proc and friends are mounted here, inside the chroot: a proc mounted from
 * outside it shows up empty in here. */
static void set_up_system(void)
{
	mount_one("proc", "/proc", NULL);
	mount_one("sysfs", "/sys", NULL);
	mount_one("debugfs", "/sys/kernel/debug", NULL);
	mount_one("tracefs", "/sys/kernel/tracing", NULL);
	mkdir("/dev/pts", 0755);
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		log_msg("mount devpts: %s", strerror(errno));
	mkdir("/dev/shm", 01777);
	if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=1777") < 0)
		log_msg("mount /dev/shm: %s", strerror(errno));
	bring_up_loopback();
}

/* ---- finding and opening the channel ---- */

static int port_has_our_name(const char *port)
{
	char path[PATH_MAX], name[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", port);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, name, sizeof(name) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	return strcmp(name, GUEST_PORT_NAME) == 0;
}

static int find_port_device(char *dev, size_t size)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)))
		if (e->d_name[0] != '.' && port_has_our_name(e->d_name)) {
			snprintf(dev, size, "/dev/%s", e->d_name);
			found = 1;
		}
	closedir(d);
	return found;
}

/* The port may be probed a little after we start; wait for it a while. */
static int open_channel(const char *explicit_path)
{
	int tries, fd;

	if (explicit_path) {
		snprintf(channel_path, sizeof(channel_path), "%s", explicit_path);
		return open(channel_path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	}
	for (tries = 0; tries < 100; tries++) {
		if (find_port_device(channel_path, sizeof(channel_path))) {
			fd = open(channel_path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
			if (fd >= 0 || errno != ENOENT)
				return fd;
		}
		usleep(50000);
	}
	errno = ENODEV;
	return -1;
}

/* ---- the command ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void child_exec(const char *cwd, char **argv, int out_w, int err_w)
{
	sigset_t none;
	int null_fd;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_w, 1) < 0 ||
	    dup2(err_w, 2) < 0)
		_exit(127);
	if (chdir(cwd) < 0) {
		dprintf(2, "stap-guest-agent: cannot change to %s: %s\n", cwd,
			strerror(errno));
		_exit(127);
	}
	clearenv();
	setenv("PATH", COMMAND_PATH, 1);
	setenv("HOME", "/root", 1);
	execvp(argv[0], argv);
	dprintf(2, "stap-guest-agent: cannot run %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

/* Split "cwd NUL arg NUL arg NUL" into cwd and a NULL-terminated argv. */
static char **parse_run_payload(char *payload, size_t len, char **cwd)
{
	size_t i, count = 0, at = 0;
	char **argv;

	if (len == 0 || payload[len - 1] != '\0')
		return NULL;
	for (i = 0; i < len; i++)
		count += payload[i] == '\0';
	if (count < 2)
		return NULL;
	argv = calloc(count, sizeof(*argv));
	if (!argv)
		return NULL;
	*cwd = payload;
	for (i = strlen(payload) + 1; i < len; i += strlen(payload + i) + 1)
		argv[at++] = payload + i;
	argv[at] = NULL;
	return argv;
}

static void start_command(unsigned char *payload, size_t len)
{
	int out_pipe[2], err_pipe[2];
	char *cwd, **argv;
	pid_t pid;

	if (cmd.pid) {
		queue_text(GUEST_FRAME_STDERR, "stap-guest-agent: busy\n");
		queue_frame(GUEST_FRAME_EXIT, "\0\177\0\0", 4);
		return;
	}
	argv = parse_run_payload((char *)payload, len, &cwd);
	if (!argv || pipe2(out_pipe, O_CLOEXEC) < 0) {
		queue_text(GUEST_FRAME_STDERR, "stap-guest-agent: bad run request\n");
		queue_frame(GUEST_FRAME_EXIT, "\0\177\0\0", 4);
		free(argv);
		return;
	}
	if (pipe2(err_pipe, O_CLOEXEC) < 0)
		fatal("pipe");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0)
		child_exec(cwd, argv, out_pipe[1], err_pipe[1]);
	setpgid(pid, pid);	/* also here, so a signal right away finds the group */
	free(argv);
	close(out_pipe[1]);
	close(err_pipe[1]);
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
	cmd = (struct command){ .pid = pid, .out_fd = out_pipe[0],
				.err_fd = err_pipe[0] };
	next_keepalive_ms = now_ms() + GUEST_KEEPALIVE_INTERVAL_MS;
}

/* Forward one read's worth from a pipe; closes it at end of file. */
static int forward_pipe(int *fd, int type)
{
	unsigned char buf[READ_CHUNK];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		close_fd(fd);
		return 0;
	}
	queue_frame(type, buf, n);
	return 1;
}

/* The command has exited: what it wrote is all in the pipes now.  Forward
 * that, then report.  Its background children may still hold the pipes; they
 * lose their output rather than keep the host waiting. */
static void finish_command(void)
{
	unsigned char status[4];

	while (cmd.out_fd >= 0 && forward_pipe(&cmd.out_fd, GUEST_FRAME_STDOUT))
		;
	while (cmd.err_fd >= 0 && forward_pipe(&cmd.err_fd, GUEST_FRAME_STDERR))
		;
	close_fd(&cmd.out_fd);
	close_fd(&cmd.err_fd);
	guest_put_u32(status, (uint32_t)cmd.status);
	queue_frame(GUEST_FRAME_EXIT, status, sizeof(status));
	cmd = (struct command){ .out_fd = -1, .err_fd = -1 };
}

/* Kill the command and forget it; the reaping loop collects it later. */
static void abandon_command(void)
{
	if (!cmd.pid)
		return;
	kill(-cmd.pid, SIGKILL);
	close_fd(&cmd.out_fd);
	close_fd(&cmd.err_fd);
	cmd = (struct command){ .out_fd = -1, .err_fd = -1 };
}

/* As init we inherit every orphan, so reap them all. */
static void reap_children(void)
{
	struct signalfd_siginfo info;
	int status;
	pid_t pid;

	while (read(sigchld_fd, &info, sizeof(info)) > 0)
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == cmd.pid) {
			cmd.exited = 1;
			cmd.status = status;
		}
	}
	if (cmd.pid && cmd.exited)
		finish_command();
}

/* ---- frames from the host ---- */

static void handle_frame(int type, unsigned char *payload, size_t len)
{
	switch (type) {
	case GUEST_FRAME_RUN:
		start_command(payload, len);
		break;
	case GUEST_FRAME_SIGNAL:
		if (cmd.pid && !cmd.exited && len == 1)
			kill(-cmd.pid, payload[0]);
		break;
	case GUEST_FRAME_PING:
		/* A new host session: the old one's command is of no use. */
		abandon_command();
		queue_frame(GUEST_FRAME_READY, payload, len);
		break;
	case GUEST_FRAME_HALT:
		abandon_command();
		power_off();
		break;
	default:
		log_msg("ignoring frame of type %d", type);
	}
}

static void handle_input(void)
{
	unsigned char *p;
	size_t avail;
	uint32_t len;

	for (;;) {
		avail = buffer_used(&from_host);
		p = from_host.data + from_host.start;
		if (avail < GUEST_FRAME_HEADER_SIZE)
			return;
		len = guest_get_u32(p + 1);
		if (len > GUEST_FRAME_MAX_PAYLOAD) {
			log_msg("garbled input from host; dropping it");
			buffer_clear(&from_host);
			return;
		}
		if (avail < GUEST_FRAME_HEADER_SIZE + len)
			return;
		from_host.start += GUEST_FRAME_HEADER_SIZE + len;
		handle_frame(p[0], p + GUEST_FRAME_HEADER_SIZE, len);
	}
}

static void read_channel(void)
{
	ssize_t n;

	buffer_reserve(&from_host, READ_CHUNK);
	n = read(channel_fd, from_host.data + from_host.len, READ_CHUNK);
	if (n > 0) {
		from_host.len += n;
		handle_input();
	}
}

static void write_channel(void)
{
	ssize_t n = write(channel_fd, to_host.data + to_host.start,
			  buffer_used(&to_host));

	if (n > 0)
		to_host.start += n;
	if (buffer_used(&to_host) == 0)
		buffer_clear(&to_host);
}

/* The host closed its end of the port: kill what it was running, forget
 * what was in flight, and wait for the next host.  The port must be closed
 * and opened again: one kept open across the hang-up never sees the next
 * host's data.  Poll reports POLLHUP while no host is there, so try again
 * every 50 ms. */
static void wait_for_host(void)
{
	struct pollfd pfd = { .events = POLLIN };

	abandon_command();
	buffer_clear(&to_host);
	buffer_clear(&from_host);
	for (;;) {
		close_fd(&channel_fd);
		reap_children();
		usleep(50000);
		channel_fd = open(channel_path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (channel_fd < 0)
			continue;
		pfd.fd = channel_fd;
		if (poll(&pfd, 1, 0) >= 0 && !(pfd.revents & (POLLHUP | POLLERR)))
			return;
	}
}

static int queue_is_full(void)
{
	return buffer_used(&to_host) >= QUEUE_HIGH_WATER;
}

static void serve_once(void)
{
	struct pollfd fds[4];
	int n = 0, i;

	queue_keepalive_if_due();
	fds[n++] = (struct pollfd){ .fd = channel_fd, .events = POLLIN |
				    (buffer_used(&to_host) ? POLLOUT : 0) };
	fds[n++] = (struct pollfd){ .fd = sigchld_fd, .events = POLLIN };
	if (!queue_is_full()) {
		if (cmd.out_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = cmd.out_fd, .events = POLLIN };
		if (cmd.err_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = cmd.err_fd, .events = POLLIN };
	}
	if (poll(fds, n, poll_timeout_ms()) < 0)
		return;
	if (fds[0].revents & (POLLHUP | POLLERR)) {
		wait_for_host();
		return;
	}
	if (fds[0].revents & POLLIN)
		read_channel();
	if (fds[0].revents & POLLOUT)
		write_channel();
	for (i = 2; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == cmd.out_fd)
			forward_pipe(&cmd.out_fd, GUEST_FRAME_STDOUT);
		else if (fds[i].fd == cmd.err_fd)
			forward_pipe(&cmd.err_fd, GUEST_FRAME_STDERR);
	}
	if (fds[1].revents & POLLIN)
		reap_children();
}

int main(int argc, char **argv)
{
	sigset_t chld;

	if (getpid() == 1)
		set_up_system();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sigchld_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigchld_fd < 0)
		fatal("signalfd");
	channel_fd = open_channel(argc > 1 ? argv[1] : NULL);
	if (channel_fd < 0)
		fatal("cannot open the virtio port " GUEST_PORT_NAME);
	queue_frame(GUEST_FRAME_READY, NULL, 0);
	for (;;)
		serve_once();
}
