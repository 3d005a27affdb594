// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel side of the stap transport.
 *
 * Output: every record is a struct stp_rec_hdr plus text, written into the
 * current CPU's relay buffer.  By default a full buffer drops the record
 * and counts it; with _stp_overwrite=1 (flight recorder) the oldest
 * sub-buffer is overwritten instead.  Records carry a global sequence
 * number so stapio can merge the per-CPU files back into production order.
 * The trace files are read through our own read(), never relay's (see
 * below), and it hands out whole records only.
 *
 * Control: a bounded queue of whole messages, read by stapio from the
 * "ctl" file; stapio writes one command (START, STOP) per write().  One
 * stapio at a time may hold the ctl file; closing it without STOP
 * detaches: the script keeps running and a later stapio may attach.
 */
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/relay.h>
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/hardirq.h>
#include <linux/seqlock.h>

#include "transport.h"

#define STP_DEBUGFS_ROOT "systemtap"

#if STP_CTL_QUEUE_LEN < 3
#error "STP_CTL_QUEUE_LEN must leave room for EXIT_REQUEST and DONE"
#endif

/* Bytes one ctl read() can hand out at most. */
#define STP_CTL_READ_MAX (16 * 1024)

/* Set by staprun at load time; see stp_msgs.h and staprun(8). */
static unsigned int stp_bufsize_mb;
module_param_named(_stp_bufsize, stp_bufsize_mb, uint, 0444);
MODULE_PARM_DESC(_stp_bufsize, "relay buffer per CPU in MB (1..4095, 0: default)");
static bool stp_overwrite;
module_param_named(_stp_overwrite, stp_overwrite, bool, 0444);
MODULE_PARM_DESC(_stp_overwrite, "flight recorder: overwrite the oldest output");
/* Who loaded the module (staprun sets it): see stp_is_myproc. */
static unsigned int stp_loader_uid;
module_param_named(_stp_uid, stp_loader_uid, uint, 0444);
MODULE_PARM_DESC(_stp_uid, "real user id of the user who loaded the module");
static unsigned int stp_loader_gid;
module_param_named(_stp_gid, stp_loader_gid, uint, 0444);
MODULE_PARM_DESC(_stp_gid, "real group id of the user who loaded the module");

/*
 * Whether the current task is one of the loader's own processes (real
 * and effective uid both: not a setuid program the user started).  A
 * stapusr module (STP_MYPROC_ONLY) probes and reads only those.
 */
static __maybe_unused bool stp_is_myproc(void)
{
	kuid_t uid = make_kuid(&init_user_ns, stp_loader_uid);

	return uid_eq(current_uid(), uid) && uid_eq(current_euid(), uid);
}

/* Whether process probes may fire in the current task: any, or for a
 * stapusr module only the loader's own. */
static __maybe_unused bool stp_current_allowed(void)
{
#ifdef STP_MYPROC_ONLY
	return stp_is_myproc();
#else
	return true;
#endif
}

#define STP_BUFSIZE_MAX_MB 4095
#define STP_RELAY_MAX_SUBBUFS 64

/* ------------------------------------------------------------------ */
/* Output records on relay                                            */
/* ------------------------------------------------------------------ */

/*
 * relay's own read() (relay_file_operations) races with a writer that
 * switches sub-buffers while it runs: it can rewind its consumed count and
 * hand out a stale sub-buffer a second time.  So relay only manages the
 * buffers here; the trace files have their own read(), which takes a
 * consistent snapshot of the writer's state under a per-CPU seqcount.
 */
struct stp_relay_cpu {
	seqcount_t seq;		/* odd while this CPU's writer runs */
	int busy;		/* guards against an NMI nesting a write */
	struct mutex read_lock;	/* one reader per buffer */
	size_t read_pos;	/* bytes read of the oldest unconsumed subbuf */
};

