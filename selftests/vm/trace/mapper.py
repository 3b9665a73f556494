#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""mapper.py - one kvmmem mapping with a controlled life, for the trace lane.

  mapper.py hold GPA MS       map GPA, print "mapped PID GVA" (flushed),
                              keep the mapping MS milliseconds, exit
  mapper.py orphan GPA MS     map GPA, print "mapped PID GVA", fork and exit:
                              the child keeps the inherited fd MS more
                              milliseconds, so the owner exits while its
                              file stays open and the teardown runs later
                              in the child
  mapper.py gate FIFO GPA     wait for a line on FIFO, then map GPA, UNMAP
                              it and exit (its pid is known beforehand)

Talks to the driver directly (ioctl), with a fresh hostsim token.
"""
import ctypes
import fcntl
import mmap
import os
import struct
import sys
import time

IOC_WRITE, IOC_READ = 1, 2


def ioc(direction, nr, size, magic=ord('i')):
    return (direction << 30) | (size << 16) | (magic << 8) | nr


KVMMEM_HOSTSIM_GET_TOKEN = ioc(IOC_READ, 0x01, 32, magic=0xB2)
KVM_INTRO_MEM_MAP = ioc(IOC_WRITE, 0x01, 48)
KVM_INTRO_MEM_UNMAP = ioc(IOC_WRITE, 0x02, 8)


def map_page(gpa):
    """Return (fd, page, gva) with GPA mapped onto a new shared page."""
    token = bytearray(32)
    with open('/dev/kvmmem-hostsim', 'rb', buffering=0) as hs:
        fcntl.ioctl(hs, KVMMEM_HOSTSIM_GET_TOKEN, token, True)
    fd = os.open('/dev/kvmmem', os.O_RDWR)
    page = mmap.mmap(-1, mmap.PAGESIZE, mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    page[0:1] = b'\0'       # populate
    gva = ctypes.addressof(ctypes.c_char.from_buffer(page))
    fcntl.ioctl(fd, KVM_INTRO_MEM_MAP, bytes(token) + struct.pack('<QQ', gpa, gva))
    print(f'mapped {os.getpid()} {gva:#x}', flush=True)
    return fd, page, gva


def main():
    mode = sys.argv[1]
    if mode == 'hold':
        map_page(int(sys.argv[2], 0))
        time.sleep(int(sys.argv[3]) / 1000)
    elif mode == 'orphan':
        map_page(int(sys.argv[2], 0))
        if os.fork() == 0:
            time.sleep(int(sys.argv[3]) / 1000)  # the owner is gone
    elif mode == 'gate':
        with open(sys.argv[2]) as gate:
            gate.readline()
        fd, _, gva = map_page(int(sys.argv[3], 0))
        # the argument IS the gva: too wide for fcntl.ioctl's int
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.ioctl(fd, ctypes.c_ulong(KVM_INTRO_MEM_UNMAP), ctypes.c_ulong(gva)):
            sys.exit(f'UNMAP: {os.strerror(ctypes.get_errno())}')
    else:
        sys.exit(f'unknown mode {mode}')
    sys.stdout.flush()
    os._exit(0)


main()
