/* SPDX-License-Identifier: MIT */
/*
 * stdio wrappers.  libc's stdio calls its own internal read/write/open,
 * which no preload library sees, so streams are recorded at the stdio
 * level: the FILE's fd stands for the stream.
 *
 * Every input call is recorded as fread and every output call as fwrite,
 * with size 1 and the byte count as result for the character and line
 * calls (fgets, getline, fputs, fprintf...); -1 with errno on error, 0 at
 * end of file.  Output calls store the bytes they produced.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "record/wrap_common.h"

/* bits/stdio.h may define these as macros when optimizing */
#undef fread_unlocked
#undef fwrite_unlocked
#undef getc
#undef putc

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);

static int stream_fd(FILE *f)
{
	return f ? fileno_unlocked(f) : -1;
}

static bool stream_traced(FILE *f)
{
	return iorr_on() && f && iorr_fd_traced(stream_fd(f));
}

/*
 * The open(2) flags of an fopen/fdopen mode string.  A mode libc refuses
 * (its first character is not r, w or a: EINVAL) has no flags; it is
 * recorded with the access mode O_ACCMODE, which no valid mode gives, so
 * that the replay fails the call as libc did instead of opening the file.
 */
static uint64_t mode_flags(const char *m)
{
	uint64_t fl = 0;

	switch (m ? m[0] : 'r') {
	case 'r':
		fl = O_RDONLY;
		break;
	case 'w':
		fl = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		fl = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		return O_ACCMODE;
	}
	for (const char *p = m ? m + 1 : ""; *p && *p != ','; p++) {
		if (*p == '+')
			fl = (fl & ~(uint64_t)O_ACCMODE) | O_RDWR;
		else if (*p == 'x')
			fl |= O_EXCL;
		else if (*p == 'e')
			fl |= O_CLOEXEC;
	}
	return fl;
}

