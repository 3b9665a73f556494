// SPDX-License-Identifier: GPL-2.0
/*
 * kinds.c - the event kinds: names, schemas, groups, results (see kinds.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm_para.h>	/* KVM_ENOSYS */

#include "trace/kinds.h"
#include "util.h"

/* kvmmem_kinds.h's module column: the module's name, NULL for the kernel */
#define KT_MODULE_kvmmem		"kvmmem"
#define KT_MODULE_kvmmem_hostsim	"kvmmem_hostsim"
#define KT_MODULE_vmlinux		NULL
#define KT_MODULE_kvm			NULL
#define KT_HOST_kvmmem			false
#define KT_HOST_kvmmem_hostsim		false
#define KT_HOST_vmlinux			false
#define KT_HOST_kvm			true

/* the perfetto column, (role, category, name) */
#define KT_PF(role, cat, name)	.pf_role = KT_PF_##role, .pf_cat = cat, .pf_name = name

#define KT_ROW(kind, nr, kname, kshape, kgroup, kmodule, ktp, perfetto, kschema) \
	[KT_##kind] = {							\
		.name = #kname,						\
		.schema = kschema,					\
		.group = #kgroup,					\
		.shape = KT_SHAPE_##kshape,				\
		.tp = #ktp,						\
		.module = KT_MODULE_##kmodule,				\
		.host = KT_HOST_##kmodule,				\
		KT_PF perfetto,						\
	},

static const struct kvmmem_trace_kind kinds[KT_NR_KINDS] = {
	KT_KINDS(KT_ROW)
};

/* Numbers 1, 2, ... without a gap: as many rows as KT_NR_KINDS - 1. */
#define KT_COUNT(kind, ...)	+ 1
_Static_assert(0 KT_KINDS(KT_COUNT) == KT_NR_KINDS - 1,
	       "KT_KINDS() numbers its kinds 1, 2, ... without a gap");

const struct kvmmem_trace_kind *kvmmem_trace_kind(unsigned int kind)
{
	return kind && kind < KT_NR_KINDS ? &kinds[kind] : NULL;
}

bool kvmmem_trace_kind_is_hypercall(unsigned int kind)
{
	const struct kvmmem_trace_kind *k = kvmmem_trace_kind(kind);

	return k && (k->shape == KT_SHAPE_HC || k->shape == KT_SHAPE_HOST_HC ||
		     k->shape == KT_SHAPE_KVM_HC);
}

const char *kvmmem_trace_kind_name(unsigned int kind)
{
	const struct kvmmem_trace_kind *k = kvmmem_trace_kind(kind);

	return k ? k->name : NULL;
}

const char *kvmmem_trace_kind_schema(unsigned int kind)
{
	const struct kvmmem_trace_kind *k = kvmmem_trace_kind(kind);

	return k ? k->schema : NULL;
}

/* The kinds named @len bytes of @p: a group, "all", "default" or a kind. */
static uint32_t kinds_named(const char *p, size_t len)
{
	uint32_t m = 0;
	unsigned int k;

#define IS(name)	(strlen(name) == len && !strncmp(p, name, len))
	if (IS("all"))
		return KT_ALL_KINDS;
	if (IS("default"))
		return KVMMEM_TRACE_DEFAULT_KINDS;
	for (k = 1; k < KT_NR_KINDS; k++)
		if (IS(kinds[k].group) || IS(kinds[k].name))
			m |= KT_KIND_BIT(k);
#undef IS
	return m;
}

int kvmmem_trace_parse_kinds(const char *s, uint32_t *mask)
{
	uint32_t m = 0, one;
	const char *p = s;
	size_t len;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		len = strcspn(p, ",");
		one = kinds_named(p, len);
		if (!one)
			return -EINVAL;
		m |= one;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -EINVAL;
	}
	*mask = m;
	return 0;
}

const char *kvmmem_trace_result_name(unsigned int kind, int64_t ret,
				     char buf[32])
{
	const char *name;

	if (!ret)
		return "ok";
	if (ret == KT_RET_UNKNOWN && kvmmem_trace_kind_is_hypercall(kind))
		return "unknown";
	if (ret < 0 && ret >= -4095) {
		if (kvmmem_trace_kind_is_hypercall(kind)) {
			/* KVM codes are errno values, except ENOSYS */
			name = ret == -KVM_ENOSYS ? "ENOSYS" :
						 kvmmem_errno_name((int)ret);
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

