// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kvmmem's internals: the host error -> errno mapping, the
 * per-file mapping table and the teardown order.
 *
 * A module of its own, kvmmem_kunit.ko, built only for kernels with KUnit
 * (the debug guest kernel, selftests/debug-kernel/) and never part of
 * kvmmem.ko: it includes kvmmem_main.c for a private copy of the core
 * (KVMMEM_KUNIT_BUILD: no tracepoints, exports or device), so it loads
 * beside the real driver and touches none of its state. The suites run
 * when it is loaded (insmod, from selftests/vm/reliability/run.sh) and
 * report KTAP in the kernel log and in
 * /sys/kernel/debug/kunit/<suite>/results.
 *
 * The cases drive the real ioctl and release paths against a host double
 * (a backend that records its calls). KUnit runs each case in a kernel
 * thread; the suite borrows the address space of the process loading the
 * module (kthread_use_mm()) and maps a few anonymous pages into it, so
 * pinning is the real FOLL_LONGTERM pin. No KUNIT_ASSERT is used while
 * that address space is borrowed: an abort would leave it attached.
 *
 * The suites leave the module as they found it: module-wide counters,
 * sequence numbers and max_mappings are restored afterwards, so the
 * userspace tests that compare counters see no trace of them.
 */
/*
 * The copy under test: trace_*() are empty, and it exports nothing, or
 * it could not load beside kvmmem.ko (duplicate symbols).
 */
#define NOTRACE
#define KVMMEM_KUNIT_BUILD
#include <linux/export.h>
#undef EXPORT_SYMBOL_GPL
#define EXPORT_SYMBOL_GPL(sym)
#include "kvmmem_main.c"

#include <kunit/test.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mman.h>

/* Pages mapped into the borrowed address space; the last holds requests. */
#define KVMMEM_TEST_PAGES	4
#define KVMMEM_TEST_REQ		(KVMMEM_TEST_PAGES - 1)
#define KVMMEM_TEST_GPA		0x5000ULL
#define KVMMEM_TEST_MAX_CALLS	8
/* Files a suite opens at most: their anchors are unmapped at its end. */
#define KVMMEM_TEST_MAX_FILES	32

/**
 * struct kvmmem_test_host - what the host double saw and will answer
 * @map_ret:         answer to every map
 * @unmap_ret:       answer to the @fail_unmap_nth unmap (1-based; 0: none)
 * @fail_unmap_nth:  which unmap fails
 * @maps:            maps seen
 * @unmaps:          unmaps seen
 * @token:           token read at the map's token gpa
 * @remote_gpa:      remote gpa of the last map
 * @local_gpa:       local gpa of the last map
 * @unmapped:        local gpa of each unmap
 * @pinned:          whether that page was still pinned during its unmap
 */
struct kvmmem_test_host {
	long map_ret;
	long unmap_ret;
	unsigned int fail_unmap_nth;
	unsigned int maps;
	unsigned int unmaps;
	struct kvmi_map_mem_token token;
	u64 remote_gpa;
	phys_addr_t local_gpa;
	phys_addr_t unmapped[KVMMEM_TEST_MAX_CALLS];
	bool pinned[KVMMEM_TEST_MAX_CALLS];
};

static struct kvmmem_test_host kvmmem_test_host;

static long kvmmem_test_host_map(phys_addr_t token_gpa, u64 remote_gpa,
				 phys_addr_t local_gpa)
{
	struct kvmmem_test_host *h = &kvmmem_test_host;

	memcpy(&h->token, phys_to_virt(token_gpa), sizeof(h->token));
	h->remote_gpa = remote_gpa;
	h->local_gpa = local_gpa;
	h->maps++;
	return h->map_ret;
}

