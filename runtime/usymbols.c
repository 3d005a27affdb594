/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space addresses as names: uaddr(), umodname(), usymname(),
 * usymdata() and the lines of a ubacktrace().  An address of the current
 * process is in one of its mappings (a vma of current->mm); a mapping of
 * a file whose tables the translator embedded (stp_utables: the files the
 * script probes, -d FILE, --ldd) gives the address in the file's own
 * layout, and that its function.
 *
 * Probes run with interrupts off and must not sleep: the mm's lock is
 * only tried, and only where the interrupted code can hold none of the
 * locks that giving it back (a wake-up) may take: in user space, or in
 * kernel code that ran with interrupts on.  Elsewhere, or when the lock
 * is busy, an address is "unknown".  A mapping's file is matched with the
 * embedded ones by device and inode (found at start), and its path comes
 * from d_path() only in a hit in user space: a kernel probe may have
 * interrupted the holder of mount_lock or rename_lock on this CPU, and
 * there the path is read from the dentries under RCU instead.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/fs.h>
#include <linux/dcache.h>
#include <linux/namei.h>
#include <linux/sched/task_stack.h>

/* A function of an embedded file, at its link-time address. */
struct stp_usym {
	unsigned long addr, size;
	const char *name;
};

/* A PT_LOAD segment: file offsets [offset, offset + size) are at link-
 * time addresses that much (delta) further on. */
struct stp_useg {
	unsigned long offset, size, delta;
};

/* An unwind row (see ustack.c), from pc until the next row's. */
#define STP_UREG_END	0xff	/* the outermost frame: nothing calls it */
#define STP_UREG_BP	6
#define STP_UREG_SP	7
enum { STP_UBP_SAME, STP_UBP_SAVED, STP_UBP_LOST };

struct stp_uframe {
	u32 pc;
	u8 cfa_reg;		/* the CFA is this register plus cfa_off; 0: no rule here */
	s32 cfa_off;
	s16 ra_off;		/* the return address is saved at CFA + ra_off */
	u8 bp_rule;		/* rbp: unchanged, saved at CFA + bp_off, or lost */
	s16 bp_off;
};

/* Which file an embedded one is on the running system, found when the
 * script starts: a mapping's file is compared by these, not by path. */
struct stp_ufile_id {
	dev_t dev;
	unsigned long ino;
};

struct stp_ufile {
	const char *path;
	struct stp_ufile_id *id;
	const struct stp_useg *segs;
	unsigned int nsegs;
	const struct stp_usym *syms;	/* by address */
	unsigned int nsyms;
	const struct stp_uframe *frames;	/* by pc */
	unsigned int nframes;
};

struct stp_utables {
	const struct stp_ufile *files;
	unsigned int nfiles;
};

/* The translator's tables, defined at the end of the generated C when the
 * script names user addresses (else none: this stays empty). */
static const struct stp_utables stp_utables;

#define STP_UPATH_MAX 256

/* Where an address of the current process is. */
struct stp_uplace {
	const struct stp_ufile *file;	/* its file's tables, or NULL */
	unsigned long link;		/* with file: the address in its layout */
	bool mapped;			/* in a mapping of a file (path says which) */
	char path[STP_UPATH_MAX];
};

/* One per CPU: a hit never nests in another on its CPU. */
static DEFINE_PER_CPU(struct stp_uplace, stp_uplace_buf);

/* The user-space registers of this hit: a uprobe's own, else those the
 * task entered the kernel with; NULL in a kernel thread. */
static __maybe_unused struct pt_regs *stp_usym_uregs(const struct stp_context *c)
{
	struct pt_regs *regs = stp_real_regs(c);

	if (regs && user_mode(regs))
		return regs;
	if (!current->mm || (current->flags & PF_KTHREAD))
		return NULL;
	return task_pt_regs(current);
}

