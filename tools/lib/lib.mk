# SPDX-License-Identifier: GPL-2.0
#
# How to build the kvmmem libraries. Included by every Makefile that
# links one, so the lists of sources live in one place:
#
#   include $(ROOT)/tools/lib/lib.mk
#   $(eval $(call libkvmmem_rules,OBJDIR,LIBRARY,CFLAGS))
#   $(eval $(call kvmmem_archive_rules,OBJDIR,LIBRARY,CFLAGS,SOURCES))
#
# libkvmmem_rules builds libkvmmem, the public library (LIBRARY, e.g.
# $(OUT)/libkvmmem.a: what an introspection program links); the second
# form builds any other archive from SOURCES (paths below tools/, e.g.
# $(KVMMEM_TOOLS_SRCS)), objects in OBJDIR compiled with CFLAGS (which
# should include $(KVMMEM_WARN) and $(LIBKVMMEM_INCLUDES)). Each caller
# uses its own OBJDIR and LIBRARY, so several Makefiles may build
# concurrently (make -j) without racing.
#
# The tree, by audience:
#   tools/lib/        libkvmmem: the device API, tokens, strict parsing,
#                     errno names, hexdump, the driver's debugfs stats
#   tools/common/     what the tools share: messages and options (cli),
#                     BPF plumbing, histograms, time and JSON output,
#                     VMM names, a small HTTP server (metrics), stacks'
#                     symbols (libelf, libdw)
#   tools/trace/      recordings: event kinds, file format, writer,
#                     reader, analysis, merge, and the BPF session
#   tools/kvmmem-*/   one directory per tool

LIBKVMMEM_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KVMMEM_TOOLS_DIR := $(abspath $(LIBKVMMEM_DIR)/..)
LIBKVMMEM_ROOT := $(abspath $(LIBKVMMEM_DIR)/../..)

LIBKVMMEM_SRCS := lib/libkvmmem.c lib/stats.c lib/util.c
# bpfutil.c needs libbpf's headers; only the tools that link libbpf call
# it, and static linking pulls in just the objects a program uses.
KVMMEM_COMMON_SRCS := common/array.c common/cli.c common/bpfutil.c \
		      common/caps.c common/hist.c common/json.c common/timefmt.c \
		      common/vmm.c common/httpd.c common/symbolize.c
KVMMEM_TRACE_SRCS := trace/kinds.c trace/format.c trace/writer.c \
		     trace/reader.c trace/analyze.c trace/merge.c trace/print.c \
		     trace/filter.c trace/expand.c trace/stacks.c
# kvmmem-top's model (frames, sorting, outputs, Prometheus series and the
# exporter's loop): unit-tested like a library
KVMMEM_TOP_SRCS := kvmmem-top/top.c kvmmem-top/top_host.c kvmmem-top/prom.c \
		   kvmmem-top/exporter.c
# The shared code of the tools, as one archive (not installed)
KVMMEM_TOOLS_SRCS := $(KVMMEM_COMMON_SRCS) $(KVMMEM_TRACE_SRCS)
# trace/session.c includes the BPF skeletons ($(OUT)/bpf/*.skel.h): only
# tools/Makefile builds it, after bpf/, for the tools that use a session.
KVMMEM_SESSION_SRCS := trace/session.c

LIBKVMMEM_INCLUDES := -I$(LIBKVMMEM_DIR) -I$(KVMMEM_TOOLS_DIR) \
		      -I$(LIBKVMMEM_ROOT)/kernel/uapi -I$(LIBKVMMEM_ROOT)/bpf
KVMMEM_WARN := -std=c11 -Wall -Wextra -Werror

# The one version of kvmmem: the top-level VERSION file. The tools'
# --version (common/cli.c), libkvmmem's file name and libkvmmem.pc take it
# from here; the soname changes only with LIBKVMMEM_SOVERSION, when the
# library's ABI breaks.
KVMMEM_VERSION := $(shell cat $(LIBKVMMEM_ROOT)/VERSION)
LIBKVMMEM_SOVERSION := 0

define kvmmem_archive_rules
$(2): $(addprefix $(1)/,$(4:.c=.o))
	@mkdir -p $$(@D)
	rm -f $$@
	$$(AR) rcs $$@ $$^

$(addprefix $(1)/,$(4:.c=.o)): $(1)/%.o: $(KVMMEM_TOOLS_DIR)/%.c
	@mkdir -p $$(@D)
	$$(CC) $(3) $$(KVMMEM_OBJ_CPPFLAGS) -MMD -MP -c -o $$@ $$<

# --version: rebuilt when VERSION changes
$(filter %/common/cli.o,$(addprefix $(1)/,$(4:.c=.o))): $(LIBKVMMEM_ROOT)/VERSION
$(filter %/common/cli.o,$(addprefix $(1)/,$(4:.c=.o))): \
	KVMMEM_OBJ_CPPFLAGS := -DKVMMEM_VERSION='"$(KVMMEM_VERSION)"'

-include $(addprefix $(1)/,$(4:.c=.d))
endef

define libkvmmem_rules
$(call kvmmem_archive_rules,$(1),$(2),$(3),$(LIBKVMMEM_SRCS))
endef
