/* SPDX-License-Identifier: MIT */
/*
 * Core of the LD_PRELOAD recorder: attaching to the shared area, real
 * symbol resolution, per-thread rings and the append path, the fd table,
 * path resolution and first-touch snapshots.
 *
 * NOTE: this library links only libc, libdl and libpthread.  It must not
 * call a function it wraps (the call would bind to the wrapper): internal
 * I/O uses iorr_sys6(), a raw system call that leaves errno alone.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record/preload.h"

struct iorr_state iorr_g;
__thread struct iorr_tls iorr_t __attribute__((tls_model("initial-exec")));

static bool init_done, ctor_ran;
static pthread_key_t exit_key;
static char shm_env[256];		/* "IORR_SHM=..." */
static char preload_env[4096];		/* our library's path */

/* ------------------------------------------------------------------ */
/* Raw system calls                                                     */
/* ------------------------------------------------------------------ */

long iorr_sys6(long nr, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
#else
	/* syscall() is wrapped: reach libc's through dlsym. */
	static long (*real)(long, ...);
	int saved = errno;
	long r;

	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	r = real(nr, a, b, c, d, e, f);
	if (r == -1)
		r = -errno;
	errno = saved;
	return r;
#endif
}

int iorr_gettid(void)
{
	if (unlikely(!iorr_t.tid))
		iorr_t.tid = (int)iorr_sys(SYS_gettid, 0, 0, 0);
	return iorr_t.tid;
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool has_prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

/* Format @v in decimal at @out; @return the length. */
static size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[i++] = tmp[--n];
	out[i] = '\0';
	return i;
}

/* ------------------------------------------------------------------ */
/* Real symbols                                                         */
/* ------------------------------------------------------------------ */

static __thread int resolving __attribute__((tls_model("initial-exec")));

void *iorr_real(const char *name)
{
	void *p;

	/*
	 * dlsym may allocate or open files (error strings, lazy loading):
	 * while it runs, wrappers this thread re-enters see NULL and fall
	 * back to a raw system call.
	 */
	if (resolving)
		return NULL;
	resolving = 1;
	iorr_t.guard++;
	p = dlsym(RTLD_NEXT, name);
	iorr_t.guard--;
	resolving = 0;
	return p;
}

/* ------------------------------------------------------------------ */
/* Attaching to the area                                                */
/* ------------------------------------------------------------------ */

void iorr_disable(uint64_t reason)
{
	iorr_g.disabled = true;
	if (iorr_g.shm)
		atomic_fetch_or(&iorr_g.shm->lost_reasons, reason);
}

static bool tid_alive(int pid, int tid)
{
	return iorr_sys(SYS_tgkill, pid, tid, 0) != -ESRCH;
}

/*
 * After exec, rings the old image's threads owned are orphans: the thread
 * that called exec released its own, the others died with the old image
 * (their tids may live on: the exec'ing thread takes the leader's tid).
 */
static void release_stale_rings(void)
{
	struct iorr_shm *h = iorr_g.shm;
	int me = iorr_gettid();

	for (unsigned i = 0; i < h->nrings; i++) {
		struct iorr_ring_ctl *c = iorr_shm_ctl(h, i);

		if (atomic_load(&c->state) != IORR_RING_OWNED ||
		    c->pid != iorr_g.pid)
			continue;
		if (c->tid == me || !tid_alive(c->pid, c->tid)) {
			uint32_t exp = IORR_RING_OWNED;

			atomic_compare_exchange_strong(&c->state, &exp,
						       IORR_RING_RELEASED);
		}
	}
}

static void thread_key_exit(void *arg)
{
	(void)arg;
	if (!iorr_g.shm || iorr_t.exiting)
		return;
	iorr_t.exiting = true;
	if (iorr_on()) {
		struct iorr_ev e;

		iorr_ev_begin(&e, IORR_OP_thread_exit, IORR_NF_thread_exit);
		e.end = e.start;
		e.result = 0;
		e.saved_errno = errno;
		iorr_emit(&e);
	}
	iorr_release_rings();
}

static void atfork_child(void)
{
	iorr_child_after_fork(iorr_t.tid);
}

/* Our variables, for children whose environment lost them. */
static void save_env(void)
{
	const char *s = getenv(IORR_SHM_ENV);
	Dl_info info;

	if (s && slen(s) + sizeof(IORR_SHM_ENV) + 1 < sizeof(shm_env)) {
		memcpy(shm_env, IORR_SHM_ENV "=", sizeof(IORR_SHM_ENV));
		memcpy(shm_env + sizeof(IORR_SHM_ENV), s, slen(s) + 1);
	}
	if (dladdr((void *)save_env, &info) && info.dli_fname &&
	    slen(info.dli_fname) < sizeof(preload_env))
		memcpy(preload_env, info.dli_fname, slen(info.dli_fname) + 1);
}

