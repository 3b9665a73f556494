/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm.h - a VM's name from its VMM's command line (vmm.c), for the host
 * side of kvmmem-trace and kvmmem-top.
 */
#ifndef KVMMEM_VMM_H
#define KVMMEM_VMM_H

#include <stddef.h>
#include <stdint.h>

/* Longest VM name, NUL included: what a recording's name chunk holds. */
#define KVMMEM_VMM_NAME_LEN	64

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kvmmem_vmm_name() - a VM's name from its VMM's command line
 * @cmdline: /proc/PID/cmdline: arguments separated by NULs
 * @len:     its length
 * @buf:     receives the name, printable ASCII (others become '?')
 *
 * QEMU's "-name guest=NAME,..." or "-name NAME,...", else argv[0]'s
 * basename, else "". Return: @buf.
 */
char *kvmmem_vmm_name(const char *cmdline, size_t len,
		      char buf[KVMMEM_VMM_NAME_LEN]);

/**
 * kvmmem_vmm_name_of() - kvmmem_vmm_name() of running process
 * @pid's /proc/PID/cmdline; "" if it is gone (or names nothing)
 *
 * Return: @buf.
 */
char *kvmmem_vmm_name_of(uint32_t pid, char buf[KVMMEM_VMM_NAME_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_VMM_H */