static long kvmmem_test_host_unmap(phys_addr_t local_gpa)
{
	struct kvmmem_test_host *h = &kvmmem_test_host;
	unsigned int i = h->unmaps++;

	if (i < KVMMEM_TEST_MAX_CALLS) {
		h->unmapped[i] = local_gpa;
		h->pinned[i] = page_maybe_dma_pinned(pfn_to_page(PHYS_PFN(local_gpa)));
	}
	return i + 1 == h->fail_unmap_nth ? h->unmap_ret : 0;
}

static const struct kvmmem_backend kvmmem_test_backend = {
	.name	= "kunit",
	.owner	= THIS_MODULE,
	.map	= kvmmem_test_host_map,
	.unmap	= kvmmem_test_host_unmap,
};

/**
 * struct kvmmem_test_env - state shared by the cases of a suite
 * @mm:          address space borrowed from the process loading the module
 * @base:        KVMMEM_TEST_PAGES anonymous pages mapped in @mm
 * @totals:      module-wide counters before the suite
 * @teardowns:   kvmmem_teardowns before the suite
 * @op_errors:   kvmmem_op_errors before the suite
 * @errnos:      kvmmem_errno_count before the suite
 * @mapping_id:  kvmmem_next_mapping_id before the suite
 * @file_id:     kvmmem_next_file_id before the suite
 * @max_mappings: the max_mappings parameter before the suite
 * @anchors:     anchor addresses of the files the suite opened
 * @nr_anchors:  how many
 */
struct kvmmem_test_env {
	struct mm_struct *mm;
	unsigned long base;
	s64 totals[KVMMEM_NR_CTRS];
	s64 teardowns;
	s64 op_errors[KVMMEM_NR_OPS];
	s64 errnos[ARRAY_SIZE(kvmmem_errnos) + 1];
	s64 mapping_id;
	s64 file_id;
	unsigned int max_mappings;
	unsigned long anchors[KVMMEM_TEST_MAX_FILES];
	unsigned int nr_anchors;
};

static struct kvmmem_test_env kvmmem_test_env;

static void kvmmem_test_save(struct kvmmem_test_env *e)
{
	unsigned int i;

	for (i = 0; i < KVMMEM_NR_CTRS; i++)
		e->totals[i] = atomic64_read(&kvmmem_totals.c[i]);
	e->teardowns = atomic64_read(&kvmmem_teardowns);
	for (i = 0; i < KVMMEM_NR_OPS; i++)
		e->op_errors[i] = atomic64_read(&kvmmem_op_errors[i]);
	for (i = 0; i < ARRAY_SIZE(e->errnos); i++)
		e->errnos[i] = atomic64_read(&kvmmem_errno_count[i]);
	e->mapping_id = atomic64_read(&kvmmem_next_mapping_id);
	e->file_id = atomic64_read(&kvmmem_next_file_id);
	e->max_mappings = READ_ONCE(max_mappings);
}

static void kvmmem_test_restore(const struct kvmmem_test_env *e)
{
	unsigned int i;

	for (i = 0; i < KVMMEM_NR_CTRS; i++)
		atomic64_set(&kvmmem_totals.c[i], e->totals[i]);
	atomic64_set(&kvmmem_teardowns, e->teardowns);
	for (i = 0; i < KVMMEM_NR_OPS; i++)
		atomic64_set(&kvmmem_op_errors[i], e->op_errors[i]);
	for (i = 0; i < ARRAY_SIZE(e->errnos); i++)
		atomic64_set(&kvmmem_errno_count[i], e->errnos[i]);
	atomic64_set(&kvmmem_next_mapping_id, e->mapping_id);
	atomic64_set(&kvmmem_next_file_id, e->file_id);
	WRITE_ONCE(max_mappings, e->max_mappings);
}

