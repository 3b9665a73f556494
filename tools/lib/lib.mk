# SPDX-License-Identifier: GPL-2.0
#
# How to build libkvmmem. Included by every Makefile that links it, so the
# list of sources lives in one place:
#
#   include $(ROOT)/tools/lib/lib.mk
#   $(eval $(call libkvmmem_rules,OBJDIR,LIBRARY,CFLAGS))
#
# builds the static library LIBRARY (e.g. $(OUT)/libkvmmem.a) from objects
# in OBJDIR compiled with CFLAGS (which should include $(KVMMEM_WARN) and
# $(LIBKVMMEM_INCLUDES)). Each caller uses its own OBJDIR and LIBRARY, so
# several Makefiles may build concurrently (make -j) without racing.

LIBKVMMEM_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
LIBKVMMEM_ROOT := $(abspath $(LIBKVMMEM_DIR)/../..)
# bpfutil.c needs libbpf's headers; only the tools that link libbpf call
# it, and static linking pulls in just the objects a program uses.
LIBKVMMEM_SRCS := libkvmmem.c stats.c util.c hist.c trace_file.c \
		  trace_analyze.c trace_merge.c top.c top_host.c cli.c bpfutil.c
# trace_session.c includes the BPF skeletons ($(OUT)/bpf/*.skel.h): only
# tools/Makefile builds it, after bpf/, for the tools that use a session.
LIBKVMMEM_SESSION_SRCS := trace_session.c
LIBKVMMEM_INCLUDES := -I$(LIBKVMMEM_DIR) -I$(LIBKVMMEM_ROOT)/kernel/uapi \
		      -I$(LIBKVMMEM_ROOT)/bpf
KVMMEM_WARN := -std=c11 -Wall -Wextra -Werror

define libkvmmem_rules
$(2): $(addprefix $(1)/,$(LIBKVMMEM_SRCS:.c=.o))
	@mkdir -p $$(@D)
	rm -f $$@
	$$(AR) rcs $$@ $$^

$(1)/%.o: $(LIBKVMMEM_DIR)/%.c
	@mkdir -p $$(@D)
	$$(CC) $(3) -MMD -MP -c -o $$@ $$<

-include $(addprefix $(1)/,$(LIBKVMMEM_SRCS:.c=.d))
endef
