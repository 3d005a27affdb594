/* The qemu runner's file work: kernel images, the guest's initramfs, pid
 * files and the console log, plus small helpers.  See remote_qemu.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "remote_qemu_internal.h"

#define CONSOLE_TAIL_LINES 20
/* An oops with its registers and call trace takes some 50 lines. */
#define OOPS_MAX_LINES 80
#define OOPS_MAX_BYTES 8192
/* From Xen's public/elfnote.h: the 32-bit PVH entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* ---- small helpers ---- */

void guest_set_error(char **err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!err)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(*err);
	*err = msg;
}

long long guest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *guest_path_in(const char *dir, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	return path;
}

char *guest_read_file(const char *path, size_t *size_out)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t size = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (size + 65536 + 1 > cap) {
			char *bigger = realloc(data, cap = cap * 2 + 65536 + 1);

			if (!bigger) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = bigger;
		}
		n = fread(data + size, 1, 65536, f);
		size += n;
	} while (n > 0);
	fclose(f);
	data[size] = '\0';
	if (size_out)
		*size_out = size;
	return data;
}

/* ---- diagnostics from the console log ---- */

/* Drop escape sequences (firmware and terminal codes) and control bytes. */
static size_t strip_escapes(char *text, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		unsigned char c = text[in++];

		if (c == 0x1b) {
			if (in < len && text[in] == '[') {
				for (in++; in < len && !(text[in] >= 0x40 && text[in] <= 0x7e); in++)
					;
			}
			in++;
			continue;
		}
		if (c == '\n' || c == '\t' || c >= 0x20)
			text[out++] = c;
	}
	return out;
}

static const char *line_start(const char *bound, const char *p)
{
	while (p > bound && p[-1] != '\n')
		p--;
	return p;
}

/* The console log, escapes stripped and trailing blanks dropped, or NULL.
 * from: a byte offset in the file as written; *since: the same place in
 * the text returned (0 if the log is newer than from). */
static char *read_console(const char *dir, size_t from, size_t *since)
{
	char *path = guest_path_in(dir, "console.log"), *text;
	size_t len, before, after;

	text = path ? guest_read_file(path, &len) : NULL;
	free(path);
	if (!text)
		return NULL;
	if (from > len)
		from = 0;
	before = strip_escapes(text, from);
	after = strip_escapes(text + from, len - from);
	memmove(text + before, text + from, after);
	len = before + after;
	while (len > before && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	text[len] = '\0';
	*since = before;
	return text;
}

/* The line starting the first oops (or BUG report, or panic) in text, or
 * NULL. */
static const char *find_oops(const char *text)
{
	static const char *const marks[] = { "BUG: ", "Oops", "general protection fault",
					     "invalid opcode", "kernel BUG",
					     "Kernel panic - not syncing" };
	const char *found = NULL, *p;
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		p = strstr(text, marks[i]);
		if (p && (!found || p < found))
			found = p;
	}
	return found ? line_start(text, found) : NULL;
}

/* Just past the oops starting at start: its "---[ end trace" line, else
 * the last "</TASK>" line (end of its call trace), else where the bounds
 * cut it. */
static const char *oops_end(const char *start)
{
	const char *p = start, *eol, *next, *task_end = NULL;
	int lines;

	for (lines = 0; *p && lines < OOPS_MAX_LINES; lines++) {
		eol = p + strcspn(p, "\n");
		if (lines > 0 && eol - start > OOPS_MAX_BYTES)
			break;
		next = *eol ? eol + 1 : eol;
		if (memmem(p, eol - p, "---[ end trace", 14))
			return next;
		if (memmem(p, eol - p, "</TASK>", 7))
			task_end = next;
		p = next;
	}
	return task_end ? task_end : p;
}

/* The last line between from and to saying "Kernel panic", or NULL. */
static const char *find_panic(const char *from, const char *to)
{
	const char *p, *found = NULL;

	for (p = strstr(from, "Kernel panic"); p && p < to; p = strstr(p + 1, "Kernel panic"))
		found = p;
	return found ? line_start(from, found) : NULL;
}

