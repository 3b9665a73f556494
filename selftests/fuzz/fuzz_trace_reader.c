// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_trace_reader.c - libFuzzer harness for the kvmmem-trace reader:
 * whatever the bytes, kvmmem_trace_parse() must return an error or a
 * recording, and the analysis of what it returns must not crash (ASan
 * and UBSan watch both).
 */
#include <stddef.h>
#include <stdint.h>

#include "trace/analysis.h"
#include "trace/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvmmem_trace_analysis a;
	struct kvmmem_trace_file tf;
	size_t i;
	int err;

	err = kvmmem_trace_parse(data, size, &tf);
	if (err >= 0) {
		kvmmem_trace_analysis_init(&a);
		for (i = 0; i < tf.nr_events; i++)
			if (kvmmem_trace_analysis_add(&a, &tf.events[i], NULL))
				break;
		kvmmem_trace_analysis_finish(&a, tf.end_ts);
		kvmmem_trace_analysis_free(&a);
	} else if (!tf.msg[0]) {
		__builtin_trap();	/* every error must say what is wrong */
	}
	kvmmem_trace_file_free(&tf);
	return 0;
}
