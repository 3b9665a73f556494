// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem - map pages of other VMs into an introspection process
 *
 * An introspection tool running in a dedicated VM obtains a one-time token
 * from the host, mmaps an ordinary page and asks this driver to map a page
 * of another (introspected) VM onto it. The driver pins the page for the
 * life of the mapping and asks the host, through a hypercall, to back it
 * with the remote page. Unmapping, or closing the file, gives the page its
 * own memory back.
 *
 * Based on the KVMI v4 guest driver by Mircea Cirjaliu (Bitdefender, 2017);
 * the ioctl ABI is unchanged. See docs/architecture.md and docs/abi.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cc_platform.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/kvm_para.h>
#include <linux/log2.h>
#include <linux/magic.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <linux/kvmmem.h>

#include "kvmmem.h"

/*
 * The hypercall ABI passes guest-physical addresses in 64-bit registers
 * (kvm_hypercall3() takes unsigned long): a 32-bit kernel would truncate
 * remote GPAs above 4 GiB.
 */
#ifndef CONFIG_X86_64
#error "kvmmem supports x86-64 kernels only"
#endif

/*
 * kvmmem_kunit.ko includes this file for a private copy of the core under
 * test (KVMMEM_KUNIT_BUILD): no tracepoints, exports (kvmmem_kunit.c
 * defines EXPORT_SYMBOL_GPL away), device or module init of its own, so
 * it loads beside kvmmem.ko and shares nothing.
 */
#ifndef KVMMEM_KUNIT_BUILD
#define CREATE_TRACE_POINTS
#endif
#include "kvmmem_trace.h"

static unsigned int max_mappings = 131072;
module_param(max_mappings, uint, 0644);
MODULE_PARM_DESC(max_mappings,
		 "Maximum live mappings per open file; more fail with ENOSPC (default 131072)");

static unsigned int max_leaked_pages = 1024;
module_param(max_leaked_pages, uint, 0644);
MODULE_PARM_DESC(max_leaked_pages,
		 "Pages the host may fail to unmap before MAP fails with EDQUOT (default 1024)");

/* Counters kept per open file and, summed, for the whole module. */
enum kvmmem_ctr {
	KVMMEM_CTR_LIVE,		/* mappings in a file's table */
	KVMMEM_CTR_MAPS,		/* successful MAP ioctls */
	KVMMEM_CTR_UNMAPS,		/* successful UNMAP ioctls */
	KVMMEM_CTR_TEARDOWN_UNMAPS,	/* mappings released by close/exit */
	KVMMEM_CTR_LEAKED,		/* pages the host failed to unmap */
	KVMMEM_CTR_ERRORS,		/* failed ioctls */
	KVMMEM_NR_CTRS
};

static const char * const kvmmem_ctr_names[KVMMEM_NR_CTRS] = {
	[KVMMEM_CTR_LIVE]		= "live_mappings",
	[KVMMEM_CTR_MAPS]		= "maps",
	[KVMMEM_CTR_UNMAPS]		= "unmaps",
	[KVMMEM_CTR_TEARDOWN_UNMAPS]	= "teardown_unmaps",
	[KVMMEM_CTR_LEAKED]		= "leaked_pages",
	[KVMMEM_CTR_ERRORS]		= "errors",
};

struct kvmmem_counters {
	atomic64_t c[KVMMEM_NR_CTRS];
};

/* Error kinds counted module-wide; anything else is "errors_other". */
static const struct {
	int err;
	const char *name;
} kvmmem_errnos[] = {
	{ EINVAL, "EINVAL" }, { EFAULT, "EFAULT" }, { EACCES, "EACCES" },
	{ EEXIST, "EEXIST" }, { ENOENT, "ENOENT" }, { EPERM, "EPERM" },
	{ ENOSPC, "ENOSPC" }, { ENOMEM, "ENOMEM" }, { ENODEV, "ENODEV" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EKEYREJECTED, "EKEYREJECTED" },
	{ EAGAIN, "EAGAIN" }, { EBUSY, "EBUSY" }, { E2BIG, "E2BIG" },
	{ EIO, "EIO" }, { ENOTTY, "ENOTTY" }, { EDQUOT, "EDQUOT" },
	{ EINTR, "EINTR" },
};

#define KVMMEM_ERR_OTHER	ARRAY_SIZE(kvmmem_errnos)

enum kvmmem_op {
	KVMMEM_OP_MAP,
	KVMMEM_OP_UNMAP,
	KVMMEM_OP_OTHER,
	KVMMEM_NR_OPS
};

static const char * const kvmmem_op_names[KVMMEM_NR_OPS] = {
	[KVMMEM_OP_MAP]		= "map",
	[KVMMEM_OP_UNMAP]	= "unmap",
	[KVMMEM_OP_OTHER]	= "other",
};

/**
 * struct kvmmem_file - state of one open /dev/kvmmem
 * @ref:     references: the open file and the anchor file
 * @lock:    serialises MAP, UNMAP and teardown on this file; protects the
 *           content of @maps, @dead and @anchors (the xarray has its own
 *           lock for its nodes)
 * @maps:    live mappings, indexed by gva >> PAGE_SHIFT
 * @token:   where a MAP puts its token for the host to read, under @lock;
 *           zero but while the host handles the MAP
 * @mm:      the address space of the opener (mmgrab()ed); the only one
 *           that may MAP or UNMAP through this file
 * @dead:    torn down, by the last close or because @mm went away (exit,
 *           execve) or its anchor was unmapped: no mapping is left and
 *           none can be made
 * @anchors: anchor VMAs in @mm (1, briefly 2 while mremap moves it)
 * @anchor:  user address of the anchor VMA
 * @ctr:     this file's counters
 * @node:    entry in kvmmem_files
 * @id:      sequence number, shown in debugfs and in teardown events
 * @tgid:    process that opened the file
 * @comm:    its command name
 */
struct kvmmem_file {
	struct kref ref;
	struct mutex lock; /* see @lock above */
	struct xarray maps;
	struct kvmi_map_mem_token *token;
	struct mm_struct *mm;
	bool dead;
	unsigned int anchors;
	unsigned long anchor;
	struct kvmmem_counters ctr;
	struct list_head node;
	u64 id;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
};

