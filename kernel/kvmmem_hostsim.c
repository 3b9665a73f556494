// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_hostsim - a KVMI host, emulated inside the guest
 *
 * Registers itself as the kvmmem backend and answers the memory
 * hypercalls the way the KVMI host did, so that the driver, the tools and
 * the tests run without a KVMI hypervisor:
 *
 * - tokens come from /dev/kvmmem-hostsim: 32 random bytes, single use, at
 *   most KVMMEM_HOSTSIM_MAX_TOKENS outstanding, expiring after
 *   KVMMEM_HOSTSIM_TOKEN_TTL_MS; the host reads them by guest-physical
 *   address, as kvm_read_guest() would;
 * - the introspected VM has mem_size_mb of memory in which every 64-bit
 *   word at address g reads as g ^ KVMMEM_HOSTSIM_PATTERN;
 * - map copies the remote page over the local one and keeps the local
 *   content aside; unmap puts it back. This emulates the content a real
 *   host would show, not the aliasing: writes to a mapped page do not
 *   reach the remote VM.
 *
 * Fault injection and latency are set through debugfs, see
 * docs/hostsim.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

#include "kvmmem.h"

/*
 * kvmmem_hostsim_kunit.ko includes this file for a private copy of the
 * host under test (KVMMEM_KUNIT_BUILD): no tracepoints, device, debugfs
 * or registration of its own.
 */
#ifndef KVMMEM_KUNIT_BUILD
#define CREATE_TRACE_POINTS
#endif
#include "kvmmem_hostsim_trace.h"

static unsigned long mem_size_mb = 1024;
module_param(mem_size_mb, ulong, 0444);
MODULE_PARM_DESC(mem_size_mb, "Memory of the simulated introspected VM, in MiB (default 1024)");

static unsigned int max_latency_us = USEC_PER_SEC;
module_param(max_latency_us, uint, 0444);
MODULE_PARM_DESC(max_latency_us,
		 "Largest latency_us debugfs accepts, in us (default 1000000: 1 s)");

struct hostsim_token {
	struct kvmi_map_mem_token token;
	unsigned long expires;		/* jiffies */
};

/* Protects hostsim_tokens[] and hostsim_nr_tokens. */
static DEFINE_MUTEX(hostsim_token_lock);
static struct hostsim_token hostsim_tokens[KVMMEM_HOSTSIM_MAX_TOKENS];
static unsigned int hostsim_nr_tokens;

/**
 * struct hostsim_map - a local page the host currently backs remotely
 * @remote_gpa: the remote page shown in it
 * @saved:      the local page's own content, restored by unmap
 */
struct hostsim_map {
	u64 remote_gpa;
	struct page *saved;
};

/* Local pfn -> struct hostsim_map; the xarray's lock suffices. */
static DEFINE_XARRAY(hostsim_maps);

/* Fault injection, set through debugfs. Errors are positive KVM codes. */
static atomic_t fail_map_count = ATOMIC_INIT(0);
static atomic_t fail_unmap_count = ATOMIC_INIT(0);
static u32 fail_map_error = KVM_ENOSYS;
static u32 fail_unmap_error = KVM_ENOSYS;
/* Injected map failures happen after the map was done (a lying host). */
static bool fail_map_after;
static u32 latency_us;

static atomic64_t hostsim_maps_done, hostsim_unmaps_done;
static atomic64_t hostsim_tokens_issued, hostsim_tokens_rejected;

/* Forget expired tokens. */
static void hostsim_prune_tokens(void)
{
	unsigned int i = 0;

	lockdep_assert_held(&hostsim_token_lock);

	while (i < hostsim_nr_tokens) {
		if (time_after_eq(jiffies, hostsim_tokens[i].expires))
			hostsim_tokens[i] = hostsim_tokens[--hostsim_nr_tokens];
		else
			i++;
	}
}

static int hostsim_new_token(struct kvmi_map_mem_token *token)
{
	struct hostsim_token *t;
	unsigned int outstanding;
	int ret = 0;

	mutex_lock(&hostsim_token_lock);
	hostsim_prune_tokens();
	if (hostsim_nr_tokens == KVMMEM_HOSTSIM_MAX_TOKENS) {
		ret = -EAGAIN;
	} else {
		t = &hostsim_tokens[hostsim_nr_tokens++];
		get_random_bytes(&t->token, sizeof(t->token));
		t->expires = jiffies + msecs_to_jiffies(KVMMEM_HOSTSIM_TOKEN_TTL_MS);
		*token = t->token;
		atomic64_inc(&hostsim_tokens_issued);
	}
	outstanding = hostsim_nr_tokens;
	mutex_unlock(&hostsim_token_lock);

	trace_kvmmem_hostsim_token(outstanding, ret);
	return ret;
}

/* Consume @token if it is outstanding. */
static bool hostsim_take_token(const struct kvmi_map_mem_token *token)
{
	bool found = false;
	unsigned int i;

	mutex_lock(&hostsim_token_lock);
	hostsim_prune_tokens();
	for (i = 0; i < hostsim_nr_tokens; i++) {
		if (!crypto_memneq(&hostsim_tokens[i].token, token,
				   sizeof(*token))) {
			hostsim_tokens[i] = hostsim_tokens[--hostsim_nr_tokens];
			found = true;
			break;
		}
	}
	mutex_unlock(&hostsim_token_lock);

	if (!found)
		atomic64_inc(&hostsim_tokens_rejected);
	return found;
}

