/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libkvmmem - map pages of other VMs through /dev/kvmmem.
 *
 *	struct kvmmem *km;
 *	void *page;
 *	int err;
 *
 *	err = kvmmem_open(NULL, &km);
 *	if (err)
 *		return err;
 *	err = kvmmem_map(km, NULL, 0x1000, &page);   // token from hostsim
 *	if (!err) {
 *		use(page);                           // remote gpa 0x1000
 *		err = kvmmem_unmap(km, page);
 *	}
 *	kvmmem_close(km);
 *
 * Conventions, as in libbpf: every function returns 0 (or a
 * non-negative value it documents) on success and a negative errno on
 * failure; none prints. Errno values coming from the driver keep the
 * driver's meaning:
 *
 *   MAP:   -EFAULT  nothing mapped at the page, bad argument pointer,
 *                   or the host could not read the token or the page
 *          -EINVAL  gpa/page not page-aligned, page not a user address,
 *                   not anonymous memory (a file's page, VM_IO/VM_PFNMAP,
 *                   hugetlb), or the host says the remote gpa is invalid
 *          -EACCES  the page is not writable
 *          -EEXIST  the page is already mapped (through any fd, at any
 *                   alias) or was quarantined
 *          -ENOSPC  the per-fd mapping cap is reached
 *          -ENOMEM  RLIMIT_MEMLOCK reached (without CAP_IPC_LOCK), or
 *                   out of memory here or on the host
 *          -EDQUOT  the driver's leaked-page budget is used up
 *          -EPERM   the fd belongs to another address space
 *          -EIO     the fd's address space is gone, or the host gave an
 *                   unknown answer (the page was unmapped or quarantined)
 *          -ENODEV  kvmmem has no host backend
 *          -EOPNOTSUPP  the host has no KVMI
 *          -EKEYREJECTED  token unknown, already used or expired
 *          -EAGAIN/-EBUSY  transient host answer (retried, see below)
 *          -E2BIG   the host's -KVM_E2BIG
 *          -EINTR   a fatal signal arrived
 *   UNMAP: -ENOENT  nothing mapped at the page through this fd
 *          -EPERM   the fd belongs to another address space
 *          -EINVAL  page not page-aligned
 *          -EIO     the host failed to unmap: the driver keeps the page
 *                   pinned ("leaked")
 *   docs/abi.md's errno table is the full list (kvmmem(4) too).
 *
 * A struct kvmmem may be used by one thread at a time. Mappings made
 * through it live until unmapped or until kvmmem_close() (the driver
 * then tears them down). After fork() a child shares the fd but not the
 * mappings: its UNMAP of a parent's page fails with -EPERM.
 */
#ifndef LIBKVMMEM_H
#define LIBKVMMEM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvmmem.h>

#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KVMMEM_DEV_PATH		"/dev/kvmmem"
#define KVMMEM_HOSTSIM_DEV_PATH	"/dev/kvmmem-hostsim"

/* A struct kvmmem_opts count that means "none" rather than "default". */
#define KVMMEM_OPT_NONE		UINT_MAX

/* Defaults of struct kvmmem_opts. */
#define KVMMEM_MAP_RETRIES	8	/* extra MAP attempts on EAGAIN/EBUSY */
#define KVMMEM_RETRY_BACKOFF_US	1000	/* first backoff; doubles, capped */
#define KVMMEM_RETRY_BACKOFF_MAX_US 100000
/* Wait for a free hostsim token slot this long: TTL + 1 s, so that
 * tokens leaked by a crashed process have expired by then. */
#define KVMMEM_TOKEN_WAIT_MS	(KVMMEM_HOSTSIM_TOKEN_TTL_MS + 1000)

/**
 * typedef kvmmem_token_fn - a source of fresh map tokens
 * @ctx: kvmmem_opts.token_ctx
 * @tok: receives a token
 *
 * Return: 0 or a negative errno (returned by kvmmem_map()).
 */
typedef int (*kvmmem_token_fn)(void *ctx, struct kvmi_map_mem_token *tok);

