// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kvmmem_hostsim's emulated host: token issue, use and
 * expiry, and the map/unmap hypercalls it answers.
 *
 * A module of its own, kvmmem_hostsim_kunit.ko, built only for kernels
 * with KUnit (the debug guest kernel): it includes kvmmem_hostsim.c for a
 * private copy of the host (KVMMEM_KUNIT_BUILD: no tracepoints, device or
 * backend registration), so it shares nothing with kvmmem_hostsim.ko. The
 * suite runs when it is loaded. It leaves no outstanding token, no mapping
 * and its counters as it found them.
 */
/* The copy under test: trace_*() are empty, nothing is exported. */
#define NOTRACE
#define KVMMEM_KUNIT_BUILD
#include "kvmmem_hostsim.c"

#include <kunit/test.h>
#include <linux/io.h>

/**
 * struct hostsim_test_env - hostsim state saved by the suite's init
 * @maps:      hostsim_maps_done
 * @unmaps:    hostsim_unmaps_done
 * @issued:    hostsim_tokens_issued
 * @rejected:  hostsim_tokens_rejected
 */
struct hostsim_test_env {
	s64 maps;
	s64 unmaps;
	s64 issued;
	s64 rejected;
};

static struct hostsim_test_env hostsim_test_env;

static void hostsim_test_forget_tokens(void)
{
	mutex_lock(&hostsim_token_lock);
	memzero_explicit(hostsim_tokens, sizeof(hostsim_tokens));
	hostsim_nr_tokens = 0;
	mutex_unlock(&hostsim_token_lock);
}

static unsigned int hostsim_test_outstanding(void)
{
	unsigned int n;

	mutex_lock(&hostsim_token_lock);
	hostsim_prune_tokens();
	n = hostsim_nr_tokens;
	mutex_unlock(&hostsim_token_lock);
	return n;
}

static int hostsim_test_suite_init(struct kunit_suite *suite)
{
	struct hostsim_test_env *e = &hostsim_test_env;

	e->maps = atomic64_read(&hostsim_maps_done);
	e->unmaps = atomic64_read(&hostsim_unmaps_done);
	e->issued = atomic64_read(&hostsim_tokens_issued);
	e->rejected = atomic64_read(&hostsim_tokens_rejected);
	return 0;
}

static void hostsim_test_suite_exit(struct kunit_suite *suite)
{
	struct hostsim_test_env *e = &hostsim_test_env;

	hostsim_test_forget_tokens();
	atomic_set(&fail_map_count, 0);
	atomic_set(&fail_unmap_count, 0);
	atomic64_set(&hostsim_maps_done, e->maps);
	atomic64_set(&hostsim_unmaps_done, e->unmaps);
	atomic64_set(&hostsim_tokens_issued, e->issued);
	atomic64_set(&hostsim_tokens_rejected, e->rejected);
}

/* Each case starts with no outstanding token and no injected fault. */
static int hostsim_test_init(struct kunit *test)
{
	hostsim_test_forget_tokens();
	atomic_set(&fail_map_count, 0);
	atomic_set(&fail_unmap_count, 0);
	return 0;
}

static void hostsim_test_token_is_single_use(struct kunit *test)
{
	s64 rejected = atomic64_read(&hostsim_tokens_rejected);
	struct kvmi_map_mem_token t;

	KUNIT_ASSERT_EQ(test, hostsim_new_token(&t), 0);
	KUNIT_EXPECT_EQ(test, hostsim_test_outstanding(), 1U);
	KUNIT_EXPECT_TRUE(test, hostsim_take_token(&t));
	KUNIT_EXPECT_EQ(test, hostsim_test_outstanding(), 0U);
	KUNIT_EXPECT_FALSE(test, hostsim_take_token(&t));
	KUNIT_EXPECT_EQ(test, atomic64_read(&hostsim_tokens_rejected),
			rejected + 1);
}

static void hostsim_test_token_one_bit_off_is_rejected(struct kunit *test)
{
	struct kvmi_map_mem_token t, bad;
	unsigned int word;

	KUNIT_ASSERT_EQ(test, hostsim_new_token(&t), 0);
	for (word = 0; word < ARRAY_SIZE(t.token); word++) {
		bad = t;
		bad.token[word] ^= 1ULL << 63;
		KUNIT_EXPECT_FALSE(test, hostsim_take_token(&bad));
	}
	/* the real one is still outstanding */
	KUNIT_EXPECT_TRUE(test, hostsim_take_token(&t));
}

static void hostsim_test_tokens_differ(struct kunit *test)
{
	struct kvmi_map_mem_token a, b;

	KUNIT_ASSERT_EQ(test, hostsim_new_token(&a), 0);
	KUNIT_ASSERT_EQ(test, hostsim_new_token(&b), 0);
	KUNIT_EXPECT_NE(test, memcmp(&a, &b, sizeof(a)), 0);
	/* taking one leaves the other */
	KUNIT_EXPECT_TRUE(test, hostsim_take_token(&b));
	KUNIT_EXPECT_TRUE(test, hostsim_take_token(&a));
}

