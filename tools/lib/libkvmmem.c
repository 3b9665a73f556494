// SPDX-License-Identifier: GPL-2.0
/*
 * libkvmmem - map pages of other VMs through /dev/kvmmem.
 * See libkvmmem.h for the contract of every function.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

#include "libkvmmem.h"

struct kvmmem {
	int fd;			/* /dev/kvmmem */
	int hostsim_fd;		/* opened on first use, else -1 */
	char *hostsim_path;
	size_t page_size;
	kvmmem_token_fn get_token;
	void *token_ctx;
	unsigned int map_retries;
	unsigned int backoff_us;
	unsigned int token_wait_ms;
	unsigned long lock_fallbacks;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep @us microseconds; a signal merely cuts the sleep short. */
static void sleep_us(unsigned int us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	nanosleep(&ts, NULL);
}

static unsigned int next_backoff(unsigned int us, unsigned int max_us)
{
	return us >= max_us / 2 ? max_us : us * 2;
}

int kvmmem_hostsim_open(const char *path)
{
	int fd = open(path ? path : KVMMEM_HOSTSIM_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int kvmmem_hostsim_token(int fd, struct kvmi_map_mem_token *tok,
			 unsigned int wait_ms)
{
	unsigned int backoff_us = 1000;
	uint64_t deadline = now_ms() + wait_ms;

	for (;;) {
		if (!ioctl(fd, KVMMEM_HOSTSIM_GET_TOKEN, tok))
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || now_ms() >= deadline)
			return -errno;
		sleep_us(backoff_us);
		backoff_us = next_backoff(backoff_us, 50000);
	}
}

/* The default token source: hostsim, opened on first use. */
static int hostsim_get_token(void *ctx, struct kvmi_map_mem_token *tok)
{
	struct kvmmem *km = ctx;
	int fd;

	if (km->hostsim_fd < 0) {
		fd = kvmmem_hostsim_open(km->hostsim_path);
		if (fd < 0)
			return fd;
		km->hostsim_fd = fd;
	}
	return kvmmem_hostsim_token(km->hostsim_fd, tok, km->token_wait_ms);
}

/* Copy the caller's opts, which may be older (smaller) than ours. */
static int opts_copy(struct kvmmem_opts *dst, const struct kvmmem_opts *src)
{
	const char *tail;
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (!src)
		return 0;
	if (src->sz < sizeof(src->sz))
		return -EINVAL;
	/* A newer caller may only use fields we know of. */
	tail = (const char *)src;
	for (i = sizeof(*dst); i < src->sz; i++)
		if (tail[i])
			return -EINVAL;
	memcpy(dst, src, src->sz < sizeof(*dst) ? src->sz : sizeof(*dst));
	return 0;
}

static unsigned int opt_count(unsigned int v, unsigned int def)
{
	if (v == KVMMEM_OPT_NONE)
		return 0;
	return v ? v : def;
}

int kvmmem_open(const struct kvmmem_opts *user_opts, struct kvmmem **kmp)
{
	struct kvmmem_opts opts;
	struct kvmmem *km;
	long page_size;
	int err;

	err = opts_copy(&opts, user_opts);
	if (err)
		return err;
	page_size = sysconf(_SC_PAGESIZE);
	if (page_size <= 0)
		return -EINVAL;

	km = calloc(1, sizeof(*km));
	if (!km)
		return -ENOMEM;
	km->hostsim_fd = -1;
	km->page_size = page_size;
	km->get_token = opts.get_token ? opts.get_token : hostsim_get_token;
	km->token_ctx = opts.get_token ? opts.token_ctx : km;
	km->map_retries = opt_count(opts.map_retries, KVMMEM_MAP_RETRIES);
	km->backoff_us = opts.backoff_us ? opts.backoff_us : KVMMEM_RETRY_BACKOFF_US;
	km->token_wait_ms = opt_count(opts.token_wait_ms, KVMMEM_TOKEN_WAIT_MS);
	if (opts.hostsim_path) {
		km->hostsim_path = strdup(opts.hostsim_path);
		if (!km->hostsim_path) {
			err = -ENOMEM;
			goto err_free;
		}
	}

	km->fd = open(opts.dev_path ? opts.dev_path : KVMMEM_DEV_PATH,
		      O_RDWR | O_CLOEXEC);
	if (km->fd < 0) {
		err = -errno;
		goto err_free_path;
	}

	*kmp = km;
	return 0;

err_free_path:
	free(km->hostsim_path);
err_free:
	free(km);
	return err;
}

void kvmmem_close(struct kvmmem *km)
{
	if (!km)
		return;
	if (km->hostsim_fd >= 0)
		close(km->hostsim_fd);
	close(km->fd);
	free(km->hostsim_path);
	free(km);
}

int kvmmem_fd(const struct kvmmem *km)
{
	return km->fd;
}

size_t kvmmem_page_size(const struct kvmmem *km)
{
	return km->page_size;
}

unsigned long kvmmem_lock_fallbacks(const struct kvmmem *km)
{
	return km->lock_fallbacks;
}

int kvmmem_get_token(struct kvmmem *km, struct kvmi_map_mem_token *tok)
{
	return km->get_token(km->token_ctx, tok);
}

static bool page_aligned(const struct kvmmem *km, uint64_t addr)
{
	return !(addr & (km->page_size - 1));
}

int kvmmem_map_at(struct kvmmem *km, const struct kvmi_map_mem_token *token,
		  uint64_t gpa, void *page)
{
	struct kvmi_mem_map req = {
		.gpa = gpa,
		.gva = (uintptr_t)page,
	};
	unsigned int backoff_us = km->backoff_us;
	unsigned int retries = 0;
	int err;

	if (!page_aligned(km, gpa) || !page_aligned(km, req.gva))
		return -EINVAL;

	for (;;) {
		if (token) {
			req.token = *token;
		} else {
			err = kvmmem_get_token(km, &req.token);
			if (err)
				return err;
		}
		if (!ioctl(km->fd, KVM_INTRO_MEM_MAP, &req))
			return 0;
		err = -errno;
		if (err != -EAGAIN && err != -EBUSY)
			return err;
		if (retries++ >= km->map_retries)
			return err;
		sleep_us(backoff_us);
		backoff_us = next_backoff(backoff_us, KVMMEM_RETRY_BACKOFF_MAX_US);
	}
}

int kvmmem_unmap_at(struct kvmmem *km, void *page)
{
	if (ioctl(km->fd, KVM_INTRO_MEM_UNMAP, (unsigned long)page))
		return -errno;
	return 0;
}

/*
 * A page as libkvmi makes it, minus MAP_LOCKED if RLIMIT_MEMLOCK says no.
 * Return: the page, or MAP_FAILED with errno set.
 */
static void *page_alloc(struct kvmmem *km)
{
	const int prot = PROT_READ | PROT_WRITE;
	const int flags = MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE;
	void *page;

	page = mmap(NULL, km->page_size, prot, flags | MAP_LOCKED, -1, 0);
	if (page == MAP_FAILED && (errno == EAGAIN || errno == EPERM)) {
		page = mmap(NULL, km->page_size, prot, flags, -1, 0);
		if (page != MAP_FAILED)
			km->lock_fallbacks++;
	}
	return page;
}

int kvmmem_map(struct kvmmem *km, const struct kvmi_map_mem_token *token,
	       uint64_t gpa, void **pagep)
{
	void *page;
	int err;

	if (!page_aligned(km, gpa))
		return -EINVAL;
	page = page_alloc(km);
	if (page == MAP_FAILED)
		return -errno;
	err = kvmmem_map_at(km, token, gpa, page);
	if (err) {
		munmap(page, km->page_size);
		return err;
	}
	*pagep = page;
	return 0;
}

int kvmmem_unmap(struct kvmmem *km, void *page)
{
	int err = kvmmem_unmap_at(km, page);

	munmap(page, km->page_size);
	return err;
}