/* The start of the last n lines of text. */
static const char *last_lines(const char *text, int n)
{
	const char *p = text + strlen(text);
	int lines = 0;

	for (; p > text; p--)
		if (p[-1] == '\n' && ++lines == n)
			break;
	return p;
}

/* What went wrong first (an oops with its call trace, else the last panic
 * line), then how it ended (the tail); each part bounded. */
static void write_console_report(FILE *f, const char *text, const char *since)
{
	const char *tail = last_lines(text, CONSOLE_TAIL_LINES);
	const char *oops = find_oops(since), *end = since, *panic;

	if (oops) {
		end = oops_end(oops);
		fprintf(f, "%.*s", (int)(end - oops), oops);
		if (end >= tail) {
			fputs(end, f);
			return;
		}
		fputs("...\n", f);
	}
	panic = find_panic(end, tail);
	if (panic)
		fprintf(f, "%.*s\n...\n", (int)strcspn(panic, "\n"), panic);
	fputs(tail, f);
}

char *guest_console_since(const char *dir, size_t from)
{
	char *text, *report = NULL;
	size_t since, size;
	FILE *f;

	text = read_console(dir, from, &since);
	if (!text || !*text) {
		free(text);
		return strdup("");
	}
	f = open_memstream(&report, &size);
	if (f) {
		fprintf(f, "\nfrom the guest's console (%s/console.log):\n", dir);
		write_console_report(f, text, text + since);
		if (fclose(f) != 0) {
			free(report);
			report = NULL;
		}
	}
	free(text);
	return report ? report : strdup("");
}

char *guest_console_tail(const char *dir)
{
	return guest_console_since(dir, 0);
}

char *guest_console_crash(const char *dir, size_t from)
{
	const char *line, *stamp_end;
	char *text, *crash = NULL;
	size_t since;

	text = read_console(dir, from, &since);
	if (!text)
		return NULL;
	line = find_oops(text + since);
	if (!line)
		line = find_panic(text + since, text + strlen(text));
	if (line) {
		/* Without the "[    3.180626] " time stamp. */
		stamp_end = line[0] == '[' ? strstr(line, "] ") : NULL;
		if (stamp_end && stamp_end < line + strcspn(line, "\n"))
			line = stamp_end + 2;
		crash = strndup(line, strcspn(line, "\n"));
	}
	free(text);
	return crash;
}

size_t guest_console_size(const char *dir)
{
	char *path = guest_path_in(dir, "console.log");
	struct stat st;
	size_t size = 0;

	if (path && stat(path, &st) == 0)
		size = st.st_size;
	free(path);
	return size;
}

/* qemu's own complaints, e.g. about a bad option or kernel image. */
static char *qemu_messages(const char *dir)
{
	char *path = guest_path_in(dir, "qemu.log"), *text, *msg;
	size_t len;

	text = path ? guest_read_file(path, &len) : NULL;
	free(path);
	if (!text || len == 0) {
		free(text);
		return strdup("");
	}
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (asprintf(&msg, "\nqemu said: %s", text) < 0)
		msg = strdup("");
	free(text);
	return msg;
}

void guest_set_boot_error(char **err, const char *dir, const char *what)
{
	char *qemu = qemu_messages(dir), *tail = guest_console_tail(dir);

	guest_set_error(err, "guest boot failed: %s%s%s", what, qemu ? qemu : "",
		  tail ? tail : "");
	free(qemu);
	free(tail);
}

/* ---- pid files ---- */

/* Is pid the qemu serving our socket (and not a zombie or a recycled pid)? */
int guest_qemu_is_running(pid_t pid, const char *socket_path)
{
	char path[64], *text, state;
	size_t len, i;
	int ours = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	text = guest_read_file(path, &len);
	if (!text)
		return 0;
	for (i = 0; i < len; i += strlen(text + i) + 1)
		if (strstr(text + i, socket_path))
			ours = 1;
	free(text);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = guest_read_file(path, NULL);
	if (text && strrchr(text, ')') && sscanf(strrchr(text, ')') + 1, " %c", &state) == 1
	    && state == 'Z')
		ours = 0;
	free(text);
	return ours;
}

