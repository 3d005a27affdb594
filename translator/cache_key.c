/* The module cache's key: one SHA-256 over everything that can change the
 * module passes 2 to 4 would build.  Each input goes in as "NAME LENGTH\n"
 * and its bytes, so no two different sets of inputs hash the same text. */
#include "cache.h"
#include "ksyms.h"
#include "session.h"
#include "target_process.h"
#include "uelf.h"

#include <fcntl.h>
#include <gelf.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when the entry layout or the key's inputs change meaning. */
#define CACHE_KEY_VERSION "stap module cache 1"

static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[2 * n] = '\0';
}

void sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	to_hex(md, n, hex);
}

static void add_bytes(EVP_MD_CTX *ctx, const char *name, const void *data, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "%s %zu\n", name, len);

	EVP_DigestUpdate(ctx, head, n);
	EVP_DigestUpdate(ctx, data, len);
}

static void add_string(EVP_MD_CTX *ctx, const char *name, const char *value)
{
	add_bytes(ctx, name, value ? value : "", value ? strlen(value) : 0);
}

static void add_int(EVP_MD_CTX *ctx, const char *name, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", value);
	add_string(ctx, name, buf);
}

static void add_strings(EVP_MD_CTX *ctx, const char *name, char **items, int n)
{
	add_int(ctx, name, n);
	for (int i = 0; i < n; i++)
		add_string(ctx, name, items[i]);
}

/* A file's whole content ("absent" if it cannot be read). */
static void add_file(EVP_MD_CTX *ctx, const char *name, const char *path)
{
	size_t len = 0;
	char *data = path ? read_file(path, &len) : NULL;

	add_string(ctx, name, path);
	if (data)
		add_bytes(ctx, name, data, len);
	else
		add_string(ctx, name, "absent");
	free(data);
}

char *file_identity(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return NULL;
	return xasprintf("%lld %lld.%09ld %llu", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			 st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
}

/* A large file by its identity: size, modification time and inode. */
static void add_file_stat(EVP_MD_CTX *ctx, const char *name, const char *path)
{
	char *id = file_identity(path);

	add_string(ctx, name, path);
	add_string(ctx, name, id ? id : "absent");
	free(id);
}

/* Every file of dir whose name ends in one of suffixes (NULL: all), in
 * name order; what the runtime includes or pass 1 reads as tapsets. */
static void add_dir(EVP_MD_CTX *ctx, const char *name, const char *dir, const char *const *suffixes)
{
	string_vec files = dir_files(dir, suffixes);

	add_string(ctx, name, dir);
	for (int i = 0; i < files.len; i++) {
		add_file(ctx, name, files.items[i]);
		free(files.items[i]);
	}
	free(files.items);
}

/* The GNU build-id note of an ELF file, as hex; NULL if it has none. */
static char *elf_build_id(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf_Scn *scn = NULL;
	char *id = NULL;
	Elf *elf;

	if (fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (elf && !id && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(data = elf_getdata(scn, NULL)))
			continue;
		while (!id && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0)
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)data->d_buf + name_off, "GNU", 4) && nh.n_descsz <= 64) {
				id = xmalloc(2 * nh.n_descsz + 1);
				to_hex((unsigned char *)data->d_buf + desc_off, nh.n_descsz, id);
			}
	}
	elf_end(elf);
	close(fd);
	return id;
}

/* A binary by its build-id, else by its content. */
static void add_binary(EVP_MD_CTX *ctx, const char *name, const char *path)
{
	char *id = elf_build_id(path);

	if (id)
		add_string(ctx, name, id);
	else
		add_file(ctx, name, path);
	free(id);
}

/* The compiler kbuild runs: the config's CONFIG_CC_VERSION_TEXT names it
 * ("gcc-12 (Debian ...) 12.2.0"); an upgrade of it shows in its file. */
static void add_compiler(EVP_MD_CTX *ctx, const char *config)
{
	const char *text = config ? strstr(config, "CONFIG_CC_VERSION_TEXT=\"") : NULL;
	const char *path_env = getenv("PATH");
	char *cc = NULL;

	if (text) {
		text += strlen("CONFIG_CC_VERSION_TEXT=\"");
		cc = xstrndup(text, strcspn(text, " \"\n"));
	}
	for (const char *dir = path_env; cc && dir && *dir;) {
		size_t n = strcspn(dir, ":");
		char *path = xasprintf("%.*s/%s", (int)n, dir, cc);

		if (access(path, X_OK) == 0) {
			add_file_stat(ctx, "compiler", path);
			free(path);
			break;
		}
		free(path);
		dir += n + (dir[n] == ':');
	}
	free(cc);
}