static DEFINE_PER_CPU(struct stp_relay_cpu, stp_relay_cpus);
static struct rchan *stp_chan;
static atomic64_t stp_seq = ATOMIC64_INIT(0);
static atomic64_t stp_dropped = ATOMIC64_INIT(0);

static u64 stp_transport_dropped(void)
{
	return atomic64_read(&stp_dropped);
}

/*
 * Find room for @total bytes in this CPU's buffer, switching sub-buffers if
 * needed.  Returns NULL when the buffer is full (or the record too big).
 */
static void *stp_relay_claim(struct rchan_buf *buf, size_t total)
{
	if (buf->offset + total > buf->chan->subbuf_size &&
	    !relay_switch_subbuf(buf, total))
		return NULL;
	return buf->data + buf->offset;
}

/*
 * Copy the record in, then publish it by advancing the offset, which is
 * what the reader trusts.  The sequence number is taken only for records
 * that fit, so a dropped record leaves no gap for stapio to wait on.
 */
static void stp_relay_fill(struct rchan_buf *buf, void *dst,
			   const char *data, u32 len)
{
	struct stp_rec_hdr hdr;

	hdr.seq = atomic64_inc_return(&stp_seq);
	hdr.len = len;
	hdr.cpu = smp_processor_id();
	memcpy(dst, &hdr, sizeof(hdr));
	memcpy(dst + sizeof(hdr), data, len);
	smp_wmb();	/* record bytes before the offset that exposes them */
	WRITE_ONCE(buf->offset, buf->offset + sizeof(hdr) + len);
}

static void stp_transport_write(const char *data, u32 len)
{
	struct rchan *chan = READ_ONCE(stp_chan);
	struct stp_relay_cpu *rc;
	struct rchan_buf *buf;
	unsigned long flags;
	void *dst;

	if (!chan) {
		atomic64_inc(&stp_dropped);
		return;
	}
	/* Irqs off: the buffer and its seqcount belong to this CPU. */
	local_irq_save(flags);
	rc = this_cpu_ptr(&stp_relay_cpus);
	buf = *this_cpu_ptr(chan->buf);
	if (!buf || rc->busy) {
		atomic64_inc(&stp_dropped);
		goto out;
	}
	rc->busy = 1;
	raw_write_seqcount_begin(&rc->seq);
	dst = stp_relay_claim(buf, sizeof(struct stp_rec_hdr) + len);
	if (dst)
		stp_relay_fill(buf, dst, data, len);
	else
		atomic64_inc(&stp_dropped);
	raw_write_seqcount_end(&rc->seq);
	rc->busy = 0;
out:
	local_irq_restore(flags);
}

/* Where the reader stands in one buffer, taken consistently. */
struct stp_relay_view {
	size_t consumed;	/* oldest unconsumed sub-buffer (counter) */
	size_t produced;	/* sub-buffers sealed by the writer */
	size_t end;		/* readable bytes in sub-buffer `consumed` */
};

static void stp_relay_look(struct rchan_buf *buf, struct stp_relay_cpu *rc,
			   struct stp_relay_view *v)
{
	size_t size = buf->chan->subbuf_size;
	unsigned int seq;
	size_t idx;

	do {
		seq = raw_read_seqcount_begin(&rc->seq);
		v->consumed = buf->subbufs_consumed;
		v->produced = buf->subbufs_produced;
		idx = v->consumed % buf->chan->n_subbufs;
		if (v->consumed != v->produced)
			/* Sealed: its padding is final. */
			v->end = size - buf->padding[idx];
		else if (buf->offset <= size &&
			 buf->data == buf->start + idx * size)
			/* The one being written: up to the last commit. */
			v->end = buf->offset;
		else
			/* Writer still parked on a full buffer: nothing new. */
			v->end = 0;
	} while (read_seqcount_retry(&rc->seq, seq));
}

/* Hand a fully read sub-buffer back to the writer. */
static void stp_relay_release_subbuf(struct rchan_buf *buf,
				     struct stp_relay_cpu *rc)
{
	smp_mb();	/* finish copying before the writer may reuse it */
	relay_subbufs_consumed(buf->chan, buf->cpu, 1);
	rc->read_pos = 0;
}