/**
 * struct kvmmem_mapping - one remote page mapped over a local page
 * @id:        sequence number, unique for the module's life
 * @gva:       page-aligned user address of the local page
 * @gpa:       remote guest-physical address
 * @pa:        local guest-physical address of @page
 * @page:      the local page, pinned (FOLL_LONGTERM) while mapped
 * @pfn:       page_to_pfn(@page): the key of kvmmem_pages
 * @pfn_node:  entry in kvmmem_pages, while mapped and once leaked
 * @user:      user charged for the page (RLIMIT_MEMLOCK), NULL if the
 *             mapper had CAP_IPC_LOCK or once uncharged
 * @be:        backend that holds the mapping; its module stays pinned
 * @tgid:      process that made the mapping
 * @start_ns:  ktime_get_ns() at map time
 * @host_ret:  for a leaked page, the host's answer to the unmap
 * @leak_node: entry in kvmmem_leaked once leaked
 */
struct kvmmem_mapping {
	u64 id;
	u64 gva;
	u64 gpa;
	phys_addr_t pa;
	struct page *page;
	unsigned long pfn;
	struct rhash_head pfn_node;
	struct user_struct *user;
	const struct kvmmem_backend *be;
	pid_t tgid;
	u64 start_ns;
	long host_ret;
	struct list_head leak_node;
};

static atomic64_t kvmmem_next_mapping_id = ATOMIC64_INIT(0);
static atomic64_t kvmmem_next_file_id = ATOMIC64_INIT(0);

/* Module-wide totals; updated locklessly. */
static struct kvmmem_counters kvmmem_totals;
static atomic64_t kvmmem_teardowns;
static atomic64_t kvmmem_op_errors[KVMMEM_NR_OPS];
static atomic64_t kvmmem_errno_count[ARRAY_SIZE(kvmmem_errnos) + 1];

/* Protects kvmmem_files. */
static DEFINE_MUTEX(kvmmem_files_lock);
static LIST_HEAD(kvmmem_files);

/* Protects kvmmem_leaked: pages the host never gave back, pinned for good. */
static DEFINE_SPINLOCK(kvmmem_leaked_lock);
static LIST_HEAD(kvmmem_leaked);

/*
 * Every page mapped or leaked, by pfn, whatever file or alias it was
 * mapped through: a page is mapped once. Leaked pages stay in it for
 * good. A hash table whose entries are the mappings themselves, so that
 * MAP and UNMAP allocate and free nothing for it (an xarray by pfn, being
 * sparse, allocated a node on most MAPs and freed it through RCU on the
 * UNMAP). Its bucket locks suffice. Entries are only ever looked at under
 * them, never by an RCU lookup, so a mapping taken out may be freed at
 * once.
 */
static struct rhashtable kvmmem_pages;

static const struct rhashtable_params kvmmem_pages_params = {
	.key_len		= sizeof_field(struct kvmmem_mapping, pfn),
	.key_offset		= offsetof(struct kvmmem_mapping, pfn),
	.head_offset		= offsetof(struct kvmmem_mapping, pfn_node),
	.automatic_shrinking	= true,
};

/* Serialises backend registration; protects kvmmem_external. */
static DEFINE_MUTEX(kvmmem_backend_lock);
static const struct kvmmem_backend *kvmmem_external;
/* The backend new mappings use; NULL when there is no host. RCU. */
static const struct kvmmem_backend __rcu *kvmmem_backend;
/* Whether a KVM hypervisor was found at load time. */
static bool kvmmem_kvmi_usable;

static void kvmmem_count(struct kvmmem_file *f, enum kvmmem_ctr ctr, s64 delta)
{
	atomic64_add(delta, &f->ctr.c[ctr]);
	atomic64_add(delta, &kvmmem_totals.c[ctr]);
}

static void kvmmem_count_error(struct kvmmem_file *f, enum kvmmem_op op, int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kvmmem_errnos); i++)
		if (kvmmem_errnos[i].err == -err)
			break;
	atomic64_inc(&kvmmem_errno_count[i]);
	atomic64_inc(&kvmmem_op_errors[op]);
	kvmmem_count(f, KVMMEM_CTR_ERRORS, 1);
}

/**
 * kvmmem_host_errno() - translate a host's hypercall answer to an errno
 * @hc: 0 or a negative KVM error code (include/uapi/linux/kvm_para.h)
 *
 * -KVM_ENOSYS (no KVMI on this host) becomes -EOPNOTSUPP and -KVM_EPERM
 * (token unknown, used or expired) -EKEYREJECTED, so that neither is
 * mistaken for a local error; the codes that are plain errno values keep
 * their meaning; anything else is -EIO.
 *
 * Return: 0 or a negative errno.
 */
