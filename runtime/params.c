/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The script's scalar globals as module parameters: "staprun mod.ko
 * count=5" (and "stap -G count=5") sets them when the module loads,
 * after their initializers and before any probe runs.  No sysfs files:
 * a parameter is only ever set at load time.
 */
#include <linux/moduleparam.h>

static int stp_param_set_long(const char *val, const struct kernel_param *kp)
{
	long long v;
	int rc = kstrtoll(val, 0, &v);

	if (rc)
		return rc;
	*(int64_t *)kp->arg = v;
	return 0;
}

static int stp_param_set_string(const char *val, const struct kernel_param *kp)
{
	strscpy(kp->arg, val, MAXSTRINGLEN);	/* longer values are truncated */
	return 0;
}

static const struct kernel_param_ops stp_param_long_ops __maybe_unused = {
	.set = stp_param_set_long,
};

static const struct kernel_param_ops stp_param_string_ops __maybe_unused = {
	.set = stp_param_set_string,
};