/**
 * struct kvmmem_opts - options of kvmmem_open(); zero means default
 * @sz:            sizeof(struct kvmmem_opts) as the caller knows it; set
 *                 it with KVMMEM_OPTS() (fields past @sz count as zero,
 *                 so newer libraries accept older callers)
 * @dev_path:      the driver's device, default KVMMEM_DEV_PATH
 * @hostsim_path:  the hostsim device, default KVMMEM_HOSTSIM_DEV_PATH;
 *                 opened on first use only
 * @get_token:     where kvmmem_map() gets tokens when called with a NULL
 *                 token; default: hostsim (kvmmem_hostsim_token() with
 *                 @token_wait_ms)
 * @token_ctx:     passed to @get_token
 * @map_retries:   extra MAP attempts after EAGAIN/EBUSY; default
 *                 KVMMEM_MAP_RETRIES; KVMMEM_OPT_NONE: no retry
 * @backoff_us:    sleep before the first retry; doubles each retry up to
 *                 KVMMEM_RETRY_BACKOFF_MAX_US; default
 *                 KVMMEM_RETRY_BACKOFF_US
 * @token_wait_ms: how long the default token source waits for a free
 *                 hostsim slot; default KVMMEM_TOKEN_WAIT_MS;
 *                 KVMMEM_OPT_NONE: no wait
 */
struct kvmmem_opts {
	size_t sz;
	const char *dev_path;
	const char *hostsim_path;
	kvmmem_token_fn get_token;
	void *token_ctx;
	unsigned int map_retries;
	unsigned int backoff_us;
	unsigned int token_wait_ms;
};

#define KVMMEM_OPTS(name, ...) \
	struct kvmmem_opts name = { .sz = sizeof(struct kvmmem_opts), __VA_ARGS__ }

struct kvmmem;

/**
 * kvmmem_open() - open the driver
 * @opts: NULL for all defaults
 * @kmp:  receives the handle
 *
 * Return: 0; -ENOENT (/dev/kvmmem absent: kvmmem.ko not loaded); -EACCES
 * or -EPERM (not allowed: neither root nor in group kvmmem, see
 * 60-kvmmem.rules); -ENODEV/-ENXIO (node exists
 * but no driver behind it); -EINVAL (bad @opts); -ENOMEM; other -errno
 * from open(2).
 */
int kvmmem_open(const struct kvmmem_opts *opts, struct kvmmem **kmp);

/**
 * kvmmem_close() - close the fd and free the handle
 * @km: NULL is ignored
 *
 * The driver tears down every mapping still made through the fd. Pages
 * allocated by kvmmem_map() and not unmapped stay mapped in this process
 * (with their own memory back) until the process unmaps them or exits.
 */
void kvmmem_close(struct kvmmem *km);

/**
 * kvmmem_fd() - the /dev/kvmmem fd, for raw ioctls (e.g. tests)
 */
int kvmmem_fd(const struct kvmmem *km);

/**
 * kvmmem_page_size() - the page size mappings are made in
 */
size_t kvmmem_page_size(const struct kvmmem *km);

/**
 * kvmmem_get_token() - a fresh token from the handle's token source
 * @tok: receives it
 *
 * Return: 0 or what the source returned (for hostsim: see
 * kvmmem_hostsim_token(); also -ENOENT if /dev/kvmmem-hostsim is absent).
 */
int kvmmem_get_token(struct kvmmem *km, struct kvmi_map_mem_token *tok);

