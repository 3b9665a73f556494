// SPDX-License-Identifier: GPL-2.0
/*
 * libkvmmem's device calls, against a fake driver: this binary is linked
 * with -Wl,--wrap=ioctl,--wrap=mmap,--wrap=munmap, so libkvmmem's ioctl(),
 * mmap() and munmap() land in the __wrap_ functions below. /dev/null
 * stands in for /dev/kvmmem. Each Criterion test runs in its own process,
 * so the fake's state starts at zero every time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <criterion/criterion.h>

#include "libkvmmem.h"

#define MAX_CALLS 64

/* ------------------------------------------------------------ the fake */

static struct {
	/* ioctl */
	unsigned int map_calls, unmap_calls, token_calls;
	struct kvmi_mem_map map_req[MAX_CALLS];
	unsigned long unmap_arg[MAX_CALLS];
	int map_errors[MAX_CALLS];	/* errno of the Nth MAP, 0: ok */
	int map_error_always;		/* errno of every MAP if set */
	int unmap_error;
	int token_errors;		/* this many GET_TOKENs fail... */
	int token_error;		/* ...with this errno */
	/* mmap / munmap */
	unsigned int mmap_calls, munmap_calls;
	int mmap_flags[MAX_CALLS];
	int locked_error;		/* errno for MAP_LOCKED requests */
	int mmap_error;			/* errno for any request */
	void *munmapped[MAX_CALLS];
} fake;

int __real_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len);

static int fail(int err)
{
	errno = err;
	return -1;
}

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	struct kvmi_mem_map *req;
	unsigned int n;
	unsigned long arg;
	va_list ap;

	(void)fd;
	va_start(ap, request);
	arg = va_arg(ap, unsigned long);
	va_end(ap);

	switch (request) {
	case KVM_INTRO_MEM_MAP:
		n = fake.map_calls++;
		cr_assert_lt(n, MAX_CALLS);
		req = (struct kvmi_mem_map *)arg;
		fake.map_req[n] = *req;
		if (fake.map_error_always)
			return fail(fake.map_error_always);
		if (fake.map_errors[n])
			return fail(fake.map_errors[n]);
		/* show the remote page, as hostsim does */
		for (n = 0; n < 4096 / 8; n++)
			((uint64_t *)(uintptr_t)req->gva)[n] =
				kvmmem_hostsim_word(req->gpa + 8 * n);
		return 0;
	case KVM_INTRO_MEM_UNMAP:
		n = fake.unmap_calls++;
		cr_assert_lt(n, MAX_CALLS);
		fake.unmap_arg[n] = arg;
		return fake.unmap_error ? fail(fake.unmap_error) : 0;
	case KVMMEM_HOSTSIM_GET_TOKEN:
		n = fake.token_calls++;
		if ((int)n < fake.token_errors)
			return fail(fake.token_error);
		memset((void *)arg, 0, sizeof(struct kvmi_map_mem_token));
		((struct kvmi_map_mem_token *)arg)->token[0] = 1000 + n;
		return 0;
	default:
		return fail(ENOTTY);
	}
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	unsigned int n = fake.mmap_calls++;

	cr_assert_lt(n, MAX_CALLS);
	fake.mmap_flags[n] = flags;
	if (fake.mmap_error || (fake.locked_error && (flags & MAP_LOCKED))) {
		errno = fake.mmap_error ? fake.mmap_error : fake.locked_error;
		return MAP_FAILED;
	}
	/* MAP_LOCKED may really be refused here: ask without it */
	return __real_mmap(addr, len, prot, flags & ~MAP_LOCKED, fd, off);
}

int __wrap_munmap(void *addr, size_t len)
{
	unsigned int n = fake.munmap_calls++;

	cr_assert_lt(n, MAX_CALLS);
	fake.munmapped[n] = addr;
	return __real_munmap(addr, len);
}

/* --------------------------------------------------------- test setup */

/* A token source that counts its calls and numbers its tokens. */
static struct {
	unsigned int calls;
	int error;
} source;