/* Overwrite mode: has the writer come round to sub-buffer @n again? */
static bool stp_relay_lapped(struct rchan_buf *buf, size_t n, size_t produced)
{
	/* (Without overwrite, produced == n + n_subbufs means full.) */
	return stp_overwrite && produced >= n + buf->chan->n_subbufs;
}

/*
 * Overwrite mode: the writer has lapped the reader.  Skip to the oldest
 * sub-buffer that survives (the writer is in the one after the newest
 * sealed one, i.e. in the slot of `produced`); what was skipped shows up
 * in stapio as a gap in the sequence numbers.  The count is set directly:
 * relay_subbufs_consumed() ignores a jump of more than n_subbufs, and in
 * overwrite mode the writer never looks at it.
 */
static void stp_relay_skip_lapped(struct rchan_buf *buf,
				  struct stp_relay_cpu *rc,
				  const struct stp_relay_view *v)
{
	WRITE_ONCE(buf->subbufs_consumed,
		   v->produced - buf->chan->n_subbufs + 1);
	rc->read_pos = 0;
}

/*
 * Length of the whole records at the start of @from (@avail bytes) that
 * fit in @room.  *first is set to the first record's full length.
 */
static size_t stp_relay_whole(const void *from, size_t avail, size_t room,
			      size_t *first)
{
	struct stp_rec_hdr hdr;
	size_t pos = 0, one;

	*first = 0;
	while (avail - pos >= sizeof(hdr)) {
		memcpy(&hdr, from + pos, sizeof(hdr));
		one = sizeof(hdr) + hdr.len;
		if (!pos)
			*first = one;
		if (one > avail - pos || one > room - pos)
			break;
		pos += one;
	}
	return pos;
}

/* Why nothing could be copied although bytes are readable. */
static ssize_t stp_relay_stuck(size_t first, size_t room, size_t avail)
{
	if (first > room && first <= avail)
		return -EMSGSIZE;	/* the caller's buffer is too small */
	return -EIO;			/* a record overruns its sub-buffer */
}

/*
 * Copy out the whole records that are committed; returns bytes copied, or
 * a negative errno if none could be.  In overwrite mode the writer may
 * reuse a sub-buffer while we copy from it: what was copied is then
 * dropped again and the reader moves on to the oldest surviving data.
 */
static ssize_t stp_relay_copy(struct rchan_buf *buf, struct stp_relay_cpu *rc,
			      char __user *ubuf, size_t count)
{
	size_t size = buf->chan->subbuf_size, done = 0, n, first;
	struct stp_relay_view v, after;
	void *from;

	while (done < count) {
		stp_relay_look(buf, rc, &v);
		if (stp_relay_lapped(buf, v.consumed, v.produced)) {
			stp_relay_skip_lapped(buf, rc, &v);
			continue;
		}
		if (rc->read_pos >= v.end) {
			if (v.consumed == v.produced)
				break;
			stp_relay_release_subbuf(buf, rc);
			continue;
		}
		from = buf->start + (v.consumed % buf->chan->n_subbufs) * size +
		       rc->read_pos;
		n = stp_relay_whole(from, v.end - rc->read_pos, count - done,
				    &first);
		if (n && copy_to_user(ubuf + done, from, n))
			return done ? done : -EFAULT;
		stp_relay_look(buf, rc, &after);
		if (stp_relay_lapped(buf, v.consumed, after.produced))
			continue;	/* torn: skipped on the next round */
		if (!n)
			return done ? done : stp_relay_stuck(first, count,
						v.end - rc->read_pos);
		done += n;
		rc->read_pos += n;
	}
	return done;
}

