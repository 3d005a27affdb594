/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procfs("PATH").read and .write: /proc/systemtap/MODULE/PATH while the
 * script runs, with the directories PATH names.  A file's mode is 0444
 * if it has read probes, with 0222 if it has write probes, less the
 * umasks of its probes (0044 for reads, 0022 for writes unless the
 * script gave .umask(M)): 0400, 0200 or 0600 by default.  A read at
 * offset 0 runs the file's read probes, which fill a buffer the open file
 * owns through $value (= and .=); that text is then copied to the
 * reader.  A write is copied in, and each piece of up to MAXSTRINGLEN - 1
 * bytes runs the write probes with it as $value.  The copies to and from
 * user space happen here, with preemption on, never inside a probe hit
 * (which runs with it off).
 *
 * /proc/systemtap is shared with other stap modules and stays, like
 * /sys/kernel/debug/systemtap; MODULE, its directories and its files go
 * when the script stops.
 */
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/mutex.h>
#include <linux/namei.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
#define pde_data PDE_DATA
#endif

#define STP_PROCFS_ROOT "systemtap"

/* The $value of one probe hit: a buffer the hit may read, set and add to. */
struct stp_procfs_value {
	char *buf;
	size_t size;	/* NUL included */
	size_t len;	/* of the text in buf */
};

/* An open file: its text, and a lock for readers and writers sharing it. */
struct stp_procfs_open {
	struct mutex lock;
	size_t len;
	size_t size;	/* of the text read probes make, NUL included */
	char buf[];
};

static struct stp_probe *stp_procfs_probes;	/* the script's table */
static size_t stp_procfs_nprobes;
static bool stp_procfs_dir_made;
static char stp_procfs_dir[16 + MODULE_NAME_LEN];		/* "systemtap/MODULE" */

/* $value in a handler: a copy, so setting it can't change what was read. */
static __maybe_unused const char *stp_procfs_get(struct stp_context *c, char *tmp)
{
	strscpy(tmp, c->procfs->buf, MAXSTRINGLEN);
	return tmp;
}

/* Puts string s (at most MAXSTRINGLEN - 1 bytes of it, as any string) at
 * offset at of $value: what fits, and an error if not all of it did. */
static void stp_procfs_put(struct stp_context *c, size_t at, const char *s, const char *near)
{
	struct stp_procfs_value *v = c->procfs;
	size_t n = strnlen(s, MAXSTRINGLEN - 1), room = v->size - 1 - at;
	char msg[96];

	memcpy(v->buf + at, s, min(n, room));
	v->len = at + min(n, room);
	v->buf[v->len] = '\0';
	if (n <= room)
		return;
	snprintf(msg, sizeof(msg), "procfs buffer of %zu bytes exceeded (%zu needed); raise .maxsize(N)",
		 v->size, at + n + 1);
	stp_error(c, msg, near);
}

/* $value = s in a read probe: what the reader will get. */
static __maybe_unused void stp_procfs_set(struct stp_context *c, const char *s, const char *near)
{
	stp_procfs_put(c, 0, s, near);
}

/* $value .= s in a read probe: more for the reader. */
static __maybe_unused void stp_procfs_append(struct stp_context *c, const char *s, const char *near)
{
	stp_procfs_put(c, c->procfs->len, s, near);
}

/* Whether probe q is on the same file as p. */
static bool stp_procfs_same(const struct stp_probe *p, const struct stp_probe *q)
{
	return q->kind == STP_PROBE_PROCFS && !strcmp(p->procfs_file, q->procfs_file);
}

/*
 * Runs the probes of file's kind on its file, in script order, with v as
 * $value.  The context's $value is set with preemption off, so the hit
 * that follows on this CPU is ours: a hit from an interrupt in between
 * is some other probe's, which never looks at it.
 */
