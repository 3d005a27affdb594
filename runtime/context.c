/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU probe contexts.  A probe handler runs with preemption disabled
 * on one CPU and uses that CPU's context for its locals, its output and
 * its error state, so it never sleeps and never allocates.  A probe that
 * fires while another is running on the same CPU is skipped, not nested.
 */

struct stp_context {
	atomic_t busy;
	const struct stp_probe *probe;
	struct pt_regs *regs;		/* what the probe saw, or NULL */
	int unit;			/* kprobes: which of the probe's symbols hit, else -1 */
	void *entry_data;		/* .return probes: what @entry saved */
	unsigned long ubias;		/* uprobes: where the probed file was mapped, less its own layout */
	struct stp_procfs_value *procfs;	/* procfs probes: $value */
	unsigned long actions;		/* statements executed in this hit */
	const char *error;		/* set once this hit failed: the message */
	const char *error_near;		/* where, "operator '/' at x.stp:3:9" */
	char error_buf[MAXSTRINGLEN];
	int nesting;			/* function call depth */
	size_t frame_used;		/* bytes of frames in use */
	size_t frame_size;
	char *frames;			/* locals of the probe and its calls */
	u32 print_len;
	char print_buf[STP_PRINT_BUF_SIZE];
	/* the last successful =~ of this hit, for matched(n) */
	bool has_match;
	struct stp_regex_match match;
	char match_text[MAXSTRINGLEN];
};

static struct stp_context **stp_contexts;

static int stp_contexts_alloc(size_t frame_size)
{
	unsigned int cpu;

	stp_contexts = kcalloc(nr_cpu_ids, sizeof(*stp_contexts), GFP_KERNEL);
	if (!stp_contexts)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct stp_context *c = vzalloc(sizeof(*c));

		if (!c)
			return -ENOMEM;
		stp_contexts[cpu] = c;
		c->frame_size = frame_size;
		c->frames = vzalloc(frame_size ? frame_size : 1);
		if (!c->frames)
			return -ENOMEM;
	}
	return 0;
}

static void stp_contexts_free(void)
{
	unsigned int cpu;

	if (!stp_contexts)
		return;
	for_each_possible_cpu(cpu) {
		struct stp_context *c = stp_contexts[cpu];

		if (!c)
			continue;
		vfree(c->frames);
		vfree(c);
	}
	kfree(stp_contexts);
	stp_contexts = NULL;
}

static void stp_error(struct stp_context *c, const char *msg, const char *near);

/*
 * Frames are taken from the context like a stack: a probe's locals first,
 * then one frame per active function call.  Returns zeroed memory, or
 * NULL after reporting an error.
 */
static void *stp_frame_push(struct stp_context *c, size_t size, const char *near)
{
	void *frame;

	size = ALIGN(size, 8);
	if (c->nesting > MAXNESTING) {
		stp_error(c, "MAXNESTING exceeded", near);
		return NULL;
	}
	if (c->frame_used + size > c->frame_size) {
		stp_error(c, "out of frame space", near);
		return NULL;
	}
	frame = c->frames + c->frame_used;
	c->frame_used += size;
	c->nesting++;
	memset(frame, 0, size);
	return frame;
}

static void stp_frame_pop(struct stp_context *c, size_t size)
{
	c->frame_used -= ALIGN(size, 8);
	c->nesting--;
}

/*
 * The value of v, an operation that may fail (a division, a script
 * function call); if it failed, jump to label before the value is used:
 * "out" to leave the probe or function, or a try block's catch label.
 */
#define STP_CHECKED(c, v, label) ({				\
	__typeof__(v) __stp_v = (v);				\
	if (unlikely((c)->error))				\
		goto label;					\
	__stp_v;						\
})

/*
 * Counts n statements against MAXACTION.  Returns nonzero when the probe
 * must stop: the limit was reached now, or an error happened before.
 */
static inline int stp_actions(struct stp_context *c, unsigned long n, const char *near)
{
	if (unlikely(c->error))
		return 1;
	c->actions += n;
	if (unlikely(c->actions > MAXACTION)) {
		stp_error(c, "MAXACTION exceeded", near);
		return 1;
	}
	return 0;
}