int kvmmem_host_errno(long hc)
{
	switch (hc) {
	case 0:
		return 0;
	case -KVM_ENOSYS:
	case -KVM_EOPNOTSUPP:
		return -EOPNOTSUPP;
	case -KVM_EPERM:
		return -EKEYREJECTED;
	case -KVM_EINVAL:
		return -EINVAL;
	case -KVM_EFAULT:
		return -EFAULT;
	case -KVM_E2BIG:
		return -E2BIG;
	case -KVM_EAGAIN:
		return -EAGAIN;
	case -KVM_EBUSY:
		return -EBUSY;
	case -KVM_ENOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* ---------------------------------------------------------------- backends */

static long kvmmem_kvmi_map(phys_addr_t token_gpa, u64 remote_gpa,
			    phys_addr_t local_gpa)
{
	return kvm_hypercall3(KVM_HC_MEM_MAP, token_gpa, remote_gpa, local_gpa);
}

static long kvmmem_kvmi_unmap(phys_addr_t local_gpa)
{
	return kvm_hypercall1(KVM_HC_MEM_UNMAP, local_gpa);
}

/* The real host: KVMI's hypercalls through vmcall/vmmcall. */
static const struct kvmmem_backend kvmmem_kvmi = {
	.name	= "kvmi",
	.owner	= THIS_MODULE,
	.map	= kvmmem_kvmi_map,
	.unmap	= kvmmem_kvmi_unmap,
};

static const struct kvmmem_backend *kvmmem_default_backend(void)
{
	return kvmmem_kvmi_usable ? &kvmmem_kvmi : NULL;
}

static void kvmmem_set_backend(const struct kvmmem_backend *be)
{
	lockdep_assert_held(&kvmmem_backend_lock);

	rcu_assign_pointer(kvmmem_backend, be);
	pr_info("backend: %s\n", be ? be->name : "none");
}

/**
 * kvmmem_backend_register() - make @be the host of new mappings
 * @be: the backend; must stay valid until kvmmem_backend_unregister()
 *
 * Only one external backend (one that replaces the built-in kvmi) can be
 * registered at a time. Mappings made before keep their own backend.
 *
 * Return: 0, or -EBUSY if another backend is registered.
 */
int kvmmem_backend_register(const struct kvmmem_backend *be)
{
	int ret = 0;

	mutex_lock(&kvmmem_backend_lock);
	if (kvmmem_external) {
		ret = -EBUSY;
		goto out;
	}
	kvmmem_external = be;
	kvmmem_set_backend(be);
out:
	mutex_unlock(&kvmmem_backend_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kvmmem_backend_register);

/**
 * kvmmem_backend_unregister() - stop using @be for new mappings
 * @be: a backend registered with kvmmem_backend_register()
 *
 * Called from the backend module's exit: every mapping made through @be
 * holds a reference on its module, so none is left by then.
 */
void kvmmem_backend_unregister(const struct kvmmem_backend *be)
{
	mutex_lock(&kvmmem_backend_lock);
	if (!WARN_ON_ONCE(kvmmem_external != be)) {
		kvmmem_external = NULL;
		kvmmem_set_backend(kvmmem_default_backend());
	}
	mutex_unlock(&kvmmem_backend_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(kvmmem_backend_unregister);

/* Returns the active backend with its module pinned, or NULL. */
static const struct kvmmem_backend *kvmmem_backend_get(void)
{
	const struct kvmmem_backend *be;

	rcu_read_lock();
	be = rcu_dereference(kvmmem_backend);
	if (be && !try_module_get(be->owner))
		be = NULL;
	rcu_read_unlock();
	return be;
}

static void kvmmem_backend_put(const struct kvmmem_backend *be)
{
	module_put(be->owner);
}

static void kvmmem_check_host(const struct kvmmem_backend *be, long hc)
{
	if (hc == -KVM_ENOSYS)
		pr_warn_once("the host (%s backend) does not implement the KVMI memory hypercalls (-KVM_ENOSYS): maps fail with EOPNOTSUPP\n",
			     be->name);
}

/*
 * The slot of an operation's next hypercall in @t, or NULL when the
 * operation is not timed: its end tracepoint was off when it started.
 */
static struct kvmmem_hc_times *kvmmem_hc_times(struct kvmmem_op_times *t,
					       u32 nr, u64 a0, u64 a1, u64 a2)
{
	struct kvmmem_hc_times *h;

	if (!t->start_ns || t->nr_hc >= ARRAY_SIZE(t->hc))
		return NULL;
	h = &t->hc[t->nr_hc++];
	h->nr = nr;
	h->a0 = a0;
	h->a1 = a1;
	h->a2 = a2;
	h->enter_ns = ktime_get_mono_fast_ns();
	return h;
}

static void kvmmem_hc_done(struct kvmmem_hc_times *h, long hc)
{
	if (h) {
		h->exit_ns = ktime_get_mono_fast_ns();
		h->ret = hc;
	}
}

/*
 * Start timing an operation if its end tracepoint @on will want it: all
 * of @t is cleared, then filled as the operation goes. If not, only
 * @t->start_ns is written (0: not timed), and the operation touches
 * nothing else of @t (see kvmmem_hc_times()).
 */
static void kvmmem_op_start(struct kvmmem_op_times *t, bool on)
{
	if (on) {
		memset(t, 0, sizeof(*t));
		t->start_ns = ktime_get_mono_fast_ns();
	} else {
		t->start_ns = 0;
	}
}

/*
 * @t as its end tracepoint may show it; call only when that tracepoint is
 * enabled. An operation that was not timed (the tracepoint was enabled
 * while it ran) left all but @t->start_ns as the stack had it: cleared
 * here, since a program reads all of @t and must never see stale stack.
 * An untraced operation thus clears nothing.
 */
static const struct kvmmem_op_times *kvmmem_op_end(struct kvmmem_op_times *t)
{
	if (!t->start_ns)
		memset(t, 0, sizeof(*t));
	return t;
}

static long kvmmem_hc_map(const struct kvmmem_backend *be, u64 id,
			  phys_addr_t token_gpa, u64 remote_gpa,
			  phys_addr_t local_gpa, struct kvmmem_op_times *t)
{
	struct kvmmem_hc_times *h;
	long hc;

	trace_kvmmem_hypercall_enter(id, KVM_HC_MEM_MAP, token_gpa, remote_gpa,
				     local_gpa, 0);
	h = kvmmem_hc_times(t, KVM_HC_MEM_MAP, token_gpa, remote_gpa, local_gpa);
	hc = be->map(token_gpa, remote_gpa, local_gpa);
	kvmmem_hc_done(h, hc);
	trace_kvmmem_hypercall_exit(id, KVM_HC_MEM_MAP, token_gpa, remote_gpa,
				    local_gpa, hc);
	kvmmem_check_host(be, hc);
	return hc;
}

static long kvmmem_hc_unmap(const struct kvmmem_backend *be, u64 id,
			    phys_addr_t local_gpa, struct kvmmem_op_times *t)
{
	struct kvmmem_hc_times *h;
	long hc;

	trace_kvmmem_hypercall_enter(id, KVM_HC_MEM_UNMAP, local_gpa, 0, 0, 0);
	h = kvmmem_hc_times(t, KVM_HC_MEM_UNMAP, local_gpa, 0, 0);
	hc = be->unmap(local_gpa);
	kvmmem_hc_done(h, hc);
	trace_kvmmem_hypercall_exit(id, KVM_HC_MEM_UNMAP, local_gpa, 0, 0, hc);
	kvmmem_check_host(be, hc);
	return hc;
}

/* ---------------------------------------------------------------- mappings */

/*
 * Charge one pinned page to @f's address space (pinned_vm, VmPin in
 * /proc/PID/status) and, unless the caller has CAP_IPC_LOCK, to the
 * caller's user against RLIMIT_MEMLOCK, as io_uring charges its
 * registered buffers: a per-user count, so that neither forks nor more
 * open files multiply the limit.
 */
static int kvmmem_charge(struct kvmmem_file *f, struct kvmmem_mapping *m)
{
	struct user_struct *user = current_user();
	unsigned long limit, cur, new;

	if (!capable(CAP_IPC_LOCK)) {
		limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		cur = atomic_long_read(&user->locked_vm);
		do {
			new = cur + 1;
			if (new > limit)
				return -ENOMEM;
		} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, new));
		m->user = get_uid(user);
	}
	atomic64_inc(&f->mm->pinned_vm);
	return 0;
}

static void kvmmem_uncharge(struct kvmmem_file *f, struct kvmmem_mapping *m)
{
	atomic64_dec(&f->mm->pinned_vm);
	if (m->user) {
		atomic_long_dec(&m->user->locked_vm);
		free_uid(m->user);
		m->user = NULL;
	}
}

/*
 * Only anonymous memory may be handed to the host: private or shared
 * anonymous mappings, shmem and memfd (tmpfs). A page of a regular file
 * would be written back with another VM's content; a page a driver or
 * BPF inserted (VM_MIXEDMAP, VM_PFNMAP, VM_IO) is kernel memory.
 */
static int kvmmem_check_vma(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return -EINVAL;
	if (!vma_is_anonymous(vma) &&
	    !(vma->vm_file &&
	      file_inode(vma->vm_file)->i_sb->s_magic == TMPFS_MAGIC))
		return -EINVAL;
	if (!(vma->vm_flags & VM_WRITE))
		return -EACCES;
	return 0;
}

/*
 * What differs between the kernels the driver builds against (6.1 and
 * 6.12), as Kbuild finds it in the headers: pin_user_pages() lost its
 * vmas argument in 6.5, and vm_flags became read-only, written through
 * vm_flags_mod(), in 6.3.
 */
static long kvmmem_pin_user_page(unsigned long gva, struct page **page)
{
#ifdef KVMMEM_PIN_WITHOUT_VMAS
	return pin_user_pages(gva, 1, FOLL_WRITE | FOLL_LONGTERM, page);
#else
	return pin_user_pages(gva, 1, FOLL_WRITE | FOLL_LONGTERM, page, NULL);
#endif
}

static void kvmmem_vm_flags_mod(struct vm_area_struct *vma, vm_flags_t set,
				vm_flags_t clear)
{
#ifdef KVMMEM_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/* Pin the writable anonymous user page at @gva for the life of a mapping. */
static int kvmmem_pin(unsigned long gva, struct page **page)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	long pinned;
	int ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, gva);
	ret = vma ? kvmmem_check_vma(vma) : -EFAULT;
	if (!ret) {
		pinned = kvmmem_pin_user_page(gva, page);
		if (pinned != 1)
			ret = pinned < 0 ? pinned : -EFAULT;
	}
	mmap_read_unlock(mm);
	return ret;
}

/*
 * Claim @m's page in kvmmem_pages. Return: 0, -EEXIST if the page is
 * mapped or leaked already, or -ENOMEM if the table could not grow.
 */
static int kvmmem_page_claim(struct kvmmem_mapping *m)
{
	int ret;

	m->pfn = page_to_pfn(m->page);
	ret = rhashtable_lookup_insert_fast(&kvmmem_pages, &m->pfn_node,
					    kvmmem_pages_params);
	/* -E2BIG and -EBUSY are a table that could not grow, as -ENOMEM */
	if (ret && ret != -EEXIST)
		ret = -ENOMEM;
	return ret;
}

static void kvmmem_page_unclaim(struct kvmmem_mapping *m)
{
	WARN_ON_ONCE(rhashtable_remove_fast(&kvmmem_pages, &m->pfn_node,
					    kvmmem_pages_params));
}

/* Keep a page the host did not give back: pinned, listed, never freed. */
static void kvmmem_leak(struct kvmmem_file *f, struct kvmmem_mapping *m,
			long hc)
{
	m->host_ret = hc;
	spin_lock(&kvmmem_leaked_lock);
	list_add_tail(&m->leak_node, &kvmmem_leaked);
	spin_unlock(&kvmmem_leaked_lock);
	kvmmem_count(f, KVMMEM_CTR_LEAKED, 1);
	/*
	 * The record must outlive the file, and the module the record:
	 * the page may still be backed by another VM's memory. Its pfn
	 * stays in kvmmem_pages, so it is never mapped again.
	 */
	__module_get(THIS_MODULE);
	pr_warn_ratelimited("host failed to unmap mapping %llu (error %ld): page kept pinned\n",
			    m->id, hc);
	trace_kvmmem_page_leaked(m->id, m->tgid, m->gva, m->gpa, m->pa,
				 kvmmem_host_errno(hc));
}

/*
 * Ask the host to unmap @m, which is in @f's table, and take it out (the
 * hypercall timed in @t, see kvmmem_hc_times()). On
 * success the page leaves kvmmem_pages, is unpinned and @m freed; on
 * failure @m becomes a leaked page. Either way it is uncharged: a leaked
 * page counts against max_leaked_pages, not against its process, which
 * may be long gone.
 *
 * Return: 0, or -EIO if the host failed and the page is quarantined.
 */
static int kvmmem_release(struct kvmmem_file *f, struct kvmmem_mapping *m,
			  struct kvmmem_op_times *t)
{
	long hc;

	lockdep_assert_held(&f->lock);

	hc = kvmmem_hc_unmap(m->be, m->id, m->pa, t);
	xa_erase(&f->maps, m->gva >> PAGE_SHIFT);
	kvmmem_uncharge(f, m);
	if (hc) {
		kvmmem_leak(f, m, hc);
		return -EIO;
	}
	kvmmem_page_unclaim(m);
	unpin_user_page(m->page);
	kvmmem_backend_put(m->be);
	kfree(m);
	return 0;
}

/*
 * Tear down every mapping of @f, once: at its last close or when its
 * address space goes away, whichever comes first. Needs no mm.
 */
static void kvmmem_teardown(struct kvmmem_file *f)
{
	u64 unmapped = 0, leaked = 0, live;
	u32 tgid = current->tgid;
	struct kvmmem_mapping *m;
	unsigned long index;

	lockdep_assert_held(&f->lock);

	if (f->dead)
		return;
	f->dead = true;

	live = atomic64_read(&f->ctr.c[KVMMEM_CTR_LIVE]);
	trace_kvmmem_teardown_start(f->id, tgid, live, 0, 0);
	xa_for_each(&f->maps, index, m) {
		u64 id = m->id, gva = m->gva, gpa = m->gpa, pa = m->pa;
		struct kvmmem_op_times t;
		u32 owner = m->tgid;
		int ret;

		kvmmem_op_start(&t, trace_kvmmem_teardown_unmap_enabled());
		kvmmem_count(f, KVMMEM_CTR_LIVE, -1);
		ret = kvmmem_release(f, m, &t);
		if (trace_kvmmem_teardown_unmap_enabled())
			trace_kvmmem_teardown_unmap(id, owner, gva, gpa, pa, ret,
						    kvmmem_op_end(&t));
		if (ret)
			leaked++;
		else
			unmapped++;
		cond_resched();
	}
	trace_kvmmem_teardown_end(f->id, tgid, live, unmapped, leaked);
	kvmmem_count(f, KVMMEM_CTR_TEARDOWN_UNMAPS, unmapped);
}

static int kvmmem_map(struct kvmmem_file *f, const struct kvmi_mem_map *req,
		      u64 id, u64 *pa, struct kvmmem_op_times *t)
{
	const struct kvmmem_backend *be;
	struct kvmmem_mapping *m;
	unsigned long index;
	long hc;
	int ret;

	if (!PAGE_ALIGNED(req->gva) || !PAGE_ALIGNED(req->gpa))
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(req->gva), PAGE_SIZE))
		return -EINVAL;
	if (atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_LEAKED]) >=
	    READ_ONCE(max_leaked_pages))
		return -EDQUOT;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;

	ret = kvmmem_charge(f, m);
	if (ret)
		goto err_free;
	ret = kvmmem_pin(req->gva, &m->page);
	if (ret)
		goto err_uncharge;
	m->pa = page_to_phys(m->page);
	*pa = m->pa;

	be = kvmmem_backend_get();
	if (!be) {
		ret = -ENODEV;
		goto err_unpin;
	}

	m->id = id;
	m->gva = req->gva;
	m->gpa = req->gpa;
	m->be = be;
	m->tgid = current->tgid;
	index = req->gva >> PAGE_SHIFT;

	if (mutex_lock_killable(&f->lock)) {
		ret = -EINTR;
		goto err_put;
	}
	if (f->dead) {
		ret = -EIO;
		goto err_unlock;
	}
	if (atomic64_read(&f->ctr.c[KVMMEM_CTR_LIVE]) >= READ_ONCE(max_mappings)) {
		ret = -ENOSPC;
		goto err_unlock;
	}
	ret = xa_insert(&f->maps, index, m, GFP_KERNEL_ACCOUNT);
	if (ret) {
		if (ret == -EBUSY)
			ret = -EEXIST;
		goto err_unlock;
	}
	/* One page, one mapping: through any file, at any alias. */
	ret = kvmmem_page_claim(m);
	if (ret)
		goto err_erase;

	/*
	 * The host reads the token by guest-physical address, like
	 * kvm_read_guest(): hand it the file's copy in the direct map
	 * (kvmmem_open()), wiped as soon as the host has answered.
	 */
	*f->token = req->token;
	m->start_ns = ktime_get_ns();
	hc = kvmmem_hc_map(be, id, virt_to_phys(f->token), req->gpa, m->pa, t);
	memzero_explicit(f->token, sizeof(*f->token));
	ret = kvmmem_host_errno(hc);
	if (ret == -EIO) {
		/*
		 * An answer we do not know: the host may have mapped the
		 * page. Unmap it; if the host refuses, the page is
		 * quarantined like any page the host did not give back.
		 */
		kvmmem_release(f, m, t);
		mutex_unlock(&f->lock);
		return -EIO;
	}
	if (ret)
		goto err_erase_page;

	kvmmem_count(f, KVMMEM_CTR_LIVE, 1);
	kvmmem_count(f, KVMMEM_CTR_MAPS, 1);
	mutex_unlock(&f->lock);
	return 0;

