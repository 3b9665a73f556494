# SPDX-License-Identifier: GPL-2.0
#
# kvmmem - top-level build.
#
#   make deps      install Debian packages, prepare the guest kernel cache
#   make           modules (kernel/), BPF programs (bpf/), tools and man
#                  pages (build/)
#   make demo      boot the guest VM and run a traced introspection workload
#   make check     deps if needed, build, then every test lane
#   make lint      checkpatch --strict, sparse, W=1 on kernel/, and
#                  checkpatch --strict on the kernel-patch series
#   make kernel-patch  the upstream form: a patch series against
#                  linux-source-6.1 in build/kernel-patch/, made from
#                  kernel/, kernel/upstream/ and docs/abi.md
#   make bench     benchmarks in the guest VM (not tests): mapbench, and
#                  tracing overhead (kvmmem-trace and kvmmem-top vs
#                  trace-cmd vs bpftrace; kvmmem-trace --host vs
#                  trace-cmd on a nested KVM host)
#   make fuzz      libFuzzer on the kvmmem-trace reader (FUZZ_TIME=60 s)
#   make debug-kernel  the KASAN/lockdep/kmemleak/KUnit guest kernel (cached
#                  outside the checkout) and the modules built against it
#   make reliability   long fuzz/kill-storm/fault runs on the debug kernel;
#                  rewrites docs/reliability.md
#   make coverage  gcov modules on the debug kernel, --coverage tools in
#                  build/cov, the unit tests and the VM boots; the merged
#                  report in build/coverage (docs/testing.md)
#   make install   tools, library, headers, man pages, udev rule and
#                  modules under $(DESTDIR)$(PREFIX) (see install:);
#                  make uninstall removes them
#   make deb       the Debian packages (debian/) in build/deb, built from a
#                  copy of the tree, and lintian on them (scripts/deb.sh)
#   make dkms-source   the modules' sources and dkms.conf in
#                  /usr/src/kvmmem-VERSION (docs/install.md)
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
# Man pages: docs/man/NAME.SECTION.scd -> $(OUT)/man/NAME.SECTION (scdoc),
# dated by the last commit (SOURCE_DATE_EPOCH) so that builds repeat.
MAN_PAGES	:= $(notdir $(basename $(wildcard $(TOP)/docs/man/*.scd)))
MAN_DATE	:= $(shell git -C $(TOP) log -1 --format=%ct 2>/dev/null)

.PHONY: all deps modules bpf tools man lint check clean install uninstall \
	install-user install-modules deb dkms-source dkms-source-uninstall \
	bench demo fuzz debug-kernel reliability modules-6.12 kernel-patch coverage

all: modules bpf tools man

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

man: $(addprefix $(OUT)/man/,$(MAN_PAGES))

$(OUT)/man/%: $(TOP)/docs/man/%.scd
	@mkdir -p $(@D)
	$(if $(MAN_DATE),SOURCE_DATE_EPOCH=$(MAN_DATE)) scdoc < $< > $@.tmp
	mv $@.tmp $@

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

kernel-patch:
	$(TOP)/scripts/kernel-patch.sh series

reliability: all
	$(TOP)/selftests/vm/reliability/debug-lane.sh --long \
		--report $(TOP)/docs/reliability.md

coverage: | $(CACHE)/release
	$(TOP)/scripts/coverage.sh

bench: all
	$(MAKE) -C $(TOP)/selftests/bench
	$(TOP)/selftests/vm/vmrun -- $(OUT)/bench/mapbench
	$(TOP)/selftests/vm/trace/bench.sh
	$(TOP)/selftests/vm/vmrun --nested --timeout 1800 -- \
		$(TOP)/selftests/vm/host/bench.sh

# make install [DESTDIR=/staging] [PREFIX=/usr/local] [KDIR=...]: the
# tools, libkvmmem (shared with its soname, and static), its headers and
# libkvmmem.pc, the man pages, the udev rule and sysusers.d group of
# /dev/kvmmem, and the modules (built against KDIR, installed by kbuild
# under /lib/modules/RELEASE/extra, unsigned: the distribution's key is
# not ours; for Secure Boot see docs/install.md). Each directory can be
# overridden.
# udev and systemd-sysusers read only /usr/lib and /etc: under /usr the
# rule and the group go to /usr/lib, under any other prefix to /etc.
# `make uninstall` (same variables) removes exactly what install wrote.
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
MANDIR		?= $(PREFIX)/share/man
ifeq ($(PREFIX),/usr)
UDEVRULESDIR	?= /usr/lib/udev/rules.d
SYSUSERSDIR	?= /usr/lib/sysusers.d
SYSTEMDUNITDIR	?= /usr/lib/systemd/system
else
UDEVRULESDIR	?= /etc/udev/rules.d
SYSUSERSDIR	?= /etc/sysusers.d
SYSTEMDUNITDIR	?= /etc/systemd/system
endif
# the release the modules were built for (their vermagic), as kbuild installs them
KRELEASE	= $(shell tr "\0" "\n" < $(TOP)/kernel/kvmmem.ko 2>/dev/null | sed -n "s/^vermagic=\([^ ]*\).*/\1/p")
MODDIR		= /lib/modules/$(KRELEASE)/extra

include $(TOP)/tools/lib/lib.mk

INST_TOOLS	:= kvmmem-ctl kvmmem-trace kvmmem-top
INST_SO		:= libkvmmem.so.$(KVMMEM_VERSION)
INST_SO_LINKS	:= libkvmmem.so.$(LIBKVMMEM_SOVERSION) libkvmmem.so
INST_HEADERS	:= libkvmmem.h util.h stats.h
INST_UAPI	:= kvmmem.h kvmmem_hostsim.h
INST_MODULES	:= kvmmem.ko kvmmem_hostsim.ko
INST_MAN	:= $(MAN_PAGES)

install: install-user install-modules

# install-user: all of the above but the modules (what the Debian packages
# take: their modules come from DKMS); install-modules: the modules only.
install-user: bpf tools man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/kvmmem \
		$(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(UDEVRULESDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(sort $(foreach m,$(INST_MAN),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))))
	install -m 0755 $(addprefix $(OUT)/,$(INST_TOOLS)) $(DESTDIR)$(BINDIR)/
	install -m 0755 $(OUT)/$(INST_SO) $(DESTDIR)$(LIBDIR)/
	$(foreach l,$(INST_SO_LINKS),ln -sf $(INST_SO) $(DESTDIR)$(LIBDIR)/$(l) &&) true
	install -m 0644 $(OUT)/libkvmmem.a $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(KVMMEM_VERSION)|' \
		$(TOP)/tools/lib/libkvmmem.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libkvmmem.pc
	install -m 0644 $(addprefix $(TOP)/tools/lib/,$(INST_HEADERS)) \
		$(DESTDIR)$(INCLUDEDIR)/kvmmem/
	install -m 0644 $(addprefix $(TOP)/kernel/uapi/linux/,$(INST_UAPI)) \
		$(DESTDIR)$(INCLUDEDIR)/linux/
	$(foreach m,$(INST_MAN),install -m 0644 $(OUT)/man/$(m) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/ &&) true
	install -m 0644 $(TOP)/kernel/60-kvmmem.rules $(DESTDIR)$(UDEVRULESDIR)/
	install -m 0644 $(TOP)/kernel/kvmmem.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/kvmmem.conf
	sed -e 's|/usr/local/bin/|$(BINDIR)/|' \
		$(TOP)/tools/kvmmem-top/prometheus/kvmmem-exporter.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/kvmmem-exporter.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/kvmmem-exporter.service
ifeq ($(DESTDIR),)
	-ldconfig
endif

install-modules: modules
	$(KMAKE) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=extra DEPMOD=true \
		CONFIG_MODULE_SIG_ALL= modules_install
ifeq ($(DESTDIR),)
	-depmod -a $(KRELEASE)
endif

# make dkms-source [DESTDIR=...]: the modules' sources with dkms.conf in
# /usr/src/kvmmem-VERSION, for `dkms add/build/install kvmmem/VERSION`
# (docs/install.md). make dkms-source-uninstall removes them.
DKMS_SRC	= /usr/src/kvmmem-$(KVMMEM_VERSION)
DKMS_FILES	:= Kbuild dkms-btf.sh $(filter-out %.mod.c,$(notdir $(wildcard $(TOP)/kernel/*.[ch])))

dkms-source:
	install -d $(DESTDIR)$(DKMS_SRC)/uapi/linux
	install -m 0644 $(addprefix $(TOP)/kernel/,$(DKMS_FILES)) $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 $(addprefix $(TOP)/kernel/uapi/linux/,$(INST_UAPI)) \
		$(DESTDIR)$(DKMS_SRC)/uapi/linux/
	sed -e 's|#MODULE_VERSION#|$(KVMMEM_VERSION)|' $(TOP)/kernel/dkms.conf.in \
		> $(DESTDIR)$(DKMS_SRC)/dkms.conf

deb:
	$(TOP)/scripts/deb.sh

dkms-source-uninstall:
	rm -rf $(DESTDIR)$(DKMS_SRC)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INST_TOOLS)) \
		$(addprefix $(DESTDIR)$(LIBDIR)/,$(INST_SO) $(INST_SO_LINKS) libkvmmem.a) \
		$(DESTDIR)$(PKGCONFIGDIR)/libkvmmem.pc \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/kvmmem/,$(INST_HEADERS)) \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/linux/,$(INST_UAPI)) \
		$(foreach m,$(INST_MAN),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m)) \
		$(DESTDIR)$(UDEVRULESDIR)/60-kvmmem.rules \
		$(DESTDIR)$(SYSUSERSDIR)/kvmmem.conf \
		$(DESTDIR)$(SYSTEMDUNITDIR)/kvmmem-exporter.service \
		$(addprefix $(DESTDIR)$(MODDIR)/,$(INST_MODULES))
	if [ -d $(DESTDIR)$(INCLUDEDIR)/kvmmem ]; then \
		rmdir $(DESTDIR)$(INCLUDEDIR)/kvmmem; fi
ifeq ($(DESTDIR),)
	-depmod -a $(KRELEASE)
	-ldconfig
endif

clean:
	-[ -d $(KDIR) ] && $(KMAKE) clean
	$(MAKE) -C $(TOP)/tools clean
	rm -rf $(OUT)
