/* SPDX-License-Identifier: MIT */
/*
 * bench/codec: size and speed of the trace codec on a stream shaped like
 * fio 4 KiB random writes on a 64 MiB file (see bench/README.md).
 *
 *   codec [-n EVENTS] [-r REPS] [-d DIR] [--columns]
 *   codec --trace FILE
 *
 * 1,000,000 pwrite events, one thread, one fd, no payload or hash stored:
 * offset a uniformly random 4 KiB block of 64 MiB, start-to-start gap
 * 900 ns + uniform[0,256) ns, duration 600 ns + uniform[0,256) ns, result
 * 4096.  The stream is generated (seeded) before timing starts.  Encoding
 * (writer API, into a file in DIR: /dev/shm when present, else /tmp) and
 * decoding (reader API, from that file) are timed separately, REPS times
 * each (default 5), alternating which goes first; the medians are printed
 * as one JSON line:
 *
 *   {"bench":"codec","events":N,"reps":R,"bytes_per_event":B,
 *    "encode_events_per_s":E,"decode_events_per_s":D}
 *
 * --columns also prints, to stderr, one JSON line per column of the first
 * events chunk: its encoded size and its size compressed alone by zstd.
 * --trace FILE runs no benchmark: it prints the same, summed over every
 * events chunk of FILE, and the bytes of each chunk type, to see where
 * the bytes of a real trace go.
 * Exit 0, or 1 with a message when writing, reading or checking fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "iorr/trace.h"
#include "trace/format.h"
#include "util/bytes.h"

static uint64_t rng_state = 20240901;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The generated stream: only what varies between events. */
struct stream {
	size_t n;
	uint16_t *block;	/* 4 KiB block index in the 64 MiB file */
	uint8_t *gap;		/* start-to-start gap - 900 ns */
	uint8_t *dur;		/* duration - 600 ns */
	uint64_t offsum;	/* sum of offsets, to check decoding */
};

static int f_fd, f_len, f_off, f_buf, f_data;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench/codec: %s: %s\n", what, strerror(-err));
	exit(1);
}

static void generate(struct stream *s, size_t n)
{
	s->n = n;
	s->block = malloc(n * sizeof(*s->block));
	s->gap = malloc(n);
	s->dur = malloc(n);
	if (!s->block || !s->gap || !s->dur)
		die("generate", -ENOMEM);
	s->offsum = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rnd();

		s->block[i] = (uint16_t)(r % 16384);	/* 64 MiB / 4 KiB */
		s->gap[i] = (uint8_t)(r >> 16);
		s->dur[i] = (uint8_t)(r >> 24);
		s->offsum += (uint64_t)s->block[i] * 4096;
	}
}

/* @return seconds spent writing the whole trace to @path. */
static double encode(const struct stream *s, const char *path)
{
	struct iorr_writer *w;
	struct iorr_event ev = {
		.op = IORR_OP_pwrite,
		.nfields = iorr_op_table[IORR_OP_pwrite].nfields,
		.result = 4096,
	};
	uint64_t t = 1000000000;
	double t0 = now();
	int r;

	r = iorr_writer_open(path, "{\"bench\":\"codec\"}", NULL, &w);
	if (r < 0)
		die(path, r);
	if ((r = iorr_writer_thread(w, 4242, 4242, UINT32_MAX)) < 0)
		die("thread", r);
	ev.f[f_fd] = 3;
	ev.f[f_len] = 4096;
	ev.f[f_buf] = 0;
	ev.f[f_data] = 0;
	for (size_t i = 0; i < s->n; i++) {
		t += 900 + s->gap[i];
		ev.seq = i + 1;
		ev.start_ns = t;
		ev.end_ns = t + 600 + s->dur[i];
		ev.f[f_off] = (uint64_t)s->block[i] * 4096;
		if ((r = iorr_writer_event(w, &ev)) < 0)
			die("event", r);
	}
	if ((r = iorr_writer_close(w)) < 0)
		die("close", r);
	return now() - t0;
}

