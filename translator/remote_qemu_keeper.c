/* The keeper of a persistent guest: a small background process that owns
 * qemu and the only connection to the agent's port, and relays between the
 * agent and one user at a time (users queue on the directory's lock, then
 * connect to DIR/agent.sock).  The port cannot simply be handed from one
 * user to the next: after qemu's socket is closed and connected again, the
 * guest often never sees the new side's data.
 *
 * Bytes are relayed as they come, the agent's keepalives included, so a
 * user's guest_run() detects a hung guest just as with a throw-away one; a
 * stuck keeper looks the same to it, and is killed along with qemu. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "remote_qemu_internal.h"

#define RELAY_CHUNK 65536
#define KEEPER_BACKLOG 16
/* Beyond the agent's own boot timeout, which the keeper applies. */
#define READY_GRACE_MS 15000

struct keeper {
	struct guest *g;	/* direct connection to the agent */
	int listen_fd;
	int client_fd;		/* -1 while no user is connected */
	int halting;		/* a user asked for power off */
	unsigned char *pending;	/* the user's bytes short of a whole frame */
	size_t pending_len;
	size_t pending_cap;
};

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, KEEPER_BACKLOG) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The user is gone: whatever it was running is of no use now, and the agent
 * abandons its command when pinged.  The answer is skipped by the next
 * user's own ping. */
static void end_session(struct keeper *k)
{
	static const unsigned char nonce[4];

	if (k->client_fd >= 0)
		close(k->client_fd);
	k->client_fd = -1;
	k->pending_len = 0;
	if (!k->halting)
		guest_send_frame(k->g, GUEST_FRAME_PING, nonce, sizeof(nonce));
}

/* Whole frames only: a user that vanishes mid-frame must not leave the
 * agent half a frame followed by our ping. */
static int forward_whole_frames(struct keeper *k)
{
	size_t at = 0, len;

	while (k->pending_len - at >= GUEST_FRAME_HEADER_SIZE) {
		len = guest_get_u32(k->pending + at + 1);
		if (len > GUEST_FRAME_MAX_PAYLOAD)
			return -1;
		if (k->pending_len - at < GUEST_FRAME_HEADER_SIZE + len)
			break;
		if (k->pending[at] == GUEST_FRAME_HALT)
			k->halting = 1;
		at += GUEST_FRAME_HEADER_SIZE + len;
	}
	if (at > 0)
		guest_send_all(k->g->fd, k->pending, at);
	memmove(k->pending, k->pending + at, k->pending_len - at);
	k->pending_len -= at;
	return 0;
}

static void read_from_user(struct keeper *k)
{
	ssize_t n;

	if (k->pending_cap - k->pending_len < RELAY_CHUNK) {
		size_t cap = k->pending_cap * 2 + RELAY_CHUNK;
		unsigned char *bigger = realloc(k->pending, cap);

		if (!bigger) {
			end_session(k);
			return;
		}
		k->pending = bigger;
		k->pending_cap = cap;
	}
	n = read(k->client_fd, k->pending + k->pending_len, RELAY_CHUNK);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		end_session(k);
		return;
	}
	k->pending_len += n;
	if (forward_whole_frames(k) < 0)
		end_session(k);
}

/* Guest output goes to the user, or nowhere while there is none (so the
 * agent never blocks).  -1 once the guest has gone. */