static void stp_procfs_run(const struct stp_probe *file, bool write, struct stp_procfs_value *v)
{
	struct stp_context *c;
	size_t i;

	for (i = 0; i < stp_procfs_nprobes; i++) {
		const struct stp_probe *p = &stp_procfs_probes[i];

		if (!stp_procfs_same(file, p) || p->procfs_write != write)
			continue;
		preempt_disable();
		c = stp_contexts[smp_processor_id()];
		c->procfs = v;
		stp_probe_run_regs(p, STP_SCRIPT_RUNNING, NULL);
		c->procfs = NULL;
		preempt_enable();
	}
}

static int stp_procfs_open(struct inode *inode, struct file *file)
{
	const struct stp_probe *first = pde_data(inode);
	struct stp_procfs_open *o;
	size_t i, size = 0;

	/* The read buffer: the largest .maxsize(N), else MAXSTRINGLEN;
	 * writes come in pieces of MAXSTRINGLEN. */
	for (i = 0; i < stp_procfs_nprobes; i++) {
		const struct stp_probe *p = &stp_procfs_probes[i];

		if (stp_procfs_same(first, p) && !p->procfs_write)
			size = max(size, p->procfs_maxsize);
	}
	if (!size)
		size = MAXSTRINGLEN;
	o = kvzalloc(struct_size(o, buf, max_t(size_t, size, MAXSTRINGLEN)), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	mutex_init(&o->lock);
	o->size = size;
	file->private_data = o;
	return 0;
}

static int stp_procfs_release(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

/* At offset 0 the read probes make the text anew; later reads go on. */
static ssize_t stp_procfs_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct stp_procfs_open *o = file->private_data;
	struct stp_procfs_value v = { .buf = o->buf, .size = o->size };
	ssize_t rc;

	mutex_lock(&o->lock);
	if (*ppos == 0) {
		o->buf[0] = '\0';
		stp_procfs_run(pde_data(file_inode(file)), false, &v);
		o->len = v.len;
	}
	rc = simple_read_from_buffer(ubuf, count, ppos, o->buf, o->len);
	mutex_unlock(&o->lock);
	return rc;
}

static ssize_t stp_procfs_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct stp_procfs_open *o = file->private_data;
	struct stp_procfs_value v = { .buf = o->buf, .size = MAXSTRINGLEN };
	size_t done, n;

	mutex_lock(&o->lock);
	for (done = 0; done < count; done += n) {
		n = min_t(size_t, count - done, MAXSTRINGLEN - 1);
		if (copy_from_user(o->buf, ubuf + done, n))
			break;
		o->buf[n] = '\0';
		v.len = n;
		stp_procfs_run(pde_data(file_inode(file)), true, &v);
		cond_resched();
	}
	o->len = 0;	/* a read at offset 0 runs the read probes anyway */
	mutex_unlock(&o->lock);
	if (!done && count)
		return -EFAULT;
	*ppos += done;
	return done;
}

static const struct proc_ops stp_procfs_ops = {
	.proc_open = stp_procfs_open,
	.proc_release = stp_procfs_release,
	.proc_read = stp_procfs_read,
	.proc_write = stp_procfs_write,
	.proc_lseek = default_llseek,
};

/* Makes /proc/systemtap unless it is there: asking procfs for a name it
 * has already would warn in the kernel log. */
static int stp_procfs_root(void)
{
	struct path path;

	if (!kern_path("/proc/" STP_PROCFS_ROOT, LOOKUP_DIRECTORY, &path)) {
		path_put(&path);
		return 0;
	}
	return proc_mkdir(STP_PROCFS_ROOT, NULL) ? 0 : -ENOMEM;
}

static void stp_procfs_error(const struct stp_probe *p, const char *why, int rc)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "cannot create /proc/%s/%s for probe %s at %s: %s (%d)", stp_procfs_dir,
		 p->procfs_file, p->pp, p->location, why, rc);
	stp_ctl_send(STP_MSG_ERROR, msg, strlen(msg));
}

static void stp_procfs_remove(void)
{
	if (stp_procfs_dir_made)
		remove_proc_subtree(stp_procfs_dir, NULL);	/* waits for running reads and writes */
	stp_procfs_dir_made = false;
}

/* Whether a procfs probe among probes[0..i) has a file in directory
 * path[0..len) (made with it, then). */