/* uaddr(): where the process is in user space, or 0. */
static __maybe_unused unsigned long stp_usym_uaddr(const struct stp_context *c)
{
	struct pt_regs *regs = stp_usym_uregs(c);

	return regs ? instruction_pointer(regs) : 0;
}

/* Whether this hit may try the mm's lock (see the top of the file). */
static __maybe_unused bool stp_usym_may_lock(const struct stp_context *c)
{
	struct pt_regs *regs = stp_real_regs(c);

	if (in_nmi() || !current->mm || (current->flags & PF_KTHREAD) || !regs)
		return false;
	if (user_mode(regs))
		return true;
	return regs->flags & X86_EFLAGS_IF;
}

static __maybe_unused bool stp_usym_lock(const struct stp_context *c)
{
	return stp_usym_may_lock(c) && mmap_read_trylock(current->mm);
}

static __maybe_unused void stp_usym_unlock(void)
{
	mmap_read_unlock(current->mm);
}

/* At start (process context): which file each embedded one is. */
static __maybe_unused void stp_usym_start(void)
{
	unsigned int i;

	for (i = 0; i < stp_utables.nfiles; i++) {
		const struct stp_ufile *f = &stp_utables.files[i];
		struct path path;

		if (kern_path(f->path, LOOKUP_FOLLOW, &path))
			continue;	/* not on this system: nothing maps it */
		f->id->dev = d_inode(path.dentry)->i_sb->s_dev;
		f->id->ino = d_inode(path.dentry)->i_ino;
		path_put(&path);
	}
}

/* The embedded file that file is, or NULL. */
static __maybe_unused const struct stp_ufile *stp_usym_file(struct file *file)
{
	struct inode *inode = file_inode(file);
	unsigned int i;

	for (i = 0; i < stp_utables.nfiles; i++) {
		const struct stp_ufile_id *id = stp_utables.files[i].id;

		if (id->ino == inode->i_ino && id->dev == inode->i_sb->s_dev)
			return &stp_utables.files[i];
	}
	return NULL;
}

/*
 * A file's path without d_path(), whose locks (mount_lock, rename_lock) a
 * kernel probe may have interrupted this CPU in holding: the names from
 * its dentry up to its filesystem's root, under RCU.  A rename racing
 * with us may garble the answer, never memory; a file of a filesystem
 * mounted below / shows its path within that filesystem.
 */
static __maybe_unused void stp_usym_dentry_path(struct dentry *d, char *buf, size_t size)
{
	char *end = buf + size, *p = end - 1;
	int depth;

	*p = '\0';
	rcu_read_lock();
	for (depth = 0; depth < 64; depth++) {
		struct dentry *parent = READ_ONCE(d->d_parent);
		const char *name = (const char *)READ_ONCE(d->d_name.name);
		size_t len = strnlen(name, NAME_MAX);

		if (d == parent || len + 1 > (size_t)(p - buf))
			break;
		p -= len;
		memcpy(p, name, len);
		*--p = '/';
		d = parent;
	}
	rcu_read_unlock();
	if (!*p)
		*--p = '/';
	memmove(buf, p, end - p);
}

/* The link-time address of file offset off, through f's segments. */
static __maybe_unused bool stp_usym_link(const struct stp_ufile *f, unsigned long off,
					 unsigned long *link)
{
	unsigned int i;

	for (i = 0; i < f->nsegs; i++)
		if (off >= f->segs[i].offset && off - f->segs[i].offset < f->segs[i].size) {
			*link = off + f->segs[i].delta;
			return true;
		}
	return false;
}

/*
 * Where addr is, with the mm's lock held: false if in no file mapping.
 * With want_path, pl->path says which file: d_path() only when the hit
 * interrupted user space (no kernel lock of this CPU's can be held then).
 */
