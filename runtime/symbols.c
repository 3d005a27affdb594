/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Static data of modules, read relative to a symbol of the module that
 * holds it ("MODULE:SYMBOL"): the translator writes a table of them
 * (stp_module_symbols), and their addresses are looked up when the script
 * starts and again whenever their module loads (modules.c); a module that
 * unloads takes its addresses with it.
 *
 * kallsyms_lookup_name() finds them, but it is not exported (since 5.7):
 * its address is where a kprobe placed on it by name lands.
 */
#include <linux/kprobes.h>

struct stp_module_symbol {
	const char *name;	/* "MODULE:SYMBOL" */
	unsigned long addr;	/* 0 while the module is not loaded */
};

static unsigned long (*stp_kallsyms_lookup_name)(const char *name);

/* Process context (it registers a kprobe): 0, or an error. */
static __maybe_unused int stp_find_kallsyms_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	char where[KSYM_SYMBOL_LEN], *plus, *slash;
	unsigned long addr, offset = 0;
	int rc;

	if (stp_kallsyms_lookup_name)
		return 0;
	rc = register_kprobe(&kp);
	if (rc)
		return rc;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	/* kprobes may have moved past the start (an endbr64): back to it */
	sprint_symbol(where, addr);
	plus = strchr(where, '+');
	slash = plus ? strchr(plus, '/') : NULL;
	if (!slash || strncmp(where, "kallsyms_lookup_name+", plus + 1 - where))
		return -ENOENT;
	*slash = '\0';
	if (kstrtoul(plus + 1, 0, &offset))
		return -ENOENT;
	stp_kallsyms_lookup_name = (void *)(addr - offset);
	return 0;
}

/* Sets the addresses of the symbols of module `module` (NULL: all). */
static __maybe_unused void stp_module_symbols_find(struct stp_module_symbol *syms, size_t n, const char *module)
{
	size_t i;

	if (!stp_kallsyms_lookup_name)
		return;
	for (i = 0; i < n; i++)
		if (stp_symbol_in_module(syms[i].name, module))
			WRITE_ONCE(syms[i].addr, stp_kallsyms_lookup_name(syms[i].name));
}

/* Module `module` is going: its symbols' addresses are no more. */
static __maybe_unused void stp_module_symbols_forget(struct stp_module_symbol *syms, size_t n, const char *module)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (stp_symbol_in_module(syms[i].name, module))
			WRITE_ONCE(syms[i].addr, 0);
}

/* In a probe: the symbol's address, or 0 after reporting the error. */
static __maybe_unused unsigned long stp_module_symbol(struct stp_context *c, const struct stp_module_symbol *sym)
{
	unsigned long addr = READ_ONCE(sym->addr);
	char msg[128];

	if (likely(addr) || c->error)
		return addr;
	snprintf(msg, sizeof(msg), "module data at %s is not available (module not loaded)", sym->name);
	stp_error(c, msg, NULL);
	return 0;
}