static void hostsim_test_outstanding_tokens_are_capped(struct kunit *test)
{
	struct kvmi_map_mem_token t;
	unsigned int i;

	for (i = 0; i < KVMMEM_HOSTSIM_MAX_TOKENS; i++)
		KUNIT_EXPECT_EQ(test, hostsim_new_token(&t), 0);
	KUNIT_EXPECT_EQ(test, hostsim_new_token(&t), -EAGAIN);
	KUNIT_EXPECT_EQ(test, hostsim_test_outstanding(),
			(unsigned int)KVMMEM_HOSTSIM_MAX_TOKENS);
	/* using one frees its slot */
	KUNIT_EXPECT_TRUE(test, hostsim_take_token(&hostsim_tokens[0].token));
	KUNIT_EXPECT_EQ(test, hostsim_new_token(&t), 0);
}

static void hostsim_test_expired_token_is_rejected(struct kunit *test)
{
	struct kvmi_map_mem_token t;

	KUNIT_ASSERT_EQ(test, hostsim_new_token(&t), 0);
	mutex_lock(&hostsim_token_lock);
	hostsim_tokens[0].expires = jiffies;
	mutex_unlock(&hostsim_token_lock);
	KUNIT_EXPECT_FALSE(test, hostsim_take_token(&t));
	KUNIT_EXPECT_EQ(test, hostsim_test_outstanding(), 0U);
}

static void hostsim_test_expired_tokens_free_their_slots(struct kunit *test)
{
	struct kvmi_map_mem_token t;
	unsigned int i;

	for (i = 0; i < KVMMEM_HOSTSIM_MAX_TOKENS; i++)
		KUNIT_EXPECT_EQ(test, hostsim_new_token(&t), 0);
	mutex_lock(&hostsim_token_lock);
	for (i = 0; i < KVMMEM_HOSTSIM_MAX_TOKENS; i++)
		hostsim_tokens[i].expires = jiffies - 1;
	mutex_unlock(&hostsim_token_lock);
	KUNIT_EXPECT_EQ(test, hostsim_new_token(&t), 0);
	KUNIT_EXPECT_EQ(test, hostsim_test_outstanding(), 1U);
	KUNIT_EXPECT_TRUE(test, hostsim_take_token(&t));
}

/**
 * struct hostsim_test_vm - a local page and a token, as a guest has them
 * @page:   the local page (the guest's memory)
 * @token:  a kmalloc()ed token, readable by guest-physical address
 */
struct hostsim_test_vm {
	struct page *page;
	struct kvmi_map_mem_token *token;
};

static void hostsim_test_vm_init(struct kunit *test, struct hostsim_test_vm *vm)
{
	vm->token = kunit_kzalloc(test, sizeof(*vm->token), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vm->token);
	vm->page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vm->page);
	memset(page_address(vm->page), 0xab, PAGE_SIZE);
}

static long hostsim_test_map(struct kunit *test, struct hostsim_test_vm *vm,
			     u64 remote_gpa)
{
	KUNIT_EXPECT_EQ(test, hostsim_new_token(vm->token), 0);
	return hostsim_do_map(virt_to_phys(vm->token), remote_gpa,
			      page_to_phys(vm->page));
}

static bool hostsim_test_page_is(struct page *page, u64 remote_gpa, bool remote)
{
	const u64 *word = page_address(page);
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*word); i++) {
		u64 want = remote ? (remote_gpa + i * sizeof(*word)) ^
				    KVMMEM_HOSTSIM_PATTERN :
				    0xababababababababULL;

		if (word[i] != want)
			return false;
	}
	return true;
}

static void hostsim_test_map_shows_remote_unmap_restores(struct kunit *test)
{
	s64 maps = atomic64_read(&hostsim_maps_done);
	s64 unmaps = atomic64_read(&hostsim_unmaps_done);
	struct hostsim_test_vm vm;
	phys_addr_t pa;

	hostsim_test_vm_init(test, &vm);
	pa = page_to_phys(vm.page);
	KUNIT_EXPECT_EQ(test, hostsim_test_map(test, &vm, 0x7000), 0L);
	KUNIT_EXPECT_TRUE(test, hostsim_test_page_is(vm.page, 0x7000, true));
	/* the token was used up */
	KUNIT_EXPECT_EQ(test, hostsim_test_outstanding(), 0U);
	/* a second map of the same local page */
	KUNIT_EXPECT_EQ(test, hostsim_test_map(test, &vm, 0x8000),
			(long)-KVM_EBUSY);
	KUNIT_EXPECT_EQ(test, hostsim_do_unmap(pa), 0L);
	KUNIT_EXPECT_TRUE(test, hostsim_test_page_is(vm.page, 0, false));
	KUNIT_EXPECT_EQ(test, hostsim_do_unmap(pa), (long)-KVM_EINVAL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&hostsim_maps_done), maps + 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&hostsim_unmaps_done), unmaps + 1);
	__free_page(vm.page);
}