/* Runs in the process loading the module: borrow its address space. */
static int kvmmem_test_suite_init(struct kunit_suite *suite)
{
	struct kvmmem_test_env *e = &kvmmem_test_env;
	int ret;

	if (!current->mm)
		return -EINVAL;
	kvmmem_test_save(e);
	/* the copy under test has no kvmmem_init(): its own pfn index */
	ret = rhashtable_init(&kvmmem_pages, &kvmmem_pages_params);
	if (ret)
		return ret;
	ret = kvmmem_backend_register(&kvmmem_test_backend);
	if (ret)
		goto err_pages;
	e->base = vm_mmap(NULL, 0, KVMMEM_TEST_PAGES * PAGE_SIZE,
			  PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(e->base)) {
		ret = (int)e->base;
		goto err_unregister;
	}
	mmget(current->mm);
	e->mm = current->mm;
	return 0;

err_unregister:
	kvmmem_backend_unregister(&kvmmem_test_backend);
err_pages:
	rhashtable_destroy(&kvmmem_pages);
	return ret;
}

static void kvmmem_test_suite_exit(struct kunit_suite *suite)
{
	struct kvmmem_test_env *e = &kvmmem_test_env;
	unsigned int i;

	vm_munmap(e->base, KVMMEM_TEST_PAGES * PAGE_SIZE);
	/*
	 * The files' anchors: the suite's files are all closed, so each
	 * unmap only drops the last reference to its file, through the
	 * loading process's task work or a kernel thread's delayed fput
	 * (flushed here).
	 */
	for (i = 0; i < e->nr_anchors; i++)
		vm_munmap(e->anchors[i], PAGE_SIZE);
	e->nr_anchors = 0;
	flush_delayed_fput();
	mmput(e->mm);
	e->mm = NULL;
	kvmmem_backend_unregister(&kvmmem_test_backend);
	rhashtable_destroy(&kvmmem_pages);
	kvmmem_test_restore(e);
}

static int kvmmem_test_init(struct kunit *test)
{
	memset(&kvmmem_test_host, 0, sizeof(kvmmem_test_host));
	return 0;
}

static struct kvmmem_file *kvmmem_test_f(struct file *file)
{
	return file->private_data;
}

static unsigned long kvmmem_test_gva(unsigned int page)
{
	return kvmmem_test_env.base + page * PAGE_SIZE;
}

/*
 * Open a kvmmem file the way the VFS would, in the borrowed address
 * space (a file belongs to its opener's); the test owns @file. Its
 * anchor stays mapped until the suite ends, so the module reference
 * the anchor holds is the same before and after each case.
 */
static struct file *kvmmem_test_open(struct kunit *test)
{
	struct kvmmem_test_env *e = &kvmmem_test_env;
	struct file *file = kunit_kzalloc(test, sizeof(*file), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, file);
	KUNIT_ASSERT_LT(test, e->nr_anchors, KVMMEM_TEST_MAX_FILES);
	kthread_use_mm(e->mm);
	ret = kvmmem_open(NULL, file);
	kthread_unuse_mm(e->mm);
	KUNIT_ASSERT_EQ(test, ret, 0);
	e->anchors[e->nr_anchors++] = kvmmem_test_f(file)->anchor;
	return file;
}

static void kvmmem_test_close(struct file *file)
{
	kvmmem_release_file(NULL, file);
}

static s64 kvmmem_test_ctr(struct file *file, enum kvmmem_ctr ctr)
{
	return atomic64_read(&kvmmem_test_f(file)->ctr.c[ctr]);
}

static s64 kvmmem_test_errno_count(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kvmmem_errnos); i++)
		if (kvmmem_errnos[i].err == err)
			break;
	return atomic64_read(&kvmmem_errno_count[i]);
}

static const struct kvmi_map_mem_token kvmmem_test_token = {
	.token = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL, 1, 2 },
};

/*
 * MAP of test page @page at remote @gpa through the ioctl entry point:
 * the request is written to the request page of the borrowed address
 * space. Call with the address space borrowed.
 */
static long kvmmem_test_map(struct file *file, unsigned long gva, u64 gpa)
{
	unsigned long uptr = kvmmem_test_gva(KVMMEM_TEST_REQ);
	struct kvmi_mem_map req = {
		.token	= kvmmem_test_token,
		.gpa	= gpa,
		.gva	= gva,
	};

	if (copy_to_user((void __user *)uptr, &req, sizeof(req)))
		return -EFAULT;
	return kvmmem_ioctl(file, KVM_INTRO_MEM_MAP, uptr);
}