int guest_write_pid(const char *dir, const char *name, pid_t pid, char **err)
{
	char *path = guest_path_in(dir, name);
	FILE *f = path ? fopen(path, "we") : NULL;
	int ok = f && fprintf(f, "%d\n", (int)pid) > 0;

	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok)
		guest_set_error(err, "cannot write %s/%s: %s", dir, name, strerror(errno));
	free(path);
	return ok ? 0 : -1;
}

pid_t guest_read_pid(const char *dir, const char *name)
{
	char *path = guest_path_in(dir, name), *text;
	pid_t pid = 0;

	text = path ? guest_read_file(path, NULL) : NULL;
	if (text)
		pid = atoi(text);
	free(path);
	free(text);
	return pid;
}

/* ---- kernels ---- */

static int has_build_tree(const char *release)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/lib/modules/%s/build", release);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *guest_default_kernel(void)
{
	DIR *d = opendir("/boot");
	struct dirent *e;
	char *best = NULL, *path = NULL;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		const char *release = e->d_name + strlen("vmlinuz-");

		if (strncmp(e->d_name, "vmlinuz-", 8) || !has_build_tree(release))
			continue;
		if (!best || strverscmp(release, best) > 0) {
			free(best);
			best = strdup(release);
		}
	}
	closedir(d);
	if (best && asprintf(&path, "/boot/vmlinuz-%s", best) < 0)
		path = NULL;
	free(best);
	return path;
}

int guest_kernel_release(const char *image, char *buf, size_t size)
{
	unsigned char magic[4], offset[2];
	char version[256];
	ssize_t n;
	size_t len;
	int fd = open(image, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	/* Boot protocol: "HdrS" at 0x202, version string pointer at 0x20e
	 * (relative to the end of the 512-byte boot sector). */
	if (pread(fd, magic, 4, 0x202) != 4 || memcmp(magic, "HdrS", 4) ||
	    pread(fd, offset, 2, 0x20e) != 2 || (offset[0] | offset[1]) == 0) {
		close(fd);
		return -1;
	}
	n = pread(fd, version, sizeof(version) - 1,
		  0x200 + (offset[0] | offset[1] << 8));
	close(fd);
	if (n <= 0)
		return -1;
	version[n] = '\0';
	len = strcspn(version, " \t\n");
	if (len == 0 || len >= size)
		return -1;
	memcpy(buf, version, len);
	buf[len] = '\0';
	return 0;
}

/* ---- the initramfs (newc cpio, uncompressed) ---- */

struct cpio_writer {
	FILE *f;
	unsigned long next_ino;
};

static void cpio_pad(struct cpio_writer *w, size_t written)
{
	static const char zeros[4];

	fwrite(zeros, 1, (4 - written % 4) % 4, w->f);
}

static void cpio_entry(struct cpio_writer *w, const char *name, unsigned mode,
		       const void *data, size_t size, unsigned rdev_major,
		       unsigned rdev_minor)
{
	size_t name_size = strlen(name) + 1;

	fprintf(w->f, "070701%08lX%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		w->next_ino++, mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0, size, 0, 0,
		rdev_major, rdev_minor, name_size, 0);
	fwrite(name, 1, name_size, w->f);
	cpio_pad(w, 110 + name_size);
	if (size) {
		fwrite(data, 1, size, w->f);
		cpio_pad(w, size);
	}
}

static void cpio_dir(struct cpio_writer *w, const char *name)
{
	cpio_entry(w, name, S_IFDIR | 0755, NULL, 0, 0, 0);
}

/* Directories leading to path (which is relative), each once per call. */
static void cpio_parent_dirs(struct cpio_writer *w, const char *path)
{
	char partial[PATH_MAX];
	const char *slash;

	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		snprintf(partial, sizeof(partial), "%.*s", (int)(slash - path), path);
		cpio_dir(w, partial);
	}
}

static int cpio_host_file(struct cpio_writer *w, const char *name,
			  const char *host_path, unsigned perm, char **err)
{
	size_t size;
	char *data = guest_read_file(host_path, &size);

	if (!data) {
		guest_set_error(err, "cannot read %s: %s", host_path, strerror(errno));
		return -1;
	}
	cpio_entry(w, name, S_IFREG | perm, data, size, 0, 0);
	free(data);
	return 0;
}