static void emit_image(void)
{
	char abs[IORR_PATH_BUF];
	const char *fn = (const char *)getauxval(AT_EXECFN);
	struct iorr_ev e;

	iorr_ev_begin(&e, IORR_REC_IMAGE, 2);
	e.f[0] = (uint64_t)iorr_sys(SYS_getppid, 0, 0, 0);
	e.f[1] = 0;
	if (fn && iorr_abspath(AT_FDCWD, fn, abs) == 0)
		iorr_ev_path(&e, 1, abs);
	e.end = e.start;
	e.result = 0;
	e.saved_errno = errno;
	iorr_emit(&e);
}

static void iorr_init(void)
{
	const char *path;
	struct stat st;
	struct iorr_shm *h;
	long fd, r;
	int saved = errno;

	if (init_done)
		return;
	init_done = true;
	iorr_t.guard++;
	path = getenv(IORR_SHM_ENV);
	if (!path || !*path) {
		/*
		 * A wrapper called from another library's initialiser that
		 * runs before libc has set up the environment (ASan's, from
		 * .preinit_array): our constructor tries again.
		 */
		if (!ctor_ran)
			init_done = false;
		goto out;
	}
	save_env();
	fd = iorr_sys(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto out;
	r = iorr_sys(SYS_fstat, fd, &st, 0);
	if (r == 0 && (size_t)st.st_size >= sizeof(*h))
		h = (void *)iorr_sys6(SYS_mmap, 0, st.st_size,
				      PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				      0);
	else
		h = (void *)-1;
	/* RATIONALE: never keep an fd of ours in the program. */
	iorr_sys(SYS_close, fd, 0, 0);
	if ((long)h < 0 && (long)h > -4096)
		goto out;
	if (h->magic != IORR_SHM_MAGIC || h->version != IORR_SHM_VERSION ||
	    h->area_size != (uint64_t)st.st_size ||
	    atomic_load(&h->consumer_gone)) {
		iorr_sys(SYS_munmap, h, st.st_size, 0);
		goto out;
	}
	iorr_g.pid = (int)iorr_sys(SYS_getpid, 0, 0, 0);
	iorr_g.data_mode = h->data_mode;
	iorr_g.sync_prims = h->sync_mode == IORR_SYNC_PTHREAD;
	iorr_g.max_payload = h->ring_size / 8;
	pthread_key_create(&exit_key, thread_key_exit);
	pthread_atfork(NULL, NULL, atfork_child);
	iorr_g.shm = h;
	release_stale_rings();
	iorr_t.guard--;
	emit_image();
	errno = saved;
	return;
out:
	iorr_t.guard--;
	errno = saved;
}

__attribute__((constructor)) static void iorr_ctor(void)
{
	ctor_ran = true;
	iorr_init();
}

bool iorr_on_slow(void)
{
	if (!init_done)
		iorr_init();
	return iorr_g.shm && !iorr_g.disabled && iorr_t.guard == 0;
}

/* ------------------------------------------------------------------ */
/* Rings                                                                */
/* ------------------------------------------------------------------ */

static int write_hello(unsigned lvl);

static int claim_ring(unsigned lvl)
{
	struct iorr_shm *h = iorr_g.shm;
	int tid = iorr_gettid();
	unsigned n = h->nrings, start = (unsigned)tid % n;

	for (unsigned k = 0; k < n; k++) {
		unsigned i = (start + k) % n;
		struct iorr_ring_ctl *c = iorr_shm_ctl(h, i);
		uint32_t exp = IORR_RING_FREE;

		if (atomic_load_explicit(&c->state, memory_order_relaxed) !=
		    IORR_RING_FREE)
			continue;
		if (!atomic_compare_exchange_strong(&c->state, &exp,
						    IORR_RING_OWNED))
			continue;
		c->pid = iorr_g.pid;
		c->tid = tid;
		iorr_t.ring[lvl] = (int)i + 1;
		iorr_t.cached_tail[lvl] = atomic_load(&c->tail);
		if (!iorr_t.keyed && iorr_g.pid != tid) {
			iorr_t.keyed = true;
			pthread_setspecific(exit_key, (void *)1);
		}
		return write_hello(lvl);
	}
	atomic_fetch_add(&h->lost_events, 1);
	atomic_fetch_or(&h->lost_reasons, IORR_LOSS_NO_RING);
	return -1;
}

void iorr_release_rings(void)
{
	struct iorr_shm *h = iorr_g.shm;

	if (!h)
		return;
	for (unsigned l = 0; l < IORR_NEST; l++) {
		if (!iorr_t.ring[l])
			continue;
		atomic_store(&iorr_shm_ctl(h, iorr_t.ring[l] - 1)->state,
			     IORR_RING_RELEASED);
		iorr_t.ring[l] = 0;
	}
}

/* Copy @n bytes of @v's payload from offset @off to @dst. */
static void copy_var(uint8_t *dst, const struct iorr_var *v, uint64_t off,
		     uint64_t n)
{
	if (!v->iov) {
		memcpy(dst, (const uint8_t *)v->p + off, n);
		return;
	}
	for (int i = 0; i < v->iovcnt && n; i++) {
		uint64_t l = v->iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		uint64_t k = l - off < n ? l - off : n;

		memcpy(dst, (const uint8_t *)v->iov[i].iov_base + off, k);
		dst += k;
		n -= k;
		off = 0;
	}
}

static void ring_wait(unsigned *spins)
{
	struct timespec ts = { 0, 50000 };

	if (++*spins < 64)
		iorr_sys(SYS_sched_yield, 0, 0, 0);
	else
		iorr_sys(SYS_nanosleep, &ts, NULL, 0);
}

static bool consumer_alive(void)
{
	struct iorr_shm *h = iorr_g.shm;
	uint64_t hb = atomic_load(&h->heartbeat_ns), now = iorr_now();

	if (atomic_load(&h->consumer_gone))
		return false;
	return hb == 0 || now < hb || now - hb < 10000000000ull;
}

/*
 * Reserve @need contiguous bytes in ring @lvl.  @return a pointer and
 * *@newhead (the head after the record), or NULL when the record cannot be
 * stored (drop mode, consumer gone).
 */
static uint8_t *ring_reserve(unsigned lvl, uint32_t need, uint64_t *newhead,
			     struct iorr_ring_ctl **ctlp)
{
	struct iorr_shm *h = iorr_g.shm;
	unsigned ri = (unsigned)iorr_t.ring[lvl] - 1;
	struct iorr_ring_ctl *c = iorr_shm_ctl(h, ri);
	uint8_t *data = iorr_shm_ring(h, ri);
	uint64_t size = h->ring_size;
	uint64_t head = atomic_load_explicit(&c->head, memory_order_relaxed);
	uint64_t idx = head & (size - 1), contig = size - idx;
	uint64_t want = need <= contig ? need : contig + need;
	unsigned spins = 0;

	while (head + want - iorr_t.cached_tail[lvl] > size) {
		iorr_t.cached_tail[lvl] =
			atomic_load_explicit(&c->tail, memory_order_acquire);
		if (head + want - iorr_t.cached_tail[lvl] <= size)
			break;
		if (h->on_full == IORR_ONFULL_DROP) {
			atomic_fetch_add(&h->lost_events, 1);
			atomic_fetch_or(&h->lost_reasons, IORR_LOSS_RING_FULL);
			return NULL;
		}
		if (spins > 64 && (spins & 255) == 0 && !consumer_alive()) {
			iorr_disable(IORR_LOSS_CONSUMER);
			return NULL;
		}
		ring_wait(&spins);
	}
	if (need > contig) {
		struct iorr_rec *pad = (struct iorr_rec *)(data + idx);

		pad->size = (uint32_t)contig;
		pad->type = IORR_REC_PAD;
		head += contig;
		idx = 0;
	}
	*newhead = head + need;
	*ctlp = c;
	return data + idx;
}

/* Fill a record at @p from @e; var parts marked FRAGGED carry no bytes. */
static void fill_record(uint8_t *p, const struct iorr_ev *e, uint32_t size,
			uint64_t seq, uint32_t frag, uint32_t fragged)
{
	struct iorr_rec *r = (struct iorr_rec *)p;
	uint64_t *f = (uint64_t *)(r + 1);
	uint8_t *q;

	r->size = size;
	r->type = e->op;
	r->nfields = e->nf;
	r->nvar = e->nv;
	r->seq = seq;
	r->start = e->start;
	r->end = e->end;
	r->result = e->result;
	r->err = e->err;
	r->frag = frag;
	r->flags = 0;
	r->pad = 0;
	for (unsigned i = 0; i < e->nf; i++)
		f[i] = e->f[i];
	q = (uint8_t *)(f + e->nf);
	for (unsigned i = 0; i < e->nv; i++) {
		const struct iorr_var *v = &e->v[i];
		struct iorr_rvar *rv = (struct iorr_rvar *)q;
		bool fr = fragged & (1u << i);

		rv->tag = v->tag;
		rv->field = (uint16_t)(v->field | (fr ? IORR_VARF_FRAGGED : 0));
		rv->len = v->len;
		q += sizeof(*rv);
		if (fr)
			continue;
		copy_var(q, v, 0, v->len);
		q += iorr_align8(v->len);
	}
}

/* Claim a ring for nesting level @lvl if this thread has none. */
static bool ring_ready(unsigned lvl)
{
	if (likely(iorr_t.ring[lvl]))
		return true;
	return claim_ring(lvl) == 0;
}

/*
 * Append one record of @e at level @lvl.  Large payload parts go first as
 * fragments.  @return the seq (sequenced records) or 1, 0 if not stored.
 */
static uint64_t append(unsigned lvl, struct iorr_ev *e, bool sequenced)
{
	struct iorr_shm *h = iorr_g.shm;
	uint32_t size = sizeof(struct iorr_rec) + 8u * e->nf, fragged = 0;
	uint32_t frag = 0;
	bool dropped = false;
	struct iorr_ring_ctl *c;
	uint64_t newhead, seq = 1;
	uint8_t *p;

	for (unsigned i = 0; i < e->nv; i++) {
		struct iorr_var *v = &e->v[i];

		size += sizeof(struct iorr_rvar);
		if ((v->tag == IORR_VAR_DATA || v->tag == IORR_VAR_READ) &&
		    v->len > iorr_g.max_payload) {
			fragged |= 1u << i;
			continue;
		}
		size += iorr_align8(v->len);
	}
	if (fragged)
		frag = ++iorr_t.frag ? iorr_t.frag : ++iorr_t.frag;
	for (unsigned i = 0; i < e->nv && fragged; i++) {
		const struct iorr_var *v = &e->v[i];

		if (!(fragged & (1u << i)))
			continue;
		for (uint64_t off = 0; off < v->len && !dropped;) {
			uint64_t n = v->len - off;
			uint32_t fsz;

			if (n > iorr_g.max_payload)
				n = iorr_g.max_payload;
			fsz = sizeof(struct iorr_rec) +
			      sizeof(struct iorr_rvar) + iorr_align8(n);
			p = ring_reserve(lvl, fsz, &newhead, &c);
			if (!p) {
				dropped = true;
				break;
			}
			struct iorr_rec *r = (struct iorr_rec *)p;
			struct iorr_rvar *rv = (struct iorr_rvar *)(r + 1);

			memset(r, 0, sizeof(*r));
			r->size = fsz;
			r->type = IORR_REC_FRAG;
			r->nvar = 1;
			r->frag = frag;
			rv->tag = v->tag;
			rv->field = v->field;
			rv->len = (uint32_t)n;
			copy_var((uint8_t *)(rv + 1), v, off, n);
			atomic_store_explicit(&c->head, newhead,
					      memory_order_release);
			off += n;
		}
	}
	if (iorr_g.disabled)
		return 0;
	p = ring_reserve(lvl, size, &newhead, &c);
	if (!p)
		return 0;
	if (sequenced) {
		seq = atomic_fetch_add(&h->seq, 1) + 1;
		atomic_store_explicit(&c->inflight, seq, memory_order_relaxed);
	}
	fill_record(p, e, size, sequenced ? seq : 0, frag, fragged);
	if (dropped)
		((struct iorr_rec *)p)->flags |= IORR_RECF_DROPPED_FRAGS;
	atomic_store_explicit(&c->head, newhead, memory_order_release);
	if (sequenced)
		atomic_store_explicit(&c->inflight, 0, memory_order_relaxed);
	return seq;
}

static int write_hello(unsigned lvl)
{
	struct iorr_ev e;

	iorr_ev_begin(&e, IORR_REC_HELLO, 5);
	e.end = e.start;
	e.result = 0;
	e.f[0] = (uint64_t)iorr_g.pid;
	e.f[1] = (uint64_t)iorr_gettid();
	e.f[2] = iorr_g.ppid ? (uint64_t)iorr_g.ppid :
		 (uint64_t)iorr_sys(SYS_getppid, 0, 0, 0);
	e.f[3] = (uint64_t)iorr_t.ptid;
	e.f[4] = iorr_t.ptid && iorr_g.pid != iorr_t.tid ?
		 IORR_HELLO_THREAD : 0;
	return append(lvl, &e, false) ? 0 : -1;
}

static uint64_t emit_common(struct iorr_ev *e, bool sequenced)
{
	unsigned lvl;
	uint64_t seq = 0;

	if (!iorr_g.shm || iorr_g.disabled)
		goto out;
	lvl = iorr_t.nest++;
	/* A signal handler that interrupts an append appends one level up. */
	if (lvl < IORR_NEST && ring_ready(lvl))
		seq = append(lvl, e, sequenced);
	else if (lvl >= IORR_NEST)
		atomic_fetch_add(&iorr_g.shm->lost_events, 1);
	iorr_t.nest--;
out:
	errno = e->saved_errno;
	return seq;
}

uint64_t iorr_emit(struct iorr_ev *e)
{
	return emit_common(e, true);
}

void iorr_emit_internal(struct iorr_ev *e)
{
	e->saved_errno = errno;
	emit_common(e, false);
}

void iorr_note(const char *key, const char *json)
{
	struct iorr_ev e;

	iorr_ev_begin(&e, IORR_REC_NOTE, 0);
	e.end = e.start;
	e.result = 0;
	iorr_ev_var(&e, IORR_VAR_KEY, 0, key, slen(key));
	iorr_ev_var(&e, IORR_VAR_VALUE, 0, json, slen(json));
	iorr_emit_internal(&e);
}

/* ------------------------------------------------------------------ */
/* Paths                                                                */
/* ------------------------------------------------------------------ */

/* Append the components of @rel to the absolute path @out (length *n). */
static int join_normal(char *out, size_t *n, const char *rel)
{
	const char *s = rel;

	while (*s) {
		const char *c;
		size_t l;

		while (*s == '/')
			s++;
		c = s;
		while (*s && *s != '/')
			s++;
		l = (size_t)(s - c);
		if (l == 0 || (l == 1 && c[0] == '.'))
			continue;
		if (l == 2 && c[0] == '.' && c[1] == '.') {
			while (*n > 1 && out[*n - 1] != '/')
				(*n)--;
			if (*n > 1)
				(*n)--;
			out[*n] = '\0';
			continue;
		}
		if (*n + 1 + l + 1 > IORR_PATH_BUF)
			return -ENAMETOOLONG;
		if (*n > 1)
			out[(*n)++] = '/';
		memcpy(out + *n, c, l);
		*n += l;
		out[*n] = '\0';
	}
	return 0;
}

static long fd_link(int fd, char *out)
{
	char lnk[40] = "/proc/self/fd/";
	long r;

	fmt_u64(lnk + 14, (uint64_t)fd);
	r = iorr_sys4(SYS_readlinkat, AT_FDCWD, lnk, out, IORR_PATH_BUF - 1);
	if (r < 0)
		return r;
	out[r] = '\0';
	return r;
}

int iorr_abspath(int dirfd, const char *path, char *out)
{
	char base[IORR_PATH_BUF];
	size_t n = 1;
	long r;

	if (!path)
		return -EFAULT;
	out[0] = '/';
	out[1] = '\0';
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD)
			r = iorr_sys(SYS_getcwd, base, sizeof(base), 0);
		else
			r = fd_link(dirfd, base);
		if (r < 0)
			return (int)r;
		if (base[0] != '/')
			return -ENOENT;
		if (join_normal(out, &n, base) < 0)
			return -ENAMETOOLONG;
	}
	return join_normal(out, &n, path);
}

