// SPDX-License-Identifier: GPL-2.0
/*
 * format.c - what the writer and the reader of recordings share (see format.h).
 */
#include <stdbool.h>

#include "trace/format.h"

uint32_t kvmmem_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	static bool ready;
	const unsigned char *p = buf;
	uint32_t c;
	unsigned int i, j;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			c = i;
			for (j = 0; j < 8; j++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = true;
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

