/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rel.h - helpers shared by the reliability programs (fuzz, killstorm,
 * faults, test_munmap), which run inside the guest as root with kvmmem and
 * kvmmem_hostsim loaded. Raw ioctls: what is tested is the driver.
 */
#ifndef KVMMEM_REL_H
#define KVMMEM_REL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

#define REL_KVMMEM_DEBUGFS	"/sys/kernel/debug/kvmmem/"
#define REL_HOSTSIM_DEBUGFS	"/sys/kernel/debug/kvmmem_hostsim/"
#define REL_TRACEFS		"/sys/kernel/tracing/"

/* Host error codes of include/uapi/linux/kvm_para.h (and KVMI's). */
#define REL_KVM_ENOSYS		1000
#define REL_KVM_EFAULT		14
#define REL_KVM_EINVAL		22
#define REL_KVM_E2BIG		7
#define REL_KVM_EPERM		1
#define REL_KVM_EOPNOTSUPP	95
#define REL_KVM_EAGAIN		11
#define REL_KVM_EBUSY		16
#define REL_KVM_ENOMEM		12

/* Counters of /sys/kernel/debug/kvmmem/stats and the pin counts of vmstat. */
struct rel_counters {
	long long live;
	long long maps;
	long long unmaps;
	long long teardown_unmaps;
	long long leaked;
	long long errors;
	long long pinned;
	long long teardowns;
	long long map_errors;
	long long unmap_errors;
	long long other_errors;
	long long host_maps;		/* hostsim stats */
	long long host_unmaps;
	long long pins;			/* nr_foll_pin_acquired - released */
	long long files;		/* open files listed in debugfs */
};

/* Read every counter; exits the program (status 2) if one is missing. */
void rel_counters_read(struct rel_counters *c);

/* A counter of the kvmmem stats file by name ("errors_EINVAL"). */
long long rel_stat(const char *key);

/* Write @val to a debugfs/tracefs/proc file; exits on failure. */
void rel_write(const char *path, const char *val);
void rel_write_ll(const char *path, long long val);
long long rel_read_ll(const char *path);

/* The whole of a (small) file, NUL-terminated, malloc()ed; NULL on error. */
char *rel_read_text(const char *path);

/* Ioctls: 0 or the errno. */
int rel_token(int hostsim_fd, struct kvmi_map_mem_token *tok);
int rel_map(int fd, const struct kvmi_map_mem_token *tok, uint64_t gva,
	    uint64_t gpa);
int rel_unmap(int fd, uint64_t gva);

/* A token, waiting for a free slot (tokens expire after 3 s). */
int rel_token_wait(int hostsim_fd, struct kvmi_map_mem_token *tok);

/* splitmix64: the seeded generator of every random choice. */
static inline uint64_t rel_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rel_below(uint64_t *state, uint64_t n)
{
	return n ? rel_rand(state) % n : 0;
}

/* Seed for a sub-stream (a process, a thread) of the run's seed. */
static inline uint64_t rel_substream(uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t s = seed ^ (a * 0x100000001b3ULL) ^ (b << 32);

	return rel_rand(&s);
}

/* Cases that failed so far, counted by rel_check(). */
extern int rel_failures;

/* Print "NAME: ok", or "NAME: FAIL <fmt...>" and count a failure. */
void rel_check(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

double rel_now(void);

/* Tracing of the kvmmem events: enable, clear, read. */
void rel_trace_start(void);
void rel_trace_stop(void);
void rel_trace_clear(void);
/* Whether the trace has an @event line containing every @needle (NULL-ended). */
bool rel_trace_has(const char *event, ...);

#endif /* KVMMEM_REL_H */