err_erase_page:
	kvmmem_page_unclaim(m);
err_erase:
	xa_erase(&f->maps, index);
err_unlock:
	mutex_unlock(&f->lock);
err_put:
	kvmmem_backend_put(be);
err_unpin:
	unpin_user_page(m->page);
err_uncharge:
	kvmmem_uncharge(f, m);
err_free:
	kfree(m);
	return ret;
}

static long kvmmem_ioctl_map(struct kvmmem_file *f,
			     struct kvmi_mem_map __user *argp)
{
	u32 tgid = current->tgid;
	struct kvmmem_op_times t;
	struct kvmi_mem_map req;
	u64 pa = 0;
	u64 id = 0;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req))) {
		memset(&req, 0, sizeof(req));
		kvmmem_op_start(&t, trace_kvmmem_map_end_enabled());
		trace_kvmmem_map_start(id, tgid, 0, 0, 0, 0);
		ret = -EFAULT;
	} else {
		id = atomic64_inc_return(&kvmmem_next_mapping_id);
		kvmmem_op_start(&t, trace_kvmmem_map_end_enabled());
		trace_kvmmem_map_start(id, tgid, req.gva, req.gpa, 0, 0);
		ret = kvmmem_map(f, &req, id, &pa, &t);
	}
	if (trace_kvmmem_map_end_enabled())
		trace_kvmmem_map_end(id, tgid, req.gva, req.gpa, pa, ret,
				     kvmmem_op_end(&t));
	memzero_explicit(&req.token, sizeof(req.token));
	if (ret)
		kvmmem_count_error(f, KVMMEM_OP_MAP, ret);
	return ret;
}