static int counting_token(void *ctx, struct kvmi_map_mem_token *tok)
{
	cr_assert_eq(ctx, &source);
	if (source.error)
		return source.error;
	memset(tok, 0, sizeof(*tok));
	tok->token[0] = ++source.calls;
	return 0;
}

static struct kvmmem *km;

/* /dev/null as the driver, tokens from counting_token, fast backoff. */
static struct kvmmem *open_fake(unsigned int map_retries)
{
	KVMMEM_OPTS(opts, .dev_path = "/dev/null", .get_token = counting_token,
		    .token_ctx = &source, .map_retries = map_retries,
		    .backoff_us = 1);

	cr_assert_eq(kvmmem_open(&opts, &km), 0);
	return km;
}

static void close_km(void)
{
	kvmmem_close(km);
}

TestSuite(open);
TestSuite(map, .fini = close_km);
TestSuite(unmap, .fini = close_km);
TestSuite(hostsim_token);

static const struct kvmi_map_mem_token given = { .token = { 7, 8, 9, 10 } };

/* ---------------------------------------------------------------- open */

Test(open, missing_device_is_enoent)
{
	KVMMEM_OPTS(opts, .dev_path = "/nonexistent/kvmmem");

	cr_assert_eq(kvmmem_open(&opts, &km), -ENOENT);
}

Test(open, opts_smaller_than_sz_field_are_einval)
{
	struct kvmmem_opts opts = { .sz = 1 };

	cr_assert_eq(kvmmem_open(&opts, &km), -EINVAL);
}

Test(open, newer_opts_with_unknown_nonzero_field_are_einval)
{
	struct {
		struct kvmmem_opts known;
		long from_the_future;
	} opts = { .known = { .sz = sizeof(opts), .dev_path = "/dev/null" },
		   .from_the_future = 1 };

	cr_assert_eq(kvmmem_open(&opts.known, &km), -EINVAL);
}

Test(open, newer_opts_with_zero_unknown_field_are_accepted)
{
	struct {
		struct kvmmem_opts known;
		long from_the_future;
	} opts = { .known = { .sz = sizeof(opts), .dev_path = "/dev/null" } };

	cr_assert_eq(kvmmem_open(&opts.known, &km), 0);
	kvmmem_close(km);
}

Test(open, close_of_null_is_a_no_op)
{
	kvmmem_close(NULL);
}

/* ----------------------------------------------------------------- map */

Test(map, sends_token_gpa_and_page_address)
{
	void *page;

	open_fake(0);
	cr_assert_eq(kvmmem_map(km, &given, 0x5000, &page), 0);
	cr_assert_eq(fake.map_calls, 1);
	cr_assert_eq(fake.map_req[0].gpa, 0x5000);
	cr_assert_eq(fake.map_req[0].gva, (uintptr_t)page);
	cr_assert_arr_eq(&fake.map_req[0].token, &given, sizeof(given));
}

Test(map, page_shows_what_the_driver_put_there)
{
	void *page;

	open_fake(0);
	cr_assert_eq(kvmmem_map(km, &given, 0x5000, &page), 0);
	cr_assert_eq(kvmmem_hostsim_verify(page, 4096, 0x5000, NULL), 0);
}

Test(map, page_is_shared_anonymous_populated_and_locked)
{
	void *page;

	open_fake(0);
	cr_assert_eq(kvmmem_map(km, &given, 0, &page), 0);
	cr_assert_eq(fake.mmap_calls, 1);
	cr_assert_eq(fake.mmap_flags[0],
		     MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED);
	cr_assert_eq(kvmmem_lock_fallbacks(km), 0);
}

Test(map, falls_back_without_map_locked_when_memlock_says_eagain)
{
	void *page;

	open_fake(0);
	fake.locked_error = EAGAIN;
	cr_assert_eq(kvmmem_map(km, &given, 0, &page), 0);
	cr_assert_eq(fake.mmap_calls, 2);
	cr_assert_eq(fake.mmap_flags[1], MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE);
	cr_assert_eq(kvmmem_lock_fallbacks(km), 1);
}

