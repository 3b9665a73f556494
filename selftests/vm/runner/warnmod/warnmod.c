// SPDX-License-Identifier: GPL-2.0
/*
 * warnmod - a module that warns on request, to test that vmrun notices
 * kernel warnings: write to /sys/module/warnmod/parameters/trigger.
 * "value" only echoes its load-time argument, to test argument passing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static int warnmod_trigger_set(const char *val, const struct kernel_param *kp)
{
	pr_info("triggering a warning\n");
	WARN_ON(1);
	return 0;
}

static const struct kernel_param_ops warnmod_trigger_ops = {
	.set = warnmod_trigger_set,
};

static int value;
module_param(value, int, 0444);
MODULE_PARM_DESC(value, "any number, readable back in sysfs");

module_param_cb(trigger, &warnmod_trigger_ops, NULL, 0200);
MODULE_PARM_DESC(trigger, "write anything to get a WARN_ON(1)");

MODULE_DESCRIPTION("vmrun self-test: WARN_ON(1) on demand");
MODULE_LICENSE("GPL");