/* @return seconds spent reading every event of @path; checks them. */
static double decode(const struct stream *s, const char *path)
{
	struct iorr_reader *rd;
	struct iorr_error err;
	struct iorr_event ev;
	uint64_t n = 0, offsum = 0, bad = 0;
	double t0 = now();
	int r;

	if ((r = iorr_reader_open(path, NULL, &rd, &err)) < 0) {
		fprintf(stderr, "bench/codec: %s: %s\n", path, err.msg);
		exit(1);
	}
	while ((r = iorr_reader_next(rd, &ev, &err)) > 0) {
		offsum += ev.f[f_off];
		bad |= ev.op ^ IORR_OP_pwrite;
		bad |= (uint64_t)ev.result ^ 4096;
		n++;
	}
	if (r < 0) {
		fprintf(stderr, "bench/codec: %s: %s\n", path, err.msg);
		exit(1);
	}
	iorr_reader_close(rd);
	double dt = now() - t0;

	if (n != s->n || offsum != s->offsum || bad) {
		fprintf(stderr, "bench/codec: decoded stream differs (%llu of "
			"%zu events)\n", (unsigned long long)n, s->n);
		exit(1);
	}
	return dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static size_t zsize(const void *p, size_t n)
{
	size_t bound = ZSTD_compressBound(n);
	void *z = malloc(bound);
	size_t k = z ? ZSTD_compress(z, bound, p, n, 3) : 0;

	free(z);
	return ZSTD_isError(k) ? 0 : k;
}

/* Bytes of one column summed over the chunks of a trace. */
struct colstat {
	uint64_t key, fid, values, bytes, zstd_alone, chunks;
	uint8_t enc, xf, shift, width;	/* of the first chunk */
};

static struct colstat *colstat_get(struct colstat **v, size_t *n,
				   uint64_t key, uint64_t fid)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].key == key && (*v)[i].fid == fid)
			return &(*v)[i];
	struct colstat *p = realloc(*v, (*n + 1) * sizeof(*p));

	if (!p)
		die("columns", -ENOMEM);
	*v = p;
	memset(&p[*n], 0, sizeof(p[*n]));
	p[*n].key = key;
	p[*n].fid = fid;
	return &p[(*n)++];
}

/* Add the columns of one decoded events chunk to @cs. */
static void chunk_columns(const uint8_t *raw, size_t rawlen,
			  struct colstat **cs, size_t *ncs, uint64_t *dirbytes)
{
	struct cursor c;
	uint64_t n, bseq, btime, ncols;

	cursor_init(&c, raw, rawlen);
	if (cursor_varint(&c, &n) < 0 || cursor_varint(&c, &bseq) < 0 ||
	    cursor_varint(&c, &btime) < 0 || cursor_varint(&c, &ncols) < 0 ||
	    ncols > rawlen / 4)
		die("chunk header", -EBADMSG);
	uint64_t (*dir)[4] = calloc(ncols ? ncols : 1, sizeof(*dir));

	if (!dir)
		die("columns", -ENOMEM);
	for (uint64_t i = 0; i < ncols; i++)
		for (int k = 0; k < 4; k++)
			if (cursor_varint(&c, &dir[i][k]) < 0)
				die("directory", -EBADMSG);
	*dirbytes += (uint64_t)(c.p - raw);
	for (uint64_t i = 0; i < ncols; i++) {
		const uint8_t *p;
		struct colstat *s = colstat_get(cs, ncs, dir[i][0], dir[i][1]);

		if (cursor_bytes(&c, &p, dir[i][3]) < 0 || dir[i][3] == 0)
			die("column data", -EBADMSG);
		if (!s->chunks++) {
			s->enc = p[0];
			s->xf = p[0] && dir[i][3] > 3 ? p[1] : 0;
			s->shift = p[0] && dir[i][3] > 3 ? p[2] : 0;
			s->width = p[0] && dir[i][3] > 3 ? p[3] : 0;
		}
		s->values += dir[i][2];
		s->bytes += dir[i][3];
		s->zstd_alone += zsize(p, dir[i][3]);
	}
	free(dir);
}

/*
 * Print where the bytes of the trace @path go, to stderr: one JSON line
 * per chunk type (count, stored and raw bytes), then the events chunks'
 * directory bytes and one JSON line per column (key, fid), summed over
 * every events chunk (or over the first only when @first_only): values,
 * encoded bytes, bits per value, the size zstd makes of the column alone,
 * and the first chunk's encoding.
 */