static long kvmmem_ioctl_unmap(struct kvmmem_file *f, unsigned long gva)
{
	u32 tgid = current->tgid;
	struct kvmmem_mapping *m = NULL;
	u64 id = 0, gpa = 0, pa = 0;
	struct kvmmem_op_times t;
	int ret;

	if (mutex_lock_killable(&f->lock)) {
		ret = -EINTR;
		goto out;
	}
	if (PAGE_ALIGNED(gva))
		m = xa_load(&f->maps, gva >> PAGE_SHIFT);
	if (m) {
		id = m->id;
		gpa = m->gpa;
		pa = m->pa;
	}
	kvmmem_op_start(&t, trace_kvmmem_unmap_end_enabled());
	trace_kvmmem_unmap_start(id, tgid, gva, gpa, pa, 0);
	if (!PAGE_ALIGNED(gva)) {
		ret = -EINVAL;
	} else if (!m) {
		ret = -ENOENT;
	} else {
		kvmmem_count(f, KVMMEM_CTR_LIVE, -1);
		ret = kvmmem_release(f, m, &t);
	}
	mutex_unlock(&f->lock);
	if (trace_kvmmem_unmap_end_enabled())
		trace_kvmmem_unmap_end(id, tgid, gva, gpa, pa, ret,
				       kvmmem_op_end(&t));
out:
	if (ret)
		kvmmem_count_error(f, KVMMEM_OP_UNMAP, ret);
	else
		kvmmem_count(f, KVMMEM_CTR_UNMAPS, 1);
	return ret;
}

