/* SPDX-License-Identifier: MIT */
/*
 * The JSON form of a trace: export (`iorr json`, `iorr dump --json`) and
 * import (`iorr import`).  The schema is documented in iorr-json(1).
 *
 * Every event field is encoded by its type in the op table (src/ops.def);
 * nothing here knows an individual op.  A new op or field needs no change.
 *
 * RATIONALE: op fields live in a nested "args" object rather than beside
 * "seq", "op" and "result": the op table has fields named "op" (flock) and
 * "pid" (wait), and future fields must not be able to collide with the
 * event's own keys.
 *
 * RATIONALE: jansson integers are int64.  Unsigned 64-bit values above
 * 2^63-1 (io_uring user_data such as LIBURING_UDATA_TIMEOUT, ids, seqs) are
 * written as decimal strings and read back from strings, so nothing is
 * lost; a JSON number literal beyond int64 is a syntax error with a
 * position, never silently rounded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <uthash.h>

#include "iorr/tracejson.h"
#include "iorr/xlat.h"
#include "trace/format.h"

/* ------------------------------------------------------------------ */
/* Export                                                               */
/* ------------------------------------------------------------------ */

/* Flags of every json_dump call: one line, ", " and ": " separators. */
#define DUMP_FLAGS (JSON_PRESERVE_ORDER)

/* @return an integer, or a decimal string above INT64_MAX. */
static json_t *j_u64(uint64_t v)
{
	char s[24];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(s, sizeof(s), "%" PRIu64, v);
	return json_string(s);
}

static json_t *j_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	json_t *j;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	j = json_stringn_nocheck(s, 2 * n);
	free(s);
	return j;
}

/* {"hex": "..."} */
static json_t *j_hex_obj(const uint8_t *p, size_t n)
{
	return json_pack("{s:o*}", "hex", j_hex(p, n));
}

/* A byte string (path, link target): a JSON string if it is UTF-8. */
static json_t *j_bytes(const char *s)
{
	json_t *j = json_string(s);

	return j ? j : j_hex_obj((const uint8_t *)s, strlen(s));
}

static json_t *j_hash128(struct iorr_hash128 h)
{
	char s[40];

	snprintf(s, sizeof(s), "%016" PRIx64 "%016" PRIx64, h.hi, h.lo);
	return json_string(s);
}

static json_t *j_mode(uint64_t v)
{
	char s[32];

	if (!v)
		return json_string("0");
	snprintf(s, sizeof(s), "0%" PRIo64, v);
	return json_string(s);
}

/* json_object_set_new() that also fails on a NULL value.  @return 0 or -1. */
static int set(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(o, key, v);
}

static int append(json_t *a, json_t *v)
{
	if (!v)
		return -1;
	return json_array_append_new(a, v);
}

static json_t *j_flags(unsigned xlat, uint64_t v)
{
	char buf[512];
	uint64_t back;
	size_t n = iorr_xlat_format(xlat, v, buf, sizeof(buf));

	/*
	 * NOTE: the name form is used only when it parses back to the same
	 * value, so a list that cannot name @v exactly costs readability,
	 * never data.
	 */
	if (n >= sizeof(buf) || iorr_xlat_parse(xlat, buf, &back) < 0 ||
	    back != v)
		return j_u64(v);
	return json_string(buf);
}

