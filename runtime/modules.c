/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Modules that load or unload while the script runs: their kprobes go in
 * as they come and out as they go, and so do the addresses their static
 * data is read relative to (symbols.c).  Included by module.c (it walks
 * the probe table).  The notifier is in place before the first probe is
 * registered, so a module that loads meanwhile is not missed: a probe
 * already placed is left alone.
 */

static DEFINE_MUTEX(stp_modules_mutex);

/* The script's kprobes in a module that comes (state) or goes. */
static void stp_kprobes_follow_module(unsigned long state, const char *name)
{
#ifdef STP_NEED_KPROBES
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		if (stp_probes[i].kind != STP_PROBE_KPROBE)
			continue;
		if (state == MODULE_STATE_COMING)
			stp_kprobe_module_coming(&stp_probes[i], name);
		else
			stp_kprobe_module_going(&stp_probes[i], name);
	}
#endif
}

static int stp_module_event(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;

	if (state != MODULE_STATE_COMING && state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&stp_modules_mutex);
#ifdef STP_NMODULE_SYMBOLS
	if (state == MODULE_STATE_COMING)
		stp_module_symbols_find(stp_module_symbols, STP_NMODULE_SYMBOLS, mod->name);
	else
		stp_module_symbols_forget(stp_module_symbols, STP_NMODULE_SYMBOLS, mod->name);
#endif
	stp_kprobes_follow_module(state, mod->name);
	mutex_unlock(&stp_modules_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block stp_module_nb = {
	.notifier_call = stp_module_event,
};
static bool stp_modules_watched;

static void stp_modules_watch(void)
{
	mutex_lock(&stp_modules_mutex);
	stp_modules_watched = register_module_notifier(&stp_module_nb) == 0;
#ifdef STP_NMODULE_SYMBOLS
	if (stp_find_kallsyms_lookup_name()) {
		static const char msg[] = "cannot find kallsyms_lookup_name: no module's static data can be read";

		stp_ctl_send(STP_MSG_WARNING, msg, sizeof(msg) - 1);
	}
	stp_module_symbols_find(stp_module_symbols, STP_NMODULE_SYMBOLS, NULL);
#endif
	mutex_unlock(&stp_modules_mutex);
}

/* Waits for a notification in progress to finish. */
static void stp_modules_unwatch(void)
{
	if (stp_modules_watched)
		unregister_module_notifier(&stp_module_nb);
	stp_modules_watched = false;
}