static void columns(const char *path, int first_only)
{
	static const char *const names[] = { "?", "threads", "paths", "blobs",
					     "events", "initial", "final",
					     "notes", "trailer" };
	FILE *f = fopen(path, "rb");
	static uint8_t hdr[IORR_FILE_HEADER_SIZE], ch[IORR_CHUNK_HEADER_SIZE];
	uint64_t tcount[9] = { 0 }, tstored[9] = { 0 }, traw[9] = { 0 };
	uint64_t dirbytes = 0, events = 0;
	struct colstat *cs = NULL;
	size_t ncs = 0;
	uint32_t meta;

	if (!f || fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
		die(path, -EIO);
	meta = get_le32(hdr + 16);
	if (fseek(f, (long)meta, SEEK_CUR) < 0)
		die(path, -EIO);
	while (fread(ch, 1, sizeof(ch), f) == sizeof(ch)) {
		size_t stored = get_le32(ch + 12), rawlen = get_le32(ch + 16);
		unsigned type = ch[4] < 9 ? ch[4] : 0;

		tcount[type]++;
		tstored[type] += sizeof(ch) + stored;
		traw[type] += rawlen;
		if (type != IORR_CHUNK_EVENTS ||
		    (first_only && tcount[type] > 1)) {
			if (fseek(f, (long)stored, SEEK_CUR) < 0)
				die(path, -EIO);
			continue;
		}
		uint8_t *zp = malloc(stored ? stored : 1);
		uint8_t *raw = malloc(rawlen ? rawlen : 1);

		if (!zp || !raw || fread(zp, 1, stored, f) != stored)
			die("read chunk", -EIO);
		if (ch[5] == IORR_CODEC_ZSTD) {
			size_t k = ZSTD_decompress(raw, rawlen, zp, stored);

			if (ZSTD_isError(k) || k != rawlen)
				die("decompress", -EBADMSG);
		} else {
			memcpy(raw, zp, rawlen);
		}
		events += get_le32(ch + 20);
		chunk_columns(raw, rawlen, &cs, &ncs, &dirbytes);
		free(zp);
		free(raw);
	}
	fclose(f);
	fprintf(stderr, "{\"file\":\"%s\",\"header_and_metadata\":%u}\n",
		path, IORR_FILE_HEADER_SIZE + meta);
	for (unsigned t = 0; t < 9; t++)
		if (tcount[t])
			fprintf(stderr, "{\"chunks\":\"%s\",\"count\":%llu,"
				"\"stored\":%llu,\"raw\":%llu}\n", names[t],
				(unsigned long long)tcount[t],
				(unsigned long long)tstored[t],
				(unsigned long long)traw[t]);
	fprintf(stderr, "{\"events\":%llu,\"directory_bytes\":%llu}\n",
		(unsigned long long)events, (unsigned long long)dirbytes);
	for (size_t i = 0; i < ncs; i++)
		fprintf(stderr, "{\"key\":%llu,\"fid\":%llu,\"values\":%llu,"
			"\"bytes\":%llu,\"bits_per_value\":%.2f,"
			"\"zstd_alone\":%llu,\"enc\":%u,\"xf\":%u,"
			"\"shift\":%u,\"width\":%u}\n",
			(unsigned long long)cs[i].key,
			(unsigned long long)cs[i].fid,
			(unsigned long long)cs[i].values,
			(unsigned long long)cs[i].bytes,
			cs[i].values ? 8.0 * (double)cs[i].bytes /
				       (double)cs[i].values : 0.0,
			(unsigned long long)cs[i].zstd_alone, cs[i].enc,
			cs[i].xf, cs[i].shift, cs[i].width);
	free(cs);
}

int main(int argc, char **argv)
{
	size_t nevents = 1000000;
	int reps = 5, want_columns = 0;
	const char *trace = NULL;
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char path[4096];
	struct stream s;
	struct stat st;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			nevents = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--columns") == 0)
			want_columns = 1;
		else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc)
			trace = argv[++i];
		else {
			fprintf(stderr, "usage: codec [-n EVENTS] [-r REPS] "
				"[-d DIR] [--columns] | --trace FILE\n");
			return 2;
		}
	}
	if (trace) {
		columns(trace, 0);
		return 0;
	}
	if (nevents == 0 || reps < 1 || reps > 99) {
		fprintf(stderr, "bench/codec: bad -n or -r\n");
		return 2;
	}
	f_fd = iorr_op_field_index(IORR_OP_pwrite, "fd");
	f_len = iorr_op_field_index(IORR_OP_pwrite, "len");
	f_off = iorr_op_field_index(IORR_OP_pwrite, "off");
	f_buf = iorr_op_field_index(IORR_OP_pwrite, "buf");
	f_data = iorr_op_field_index(IORR_OP_pwrite, "data");
	if (f_fd < 0 || f_len < 0 || f_off < 0 || f_buf < 0 || f_data < 0) {
		fprintf(stderr, "bench/codec: pwrite lacks a field\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/iorr-bench-codec.%ld.iorr", dir,
		 (long)getpid());
	generate(&s, nevents);

	double enc[99], dec[99];

	/* Warm-up: page cache, allocator, and the file decode reads. */
	encode(&s, path);
	decode(&s, path);
	for (int i = 0; i < reps; i++) {
		if (i % 2 == 0) {
			enc[i] = encode(&s, path);
			dec[i] = decode(&s, path);
		} else {
			dec[i] = decode(&s, path);
			enc[i] = encode(&s, path);
		}
	}
	if (stat(path, &st) < 0) {
		fprintf(stderr, "bench/codec: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (want_columns)
		columns(path, 1);
	unlink(path);

	printf("{\"bench\":\"codec\",\"events\":%zu,\"reps\":%d,"
	       "\"bytes_per_event\":%.3f,\"encode_events_per_s\":%.0f,"
	       "\"decode_events_per_s\":%.0f}\n", nevents, reps,
	       (double)st.st_size / (double)nevents,
	       (double)nevents / median(enc, reps),
	       (double)nevents / median(dec, reps));
	free(s.block);
	free(s.gap);
	free(s.dur);
	return 0;
}