Test(map, falls_back_without_map_locked_when_memlock_says_eperm)
{
	void *page;

	open_fake(0);
	fake.locked_error = EPERM;
	cr_assert_eq(kvmmem_map(km, &given, 0, &page), 0);
	cr_assert_eq(kvmmem_lock_fallbacks(km), 1);
}

Test(map, mmap_enomem_is_returned_without_fallback)
{
	void *page;

	open_fake(0);
	fake.mmap_error = ENOMEM;
	cr_assert_eq(kvmmem_map(km, &given, 0, &page), -ENOMEM);
	cr_assert_eq(fake.mmap_calls, 1);
	cr_assert_eq(fake.map_calls, 0);
}

Test(map, unaligned_gpa_is_einval_before_anything_else)
{
	void *page = NULL;

	open_fake(0);
	cr_assert_eq(kvmmem_map(km, NULL, 0x5008, &page), -EINVAL);
	cr_assert_eq(fake.mmap_calls, 0);
	cr_assert_eq(fake.map_calls, 0);
	cr_assert_eq(source.calls, 0);
	cr_assert_null(page);
}

Test(map, retries_eagain_then_succeeds)
{
	void *page;

	open_fake(8);
	fake.map_errors[0] = EAGAIN;
	fake.map_errors[1] = EAGAIN;
	fake.map_errors[2] = EBUSY;
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), 0);
	cr_assert_eq(fake.map_calls, 4);
}

Test(map, gives_up_after_map_retries_extra_attempts)
{
	void *page = NULL;

	open_fake(3);
	fake.map_error_always = EBUSY;
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), -EBUSY);
	cr_assert_eq(fake.map_calls, 4);
	cr_assert_null(page);
}

Test(map, default_is_8_retries)
{
	void *page;

	open_fake(0);
	fake.map_error_always = EAGAIN;
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), -EAGAIN);
	cr_assert_eq(fake.map_calls, 1 + KVMMEM_MAP_RETRIES);
	cr_assert_eq(KVMMEM_MAP_RETRIES, 8);
}

Test(map, opt_none_means_a_single_attempt)
{
	void *page;

	open_fake(KVMMEM_OPT_NONE);
	fake.map_error_always = EAGAIN;
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), -EAGAIN);
	cr_assert_eq(fake.map_calls, 1);
}

Test(map, failure_munmaps_the_page_it_made)
{
	void *page;

	open_fake(0);
	fake.map_error_always = EKEYREJECTED;
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), -EKEYREJECTED);
	cr_assert_eq(fake.munmap_calls, 1);
	cr_assert_eq((uintptr_t)fake.munmapped[0], fake.map_req[0].gva);
}

Test(map, ekeyrejected_is_not_retried)
{
	void *page;

	open_fake(8);
	fake.map_error_always = EKEYREJECTED;
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), -EKEYREJECTED);
	cr_assert_eq(fake.map_calls, 1);
}

Test(map, null_token_takes_a_fresh_token_for_each_attempt)
{
	void *page;

	open_fake(8);
	fake.map_errors[0] = EAGAIN;
	fake.map_errors[1] = EAGAIN;
	cr_assert_eq(kvmmem_map(km, NULL, 0x1000, &page), 0);
	cr_assert_eq(source.calls, 3);
	cr_assert_eq(fake.map_req[0].token.token[0], 1);
	cr_assert_eq(fake.map_req[1].token.token[0], 2);
	cr_assert_eq(fake.map_req[2].token.token[0], 3);
}

Test(map, given_token_is_reused_on_retry)
{
	void *page;

	open_fake(8);
	fake.map_errors[0] = EAGAIN;
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), 0);
	cr_assert_eq(source.calls, 0);
	cr_assert_arr_eq(&fake.map_req[1].token, &given, sizeof(given));
}

Test(map, token_source_error_is_returned_and_page_released)
{
	void *page;

	open_fake(0);
	source.error = -ENOENT;
	cr_assert_eq(kvmmem_map(km, NULL, 0x1000, &page), -ENOENT);
	cr_assert_eq(fake.map_calls, 0);
	cr_assert_eq(fake.munmap_calls, 1);
}