/* ------------------------------------------------------------------ anchor */

/*
 * A file's mappings die with the address space that made them, whoever
 * still holds the file (a helper that inherited it, a process it was
 * passed to). Each file puts an anchor in its opener's address space: a
 * one-page PROT_NONE mapping of an anonymous-inode file ("[kvmmem]" in
 * /proc/PID/maps), not copied on fork, that nothing can fault in. When
 * the address space goes (exit, kill -9, execve) or the anchor is
 * unmapped, its close tears the file's mappings down, as an mmu
 * notifier's release would; an mmu notifier is not used because
 * CONFIG_MMU_NOTIFIER cannot be selected by a module and is absent from
 * small kernels (the debug guest kernel among them).
 */
static void kvmmem_file_free(struct kref *ref)
{
	struct kvmmem_file *f = container_of(ref, struct kvmmem_file, ref);

	mmdrop(f->mm);
	xa_destroy(&f->maps);
	mutex_destroy(&f->lock);
	kfree_sensitive(f->token);
	kfree(f);
}

static void kvmmem_file_put(struct kvmmem_file *f)
{
	kref_put(&f->ref, kvmmem_file_free);
}

static void kvmmem_anchor_open(struct vm_area_struct *vma)
{
	struct kvmmem_file *f = vma->vm_private_data;

	mutex_lock(&f->lock);
	f->anchors++;
	mutex_unlock(&f->lock);
}

static void kvmmem_anchor_close(struct vm_area_struct *vma)
{
	struct kvmmem_file *f = vma->vm_private_data;

	mutex_lock(&f->lock);
	if (!WARN_ON_ONCE(!f->anchors) && !--f->anchors)
		kvmmem_teardown(f);
	mutex_unlock(&f->lock);
}

static vm_fault_t kvmmem_anchor_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct kvmmem_anchor_vm_ops = {
	.open	= kvmmem_anchor_open,
	.close	= kvmmem_anchor_close,
	.fault	= kvmmem_anchor_fault,
};

static int kvmmem_anchor_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kvmmem_file *f = file->private_data;

	/* Only kvmmem_open() maps it, once, before the file is installed. */
	if (vma_pages(vma) != 1 || (vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return -EINVAL;
	kvmmem_vm_flags_mod(vma, VM_IO | VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP,
			    VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC);
	vma->vm_ops = &kvmmem_anchor_vm_ops;
	vma->vm_private_data = f;
	kvmmem_anchor_open(vma);
	return 0;
}

static int kvmmem_anchor_release(struct inode *inode, struct file *file)
{
	kvmmem_file_put(file->private_data);
	return 0;
}

static const struct file_operations kvmmem_anchor_fops = {
	.owner		= THIS_MODULE,
	.mmap		= kvmmem_anchor_mmap,
	.release	= kvmmem_anchor_release,
	.llseek		= noop_llseek,
};

/* Put @f's anchor into the caller's address space. */
static int kvmmem_anchor(struct kvmmem_file *f)
{
	struct file *anchor;
	unsigned long addr;

	kref_get(&f->ref);
	anchor = anon_inode_getfile("[kvmmem]", &kvmmem_anchor_fops, f, O_RDONLY);
	if (IS_ERR(anchor)) {
		kvmmem_file_put(f);
		return PTR_ERR(anchor);
	}
	addr = vm_mmap(anchor, 0, PAGE_SIZE, PROT_NONE, MAP_SHARED, 0);
	/* The mapping holds its own reference; the last fput() puts @f. */
	fput(anchor);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	f->anchor = addr;
	return 0;
}

/* -------------------------------------------------------------------- file */

static int kvmmem_open(struct inode *inode, struct file *file)
{
	struct kvmmem_file *f;
	int ret;

	/* The file belongs to an address space: a kernel thread has none. */
	if (!current->mm)
		return -EINVAL;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	/*
	 * Allocated once for all the file's MAPs. kmalloc() aligns
	 * power-of-two sizes naturally, so the host's copy of a token
	 * never crosses a page boundary.
	 */
	BUILD_BUG_ON(!is_power_of_2(sizeof(*f->token)));
	f->token = kzalloc(sizeof(*f->token), GFP_KERNEL_ACCOUNT);
	if (!f->token) {
		kfree(f);
		return -ENOMEM;
	}

	kref_init(&f->ref);
	mutex_init(&f->lock);
	xa_init(&f->maps);
	f->mm = current->mm;
	mmgrab(f->mm);
	f->id = atomic64_inc_return(&kvmmem_next_file_id);
	f->tgid = current->tgid;
	get_task_comm(f->comm, current);

	ret = kvmmem_anchor(f);
	if (ret)
		goto err_put;

	mutex_lock(&kvmmem_files_lock);
	list_add_tail(&f->node, &kvmmem_files);
	mutex_unlock(&kvmmem_files_lock);

	file->private_data = f;
	return nonseekable_open(inode, file);

err_put:
	kvmmem_file_put(f);
	return ret;
}

static long kvmmem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kvmmem_file *f = file->private_data;

	switch (cmd) {
	case KVM_INTRO_MEM_MAP:
	case KVM_INTRO_MEM_UNMAP:
		break;
	default:
		kvmmem_count_error(f, KVMMEM_OP_OTHER, -ENOTTY);
		return -ENOTTY;
	}
	/* Only the address space that opened the file may use it. */
	if (current->mm != f->mm) {
		kvmmem_count_error(f, cmd == KVM_INTRO_MEM_MAP ? KVMMEM_OP_MAP :
				   KVMMEM_OP_UNMAP, -EPERM);
		return -EPERM;
	}
	if (cmd == KVM_INTRO_MEM_MAP)
		return kvmmem_ioctl_map(f, (struct kvmi_mem_map __user *)arg);
	return kvmmem_ioctl_unmap(f, arg);
}

