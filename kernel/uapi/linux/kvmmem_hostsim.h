/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmmem_hostsim - an in-guest emulation of a KVMI host, for tests.
 * See docs/hostsim.md.
 */
#ifndef _UAPI_LINUX_KVMMEM_HOSTSIM_H
#define _UAPI_LINUX_KVMMEM_HOSTSIM_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/kvmmem.h>

/*
 * Every 64-bit word of the simulated VM's memory at guest-physical
 * address g (8-byte aligned) reads as g ^ KVMMEM_HOSTSIM_PATTERN.
 */
#define KVMMEM_HOSTSIM_PATTERN	0x6b766d6d656d2121ULL	/* "kvmmem!!" */

/* Tokens: random, single use, expire after this many ms. */
#define KVMMEM_HOSTSIM_TOKEN_TTL_MS	3000
/* At most this many unused, unexpired tokens at once. */
#define KVMMEM_HOSTSIM_MAX_TOKENS	8

/*
 * Get a fresh token from /dev/kvmmem-hostsim. 0xB2 is free in
 * Documentation/userspace-api/ioctl/ioctl-number.rst; 'i' is left to the
 * seed's ABI (libkvmi probes 'i' 0x03 and expects ENOTTY).
 */
#define KVMMEM_HOSTSIM_IOC_MAGIC	0xB2
#define KVMMEM_HOSTSIM_GET_TOKEN	_IOR(KVMMEM_HOSTSIM_IOC_MAGIC, 0x01, \
					     struct kvmi_map_mem_token)

#endif /* _UAPI_LINUX_KVMMEM_HOSTSIM_H */