/* The target kernel: its release, its build-id (from the debug vmlinux
 * pass 2 reads), its config and compiler, its exported symbols and its
 * module set. */
static void add_kernel(EVP_MD_CTX *ctx, struct session *s)
{
	char *vmlinux = find_vmlinux(s->release);
	char *path, *config;

	add_string(ctx, "release", s->release);
	if (vmlinux) {
		char *id = elf_build_id(vmlinux);

		add_string(ctx, "kernel build-id", id ? id : "none");
		add_file_stat(ctx, "vmlinux", vmlinux);
		free(id);
	}
	config = s->pp_env.kernel_config ? read_file(s->pp_env.kernel_config, NULL) : NULL;
	add_string(ctx, "kernel config", s->pp_env.kernel_config);
	add_string(ctx, "kernel config", config ? config : "absent");
	add_compiler(ctx, config);
	free(config);
	path = xasprintf("%s/Module.symvers", s->kernel_build_dir);
	add_file_stat(ctx, "Module.symvers", path);
	free(path);
	path = xasprintf("/lib/modules/%s/modules.dep", s->release);
	add_file_stat(ctx, "modules.dep", path);
	free(path);
	free(vmlinux);
}

/* -G NAME=VALUE: the value reaches the module as a parameter when it
 * loads; only whether it is a number (its global's type) shapes it. */
static void add_settings(EVP_MD_CTX *ctx, struct session *s)
{
	add_int(ctx, "-G", s->global_settings.len);
	for (int i = 0; i < s->global_settings.len; i++) {
		const char *arg = s->global_settings.items[i], *value = strchr(arg, '=') + 1;
		char *kind = xasprintf("%.*s %s", (int)(value - 1 - arg), arg,
				       is_number_text(value) ? "number" : "string");

		add_string(ctx, "-G", kind);
		free(kind);
	}
}

/* Options that reach passes 2 to 4 (and $PATH, for a script about
 * processes).  Not here: -o, -s, -S, -F, -v, -k, and of -c (or -x, for a
 * script about processes) only its program: they only change how pass 5
 * runs the module. */
static void add_options(EVP_MD_CTX *ctx, struct session *s)
{
	add_string(ctx, "module name", s->module_name);
	add_strings(ctx, "-D", s->defines.items, s->defines.len);
	add_settings(ctx, s);
	add_strings(ctx, "argument", s->args.items, s->args.len);
	add_int(ctx, "-g", s->guru_mode);
	add_int(ctx, "-u", s->keep_unused);
	add_int(ctx, "-w", s->suppress_warnings);
	add_int(ctx, "-b", s->bulk_mode);
	add_int(ctx, "-T", s->timeout_s);
	add_int(ctx, "privilege", s->privilege);
	for (int i = 0; i < s->trace_modules.len; i++) {
		add_string(ctx, "-d", s->trace_modules.items[i]);
		add_file_stat(ctx, "-d", s->trace_modules.items[i]);
	}
	for (int i = 0; i < s->user_files.len; i++)	/* their own changes: cache.c's inputs */
		add_string(ctx, "-d", s->user_files.items[i]);
	add_int(ctx, "--ldd", s->ldd);
	add_int(ctx, "--skip-badvars", s->skip_badvars);
	if (strstr(s->script_source->text, "process"))	/* process("NAME") is found through it */
		add_string(ctx, "$PATH", getenv("PATH") ? getenv("PATH") : "unset");
	if (s->target_cmd) {	/* process probes without a path probe it */
		char *program = uelf_command_program(s->target_cmd);

		add_string(ctx, "-c program", program ? program : "none");
		free(program);
	} else if (s->target_pid && strstr(s->script_source->text, "process")) {	/* or -x's */
		char *why = NULL, *program = target_process_program(s->remote, s->target_pid, &why);

		add_string(ctx, "-x program", program ? program : "none");
		free(program);
		free(why);
	}
}

void cache_key(struct session *s, char key[65])
{
	static const char *const tapset_files[] = { ".stp", ".stpm", NULL };
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	add_string(ctx, "version", CACHE_KEY_VERSION);
	add_binary(ctx, "translator", "/proc/self/exe");
	add_dir(ctx, "runtime", s->runtime_dir, NULL);
	for (int i = 0; i < s->tapset_dirs.len; i++)
		add_dir(ctx, "tapset", s->tapset_dirs.items[i], tapset_files);
	add_string(ctx, "script name", s->script_source->name);
	add_string(ctx, "script", s->script_source->text);
	add_options(ctx, s);
	add_kernel(ctx, s);
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	to_hex(md, n, key);
}
