/* The control file: messages from the module, commands to it. */
#ifndef STAPIO_CTL_H
#define STAPIO_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "../runtime/stp_msgs.h"

struct ctl_msg {
	uint32_t type;
	uint32_t len;
	const char *payload;
};

/*
 * Commands run on a helper thread: START and STOP run probes inside the
 * write(), and stapio must keep draining relay meanwhile.  When one
 * finishes, a struct ctl_result appears on the pipe ctl_done_fd().
 */
struct ctl_result {
	uint32_t type;
	int err;		/* 0 or errno of the failed write */
};

struct ctl {
	int fd;
	int done_pipe[2];
	unsigned char *rbuf;
	size_t rbuf_size;
	size_t rpos;		/* next unparsed message in rbuf */
	size_t rlen;		/* bytes in rbuf */
};

int ctl_open(struct ctl *c, const char *path);
/* Takes an fd staprun opened (O_RDWR) and passed on; closed on failure. */
int ctl_open_fd(struct ctl *c, int fd);
/* The module's transport setup (bulk, overwrite): STP_IOC_INFO. */
int ctl_info(struct ctl *c, struct stp_transport_info *info);
void ctl_close(struct ctl *c);

static inline int ctl_done_fd(const struct ctl *c)
{
	return c->done_pipe[0];
}

/* Starts writing one command; the result arrives on ctl_done_fd(). */
int ctl_send_async(struct ctl *c, uint32_t type, const void *data,
		   uint32_t len);

/* Reads a finished command's result (blocks until there is one). */
int ctl_wait_result(struct ctl *c, struct ctl_result *r);

/*
 * Returns the next message: 1 and *msg filled, 0 if none is waiting
 * (never blocks), -1 on error with errno set (0 means end of file).
 * msg->payload stays valid until the next call.
 */
int ctl_next_msg(struct ctl *c, struct ctl_msg *msg);

#endif