static void hostsim_test_map_rejects_bad_requests(struct kunit *test)
{
	u64 end = (u64)mem_size_mb * SZ_1M;
	struct hostsim_test_vm vm;
	phys_addr_t pa;

	hostsim_test_vm_init(test, &vm);
	pa = page_to_phys(vm.page);
	/* unknown token */
	vm.token->token[0] = 1;
	KUNIT_EXPECT_EQ(test, hostsim_do_map(virt_to_phys(vm.token), 0, pa),
			(long)-KVM_EPERM);
	/* remote gpa out of the VM or unaligned: the token is used up */
	KUNIT_EXPECT_EQ(test, hostsim_test_map(test, &vm, end), (long)-KVM_EINVAL);
	KUNIT_EXPECT_EQ(test, hostsim_test_outstanding(), 0U);
	KUNIT_EXPECT_EQ(test, hostsim_test_map(test, &vm, 8), (long)-KVM_EINVAL);
	KUNIT_EXPECT_EQ(test, hostsim_test_map(test, &vm, end - PAGE_SIZE), 0L);
	KUNIT_EXPECT_EQ(test, hostsim_do_unmap(pa), 0L);
	/* local gpa unaligned */
	KUNIT_EXPECT_EQ(test, hostsim_new_token(vm.token), 0);
	KUNIT_EXPECT_EQ(test, hostsim_do_map(virt_to_phys(vm.token), 0, pa + 8),
			(long)-KVM_EFAULT);
	/* token across a page boundary: not readable as one */
	KUNIT_EXPECT_EQ(test, hostsim_do_map(pa + PAGE_SIZE - 8, 0, pa),
			(long)-KVM_EFAULT);
	KUNIT_EXPECT_TRUE(test, hostsim_test_page_is(vm.page, 0, false));
	KUNIT_EXPECT_TRUE(test, xa_empty(&hostsim_maps));
	__free_page(vm.page);
}

static void hostsim_test_injected_faults_count_down(struct kunit *test)
{
	struct hostsim_test_vm vm;
	phys_addr_t pa;

	hostsim_test_vm_init(test, &vm);
	pa = page_to_phys(vm.page);
	atomic_set(&fail_map_count, 2);
	WRITE_ONCE(fail_map_error, KVM_ENOMEM);
	KUNIT_EXPECT_EQ(test, hostsim_test_map(test, &vm, 0), (long)-KVM_ENOMEM);
	KUNIT_EXPECT_EQ(test, hostsim_do_map(virt_to_phys(vm.token), 0, pa),
			(long)-KVM_ENOMEM);
	/* an injected failure does not use the token up */
	KUNIT_EXPECT_EQ(test, hostsim_test_outstanding(), 1U);
	KUNIT_EXPECT_EQ(test, hostsim_do_map(virt_to_phys(vm.token), 0, pa), 0L);
	KUNIT_EXPECT_EQ(test, atomic_read(&fail_map_count), 0);

	atomic_set(&fail_unmap_count, 1);
	WRITE_ONCE(fail_unmap_error, KVM_EAGAIN);
	KUNIT_EXPECT_EQ(test, hostsim_do_unmap(pa), (long)-KVM_EAGAIN);
	/* still mapped: the retry gives the page back */
	KUNIT_EXPECT_TRUE(test, hostsim_test_page_is(vm.page, 0, true));
	KUNIT_EXPECT_EQ(test, hostsim_do_unmap(pa), 0L);
	KUNIT_EXPECT_TRUE(test, hostsim_test_page_is(vm.page, 0, false));
	WRITE_ONCE(fail_map_error, KVM_ENOSYS);
	WRITE_ONCE(fail_unmap_error, KVM_ENOSYS);
	__free_page(vm.page);
}

static struct kunit_case hostsim_cases[] = {
	KUNIT_CASE(hostsim_test_token_is_single_use),
	KUNIT_CASE(hostsim_test_token_one_bit_off_is_rejected),
	KUNIT_CASE(hostsim_test_tokens_differ),
	KUNIT_CASE(hostsim_test_outstanding_tokens_are_capped),
	KUNIT_CASE(hostsim_test_expired_token_is_rejected),
	KUNIT_CASE(hostsim_test_expired_tokens_free_their_slots),
	KUNIT_CASE(hostsim_test_map_shows_remote_unmap_restores),
	KUNIT_CASE(hostsim_test_map_rejects_bad_requests),
	KUNIT_CASE(hostsim_test_injected_faults_count_down),
	{}
};

static struct kunit_suite hostsim_suite = {
	.name		= "kvmmem_hostsim",
	.suite_init	= hostsim_test_suite_init,
	.suite_exit	= hostsim_test_suite_exit,
	.init		= hostsim_test_init,
	.test_cases	= hostsim_cases,
};

kunit_test_suites(&hostsim_suite);

MODULE_DESCRIPTION("KUnit tests of kvmmem_hostsim (a private copy of the emulated host)");
MODULE_AUTHOR("kvmmem developers");
MODULE_LICENSE("GPL");