/**
 * kvmmem_map() - map a remote page onto a new page of this process
 * @km:    the handle
 * @token: a token for this one mapping; NULL to take a fresh one from
 *         the token source for each attempt (what libkvmi does)
 * @gpa:   page-aligned remote guest-physical address
 * @pagep: receives the address of a readable and writable page showing
 *         the remote page; release it with kvmmem_unmap()
 *
 * The page is mmap'ed MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE and, if
 * RLIMIT_MEMLOCK allows, MAP_LOCKED (as libkvmi does); if MAP_LOCKED
 * is refused (EAGAIN or EPERM from mmap) the page is mapped without it:
 * the driver pins the page for the mapping's life anyway (see
 * kvmmem_lock_fallbacks()).
 *
 * EAGAIN and EBUSY from the driver are retried up to @map_retries times
 * with exponential backoff; with a NULL @token each attempt uses a fresh
 * token, with a given token every attempt reuses it (if the host
 * consumed it, a retry fails with -EKEYREJECTED).
 *
 * Return: 0; -EINVAL if @gpa is not page-aligned (checked here); -errno
 * from mmap(2) (-ENOMEM: out of memory or vm.max_map_count reached);
 * -errno of the token source; a MAP errno from the driver (see the top
 * of this file), -EAGAIN/-EBUSY once the retries are used up. On error
 * no page is left mapped and *@pagep is untouched.
 */
int kvmmem_map(struct kvmmem *km, const struct kvmi_map_mem_token *token,
	       uint64_t gpa, void **pagep);

/**
 * kvmmem_unmap() - undo kvmmem_map() and munmap the page
 * @km:   the handle
 * @page: what kvmmem_map() returned
 *
 * Issues KVM_INTRO_MEM_UNMAP, then munmaps the page whatever the result
 * (as libkvmi does; if the host failed to unmap, the driver keeps the
 * foreign page pinned and counts it as leaked, and this process drops
 * its mapping of it).
 *
 * Return: 0 or the UNMAP errno (see the top of this file).
 */
int kvmmem_unmap(struct kvmmem *km, void *page);

/**
 * kvmmem_map_at() - map a remote page onto a page the caller owns
 * @km:    the handle
 * @token: as for kvmmem_map()
 * @gpa:   page-aligned remote guest-physical address
 * @page:  page-aligned address of a writable page of this process (any
 *         private or shared anonymous mapping), e.g. one page of a large
 *         mmap: this avoids one VMA per mapping (vm.max_map_count)
 *
 * Retries as kvmmem_map() does.
 *
 * Return: 0; -EINVAL if @gpa or @page is not page-aligned; -errno of
 * the token source; a MAP errno from the driver.
 */
int kvmmem_map_at(struct kvmmem *km, const struct kvmi_map_mem_token *token,
		  uint64_t gpa, void *page);

/**
 * kvmmem_unmap_at() - issue KVM_INTRO_MEM_UNMAP for @page, nothing else
 * @km:   the handle
 * @page: the page given to kvmmem_map_at()
 *
 * Return: 0 or the UNMAP errno (see the top of this file).
 */
int kvmmem_unmap_at(struct kvmmem *km, void *page);

/**
 * kvmmem_lock_fallbacks() - how many kvmmem_map() pages were mmap'ed
 * without MAP_LOCKED because RLIMIT_MEMLOCK refused it
 */
unsigned long kvmmem_lock_fallbacks(const struct kvmmem *km);

/**
 * kvmmem_hostsim_open() - open the host emulator's token device
 * @path: NULL for KVMMEM_HOSTSIM_DEV_PATH
 *
 * Return: an fd (close it with close(2)); -ENOENT (kvmmem_hostsim.ko not
 * loaded); -EACCES/-EPERM (neither root nor in group kvmmem); other
 * -errno from open(2).
 */
int kvmmem_hostsim_open(const char *path);

/**
 * kvmmem_hostsim_token() - get a fresh token from hostsim
 * @fd:      from kvmmem_hostsim_open()
 * @tok:     receives the token (single use, expires after
 *           KVMMEM_HOSTSIM_TOKEN_TTL_MS)
 * @wait_ms: while hostsim has KVMMEM_HOSTSIM_MAX_TOKENS unused tokens
 *           out (-EAGAIN), retry with backoff for up to this long;
 *           0: do not retry
 *
 * Return: 0; -EAGAIN if no slot freed within @wait_ms; -ENOTTY (@fd is
 * not hostsim); other -errno from ioctl(2).
 */
int kvmmem_hostsim_token(int fd, struct kvmi_map_mem_token *tok,
			 unsigned int wait_ms);

#ifdef __cplusplus
}
#endif

#endif /* LIBKVMMEM_H */
