// SPDX-License-Identifier: GPL-2.0
/*
 * format.c - what the writer and the reader of recordings share (see format.h).
 */
#include <zlib.h>

#include "trace/format.h"

uint32_t kvmmem_crc32(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc, buf, len);
}