bool iorr_path_included(const char *abs)
{
	const char *p = iorr_g.shm->prefixes;
	size_t best = 0;
	bool any_include = false, inc = true;

	for (unsigned i = 0; i < iorr_g.shm->nprefixes; i++) {
		size_t l = slen(p + 1);

		if (p[0] == '+')
			any_include = true;
		if (l >= best && has_prefix(abs, p + 1) &&
		    (abs[l] == '\0' || abs[l] == '/' || (l == 1))) {
			best = l;
			inc = p[0] == '+';
		}
		p += l + 2;
	}
	if (best == 0 && any_include)
		return false;
	return inc;
}

bool iorr_fd_opened(int fd, const char *abs)
{
	struct stat st;
	bool ok = false;

	if (iorr_sys(SYS_fstat, fd, &st, 0) == 0) {
		if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
			ok = iorr_path_included(abs);
		else if (S_ISBLK(st.st_mode))
			ok = iorr_path_included(abs) ||
			     has_prefix(abs, "/dev/");
	}
	iorr_fd_set(fd, ok ? IORR_FD_TRACED : IORR_FD_IGNORED);
	return ok;
}

/* ------------------------------------------------------------------ */
/* The fd table                                                         */
/* ------------------------------------------------------------------ */

#define FDTAB_SIZE (1u << 20)
static uint8_t fdtab[FDTAB_SIZE];

