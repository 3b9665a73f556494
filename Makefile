# SPDX-License-Identifier: GPL-2.0
#
# kvmmem - top-level build.
#
#   make deps      install Debian packages, prepare the guest kernel cache
#   make           modules (kernel/), BPF programs (bpf/), tools (build/)
#   make demo      boot the guest VM and run a traced introspection workload
#   make check     deps if needed, build, then every test lane
#   make lint      checkpatch --strict, sparse, W=1 on kernel/
#   make bench     benchmarks in the guest VM (not tests): mapbench, and
#                  tracing overhead (kvmmem-trace and kvmmem-top vs
#                  trace-cmd vs bpftrace; kvmmem-trace --host vs
#                  trace-cmd on a nested KVM host)
#   make fuzz      libFuzzer on the kvmmem-trace reader (FUZZ_TIME=60 s)
#   make debug-kernel  the KASAN/lockdep/kmemleak/KUnit guest kernel (cached
#                  outside the checkout) and the modules built against it
#   make reliability   long fuzz/kill-storm/fault runs on the debug kernel;
#                  rewrites docs/reliability.md
#   make install   tools, library and headers under $(PREFIX)
#   make modules-6.12  the modules built against the second guest kernel
#                  (Debian 12's 6.12 from bookworm-backports), in
#                  build/modules-6.12, for vmrun --kernel 6.12
#
# Everything the guest runs comes from this tree and the build machine's
# root, shared into a QEMU guest by selftests/vm/vmrun.

TOP		:= $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CACHE		?= $(or $(KVMMEM_CACHE),$(TOP)/.cache/guest)
KDIR		?= $(CACHE)/kbuild
CACHE_612	?= $(or $(KVMMEM_CACHE_612),$(TOP)/.cache/guest-6.12)
OUT		?= $(TOP)/build
PREFIX		?= /usr/local

export OUT

KMAKE		= $(MAKE) -C $(KDIR) M=$(TOP)/kernel
KERNEL_SRCS	:= $(wildcard $(TOP)/kernel/*.[ch] $(TOP)/kernel/uapi/linux/*.h)

.PHONY: all deps modules bpf tools lint check clean install bench demo fuzz \
	debug-kernel reliability modules-6.12

all: modules bpf tools

# The guest kernel cache (headers, image, vmlinux, shadow objtree). The
# stamp is the release file deps.sh writes last.
$(CACHE)/release:
	$(TOP)/scripts/deps.sh

deps:
	$(TOP)/scripts/deps.sh

modules: | $(CACHE)/release
	$(KMAKE) W=1 modules

# The same sources, built out of their tree (a copy) so that the 6.1
# objects in kernel/ stay; W=1, and any warning fails the build.
modules-6.12: | $(CACHE_612)/release
	rm -rf $(OUT)/modules-6.12.tmp
	mkdir -p $(OUT)/modules-6.12.tmp/uapi/linux
	cp $(TOP)/kernel/Kbuild $(TOP)/kernel/*.[ch] $(OUT)/modules-6.12.tmp/
	cp $(TOP)/kernel/uapi/linux/*.h $(OUT)/modules-6.12.tmp/uapi/linux/
	$(MAKE) -C $(CACHE_612)/kbuild M=$(OUT)/modules-6.12.tmp W=1 modules \
		2>&1 | tee $(OUT)/modules-6.12.tmp/build.log
	! grep -q 'warning:' $(OUT)/modules-6.12.tmp/build.log
	test -f $(OUT)/modules-6.12.tmp/kvmmem.ko
	rm -rf $(OUT)/modules-6.12
	mv $(OUT)/modules-6.12.tmp $(OUT)/modules-6.12

$(CACHE_612)/release:
	$(TOP)/scripts/deps.sh

bpf:
	$(MAKE) -C $(TOP)/bpf

tools: bpf
	$(MAKE) -C $(TOP)/tools

vmlinux.h: | $(CACHE)/release
	$(TOP)/scripts/gen-vmlinux-h.sh $(CACHE)/vmlinux > $@.tmp && mv $@.tmp $@

lint: | $(CACHE)/release
	$(TOP)/scripts/lint.sh

demo: | $(CACHE)/release
	$(MAKE) -C $(TOP) all
	$(TOP)/scripts/demo.sh

check:
	$(TOP)/scripts/check.sh

fuzz:
	$(MAKE) -C $(TOP)/selftests/fuzz run

debug-kernel:
	$(TOP)/scripts/debug-kernel.sh

reliability: all
	$(TOP)/selftests/vm/reliability/debug-lane.sh --long \
		--report $(TOP)/docs/reliability.md

bench: all
	$(MAKE) -C $(TOP)/selftests/bench
	$(TOP)/selftests/vm/vmrun -- $(OUT)/bench/mapbench
	$(TOP)/selftests/vm/trace/bench.sh
	$(TOP)/selftests/vm/vmrun --nested --timeout 1800 -- \
		$(TOP)/selftests/vm/host/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	install -m 0755 $(OUT)/kvmmem-ctl $(OUT)/kvmmem-top $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(OUT)/libkvmmem.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 $(TOP)/tools/lib/libkvmmem.h $(TOP)/tools/lib/util.h \
		$(TOP)/tools/lib/stats.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 $(TOP)/kernel/uapi/linux/kvmmem.h \
		$(TOP)/kernel/uapi/linux/kvmmem_hostsim.h \
		$(DESTDIR)$(PREFIX)/include/linux/
	$(KMAKE) INSTALL_MOD_PATH=$(DESTDIR) modules_install

clean:
	-[ -d $(KDIR) ] && $(KMAKE) clean
	$(MAKE) -C $(TOP)/tools clean
	rm -rf $(OUT)