/* Kernel modules the initramfs loads, with their dependencies first. */
struct module_list {
	char *paths[32];	/* relative to /lib/modules/R */
	int count;
};

static const char *const initrd_modules[] = {
	"virtio_pci", "virtio_console", "9pnet_virtio", "9p",
};

static void module_list_add(struct module_list *list, const char *path,
			    size_t len)
{
	int i;

	for (i = 0; i < list->count; i++)
		if (strlen(list->paths[i]) == len && !strncmp(list->paths[i], path, len))
			return;
	if (list->count < (int)(sizeof(list->paths) / sizeof(list->paths[0])))
		list->paths[list->count++] = strndup(path, len);
}

static void module_list_free(struct module_list *list)
{
	while (list->count > 0)
		free(list->paths[--list->count]);
}

/* The modules.dep line "kernel/.../NAME.ko: deps..." for name, or NULL. */
static char *find_dep_line(char *deps, const char *name)
{
	char *line, *colon, *base;
	size_t name_len = strlen(name);

	for (line = deps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		colon = strchr(line, ':');
		if (!colon)
			return NULL;
		for (base = colon; base > line && base[-1] != '/'; base--)
			;
		if ((size_t)(colon - base) == name_len + 3 &&
		    !strncmp(base, name, name_len) && !strncmp(base + name_len, ".ko", 3))
			return line;
	}
	return NULL;
}

/* modprobe's order: the dependencies listed last load first. */
static void add_module_with_deps(struct module_list *list, const char *line)
{
	const char *colon = strchr(line, ':');
	const char *end = line + strcspn(line, "\n");
	const char *p = end;
	const char *word_end;

	while (p > colon + 1) {
		while (p > colon + 1 && p[-1] == ' ')
			p--;
		word_end = p;
		while (p > colon + 1 && p[-1] != ' ')
			p--;
		if (word_end > p)
			module_list_add(list, p, word_end - p);
	}
	module_list_add(list, line, colon - line);
}

static int is_builtin(const char *builtin, const char *name)
{
	char needle[128];

	snprintf(needle, sizeof(needle), "/%s.ko\n", name);
	return builtin && strstr(builtin, needle);
}

