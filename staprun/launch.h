/*
 * The module's transport, opened by staprun (as root) and handed to stapio,
 * which runs as the caller and could not open debugfs itself.
 */
#ifndef LAUNCH_H
#define LAUNCH_H

#define MAX_RELAY_FILES 1024

struct transport_fds {
	int ctl;
	int relay[MAX_RELAY_FILES];
	int nrelay;
};

/* Opens /sys/kernel/debug/systemtap/NAME/{ctl,trace*}; 0, or -1 with errno
 * (EBUSY: another stapio has the module). */
int transport_open(const char *name, struct transport_fds *t);
void transport_close(struct transport_fds *t);

/* The "--ctl-fd=N" and "--relay-fds=A,B,..." arguments for stapio. */
char *transport_ctl_arg(const struct transport_fds *t);
char *transport_relay_arg(const struct transport_fds *t);

/* stapio next to our own binary (installed), or in the build tree's stapio/
 * beside our staprun/, else whatever PATH finds. */
void find_stapio(char *path, size_t size);

#endif
