/* Shared between remote_qemu.c, remote_qemu_setup.c and remote_qemu_keeper.c;
 * not for other users (they use remote_qemu.h). */
#ifndef REMOTE_QEMU_INTERNAL_H
#define REMOTE_QEMU_INTERNAL_H

#include <sys/types.h>

#include "remote_qemu.h"

#define GUEST_BOOT_TIMEOUT_MS 60000
#define GUEST_ATTACH_TIMEOUT_MS 30000
#define GUEST_POLL_SLICE_MS 200

/* Files in a guest's directory. */
#define GUEST_QEMU_SOCKET "qemu.sock"	/* qemu's end of the agent's port */
#define GUEST_KEEPER_SOCKET "agent.sock" /* a persistent guest's keeper */
#define GUEST_QEMU_PID "qemu.pid"
#define GUEST_KEEPER_PID "keeper.pid"
/* Why a persistent guest went away (a crash, a hang), for its next users. */
#define GUEST_GONE_NOTE "gone.txt"

/* A throw-away guest: we fork qemu and hold the only connection to its
 * socket.  A persistent guest: a keeper process (remote_qemu_keeper.c) is
 * that owner, because the agent's port does not survive the host side
 * disconnecting and connecting again; users connect to the keeper, which
 * relays for one user at a time. */
struct guest {
	char *dir;		/* absolute */
	char *qemu_socket;
	pid_t qemu_pid;
	pid_t keeper_pid;	/* 0 unless we talk through a keeper */
	int is_our_child;	/* we forked qemu, so waitpid() reaps it */
	int persistent;
	int fd;			/* to the agent (maybe via the keeper), or -1 */
	int lock_fd;
	size_t console_from;	/* console.log's size when the command started */
	unsigned char *in;	/* bytes received but not yet parsed */
	size_t in_len;
	size_t in_cap;
};

/* remote_qemu.c */
struct guest *guest_new(const char *dir, char **err);
void guest_free(struct guest *g);
int guest_lock_dir(struct guest *g, int wait, char **err);
/* Boot with qemu as our own child; takes the directory lock if asked. */
struct guest *guest_boot_direct(const char *kernel_image, const char *dir,
				const char *agent, int take_lock,
				volatile sig_atomic_t *interrupt, char **err);
int guest_connect_socket(const char *path);
int guest_send_all(int fd, const void *data, size_t len);
int guest_send_frame(struct guest *g, int type, const void *payload,
		     size_t len);
/* Ping the agent and skip all input up to its answer; -1 with *why. */
int guest_sync_with_agent(struct guest *g, long long deadline,
			  volatile sig_atomic_t *interrupt, const char **why);
int guest_qemu_alive(struct guest *g);
void guest_kill_qemu(struct guest *g);
void guest_remove_files(struct guest *g);

/* remote_qemu_keeper.c */
struct guest *guest_boot_persistent(const char *kernel_image, const char *dir,
				    const char *agent,
				    volatile sig_atomic_t *interrupt,
				    char **err);

/* remote_qemu_setup.c */
int guest_build_initrd(const char *path, const char *release, char **err);
void guest_set_error(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whole file into a malloc'd, NUL-terminated buffer; NULL on failure. */
char *guest_read_file(const char *path, size_t *size_out);
char *guest_path_in(const char *dir, const char *name);
long long guest_now_ms(void);
/* For an error message: "\nfrom the guest's console (DIR/console.log):\n"
 * and the first oops written after byte from of the log, with its call
 * trace, then the log's last lines; or "" without a log.  Bounded. */
char *guest_console_since(const char *dir, size_t from);
char *guest_console_tail(const char *dir);	/* since 0 */
/* The first line of the first oops (else of the last panic) written after
 * byte from, without its time stamp; malloc'd, or NULL if none. */
char *guest_console_crash(const char *dir, size_t from);
size_t guest_console_size(const char *dir);
/* "guest boot failed: WHAT" with qemu's messages and the console's tail. */
void guest_set_boot_error(char **err, const char *dir, const char *what);
/* An uncompressed copy of image that qemu can boot directly (PVH), made
 * once and cached; malloc'd path, or NULL to boot image itself. */
char *guest_pvh_kernel(const char *image, const char *release, const char *dir);
int guest_write_pid(const char *dir, const char *name, pid_t pid, char **err);
pid_t guest_read_pid(const char *dir, const char *name);
/* Is pid a live qemu serving socket_path (not a zombie, not a reused pid)? */
int guest_qemu_is_running(pid_t pid, const char *socket_path);

#endif
