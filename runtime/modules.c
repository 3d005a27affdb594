/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Modules that load or unload while the script runs: their kprobes go in
 * as they come and out as they go.  Included by module.c (it walks the
 * probe table).  The notifier is in place before the first probe is
 * registered, so a module that loads meanwhile is not missed: a probe
 * already placed is left alone.
 */

static int stp_module_event(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;
	size_t i;

	if (state != MODULE_STATE_COMING && state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	for (i = 0; i < ARRAY_SIZE(stp_probes); i++) {
		if (stp_probes[i].kind != STP_PROBE_KPROBE)
			continue;
		if (state == MODULE_STATE_COMING)
			stp_kprobe_module_coming(&stp_probes[i], mod->name);
		else
			stp_kprobe_module_going(&stp_probes[i], mod->name);
	}
	return NOTIFY_DONE;
}

static struct notifier_block stp_module_nb = {
	.notifier_call = stp_module_event,
};
static bool stp_modules_watched;

static void stp_modules_watch(void)
{
	stp_modules_watched = register_module_notifier(&stp_module_nb) == 0;
}

/* Waits for a notification in progress to finish. */
static void stp_modules_unwatch(void)
{
	if (stp_modules_watched)
		unregister_module_notifier(&stp_module_nb);
	stp_modules_watched = false;
}
