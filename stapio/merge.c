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

/* N of "traceN", or -1 if the name is not of that form. */
static int trace_cpu(const char *name)
{
	const char *p = name + 5;
	long n = 0;

	if (strncmp(name, "trace", 5) != 0 || *p == '\0')
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || n > 1000000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return (int)n;
}

void merger_init(struct merger *m, struct output *out)
{
	memset(m, 0, sizeof(*m));
	m->next_seq = 1;
	m->out = out;
}

/* Takes over fd (closed on failure too). */
static int add_stream(struct merger *m, int fd, const char *name, int cpu)
{
	struct relay_stream *s;
	void *grown;

	grown = realloc(m->streams, (m->nstreams + 1) * sizeof(*m->streams));
	if (!grown) {
		close(fd);
		return -1;
	}
	m->streams = grown;
	s = &m->streams[m->nstreams];
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->cpu = cpu;
	s->name = strdup(name);
	if (!s->name) {
		close(fd);
		return -1;
	}
	m->nstreams++;
	return 0;
}

static int by_cpu(const void *a, const void *b)
{
	const struct relay_stream *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

int merger_open_dir(struct merger *m, const char *dir)
{
	struct dirent *de;
	int err = 0, fd, cpu;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		cpu = trace_cpu(de->d_name);
		if (cpu < 0)
			continue;
		fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || add_stream(m, fd, de->d_name, cpu) < 0) {
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
	qsort(m->streams, m->nstreams, sizeof(*m->streams), by_cpu);
	return 0;
}

/* The traceN name of an inherited fd, from /proc/self/fd. */
static int fd_trace_cpu(int fd, char *name, size_t size)
{
	char link[64], target[512];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		n = 0;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base)
		base = "relay";
	if (strlen(base) >= size)
		base += strlen(base) - (size - 1);	/* (keep the number) */
	memcpy(name, base, strlen(base) + 1);
	return trace_cpu(name);
}

int merger_add_fd(struct merger *m, int fd)
{
	char name[512];
	int cpu = fd_trace_cpu(fd, name, sizeof(name));
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	if (cpu < 0)
		cpu = (int)m->nstreams;
	return add_stream(m, fd, name, cpu);
}

int merger_add_file(struct merger *m, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || add_stream(m, fd, path, (int)m->nstreams) < 0)
		return -1;
	m->streams[m->nstreams - 1].plain = true;
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
		if (n == 0) {
			s->eof = s->plain;	/* (relay: nothing yet) */
			break;
		}
		if (errno == EAGAIN)
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

	output_write(m->out, data, h->len);
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
			/* (a file at its end will bring nothing more) */
			if (!m->streams[i].eof || m->streams[i].tail >
						      m->streams[i].head)
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

/* Gaps in the flight recorder are overwritten records, not lost ones. */
static uint64_t *gap_counter(struct merger *m)
{
	return m->gaps_overwritten ? &m->overwritten : &m->skipped;
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
		if (m->next_seq == 0) {
			/* Attached: the oldest record still there starts. */
			if (!give_up_gap(m, all_have_heads, final))
				return 0;
			m->next_seq = h.seq;
		}
		if (h.seq > m->next_seq) {
			if (!give_up_gap(m, all_have_heads, final))
				return 0;
			*gap_counter(m) += h.seq - m->next_seq;
		} else if (h.seq < m->next_seq && *gap_counter(m) > 0) {
			/* Late after all: print it rather than lose it. */
			(*gap_counter(m))--;
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

/* Bulk mode: whole records only, counted; the kernel reads whole ones. */
static int stream_emit_raw(struct merger *m, struct relay_stream *s)
{
	struct stp_rec_hdr h;
	size_t start = s->head;
	int r;

	while ((r = stream_head(s, &h)) > 0) {
		s->head += sizeof(h) + h.len;
		m->emitted++;
	}
	if (r < 0)
		return -1;
	output_write(s->raw, s->buf + start, s->head - start);
	return 0;
}

int merger_emit_raw(struct merger *m)
{
	size_t i;

	for (i = 0; i < m->nstreams; i++)
		if (stream_emit_raw(m, &m->streams[i]) < 0)
			return -1;
	return 0;
}

static void output_check(struct merger *m, struct output *o)
{
	output_flush(o);
	if (o->broken && !m->out_broken) {
		m->out_broken = true;
		m->out_errno = o->err;
	}
}

void merger_flush(struct merger *m)
{
	size_t i;

	if (m->out)
		output_check(m, m->out);
	for (i = 0; i < m->nstreams; i++)
		if (m->streams[i].raw)
			output_check(m, m->streams[i].raw);
}