/* Never blocks: 0 means nothing is readable right now. */
static ssize_t stp_relay_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct rchan_buf *buf = file->private_data;
	struct stp_relay_cpu *rc = per_cpu_ptr(&stp_relay_cpus, buf->cpu);
	ssize_t ret;

	if (mutex_lock_interruptible(&rc->read_lock))
		return -ERESTARTSYS;
	ret = stp_relay_copy(buf, rc, ubuf, count);
	mutex_unlock(&rc->read_lock);
	return ret;
}

/* relay wakes read_wait whenever the writer seals a sub-buffer. */
static __poll_t stp_relay_poll(struct file *file, poll_table *wait)
{
	struct rchan_buf *buf = file->private_data;
	struct stp_relay_cpu *rc = per_cpu_ptr(&stp_relay_cpus, buf->cpu);
	struct stp_relay_view v;

	poll_wait(file, &buf->read_wait, wait);
	stp_relay_look(buf, rc, &v);
	if (v.consumed != v.produced || READ_ONCE(rc->read_pos) < v.end)
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static int stp_relay_open(struct inode *inode, struct file *file)
{
	file->private_data = inode->i_private;
	return nonseekable_open(inode, file);
}

/*
 * No reference on the buffer is needed: an open file pins the module, and
 * debugfs lets no call in once relay_close() has removed the file.
 */
static const struct file_operations stp_relay_fops = {
	.owner = THIS_MODULE,
	.open = stp_relay_open,
	.read = stp_relay_read,
	.poll = stp_relay_poll,
	.llseek = no_llseek,
};

static struct dentry *stp_relay_create_file(const char *filename,
					    struct dentry *parent,
					    umode_t mode,
					    struct rchan_buf *buf,
					    int *is_global)
{
	struct dentry *d;

	d = debugfs_create_file(filename, mode, parent, buf, &stp_relay_fops);
	return IS_ERR(d) ? NULL : d;
}

static int stp_relay_remove_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

/* Without a subbuf_start callback, relay never overwrites. */
static const struct rchan_callbacks stp_relay_callbacks = {
	.create_buf_file = stp_relay_create_file,
	.remove_buf_file = stp_relay_remove_file,
};

/* Flight recorder: always go on into the next (oldest) sub-buffer. */
static int stp_relay_subbuf_start_overwrite(struct rchan_buf *buf,
					    void *subbuf, void *prev_subbuf,
					    size_t prev_padding)
{
	return 1;
}

static const struct rchan_callbacks stp_relay_callbacks_overwrite = {
	.subbuf_start = stp_relay_subbuf_start_overwrite,
	.create_buf_file = stp_relay_create_file,
	.remove_buf_file = stp_relay_remove_file,
};

/*
 * Sub-buffer size and count for _stp_bufsize MB per CPU: at least 64 KiB
 * per sub-buffer (a record never spans two), at most 64 of them.
 */
static int stp_relay_geometry(size_t *subbuf_size, size_t *n_subbufs)
{
	size_t total, n;

	*subbuf_size = STP_RELAY_SUBBUF_SIZE;
	*n_subbufs = STP_RELAY_N_SUBBUFS;
	if (!stp_bufsize_mb)
		return 0;
	if (stp_bufsize_mb > STP_BUFSIZE_MAX_MB) {
		pr_err("%s: _stp_bufsize=%u: at most %u (MB per CPU)\n",
		       THIS_MODULE->name, stp_bufsize_mb, STP_BUFSIZE_MAX_MB);
		return -EINVAL;
	}
	total = (size_t)stp_bufsize_mb << 20;
	n = clamp_t(size_t, total / STP_RELAY_SUBBUF_SIZE, 2,
		    STP_RELAY_MAX_SUBBUFS);
	*n_subbufs = n;
	*subbuf_size = round_down(total / n, PAGE_SIZE);
	return 0;
}

static void stp_relay_cpus_init(void)
{
	struct stp_relay_cpu *rc;
	int cpu;

	for_each_possible_cpu(cpu) {
		rc = per_cpu_ptr(&stp_relay_cpus, cpu);
		seqcount_init(&rc->seq);
		mutex_init(&rc->read_lock);
		rc->busy = 0;
		rc->read_pos = 0;
	}
}

/* ------------------------------------------------------------------ */
/* Control message queue                                              */
/* ------------------------------------------------------------------ */

struct stp_ctl_slot {
	struct stp_msg_hdr hdr;
	char payload[STP_MSG_MAX_PAYLOAD];
};

static struct stp_ctl_slot *stp_ctl_slots;
static unsigned int stp_ctl_head;	/* oldest queued slot */
static unsigned int stp_ctl_count;	/* queued slots */
static atomic64_t stp_ctl_lost;	/* messages that found no room */
static DEFINE_RAW_SPINLOCK(stp_ctl_lock);
static DECLARE_WAIT_QUEUE_HEAD(stp_ctl_wait);
static struct irq_work stp_ctl_wake_work;
static bool stp_ctl_ready;

/*
 * The last slots are kept for the messages that end a session, so that a
 * flood of errors cannot keep stapio from ever stopping.
 */
static unsigned int stp_ctl_limit(u32 type)
{
	if (type == STP_MSG_DONE)
		return STP_CTL_QUEUE_LEN;
	if (type == STP_MSG_EXIT_REQUEST)
		return STP_CTL_QUEUE_LEN - 1;
	return STP_CTL_QUEUE_LEN - 2;
}

/* Wake readers from irq_work: a probe may be running inside the scheduler. */
static void stp_ctl_wake(struct irq_work *work)
{
	wake_up_interruptible(&stp_ctl_wait);
}

/* Take the queue lock from any context; in NMI only try, never spin. */
static bool stp_ctl_lock_any(unsigned long *flags)
{
	local_irq_save(*flags);
	if (in_nmi()) {
		if (raw_spin_trylock(&stp_ctl_lock))
			return true;
		local_irq_restore(*flags);
		return false;
	}
	raw_spin_lock(&stp_ctl_lock);
	return true;
}

static void stp_ctl_unlock_any(unsigned long flags)
{
	raw_spin_unlock(&stp_ctl_lock);
	local_irq_restore(flags);
}

/* Append one message; caller holds the lock.  Returns false when full. */
static bool stp_ctl_enqueue(u32 type, const void *data, u32 len)
{
	struct stp_ctl_slot *slot;

	if (stp_ctl_count >= stp_ctl_limit(type))
		return false;
	slot = &stp_ctl_slots[(stp_ctl_head + stp_ctl_count) %
			      STP_CTL_QUEUE_LEN];
	if (len > STP_MSG_MAX_PAYLOAD)
		len = STP_MSG_MAX_PAYLOAD;
	slot->hdr.type = type;
	slot->hdr.len = len;
	if (len)
		memcpy(slot->payload, data, len);
	stp_ctl_count++;
	return true;
}

/*
 * An exit request stays owed until STOP arrives: a stapio that read it but
 * detached before answering leaves it for the next one (see release).
 */
static bool stp_ctl_exit_owed;

static void stp_ctl_send(u32 type, const void *data, u32 len)
{
	unsigned long flags;
	bool queued = false;

	if (!READ_ONCE(stp_ctl_ready))
		return;
	if (stp_ctl_lock_any(&flags)) {
		queued = stp_ctl_enqueue(type, data, len);
		if (queued && type == STP_MSG_EXIT_REQUEST)
			stp_ctl_exit_owed = true;
		stp_ctl_unlock_any(flags);
	}
	if (queued)
		irq_work_queue(&stp_ctl_wake_work);
	else
		atomic64_inc(&stp_ctl_lost);
}

static bool stp_ctl_pending(void)
{
	return READ_ONCE(stp_ctl_count) != 0;
}

/*
 * Move as many whole messages as fit in @size bytes to @out.  Returns the
 * bytes moved, or -EINVAL if even the first message does not fit.
 */
static ssize_t stp_ctl_dequeue(char *out, size_t size)
{
	struct stp_ctl_slot *slot;
	unsigned long flags;
	size_t used = 0, one;

	raw_spin_lock_irqsave(&stp_ctl_lock, flags);
	while (stp_ctl_count) {
		slot = &stp_ctl_slots[stp_ctl_head];
		one = sizeof(slot->hdr) + slot->hdr.len;
		if (used + one > size)
			break;
		memcpy(out + used, slot, one);
		used += one;
		stp_ctl_head = (stp_ctl_head + 1) % STP_CTL_QUEUE_LEN;
		stp_ctl_count--;
	}
	raw_spin_unlock_irqrestore(&stp_ctl_lock, flags);
	if (!used && stp_ctl_pending())
		return -EINVAL;
	return used;
}

/* Tell stapio (once there is room again) how many messages were lost. */
static void stp_ctl_report_lost(void)
{
	u64 lost = atomic64_read(&stp_ctl_lost);
	unsigned long flags;
	char text[64];
	bool queued;
	int n;

	if (!lost)
		return;
	n = scnprintf(text, sizeof(text),
		      "%llu control messages lost (queue full)", lost);
	raw_spin_lock_irqsave(&stp_ctl_lock, flags);
	queued = stp_ctl_enqueue(STP_MSG_WARNING, text, n);
	raw_spin_unlock_irqrestore(&stp_ctl_lock, flags);
	if (queued) {
		atomic64_sub(lost, &stp_ctl_lost);
		irq_work_queue(&stp_ctl_wake_work);
	}
}

/* ------------------------------------------------------------------ */
/* The ctl file                                                       */
/* ------------------------------------------------------------------ */

enum stp_session_state { STP_SESSION_IDLE, STP_SESSION_RUNNING,
			 STP_SESSION_STOPPED };

static enum stp_session_state stp_session_state;
static DEFINE_MUTEX(stp_session_mutex);
static DEFINE_MUTEX(stp_ctl_read_mutex);
static char *stp_ctl_read_buf;
static atomic_t stp_ctl_opened = ATOMIC_INIT(0);

static int stp_ctl_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&stp_ctl_opened, 0, 1) != 0)
		return -EBUSY;
	return nonseekable_open(inode, file);
}

