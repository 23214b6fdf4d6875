/* SPDX-License-Identifier: MIT */
/*
 * Memory mappings of traced files.  Stores through a shared writable
 * mapping reach the file without any call to wrap, so the recorder
 * records the mapped range's content as mmap_write events at msync, at
 * munmap, at exec and at process exit (the whole overlapping range, not
 * only the pages the program dirtied).
 *
 * What cannot be captured, and is said so by a note in the trace: stores
 * made after the last of these points by a process that is killed, and
 * mappings beyond the table's capacity.  Ranges beyond the file's end
 * (which would fault) are cut at the size the file has at that moment.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "record/wrap_common.h"

#define NMAPS 256

struct map {
	uintptr_t addr;		/* 0: free slot */
	size_t len;
	uint64_t id;
	int64_t off;		/* file offset of addr */
	int fd;			/* fd at mmap time (may be closed later) */
	dev_t dev;
	ino_t ino;
};

static struct map maps[NMAPS];
static int maps_lock;		/* spin lock: no pthread in the library */
/*
 * Entries in use, and one past the highest slot in use; both written under
 * maps_lock.  RATIONALE: munmap and msync are frequent (malloc unmaps its
 * large blocks) and almost never concern a shared writable file mapping:
 * with none tracked they return without the lock and without a scan, and
 * otherwise the scan stops at maps_top.
 */
static unsigned maps_live, maps_top;

static void lock(void)
{
	while (__atomic_exchange_n(&maps_lock, 1, __ATOMIC_ACQUIRE))
		iorr_sys(SYS_sched_yield, 0, 0, 0);
}

static void unlock(void)
{
	__atomic_store_n(&maps_lock, 0, __ATOMIC_RELEASE);
}

/* Size of the mapped file now, or -1 if it cannot be told. */
static int64_t map_file_size(const struct map *m)
{
	struct stat st;

	if (iorr_sys(SYS_fstat, m->fd, &st, 0) == 0 && st.st_dev == m->dev &&
	    st.st_ino == m->ino)
		return st.st_size;
	return -1;
}

/* Record [a, a+len) of mapping @m as an mmap_write. */
static void map_write(const struct map *m, uintptr_t a, size_t len)
{
	int64_t size = map_file_size(m), foff;
	struct iorr_ev e;

	foff = m->off + (int64_t)(a - m->addr);
	if (size < 0) {
		iorr_note("mmap_uncaptured",
			  "\"a mapped file's size could not be checked after "
			  "its fd was closed: mmap stores not recorded\"");
		return;
	}
	if (foff >= size)
		return;
	if ((int64_t)len > size - foff)
		len = (size_t)(size - foff);
	iorr_ev_begin(&e, IORR_OP_mmap_write, IORR_NF_mmap_write);
	e.end = e.start;
	e.result = (int64_t)len;
	e.saved_errno = errno;
	e.f[0] = m->id;
	e.f[1] = iorr_i64(foff);
	e.f[2] = len;
	iorr_ev_data(&e, 3, (const void *)a, (int64_t)len);
	iorr_emit(&e);
}

/* Record every shared writable mapping overlapping [a, a+len). */
static void flush_range(uintptr_t a, size_t len, uint64_t *first_id,
			int64_t *first_moff)
{
	if (!__atomic_load_n(&maps_live, __ATOMIC_ACQUIRE))
		return;
	lock();
	for (unsigned i = 0; i < maps_top; i++) {
		struct map *m = &maps[i];
		uintptr_t s, e;

		if (!m->addr || a >= m->addr + m->len || a + len <= m->addr)
			continue;
		s = a > m->addr ? a : m->addr;
		e = a + len < m->addr + m->len ? a + len : m->addr + m->len;
		if (first_id && !*first_id) {
			*first_id = m->id;
			*first_moff = (int64_t)(s - m->addr);
		}
		map_write(m, s, e - s);
	}
	unlock();
}

void iorr_mmap_flush_all(void)
{
	if (!iorr_g.shm)
		return;
	flush_range(0, UINTPTR_MAX, NULL, NULL);
}

static void maps_add(uintptr_t addr, size_t len, uint64_t id, int fd,
		     int64_t off)
{
	struct stat st;

	if (iorr_sys(SYS_fstat, fd, &st, 0) < 0)
		return;
	lock();
	for (unsigned i = 0; i < NMAPS; i++) {
		if (maps[i].addr)
			continue;
		maps[i] = (struct map){ addr, len, id, off, fd, st.st_dev,
					st.st_ino };
		if (i >= maps_top)
			maps_top = i + 1;
		__atomic_store_n(&maps_live, maps_live + 1, __ATOMIC_RELEASE);
		unlock();
		return;
	}
	unlock();
	iorr_note("mmap_uncaptured", "\"more shared writable mappings than "
		  "the recorder tracks: stores through some not recorded\"");
}