void iorr_fd_set(int fd, unsigned state)
{
	if (fd >= 0 && (unsigned)fd < FDTAB_SIZE)
		__atomic_store_n(&fdtab[fd], (uint8_t)state, __ATOMIC_RELAXED);
}

unsigned iorr_fd_get(int fd)
{
	if (fd >= 0 && (unsigned)fd < FDTAB_SIZE)
		return __atomic_load_n(&fdtab[fd], __ATOMIC_RELAXED);
	return IORR_FD_UNKNOWN;
}

void iorr_fd_forget_range(unsigned first, unsigned last)
{
	if (first >= FDTAB_SIZE)
		return;
	if (last >= FDTAB_SIZE)
		last = FDTAB_SIZE - 1;
	for (unsigned i = first; i <= last; i++)
		if (fdtab[i])
			fdtab[i] = IORR_FD_UNKNOWN;
}

static bool fd_resolve(int fd)
{
	char path[IORR_PATH_BUF];
	struct stat st;
	struct iorr_ev e;
	long fl;

	if (iorr_sys(SYS_fstat, fd, &st, 0) < 0)
		return false;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
	    !S_ISBLK(st.st_mode)) {
		iorr_fd_set(fd, IORR_FD_IGNORED);
		return false;
	}
	/* memfds, anonymous inodes: not files of the program's tree */
	if (fd_link(fd, path) < 0 || path[0] != '/' ||
	    has_prefix(path, "/memfd:")) {
		iorr_fd_set(fd, IORR_FD_IGNORED);
		return false;
	}
	if (!iorr_fd_opened(fd, path))
		return false;
	fl = iorr_sys(SYS_fcntl, fd, F_GETFL, 0);
	iorr_first_touch(path);
	iorr_ev_begin(&e, IORR_OP_fd_path, IORR_NF_fd_path);
	e.f[0] = (uint64_t)(int64_t)fd;
	e.f[1] = 0;
	e.f[2] = fl < 0 ? 0 : (uint64_t)fl;
	iorr_ev_path(&e, 1, path);
	e.end = e.start;
	e.result = 0;
	e.saved_errno = errno;
	iorr_emit(&e);
	return true;
}

