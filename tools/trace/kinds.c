// SPDX-License-Identifier: GPL-2.0
/*
 * kinds.c - the event kinds: names, schemas, groups, results (see kinds.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "trace/kinds.h"
#include "util.h"

static const struct {
	const char *name;
	const char *schema;
} kinds[KT_NR_KINDS] = {
	[KT_MAP_START] = { "map_start",
		"kvmmem:kvmmem_map_start id tgid=caller a0=gva a1=gpa a2=pa ret=errno" },
	[KT_MAP_END] = { "map_end",
		"kvmmem:kvmmem_map_end id tgid=caller a0=gva a1=gpa a2=pa ret=errno" },
	[KT_UNMAP_START] = { "unmap_start",
		"kvmmem:kvmmem_unmap_start id tgid=caller a0=gva a1=gpa a2=pa ret=errno" },
	[KT_UNMAP_END] = { "unmap_end",
		"kvmmem:kvmmem_unmap_end id tgid=caller a0=gva a1=gpa a2=pa ret=errno" },
	[KT_TEARDOWN_UNMAP] = { "teardown_unmap",
		"kvmmem:kvmmem_teardown_unmap id tgid=owner a0=gva a1=gpa a2=pa ret=errno" },
	[KT_PAGE_LEAKED] = { "page_leaked",
		"kvmmem:kvmmem_page_leaked id tgid=owner a0=gva a1=gpa a2=pa ret=errno" },
	[KT_TEARDOWN_START] = { "teardown_start",
		"kvmmem:kvmmem_teardown_start id=file tgid=closer a0=live a1=unmapped a2=leaked ret=0" },
	[KT_TEARDOWN_END] = { "teardown_end",
		"kvmmem:kvmmem_teardown_end id=file tgid=closer a0=live a1=unmapped a2=leaked ret=0" },
	[KT_HC_ENTER] = { "hypercall_enter",
		"kvmmem:kvmmem_hypercall_enter id tgid=nr a0 a1 a2 ret=kvm" },
	[KT_HC_EXIT] = { "hypercall_exit",
		"kvmmem:kvmmem_hypercall_exit id tgid=nr a0 a1 a2 ret=kvm" },
	[KT_HOST_HC_ENTER] = { "host_hypercall_enter",
		"kvmmem_hostsim:kvmmem_hostsim_hypercall_enter tgid=nr a0 a1 a2 ret=kvm" },
	[KT_HOST_HC_EXIT] = { "host_hypercall_exit",
		"kvmmem_hostsim:kvmmem_hostsim_hypercall_exit tgid=nr a0 a1 a2 ret=kvm" },
	[KT_HOST_TOKEN] = { "host_token",
		"kvmmem_hostsim:kvmmem_hostsim_token tgid=outstanding ret=errno" },
	[KT_PROC_EXIT] = { "exit",
		"sched:sched_process_exit tgid=process ret=exit_code" },
	[KT_KVM_HC_ENTER] = { "kvm_hypercall_enter",
		"kvm:kvm_exit+kvm:kvm_hypercall id=vcpu_id tgid=nr a0 a1 a2 ret=0" },
	[KT_KVM_HC_EXIT] = { "kvm_hypercall_exit",
		"kvm:kvm_entry id=vcpu_id tgid=nr a0 a1 a2 ret=rax" },
};

const char *kvmmem_trace_kind_name(unsigned int kind)
{
	return kind && kind < KT_NR_KINDS ? kinds[kind].name : NULL;
}

const char *kvmmem_trace_kind_schema(unsigned int kind)
{
	return kind && kind < KT_NR_KINDS ? kinds[kind].schema : NULL;
}

static const struct {
	const char *name;
	uint32_t mask;
} kind_groups[] = {
	{ "map", KT_KIND_BIT(KT_MAP_START) | KT_KIND_BIT(KT_MAP_END) },
	{ "unmap", KT_KIND_BIT(KT_UNMAP_START) | KT_KIND_BIT(KT_UNMAP_END) },
	{ "teardown", KT_KIND_BIT(KT_TEARDOWN_START) | KT_KIND_BIT(KT_TEARDOWN_END) |
		      KT_KIND_BIT(KT_TEARDOWN_UNMAP) },
	{ "leak", KT_KIND_BIT(KT_PAGE_LEAKED) },
	{ "hypercall", KT_KIND_BIT(KT_HC_ENTER) | KT_KIND_BIT(KT_HC_EXIT) },
	{ "host", KT_KIND_BIT(KT_HOST_HC_ENTER) | KT_KIND_BIT(KT_HOST_HC_EXIT) },
	{ "token", KT_KIND_BIT(KT_HOST_TOKEN) },
	{ "kvm", KT_KVM_KINDS },
	{ "all", KT_ALL_KINDS },
	{ "default", KVMMEM_TRACE_DEFAULT_KINDS },
};

int kvmmem_trace_parse_kinds(const char *s, uint32_t *mask)
{
	uint32_t m = 0;
	const char *p = s;
	size_t len, i;
	unsigned int k;
	bool found;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		len = strcspn(p, ",");
		found = false;
		for (i = 0; i < sizeof(kind_groups) / sizeof(kind_groups[0]); i++) {
			if (strlen(kind_groups[i].name) == len &&
			    !strncmp(p, kind_groups[i].name, len)) {
				m |= kind_groups[i].mask;
				found = true;
			}
		}
		for (k = 1; k < KT_NR_KINDS && !found; k++) {
			if (strlen(kinds[k].name) == len && !strncmp(p, kinds[k].name, len)) {
				m |= KT_KIND_BIT(k);
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -EINVAL;
	}
	*mask = m;
	return 0;
}

static bool kind_is_hypercall(unsigned int kind)
{
	return kind == KT_HC_ENTER || kind == KT_HC_EXIT ||
	       kind == KT_HOST_HC_ENTER || kind == KT_HOST_HC_EXIT ||
	       kind == KT_KVM_HC_ENTER || kind == KT_KVM_HC_EXIT;
}

const char *kvmmem_trace_result_name(unsigned int kind, int64_t ret,
				     char buf[32])
{
	const char *name;

	if (!ret)
		return "ok";
	if (ret == KT_RET_UNKNOWN && kind_is_hypercall(kind))
		return "unknown";
	if (ret < 0 && ret >= -4095) {
		if (kind_is_hypercall(kind)) {
			/* KVM codes are errno values, except ENOSYS */
			name = ret == -1000 ? "ENOSYS" : kvmmem_errno_name((int)ret);
			if (name) {
				snprintf(buf, 32, "KVM_%s", name);
				return buf;
			}
		} else {
			name = kvmmem_errno_name((int)ret);
			if (name)
				return name;
		}
	}
	snprintf(buf, 32, "%" PRId64, ret);
	return buf;
}