static bool hostsim_is_ram(phys_addr_t gpa)
{
	unsigned long pfn = PHYS_PFN(gpa);

	return pfn_valid(pfn) && page_is_ram(pfn);
}

/* Read guest memory by guest-physical address, as kvm_read_guest() does. */
static int hostsim_read_guest(phys_addr_t gpa, void *buf, size_t len)
{
	void *va;

	if (offset_in_page(gpa) + len > PAGE_SIZE || !hostsim_is_ram(gpa))
		return -KVM_EFAULT;

	va = kmap_local_page(pfn_to_page(PHYS_PFN(gpa)));
	memcpy(buf, va + offset_in_page(gpa), len);
	kunmap_local(va);
	return 0;
}

static void hostsim_fill_remote(void *page, u64 remote_gpa)
{
	u64 *word = page;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*word); i++)
		word[i] = (remote_gpa + i * sizeof(*word)) ^ KVMMEM_HOSTSIM_PATTERN;
}

static long hostsim_injected(atomic_t *count, const u32 *error)
{
	if (atomic_dec_if_positive(count) < 0)
		return 0;
	return -(long)READ_ONCE(*error);
}

static void hostsim_delay(void)
{
	u32 us = READ_ONCE(latency_us);

	if (us)
		fsleep(us);
}

static long hostsim_do_map(phys_addr_t token_gpa, u64 remote_gpa,
			   phys_addr_t local_gpa)
{
	struct kvmi_map_mem_token token;
	struct hostsim_map *hm;
	void *local, *saved;
	long ret;
	int err;

	hostsim_delay();
	if (!READ_ONCE(fail_map_after)) {
		ret = hostsim_injected(&fail_map_count, &fail_map_error);
		if (ret)
			return ret;
	}

	if (hostsim_read_guest(token_gpa, &token, sizeof(token)))
		return -KVM_EFAULT;
	if (!hostsim_take_token(&token))
		ret = -KVM_EPERM;
	else if (!PAGE_ALIGNED(remote_gpa) ||
		 remote_gpa >= (u64)mem_size_mb * SZ_1M)
		ret = -KVM_EINVAL;
	else if (!PAGE_ALIGNED(local_gpa) || !hostsim_is_ram(local_gpa))
		ret = -KVM_EFAULT;
	memzero_explicit(&token, sizeof(token));
	if (ret)
		return ret;

	hm = kmalloc(sizeof(*hm), GFP_KERNEL);
	if (!hm)
		return -KVM_ENOMEM;
	hm->remote_gpa = remote_gpa;
	hm->saved = alloc_page(GFP_KERNEL);
	if (!hm->saved) {
		ret = -KVM_ENOMEM;
		goto err_free;
	}

	err = xa_insert(&hostsim_maps, PHYS_PFN(local_gpa), hm, GFP_KERNEL);
	if (err) {
		ret = err == -EBUSY ? -KVM_EBUSY : -KVM_ENOMEM;
		goto err_free_page;
	}

	local = kmap_local_page(pfn_to_page(PHYS_PFN(local_gpa)));
	saved = kmap_local_page(hm->saved);
	copy_page(saved, local);
	hostsim_fill_remote(local, remote_gpa);
	kunmap_local(saved);
	kunmap_local(local);
	atomic64_inc(&hostsim_maps_done);
	if (READ_ONCE(fail_map_after))
		return hostsim_injected(&fail_map_count, &fail_map_error);
	return 0;

err_free_page:
	__free_page(hm->saved);
err_free:
	kfree(hm);
	return ret;
}

static long hostsim_do_unmap(phys_addr_t local_gpa)
{
	struct hostsim_map *hm;
	void *local, *saved;
	long ret;

	hostsim_delay();
	ret = hostsim_injected(&fail_unmap_count, &fail_unmap_error);
	if (ret)
		return ret;

	hm = xa_erase(&hostsim_maps, PHYS_PFN(local_gpa));
	if (!hm)
		return -KVM_EINVAL;

	local = kmap_local_page(pfn_to_page(PHYS_PFN(local_gpa)));
	saved = kmap_local_page(hm->saved);
	copy_page(local, saved);
	kunmap_local(saved);
	kunmap_local(local);
	__free_page(hm->saved);
	kfree(hm);
	atomic64_inc(&hostsim_unmaps_done);
	return 0;
}

#ifndef KVMMEM_KUNIT_BUILD
static struct dentry *hostsim_debugfs;

static long hostsim_map(phys_addr_t token_gpa, u64 remote_gpa,
			phys_addr_t local_gpa)
{
	long ret;

	trace_kvmmem_hostsim_hypercall_enter(KVM_HC_MEM_MAP, token_gpa,
					     remote_gpa, local_gpa, 0);
	ret = hostsim_do_map(token_gpa, remote_gpa, local_gpa);
	trace_kvmmem_hostsim_hypercall_exit(KVM_HC_MEM_MAP, token_gpa,
					    remote_gpa, local_gpa, ret);
	return ret;
}