/* Is a message of @type waiting?  Caller holds the lock. */
static bool stp_ctl_queued(u32 type)
{
	unsigned int i;

	for (i = 0; i < stp_ctl_count; i++)
		if (stp_ctl_slots[(stp_ctl_head + i) % STP_CTL_QUEUE_LEN]
			    .hdr.type == type)
			return true;
	return false;
}

/* A detaching stapio may have read an exit request it never answered. */
static void stp_ctl_requeue_exit(void)
{
	unsigned long flags;
	bool queued = false;

	raw_spin_lock_irqsave(&stp_ctl_lock, flags);
	if (stp_ctl_exit_owed && !stp_ctl_queued(STP_MSG_EXIT_REQUEST))
		queued = stp_ctl_enqueue(STP_MSG_EXIT_REQUEST, NULL, 0);
	raw_spin_unlock_irqrestore(&stp_ctl_lock, flags);
	if (queued)
		irq_work_queue(&stp_ctl_wake_work);
}

/* Closed without STOP (detach, or stapio died): the script runs on. */
static int stp_ctl_release(struct inode *inode, struct file *file)
{
	stp_ctl_requeue_exit();
	atomic_set(&stp_ctl_opened, 0);
	return 0;
}

/* Wait (unless O_NONBLOCK) for messages, then pull whole ones out. */
static ssize_t stp_ctl_fetch(struct file *file, size_t count)
{
	ssize_t n;
	int ret;

	for (;;) {
		n = stp_ctl_dequeue(stp_ctl_read_buf, count);
		if (n)
			return n;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(stp_ctl_wait,
					       stp_ctl_pending());
		if (ret)
			return ret;
	}
}

