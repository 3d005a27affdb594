/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel addresses as names: symname(), symdata(), modname() and the
 * lines of a backtrace.  The kernel's own lookup (kallsyms_lookup) is not
 * exported, but sprint_symbol is, and it says everything we need:
 * "NAME+0xOFF/0xSIZE" with " [MODULE]" for a module's symbol, or the bare
 * address when there is no symbol there.  It takes no locks, so it is
 * safe in any context a probe runs in.
 */
#include <linux/kallsyms.h>

/* What stp_addr_text shows of an address. */
#define STP_SYM_NAME	1	/* vfs_read */
#define STP_SYM_OFFSET	2	/* +0x10 */
#define STP_SYM_SIZE	4	/* /0x180 */
#define STP_SYM_MODULE	8	/* [kernel] */

struct stp_addr_info {
	const char *name;	/* NULL: no symbol at the address */
	int name_len;
	const char *offset;	/* "0x10/0x180": offset, then size after '/' */
	int offset_len, size_len;
	const char *module;	/* "kernel" for the kernel's own */
	int module_len;
};

/* Splits what sprint_symbol wrote into buf. */
static void stp_parse_symbol(char *buf, struct stp_addr_info *info)
{
	char *plus = strchr(buf, '+'), *slash, *bracket;

	memset(info, 0, sizeof(*info));
	info->module = "kernel";
	info->module_len = 6;
	if (!plus)
		return;
	info->name = buf;
	info->name_len = plus - buf;
	info->offset = plus + 1;
	slash = strchr(plus, '/');
	bracket = strchr(plus, ' ');
	info->offset_len = slash ? slash - info->offset : 0;
	if (slash)
		info->size_len = bracket ? bracket - slash - 1 : strlen(slash + 1);
	if (bracket && bracket[1] == '[') {
		info->module = bracket + 2;
		info->module_len = strcspn(info->module, " ]");
	}
}

/*
 * Writes what `what` asks for of addr to out: "vfs_read+0x10/0x180
 * [kernel]" at most, "0x%016lx" when no symbol holds the address.
 * Returns the length written.  (noinline: sprint_symbol's buffer is big,
 * and should not sit in the frames of its callers.)
 */
static noinline __maybe_unused int stp_addr_text(char *out, size_t size, unsigned long addr,
						  unsigned int what)
{
	char buf[KSYM_SYMBOL_LEN];
	struct stp_addr_info info;
	int n;

	sprint_symbol(buf, addr);
	stp_parse_symbol(buf, &info);
	if (!info.name)
		return scnprintf(out, size, "0x%016lx", addr);
	n = scnprintf(out, size, "%.*s", info.name_len, info.name);
	if (what & STP_SYM_OFFSET)
		n += scnprintf(out + n, size - n, "+%.*s", info.offset_len, info.offset);
	if ((what & STP_SYM_SIZE) && info.size_len)
		n += scnprintf(out + n, size - n, "/%.*s", info.size_len,
			       info.offset + info.offset_len + 1);
	if (what & STP_SYM_MODULE)
		n += scnprintf(out + n, size - n, " [%.*s]", info.module_len, info.module);
	return n;
}

/* The module holding addr ("kernel" for the kernel's own code and data),
 * into out; false when no symbol holds it. */
static noinline __maybe_unused bool stp_addr_module(char *out, size_t size, unsigned long addr)
{
	char buf[KSYM_SYMBOL_LEN];
	struct stp_addr_info info;

	sprint_symbol(buf, addr);
	stp_parse_symbol(buf, &info);
	if (!info.name)
		return false;
	scnprintf(out, size, "%.*s", info.module_len, info.module);
	return true;
}
