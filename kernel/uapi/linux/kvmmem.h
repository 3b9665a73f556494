/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmmem - map pages of other VMs into an introspection process.
 *
 * This ABI is binary-compatible with the KVMI v4 guest driver
 * (/dev/kvmmem, "[RFC,v4,02/18] add memory map/unmap support for VM
 * introspection on the guest side", 2017). See docs/abi.md.
 */
#ifndef _UAPI_LINUX_KVMMEM_H
#define _UAPI_LINUX_KVMMEM_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * struct kvmi_map_mem_token - one-time token issued by the host
 * @token: 32 opaque bytes, copied verbatim to the host
 */
struct kvmi_map_mem_token {
	__u64 token[4];
};

/**
 * struct kvmi_mem_map - argument of %KVM_INTRO_MEM_MAP
 * @token: token obtained from the host for this mapping
 * @gpa:   page-aligned guest-physical address in the introspected VM
 * @gva:   page-aligned address of a writable page in the caller's
 *         address space; its backing is replaced by the remote page
 */
struct kvmi_mem_map {
	struct kvmi_map_mem_token token;
	__u64 gpa;
	__u64 gva;
};

#define KVM_INTRO_MEM_MAP	_IOW('i', 0x01, struct kvmi_mem_map)
/* The argument of KVM_INTRO_MEM_UNMAP is the gva itself, not a pointer. */
#define KVM_INTRO_MEM_UNMAP	_IOW('i', 0x02, unsigned long)

/* Hypercall numbers used between the guest driver and a KVMI host. */
#define KVM_HC_MEM_MAP		32	/* a0: token gpa, a1: remote gpa, a2: local gpa */
#define KVM_HC_MEM_UNMAP	33	/* a0: local gpa */

#endif /* _UAPI_LINUX_KVMMEM_H */