static long hostsim_unmap(phys_addr_t local_gpa)
{
	long ret;

	trace_kvmmem_hostsim_hypercall_enter(KVM_HC_MEM_UNMAP, local_gpa, 0, 0, 0);
	ret = hostsim_do_unmap(local_gpa);
	trace_kvmmem_hostsim_hypercall_exit(KVM_HC_MEM_UNMAP, local_gpa, 0, 0, ret);
	return ret;
}

static const struct kvmmem_backend hostsim_backend = {
	.name	= "hostsim",
	.owner	= THIS_MODULE,
	.map	= hostsim_map,
	.unmap	= hostsim_unmap,
};

static long hostsim_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct kvmi_map_mem_token token;
	int ret;

	if (cmd != KVMMEM_HOSTSIM_GET_TOKEN)
		return -ENOTTY;

	ret = hostsim_new_token(&token);
	if (!ret && copy_to_user((void __user *)arg, &token, sizeof(token)))
		ret = -EFAULT;
	memzero_explicit(&token, sizeof(token));
	return ret;
}

static const struct file_operations hostsim_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= hostsim_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice hostsim_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "kvmmem-hostsim",
	.fops	= &hostsim_fops,
	.mode	= 0600,
};

static int hostsim_stats_show(struct seq_file *s, void *unused)
{
	unsigned int outstanding;

	mutex_lock(&hostsim_token_lock);
	hostsim_prune_tokens();
	outstanding = hostsim_nr_tokens;
	mutex_unlock(&hostsim_token_lock);

	seq_printf(s, "mem_size_mb %lu\n", mem_size_mb);
	seq_printf(s, "maps %lld\n", atomic64_read(&hostsim_maps_done));
	seq_printf(s, "unmaps %lld\n", atomic64_read(&hostsim_unmaps_done));
	seq_printf(s, "tokens_issued %lld\n", atomic64_read(&hostsim_tokens_issued));
	seq_printf(s, "tokens_rejected %lld\n",
		   atomic64_read(&hostsim_tokens_rejected));
	seq_printf(s, "tokens_outstanding %u\n", outstanding);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hostsim_stats);

static int hostsim_latency_get(void *data, u64 *val)
{
	*val = READ_ONCE(latency_us);
	return 0;
}

/* Bounded, so that a thread behind a slow host waits a known time. */
static int hostsim_latency_set(void *data, u64 val)
{
	if (val > max_latency_us)
		return -EINVAL;
	WRITE_ONCE(latency_us, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(hostsim_latency_fops, hostsim_latency_get,
			 hostsim_latency_set, "%llu\n");

static void hostsim_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir(KBUILD_MODNAME, NULL);

	debugfs_create_atomic_t("fail_map_count", 0600, d, &fail_map_count);
	debugfs_create_u32("fail_map_error", 0600, d, &fail_map_error);
	debugfs_create_atomic_t("fail_unmap_count", 0600, d, &fail_unmap_count);
	debugfs_create_u32("fail_unmap_error", 0600, d, &fail_unmap_error);
	debugfs_create_bool("fail_map_after", 0600, d, &fail_map_after);
	debugfs_create_file_unsafe("latency_us", 0600, d, NULL,
				   &hostsim_latency_fops);
	debugfs_create_file("stats", 0400, d, NULL, &hostsim_stats_fops);
	hostsim_debugfs = d;
}

static int __init hostsim_init(void)
{
	int ret;

	if (!mem_size_mb || mem_size_mb > SZ_1M) {
		pr_err("mem_size_mb must be in 1..%u\n", SZ_1M);
		return -EINVAL;
	}

	hostsim_debugfs_init();
	ret = misc_register(&hostsim_misc);
	if (ret)
		goto err_debugfs;
	ret = kvmmem_backend_register(&hostsim_backend);
	if (ret) {
		pr_err("another kvmmem backend is registered\n");
		goto err_misc;
	}
	return 0;

err_misc:
	misc_deregister(&hostsim_misc);
err_debugfs:
	debugfs_remove_recursive(hostsim_debugfs);
	return ret;
}

static void __exit hostsim_exit(void)
{
	struct hostsim_map *hm;
	unsigned long pfn;

	kvmmem_backend_unregister(&hostsim_backend);
	misc_deregister(&hostsim_misc);
	debugfs_remove_recursive(hostsim_debugfs);

	/* Every mapping pins this module, so none should be left. */
	xa_for_each(&hostsim_maps, pfn, hm) {
		WARN_ON_ONCE(1);
		__free_page(hm->saved);
		kfree(hm);
	}
	xa_destroy(&hostsim_maps);
}

module_init(hostsim_init);
module_exit(hostsim_exit);

MODULE_DESCRIPTION("Emulated KVMI host for kvmmem: tokens, remote memory, fault injection");
MODULE_AUTHOR("kvmmem developers");
MODULE_LICENSE("GPL");
#endif /* !KVMMEM_KUNIT_BUILD */