static ssize_t stp_ctl_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	ssize_t n;

	if (mutex_lock_interruptible(&stp_ctl_read_mutex))
		return -ERESTARTSYS;
	n = stp_ctl_fetch(file, min_t(size_t, count, STP_CTL_READ_MAX));
	if (n > 0 && copy_to_user(ubuf, stp_ctl_read_buf, n))
		n = -EFAULT;
	mutex_unlock(&stp_ctl_read_mutex);
	stp_ctl_report_lost();
	return n;
}

static __poll_t stp_ctl_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &stp_ctl_wait, wait);
	if (stp_ctl_pending())
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int stp_ctl_start(s32 target)
{
	int ret = 0;

	mutex_lock(&stp_session_mutex);
	if (stp_session_state == STP_SESSION_IDLE) {
		stp_session_state = STP_SESSION_RUNNING;
		stp_session_start(target);
	} else {
		ret = -EBUSY;
	}
	mutex_unlock(&stp_session_mutex);
	return ret;
}

/* Idempotent; a STOP before any START just reports an idle DONE. */
static void stp_ctl_stop(void)
{
	struct stp_done done = { 0 };

	mutex_lock(&stp_session_mutex);
	WRITE_ONCE(stp_ctl_exit_owed, false);
	if (stp_session_state == STP_SESSION_RUNNING) {
		stp_session_state = STP_SESSION_STOPPED;
		/* Our reader sees the unsealed sub-buffer: no relay_flush(). */
		stp_session_stop();
	} else if (stp_session_state == STP_SESSION_IDLE) {
		stp_session_state = STP_SESSION_STOPPED;
		done.dropped = stp_transport_dropped();
		stp_ctl_send(STP_MSG_DONE, &done, sizeof(done));
	}
	mutex_unlock(&stp_session_mutex);
}