bool iorr_fd_traced(int fd)
{
	unsigned s;

	if (fd < 0)
		return false;
	s = iorr_fd_get(fd);
	if (likely(s == IORR_FD_TRACED))
		return true;
	if (s == IORR_FD_IGNORED)
		return false;
	return fd_resolve(fd);
}

/* ------------------------------------------------------------------ */
/* First-touch snapshots                                                */
/* ------------------------------------------------------------------ */

/*
 * Ask `iorr record` to copy the regular file @abs to <snap_dir>/<id> and
 * wait for the answer.  @return 0 and *@size (bytes copied) or -errno.
 * The workload thread holds no file descriptor meanwhile.
 */
static long snap_request(const char *abs, uint64_t id, uint64_t *size)
{
	struct iorr_shm *h = iorr_g.shm;
	struct iorr_snap_req *q = NULL;
	size_t plen = slen(abs);
	unsigned spins = 0;
	uint32_t st;
	long r;

	if (plen >= sizeof(q->path))
		return -ENAMETOOLONG;
	while (!q) {
		for (unsigned i = 0; i < IORR_SNAP_REQS && !q; i++) {
			uint32_t exp = IORR_SREQ_FREE;

			if (atomic_compare_exchange_strong(
				    &h->snap_reqs[i].state, &exp,
				    IORR_SREQ_FILLING))
				q = &h->snap_reqs[i];
		}
		if (q)
			break;
		if (spins > 64 && (spins & 255) == 0 && !consumer_alive())
			return -ESRCH;
		ring_wait(&spins);
	}
	q->pid = (int32_t)iorr_sys(SYS_getpid, 0, 0, 0);
	q->id = id;
	q->err = 0;
	q->size = 0;
	memcpy(q->path, abs, plen + 1);
	atomic_store_explicit(&q->state, IORR_SREQ_POSTED, memory_order_release);
	atomic_fetch_add(&h->snap_gen, 1);
	iorr_sys(SYS_futex, &h->snap_gen, FUTEX_WAKE, 1);

	for (;;) {
		struct timespec ts = { 0, 100000000 };	/* 100 ms */

		st = atomic_load_explicit(&q->state, memory_order_acquire);
		if (st == IORR_SREQ_DONE)
			break;
		if (!consumer_alive())
			return -ESRCH;	/* the slot stays taken: nobody serves */
		iorr_sys4(SYS_futex, &q->state, FUTEX_WAIT, st, &ts);
	}
	r = q->err ? -(long)q->err : 0;
	*size = q->size;
	atomic_store_explicit(&q->state, IORR_SREQ_FREE, memory_order_release);
	return r;
}

