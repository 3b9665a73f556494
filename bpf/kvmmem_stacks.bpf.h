/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem_stacks.bpf.h - the stacks of a MAP's caller, as both tools take
 * them: kvmmem_trace.bpf.c (record --stacks) and kvmmem_top.bpf.c
 * (kvmmem-top --stacks). Include after vmlinux.h and the libbpf headers.
 *
 * The MAP tracepoint runs in the caller's ioctl, so a user stack taken
 * there is the MAP caller's. Each tool declares its stack map with
 * KVMMEM_STACK_MAP() (user space sizes it: one entry of one frame without
 * --stacks, as deep as kernel.perf_event_max_stack allows with it) and
 * guards the take with a const volatile flag, so that the verifier prunes
 * it when --stacks is off.
 */
#ifndef KVMMEM_STACKS_BPF_H
#define KVMMEM_STACKS_BPF_H

/* A stack id that could not be taken (bpf_get_stackid() failed). */
#define KVMMEM_NO_STACK		(-1)

/*
 * KVMMEM_STACK_MAP(name, depth): a stack map of 4096 stacks of @depth
 * frames; user space resizes both before load.
 */
#define KVMMEM_STACK_MAP(name, depth)					\
struct {								\
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);				\
	__uint(max_entries, 4096);					\
	__uint(key_size, sizeof(__u32));				\
	__uint(value_size, (depth) * sizeof(__u64));			\
} name SEC(".maps")

/**
 * kvmmem_stack_take() - the current stack into a stack map
 * @ctx:     the program's context
 * @map:     a KVMMEM_STACK_MAP()
 * @flags:   BPF_F_USER_STACK for the user stack, 0 for the kernel's
 * @failed:  set when the stack could not be taken (the map is full, or
 *           a hash collision: a bucket holding another stack is never
 *           overwritten, a live mapping may refer to it); the caller
 *           counts it, never silently
 *
 * Return: the stack's id, or KVMMEM_NO_STACK.
 */
static __always_inline __s32 kvmmem_stack_take(void *ctx, void *map,
					       __u64 flags, bool *failed)
{
	long id = bpf_get_stackid(ctx, map, flags);

	if (id < 0) {
		*failed = true;
		return KVMMEM_NO_STACK;
	}
	return (__s32)id;
}

#endif /* KVMMEM_STACKS_BPF_H */
