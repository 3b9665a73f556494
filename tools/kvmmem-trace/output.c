// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - events as text or JSON lines (live mode and dump), and
 * loading a recording with a message that says what is wrong.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/json.h"
#include "common/timefmt.h"
#include "kvmmem-trace.h"

const char *hc_name(uint32_t nr)
{
	return nr == 32 ? "MEM_MAP" : nr == 33 ? "MEM_UNMAP" : "hypercall";
}

static const char *kind_name(unsigned int kind)
{
	const char *name = kvmmem_trace_kind_name(kind);

	return name ? name : "?";
}

void print_event_header(FILE *f)
{
	fprintf(f, "%-12s %-7s %-7s %-16s %-20s %s\n", "TIME(s)", "PID", "TID",
		"COMM", "EVENT", "DETAILS");
}

static double rel_s(uint64_t ts, uint64_t t0)
{
	return ts >= t0 ? (double)(ts - t0) / 1e9 : -(double)(t0 - ts) / 1e9;
}

void print_event(FILE *f, const struct kt_event *e, uint64_t t0,
		 int64_t latency_ns)
{
	char rbuf[32], lbuf[32], comm[KT_COMM_LEN + 1];
	const char *res = kvmmem_trace_result_name(e->kind, e->ret, rbuf);

	memcpy(comm, e->comm, KT_COMM_LEN);
	comm[KT_COMM_LEN] = '\0';
	fprintf(f, "%-12.6f %-7" PRIu32 " %-7" PRIu32 " %-16s %-20s ",
		rel_s(e->ts, t0), e->pid, e->tid, comm,
		kind_name(e->kind));
	switch (e->kind) {
	case KT_MAP_START:
	case KT_MAP_END:
	case KT_UNMAP_START:
	case KT_UNMAP_END:
	case KT_TEARDOWN_UNMAP:
	case KT_PAGE_LEAKED:
		fprintf(f, "id=%llu tgid=%" PRIu32 " gva=0x%llx"
			" gpa=0x%llx pa=0x%llx ret=%s", e->id, e->tgid,
			e->a0, e->a1, e->a2, res);
		break;
	case KT_TEARDOWN_START:
	case KT_TEARDOWN_END:
		fprintf(f, "file=%llu tgid=%" PRIu32 " live=%llu"
			" unmapped=%llu leaked=%llu", e->id, e->tgid,
			e->a0, e->a1, e->a2);
		break;
	case KT_HC_ENTER:
	case KT_HC_EXIT:
		fprintf(f, "id=%llu ", e->id);
		/* fall through */
	case KT_KVM_HC_ENTER:
	case KT_KVM_HC_EXIT:
		if (e->kind == KT_KVM_HC_ENTER || e->kind == KT_KVM_HC_EXIT)
			fprintf(f, "vcpu=%llu ", e->id);
		/* fall through */
	case KT_HOST_HC_ENTER:
	case KT_HOST_HC_EXIT:
		fprintf(f, "nr=%s a0=0x%llx a1=0x%llx a2=0x%llx"
			" ret=%s", hc_name(e->tgid), e->a0, e->a1, e->a2, res);
		break;
	case KT_HOST_TOKEN:
		fprintf(f, "outstanding=%" PRIu32 " ret=%s", e->tgid, res);
		break;
	case KT_PROC_EXIT:
		fprintf(f, "pid=%" PRIu32 " exit_code=0x%llx", e->tgid,
			(unsigned long long)e->ret);
		break;
	}
	if (latency_ns >= 0)
		fprintf(f, " lat=%s", kvmmem_fmt_ns(lbuf, (uint64_t)latency_ns));
	fputc('\n', f);
}

void print_event_json(FILE *f, const struct kt_event *e, uint64_t t0,
		      int64_t latency_ns)
{
	char rbuf[32];

	fprintf(f, "{\"ts_ns\":%llu,\"time_s\":%.9f,\"pid\":%" PRIu32
		",\"tid\":%" PRIu32 ",\"cpu\":%u,\"comm\":", e->ts, rel_s(e->ts, t0),
		e->pid, e->tid, (unsigned int)e->cpu);
	kvmmem_json_string(f, e->comm, KT_COMM_LEN);
	fprintf(f, ",\"event\":\"%s\"", kind_name(e->kind));
	switch (e->kind) {
	case KT_MAP_START:
	case KT_MAP_END:
	case KT_UNMAP_START:
	case KT_UNMAP_END:
	case KT_TEARDOWN_UNMAP:
	case KT_PAGE_LEAKED:
		fprintf(f, ",\"id\":%llu,\"tgid\":%" PRIu32 ",\"gva\":%llu"
			",\"gpa\":%llu,\"pa\":%llu", e->id, e->tgid,
			e->a0, e->a1, e->a2);
		break;
	case KT_TEARDOWN_START:
	case KT_TEARDOWN_END:
		fprintf(f, ",\"file\":%llu,\"tgid\":%" PRIu32 ",\"live\":%llu"
			",\"unmapped\":%llu,\"leaked\":%llu",
			e->id, e->tgid, e->a0, e->a1, e->a2);
		break;
	case KT_HC_ENTER:
	case KT_HC_EXIT:
		fprintf(f, ",\"id\":%llu", e->id);
		/* fall through */
	case KT_KVM_HC_ENTER:
	case KT_KVM_HC_EXIT:
		if (e->kind == KT_KVM_HC_ENTER || e->kind == KT_KVM_HC_EXIT)
			fprintf(f, ",\"vcpu_id\":%llu", e->id);
		/* fall through */
	case KT_HOST_HC_ENTER:
	case KT_HOST_HC_EXIT:
		fprintf(f, ",\"nr\":%" PRIu32 ",\"hypercall\":\"%s\",\"a0\":%llu"
			",\"a1\":%llu,\"a2\":%llu", e->tgid,
			hc_name(e->tgid), e->a0, e->a1, e->a2);
		break;
	case KT_HOST_TOKEN:
		fprintf(f, ",\"outstanding\":%" PRIu32, e->tgid);
		break;
	case KT_PROC_EXIT:
		fprintf(f, ",\"exit_pid\":%" PRIu32, e->tgid);
		break;
	}
	fprintf(f, ",\"ret\":%lld,\"result\":\"%s\"", e->ret,
		kvmmem_trace_result_name(e->kind, e->ret, rbuf));
	if (latency_ns >= 0)
		fprintf(f, ",\"latency_ns\":%" PRIi64, latency_ns);
	fputs("}\n", f);
}

int load_recording(const char *path, struct kvmmem_trace_file *tf)
{
	int err = kvmmem_trace_load(path, tf);

	if (err == KVMMEM_TRACE_INCOMPLETE)
		kvmmem_warn("%s: warning: %s", path, tf->msg);
	else if (err == -EINVAL || err == -EPROTONOSUPPORT || err == -EBADMSG)
		kvmmem_warn("%s: %s", path, tf->msg);
	else if (err < 0)
		kvmmem_warn("cannot read %s", tf->msg[0] ? tf->msg : path);
	return err;
}

int load_status(int err)
{
	return err == KVMMEM_TRACE_INCOMPLETE ? EXIT_INCOMPLETE : 0;
}