/*
 * The target of the symlink @abs (whose content is @lnk) as a normalized
 * absolute path in @out; false if it does not fit.
 */
static bool link_target(const char *abs, const char *lnk, char *out)
{
	size_t n = 1;

	out[0] = '/';
	out[1] = '\0';
	if (lnk[0] != '/') {
		if (join_normal(out, &n, abs) < 0)
			return false;
		while (n > 1 && out[n - 1] != '/')	/* dirname */
			n--;
		if (n > 1)
			n--;
		out[n] = '\0';
	}
	return join_normal(out, &n, lnk) == 0;
}

static void snapshot(const char *abs)
{
	static __thread unsigned depth;
	struct iorr_shm *h = iorr_g.shm;
	char lnk[IORR_PATH_BUF];
	bool follow = false;
	struct stat st;
	struct iorr_ev e;
	long r;

	iorr_ev_begin(&e, IORR_REC_SNAP, 4);
	e.end = e.start;
	e.result = 0;
	e.f[0] = e.f[1] = e.f[2] = e.f[3] = 0;
	iorr_ev_path(&e, 0, abs);
	r = iorr_sys4(SYS_newfstatat, AT_FDCWD, abs, &st, AT_SYMLINK_NOFOLLOW);
	if (r < 0) {
		if (r != -ENOENT && r != -ENOTDIR)
			e.f[0] = IORR_SNAPF_MISSING;
		iorr_emit_internal(&e);
		return;
	}
	e.f[0] = IORR_SNAPF_EXISTS;
	e.f[1] = st.st_mode;
	e.f[2] = (uint64_t)st.st_size;
	if (S_ISLNK(st.st_mode)) {
		r = iorr_sys4(SYS_readlinkat, AT_FDCWD, abs, lnk,
			      sizeof(lnk) - 1);
		if (r >= 0) {
			lnk[r] = '\0';
			iorr_ev_var(&e, IORR_VAR_LINK, 0, lnk, (size_t)r);
			follow = true;
		}
	} else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > h->snap_max) {
		e.f[0] |= IORR_SNAPF_MISSING;
	} else if (S_ISREG(st.st_mode)) {
		uint64_t id = atomic_fetch_add(&h->next_id, 1) + 1;
		uint64_t size;

		e.f[3] = id;
		if (snap_request(abs, id, &size) == 0) {
			e.f[0] |= IORR_SNAPF_COPIED;
			e.f[2] = size;
		} else {
			e.f[0] |= IORR_SNAPF_MISSING;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		e.f[0] |= IORR_SNAPF_MISSING;
	}
	iorr_emit_internal(&e);
	/*
	 * Opening a symlink touches its target too (OpenSSL opens
	 * /usr/lib/ssl/openssl.cnf -> /etc/ssl/openssl.cnf): keep the
	 * target's first content as well, or the replay has the link and
	 * not what it points to.  Chains are followed a few links deep.
	 */
	if (follow && depth < 8) {
		char tgt[IORR_PATH_BUF];

		if (link_target(abs, lnk, tgt)) {
			depth++;
			iorr_first_touch(tgt);
			depth--;
		}
	}
}

