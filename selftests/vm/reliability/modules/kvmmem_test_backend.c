// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_test_backend - a second kvmmem backend, for the registration
 * error paths (selftests/vm/reliability/initfail.sh).
 *
 * Its init returns what kvmmem_backend_register() returns: -EBUSY when
 * another backend (kvmmem_hostsim) is registered; loaded first, it makes
 * insmod kvmmem_hostsim.ko take its own -EBUSY path. Its map and unmap
 * answer as a host without these hypercalls (-KVM_ENOSYS): no test maps
 * through it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "kvmmem.h"

static long test_backend_map(phys_addr_t token_gpa, u64 remote_gpa,
			     phys_addr_t local_gpa)
{
	return -KVM_ENOSYS;
}

static long test_backend_unmap(phys_addr_t local_gpa)
{
	return -KVM_ENOSYS;
}

static const struct kvmmem_backend test_backend = {
	.name	= "test",
	.owner	= THIS_MODULE,
	.map	= test_backend_map,
	.unmap	= test_backend_unmap,
};

static int __init test_backend_init(void)
{
	return kvmmem_backend_register(&test_backend);
}

static void __exit test_backend_exit(void)
{
	kvmmem_backend_unregister(&test_backend);
}

module_init(test_backend_init);
module_exit(test_backend_exit);
MODULE_DESCRIPTION("kvmmem test: a second backend");
MODULE_LICENSE("GPL");
