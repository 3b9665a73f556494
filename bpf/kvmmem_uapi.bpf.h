/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem_uapi.bpf.h - kernel/uapi/linux/kvmmem.h (KVM_HC_MEM_MAP, ...)
 * in a BPF program. vmlinux.h already defines the types the uapi header
 * would pull in from <linux/types.h> and <linux/ioctl.h>, and defines
 * some of them differently (an anonymous struct is a new type each
 * time): mark those two headers as included, so only kvmmem.h's own
 * definitions come in. Its ioctl numbers need _IOW and are not usable
 * here; the hypercall numbers are.
 */
#ifndef KVMMEM_UAPI_BPF_H
#define KVMMEM_UAPI_BPF_H

#ifndef __VMLINUX_H__
#error "include vmlinux.h first"
#endif

#define _LINUX_TYPES_H
#define _LINUX_IOCTL_H
#include "kernel/uapi/linux/kvmmem.h"

#endif /* KVMMEM_UAPI_BPF_H */