void iorr_first_touch(const char *abs)
{
	struct iorr_shm *h = iorr_g.shm;
	_Atomic uint64_t *slots;
	uint64_t key, mask;

	if (h->snap_mode == IORR_SNAP_NONE || !iorr_path_included(abs))
		return;
	slots = iorr_shm_snap(h);
	mask = h->snap_slots - 1;
	key = iorr_path_hash(abs) & ~1ull;
	if (!key)
		key = 2;
	for (uint64_t i = key & mask, k = 0; k <= mask; i = (i + 1) & mask,
	     k++) {
		uint64_t v = atomic_load_explicit(&slots[i],
						  memory_order_acquire);

		if (v == 0) {
			uint64_t exp = 0;

			if (atomic_compare_exchange_strong(&slots[i], &exp,
							   key)) {
				iorr_t.guard++;
				snapshot(abs);
				iorr_t.guard--;
				atomic_store_explicit(&slots[i], key | 1,
						      memory_order_release);
				return;
			}
			v = exp;
		}
		if ((v & ~1ull) != key)
			continue;
		/* Another thread copies it: wait, so that our call cannot
		 * change the file before the copy is complete. */
		for (unsigned spins = 0; !(v & 1) && spins < 100000;) {
			ring_wait(&spins);
			v = atomic_load_explicit(&slots[i],
						 memory_order_acquire);
		}
		return;
	}
	atomic_store(&h->snap_full, 1);
}

