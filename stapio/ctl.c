#define _GNU_SOURCE
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The kernel hands out at most 16 KiB per read; leave ample room. */
#define CTL_READ_SIZE (64 * 1024)

struct ctl_job {
	int fd;
	int notify_fd;
	uint32_t type;
	size_t size;
	unsigned char bytes[];
};

static int ctl_setup(struct ctl *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->done_pipe[0] = c->done_pipe[1] = -1;
	c->rbuf_size = CTL_READ_SIZE;
	c->rbuf = malloc(c->rbuf_size);
	if (!c->rbuf)
		return -1;
	return pipe2(c->done_pipe, O_CLOEXEC);
}

int ctl_open(struct ctl *c, const char *path)
{
	if (ctl_setup(c) < 0)
		goto fail;
	c->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0)
		goto fail;
	return 0;
fail:
	ctl_close(c);
	return -1;
}

int ctl_open_fd(struct ctl *c, int fd)
{
	int flags;

	if (ctl_setup(c) < 0)
		goto fail;
	c->fd = fd;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) != O_RDWR) {
		if (flags >= 0)
			errno = EBADF;
		goto fail;
	}
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	return 0;
fail:
	ctl_close(c);
	return -1;
}

int ctl_info(struct ctl *c, struct stp_transport_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(c->fd, STP_IOC_INFO, info);
}

void ctl_close(struct ctl *c)
{
	int saved = errno;

	if (c->fd >= 0)
		close(c->fd);
	if (c->done_pipe[0] >= 0)
		close(c->done_pipe[0]);
	if (c->done_pipe[1] >= 0)
		close(c->done_pipe[1]);
	free(c->rbuf);
	c->rbuf = NULL;
	c->fd = c->done_pipe[0] = c->done_pipe[1] = -1;
	errno = saved;
}

static void *ctl_job_run(void *arg)
{
	struct ctl_job *job = arg;
	struct ctl_result r = { .type = job->type, .err = 0 };
	ssize_t n;

	do
		n = write(job->fd, job->bytes, job->size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r.err = errno;
	else if ((size_t)n != job->size)
		r.err = EIO;
	/* Smaller than PIPE_BUF, so the write is atomic. */
	if (write(job->notify_fd, &r, sizeof(r)) != sizeof(r))
		abort();
	free(job);
	return NULL;
}

int ctl_send_async(struct ctl *c, uint32_t type, const void *data,
		   uint32_t len)
{
	struct stp_msg_hdr hdr = { .type = type, .len = len };
	struct ctl_job *job;
	pthread_t thread;
	int err;

	job = malloc(sizeof(*job) + sizeof(hdr) + len);
	if (!job)
		return -1;
	job->fd = c->fd;
	job->notify_fd = c->done_pipe[1];
	job->type = type;
	job->size = sizeof(hdr) + len;
	memcpy(job->bytes, &hdr, sizeof(hdr));
	if (len)
		memcpy(job->bytes + sizeof(hdr), data, len);
	err = pthread_create(&thread, NULL, ctl_job_run, job);
	if (err == 0)
		err = pthread_detach(thread);
	if (err) {
		free(job);
		errno = err;
		return -1;
	}
	return 0;
}

int ctl_wait_result(struct ctl *c, struct ctl_result *r)
{
	ssize_t n;

	do
		n = read(c->done_pipe[0], r, sizeof(*r));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(*r)) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* Refills rbuf once it has been parsed completely. */
static int ctl_refill(struct ctl *c)
{
	ssize_t n;

	do
		n = read(c->fd, c->rbuf, c->rbuf_size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		errno = 0;
		return -1;
	}
	c->rpos = 0;
	c->rlen = (size_t)n;
	return 1;
}

int ctl_next_msg(struct ctl *c, struct ctl_msg *msg)
{
	struct stp_msg_hdr hdr;
	int r;

	if (c->rpos >= c->rlen) {
		r = ctl_refill(c);
		if (r <= 0)
			return r;
	}
	/* The kernel sends whole messages only; anything else is a bug. */
	if (c->rlen - c->rpos < sizeof(hdr))
		goto bad;
	memcpy(&hdr, c->rbuf + c->rpos, sizeof(hdr));
	if (c->rlen - c->rpos - sizeof(hdr) < hdr.len)
		goto bad;
	msg->type = hdr.type;
	msg->len = hdr.len;
	msg->payload = (const char *)c->rbuf + c->rpos + sizeof(hdr);
	c->rpos += sizeof(hdr) + hdr.len;
	return 1;
bad:
	c->rpos = c->rlen;
	errno = EPROTO;
	return -1;
}