static long kvmmem_test_unmap(struct file *file, unsigned long gva)
{
	return kvmmem_ioctl(file, KVM_INTRO_MEM_UNMAP, gva);
}

static struct kvmmem_mapping *kvmmem_test_lookup(struct file *file,
						 unsigned long gva)
{
	return xa_load(&kvmmem_test_f(file)->maps, gva >> PAGE_SHIFT);
}

static void kvmmem_test_use_mm(void)
{
	kthread_use_mm(kvmmem_test_env.mm);
}

static void kvmmem_test_unuse_mm(void)
{
	kthread_unuse_mm(kvmmem_test_env.mm);
}

/* The page a failed or finished mapping used, found through the host. */
static struct page *kvmmem_test_host_page(void)
{
	return pfn_to_page(PHYS_PFN(kvmmem_test_host.local_gpa));
}

/* The mapping that holds @page in the pfn index, or NULL. */
static struct kvmmem_mapping *kvmmem_test_page_owner(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	return rhashtable_lookup_fast(&kvmmem_pages, &pfn, kvmmem_pages_params);
}

/*
 * Undo kvmmem_leak() for the pages the host double refused to unmap:
 * unpin, drop the backend and module references, free. Returns how many.
 */
static unsigned int kvmmem_test_forget_leaks(void)
{
	struct kvmmem_mapping *m, *tmp;
	unsigned int n = 0;
	LIST_HEAD(list);

	spin_lock(&kvmmem_leaked_lock);
	list_splice_init(&kvmmem_leaked, &list);
	spin_unlock(&kvmmem_leaked_lock);
	list_for_each_entry_safe(m, tmp, &list, leak_node) {
		list_del(&m->leak_node);
		kvmmem_page_unclaim(m);
		unpin_user_page(m->page);
		kvmmem_backend_put(m->be);
		module_put(THIS_MODULE);
		kfree(m);
		n++;
	}
	return n;
}

/* ------------------------------------------------------- host -> errno */

static void kvmmem_test_host_errno_known_codes(struct kunit *test)
{
	static const struct {
		long hc;
		int err;
	} cases[] = {
		{ 0, 0 },
		{ -KVM_ENOSYS, -EOPNOTSUPP },
		{ -KVM_EOPNOTSUPP, -EOPNOTSUPP },
		{ -KVM_EPERM, -EKEYREJECTED },
		{ -KVM_EINVAL, -EINVAL },
		{ -KVM_EFAULT, -EFAULT },
		{ -KVM_E2BIG, -E2BIG },
		{ -KVM_EAGAIN, -EAGAIN },
		{ -KVM_EBUSY, -EBUSY },
		{ -KVM_ENOMEM, -ENOMEM },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, kvmmem_host_errno(cases[i].hc),
				    cases[i].err, "host code %ld", cases[i].hc);
}

static void kvmmem_test_host_errno_unknown_is_eio(struct kunit *test)
{
	static const long codes[] = {
		-2, -KVM_ENOSYS + 1, -KVM_ENOSYS - 1, -5, -ENOTTY, 1,
		KVM_ENOSYS, KVM_EPERM, LONG_MIN, LONG_MAX,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(codes); i++)
		KUNIT_EXPECT_EQ_MSG(test, kvmmem_host_errno(codes[i]), -EIO,
				    "host code %ld", codes[i]);
}