/* Forget [a, a+len) (after munmap); a partly unmapped entry shrinks. */
static void maps_remove(uintptr_t a, size_t len)
{
	if (!__atomic_load_n(&maps_live, __ATOMIC_ACQUIRE))
		return;
	lock();
	for (unsigned i = 0; i < maps_top; i++) {
		struct map *m = &maps[i];

		if (!m->addr || a >= m->addr + m->len || a + len <= m->addr)
			continue;
		if (a <= m->addr && a + len >= m->addr + m->len) {
			m->addr = 0;
			__atomic_store_n(&maps_live, maps_live - 1,
					 __ATOMIC_RELEASE);
		} else if (a <= m->addr) {
			size_t cut = a + len - m->addr;

			m->addr += cut;
			m->off += (int64_t)cut;
			m->len -= cut;
		} else {
			/* keep the head (a hole in the middle drops the tail) */
			m->len = a - m->addr;
		}
	}
	while (maps_top && !maps[maps_top - 1].addr)
		maps_top--;
	unlock();
}

#define MMAP_BODY(realcall)						\
	do {								\
		struct iorr_ev e;					\
		void *r;						\
		uint64_t id;						\
									\
		if (unlikely(!real_fn))					\
			return (void *)iorr_sys6(SYS_mmap, (long)addr,	\
						 (long)len, prot, flags, \
						 fd, off);		\
		if (!iorr_on() || (flags & MAP_ANONYMOUS) || fd < 0 ||	\
		    !iorr_fd_traced(fd))				\
			return realcall;				\
		iorr_ev_begin(&e, IORR_OP_mmap, IORR_NF_mmap);		\
		r = realcall;						\
		iorr_ev_end(&e, r == MAP_FAILED ? -1 : 0);		\
		id = atomic_fetch_add(&iorr_g.shm->next_id, 1) + 1;	\
		if (r != MAP_FAILED && (prot & PROT_WRITE) &&		\
		    (flags & MAP_TYPE) != MAP_PRIVATE)			\
			maps_add((uintptr_t)r, len, id, fd, off);	\
		e.f[0] = id;						\
		e.f[1] = iorr_i64(fd);					\
		e.f[2] = len;						\
		e.f[3] = (unsigned)prot;				\
		e.f[4] = (unsigned)flags;				\
		e.f[5] = iorr_i64(off);					\
		e.result = r == MAP_FAILED ? -1 : 0;			\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static __typeof__(mmap) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("mmap");
	MMAP_BODY(real_fn(addr, len, prot, flags, fd, off));
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
	     off64_t off)
{
	static __typeof__(mmap64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("mmap64");
	MMAP_BODY(real_fn(addr, len, prot, flags, fd, off));
}

int munmap(void *addr, size_t len)
{
	REAL(munmap);
	struct iorr_ev e;
	uint64_t id = 0;
	int64_t moff = 0;
	int r;

	if (unlikely(!real_munmap))
		return (int)iorr_rawret(iorr_sys(SYS_munmap, addr, len, 0));
	if (!iorr_on())
		return real_munmap(addr, len);
	flush_range((uintptr_t)addr, len, &id, &moff);
	if (!id)
		return real_munmap(addr, len);
	iorr_ev_begin(&e, IORR_OP_munmap, IORR_NF_munmap);
	r = real_munmap(addr, len);
	iorr_ev_end(&e, r);
	if (r == 0)
		maps_remove((uintptr_t)addr, len);
	e.f[0] = id;
	e.f[1] = iorr_i64(moff);
	e.f[2] = len;
	iorr_emit(&e);
	return r;
}

int msync(void *addr, size_t len, int flags)
{
	REAL(msync);
	struct iorr_ev e;
	uint64_t id = 0;
	int64_t moff = 0;
	int r;

	if (unlikely(!real_msync))
		return (int)iorr_rawret(iorr_sys(SYS_msync, addr, len, flags));
	if (!iorr_on())
		return real_msync(addr, len, flags);
	flush_range((uintptr_t)addr, len, &id, &moff);
	if (!id)
		return real_msync(addr, len, flags);
	iorr_ev_begin(&e, IORR_OP_msync, IORR_NF_msync);
	r = real_msync(addr, len, flags);
	iorr_ev_end(&e, r);
	e.f[0] = id;
	e.f[1] = iorr_i64(moff);
	e.f[2] = len;
	e.f[3] = (unsigned)flags;
	iorr_emit(&e);
	return r;
}