Test(map, map_at_rejects_an_unaligned_page)
{
	open_fake(0);
	cr_assert_eq(kvmmem_map_at(km, &given, 0x1000, (void *)0x10010), -EINVAL);
	cr_assert_eq(fake.map_calls, 0);
}

Test(map, map_at_uses_the_callers_page_and_no_mmap)
{
	static uint64_t page[4096 / 8] __attribute__((aligned(4096)));

	open_fake(0);
	cr_assert_eq(kvmmem_map_at(km, &given, 0x2000, page), 0);
	cr_assert_eq(fake.mmap_calls, 0);
	cr_assert_eq(fake.map_req[0].gva, (uintptr_t)page);
	cr_assert_eq(page[0], kvmmem_hostsim_word(0x2000));
}

/* --------------------------------------------------------------- unmap */

Test(unmap, passes_the_page_address_itself)
{
	void *page;

	open_fake(0);
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), 0);
	cr_assert_eq(kvmmem_unmap(km, page), 0);
	cr_assert_eq(fake.unmap_calls, 1);
	cr_assert_eq(fake.unmap_arg[0], (unsigned long)page);
	cr_assert_eq(fake.munmap_calls, 1);
	cr_assert_eq(fake.munmapped[0], page);
}

Test(unmap, munmaps_even_when_the_driver_fails)
{
	void *page;

	open_fake(0);
	cr_assert_eq(kvmmem_map(km, &given, 0x1000, &page), 0);
	fake.unmap_error = EIO;
	cr_assert_eq(kvmmem_unmap(km, page), -EIO);
	cr_assert_eq(fake.munmap_calls, 1);
	cr_assert_eq(fake.munmapped[0], page);
}

Test(unmap, unmap_at_only_asks_the_driver)
{
	open_fake(0);
	fake.unmap_error = ENOENT;
	cr_assert_eq(kvmmem_unmap_at(km, (void *)0x7f0000000000), -ENOENT);
	cr_assert_eq(fake.unmap_arg[0], 0x7f0000000000UL);
	cr_assert_eq(fake.munmap_calls, 0);
}

/* ------------------------------------------------------- hostsim token */

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

Test(hostsim_token, copies_the_token_out)
{
	struct kvmi_map_mem_token tok;

	cr_assert_eq(kvmmem_hostsim_token(-1, &tok, 0), 0);
	cr_assert_eq(tok.token[0], 1000);
}

Test(hostsim_token, retries_eagain_within_the_wait)
{
	struct kvmi_map_mem_token tok;

	fake.token_errors = 3;
	fake.token_error = EAGAIN;
	cr_assert_eq(kvmmem_hostsim_token(-1, &tok, 1000), 0);
	cr_assert_eq(fake.token_calls, 4);
	cr_assert_eq(tok.token[0], 1003);
}

Test(hostsim_token, zero_wait_returns_eagain_at_once)
{
	struct kvmi_map_mem_token tok;

	fake.token_errors = 1;
	fake.token_error = EAGAIN;
	cr_assert_eq(kvmmem_hostsim_token(-1, &tok, 0), -EAGAIN);
	cr_assert_eq(fake.token_calls, 1);
}

Test(hostsim_token, gives_up_when_the_wait_is_over)
{
	struct kvmi_map_mem_token tok;
	struct timespec t0;
	double ms;

	fake.token_errors = 1000000;
	fake.token_error = EAGAIN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(kvmmem_hostsim_token(-1, &tok, 100), -EAGAIN);
	ms = elapsed_ms(&t0);
	cr_assert_geq(ms, 99.0);	/* the library counts whole ms */
	cr_assert_lt(ms, 1000.0);
}

Test(hostsim_token, other_errors_are_not_retried)
{
	struct kvmi_map_mem_token tok;

	fake.token_errors = 5;
	fake.token_error = ENOTTY;
	cr_assert_eq(kvmmem_hostsim_token(-1, &tok, 1000), -ENOTTY);
	cr_assert_eq(fake.token_calls, 1);
}