static int read_from_guest(struct keeper *k)
{
	unsigned char buf[RELAY_CHUNK];
	ssize_t n = read(k->g->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	if (k->client_fd >= 0 && guest_send_all(k->client_fd, buf, n) < 0)
		end_session(k);
	return 0;
}

static void keeper_serve(struct keeper *k)
{
	struct pollfd fds[2];
	int user_fd;

	for (;;) {
		user_fd = k->client_fd >= 0 ? k->client_fd : k->listen_fd;
		fds[0] = (struct pollfd){ .fd = k->g->fd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = user_fd, .events = POLLIN };
		if (poll(fds, 2, -1) < 0)
			continue;
		if (fds[0].revents && read_from_guest(k) < 0)
			return;
		if (!fds[1].revents || user_fd != (k->client_fd >= 0 ?
						   k->client_fd : k->listen_fd))
			continue;
		if (k->client_fd >= 0)
			read_from_user(k);
		else
			k->client_fd = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	}
}

/* Tell the process that started us how the boot went: "+" or "-message". */
static void report(int ready_fd, const char *error)
{
	if (!error) {
		guest_send_all(ready_fd, "+", 1);
	} else {
		guest_send_all(ready_fd, "-", 1);
		guest_send_all(ready_fd, error, strlen(error));
	}
	close(ready_fd);
}

static void keeper_main(const char *kernel, const char *dir, const char *agent,
			int ready_fd)
{
	struct keeper k = { .client_fd = -1 };
	char *err = NULL, *path;
	long long deadline;

	k.g = guest_boot_direct(kernel, dir, agent, 0, NULL, &err);
	if (!k.g) {
		report(ready_fd, err ? err : "guest boot failed");
		_exit(1);
	}
	path = guest_path_in(k.g->dir, GUEST_KEEPER_SOCKET);
	k.listen_fd = path ? listen_on(path) : -1;
	free(path);
	if (k.listen_fd < 0 ||
	    guest_write_pid(k.g->dir, GUEST_KEEPER_PID, getpid(), &err) < 0) {
		report(ready_fd, err ? err : "cannot listen on the keeper's socket");
		guest_kill_qemu(k.g);
		guest_remove_files(k.g);
		_exit(1);
	}
	report(ready_fd, NULL);
	keeper_serve(&k);
	/* The guest closed the channel: qemu is exiting. */
	deadline = guest_now_ms() + 5000;
	while (guest_qemu_alive(k.g) && guest_now_ms() < deadline)
		usleep(20000);
	guest_kill_qemu(k.g);
	guest_remove_files(k.g);
	_exit(0);
}

static void become_keeper(const char *kernel, const char *dir,
			  const char *agent, int ready_fd)
{
	int null_fd = open("/dev/null", O_RDWR);

	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "stap-qemu-keep");
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 ||
	    dup2(null_fd, 2) < 0 || dup2(ready_fd, 3) < 0)
		_exit(1);
	/* Nothing of our parent's (its lock, its pipes) may stay open here. */
	close_range(4, ~0U, 0);
	keeper_main(kernel, dir, agent, 3);
}

/* Wait for the keeper's report; 0 if the guest is up. */
static int wait_keeper_ready(pid_t keeper, int ready_fd,
			     volatile sig_atomic_t *interrupt, char **err)
{
	long long deadline = guest_now_ms() + GUEST_BOOT_TIMEOUT_MS + READY_GRACE_MS;
	struct pollfd pfd = { .fd = ready_fd, .events = POLLIN };
	char report[8192];
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (interrupt && *interrupt) {
			guest_set_error(err, "guest boot interrupted");
			return -1;
		}
		if (guest_now_ms() >= deadline) {
			guest_set_error(err, "the guest's keeper did not report in time");
			return -1;
		}
		if (poll(&pfd, 1, GUEST_POLL_SLICE_MS) <= 0)
			continue;
		n = read(ready_fd, report + len, sizeof(report) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	report[len] = '\0';
	if (len > 0 && report[0] == '+')
		return 0;
	if (len > 1)
		guest_set_error(err, "%s", report + 1);
	else
		guest_set_error(err, "the guest's keeper (pid %d) died", (int)keeper);
	return -1;
}

static int start_keeper(struct guest *g, const char *kernel, const char *agent,
			volatile sig_atomic_t *interrupt, char **err)
{
	int ready[2], status;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0) {
		guest_set_error(err, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		become_keeper(kernel, g->dir, agent, ready[1]);
	}
	close(ready[1]);
	if (pid < 0) {
		close(ready[0]);
		guest_set_error(err, "fork: %s", strerror(errno));
		return -1;
	}
	if (wait_keeper_ready(pid, ready[0], interrupt, err) < 0) {
		close(ready[0]);
		kill(pid, SIGKILL);	/* and qemu with it */
		waitpid(pid, &status, 0);
		return -1;
	}
	close(ready[0]);
	g->keeper_pid = pid;
	return 0;
}

struct guest *guest_boot_persistent(const char *kernel_image, const char *dir,
				    const char *agent,
				    volatile sig_atomic_t *interrupt,
				    char **err)
{
	struct guest *g = guest_new(dir, err);
	const char *why;
	char *path;

	if (!g)
		return NULL;
	g->persistent = 1;
	if (guest_lock_dir(g, 0, err) < 0 ||
	    start_keeper(g, kernel_image, agent, interrupt, err) < 0) {
		guest_free(g);
		return NULL;
	}
	g->qemu_pid = guest_read_pid(g->dir, GUEST_QEMU_PID);
	path = guest_path_in(g->dir, GUEST_KEEPER_SOCKET);
	g->fd = path ? guest_connect_socket(path) : -1;
	free(path);
	if (g->fd < 0 || guest_sync_with_agent(g, guest_now_ms() + GUEST_ATTACH_TIMEOUT_MS,
					       interrupt, &why) < 0) {
		guest_set_error(err, "cannot reach the guest through its keeper");
		guest_kill_qemu(g);
		guest_remove_files(g);
		guest_free(g);
		return NULL;
	}
	return g;
}