static ssize_t stp_ctl_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct {
		struct stp_msg_hdr hdr;
		struct stp_start start;
	} msg;
	int ret = 0;

	if (count < sizeof(msg.hdr) || count > sizeof(msg))
		return -EINVAL;
	if (copy_from_user(&msg, ubuf, count))
		return -EFAULT;
	if (msg.hdr.len != count - sizeof(msg.hdr))
		return -EINVAL;

	switch (msg.hdr.type) {
	case STP_MSG_START:
		if (msg.hdr.len < sizeof(msg.start))
			return -EINVAL;
		ret = stp_ctl_start(msg.start.target);
		break;
	case STP_MSG_STOP:
		stp_ctl_stop();
		break;
	default:
		return -EINVAL;
	}
	return ret ? ret : count;
}

/* STP_IOC_INFO: what stapio needs to know to read the output right. */
static long stp_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct stp_transport_info info = { 0 };
	struct rchan *chan = READ_ONCE(stp_chan);

	if (cmd != STP_IOC_INFO)
		return -ENOTTY;
	if (IS_ENABLED(STP_BULKMODE))
		info.flags |= STP_INFO_BULK;
	if (stp_overwrite)
		info.flags |= STP_INFO_OVERWRITE;
	if (chan) {
		info.n_subbufs = chan->n_subbufs;
		info.subbuf_size = chan->subbuf_size;
	}
	if (copy_to_user((void __user *)arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static const struct file_operations stp_ctl_fops = {
	.owner = THIS_MODULE,
	.open = stp_ctl_open,
	.release = stp_ctl_release,
	.read = stp_ctl_read,
	.write = stp_ctl_write,
	.poll = stp_ctl_poll,
	.unlocked_ioctl = stp_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                 */
/* ------------------------------------------------------------------ */

static struct dentry *stp_debugfs_root;	/* counted reference */
static struct dentry *stp_debugfs_dir;
static struct dentry *stp_ctl_dentry;

/*
 * Get a counted reference to /sys/kernel/debug/systemtap, creating it if
 * needed.  It is shared with other stap modules and never removed.
 */
static struct dentry *stp_get_debugfs_root(void)
{
	struct dentry *root = debugfs_lookup(STP_DEBUGFS_ROOT, NULL);

	if (root)
		return root;
	root = debugfs_create_dir(STP_DEBUGFS_ROOT, NULL);
	if (IS_ERR(root) && PTR_ERR(root) != -EEXIST)
		return root;
	/* Created now, or by a racing module: take our own reference. */
	root = debugfs_lookup(STP_DEBUGFS_ROOT, NULL);
	return root ? root : ERR_PTR(-ENOENT);
}

static int stp_ctl_queue_init(void)
{
	stp_ctl_slots = vzalloc(array_size(STP_CTL_QUEUE_LEN,
					   sizeof(*stp_ctl_slots)));
	stp_ctl_read_buf = vmalloc(STP_CTL_READ_MAX);
	if (!stp_ctl_slots || !stp_ctl_read_buf) {
		vfree(stp_ctl_slots);
		vfree(stp_ctl_read_buf);
		stp_ctl_slots = NULL;
		stp_ctl_read_buf = NULL;
		return -ENOMEM;
	}
	init_irq_work(&stp_ctl_wake_work, stp_ctl_wake);
	stp_ctl_head = 0;
	stp_ctl_count = 0;
	atomic64_set(&stp_ctl_lost, 0);
	WRITE_ONCE(stp_ctl_ready, true);
	return 0;
}

static void stp_ctl_queue_exit(void)
{
	WRITE_ONCE(stp_ctl_ready, false);
	irq_work_sync(&stp_ctl_wake_work);
	vfree(stp_ctl_slots);
	vfree(stp_ctl_read_buf);
	stp_ctl_slots = NULL;
	stp_ctl_read_buf = NULL;
}

/* Detach the relay channel; writers run with irqs off, so RCU waits them. */
static void stp_relay_close(void)
{
	struct rchan *chan = stp_chan;

	if (!chan)
		return;
	WRITE_ONCE(stp_chan, NULL);
	synchronize_rcu();
	relay_close(chan);
}

static void stp_debugfs_exit(void)
{
	/* The ctl file goes first: debugfs waits for running handlers. */
	debugfs_remove(stp_ctl_dentry);
	stp_ctl_dentry = NULL;
	stp_relay_close();
	debugfs_remove(stp_debugfs_dir);
	stp_debugfs_dir = NULL;
	dput(stp_debugfs_root);
	stp_debugfs_root = NULL;
}

static int stp_debugfs_init(void)
{
	size_t subbuf_size, n_subbufs;
	struct dentry *d;
	int ret;

	ret = stp_relay_geometry(&subbuf_size, &n_subbufs);
	if (ret)
		return ret;
	d = stp_get_debugfs_root();
	if (IS_ERR(d))
		return PTR_ERR(d);
	stp_debugfs_root = d;

	d = debugfs_create_dir(THIS_MODULE->name, stp_debugfs_root);
	if (IS_ERR(d))
		goto err;
	stp_debugfs_dir = d;

	stp_chan = relay_open("trace", stp_debugfs_dir, subbuf_size, n_subbufs,
			      stp_overwrite ? &stp_relay_callbacks_overwrite :
					      &stp_relay_callbacks, NULL);
	if (!stp_chan) {
		d = ERR_PTR(-ENOMEM);
		goto err;
	}

	d = debugfs_create_file("ctl", 0600, stp_debugfs_dir, NULL,
				&stp_ctl_fops);
	if (IS_ERR(d))
		goto err;
	stp_ctl_dentry = d;
	return 0;

err:
	stp_debugfs_exit();
	return PTR_ERR(d);
}

static int stp_transport_init(void)
{
	int ret;

	stp_session_state = STP_SESSION_IDLE;
	stp_relay_cpus_init();
	ret = stp_ctl_queue_init();
	if (ret)
		return ret;
	ret = stp_debugfs_init();
	if (ret)
		stp_ctl_queue_exit();
	return ret;
}

static void stp_transport_exit(void)
{
	stp_debugfs_exit();
	stp_ctl_queue_exit();
}