static void kvmmem_test_errors_counted_by_errno(struct kunit *test)
{
	struct kvmmem_file *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	s64 einval, other, map_errors;

	KUNIT_ASSERT_NOT_NULL(test, f);
	einval = kvmmem_test_errno_count(EINVAL);
	other = kvmmem_test_errno_count(ENXIO);
	map_errors = atomic64_read(&kvmmem_op_errors[KVMMEM_OP_MAP]);

	kvmmem_count_error(f, KVMMEM_OP_MAP, -EINVAL);
	kvmmem_count_error(f, KVMMEM_OP_MAP, -ENXIO);
	kvmmem_count_error(f, KVMMEM_OP_MAP, -ENXIO);

	KUNIT_EXPECT_EQ(test, kvmmem_test_errno_count(EINVAL), einval + 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&kvmmem_errno_count[KVMMEM_ERR_OTHER]),
			other + 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&kvmmem_op_errors[KVMMEM_OP_MAP]),
			map_errors + 3);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->ctr.c[KVMMEM_CTR_ERRORS]), 3);
}

static struct kunit_case kvmmem_errno_cases[] = {
	KUNIT_CASE(kvmmem_test_host_errno_known_codes),
	KUNIT_CASE(kvmmem_test_host_errno_unknown_is_eio),
	KUNIT_CASE(kvmmem_test_errors_counted_by_errno),
	{}
};

static struct kunit_suite kvmmem_errno_suite = {
	.name		= "kvmmem_errno",
	.suite_init	= kvmmem_test_suite_init,
	.suite_exit	= kvmmem_test_suite_exit,
	.init		= kvmmem_test_init,
	.test_cases	= kvmmem_errno_cases,
};

/* ------------------------------------------------------- mapping table */

static void kvmmem_test_map_indexes_by_gva(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	unsigned long gva = kvmmem_test_gva(1);
	int refs = module_refcount(THIS_MODULE);
	struct kvmmem_mapping *m;
	struct page *page = NULL;

	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva, KVMMEM_TEST_GPA), 0);
	m = kvmmem_test_lookup(file, gva);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, m);
	if (m) {
		page = m->page;
		KUNIT_EXPECT_EQ(test, m->gva, (u64)gva);
		KUNIT_EXPECT_EQ(test, m->gpa, KVMMEM_TEST_GPA);
		KUNIT_EXPECT_EQ(test, m->pa, page_to_phys(m->page));
		KUNIT_EXPECT_PTR_EQ(test, kvmmem_test_page_owner(m->page), m);
		KUNIT_EXPECT_PTR_EQ(test, m->be, &kvmmem_test_backend);
		KUNIT_EXPECT_TRUE(test, page_maybe_dma_pinned(m->page));
		KUNIT_EXPECT_EQ(test, kvmmem_test_host.local_gpa, m->pa);
	}
	/* neighbours are not in the table */
	KUNIT_EXPECT_NULL(test, kvmmem_test_lookup(file, gva - PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, kvmmem_test_lookup(file, gva + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.maps, 1U);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.remote_gpa, KVMMEM_TEST_GPA);
	KUNIT_EXPECT_EQ(test, memcmp(&kvmmem_test_host.token, &kvmmem_test_token,
				     sizeof(kvmmem_test_token)), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_LIVE), 1);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_MAPS), 1);
	/* the mapping holds its backend's module */
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), refs + 1);

	kvmmem_test_close(file);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 1U);
	if (page)
		KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(page));
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), refs);
	kvmmem_test_unuse_mm();
}

static void kvmmem_test_map_same_gva_twice_is_eexist(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	unsigned long gva = kvmmem_test_gva(0);
	s64 eexist = kvmmem_test_errno_count(EEXIST);

	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva, KVMMEM_TEST_GPA), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva, 2 * KVMMEM_TEST_GPA),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.maps, 1U);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_LIVE), 1);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_ERRORS), 1);
	KUNIT_EXPECT_EQ(test, kvmmem_test_errno_count(EEXIST), eexist + 1);
	/* the first mapping is untouched */
	if (kvmmem_test_lookup(file, gva))
		KUNIT_EXPECT_EQ(test, kvmmem_test_lookup(file, gva)->gpa,
				KVMMEM_TEST_GPA);
	kvmmem_test_close(file);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 1U);
	kvmmem_test_unuse_mm();
}