static json_t *field_json(const struct iorr_reader *r,
			  const struct iorr_event *ev,
			  const struct iorr_field_desc *fd, uint64_t v)
{
	char s[24];

	switch (fd->type) {
	case IORR_FT_FD:
	case IORR_FT_INT:
	case IORR_FT_OFF:
	case IORR_FT_PID:
		return json_integer((json_int_t)v);
	case IORR_FT_PATH: {
		const char *p = iorr_reader_path(r, (uint32_t)v);

		return p ? j_bytes(p) : NULL;
	}
	case IORR_FT_FLAGS:
		return j_flags(fd->xlat, v);
	case IORR_FT_MODE:
		return j_mode(v);
	case IORR_FT_DATA:
		return v ? j_u64(v - 1) : json_null();
	case IORR_FT_HASH:
		if (!v)
			return json_null();
		snprintf(s, sizeof(s), "%016" PRIx64, v);
		return json_string(s);
	case IORR_FT_IOV: {
		json_t *a = json_array();

		for (uint32_t i = 0; a && i < ev->nvec; i++) {
			if (append(a, j_u64(ev->vec[i])) < 0) {
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	case IORR_FT_THREAD:
	case IORR_FT_UINT:
	case IORR_FT_LEN:
	case IORR_FT_BUF:
	case IORR_FT_ID:
	case IORR_FT_SEQ:
	default:
		return j_u64(v);
	}
}

static json_t *event_json(const struct iorr_reader *r,
			  const struct iorr_event *ev, bool with_ids)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	json_t *o = json_object(), *args = json_object();
	int bad = !o || !args || !d;

	if (bad) {
		json_decref(o);
		json_decref(args);
		return NULL;
	}
	bad |= set(o, "seq", j_u64(ev->seq));
	bad |= set(o, "thread", json_integer(ev->thread));
	if (with_ids) {
		const struct iorr_thread *t = iorr_reader_thread(r, ev->thread);

		bad |= !t;
		if (t) {
			bad |= set(o, "pid", json_integer(t->pid));
			bad |= set(o, "tid", json_integer(t->tid));
		}
	}
	bad |= set(o, "start_ns", j_u64(ev->start_ns));
	bad |= set(o, "end_ns", j_u64(ev->end_ns));
	bad |= set(o, "op", json_string(d->name));
	for (unsigned i = 0; i < d->nfields; i++)
		bad |= set(args, d->fields[i].name,
			   field_json(r, ev, &d->fields[i], ev->f[i]));
	bad |= set(o, "args", args);
	bad |= set(o, "result", json_integer(ev->result));
	if (ev->err) {
		const char *n = iorr_errno_name((int)ev->err);

		bad |= set(o, "errno", n ? json_string(n) :
					   json_integer(ev->err));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int iorr_json_print_event(FILE *f, const struct iorr_reader *r,
			  const struct iorr_event *ev)
{
	json_t *o = event_json(r, ev, true);
	int ret = 0;

	if (!o)
		return -ENOMEM;
	if (json_dumpf(o, f, DUMP_FLAGS | JSON_COMPACT) < 0 ||
	    fputc('\n', f) == EOF)
		ret = -EIO;
	json_decref(o);
	return ret;
}

static bool is_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t' &&
		     p[i] != '\r') || p[i] == 0x7f)
			return false;
	return true;
}

static json_t *blob_json(const struct iorr_blob *b)
{
	json_t *o = json_object();
	int bad = !o;

	if (bad)
		return NULL;
	bad |= set(o, "size", j_u64(b->size));
	bad |= set(o, "hash", j_hash128(b->hash));
	if (!(b->flags & IORR_BLOB_HASH_ONLY)) {
		json_t *t = NULL;

		/* Text when it reads as text (UTF-8 checked by jansson). */
		if (is_text(b->data, (size_t)b->size))
			t = json_stringn((const char *)b->data,
					 (size_t)b->size);
		if (t)
			bad |= set(o, "text", t);
		else
			bad |= set(o, "hex", j_hex(b->data, (size_t)b->size));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

#define FS_KNOWN (IORR_FS_EXISTS | IORR_FS_CONTENT_MISSING | IORR_FS_HASHED)

static json_t *state_json(const struct iorr_reader *r,
			  const struct iorr_file_state *st)
{
	json_t *o = json_object(), *ext = json_array();
	const char *path = iorr_reader_path(r, st->path);
	int bad = !o || !ext || !path;

	if (bad) {
		json_decref(o);
		json_decref(ext);
		return NULL;
	}
	bad |= set(o, "path", j_bytes(path));
	bad |= set(o, "exists", json_boolean(st->flags & IORR_FS_EXISTS));
	bad |= set(o, "mode", j_mode(st->mode));
	bad |= set(o, "size", j_u64(st->size));
	bad |= set(o, "hash", st->flags & IORR_FS_HASHED ?
			      j_hash128(st->hash) : json_null());
	bad |= set(o, "content_missing",
		   json_boolean(st->flags & IORR_FS_CONTENT_MISSING));
	for (uint32_t i = 0; i < st->nextents; i++) {
		const struct iorr_extent *e = &st->extents[i];

		bad |= append(ext, json_pack("{s:o*, s:o*, s:I}",
					     "off", j_u64(e->off),
					     "len", j_u64(e->len),
					     "blob", (json_int_t)e->blob));
	}
	bad |= set(o, "extents", ext);
	bad |= set(o, "link", st->link ? j_bytes(st->link) : json_null());
	if (st->flags & ~FS_KNOWN)
		bad |= set(o, "other_flags",
			   json_integer(st->flags & ~FS_KNOWN));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int export_fail(struct iorr_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int export_fail(struct iorr_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		err->offset = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* An anonymous temporary file in $TMPDIR (or /tmp). */
static FILE *temp_file(void)
{
	const char *dir = getenv("TMPDIR");
	char *name;
	FILE *f;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(&name, "%s/iorr-json.XXXXXX", dir) < 0)
		return NULL;
	fd = mkstemp(name);
	if (fd >= 0)
		unlink(name);
	free(name);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w+");
	if (!f)
		close(fd);
	return f;
}

/* Write "  \"name\": [" and the elements, one per line. */
static int put_array_start(FILE *f, const char *name)
{
	return fprintf(f, "  \"%s\": [", name) < 0 ? -1 : 0;
}

static int put_elem(FILE *f, size_t i, json_t *v)
{
	int bad;

	if (!v)
		return -1;
	bad = fputs(i ? ",\n    " : "\n    ", f) == EOF ||
	      json_dumpf(v, f, DUMP_FLAGS | JSON_ENCODE_ANY) < 0;
	json_decref(v);
	return bad ? -1 : 0;
}

static int put_array_end(FILE *f, size_t n, bool last)
{
	return fprintf(f, "%s]%s\n", n ? "\n  " : "", last ? "" : ",") < 0 ?
	       -1 : 0;
}

static int copy_file(FILE *from, FILE *to)
{
	char buf[65536];
	size_t n;

	if (fflush(from) != 0 || fseek(from, 0, SEEK_SET) != 0)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			return -1;
	return ferror(from) ? -1 : 0;
}

static int put_metadata(FILE *f, const char *meta)
{
	json_t *m = json_loads(meta, JSON_REJECT_DUPLICATES, NULL);
	int bad;

	/*
	 * The header's metadata is normally a JSON object.  Anything else
	 * (text the writer was given unchecked) is kept verbatim as
	 * "metadata_raw", so that export stays lossless.
	 */
	if (m && json_is_object(m)) {
		bad = fputs("  \"metadata\": ", f) == EOF ||
		      json_dumpf(m, f, DUMP_FLAGS) < 0;
	} else {
		json_decref(m);
		m = j_bytes(meta);
		bad = !m || fputs("  \"metadata_raw\": ", f) == EOF ||
		      json_dumpf(m, f, DUMP_FLAGS | JSON_ENCODE_ANY) < 0;
	}
	json_decref(m);
	return bad || fputs(",\n", f) == EOF ? -1 : 0;
}

static int put_notes(const struct iorr_reader *r, FILE *f,
		     struct iorr_error *err)
{
	json_t *notes = json_object();
	size_t n = iorr_reader_nnotes(r);
	int bad;

	if (!notes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *key, *val;
		json_t *v;

		iorr_reader_note(r, i, &key, &val);
		v = json_loads(val, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
			       NULL);
		if (!v || json_object_set_new(notes, key, v) < 0) {
			json_decref(notes);
			return export_fail(err, -EINVAL,
					   "note %zu: key or value cannot be "
					   "represented in JSON (value is not "
					   "a JSON text, or key is not UTF-8)",
					   i);
		}
	}
	bad = fputs("  \"notes\": ", f) == EOF ||
	      json_dumpf(notes, f, DUMP_FLAGS) < 0 || fputs("\n}\n", f) == EOF;
	json_decref(notes);
	return bad ? -EIO : 0;
}

int iorr_json_export(struct iorr_reader *r, FILE *f, struct iorr_error *err)
{
	struct iorr_event ev;
	FILE *tmp = temp_file();
	size_t nev = 0;
	int k, ret = -EIO;

	if (!tmp)
		return export_fail(err, -errno, "cannot create a temporary "
				   "file: %s", strerror(errno));
	while ((k = iorr_reader_next(r, &ev, err)) > 0) {
		if (put_elem(tmp, nev++, event_json(r, &ev, false)) < 0) {
			ret = export_fail(err, -EIO, "event %" PRIu64
					  ": cannot write to the temporary "
					  "file", ev.seq);
			goto out;
		}
	}
	if (k < 0) {
		ret = k;
		goto out;
	}

	uint32_t nthreads = iorr_reader_nthreads(r);
	uint32_t npaths = iorr_reader_npaths(r);
	uint32_t nblobs = iorr_reader_nblobs(r);

	if (fprintf(f, "{\n  \"iorr_trace\": {\"format\": \"%d.%d\"},\n",
		    IORR_JSON_FORMAT_MAJOR, IORR_JSON_FORMAT_MINOR) < 0 ||
	    put_metadata(f, iorr_reader_metadata(r)) < 0)
		goto io;

	if (put_array_start(f, "threads") < 0)
		goto io;
	for (uint32_t i = 0; i < nthreads; i++) {
		const struct iorr_thread *t = iorr_reader_thread(r, i);
		json_t *p = t->parent == UINT32_MAX ? json_null() :
			    json_integer(t->parent);

		if (put_elem(f, i, json_pack("{s:i, s:i, s:o*}", "pid", t->pid,
					     "tid", t->tid, "parent", p)) < 0)
			goto io;
	}
	if (put_array_end(f, nthreads, false) < 0 ||
	    put_array_start(f, "paths") < 0)
		goto io;
	for (uint32_t i = 0; i < npaths; i++)
		if (put_elem(f, i, j_bytes(iorr_reader_path(r, i))) < 0)
			goto io;
	if (put_array_end(f, npaths, false) < 0 ||
	    put_array_start(f, "blobs") < 0)
		goto io;
	for (uint32_t i = 0; i < nblobs; i++)
		if (put_elem(f, i, blob_json(iorr_reader_blob(r, i))) < 0)
			goto io;
	if (put_array_end(f, nblobs, false) < 0 ||
	    put_array_start(f, "events") < 0 || copy_file(tmp, f) < 0 ||
	    put_array_end(f, nev, false) < 0)
		goto io;

	static const char *const state_key[] = {
		[IORR_STATE_INITIAL] = "initial_state",
		[IORR_STATE_FINAL] = "final_state",
	};
	for (int kind = IORR_STATE_INITIAL; kind <= IORR_STATE_FINAL; kind++) {
		size_t n = iorr_reader_nstates(r, kind);

		if (put_array_start(f, state_key[kind]) < 0)
			goto io;
		for (size_t i = 0; i < n; i++)
			if (put_elem(f, i, state_json(r, iorr_reader_state(
					r, kind, i))) < 0)
				goto io;
		if (put_array_end(f, n, false) < 0)
			goto io;
	}
	ret = put_notes(r, f, err);
	if (ret == -EIO)
		goto io;
	goto out;
io:
	ret = export_fail(err, -EIO, "cannot write the JSON output (out of "
			  "memory or a write error)");
out:
	fclose(tmp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Import                                                               */
/* ------------------------------------------------------------------ */

/* Location strings ("initial_state[3].extents[12].blob") fit in this. */
#define LOC_MAX 160

struct thread_key {
	int32_t pid, tid;
};

struct thread_ent {
	UT_hash_handle hh;
	struct thread_key key;
	uint32_t index;
};

struct imp {
	struct iorr_writer *w;
	char *msg;
	size_t msglen;
	/* JSON "paths" and "blobs" indices -> ids in the trace (deduped). */
	int64_t *paths, *blobs;
	size_t npaths, nblobs;
	/* Size of each blob in the trace, by trace blob id. */
	uint64_t *blob_size;
	size_t ntrace_blobs, blob_size_cap;
	/* Threads defined so far; the hash maps (pid, tid) to the latest. */
	struct thread_key *threads;
	size_t nthreads, threads_cap;
	struct thread_ent *thread_hash;
	uint64_t vec[IORR_MAX_IOV];
};

/* @buf = @loc followed by @key (".off"), truncated to LOC_MAX. */
static const char *locat(char *buf, const char *loc, const char *key)
{
	size_t a = strnlen(loc, LOC_MAX - 1);
	size_t b = strnlen(key, LOC_MAX - 1 - a);

	memmove(buf, loc, a);
	memcpy(buf + a, key, b);
	buf[a + b] = '\0';
	return buf;
}

/* @buf = @loc followed by "[i]". */
static const char *loc_index(char *buf, const char *loc, size_t i)
{
	char t[32];

	snprintf(t, sizeof(t), "[%zu]", i);
	return locat(buf, loc, t);
}

static int bad(struct imp *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct imp *im, const char *fmt, ...)
{
	va_list ap;

	if (im->msglen) {
		va_start(ap, fmt);
		vsnprintf(im->msg, im->msglen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int wfail(struct imp *im, const char *loc, int err)
{
	if (err == -EINVAL)
		return bad(im, "%s: rejected by the trace writer (inconsistent "
			   "with what was defined)", loc);
	bad(im, "%s: cannot write the trace: %s", loc, strerror(-err));
	return err;
}

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

static int expected(struct imp *im, const char *loc, const char *what,
		    const json_t *j)
{
	if (!j)
		return bad(im, "%s: missing (expected %s)", loc, what);
	return bad(im, "%s: expected %s, got %s", loc, what, type_name(j));
}

/* Decimal or 0x hexadecimal digits, nothing else. */
static int parse_u64_text(const char *s, uint64_t *out)
{
	char *end;

	if (!(*s >= '0' && *s <= '9'))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, s[0] == '0' &&
					(s[1] == 'x' || s[1] == 'X') ? 16 : 10);

	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int get_u64(struct imp *im, const json_t *j, const char *loc,
		   uint64_t *out)
{
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);

		if (v < 0)
			return bad(im, "%s: expected a non-negative integer, "
				   "got %" JSON_INTEGER_FORMAT, loc, v);
		*out = (uint64_t)v;
		return 0;
	}
	if (json_is_string(j) &&
	    parse_u64_text(json_string_value(j), out) == 0)
		return 0;
	if (json_is_string(j))
		return bad(im, "%s: \"%s\" is not an unsigned 64-bit integer",
			   loc, json_string_value(j));
	return expected(im, loc, "a non-negative integer", j);
}

static int get_u64_max(struct imp *im, const json_t *j, const char *loc,
		       uint64_t max, uint64_t *out)
{
	int r = get_u64(im, j, loc, out);

	if (r == 0 && *out > max)
		return bad(im, "%s: %" PRIu64 " is out of range (at most %"
			   PRIu64 ")", loc, *out, max);
	return r;
}

static int get_i64(struct imp *im, const json_t *j, const char *loc,
		   int64_t *out)
{
	if (!json_is_integer(j))
		return expected(im, loc, "an integer", j);
	*out = json_integer_value(j);
	return 0;
}

static int get_bool(struct imp *im, const json_t *j, const char *loc,
		    bool *out)
{
	if (!json_is_boolean(j))
		return expected(im, loc, "true or false", j);
	*out = json_is_true(j);
	return 0;
}

/* Check that every key of object @o is one of @keys (NULL-terminated). */
static int check_keys(struct imp *im, json_t *o, const char *loc,
		      const char *const *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		size_t i;

		for (i = 0; keys[i]; i++)
			if (strcmp(keys[i], key) == 0)
				break;
		if (!keys[i])
			return bad(im, "%s: unknown key \"%s\"", loc, key);
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode hex digits (whitespace between bytes allowed) into a new buffer.
 * @return 0 and *@out (malloc'd) and *@len, or an error.
 */
static int decode_hex(struct imp *im, const char *s, size_t n,
		      const char *loc, uint8_t **out, size_t *len)
{
	uint8_t *p = malloc(n / 2 + 1);
	size_t k = 0;

	if (!p)
		return bad(im, "%s: out of memory", loc), -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')
			continue;
		int hi = hexval(s[i]);
		int lo = i + 1 < n ? hexval(s[i + 1]) : -1;

		if (hi < 0 || lo < 0) {
			free(p);
			return bad(im, "%s: not hex digits at character %zu "
				   "(two digits per byte)", loc, i);
		}
		p[k++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	*out = p;
	*len = k;
	return 0;
}

/* A byte string: a JSON string, or {"hex": "..."} for non-UTF-8 bytes. */
static int get_bytes(struct imp *im, json_t *j, const char *loc, char **out)
{
	if (json_is_string(j)) {
		const char *s = json_string_value(j);

		*out = strdup(s);
		return *out ? 0 : -ENOMEM;
	}
	json_t *h = json_is_object(j) ? json_object_get(j, "hex") : NULL;
	uint8_t *p;
	size_t n;
	char sub[LOC_MAX];
	int r;

	if (!h || json_object_size(j) != 1)
		return expected(im, loc, "a string or {\"hex\": ...}", j);
	locat(sub, loc, ".hex");
	if (!json_is_string(h))
		return expected(im, sub, "a string", h);
	r = decode_hex(im, json_string_value(h), json_string_length(h), sub,
		       &p, &n);
	if (r < 0)
		return r;
	if (memchr(p, '\0', n)) {
		free(p);
		return bad(im, "%s: contains a NUL byte", sub);
	}
	p[n] = '\0';
	*out = (char *)p;
	return 0;
}

/* Intern a path given as a string or {"hex"}.  @return the id or error. */
static int64_t intern_path(struct imp *im, json_t *j, const char *loc)
{
	char *s;
	int r = get_bytes(im, j, loc, &s);
	int64_t id;

	if (r < 0)
		return r;
	if (!*s) {
		free(s);
		return bad(im, "%s: empty path", loc);
	}
	id = iorr_writer_path(im->w, s);
	free(s);
	return id < 0 ? wfail(im, loc, (int)id) : id;
}

/* A path field: a string, {"hex"} or an index into "paths". */
static int64_t get_path(struct imp *im, json_t *j, const char *loc)
{
	if (json_is_integer(j)) {
		json_int_t i = json_integer_value(j);

		if (i < 0 || (uint64_t)i >= im->npaths)
			return bad(im, "%s: path index %" JSON_INTEGER_FORMAT
				   " is not defined in \"paths\" (%zu "
				   "entries)", loc, i, im->npaths);
		return im->paths[i];
	}
	return intern_path(im, j, loc);
}

/* Exactly 16 hex digits. */
static int parse_hash64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (strlen(s) != 16)
		return -1;
	for (int i = 0; i < 16; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

static int parse_hash128(const char *s, struct iorr_hash128 *h)
{
	uint64_t v[2] = { 0, 0 };

	if (strlen(s) != 32)
		return -1;
	for (int i = 0; i < 32; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -1;
		v[i / 16] = v[i / 16] << 4 | (uint64_t)d;
	}
	h->hi = v[0];
	h->lo = v[1];
	return 0;
}

static int get_hash128(struct imp *im, const json_t *j, const char *loc,
		       struct iorr_hash128 *h)
{
	if (!json_is_string(j) || parse_hash128(json_string_value(j), h) < 0)
		return bad(im, "%s: expected 32 hex digits (xxh3-128)", loc);
	return 0;
}

/* Remember the size of blob @id when the writer just defined it. */
static int64_t note_blob(struct imp *im, int64_t id, uint64_t size,
			 const char *loc)
{
	if ((uint64_t)id < im->ntrace_blobs)
		return id;	/* deduplicated: an earlier blob */
	if (im->ntrace_blobs == im->blob_size_cap) {
		size_t cap = im->blob_size_cap ? 2 * im->blob_size_cap : 64;
		uint64_t *p = realloc(im->blob_size, cap * sizeof(*p));

		if (!p)
			return wfail(im, loc, -ENOMEM);
		im->blob_size = p;
		im->blob_size_cap = cap;
	}
	im->blob_size[im->ntrace_blobs++] = size;
	return id;
}

/*
 * A blob: {"text": "..."} or {"hex": "..."} (content; "size" and "hash"
 * optional and checked), or {"size": N, "hash": "..."} (hash only).
 * @return the blob id in the trace, or an error.
 */
static int64_t add_blob(struct imp *im, json_t *o, const char *loc)
{
	static const char *const keys[] = { "size", "hash", "text", "hex",
					     NULL };
	json_t *text, *hex, *js, *jh;
	char sub[LOC_MAX];
	uint64_t size = 0;
	struct iorr_hash128 h;
	int64_t id;
	int r;

	if (!json_is_object(o))
		return expected(im, loc, "a blob object ({\"text\": ...}, "
				"{\"hex\": ...} or {\"size\": N, \"hash\": "
				"...})", o);
	if ((r = check_keys(im, o, loc, keys)) < 0)
		return r;
	text = json_object_get(o, "text");
	hex = json_object_get(o, "hex");
	js = json_object_get(o, "size");
	jh = json_object_get(o, "hash");
	if (js) {
		locat(sub, loc, ".size");
		if ((r = get_u64(im, js, sub, &size)) < 0)
			return r;
	}
	if (jh) {
		locat(sub, loc, ".hash");
		if ((r = get_hash128(im, jh, sub, &h)) < 0)
			return r;
	}
	if (text && hex)
		return bad(im, "%s: give \"text\" or \"hex\", not both", loc);
	if (!text && !hex) {
		if (!js || !jh)
			return bad(im, "%s: a blob needs \"text\" or \"hex\", "
				   "or both \"size\" and \"hash\" (hash only)",
				   loc);
		if (size > IORR_MAX_BLOB_SIZE)
			return bad(im, "%s.size: %" PRIu64 " bytes is larger "
				   "than a blob can be (%llu)", loc, size,
				   IORR_MAX_BLOB_SIZE);
		id = iorr_writer_blob_hash(im->w, &h, size);
		return id < 0 ? wfail(im, loc, (int)id) :
		       note_blob(im, id, size, loc);
	}

	uint8_t *data = NULL;
	const uint8_t *p;
	size_t n;

	if (text) {
		locat(sub, loc, ".text");
		if (!json_is_string(text))
			return expected(im, sub, "a string", text);
		p = (const uint8_t *)json_string_value(text);
		n = json_string_length(text);
	} else {
		locat(sub, loc, ".hex");
		if (!json_is_string(hex))
			return expected(im, sub, "a string", hex);
		r = decode_hex(im, json_string_value(hex),
			       json_string_length(hex), sub, &data, &n);
		if (r < 0)
			return r;
		p = data;
	}
	if (js && size != n) {
		free(data);
		return bad(im, "%s.size: %" PRIu64 " does not match the "
			   "content's %zu bytes", loc, size, n);
	}
	if (n > IORR_MAX_BLOB_SIZE) {
		free(data);
		return bad(im, "%s: %zu bytes is larger than a blob can be "
			   "(%llu)", loc, n, IORR_MAX_BLOB_SIZE);
	}
	if (jh) {
		struct iorr_hash128 c = iorr_hash128(p, n);

		if (c.lo != h.lo || c.hi != h.hi) {
			free(data);
			return bad(im, "%s.hash: does not match the content "
				   "(xxh3-128 is %016" PRIx64 "%016" PRIx64
				   ")", loc, c.hi, c.lo);
		}
	}
	id = iorr_writer_blob(im->w, p, n);
	free(data);
	return id < 0 ? wfail(im, loc, (int)id) : note_blob(im, id, n, loc);
}

/* A blob reference: an index into "blobs", or an inline blob object. */
static int64_t get_blob(struct imp *im, json_t *j, const char *loc)
{
	if (json_is_integer(j)) {
		json_int_t i = json_integer_value(j);

		if (i < 0 || (uint64_t)i >= im->nblobs)
			return bad(im, "%s: blob index %" JSON_INTEGER_FORMAT
				   " is not defined in \"blobs\" (%zu "
				   "entries)", loc, i, im->nblobs);
		return im->blobs[i];
	}
	if (!json_is_object(j))
		return expected(im, loc, "a blob index or an inline blob "
				"({\"text\": ...} or {\"hex\": ...})", j);
	return add_blob(im, j, loc);
}

/* Define a thread. @return its index or an error. */
static int64_t def_thread(struct imp *im, int32_t pid, int32_t tid,
			  uint32_t parent, const char *loc)
{
	struct thread_ent *e, *old = NULL;
	int r;

	if (im->nthreads == im->threads_cap) {
		size_t cap = im->threads_cap ? 2 * im->threads_cap : 16;
		struct thread_key *p = realloc(im->threads, cap * sizeof(*p));

		if (!p)
			return wfail(im, loc, -ENOMEM);
		im->threads = p;
		im->threads_cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return wfail(im, loc, -ENOMEM);
	r = iorr_writer_thread(im->w, pid, tid, parent);
	if (r < 0) {
		free(e);
		return wfail(im, loc, r);
	}
	e->key = (struct thread_key){ pid, tid };
	e->index = (uint32_t)r;
	/* A reused tid: later references mean the newest thread. */
	HASH_REPLACE(hh, im->thread_hash, key, sizeof(e->key), e, old);
	free(old);
	im->threads[im->nthreads++] = e->key;
	return r;
}

static int get_i32(struct imp *im, const json_t *j, const char *loc,
		   int32_t *out)
{
	int64_t v = 0;
	int r = get_i64(im, j, loc, &v);

	if (r < 0)
		return r;
	if (v < INT32_MIN || v > INT32_MAX)
		return bad(im, "%s: %" PRId64 " does not fit a 32-bit pid/tid",
			   loc, v);
	*out = (int32_t)v;
	return 0;
}

/*
 * A thread given by {"pid": P, "tid": T} (or pid/tid keys of an event):
 * the newest thread with these ids, or a new one with parent @parent.
 */
static int64_t thread_by_ids(struct imp *im, const json_t *jpid,
			     const json_t *jtid, uint32_t parent,
			     const char *loc)
{
	struct thread_key k;
	struct thread_ent *e;
	char sub[LOC_MAX];
	int r;

	if (!jpid || !jtid)
		return bad(im, "%s: \"pid\" and \"tid\" go together", loc);
	locat(sub, loc, ".pid");
	if ((r = get_i32(im, jpid, sub, &k.pid)) < 0)
		return r;
	locat(sub, loc, ".tid");
	if ((r = get_i32(im, jtid, sub, &k.tid)) < 0)
		return r;
	HASH_FIND(hh, im->thread_hash, &k, sizeof(k), e);
	if (e)
		return e->index;
	return def_thread(im, k.pid, k.tid, parent, loc);
}

static int get_thread_index(struct imp *im, const json_t *j, const char *loc,
			    uint32_t *out)
{
	uint64_t v;
	int r = get_u64(im, j, loc, &v);

	if (r < 0)
		return r;
	if (v >= im->nthreads)
		return bad(im, "%s: thread %" PRIu64 " is not defined (%zu "
			   "threads so far)", loc, v, im->nthreads);
	*out = (uint32_t)v;
	return 0;
}

static int parse_threads(struct imp *im, json_t *a)
{
	static const char *const keys[] = { "pid", "tid", "parent", NULL };
	char loc[LOC_MAX], sub[LOC_MAX];
	size_t i;
	json_t *t;
	int r;

	if (!json_is_array(a))
		return expected(im, "threads", "an array", a);
	json_array_foreach(a, i, t) {
		int32_t pid, tid;
		uint32_t parent = UINT32_MAX;
		json_t *p;

		snprintf(loc, sizeof(loc), "threads[%zu]", i);
		if (!json_is_object(t))
			return expected(im, loc, "an object", t);
		if ((r = check_keys(im, t, loc, keys)) < 0)
			return r;
		locat(sub, loc, ".pid");
		if ((r = get_i32(im, json_object_get(t, "pid"), sub, &pid)) < 0)
			return r;
		locat(sub, loc, ".tid");
		if ((r = get_i32(im, json_object_get(t, "tid"), sub, &tid)) < 0)
			return r;
		p = json_object_get(t, "parent");
		if (p && !json_is_null(p)) {
			locat(sub, loc, ".parent");
			if ((r = get_thread_index(im, p, sub, &parent)) < 0)
				return r;
		}
		int64_t id = def_thread(im, pid, tid, parent, loc);

		if (id < 0)
			return (int)id;
	}
	return 0;
}

static int parse_paths(struct imp *im, json_t *a)
{
	char loc[LOC_MAX];
	size_t i;
	json_t *p;

	if (!json_is_array(a))
		return expected(im, "paths", "an array", a);
	im->paths = calloc(json_array_size(a) + 1, sizeof(*im->paths));
	if (!im->paths)
		return wfail(im, "paths", -ENOMEM);
	json_array_foreach(a, i, p) {
		snprintf(loc, sizeof(loc), "paths[%zu]", i);
		int64_t id = intern_path(im, p, loc);

		if (id < 0)
			return (int)id;
		im->paths[im->npaths++] = id;
	}
	return 0;
}

static int parse_blobs(struct imp *im, json_t *a)
{
	char loc[LOC_MAX];
	size_t i;
	json_t *b;

	if (!json_is_array(a))
		return expected(im, "blobs", "an array", a);
	im->blobs = calloc(json_array_size(a) + 1, sizeof(*im->blobs));
	if (!im->blobs)
		return wfail(im, "blobs", -ENOMEM);
	json_array_foreach(a, i, b) {
		snprintf(loc, sizeof(loc), "blobs[%zu]", i);
		int64_t id = add_blob(im, b, loc);

		if (id < 0)
			return (int)id;
		im->blobs[im->nblobs++] = id;
	}
	return 0;
}

static int parse_mode(struct imp *im, const json_t *j, const char *loc,
		      uint64_t *out)
{
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *end;

		errno = 0;
		if (*s >= '0' && *s <= '7') {
			*out = strtoull(s, &end, 8);
			if (!errno && !*end)
				return 0;
		}
		return bad(im, "%s: \"%s\" is not an octal mode", loc, s);
	}
	if (json_is_integer(j))
		return get_u64(im, j, loc, out);
	return expected(im, loc, "an octal mode string such as \"0644\"", j);
}

/* Decode one op field into ev->f[i] (and the vector for IOV). */
static int parse_field(struct imp *im, const struct iorr_field_desc *fd,
		       json_t *j, const char *loc, struct iorr_event *ev,
		       unsigned i)
{
	uint64_t *v = &ev->f[i];
	int64_t s = 0, id;
	int r;

	switch (fd->type) {
	case IORR_FT_FD:
	case IORR_FT_INT:
	case IORR_FT_OFF:
	case IORR_FT_PID:
		r = get_i64(im, j, loc, &s);
		*v = (uint64_t)s;
		return r;
	case IORR_FT_PATH:
		id = get_path(im, j, loc);
		*v = (uint64_t)id;
		return id < 0 ? (int)id : 0;
	case IORR_FT_FLAGS:
		if (json_is_string(j)) {
			const char *str = json_string_value(j);

			if (iorr_xlat_parse(fd->xlat, str, v) < 0)
				return bad(im, "%s: \"%s\" is not a valid %s "
					   "value (names joined by '|', or a "
					   "number)", loc, str,
					   iorr_xlat_name(fd->xlat));
			return 0;
		}
		if (json_is_integer(j))
			return get_u64(im, j, loc, v);
		return expected(im, loc, "flag names such as \"A|B\" or a "
				"number", j);
	case IORR_FT_MODE:
		return parse_mode(im, j, loc, v);
	case IORR_FT_DATA:
		if (json_is_null(j)) {
			*v = 0;
			return 0;
		}
		id = get_blob(im, j, loc);
		*v = (uint64_t)id + 1;
		return id < 0 ? (int)id : 0;
	case IORR_FT_HASH:
		if (json_is_null(j)) {
			*v = 0;
			return 0;
		}
		if (!json_is_string(j) || parse_hash64(json_string_value(j),
						       v) < 0)
			return bad(im, "%s: expected 16 hex digits (xxh3-64) "
				   "or null", loc);
		return 0;
	case IORR_FT_IOV: {
		size_t k;
		json_t *e;
		char sub[LOC_MAX];

		if (!json_is_array(j))
			return expected(im, loc, "an array of iovec lengths",
					j);
		if (json_array_size(j) > IORR_MAX_IOV)
			return bad(im, "%s: %zu iovecs, at most %u", loc,
				   json_array_size(j), IORR_MAX_IOV);
		json_array_foreach(j, k, e) {
			loc_index(sub, loc, k);
			if ((r = get_u64(im, e, sub, &im->vec[k])) < 0)
				return r;
		}
		*v = json_array_size(j);
		ev->nvec = (uint32_t)*v;
		ev->vec = im->vec;
		return 0;
	}
	case IORR_FT_THREAD: {
		uint32_t t = 0;

		if (json_is_object(j)) {
			static const char *const keys[] = { "pid", "tid",
							    NULL };

			if ((r = check_keys(im, j, loc, keys)) < 0)
				return r;
			id = thread_by_ids(im, json_object_get(j, "pid"),
					   json_object_get(j, "tid"),
					   ev->thread, loc);
			*v = (uint64_t)id;
			return id < 0 ? (int)id : 0;
		}
		r = get_thread_index(im, j, loc, &t);
		*v = t;
		return r;
	}
	case IORR_FT_UINT:
	case IORR_FT_LEN:
	case IORR_FT_BUF:
	case IORR_FT_ID:
	case IORR_FT_SEQ:
	default:
		return get_u64(im, j, loc, v);
	}
}

/* Fields a hand-written event may leave out default to 0, except these. */
static bool field_required(const struct iorr_field_desc *fd)
{
	return fd->type == IORR_FT_PATH || fd->type == IORR_FT_THREAD;
}

static int parse_event(struct imp *im, json_t *o, size_t idx,
		       struct iorr_event *ev, bool first, uint64_t prev_seq)
{
	static const char *const keys[] = {
		"seq", "thread", "pid", "tid", "start_ns", "end_ns", "op",
		"args", "result", "errno", NULL
	};
	char loc[LOC_MAX], sub[LOC_MAX];
	const struct iorr_op_desc *d;
	json_t *j, *args;
	int r, op;

	snprintf(loc, sizeof(loc), "events[%zu]", idx);
	if (!json_is_object(o))
		return expected(im, loc, "an object", o);
	if ((r = check_keys(im, o, loc, keys)) < 0)
		return r;
	memset(ev, 0, sizeof(*ev));

	locat(sub, loc, ".op");
	j = json_object_get(o, "op");
	if (!j)
		return bad(im, "%s: missing (required)", sub);
	if (!json_is_string(j))
		return expected(im, sub, "an op name", j);
	op = iorr_op_by_name(json_string_value(j));
	if (op < 0)
		return bad(im, "%s: unknown op \"%s\"", sub,
			   json_string_value(j));
	d = iorr_op_get((unsigned)op);
	ev->op = (uint16_t)op;
	ev->nfields = d->nfields;

	locat(sub, loc, ".seq");
	j = json_object_get(o, "seq");
	if (j) {
		if ((r = get_u64(im, j, sub, &ev->seq)) < 0)
			return r;
		if (!first && ev->seq <= prev_seq)
			return bad(im, "%s: %" PRIu64 " is not greater than "
				   "the previous event's seq %" PRIu64
				   " (events must be sorted by seq)", sub,
				   ev->seq, prev_seq);
	} else if (first) {
		ev->seq = 1;
	} else if (prev_seq == UINT64_MAX) {
		return bad(im, "%s: the previous seq is the largest possible",
			   sub);
	} else {
		ev->seq = prev_seq + 1;
	}

	/* The thread: an index, or pid/tid (found or defined). */
	json_t *jt = json_object_get(o, "thread");
	json_t *jpid = json_object_get(o, "pid");
	json_t *jtid = json_object_get(o, "tid");

	if (jt) {
		locat(sub, loc, ".thread");
		if ((r = get_thread_index(im, jt, sub, &ev->thread)) < 0)
			return r;
		if (jpid || jtid) {
			const struct thread_key *k = &im->threads[ev->thread];
			int32_t pid, tid;

			if (!jpid || !jtid)
				return bad(im, "%s: \"pid\" and \"tid\" go "
					   "together", loc);
			locat(sub, loc, ".pid");
			if ((r = get_i32(im, jpid, sub, &pid)) < 0)
				return r;
			locat(sub, loc, ".tid");
			if ((r = get_i32(im, jtid, sub, &tid)) < 0)
				return r;
			if (pid != k->pid || tid != k->tid)
				return bad(im, "%s: pid/tid %d/%d disagree "
					   "with thread %" PRIu32 " (%d/%d)",
					   loc, pid, tid, ev->thread, k->pid,
					   k->tid);
		}
	} else if (jpid || jtid) {
		int64_t t = thread_by_ids(im, jpid, jtid, UINT32_MAX, loc);

		if (t < 0)
			return (int)t;
		ev->thread = (uint32_t)t;
	} else {
		return bad(im, "%s: needs \"thread\" (an index into "
			   "\"threads\") or \"pid\" and \"tid\"", loc);
	}

	locat(sub, loc, ".start_ns");
	j = json_object_get(o, "start_ns");
	if (!j)
		return bad(im, "%s: missing (required)", sub);
	if ((r = get_u64(im, j, sub, &ev->start_ns)) < 0)
		return r;
	locat(sub, loc, ".end_ns");
	j = json_object_get(o, "end_ns");
	ev->end_ns = ev->start_ns;
	if (j && (r = get_u64(im, j, sub, &ev->end_ns)) < 0)
		return r;
	if (ev->end_ns < ev->start_ns)
		return bad(im, "%s: %" PRIu64 " is before start_ns %" PRIu64,
			   sub, ev->end_ns, ev->start_ns);

	locat(sub, loc, ".result");
	j = json_object_get(o, "result");
	if (j && (r = get_i64(im, j, sub, &ev->result)) < 0)
		return r;
	locat(sub, loc, ".errno");
	j = json_object_get(o, "errno");
	if (j && json_is_string(j)) {
		int e = iorr_errno_by_name(json_string_value(j));

		if (e < 0)
			return bad(im, "%s: unknown errno name \"%s\"", sub,
				   json_string_value(j));
		ev->err = (uint32_t)e;
	} else if (j) {
		uint64_t e;

		if ((r = get_u64_max(im, j, sub, 4095, &e)) < 0)
			return r;
		ev->err = (uint32_t)e;
	}

	/* Fields, by the op table. */
	locat(sub, loc, ".args");
	args = json_object_get(o, "args");
	if (args && !json_is_object(args))
		return expected(im, sub, "an object", args);
	if (args) {
		const char *key;
		json_t *v;

		json_object_foreach(args, key, v) {
			if (iorr_op_field_index((unsigned)op, key) >= 0)
				continue;
			char names[LOC_MAX] = "";

			for (unsigned i = 0; i < d->nfields; i++) {
				locat(names, names, i ? ", " : "");
				locat(names, names, d->fields[i].name);
			}
			return bad(im, "%s: op %s has no field \"%s\" "
				   "(fields: %s)", sub, d->name, key,
				   d->nfields ? names : "none");
		}
	}
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct iorr_field_desc *fd = &d->fields[i];
		char floc[LOC_MAX];

		j = args ? json_object_get(args, fd->name) : NULL;
		locat(floc, sub, ".");
		locat(floc, floc, fd->name);
		if (!j) {
			if (field_required(fd))
				return bad(im, "%s: missing (a %s field is "
					   "required)", floc,
					   iorr_field_type_name(fd->type));
			continue;
		}
		if ((r = parse_field(im, fd, j, floc, ev, i)) < 0)
			return r;
	}
	return 0;
}

static int parse_events(struct imp *im, json_t *a)
{
	struct iorr_event ev;
	uint64_t prev = 0;
	char loc[LOC_MAX];
	size_t i;
	json_t *o;
	int r;

	if (!json_is_array(a))
		return expected(im, "events", "an array", a);
	json_array_foreach(a, i, o) {
		if ((r = parse_event(im, o, i, &ev, i == 0, prev)) < 0)
			return r;
		snprintf(loc, sizeof(loc), "events[%zu]", i);
		if ((r = iorr_writer_event(im->w, &ev)) < 0)
			return wfail(im, loc, r);
		prev = ev.seq;
	}
	return 0;
}

static int parse_state(struct imp *im, json_t *o, const char *loc,
		       enum iorr_state_kind kind)
{
	static const char *const keys[] = {
		"path", "exists", "mode", "size", "hash", "content_missing",
		"extents", "link", "other_flags", NULL
	};
	struct iorr_file_state st = { 0 };
	struct iorr_extent *ext = NULL;
	char sub[LOC_MAX];
	char *link = NULL;
	bool exists = true, missing = false;
	uint64_t v, end = 0;
	json_t *j;
	int64_t id;
	int r;

	if (!json_is_object(o))
		return expected(im, loc, "an object", o);
	if ((r = check_keys(im, o, loc, keys)) < 0)
		return r;
	locat(sub, loc, ".path");
	j = json_object_get(o, "path");
	if (!j)
		return bad(im, "%s: missing (required)", sub);
	if ((id = intern_path(im, j, sub)) < 0)
		return (int)id;
	st.path = (uint32_t)id;

	locat(sub, loc, ".exists");
	if ((j = json_object_get(o, "exists")) &&
	    (r = get_bool(im, j, sub, &exists)) < 0)
		return r;
	locat(sub, loc, ".content_missing");
	if ((j = json_object_get(o, "content_missing")) &&
	    (r = get_bool(im, j, sub, &missing)) < 0)
		return r;
	st.flags = (exists ? IORR_FS_EXISTS : 0) |
		   (missing ? IORR_FS_CONTENT_MISSING : 0);
	locat(sub, loc, ".other_flags");
	if ((j = json_object_get(o, "other_flags"))) {
		if ((r = get_u64_max(im, j, sub, UINT32_MAX, &v)) < 0)
			return r;
		if (v & FS_KNOWN)
			return bad(im, "%s: bits %#" PRIx64 " have their own "
				   "keys", sub, v & FS_KNOWN);
		st.flags |= (uint32_t)v;
	}

	locat(sub, loc, ".mode");
	v = exists ? 0100644 : 0;
	if ((j = json_object_get(o, "mode")) &&
	    (r = parse_mode(im, j, sub, &v)) < 0)
		return r;
	if (v > UINT32_MAX)
		return bad(im, "%s: out of range", sub);
	st.mode = (uint32_t)v;

	locat(sub, loc, ".hash");
	if ((j = json_object_get(o, "hash")) && !json_is_null(j)) {
		if ((r = get_hash128(im, j, sub, &st.hash)) < 0)
			return r;
		st.flags |= IORR_FS_HASHED;
	}

	locat(sub, loc, ".extents");
	j = json_object_get(o, "extents");
	if (j && !json_is_array(j))
		return expected(im, sub, "an array", j);
	if (j && json_array_size(j) > IORR_MAX_EXTENTS)
		return bad(im, "%s: more than %u extents", sub,
			   IORR_MAX_EXTENTS);
	if (j && json_array_size(j)) {
		static const char *const ekeys[] = { "off", "len", "blob",
						     NULL };
		size_t i;
		json_t *e;

		ext = calloc(json_array_size(j), sizeof(*ext));
		if (!ext)
			return wfail(im, sub, -ENOMEM);
		json_array_foreach(j, i, e) {
			char eloc[LOC_MAX], floc[LOC_MAX];
			json_t *jb, *jl, *jo;
			uint64_t off, len;

			loc_index(eloc, sub, i);
			r = -EINVAL;
			if (!json_is_object(e)) {
				expected(im, eloc, "an object", e);
				goto fail;
			}
			if (check_keys(im, e, eloc, ekeys) < 0)
				goto fail;
			jo = json_object_get(e, "off");
			jl = json_object_get(e, "len");
			jb = json_object_get(e, "blob");
			locat(floc, eloc, ".off");
			if (!jo) {
				bad(im, "%s: missing (required)", floc);
				goto fail;
			}
			if (get_u64(im, jo, floc, &off) < 0)
				goto fail;
			locat(floc, eloc, ".blob");
			if (!jb) {
				bad(im, "%s: missing (required)", floc);
				goto fail;
			}
			if ((id = get_blob(im, jb, floc)) < 0) {
				r = (int)id;
				goto fail;
			}
			/* The blob's size is the extent's length. */
			len = im->blob_size[id];
			locat(floc, eloc, ".len");
			if (jl) {
				uint64_t l;

				if (get_u64(im, jl, floc, &l) < 0)
					goto fail;
				if (l != len) {
					bad(im, "%s: %" PRIu64 " is not the "
					    "blob's size %" PRIu64, floc, l,
					    len);
					goto fail;
				}
			}
			if (off + len < off) {
				bad(im, "%s: offset + length overflows", eloc);
				goto fail;
			}
			if (off + len > end)
				end = off + len;
			ext[i] = (struct iorr_extent){ off, len,
						       (uint32_t)id };
		}
		st.nextents = (uint32_t)json_array_size(j);
		st.extents = ext;
	}

	locat(sub, loc, ".size");
	st.size = end;
	if ((j = json_object_get(o, "size"))) {
		if ((r = get_u64(im, j, sub, &st.size)) < 0)
			goto fail;
		if (st.size < end) {
			r = bad(im, "%s: %" PRIu64 " is less than the end of "
				"the extents (%" PRIu64 ")", sub, st.size, end);
			goto fail;
		}
	}

	locat(sub, loc, ".link");
	if ((j = json_object_get(o, "link")) && !json_is_null(j)) {
		if ((r = get_bytes(im, j, sub, &link)) < 0)
			goto fail;
		st.link = link;
	}
	r = iorr_writer_state(im->w, kind, &st);
	if (r < 0)
		r = wfail(im, loc, r);
fail:
	free(ext);
	free(link);
	return r;
}

static int parse_states(struct imp *im, json_t *a, const char *name,
			enum iorr_state_kind kind)
{
	char loc[LOC_MAX];
	size_t i;
	json_t *o;
	int r;

	if (!json_is_array(a))
		return expected(im, name, "an array", a);
	json_array_foreach(a, i, o) {
		loc_index(loc, name, i);
		if ((r = parse_state(im, o, loc, kind)) < 0)
			return r;
	}
	return 0;
}

static int parse_notes(struct imp *im, json_t *o)
{
	const char *key;
	json_t *v;
	char loc[LOC_MAX];

	if (!json_is_object(o))
		return expected(im, "notes", "an object", o);
	json_object_foreach(o, key, v) {
		char *text;
		int r;

		locat(loc, "notes.", key);
		if (!*key)
			return bad(im, "notes: empty key");
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
				     JSON_PRESERVE_ORDER);
		if (!text)
			return wfail(im, loc, -ENOMEM);
		r = iorr_writer_note(im->w, key, text);
		free(text);
		if (r < 0)
			return wfail(im, loc, r);
	}
	return 0;
}

static int check_format(struct imp *im, json_t *o)
{
	static const char *const keys[] = { "format", NULL };
	json_t *f;
	int r;

	if (!o)
		return bad(im, "iorr_trace: missing (required: "
			   "{\"format\": \"%d.%d\"} identifies the document)",
			   IORR_JSON_FORMAT_MAJOR, IORR_JSON_FORMAT_MINOR);
	if (!json_is_object(o))
		return expected(im, "iorr_trace", "an object", o);
	if ((r = check_keys(im, o, "iorr_trace", keys)) < 0)
		return r;
	f = json_object_get(o, "format");
	if (!f || !json_is_string(f))
		return bad(im, "iorr_trace.format: expected a version string "
			   "such as \"%d.%d\"", IORR_JSON_FORMAT_MAJOR,
			   IORR_JSON_FORMAT_MINOR);

	const char *s = json_string_value(f);
	char *end;
	unsigned long major = strtoul(s, &end, 10);

	if (end == s || *end != '.' || end[1] < '0' || end[1] > '9' ||
	    major != IORR_JSON_FORMAT_MAJOR)
		return bad(im, "iorr_trace.format: version \"%s\" is not "
			   "supported (this iorr reads %d.x)", s,
			   IORR_JSON_FORMAT_MAJOR);
	return 0;
}

/* The header metadata text: "metadata" (object) or "metadata_raw". */
static int metadata_text(struct imp *im, json_t *doc, char **out)
{
	json_t *m = json_object_get(doc, "metadata");
	json_t *raw = json_object_get(doc, "metadata_raw");

	if (m && raw)
		return bad(im, "metadata_raw: give \"metadata\" or "
			   "\"metadata_raw\", not both");
	if (raw)
		return get_bytes(im, raw, "metadata_raw", out);
	if (m && !json_is_object(m))
		return expected(im, "metadata", "an object", m);
	*out = m ? json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER) :
		   strdup("{}");
	if (!*out)
		return wfail(im, "metadata", -ENOMEM);
	return 0;
}

static int import_doc(struct imp *im, json_t *doc, int fd)
{
	static const char *const keys[] = {
		"iorr_trace", "metadata", "metadata_raw", "threads", "paths",
		"blobs", "events", "initial_state", "final_state", "notes",
		NULL
	};
	struct iorr_writer_opts opts = {
		/*
		 * RATIONALE: the reader refuses an events chunk whose iovec
		 * vectors hold more than IORR_MAX_CHUNK_VECTOR values; with
		 * at most IORR_MAX_IOV per event, this many events per chunk
		 * can never exceed it, whatever the JSON holds.
		 */
		.events_per_chunk = IORR_MAX_CHUNK_VECTOR / IORR_MAX_IOV,
	};
	char *meta = NULL;
	json_t *j;
	int r;

	if (!json_is_object(doc)) {
		close(fd);
		return expected(im, "(document)", "an object", doc);
	}
	if ((r = check_keys(im, doc, "(document)", keys)) < 0 ||
	    (r = check_format(im, json_object_get(doc, "iorr_trace"))) < 0 ||
	    (r = metadata_text(im, doc, &meta)) < 0) {
		close(fd);
		return r;
	}
	if (strlen(meta) > IORR_MAX_METADATA) {
		free(meta);
		close(fd);
		return bad(im, "metadata: larger than %u bytes",
			   IORR_MAX_METADATA);
	}
	r = iorr_writer_open_fd(fd, meta, &opts, &im->w);
	free(meta);
	if (r < 0)
		return wfail(im, "(output)", r);

	if ((j = json_object_get(doc, "threads")) &&
	    (r = parse_threads(im, j)) < 0)
		return r;
	if ((j = json_object_get(doc, "paths")) &&
	    (r = parse_paths(im, j)) < 0)
		return r;
	if ((j = json_object_get(doc, "blobs")) &&
	    (r = parse_blobs(im, j)) < 0)
		return r;
	if ((j = json_object_get(doc, "events")) &&
	    (r = parse_events(im, j)) < 0)
		return r;
	if ((j = json_object_get(doc, "initial_state")) &&
	    (r = parse_states(im, j, "initial_state", IORR_STATE_INITIAL)) < 0)
		return r;
	if ((j = json_object_get(doc, "final_state")) &&
	    (r = parse_states(im, j, "final_state", IORR_STATE_FINAL)) < 0)
		return r;
	if ((j = json_object_get(doc, "notes")) &&
	    (r = parse_notes(im, j)) < 0)
		return r;
	return 0;
}

static void imp_free(struct imp *im)
{
	struct thread_ent *e, *t;

	HASH_ITER(hh, im->thread_hash, e, t) {
		HASH_DEL(im->thread_hash, e);
		free(e);
	}
	free(im->threads);
	free(im->paths);
	free(im->blobs);
	free(im->blob_size);
}

int iorr_json_import(const char *json_path, const char *out_path, char *msg,
		     size_t msglen)
{
	/* Duplicate keys are an error: one of them would be dropped. */
	const size_t flags = JSON_REJECT_DUPLICATES;
	struct imp im = { .msg = msg, .msglen = msglen };
	json_error_t jerr;
	json_t *doc;
	char *tmp = NULL;
	int fd, r;

	if (msglen)
		msg[0] = '\0';
	if (strcmp(json_path, "-") == 0)
		doc = json_loadf(stdin, flags, &jerr);
	else
		doc = json_load_file(json_path, flags, &jerr);
	if (!doc) {
		/* jansson reports an unreadable file with line -1. */
		if (jerr.line < 0)
			return bad(&im, "%s", jerr.text), -EIO;
		return bad(&im, "line %d, column %d: %s", jerr.line,
			   jerr.column, jerr.text);
	}
	if (asprintf(&tmp, "%s.XXXXXX", out_path) < 0) {
		json_decref(doc);
		return bad(&im, "out of memory"), -ENOMEM;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		bad(&im, "cannot create a file next to %s: %s", out_path,
		    strerror(errno));
		goto out;
	}
	/* mkstemp makes 0600; a trace is meant to be shared. */
	mode_t mask = umask(0);

	umask(mask);
	if (fchmod(fd, 0644 & ~mask) < 0) {
		r = -errno;
		bad(&im, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	r = import_doc(&im, doc, fd);
	if (im.w) {
		int c = iorr_writer_close(im.w);

		if (r == 0 && c < 0)
			r = wfail(&im, out_path, c);
	}
	if (r == 0 && rename(tmp, out_path) < 0) {
		r = -errno;
		bad(&im, "cannot rename %s to %s: %s", tmp, out_path,
		    strerror(errno));
	}
	if (r < 0)
		unlink(tmp);
out:
	imp_free(&im);
	free(tmp);
	json_decref(doc);
	return r;
}