static __maybe_unused bool stp_usym_place_locked(unsigned long addr, struct stp_uplace *pl, bool want_path,
						 bool user_hit)
{
	struct vm_area_struct *vma = find_vma(current->mm, addr);
	unsigned long off;
	char *p;

	pl->file = NULL;
	pl->mapped = false;
	pl->path[0] = '\0';
	if (!vma || vma->vm_start > addr || !vma->vm_file)
		return false;
	pl->mapped = true;
	pl->file = stp_usym_file(vma->vm_file);
	off = addr - vma->vm_start + (vma->vm_pgoff << PAGE_SHIFT);
	if (pl->file && !stp_usym_link(pl->file, off, &pl->link))
		pl->file = NULL;
	if (!want_path)
		return true;
	if (pl->file) {
		strscpy(pl->path, pl->file->path, sizeof(pl->path));
	} else if (user_hit) {
		p = file_path(vma->vm_file, pl->path, sizeof(pl->path));
		if (IS_ERR(p))
			return false;
		memmove(pl->path, p, strlen(p) + 1);
	} else {
		stp_usym_dentry_path(vma->vm_file->f_path.dentry, pl->path, sizeof(pl->path));
	}
	return true;
}

/* Whether this hit interrupted user space. */
static __maybe_unused bool stp_usym_user_hit(const struct stp_context *c)
{
	struct pt_regs *regs = stp_real_regs(c);

	return regs && user_mode(regs);
}

/* Where addr is (this CPU's buffer), or NULL if that is unknown. */
static __maybe_unused struct stp_uplace *stp_usym_place(const struct stp_context *c,
							unsigned long addr)
{
	struct stp_uplace *pl = this_cpu_ptr(&stp_uplace_buf);
	bool found;

	if (!stp_usym_lock(c))
		return NULL;
	found = stp_usym_place_locked(addr, pl, true, stp_usym_user_hit(c));
	stp_usym_unlock();
	return found ? pl : NULL;
}

/* The function of f holding link, or NULL. */
static __maybe_unused const struct stp_usym *stp_usym_lookup(const struct stp_ufile *f,
							      unsigned long link)
{
	unsigned int lo = 0, hi = f->nsyms;
	const struct stp_usym *s;

	while (lo < hi) {		/* the last one at or below link */
		unsigned int mid = lo + (hi - lo) / 2;

		if (f->syms[mid].addr <= link)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &f->syms[lo - 1];
	return link - s->addr < max(s->size, 1UL) ? s : NULL;
}

/* umodname(): the path of the file mapped at addr, false if unknown. */
static __maybe_unused bool stp_usym_module(const struct stp_context *c, unsigned long addr,
					   char *out, size_t size)
{
	struct stp_uplace *pl = stp_usym_place(c, addr);

	if (!pl)
		return false;
	strscpy(out, pl->path, size);
	return true;
}

/*
 * What `what` (STP_SYM_* of symbolize.c) asks for of the user address
 * addr, into out: "NAME+0xOFF/0xSIZE [PATH]" at most; an address no
 * embedded function holds is "0x%016lx" (and " [PATH]" of its file if
 * known).  Returns the length written.
 */
static __maybe_unused int stp_usym_text(const struct stp_context *c, char *out, size_t size,
					unsigned long addr, unsigned int what)
{
	struct stp_uplace *pl = stp_usym_place(c, addr);
	const struct stp_usym *s = pl && pl->file ? stp_usym_lookup(pl->file, pl->link) : NULL;
	int n;

	if (!s)
		n = scnprintf(out, size, "0x%016lx", addr);
	else
		n = scnprintf(out, size, "%s", s->name);
	if (s && (what & STP_SYM_OFFSET))
		n += scnprintf(out + n, size - n, "+0x%lx", pl->link - s->addr);
	if (s && (what & STP_SYM_SIZE))
		n += scnprintf(out + n, size - n, "/0x%lx", s->size);
	if (pl && (what & STP_SYM_MODULE))
		n += scnprintf(out + n, size - n, " [%s]", pl->path);
	return n;
}