static void kvmmem_test_map_unaligned_is_einval(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	unsigned long gva = kvmmem_test_gva(0);

	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva + 1, KVMMEM_TEST_GPA),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva, KVMMEM_TEST_GPA + 8),
			-EINVAL);
	/* a kernel address is not the caller's to map */
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, (unsigned long)PAGE_OFFSET,
					      KVMMEM_TEST_GPA), -EINVAL);
	/* an unmapped user address */
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, PAGE_SIZE, KVMMEM_TEST_GPA),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.maps, 0U);
	KUNIT_EXPECT_TRUE(test, xa_empty(&kvmmem_test_f(file)->maps));
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_ERRORS), 4);
	kvmmem_test_close(file);
	kvmmem_test_unuse_mm();
}

static void kvmmem_test_map_beyond_max_mappings_is_enospc(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);

	WRITE_ONCE(max_mappings, 2);
	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, kvmmem_test_gva(0), 0), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, kvmmem_test_gva(1), 0), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, kvmmem_test_gva(2), 0),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.maps, 2U);
	KUNIT_EXPECT_NULL(test, kvmmem_test_lookup(file, kvmmem_test_gva(2)));
	/* room again after an unmap */
	KUNIT_EXPECT_EQ(test, kvmmem_test_unmap(file, kvmmem_test_gva(0)), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, kvmmem_test_gva(2), 0), 0);
	kvmmem_test_close(file);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 3U);
	kvmmem_test_unuse_mm();
	WRITE_ONCE(max_mappings, kvmmem_test_env.max_mappings);
}

static void kvmmem_test_map_host_error_unwinds(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	unsigned long gva = kvmmem_test_gva(0);
	int refs = module_refcount(THIS_MODULE);

	kvmmem_test_host.map_ret = -KVM_EPERM;
	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva, KVMMEM_TEST_GPA),
			-EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.maps, 1U);
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(kvmmem_test_host_page()));
	KUNIT_EXPECT_TRUE(test, xa_empty(&kvmmem_test_f(file)->maps));
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_LIVE), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_MAPS), 0);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), refs);
	/* the gva is free for the next try */
	kvmmem_test_host.map_ret = 0;
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva, KVMMEM_TEST_GPA), 0);
	kvmmem_test_close(file);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 1U);
	kvmmem_test_unuse_mm();
}

static void kvmmem_test_map_without_backend_is_enodev(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);

	if (kvmmem_kvmi_usable)
		kunit_skip(test, "a KVM host is present: kvmi is the fallback");
	kvmmem_backend_unregister(&kvmmem_test_backend);
	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, kvmmem_test_gva(0), 0),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.maps, 0U);
	KUNIT_EXPECT_TRUE(test, xa_empty(&kvmmem_test_f(file)->maps));
	kvmmem_test_close(file);
	kvmmem_test_unuse_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_backend_register(&kvmmem_test_backend), 0);
}

static void kvmmem_test_map_bad_pointer_is_efault(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);

	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_ioctl(file, KVM_INTRO_MEM_MAP, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, kvmmem_ioctl(file, KVM_INTRO_MEM_MAP,
					   PAGE_SIZE),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, kvmmem_ioctl(file, _IO('i', 0x03), 0), -ENOTTY);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.maps, 0U);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_ERRORS), 3);
	kvmmem_test_close(file);
	kvmmem_test_unuse_mm();
}

static void kvmmem_test_unmap_host_first_then_unpin(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	unsigned long gva = kvmmem_test_gva(2);
	struct page *page;

	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva, KVMMEM_TEST_GPA), 0);
	page = kvmmem_test_host_page();
	KUNIT_EXPECT_EQ(test, kvmmem_test_unmap(file, gva), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 1U);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmapped[0], page_to_phys(page));
	KUNIT_EXPECT_TRUE(test, kvmmem_test_host.pinned[0]);
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(page));
	KUNIT_EXPECT_NULL(test, kvmmem_test_lookup(file, gva));
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_LIVE), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_UNMAPS), 1);
	/* gone: a second UNMAP finds nothing, the host is not asked */
	KUNIT_EXPECT_EQ(test, kvmmem_test_unmap(file, gva), -ENOENT);
	KUNIT_EXPECT_EQ(test, kvmmem_test_unmap(file, gva + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 1U);
	kvmmem_test_close(file);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 1U);
	kvmmem_test_unuse_mm();
}