#define FOPEN_BODY(call)						\
	do {								\
		struct iorr_patharg pa;					\
		struct iorr_ev e;					\
		FILE *r;						\
									\
		if (unlikely(!real_fn)) {				\
			errno = ENOSYS;					\
			return NULL;					\
		}							\
		if (!iorr_on())						\
			return call;					\
		iorr_patharg(&pa, AT_FDCWD, path);			\
		if (!pa.traced) {					\
			r = call;					\
			if (r)						\
				iorr_fd_set(stream_fd(r),		\
					    IORR_FD_IGNORED);		\
			return r;					\
		}							\
		iorr_first_touch(pa.abs);				\
		iorr_ev_begin(&e, IORR_OP_fopen, IORR_NF_fopen);	\
		r = call;						\
		iorr_ev_end(&e, r ? stream_fd(r) : -1);			\
		if (r && !iorr_fd_opened(stream_fd(r), pa.abs)) {	\
			errno = e.saved_errno;				\
			return r;					\
		}							\
		e.f[0] = 0;						\
		e.f[1] = mode_flags(mode);				\
		iorr_ev_path(&e, 0, pa.abs);				\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

FILE *fopen(const char *path, const char *mode)
{
	static __typeof__(fopen) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("fopen");
	FOPEN_BODY(real_fn(path, mode));
}

FILE *fopen64(const char *path, const char *mode)
{
	static __typeof__(fopen64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("fopen64");
	FOPEN_BODY(real_fn(path, mode));
}

/* freopen closes the stream's old fd first: record that as fclose. */
static void freopen_pre(FILE *f)
{
	struct iorr_ev e;
	int fd;

	if (!f || !iorr_on())
		return;
	fd = stream_fd(f);
	if (iorr_fd_get(fd) != IORR_FD_TRACED)
		return;
	iorr_ev_begin(&e, IORR_OP_fclose, IORR_NF_fclose);
	iorr_ev_end(&e, 0);
	e.f[0] = iorr_i64(fd);
	iorr_fd_set(fd, IORR_FD_UNKNOWN);
	iorr_emit(&e);
}

FILE *freopen(const char *path, const char *mode, FILE *f)
{
	static __typeof__(freopen) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("freopen");
	if (!path || !real_fn || !iorr_on())
		return real_fn ? real_fn(path, mode, f) : NULL;
	freopen_pre(f);
	FOPEN_BODY(real_fn(path, mode, f));
}

FILE *freopen64(const char *path, const char *mode, FILE *f)
{
	static __typeof__(freopen64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("freopen64");
	if (!path || !real_fn || !iorr_on())
		return real_fn ? real_fn(path, mode, f) : NULL;
	freopen_pre(f);
	FOPEN_BODY(real_fn(path, mode, f));
}

FILE *fdopen(int fd, const char *mode)
{
	REAL(fdopen);
	struct iorr_ev e;
	FILE *r;

	if (unlikely(!real_fdopen)) {
		errno = ENOSYS;
		return NULL;
	}
	if (!iorr_on() || !iorr_fd_traced(fd))
		return real_fdopen(fd, mode);
	iorr_ev_begin(&e, IORR_OP_fdopen, IORR_NF_fdopen);
	r = real_fdopen(fd, mode);
	iorr_ev_end(&e, r ? fd : -1);
	e.f[0] = iorr_i64(fd);
	e.f[1] = mode_flags(mode);
	iorr_emit(&e);
	return r;
}

int fclose(FILE *f)
{
	REAL(fclose);
	struct iorr_ev e;
	int fd, r;

	if (unlikely(!real_fclose))
		return EOF;
	if (!iorr_on() || !f)
		return real_fclose(f);
	fd = stream_fd(f);
	if (iorr_fd_get(fd) != IORR_FD_TRACED) {
		r = real_fclose(f);
		iorr_fd_set(fd, IORR_FD_UNKNOWN);
		return r;
	}
	iorr_ev_begin(&e, IORR_OP_fclose, IORR_NF_fclose);
	r = real_fclose(f);
	iorr_ev_end(&e, r);
	iorr_fd_set(fd, IORR_FD_UNKNOWN);
	e.f[0] = iorr_i64(fd);
	iorr_emit(&e);
	return r;
}

/* An input call returned @bytes bytes at @buf (-1: error, 0: EOF). */
static void in_record(struct iorr_ev *e, FILE *f, uint64_t size,
		      uint64_t nmemb, int64_t result, const void *buf,
		      int64_t bytes)
{
	e->result = result;
	e->err = result < 0 ? e->saved_errno : 0;
	e->f[0] = iorr_i64(stream_fd(f));
	e->f[1] = size;
	e->f[2] = nmemb;
	iorr_ev_read(e, 3, buf, bytes);
	iorr_emit(e);
}

static void out_record(struct iorr_ev *e, FILE *f, uint64_t size,
		       uint64_t nmemb, int64_t result, const void *buf,
		       int64_t bytes)
{
	e->result = result;
	e->err = result < 0 ? e->saved_errno : 0;
	e->f[0] = iorr_i64(stream_fd(f));
	e->f[1] = size;
	e->f[2] = nmemb;
	iorr_ev_data(e, 3, buf, bytes);
	iorr_emit(e);
}

/* Time the real call @call, saving errno; the body records. */
#define STDIO_CALL(e, op, call)						\
	do {								\
		iorr_ev_begin(&(e), IORR_OP_##op, IORR_NF_##op);	\
		call;							\
		(e).saved_errno = errno;				\
		(e).end = iorr_now();					\
	} while (0)

/* The body of an fread form whose real call takes @... (ptr ... f). */
#define FREAD_BODY(name, ...)						\
	do {								\
		struct iorr_ev e;					\
		size_t r;						\
									\
		if (unlikely(!real_##name))				\
			return 0;					\
		if (!stream_traced(f))					\
			return real_##name(__VA_ARGS__);		\
		STDIO_CALL(e, fread, r = real_##name(__VA_ARGS__));	\
		in_record(&e, f, size, n, (int64_t)r, ptr,		\
			  (int64_t)(r * size));				\
		return r;						\
	} while (0)

/* Record a line read (fgets forms) that returned @r into @s. */
static void line_record(struct iorr_ev *e, FILE *f, int n, char *s, char *r)
{
	int64_t len = r ? (int64_t)strlen(r) : ferror(f) ? -1 : 0;

	in_record(e, f, 1, n > 0 ? (uint64_t)n : 0, len, s, len);
}

size_t fread(void *ptr, size_t size, size_t n, FILE *f)
{
	REAL(fread);
	FREAD_BODY(fread, ptr, size, n, f);
}

size_t fread_unlocked(void *ptr, size_t size, size_t n, FILE *f)
{
	REAL(fread_unlocked);
	FREAD_BODY(fread_unlocked, ptr, size, n, f);
}

/*
 * The fortified forms that _FORTIFY_SOURCE builds call instead; they take
 * the destination's size first and abort on overflow like the real ones.
 */
size_t __fread_chk(void *ptr, size_t ptrlen, size_t size, size_t n, FILE *f);
size_t __fread_chk(void *ptr, size_t ptrlen, size_t size, size_t n, FILE *f)
{
	REAL(__fread_chk);
	FREAD_BODY(__fread_chk, ptr, ptrlen, size, n, f);
}

size_t __fread_unlocked_chk(void *ptr, size_t ptrlen, size_t size, size_t n,
			    FILE *f);
size_t __fread_unlocked_chk(void *ptr, size_t ptrlen, size_t size, size_t n,
			    FILE *f)
{
	REAL(__fread_unlocked_chk);
	FREAD_BODY(__fread_unlocked_chk, ptr, ptrlen, size, n, f);
}

char *__fgets_chk(char *s, size_t size, int n, FILE *f);
char *__fgets_chk(char *s, size_t size, int n, FILE *f)
{
	REAL(__fgets_chk);
	struct iorr_ev e;
	char *r;

	if (unlikely(!real___fgets_chk))
		return NULL;
	if (!stream_traced(f))
		return real___fgets_chk(s, size, n, f);
	STDIO_CALL(e, fread, r = real___fgets_chk(s, size, n, f));
	line_record(&e, f, n, s, r);
	return r;
}

char *fgets(char *s, int n, FILE *f)
{
	REAL(fgets);
	struct iorr_ev e;
	char *r;

	if (unlikely(!real_fgets))
		return NULL;
	if (!stream_traced(f))
		return real_fgets(s, n, f);
	STDIO_CALL(e, fread, r = real_fgets(s, n, f));
	line_record(&e, f, n, s, r);
	return r;
}

#define GETC_BODY(name)							\
	do {								\
		struct iorr_ev e;					\
		unsigned char ch;					\
		int r;							\
									\
		if (unlikely(!real_##name))				\
			return EOF;					\
		if (!stream_traced(f))					\
			return real_##name(f);				\
		STDIO_CALL(e, fread, r = real_##name(f));		\
		ch = (unsigned char)r;					\
		in_record(&e, f, 1, 1, r != EOF ? 1 : ferror(f) ? -1 : 0, \
			  &ch, r != EOF ? 1 : 0);			\
		return r;						\
	} while (0)

int fgetc(FILE *f)
{
	REAL(fgetc);
	GETC_BODY(fgetc);
}

int getc(FILE *f)
{
	REAL(getc);
	GETC_BODY(getc);
}

ssize_t getdelim(char **line, size_t *n, int delim, FILE *f)
{
	REAL(getdelim);
	struct iorr_ev e;
	ssize_t r;

	if (unlikely(!real_getdelim)) {
		errno = ENOSYS;
		return -1;
	}
	if (!stream_traced(f))
		return real_getdelim(line, n, delim, f);
	STDIO_CALL(e, fread, r = real_getdelim(line, n, delim, f));
	in_record(&e, f, 1, n ? *n : 0, r < 0 && !ferror(f) ? 0 : r,
		  r > 0 ? *line : NULL, r);
	return r;
}

/* getline() compiled with optimization calls this (bits/stdio.h). */
ssize_t __getdelim(char **line, size_t *n, int delim, FILE *f);
ssize_t __getdelim(char **line, size_t *n, int delim, FILE *f)
{
	REAL(__getdelim);
	struct iorr_ev e;
	ssize_t r;

	if (unlikely(!real___getdelim)) {
		errno = ENOSYS;
		return -1;
	}
	if (!stream_traced(f))
		return real___getdelim(line, n, delim, f);
	STDIO_CALL(e, fread, r = real___getdelim(line, n, delim, f));
	in_record(&e, f, 1, n ? *n : 0, r < 0 && !ferror(f) ? 0 : r,
		  r > 0 ? *line : NULL, r);
	return r;
}

/*
 * ungetc moves the stream position back by one: recorded as the fseek to
 * the position it leaves (ftello), so that the next read replays from the
 * right offset.  A failed ungetc moved nothing and is not recorded, nor is
 * one whose position ftello cannot tell (a pipe).
 */
int ungetc(int c, FILE *f)
{
	REAL(ungetc);
	static __typeof__(ftello) *real_ftello;
	struct iorr_ev e;
	off_t pos;
	int r, err;

	if (unlikely(!real_ungetc))
		return EOF;
	if (!real_ftello)
		real_ftello = iorr_real("ftello");
	if (!stream_traced(f) || !real_ftello)
		return real_ungetc(c, f);
	iorr_ev_begin(&e, IORR_OP_fseek, IORR_NF_fseek);
	r = real_ungetc(c, f);
	err = errno;
	pos = r == EOF ? -1 : real_ftello(f);
	errno = err;
	iorr_ev_end(&e, 0);
	if (pos >= 0) {
		e.f[0] = iorr_i64(stream_fd(f));
		e.f[1] = iorr_i64(pos);
		e.f[2] = SEEK_SET;
		iorr_emit(&e);
	}
	errno = err;
	return r;
}

ssize_t getline(char **line, size_t *n, FILE *f)
{
	REAL(getline);
	struct iorr_ev e;
	ssize_t r;

	if (unlikely(!real_getline)) {
		errno = ENOSYS;
		return -1;
	}
	if (!stream_traced(f))
		return real_getline(line, n, f);
	STDIO_CALL(e, fread, r = real_getline(line, n, f));
	in_record(&e, f, 1, n ? *n : 0, r < 0 && !ferror(f) ? 0 : r,
		  r > 0 ? *line : NULL, r);
	return r;
}

#define FWRITE_BODY(name)						\
	do {								\
		struct iorr_ev e;					\
		size_t r;						\
									\
		if (unlikely(!real_##name))				\
			return 0;					\
		if (!stream_traced(f))					\
			return real_##name(ptr, size, n, f);		\
		STDIO_CALL(e, fwrite, r = real_##name(ptr, size, n, f)); \
		out_record(&e, f, size, n, (int64_t)r, ptr,		\
			   (int64_t)(r * size));			\
		return r;						\
	} while (0)

size_t fwrite(const void *ptr, size_t size, size_t n, FILE *f)
{
	REAL(fwrite);
	FWRITE_BODY(fwrite);
}

size_t fwrite_unlocked(const void *ptr, size_t size, size_t n, FILE *f)
{
	REAL(fwrite_unlocked);
	FWRITE_BODY(fwrite_unlocked);
}

int fputs(const char *s, FILE *f)
{
	REAL(fputs);
	struct iorr_ev e;
	size_t len;
	int r;

	if (unlikely(!real_fputs))
		return EOF;
	if (!stream_traced(f))
		return real_fputs(s, f);
	len = strlen(s);
	STDIO_CALL(e, fwrite, r = real_fputs(s, f));
	out_record(&e, f, 1, len, r == EOF ? -1 : (int64_t)len, s,
		   r == EOF ? 0 : (int64_t)len);
	return r;
}

#define PUTC_BODY(name)							\
	do {								\
		struct iorr_ev e;					\
		unsigned char ch = (unsigned char)c;			\
		int r;							\
									\
		if (unlikely(!real_##name))				\
			return EOF;					\
		if (!stream_traced(f))					\
			return real_##name(c, f);			\
		STDIO_CALL(e, fwrite, r = real_##name(c, f));		\
		out_record(&e, f, 1, 1, r == EOF ? -1 : 1, &ch,		\
			   r == EOF ? 0 : 1);				\
		return r;						\
	} while (0)

int fputc(int c, FILE *f)
{
	REAL(fputc);
	PUTC_BODY(fputc);
}

int putc(int c, FILE *f)
{
	REAL(putc);
	PUTC_BODY(putc);
}

/*
 * Formatted output: format into memory, then write the bytes with the
 * real fwrite, so the recorded payload is exactly what the stream got.
 */
static int printf_common(FILE *f, const char *fmt, va_list ap)
{
	static __typeof__(fwrite) *real_fwrite;
	static __typeof__(vfprintf) *real_vfprintf;
	char small[512], *buf = small;
	size_t cap = sizeof(small);
	struct iorr_ev e;
	va_list aq;
	size_t w;
	int n;

	if (!real_fwrite) {
		real_fwrite = iorr_real("fwrite");
		real_vfprintf = iorr_real("vfprintf");
	}
	if (!real_fwrite || !real_vfprintf) {
		errno = ENOSYS;
		return -1;
	}
	if (!stream_traced(f))
		return real_vfprintf(f, fmt, ap);
	va_copy(aq, ap);
	n = vsnprintf(buf, cap, fmt, aq);
	va_end(aq);
	if (n < 0)
		return real_vfprintf(f, fmt, ap);
	if ((size_t)n >= cap) {
		cap = (size_t)n + 1;
		buf = (char *)iorr_sys6(SYS_mmap, 0, (long)cap,
					PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if ((long)buf < 0 && (long)buf > -4096)
			return real_vfprintf(f, fmt, ap);
		vsnprintf(buf, cap, fmt, ap);
	}
	STDIO_CALL(e, fwrite, w = real_fwrite(buf, 1, (size_t)n, f));
	out_record(&e, f, 1, (uint64_t)n, w == (size_t)n ? n : -1, buf,
		   (int64_t)w);
	if (buf != small)
		iorr_sys(SYS_munmap, buf, cap, 0);
	if (w != (size_t)n) {
		errno = e.saved_errno;
		return -1;
	}
	return n;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	return printf_common(f, fmt, ap);
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = printf_common(f, fmt, ap);
	va_end(ap);
	return r;
}

int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	return printf_common(f, fmt, ap);
}

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	va_start(ap, fmt);
	r = printf_common(f, fmt, ap);
	va_end(ap);
	return r;
}

/* The stdout forms of the calls above. */
int vprintf(const char *fmt, va_list ap)
{
	return printf_common(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = printf_common(stdout, fmt, ap);
	va_end(ap);
	return r;
}

int __vprintf_chk(int flag, const char *fmt, va_list ap);
int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
	(void)flag;
	return printf_common(stdout, fmt, ap);
}

int __printf_chk(int flag, const char *fmt, ...);
int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	va_start(ap, fmt);
	r = printf_common(stdout, fmt, ap);
	va_end(ap);
	return r;
}

/* puts: the string and a newline, recorded as one fwrite. */
int puts(const char *s)
{
	REAL(puts);
	struct iorr_ev e;
	FILE *f = stdout;
	size_t len;
	int r;

	if (unlikely(!real_puts))
		return EOF;
	if (!stream_traced(f))
		return real_puts(s);
	len = strlen(s);
	STDIO_CALL(e, fwrite, r = real_puts(s));
	if (r == EOF) {
		out_record(&e, f, 1, len + 1, -1, s, 0);
		return r;
	}
	/* the payload is s and "\n": format it where the blob is built */
	char small[512], *buf = small;

	if (len + 1 > sizeof(small)) {
		buf = (char *)iorr_sys6(SYS_mmap, 0, (long)(len + 1),
					PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if ((long)buf < 0 && (long)buf > -4096) {
			out_record(&e, f, 1, len + 1, (int64_t)len + 1, s, 0);
			return r;
		}
	}
	memcpy(buf, s, len);
	buf[len] = '\n';
	out_record(&e, f, 1, len + 1, (int64_t)len + 1, buf,
		   (int64_t)len + 1);
	if (buf != small)
		iorr_sys(SYS_munmap, buf, len + 1, 0);
	return r;
}

int putchar(int c)
{
	REAL(putchar);
	struct iorr_ev e;
	unsigned char ch = (unsigned char)c;
	FILE *f = stdout;
	int r;

	if (unlikely(!real_putchar))
		return EOF;
	if (!stream_traced(f))
		return real_putchar(c);
	STDIO_CALL(e, fwrite, r = real_putchar(c));
	out_record(&e, f, 1, 1, r == EOF ? -1 : 1, &ch, r == EOF ? 0 : 1);
	return r;
}

int fflush(FILE *f)
{
	REAL(fflush);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_fflush))
		return EOF;
	if (!stream_traced(f))
		return real_fflush(f);
	iorr_ev_begin(&e, IORR_OP_fflush, IORR_NF_fflush);
	r = real_fflush(f);
	iorr_ev_end(&e, r);
	e.f[0] = iorr_i64(stream_fd(f));
	iorr_emit(&e);
	return r;
}

#define FSEEK_BODY(name)						\
	do {								\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_##name))				\
			return -1;					\
		if (!stream_traced(f))					\
			return real_##name(f, off, whence);		\
		iorr_ev_begin(&e, IORR_OP_fseek, IORR_NF_fseek);	\
		r = real_##name(f, off, whence);			\
		iorr_ev_end(&e, r);					\
		e.f[0] = iorr_i64(stream_fd(f));			\
		e.f[1] = iorr_i64(off);					\
		e.f[2] = (unsigned)whence;				\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int fseek(FILE *f, long off, int whence)
{
	REAL(fseek);
	FSEEK_BODY(fseek);
}

int fseeko(FILE *f, off_t off, int whence)
{
	REAL(fseeko);
	FSEEK_BODY(fseeko);
}

int fseeko64(FILE *f, off64_t off, int whence)
{
	REAL(fseeko64);
	FSEEK_BODY(fseeko64);
}

void rewind(FILE *f)
{
	REAL(rewind);
	struct iorr_ev e;

	if (unlikely(!real_rewind))
		return;
	if (!stream_traced(f)) {
		real_rewind(f);
		return;
	}
	iorr_ev_begin(&e, IORR_OP_fseek, IORR_NF_fseek);
	real_rewind(f);
	iorr_ev_end(&e, 0);
	e.f[0] = iorr_i64(stream_fd(f));
	e.f[1] = 0;
	e.f[2] = SEEK_SET;
	iorr_emit(&e);
}