/* ------------------------------------------------------------------ */
/* Processes                                                            */
/* ------------------------------------------------------------------ */

void iorr_child_after_fork(int ptid)
{
	char exe[IORR_PATH_BUF];
	struct iorr_ev e;
	long r;

	if (!iorr_g.shm)
		return;
	/* This thread is new: forget the parent's rings (they stay its). */
	for (unsigned l = 0; l < IORR_NEST; l++)
		iorr_t.ring[l] = 0;
	iorr_t.nest = 0;
	iorr_t.keyed = false;
	iorr_async_after_fork();
	iorr_t.tid = 0;
	iorr_t.ptid = ptid;
	/* getppid() may already be a reaper: the parent can exit first */
	iorr_g.ppid = iorr_g.pid;
	iorr_g.pid = (int)iorr_sys(SYS_getpid, 0, 0, 0);
	if (!iorr_on())
		return;
	iorr_ev_begin(&e, IORR_OP_proc_start, IORR_NF_proc_start);
	e.f[0] = (uint64_t)iorr_g.ppid;
	e.f[1] = 0;
	r = iorr_sys4(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", exe,
		      sizeof(exe) - 1);
	exe[r > 0 ? r : 0] = '\0';
	iorr_ev_path(&e, 1, exe);
	e.end = e.start;
	e.result = 0;
	e.saved_errno = errno;
	iorr_emit(&e);
	iorr_t.ptid = 0;
}

void iorr_proc_exit(int status)
{
	static int done;
	struct iorr_ev e;

	if (!iorr_on() || __atomic_exchange_n(&done, 1, __ATOMIC_SEQ_CST))
		return;
	iorr_mmap_flush_all();
	iorr_async_exit();
	iorr_ev_begin(&e, IORR_OP_proc_exit, IORR_NF_proc_exit);
	e.f[0] = (uint64_t)(int64_t)status;
	e.end = e.start;
	e.result = 0;
	e.saved_errno = errno;
	iorr_emit(&e);
	iorr_release_rings();
}

/* ------------------------------------------------------------------ */
/* Environment of new images                                            */
/* ------------------------------------------------------------------ */

char *const *iorr_fix_env(char *const *envp)
{
	const char *pre = NULL;
	bool shm_ok = false, pre_ok = false;
	size_t n = 0, bytes, pl = slen(preload_env);
	char **out, *s;

	if (!shm_env[0] || !preload_env[0] || !envp)
		return envp;
	for (; envp[n]; n++) {
		if (has_prefix(envp[n], shm_env) &&
		    envp[n][slen(shm_env)] == '\0')
			shm_ok = true;
		if (has_prefix(envp[n], "LD_PRELOAD=")) {
			pre = envp[n] + 11;
			for (const char *q = pre; *q; q++)
				if (has_prefix(q, preload_env) &&
				    (q == pre || q[-1] == ':' ||
				     q[-1] == ' ') &&
				    (q[pl] == '\0' || q[pl] == ':' ||
				     q[pl] == ' '))
					pre_ok = true;
		}
	}
	if (shm_ok && pre_ok)
		return envp;
	bytes = (n + 3) * sizeof(char *) + slen(shm_env) + 1 + 12 + pl + 1 +
		(pre ? slen(pre) + 1 : 0);
	bytes += sizeof(size_t);
	size_t *hdr = (size_t *)iorr_sys6(SYS_mmap, 0, bytes,
					  PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if ((long)hdr < 0 && (long)hdr > -4096)
		return envp;
	*hdr = bytes;
	out = (char **)(hdr + 1);
	s = (char *)(out + n + 3);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!has_prefix(envp[i], "LD_PRELOAD=") &&
		    !has_prefix(envp[i], IORR_SHM_ENV "="))
			out[k++] = envp[i];
	out[k++] = s;
	memcpy(s, shm_env, slen(shm_env) + 1);
	s += slen(shm_env) + 1;
	out[k++] = s;
	memcpy(s, "LD_PRELOAD=", 11);
	memcpy(s + 11, preload_env, pl);
	s += 11 + pl;
	if (pre && *pre && !pre_ok) {
		*s++ = ':';
		memcpy(s, pre, slen(pre));
		s += slen(pre);
	}
	*s = '\0';
	out[k] = NULL;
	return out;
}

void iorr_free_env(char *const *fixed, char *const *envp)
{
	const size_t *hdr = (const size_t *)fixed - 1;

	if (fixed != envp)
		iorr_sys(SYS_munmap, hdr, *hdr, 0);
}
