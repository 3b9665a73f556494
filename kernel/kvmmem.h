/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem - interface between the driver core and its host backends.
 *
 * A backend answers the two KVMI memory hypercalls. The core never knows
 * who answers: the real host through vmcall/vmmcall (the built-in "kvmi"
 * backend) or kvmmem_hostsim.ko, which emulates a KVMI host in the guest.
 */
#ifndef _KVMMEM_H
#define _KVMMEM_H

#include <linux/types.h>
#include <uapi/linux/kvm_para.h>

/*
 * Host error codes. 6.1's kvm_para.h defines the first ones; the KVMI
 * host used the others too.
 */
#ifndef KVM_EAGAIN
#define KVM_EAGAIN	11
#endif
#ifndef KVM_ENOMEM
#define KVM_ENOMEM	12
#endif
#ifndef KVM_EBUSY
#define KVM_EBUSY	16
#endif

struct module;

/**
 * struct kvmmem_backend - a host that answers the memory hypercalls
 * @name:  short name, shown in sysfs and in the log
 * @owner: module implementing the backend; pinned while a mapping made
 *         through it is alive (or leaked)
 * @map:   KVM_HC_MEM_MAP: map @remote_gpa of the introspected VM onto the
 *         local page at @local_gpa; the token is read by the host from
 *         guest-physical @token_gpa. Returns 0 or a negative KVM error
 *         (-KVM_ENOSYS, -KVM_EPERM, ...). May sleep.
 * @unmap: KVM_HC_MEM_UNMAP: give @local_gpa its own memory back. Returns
 *         0 or a negative KVM error. May sleep.
 */
struct kvmmem_backend {
	const char *name;
	struct module *owner;
	long (*map)(phys_addr_t token_gpa, u64 remote_gpa, phys_addr_t local_gpa);
	long (*unmap)(phys_addr_t local_gpa);
};

int kvmmem_backend_register(const struct kvmmem_backend *be);
void kvmmem_backend_unregister(const struct kvmmem_backend *be);

int kvmmem_host_errno(long hc);

#endif /* _KVMMEM_H */
