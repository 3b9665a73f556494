/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem_tp.bpf.h - a program of a tracepoint, twice: as tp_btf (needs
 * the BTF of the tracepoint's module; reads its pointer arguments with
 * plain loads) and as raw_tp (needs no BTF). User space loads one of the
 * two sets (kvmmem_bpf_autoload()). Include after the libbpf headers.
 */
#ifndef KVMMEM_TP_BPF_H
#define KVMMEM_TP_BPF_H

#ifndef __maybe_unused
#define __maybe_unused __attribute__((unused))
#endif

/*
 * KVMMEM_TP_PROGS(tp, body, args...): programs <tp>_btf and <tp>_raw of
 * tracepoint @tp, whose arguments are @args (as for BPF_PROG()), both
 * running the statement @body, in which BTF is true in the tp_btf
 * program and false in the raw_tp one (a constant: the other branch is
 * compiled out). @body returns the program's value.
 */
#define KVMMEM_TP_PROGS(tp, body, args...)				\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, args)						\
{									\
	const bool BTF __maybe_unused = true;				\
									\
	body;								\
}									\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, args)						\
{									\
	const bool BTF __maybe_unused = false;				\
									\
	body;								\
}

#endif /* KVMMEM_TP_BPF_H */
