// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_test_minors - hold every free dynamic misc minor, so that the
 * next misc_register() with MISC_DYNAMIC_MINOR fails with -EBUSY.
 *
 * A test module (selftests/vm/reliability/initfail.sh): while it is
 * loaded, insmod kvmmem.ko and insmod kvmmem_hostsim.ko take their
 * misc_register() error paths. 6.1 has 128 dynamic minors and no
 * fallback range; a kernel with more (later kernels allocate past 255)
 * makes this module's init fail with -EOPNOTSUPP rather than hold
 * thousands of devices.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#define MAX_HELD	256

static struct miscdevice *held;
static unsigned int nr_held;

static const struct file_operations minors_fops = {
	.owner = THIS_MODULE,
};

static void minors_release(void)
{
	while (nr_held) {
		nr_held--;
		misc_deregister(&held[nr_held]);
		kfree(held[nr_held].name);
	}
	kfree(held);
}

static int __init minors_init(void)
{
	int ret;

	held = kcalloc(MAX_HELD, sizeof(*held), GFP_KERNEL);
	if (!held)
		return -ENOMEM;
	for (;;) {
		struct miscdevice *m;

		if (nr_held == MAX_HELD) {
			pr_err("%u dynamic minors and no -EBUSY: this kernel has more\n",
			       nr_held);
			minors_release();
			return -EOPNOTSUPP;
		}
		m = &held[nr_held];
		m->minor = MISC_DYNAMIC_MINOR;
		m->name = kasprintf(GFP_KERNEL, "kvmmem-test-minor%u", nr_held);
		m->fops = &minors_fops;
		if (!m->name) {
			minors_release();
			return -ENOMEM;
		}
		ret = misc_register(m);
		if (ret) {
			kfree(m->name);
			break;
		}
		nr_held++;
	}
	if (ret != -EBUSY) {
		pr_err("misc_register() failed with %d, not -EBUSY\n", ret);
		minors_release();
		return ret;
	}
	pr_info("holding %u dynamic minors\n", nr_held);
	return 0;
}

static void __exit minors_exit(void)
{
	minors_release();
}

module_init(minors_init);
module_exit(minors_exit);
MODULE_DESCRIPTION("kvmmem test: hold every free dynamic misc minor");
MODULE_LICENSE("GPL");
