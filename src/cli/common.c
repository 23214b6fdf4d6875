/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "iorr/xlat.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("iorr: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("iorr: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_trace_error(const char *path, const struct iorr_error *e)
{
	if (e->offset)
		cli_error("%s: at byte %" PRIu64 ": %s", path, e->offset,
			  e->msg);
	else
		cli_error("%s: %s", path, e->msg);
}

struct iorr_reader *cli_open_trace(const char *path)
{
	struct iorr_reader *r;
	struct iorr_error e;

	if (iorr_reader_open(path, NULL, &r, &e) < 0) {
		cli_trace_error(path, &e);
		return NULL;
	}
	return r;
}

bool cli_report_truncation(const char *path, const struct iorr_reader *r)
{
	struct iorr_reader_status st;

	iorr_reader_status(r, &st);
	if (st.skipped_chunks)
		cli_warn("%s: skipped %" PRIu64 " chunks of unknown types "
			 "(a trace from a newer iorr?)", path,
			 st.skipped_chunks);
	if (st.complete)
		return true;
	cli_warn("%s: truncated at byte %" PRIu64 " of %" PRIu64
		 ": the recording was cut off; %" PRIu64
		 " events read up to there", path, st.truncated_at,
		 st.file_size, st.events);
	return false;
}

bool cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return end == s || *end || errno || s[0] == '-' ? -1 : 0;
}

struct out {
	char *buf;
	size_t size, len;
};

static void outf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->len < o->size ? o->size - o->len : 0;

	va_start(ap, fmt);
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);

	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* Quote @s like strace: printable ASCII as is, the rest escaped. */
static void out_quoted(struct out *o, const char *s)
{
	outf(o, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			outf(o, "\\%c", *p);
		else if (*p >= 0x20 && *p < 0x7f)
			outf(o, "%c", *p);
		else
			outf(o, "\\x%02x", *p);
	}
	outf(o, "\"");
}

static void out_field(struct out *o, const struct iorr_reader *r,
		      const struct iorr_event *ev,
		      const struct iorr_field_desc *fd, uint64_t v)
{
	char tmp[256];

	switch (fd->type) {
	case IORR_FT_FD:
	case IORR_FT_INT:
	case IORR_FT_OFF:
	case IORR_FT_PID:
		outf(o, "%" PRId64, (int64_t)v);
		break;
	case IORR_FT_UINT:
	case IORR_FT_LEN:
		outf(o, "%" PRIu64, v);
		break;
	case IORR_FT_PATH:
		out_quoted(o, iorr_reader_path(r, (uint32_t)v));
		break;
	case IORR_FT_FLAGS:
		iorr_xlat_format(fd->xlat, v, tmp, sizeof(tmp));
		outf(o, "%s", tmp);
		break;
	case IORR_FT_MODE:
		outf(o, "%#" PRIo64, v);
		break;
	case IORR_FT_BUF:
		outf(o, "0x%04" PRIx64, v);
		break;
	case IORR_FT_DATA:
		if (v == 0) {
			outf(o, "none");
		} else {
			const struct iorr_blob *b =
				iorr_reader_blob(r, (uint32_t)(v - 1));

			outf(o, "blob#%" PRIu64 "[%" PRIu64 "%s]", v - 1,
			     b->size, b->flags & IORR_BLOB_HASH_ONLY ?
			     ",hash" : "");
		}
		break;
	case IORR_FT_HASH:
		if (v == 0)
			outf(o, "none");
		else
			outf(o, "%016" PRIx64, v);
		break;
	case IORR_FT_IOV:
		outf(o, "[");
		for (uint32_t i = 0; i < ev->nvec; i++)
			outf(o, "%s%" PRIu64, i ? "," : "", ev->vec[i]);
		outf(o, "]");
		break;
	case IORR_FT_ID:
		outf(o, "#%" PRIu64, v);
		break;
	case IORR_FT_THREAD:
		outf(o, "T%" PRIu64, v);
		break;
	case IORR_FT_SEQ:
		outf(o, "@%" PRIu64, v);
		break;
	default:
		outf(o, "%" PRIu64, v);
	}
}

size_t cli_format_event(const struct iorr_reader *r,
			const struct iorr_event *ev, uint64_t t0, char *buf,
			size_t size)
{
	struct out o = { buf, size, 0 };
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	const struct iorr_thread *t = iorr_reader_thread(r, ev->thread);
	/* a completion's start is its submission: show when it was reaped,
	 * the duration below is its latency */
	uint64_t at = d->kind == IORR_KIND_COMPLETE ? ev->end_ns : ev->start_ns;
	uint64_t rel = at >= t0 ? at - t0 : 0;

	if (size)
		buf[0] = '\0';
	outf(&o, "%6" PRIu64 " %" PRIu64 ".%09" PRIu64 " %d/%d %s(", ev->seq,
	     rel / 1000000000, rel % 1000000000, t ? t->pid : -1,
	     t ? t->tid : -1, d->name);
	for (unsigned i = 0; i < d->nfields; i++) {
		outf(&o, "%s%s=", i ? ", " : "", d->fields[i].name);
		out_field(&o, r, ev, &d->fields[i], ev->f[i]);
	}
	outf(&o, ") = %" PRId64, ev->result);
	if (ev->err) {
		const char *n = iorr_errno_name((int)ev->err);

		if (n)
			outf(&o, " %s (%s)", n, strerror((int)ev->err));
		else
			outf(&o, " errno %" PRIu32, ev->err);
	} else if (d->kind == IORR_KIND_COMPLETE && ev->result < 0 &&
		   ev->result > -4096) {
		const char *n = iorr_errno_name((int)-ev->result);

		if (n)
			outf(&o, " %s", n);
	}
	uint64_t dur = ev->end_ns - ev->start_ns;

	outf(&o, " <%" PRIu64 ".%09" PRIu64 ">", dur / 1000000000,
	     dur % 1000000000);
	return o.len;
}

const char *cli_redacted(const struct iorr_reader *r)
{
	for (size_t i = 0; i < iorr_reader_nnotes(r); i++) {
		const char *key, *val;

		iorr_reader_note(r, i, &key, &val);
		if (!strcmp(key, "redacted"))
			return val;
	}
	return NULL;
}