static struct kunit_case kvmmem_table_cases[] = {
	KUNIT_CASE(kvmmem_test_map_indexes_by_gva),
	KUNIT_CASE(kvmmem_test_map_same_gva_twice_is_eexist),
	KUNIT_CASE(kvmmem_test_map_unaligned_is_einval),
	KUNIT_CASE(kvmmem_test_map_beyond_max_mappings_is_enospc),
	KUNIT_CASE(kvmmem_test_map_host_error_unwinds),
	KUNIT_CASE(kvmmem_test_map_without_backend_is_enodev),
	KUNIT_CASE(kvmmem_test_map_bad_pointer_is_efault),
	KUNIT_CASE(kvmmem_test_unmap_host_first_then_unpin),
	{}
};

static struct kunit_suite kvmmem_table_suite = {
	.name		= "kvmmem_table",
	.suite_init	= kvmmem_test_suite_init,
	.suite_exit	= kvmmem_test_suite_exit,
	.init		= kvmmem_test_init,
	.test_cases	= kvmmem_table_cases,
};

/* ------------------------------------------------------------ teardown */

static void kvmmem_test_close_unmaps_all_host_first(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	s64 teardown_unmaps = atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_TEARDOWN_UNMAPS]);
	s64 teardowns = atomic64_read(&kvmmem_teardowns);
	s64 live = atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_LIVE]);
	struct page *pages[3];
	unsigned int i;

	kvmmem_test_use_mm();
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, kvmmem_test_gva(i),
						      i * PAGE_SIZE), 0);
		pages[i] = kvmmem_test_host_page();
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_LIVE]),
			live + 3);
	kvmmem_test_close(file);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 3U);
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		/* in table order (by gva), each while still pinned */
		KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmapped[i],
				page_to_phys(pages[i]));
		KUNIT_EXPECT_TRUE(test, kvmmem_test_host.pinned[i]);
		KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[i]));
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_LIVE]),
			live);
	KUNIT_EXPECT_EQ(test,
			atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_TEARDOWN_UNMAPS]),
			teardown_unmaps + 3);
	KUNIT_EXPECT_EQ(test, atomic64_read(&kvmmem_teardowns), teardowns + 1);
	kvmmem_test_unuse_mm();
}

static void kvmmem_test_close_keeps_pages_host_kept(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	s64 teardown_unmaps = atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_TEARDOWN_UNMAPS]);
	s64 leaked = atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_LEAKED]);
	int refs = module_refcount(THIS_MODULE);
	struct kvmmem_mapping *m;
	struct page *pages[3];
	unsigned int i, n = 0;

	kvmmem_test_host.fail_unmap_nth = 2;
	kvmmem_test_host.unmap_ret = -KVM_EBUSY;
	kvmmem_test_use_mm();
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, kvmmem_test_gva(i),
						      i * PAGE_SIZE), 0);
		pages[i] = kvmmem_test_host_page();
	}
	kvmmem_test_close(file);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 3U);
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[0]));
	KUNIT_EXPECT_TRUE(test, page_maybe_dma_pinned(pages[1]));
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[2]));
	KUNIT_EXPECT_EQ(test,
			atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_TEARDOWN_UNMAPS]),
			teardown_unmaps + 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_LEAKED]),
			leaked + 1);
	/* the leaked record pins the module twice: itself and its backend */
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), refs + 2);
	spin_lock(&kvmmem_leaked_lock);
	list_for_each_entry(m, &kvmmem_leaked, leak_node) {
		KUNIT_EXPECT_EQ(test, m->pa, page_to_phys(pages[1]));
		KUNIT_EXPECT_EQ(test, m->host_ret, (long)-KVM_EBUSY);
		/* its pfn stays taken: the page is never mapped again */
		KUNIT_EXPECT_PTR_EQ(test, kvmmem_test_page_owner(m->page), m);
		n++;
	}
	spin_unlock(&kvmmem_leaked_lock);
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_EQ(test, kvmmem_test_forget_leaks(), 1U);
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[1]));
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), refs);
	kvmmem_test_unuse_mm();
}

