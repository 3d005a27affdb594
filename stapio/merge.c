/*
 * The kernel numbers every output record with a global seq and writes it
 * into the relay buffer of the CPU it runs on.  Each file is therefore
 * ordered by seq, and a k-way merge on the heads restores global order.
 */
#define _GNU_SOURCE
#include "merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runtime/stp_msgs.h"

#define READ_CHUNK (256 * 1024)
/* Per file and pass, so one busy CPU cannot starve the others. */
#define READ_BUDGET (4 * 1024 * 1024)
/* Stop reading a file that is this far ahead of a gap in another one. */
#define MAX_BUFFERED (32 * 1024 * 1024)
/* Larger than any record the runtime writes: bigger means corruption. */
#define MAX_RECORD (1024 * 1024)
/* How long a missing record may still arrive from another CPU. */
#define GAP_WAIT_NS (250 * 1000 * 1000L)

static bool is_trace_name(const char *name)
{
	const char *p = name + 5;

	if (strncmp(name, "trace", 5) != 0 || *p == '\0')
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int add_stream(struct merger *m, int dirfd, const char *name)
{
	struct relay_stream *s;
	void *grown;

	grown = realloc(m->streams, (m->nstreams + 1) * sizeof(*m->streams));
	if (!grown)
		return -1;
	m->streams = grown;
	s = &m->streams[m->nstreams];
	memset(s, 0, sizeof(*s));
	s->fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0)
		return -1;
	s->name = strdup(name);
	if (!s->name) {
		close(s->fd);
		return -1;
	}
	m->nstreams++;
	return 0;
}

int merger_open(struct merger *m, const char *dir, FILE *out)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	memset(m, 0, sizeof(*m));
	m->next_seq = 1;
	m->out = out;
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (is_trace_name(de->d_name) &&
		    add_stream(m, dirfd(d), de->d_name) < 0) {
			err = errno;
			break;
		}
	}
	closedir(d);
	if (!err && m->nstreams == 0)
		err = ENOENT;
	if (err) {
		merger_close(m);
		errno = err;
		return -1;
	}
	return 0;
}

void merger_close(struct merger *m)
{
	size_t i;

	for (i = 0; i < m->nstreams; i++) {
		close(m->streams[i].fd);
		free(m->streams[i].name);
		free(m->streams[i].buf);
	}
	free(m->streams);
	m->streams = NULL;
	m->nstreams = 0;
}

/* Makes room for READ_CHUNK more bytes at the tail. */
static int stream_reserve(struct relay_stream *s)
{
	size_t used = s->tail - s->head;
	unsigned char *grown;

	if (s->head > 0 && (s->head >= s->cap / 2 || s->cap - s->tail < READ_CHUNK)) {
		memmove(s->buf, s->buf + s->head, used);
		s->head = 0;
		s->tail = used;
	}
	if (s->cap - s->tail >= READ_CHUNK)
		return 0;
	grown = realloc(s->buf, s->tail + READ_CHUNK);
	if (!grown)
		return -1;
	s->buf = grown;
	s->cap = s->tail + READ_CHUNK;
	return 0;
}

/*
 * Reads until the kernel has nothing more (read returns 0) or the budget
 * is spent.  Returns the bytes read, or -1.
 */
static ssize_t stream_fill(struct relay_stream *s)
{
	size_t got = 0;
	ssize_t n;

	while (got < READ_BUDGET && s->tail - s->head < MAX_BUFFERED) {
		if (stream_reserve(s) < 0)
			return -1;
		n = read(s->fd, s->buf + s->tail, s->cap - s->tail);
		if (n > 0) {
			s->tail += (size_t)n;
			got += (size_t)n;
			continue;
		}
		if (n == 0 || errno == EAGAIN)
			break;
		if (errno != EINTR)
			return -1;
	}
	return (ssize_t)got;
}

ssize_t merger_fill(struct merger *m)
{
	ssize_t total = 0, n;
	size_t i;

	for (i = 0; i < m->nstreams; i++) {
		n = stream_fill(&m->streams[i]);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

/*
 * Reads the header of the first complete record.  Returns 1 if there is
 * one, 0 if not (yet), -1 if the stream is corrupt.
 */
static int stream_head(const struct relay_stream *s, struct stp_rec_hdr *h)
{
	size_t avail = s->tail - s->head;

	if (avail < sizeof(*h))
		return 0;
	memcpy(h, s->buf + s->head, sizeof(*h));
	if (h->len > MAX_RECORD)
		return -1;
	return avail >= sizeof(*h) + h->len;
}

static void emit_record(struct merger *m, struct relay_stream *s,
			const struct stp_rec_hdr *h)
{
	const unsigned char *data = s->buf + s->head + sizeof(*h);

	if (!m->out_broken && h->len > 0 &&
	    fwrite(data, 1, h->len, m->out) != h->len) {
		m->out_broken = true;
		m->out_errno = errno;
	}
	s->head += sizeof(*h) + h->len;
	m->emitted++;
}

static int64_t ns_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t->tv_sec) * 1000000000L +
	       (now.tv_nsec - t->tv_nsec);
}

/*
 * Decides whether to give up on the missing next_seq.  Certain when every
 * file already shows a later record; otherwise after a short wait.
 */
static bool give_up_gap(struct merger *m, bool all_have_heads, bool final)
{
	if (final || all_have_heads)
		return true;
	if (!m->in_gap) {
		m->in_gap = true;
		clock_gettime(CLOCK_MONOTONIC, &m->gap_since);
		return false;
	}
	return ns_since(&m->gap_since) >= GAP_WAIT_NS;
}

/* Finds the file whose first record has the lowest seq. */
static int pick_lowest(struct merger *m, struct relay_stream **best,
		       struct stp_rec_hdr *best_h, bool *all_have_heads)
{
	struct stp_rec_hdr h;
	size_t i;
	int r;

	*best = NULL;
	*all_have_heads = true;
	for (i = 0; i < m->nstreams; i++) {
		r = stream_head(&m->streams[i], &h);
		if (r < 0)
			return -1;
		if (r == 0) {
			*all_have_heads = false;
			continue;
		}
		if (!*best || h.seq < best_h->seq) {
			*best = &m->streams[i];
			*best_h = h;
		}
	}
	return 0;
}

int merger_emit(struct merger *m, bool final)
{
	struct relay_stream *best;
	struct stp_rec_hdr h;
	bool all_have_heads;

	for (;;) {
		if (pick_lowest(m, &best, &h, &all_have_heads) < 0)
			return -1;
		if (!best)
			return 0;
		if (h.seq > m->next_seq) {
			if (!give_up_gap(m, all_have_heads, final))
				return 0;
			m->skipped += h.seq - m->next_seq;
		} else if (h.seq < m->next_seq && m->skipped > 0) {
			/* Late after all: print it rather than lose it. */
			m->skipped--;
		}
		emit_record(m, best, &h);
		if (h.seq >= m->next_seq)
			m->next_seq = h.seq + 1;
		m->in_gap = false;
	}
}

bool merger_pending(const struct merger *m)
{
	size_t i;

	for (i = 0; i < m->nstreams; i++)
		if (m->streams[i].tail > m->streams[i].head)
			return true;
	return false;
}

void merger_flush(struct merger *m)
{
	if (m->out_broken)
		return;
	if (fflush(m->out) != 0) {
		m->out_broken = true;
		m->out_errno = errno;
	}
}