static bool stp_procfs_dir_seen(const struct stp_probe *probes, size_t i, const char *path, size_t len)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (probes[j].kind == STP_PROBE_PROCFS && !strncmp(probes[j].procfs_file, path, len) &&
		    probes[j].procfs_file[len] == '/')
			return true;
	return false;
}

/* Makes the directories above probes[i]'s file that no earlier file has
 * made: 0, or an error, reported. */
static int stp_procfs_mkdirs(const struct stp_probe *probes, size_t i)
{
	const char *path = probes[i].procfs_file, *slash;
	char *name;
	bool made;

	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		if (stp_procfs_dir_seen(probes, i, path, slash - path))
			continue;
		name = kasprintf(GFP_KERNEL, "%s/%.*s", stp_procfs_dir, (int)(slash - path), path);
		made = name && proc_mkdir(name, NULL);
		kfree(name);
		if (!made) {
			stp_procfs_error(&probes[i], "no directory", -ENOMEM);
			return -ENOMEM;
		}
	}
	return 0;
}

/* The mode of probes[i]'s file, which no earlier probe has: 0444 for
 * reads, 0222 for writes, less every probe's umask. */
static umode_t stp_procfs_mode(const struct stp_probe *probes, size_t i, size_t n)
{
	umode_t mode = 0, umask = 0;
	size_t j;

	for (j = i; j < n; j++) {
		if (!stp_procfs_same(&probes[i], &probes[j]))
			continue;
		mode |= probes[j].procfs_write ? 0222 : 0444;
		umask |= probes[j].procfs_umask;
	}
	return mode & ~umask;
}

/* Makes probes[i]'s file, with its directories: 0, or an error, reported. */
static int stp_procfs_make_file(const struct stp_probe *probes, size_t i, size_t n)
{
	const struct stp_probe *p = &probes[i];
	umode_t mode = stp_procfs_mode(probes, i, n);
	struct proc_dir_entry *entry;
	char *name;
	int rc;

	/* procfs would make a file of mode 0 readable by all */
	if (!mode) {
		stp_procfs_error(p, "its probes' umasks leave it no permissions", -EINVAL);
		return -EINVAL;
	}
	rc = stp_procfs_mkdirs(probes, i);
	if (rc)
		return rc;
	name = kasprintf(GFP_KERNEL, "%s/%s", stp_procfs_dir, p->procfs_file);
	if (!name) {
		stp_procfs_error(p, "no memory", -ENOMEM);
		return -ENOMEM;
	}
	entry = proc_create_data(name, mode, NULL, &stp_procfs_ops, (void *)p);
	kfree(name);
	if (!entry) {
		stp_procfs_error(p, "refused", -ENOMEM);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Makes the files of the procfs probes among probes[0..n) (START, process
 * context), and their directories: 0, or an error, reported, and what was
 * made before it is removed.
 */
static int stp_procfs_create(struct stp_probe *probes, size_t n)
{
	size_t i, j;
	int rc;

	stp_procfs_probes = probes;
	stp_procfs_nprobes = n;
	for (i = 0; i < n && probes[i].kind != STP_PROBE_PROCFS; i++)
		;
	if (i == n)
		return 0;
	snprintf(stp_procfs_dir, sizeof(stp_procfs_dir), STP_PROCFS_ROOT "/%s", THIS_MODULE->name);
	rc = stp_procfs_root();
	if (rc || !proc_mkdir(stp_procfs_dir, NULL)) {
		stp_procfs_error(&probes[i], "no directory", rc ? rc : -EEXIST);
		return rc ? rc : -EEXIST;
	}
	stp_procfs_dir_made = true;
	for (; i < n; i++) {
		if (probes[i].kind != STP_PROBE_PROCFS)
			continue;
		for (j = 0; j < i && !stp_procfs_same(&probes[i], &probes[j]); j++)
			;
		if (j < i)
			continue;	/* made with the first probe on it */
		rc = stp_procfs_make_file(probes, i, n);
		if (rc) {
			stp_procfs_remove();
			return rc;
		}
	}
	return 0;
}
