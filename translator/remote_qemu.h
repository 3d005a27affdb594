/* Running commands in a throw-away (or persistent) qemu guest.
 *
 * The guest boots the host's own Debian kernel (decompressed once and cached
 * in ~/.cache/stap-qemu, for a faster PVH boot) from a small initramfs that
 * mounts the host's root read-only over 9p (and the host's /tmp and /var/tmp
 * read-write, so a tree or a module there has the same path in the guest),
 * chroots into it and runs stap-guest-agent as PID 1.  Commands and their
 * output travel over a virtio-console port using the frames described at the
 * end of this file; the serial console only goes to DIR/console.log.
 *
 * A persistent guest is owned by a small keeper process (see
 * remote_qemu_keeper.c); users attach to it one at a time.
 *
 * Hang detection: while a command runs the agent sends a keepalive frame
 * every second, so guest_run() can tell a quiet command from a stuck guest
 * (kernel hung, qemu stalled): after a hang timeout with nothing at all from
 * the guest it kills qemu and fails.  A persistent guest's keeper relays the
 * keepalives to its user like any other frame, so its users get the same.
 *
 * Environment: STAP_QEMU_APPEND adds kernel parameters (e.g. "loglevel=7"
 * to see the boot in console.log); STAP_QEMU_NO_PVH=1 boots the bzImage as is;
 * STAP_QEMU_HANG_TIMEOUT=S sets the hang timeout (default 60 s, generous
 * because a loaded TCG guest can stall for seconds; 0 turns it off).
 *
 * Crashes: the guest's kernel boots with oops=panic and panic=-1, and qemu
 * with -no-reboot, so an oops anywhere (even one that would leave a stuck
 * process behind) ends qemu at once and the host reports it.
 * Interrupts: a command still running STAP_QEMU_INTERRUPT_GRACE=S seconds
 * (default 5) after its SIGINT is given up on (0: wait for it forever).
 */
#ifndef REMOTE_QEMU_H
#define REMOTE_QEMU_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct guest;

/* Newest /boot/vmlinuz-R that has /lib/modules/R/build; malloc'd path or NULL. */
char *guest_default_kernel(void);

/* Kernel release of a bzImage (read from its setup header's version string).
 * 0 on success. */
int guest_kernel_release(const char *image, char *buf, size_t size);

/* Boot a throw-away guest.  dir: an existing directory for the socket and
 * console log (the caller owns it; if persistent, the guest outlives this
 * process).  kernel_image NULL: guest_default_kernel().  agent: absolute path
 * of stap-guest-agent on the host.  Returns
 * NULL with *err set (malloc'd; says what failed; on a failed boot followed
 * by the last console lines). */
struct guest *guest_boot(const char *kernel_image, const char *dir,
			 const char *agent, int persistent, char **err);

/* Like guest_boot, but gives up (killing qemu) once *interrupt is nonzero. */
struct guest *guest_boot_interruptible(const char *kernel_image,
				       const char *dir, const char *agent,
				       int persistent,
				       volatile sig_atomic_t *interrupt,
				       char **err);

/* Connect to a persistent guest started earlier in dir.  Waits for other
 * users of the same guest to detach first (one command at a time). */
struct guest *guest_attach(const char *dir, char **err);

/* Like guest_attach, but gives up once *interrupt is nonzero. */
struct guest *guest_attach_interruptible(const char *dir,
					 volatile sig_atomic_t *interrupt,
					 char **err);

/* Run argv in the guest with cwd `cwd` (same path on host and guest), stdin
 * /dev/null, its stdout copied to out_fd and stderr to err_fd as they arrive.
 * When *interrupt (may be NULL) becomes nonzero, forward SIGINT to the
 * command's process group and reset *interrupt to 0; if the command has not
 * ended after the interrupt grace (see above), or at a second interrupt,
 * give up: kill a throw-away guest's qemu, or have a persistent guest kill
 * the command, and fail.  timeout_s > 0: if the command has not finished by
 * then, kill qemu and fail.  Independently, a guest silent for the hang
 * timeout (see above) is killed the same way, and a guest whose kernel
 * crashed (it boots with oops=panic, so any oops ends it) is reported with
 * the oops from its console.  A persistent guest that was killed or crashed
 * leaves a note saying why for guest_attach to report.  Returns 0 and
 * *wait_status (as from waitpid) on success, -1 with *err otherwise. */
int guest_run(struct guest *g, const char *cwd, char *const argv[],
	      int out_fd, int err_fd, volatile sig_atomic_t *interrupt,
	      int timeout_s, int *wait_status, char **err);

/* Power off a guest we booted (non-persistent), or just disconnect from a
 * persistent one; then free. */
void guest_halt(struct guest *g);

/* Disconnect and free, leaving a persistent guest running (a non-persistent
 * one is powered off: it must not outlive us). */
void guest_detach(struct guest *g);

/* Power the guest off whatever its kind, wait for qemu to go (killing it if it
 * lingers), remove the socket, pid file and initrd from its dir, and free.
 * 0 on success, -1 with *err if qemu had to be killed. */
int guest_poweroff(struct guest *g, char **err);

/* Kill the qemu of a persistent guest in dir without talking to it (for a
 * guest that no longer answers).  0 if no qemu is left running there. */
int guest_kill_dir(const char *dir, char **err);

/* ---- Wire protocol between host and stap-guest-agent ----
 * Frame: u8 type, u32 payload length (little endian), payload.
 * The host sends R and waits for X; meanwhile it gets O, E and (at least
 * every GUEST_KEEPALIVE_INTERVAL_MS) K frames, and may send S.  A host that
 * hears nothing for its hang timeout takes the guest for hung. */
enum guest_frame_type {
	/* host -> guest */
	GUEST_FRAME_RUN = 'R',		/* cwd NUL argv0 NUL argv1 NUL ... */
	GUEST_FRAME_SIGNAL = 'S',	/* u8 signal number */
	GUEST_FRAME_HALT = 'H',		/* sync and power off */
	GUEST_FRAME_PING = 'P',		/* u32 nonce; abandons any command */
	/* guest -> host */
	GUEST_FRAME_READY = 'B',	/* empty at start, or the ping's nonce */
	GUEST_FRAME_STDOUT = 'O',	/* bytes */
	GUEST_FRAME_STDERR = 'E',	/* bytes */
	GUEST_FRAME_EXIT = 'X',		/* i32 wait status, little endian */
	GUEST_FRAME_KEEPALIVE = 'K',	/* empty; only while a command runs */
};

#define GUEST_FRAME_HEADER_SIZE 5
#define GUEST_FRAME_MAX_PAYLOAD (1u << 20)
#define GUEST_KEEPALIVE_INTERVAL_MS 1000
/* Name of the virtio-console port carrying the frames. */
#define GUEST_PORT_NAME "stap.agent"

static inline void guest_put_u32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static inline uint32_t guest_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#endif