#if defined(CONFIG_COMPAT) && !defined(KVMMEM_KUNIT_BUILD)
/*
 * The seed's UNMAP number encodes sizeof(unsigned long): 4 for a 32-bit
 * process. Its argument is the gva itself, not a pointer. MAP's argument
 * is the same 48 bytes for both ABIs.
 */
#define KVM_INTRO_MEM_UNMAP32	_IOW('i', 0x02, compat_ulong_t)

static long kvmmem_compat_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	switch (cmd) {
	case KVM_INTRO_MEM_UNMAP32:
		return kvmmem_ioctl(file, KVM_INTRO_MEM_UNMAP, arg);
	default:
		return kvmmem_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
	}
}
#else
#define kvmmem_compat_ioctl	NULL
#endif

/*
 * Last close of the file, possibly from the exit of its process (whose mm
 * is gone by then): unmap everything still mapped through it.
 */
static int kvmmem_release_file(struct inode *inode, struct file *file)
{
	struct kvmmem_file *f = file->private_data;

	mutex_lock(&kvmmem_files_lock);
	list_del(&f->node);
	mutex_unlock(&kvmmem_files_lock);

	mutex_lock(&f->lock);
	kvmmem_teardown(f);
	mutex_unlock(&f->lock);
	atomic64_inc(&kvmmem_teardowns);

	/* The anchor, if its mm still lives, puts the last reference. */
	kvmmem_file_put(f);
	return 0;
}

#ifndef KVMMEM_KUNIT_BUILD
static const struct file_operations kvmmem_fops = {
	.owner		= THIS_MODULE,
	.open		= kvmmem_open,
	.release	= kvmmem_release_file,
	.unlocked_ioctl	= kvmmem_ioctl,
	.compat_ioctl	= kvmmem_compat_ioctl,
};

static ssize_t backend_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	const struct kvmmem_backend *be;
	ssize_t len;

	rcu_read_lock();
	be = rcu_dereference(kvmmem_backend);
	len = sysfs_emit(buf, "%s\n", be ? be->name : "none");
	rcu_read_unlock();
	return len;
}
static DEVICE_ATTR_RO(backend);

static struct attribute *kvmmem_attrs[] = {
	&dev_attr_backend.attr,
	NULL
};

static const struct attribute_group kvmmem_group = {
	.attrs	= kvmmem_attrs,
};

/*
 * The module-wide counters, one read-only file each in
 * /sys/class/misc/kvmmem/stats/, named as the keys of debugfs stats, which
 * prints this very table: they are there without debugfs and under
 * lockdown. Mode 0444, as /sys/class/net/<dev>/statistics/: they are
 * counts, no address, pid, name or content (the per-file and leaked lists,
 * which have those, stay in debugfs, 0400), and /sys/module/<mod>/refcnt
 * shows most of it already: open files and leaked pages pin kvmmem, live
 * mappings their backend's module.
 */
struct kvmmem_stat_attr {
	struct device_attribute	dattr;
	const atomic64_t	*ctr;	/* NULL: pinned_pages, live + leaked */
	char			name[24];
};

#define KVMMEM_NR_STATS	(KVMMEM_NR_CTRS + 2 + KVMMEM_NR_OPS + KVMMEM_ERR_OTHER + 1)

static struct kvmmem_stat_attr kvmmem_stat_attrs[KVMMEM_NR_STATS];
static struct attribute *kvmmem_stat_attr_ptrs[KVMMEM_NR_STATS + 1];

static s64 kvmmem_stat_value(const struct kvmmem_stat_attr *sa)
{
	if (!sa->ctr)
		return atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_LIVE]) +
		       atomic64_read(&kvmmem_totals.c[KVMMEM_CTR_LEAKED]);
	return atomic64_read(sa->ctr);
}

static ssize_t kvmmem_stat_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	const struct kvmmem_stat_attr *sa =
		container_of(attr, struct kvmmem_stat_attr, dattr);

	return sysfs_emit(buf, "%lld\n", kvmmem_stat_value(sa));
}

static __printf(3, 4) void kvmmem_stat_add(unsigned int *n,
					   const atomic64_t *ctr,
					   const char *fmt, ...)
{
	struct kvmmem_stat_attr *sa = &kvmmem_stat_attrs[*n];
	va_list args;
	int len;

	va_start(args, fmt);
	len = vsnprintf(sa->name, sizeof(sa->name), fmt, args);
	va_end(args);
	WARN_ON_ONCE(len >= (int)sizeof(sa->name));

	sysfs_attr_init(&sa->dattr.attr);
	sa->dattr.attr.name = sa->name;
	sa->dattr.attr.mode = 0444;
	sa->dattr.show = kvmmem_stat_show;
	sa->ctr = ctr;
	kvmmem_stat_attr_ptrs[(*n)++] = &sa->dattr.attr;
}