static void kvmmem_test_unmap_host_error_leaks_page(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	unsigned long gva = kvmmem_test_gva(0);
	struct page *page;

	kvmmem_test_host.fail_unmap_nth = 1;
	kvmmem_test_host.unmap_ret = -KVM_EINVAL;
	kvmmem_test_use_mm();
	KUNIT_EXPECT_EQ(test, kvmmem_test_map(file, gva, KVMMEM_TEST_GPA), 0);
	page = kvmmem_test_host_page();
	/* EIO: the host failed, not the caller (whose mistakes are EINVAL) */
	KUNIT_EXPECT_EQ(test, kvmmem_test_unmap(file, gva), -EIO);
	/* out of the table, but still pinned: the host may still back it */
	KUNIT_EXPECT_NULL(test, kvmmem_test_lookup(file, gva));
	KUNIT_EXPECT_TRUE(test, page_maybe_dma_pinned(page));
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_LIVE), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_LEAKED), 1);
	KUNIT_EXPECT_EQ(test, kvmmem_test_ctr(file, KVMMEM_CTR_UNMAPS), 0);
	KUNIT_EXPECT_EQ(test, kvmmem_test_unmap(file, gva), -ENOENT);
	kvmmem_test_close(file);
	KUNIT_EXPECT_EQ(test, kvmmem_test_host.unmaps, 1U);
	KUNIT_EXPECT_EQ(test, kvmmem_test_forget_leaks(), 1U);
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(page));
	kvmmem_test_unuse_mm();
}

static void kvmmem_test_close_lists_file_until_released(struct kunit *test)
{
	struct file *file = kvmmem_test_open(test);
	struct kvmmem_file *f = kvmmem_test_f(file), *pos;
	bool listed = false;

	mutex_lock(&kvmmem_files_lock);
	list_for_each_entry(pos, &kvmmem_files, node)
		listed |= pos == f;
	mutex_unlock(&kvmmem_files_lock);
	KUNIT_EXPECT_TRUE(test, listed);
	kvmmem_test_close(file);
	listed = false;
	mutex_lock(&kvmmem_files_lock);
	list_for_each_entry(pos, &kvmmem_files, node)
		listed |= pos == f;
	mutex_unlock(&kvmmem_files_lock);
	KUNIT_EXPECT_FALSE(test, listed);
}

static struct kunit_case kvmmem_teardown_cases[] = {
	KUNIT_CASE(kvmmem_test_close_unmaps_all_host_first),
	KUNIT_CASE(kvmmem_test_close_keeps_pages_host_kept),
	KUNIT_CASE(kvmmem_test_unmap_host_error_leaks_page),
	KUNIT_CASE(kvmmem_test_close_lists_file_until_released),
	{}
};

static struct kunit_suite kvmmem_teardown_suite = {
	.name		= "kvmmem_teardown",
	.suite_init	= kvmmem_test_suite_init,
	.suite_exit	= kvmmem_test_suite_exit,
	.init		= kvmmem_test_init,
	.test_cases	= kvmmem_teardown_cases,
};

kunit_test_suites(&kvmmem_errno_suite, &kvmmem_table_suite,
		  &kvmmem_teardown_suite);

MODULE_DESCRIPTION("KUnit tests of kvmmem's internals (a private copy of the driver core)");
MODULE_AUTHOR("kvmmem developers");
MODULE_LICENSE("GPL");