static int resolve_modules(const char *release, struct module_list *list,
			   char **err)
{
	char path[PATH_MAX], *deps, *builtin, *line;
	size_t i;
	int rc = 0;

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", release);
	deps = guest_read_file(path, NULL);
	if (!deps) {
		guest_set_error(err, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", release);
	builtin = guest_read_file(path, NULL);
	for (i = 0; i < sizeof(initrd_modules) / sizeof(initrd_modules[0]); i++) {
		line = find_dep_line(deps, initrd_modules[i]);
		if (line) {
			add_module_with_deps(list, line);
		} else if (!is_builtin(builtin, initrd_modules[i])) {
			guest_set_error(err, "kernel %s has no module %s.ko (needed to share files with the guest)",
				  release, initrd_modules[i]);
			rc = -1;
			break;
		}
	}
	free(deps);
	free(builtin);
	return rc;
}

static const char init_script_format[] =
	"#!/bin/busybox sh\n"
	"# Written by stap's qemu runner: share the host's root and run the agent in it.\n"
	"/bin/busybox --install -s /bin\n"
	"export PATH=/bin\n"
	"fail() { echo \"stap-guest-init: $*\"; echo o > /proc/sysrq-trigger; while :; do sleep 1; done; }\n"
	"mount -t proc proc /proc\n"
	"mount -t devtmpfs devtmpfs /dev\n"
	"for m in %s; do insmod /lib/modules/%s/$m || fail \"insmod $m failed\"; done\n"
	"agent=\n"
	"for w in $(cat /proc/cmdline); do\n"
	"  case \"$w\" in stap.agent=*) agent=\"${w#stap.agent=}\";; esac\n"
	"done\n"
	"[ -n \"$agent\" ] || fail 'no stap.agent= on the kernel command line'\n"
	"o=trans=virtio,version=9p2000.L,msize=512000\n"
	"mount -t 9p -o $o,ro hostroot /newroot || fail \"cannot mount the host's root\"\n"
	"mount -t 9p -o $o hosttmp /newroot/tmp || fail \"cannot mount the host's /tmp\"\n"
	"mount -t tmpfs -o mode=0755 tmpfs /newroot/run || fail 'cannot mount /run'\n"
	"mount -t 9p -o $o hostvartmp /newroot/var/tmp || fail \"cannot mount the host's /var/tmp\"\n"
	"mount --move /dev /newroot/dev || fail 'cannot move /dev'\n"
	"umount /proc\n"
	"exec chroot /newroot \"$agent\"\n"
	"fail \"cannot run $agent\"\n";

static char *init_script(const char *release, const struct module_list *list)
{
	char names[4096] = "", *script;
	size_t used = 0;
	int i;

	for (i = 0; i < list->count && used < sizeof(names); i++)
		used += snprintf(names + used, sizeof(names) - used, "%s%s",
				 i ? " " : "", list->paths[i]);
	if (asprintf(&script, init_script_format, names, release) < 0)
		return NULL;
	return script;
}

static int write_initrd_entries(struct cpio_writer *w, const char *release,
				const struct module_list *list, char **err)
{
	static const char *const dirs[] = { "bin", "dev", "proc", "sys", "newroot", "lib" };
	char host_path[PATH_MAX];
	char *script = init_script(release, list);
	size_t i;

	if (!script) {
		guest_set_error(err, "out of memory");
		return -1;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		cpio_dir(w, dirs[i]);
	cpio_entry(w, "dev/console", S_IFCHR | 0600, NULL, 0, 5, 1);
	cpio_entry(w, "init", S_IFREG | 0755, script, strlen(script), 0, 0);
	free(script);
	if (cpio_host_file(w, "bin/busybox", "/bin/busybox", 0755, err) < 0)
		return -1;
	for (i = 0; i < (size_t)list->count; i++) {
		snprintf(host_path, sizeof(host_path), "/lib/modules/%s/%s",
			 release, list->paths[i]);
		cpio_parent_dirs(w, host_path + 1);
		if (cpio_host_file(w, host_path + 1, host_path, 0644, err) < 0)
			return -1;
	}
	cpio_entry(w, "TRAILER!!!", 0, NULL, 0, 0, 0);
	return 0;
}

int guest_build_initrd(const char *path, const char *release, char **err)
{
	struct module_list list = { .count = 0 };
	struct cpio_writer w = { .next_ino = 1 };
	int rc;

	if (resolve_modules(release, &list, err) < 0)
		return -1;
	w.f = fopen(path, "wbe");
	if (!w.f) {
		guest_set_error(err, "cannot create %s: %s", path, strerror(errno));
		module_list_free(&list);
		return -1;
	}
	rc = write_initrd_entries(&w, release, &list, err);
	if (ferror(w.f) && rc == 0) {
		guest_set_error(err, "cannot write %s", path);
		rc = -1;
	}
	if (fclose(w.f) != 0 && rc == 0) {
		guest_set_error(err, "cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	module_list_free(&list);
	return rc;
}

/* ---- a faster boot: the uncompressed kernel, entered through PVH ----
 * Under TCG the bzImage's own decompressor takes seconds; qemu can start an
 * uncompressed vmlinux with a PVH entry note directly. */

struct decompressor {
	unsigned char magic[6];
	size_t magic_len;
	const char *argv[4];
};

/* Kernel builds append the uncompressed size (4 bytes) to these. */
static const struct decompressor decompressors[] = {
	{ { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, { "xz", "-dcq", "--single-stream", NULL } },
	{ { 0x28, 0xb5, 0x2f, 0xfd }, 4, { "zstd", "-dcq", NULL } },
};

/* The compressed payload of a bzImage (boot protocol 2.08+). */
static unsigned char *bzimage_payload(const char *image, size_t *len)
{
	size_t size, setup_sects, offset, length;
	unsigned char *data = (unsigned char *)guest_read_file(image, &size);

	if (!data || size < 0x250 || memcmp(data + 0x202, "HdrS", 4))
		goto fail;
	setup_sects = data[0x1f1] ? data[0x1f1] : 4;
	offset = (setup_sects + 1) * 512 + guest_get_u32(data + 0x248);
	length = guest_get_u32(data + 0x24c);
	if (length < 16 || offset + length > size)
		goto fail;
	memmove(data, data + offset, length - 4);
	*len = length - 4;
	return data;
fail:
	free(data);
	return NULL;
}

/* Run the decompressor with payload on stdin and out_fd as stdout. */
static int decompress(const struct decompressor *d, const unsigned char *payload,
		      size_t len, int out_fd)
{
	int in[2], status, null_fd;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		null_fd = open("/dev/null", O_WRONLY);
		if (dup2(in[0], 0) < 0 || dup2(out_fd, 1) < 0 ||
		    (null_fd >= 0 && dup2(null_fd, 2) < 0))
			_exit(127);
		execvp(d->argv[0], (char *const *)d->argv);
		_exit(127);
	}
	close(in[0]);
	if (pid > 0 && guest_send_all(in[1], payload, len) < 0)
		kill(pid, SIGKILL);
	close(in[1]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Does the ELF file carry Xen's PHYS32_ENTRY note, which PVH boot needs? */
static int has_pvh_note(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0, i;
	unsigned char note[4096];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t at, size;

	if (fd < 0)
		return 0;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64)
		eh.e_phnum = 0;
	for (i = 0; i < eh.e_phnum && !found; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * eh.e_phentsize) != sizeof(ph) ||
		    ph.p_type != PT_NOTE)
			continue;
		size = ph.p_filesz < sizeof(note) ? ph.p_filesz : sizeof(note);
		if (pread(fd, note, size, ph.p_offset) != (ssize_t)size)
			continue;
		for (at = 0; at + 12 <= size && !found;) {
			uint32_t namesz = guest_get_u32(note + at);
			uint32_t descsz = guest_get_u32(note + at + 4);

			found = guest_get_u32(note + at + 8) == XEN_ELFNOTE_PHYS32_ENTRY &&
				namesz == 4 && at + 16 <= size && !memcmp(note + at + 12, "Xen", 4);
			at += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
		}
	}
	close(fd);
	return found;
}

/* Cached under ~/.cache/stap-qemu (one per image version), else in dir. */
static char *pvh_cache_path(const char *image, const char *release,
			    const char *dir)
{
	const char *home = getenv("HOME");
	char *cache = NULL, *path = NULL;
	struct stat st;

	if (stat(image, &st) < 0)
		return NULL;
	if (home && *home && asprintf(&cache, "%s/.cache", home) >= 0) {
		mkdir(cache, 0755);
		free(cache);
		if (asprintf(&cache, "%s/.cache/stap-qemu", home) >= 0 &&
		    (mkdir(cache, 0755) == 0 || errno == EEXIST) && access(cache, W_OK) == 0 &&
		    asprintf(&path, "%s/vmlinux-%s-%lld-%lld", cache, release,
			     (long long)st.st_size, (long long)st.st_mtime) < 0)
			path = NULL;
		free(cache);
	}
	if (!path)
		path = guest_path_in(dir, "vmlinux");
	return path;
}

static int extract_vmlinux(const char *image, const char *path)
{
	unsigned char *payload;
	char *tmp = NULL;
	size_t len, i;
	int fd, rc = -1;

	payload = bzimage_payload(image, &len);
	if (!payload || asprintf(&tmp, "%s.tmp%d", path, (int)getpid()) < 0) {
		free(payload);
		return -1;
	}
	for (i = 0; i < sizeof(decompressors) / sizeof(decompressors[0]) && rc < 0; i++) {
		if (len < decompressors[i].magic_len ||
		    memcmp(payload, decompressors[i].magic, decompressors[i].magic_len))
			continue;
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			break;
		rc = decompress(&decompressors[i], payload, len, fd);
		if (close(fd) < 0 || (rc == 0 && !has_pvh_note(tmp)))
			rc = -1;
	}
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	free(payload);
	return rc;
}

char *guest_pvh_kernel(const char *image, const char *release, const char *dir)
{
	char *path = pvh_cache_path(image, release, dir);

	if (!path)
		return NULL;
	if (access(path, R_OK) == 0 || extract_vmlinux(image, path) == 0)
		return path;
	free(path);
	return NULL;
}