/* Fills the stats table, in the order of debugfs stats. */
static void kvmmem_stats_init(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < KVMMEM_NR_CTRS; i++)
		kvmmem_stat_add(&n, &kvmmem_totals.c[i], "%s",
				kvmmem_ctr_names[i]);
	kvmmem_stat_add(&n, NULL, "pinned_pages");
	kvmmem_stat_add(&n, &kvmmem_teardowns, "teardowns");
	for (i = 0; i < KVMMEM_NR_OPS; i++)
		kvmmem_stat_add(&n, &kvmmem_op_errors[i], "%s_errors",
				kvmmem_op_names[i]);
	for (i = 0; i < ARRAY_SIZE(kvmmem_errnos); i++)
		kvmmem_stat_add(&n, &kvmmem_errno_count[i], "errors_%s",
				kvmmem_errnos[i].name);
	kvmmem_stat_add(&n, &kvmmem_errno_count[KVMMEM_ERR_OTHER],
			"errors_other");
	WARN_ON_ONCE(n != KVMMEM_NR_STATS);
}

static const struct attribute_group kvmmem_stats_group = {
	.name	= "stats",
	.attrs	= kvmmem_stat_attr_ptrs,
};

static const struct attribute_group *kvmmem_groups[] = {
	&kvmmem_group,
	&kvmmem_stats_group,
	NULL
};

static struct miscdevice kvmmem_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "kvmmem",
	.fops	= &kvmmem_fops,
	.mode	= 0600,
	.groups	= kvmmem_groups,
};

/* ----------------------------------------------------------------- debugfs */

static struct dentry *kvmmem_debugfs;

/* The backend, then the table of /sys/class/misc/kvmmem/stats/. */
static int kvmmem_stats_show(struct seq_file *s, void *unused)
{
	const struct kvmmem_backend *be;
	unsigned int i;

	rcu_read_lock();
	be = rcu_dereference(kvmmem_backend);
	seq_printf(s, "backend %s\n", be ? be->name : "none");
	rcu_read_unlock();

	for (i = 0; i < KVMMEM_NR_STATS; i++)
		seq_printf(s, "%s %lld\n", kvmmem_stat_attrs[i].name,
			   kvmmem_stat_value(&kvmmem_stat_attrs[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kvmmem_stats);

static int kvmmem_files_show(struct seq_file *s, void *unused)
{
	struct kvmmem_file *f;
	unsigned int i;

	seq_puts(s, "file tgid comm");
	for (i = 0; i < KVMMEM_NR_CTRS; i++)
		seq_printf(s, " %s", kvmmem_ctr_names[i]);
	seq_puts(s, " pinned_pages\n");

	mutex_lock(&kvmmem_files_lock);
	list_for_each_entry(f, &kvmmem_files, node) {
		seq_printf(s, "%llu %d %s", f->id, f->tgid, f->comm);
		for (i = 0; i < KVMMEM_NR_CTRS; i++)
			seq_printf(s, " %lld", atomic64_read(&f->ctr.c[i]));
		seq_printf(s, " %lld\n",
			   atomic64_read(&f->ctr.c[KVMMEM_CTR_LIVE]) +
			   atomic64_read(&f->ctr.c[KVMMEM_CTR_LEAKED]));
	}
	mutex_unlock(&kvmmem_files_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kvmmem_files);

static int kvmmem_leaked_show(struct seq_file *s, void *unused)
{
	struct kvmmem_mapping *m;
	u64 now = ktime_get_ns();

	seq_puts(s, "id tgid gva gpa pa host_error age_ms\n");
	spin_lock(&kvmmem_leaked_lock);
	list_for_each_entry(m, &kvmmem_leaked, leak_node)
		seq_printf(s, "%llu %d 0x%llx 0x%llx 0x%llx %ld %llu\n",
			   m->id, m->tgid, m->gva, m->gpa, (u64)m->pa,
			   m->host_ret, div_u64(now - m->start_ns, NSEC_PER_MSEC));
	spin_unlock(&kvmmem_leaked_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kvmmem_leaked);

static void kvmmem_debugfs_init(void)
{
	kvmmem_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0400, kvmmem_debugfs, NULL,
			    &kvmmem_stats_fops);
	debugfs_create_file("files", 0400, kvmmem_debugfs, NULL,
			    &kvmmem_files_fops);
	debugfs_create_file("leaked", 0400, kvmmem_debugfs, NULL,
			    &kvmmem_leaked_fops);
}

/* ------------------------------------------------------------------ module */

static int __init kvmmem_init(void)
{
	int ret;

	ret = rhashtable_init(&kvmmem_pages, &kvmmem_pages_params);
	if (ret)
		return ret;

	kvmmem_kvmi_usable = kvm_para_available();
	if (!kvmmem_kvmi_usable) {
		pr_info("no KVM hypervisor: kvmi backend unavailable, maps fail with ENODEV until a backend (kvmmem_hostsim) registers\n");
	} else if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		/* SEV, SNP, TDX: the host cannot read the token or the page by GPA. */
		pr_info("confidential guest (encrypted memory): kvmi backend refused, maps fail with ENODEV\n");
		kvmmem_kvmi_usable = false;
	}

	mutex_lock(&kvmmem_backend_lock);
	kvmmem_set_backend(kvmmem_default_backend());
	mutex_unlock(&kvmmem_backend_lock);

	kvmmem_stats_init();
	kvmmem_debugfs_init();
	ret = misc_register(&kvmmem_misc);
	if (ret)
		goto err_debugfs;
	return 0;

err_debugfs:
	debugfs_remove_recursive(kvmmem_debugfs);
	rhashtable_destroy(&kvmmem_pages);
	return ret;
}

static void __exit kvmmem_exit(void)
{
	misc_deregister(&kvmmem_misc);
	/* Every mapping and leaked page pins the module: none is left. */
	WARN_ON_ONCE(atomic_read(&kvmmem_pages.nelems));
	rhashtable_destroy(&kvmmem_pages);
	debugfs_remove_recursive(kvmmem_debugfs);
}

module_init(kvmmem_init);
module_exit(kvmmem_exit);

MODULE_DESCRIPTION("Map pages of other VMs into an introspection process (KVMI guest driver)");
MODULE_AUTHOR("kvmmem developers");
MODULE_LICENSE("GPL");
#endif /* !KVMMEM_KUNIT_BUILD */
