/* SPDX-License-Identifier: MIT */
/*
 * Internals of the replay engine, shared by the files of src/replay only.
 *
 * Data flow: loader.c reads the whole trace into rp->ev (events with their
 * own vector copies) and indexes it; model.c runs the content model over
 * it (at prepare time to find files whose initial content is missing and
 * the happens-before/conflict keys, after the run to classify divergences);
 * sandbox.c owns the root and path resolution; sched.c decides when each
 * worker may issue its next event; exec_*.c issue the calls; oracle.c
 * compares outcomes and builds the report.
 */
#ifndef IORR_REPLAY_INT_H
#define IORR_REPLAY_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <uthash.h>

#include "iorr/replay.h"
#include "iorr/trace.h"
#include "util/hist.h"

#define RP_NONE UINT32_MAX

/* Positive code beyond errno values: the sandbox refused a path. */
#define RP_EREFUSED 4200

struct rp_ev {
	struct iorr_event e;	/* e.vec points into rp->vecs */
	uint32_t proc;		/* process index */
	uint32_t submit;	/* completions: the SUBMIT record, or RP_NONE */
	uint32_t submit_call;	/* SUBMIT records / completions: the
				 * aio_submit / uring_submit call */
	uint32_t reap;		/* completions: the reaping call, or RP_NONE */
	uint32_t first_reaped;	/* reaping calls: first completion */
	uint32_t next_reaped;	/* completions: next of the same reap */
	uint32_t complete;	/* SUBMIT records: their completion */
};

/* Outcome of one replayed event. */
enum rp_state {
	RP_NOT_RUN,
	RP_DONE,
	RP_SKIPPED,		/* not replayable (listed in the report) */
	RP_EMULATED,		/* recorded outcome kept (e.g. getevents -EINTR) */
};

struct rp_out {
	int64_t result;
	int32_t err;
	uint8_t state;
	bool hashed;		/* a read whose bytes were hashed */
	uint64_t hash;
	uint64_t issue_ns;	/* monotonic, relative to the replay start */
	uint64_t end_ns;	/* ... when it returned (both 0 unless
				 * rp->times) */
};

/* One replay fd of a recorded process. */
struct rp_fd {
	UT_hash_handle hh;
	int32_t rfd;		/* recorded number */
	int fd;			/* replay fd */
	bool cloexec;
	char *spath;		/* sandbox path it was opened with */
};

struct rp_lockfd;		/* exec_sync.c: POSIX lock owners */

struct rp_proc {
	int32_t pid;
	pthread_mutex_t lock;	/* fds and cwd (free order) */
	struct rp_fd *fds;
	struct rp_lockfd *lockfds; /* its POSIX record locks, as OFD locks */
	char *cwd;		/* sandbox path */
	bool started;
	/*
	 * Its umask over time, from the trace (loader.c): the mask in force
	 * from event umasks[k].ev on (a umask call, or the fork that made
	 * the process); umask0 before the first.  The replay runs with
	 * umask 0 and masks the modes of creating calls itself.
	 */
	struct rp_umask { uint32_t ev; mode_t mask; } *umasks;
	uint32_t numasks;
	mode_t umask0;
};

/* An asynchronous request in flight (libaio or io_uring). */
struct rp_req {
	UT_hash_handle hh;
	uint64_t id;		/* trace-wide request id */
	uint32_t submit;	/* its SUBMIT record */
	void *mem;		/* buffer allocation */
	uint8_t *buf;		/* aligned as recorded */
	size_t len;
	void *iov;		/* struct iovec[] or NULL */
	void *iocb;		/* libaio */
	int fslot, bslot;	/* io_uring fixed file/buffer slot + 1, or 0 */
	bool done;
	int64_t res, res2;
	uint32_t cflags;
	uint64_t sqe_no;	/* io_uring: its place in the ring's SQ order */
	/* io_uring OPENAT/CLOSE/STATX/SPLICE/ASYNC_CANCEL (exec_uring.c) */
	void *xmem;		/* open_how + path, statx buffer */
	int xfd[2];		/* fds of ours (+1) closed with the request */
	int xrfd;		/* CLOSE: recorded fd; */
	int xcfd;		/* ... and the replay fd it closed */
	bool forced;		/* not issuable: xres is its outcome (a NOP
				 * stands in for it in the ring) */
	int xres;
	size_t xcap;		/* SPLICE: capacity of our pipe */
};

struct rp_aioctx {
	UT_hash_handle hh;
	uint64_t id;
	unsigned long ctx;	/* io_context_t */
	pthread_mutex_t lock;
	struct rp_req *reqs;
};

struct rp_ring;			/* exec_uring.c */
struct rp_map;			/* exec_ops.c */

struct rp_worker {
	struct replay *rp;
	uint32_t thread;	/* recorded thread index */
	uint32_t *evs;		/* its events, in program order */
	uint32_t nev;
	pthread_t th;
	bool started;
	_Atomic uint32_t wake;	/* futex word */
	_Atomic uint32_t waiters; /* threads asleep on it (sched.c) */
	void *bufmem;		/* reusable sync buffer */
	size_t bufcap;
	int err;		/* -errno: the worker stopped */
	uint64_t cpu_ns;	/* its CPU time in the last run */
	char msg[256];
};

/* A divergence seen during the run, classified afterwards. */
struct rp_pending {
	struct rp_pending *next;
	uint32_t ev;
	enum iorr_div_kind kind;
	uint8_t *bytes;		/* actual bytes read (reads), or NULL */
	size_t nbytes;
	uint64_t off;		/* file offset of bytes[0] */
	char what[200];
	/* the recorded order's view (oracle.c, first pass) */
	uint8_t *rec;		/* what the recorded order reads there */
	uint64_t rec_diff;	/* first offset where bytes differ, or MAX */
	uint64_t rec_writer;	/* its writer in the recorded order */
};

struct rp_model;

/* hb.c: the happens-before graph plus conflict edges (see hb.c). */
#define RP_EDGE_HB	 0x0u
#define RP_EDGE_CONFLICT 0x1u	/* keeps a recorded conflict order */
#define RP_EDGE_OVERLAP	 0x2u	/* ... of two ops overlapping in time */

#define RP_ACC_WRITE	0x1u
#define RP_ACC_ASYNC	0x2u	/* a SUBMIT record: runs until completion */
#define RP_ACC_NS	0x4u	/* a namespace entry */
#define RP_ACC_OFD	0x8u	/* the offset of an open file description */

/* One access of an event to a file's bytes or a path's entry. */
struct rp_access {
	uint32_t ev;
	uint32_t file;		/* index into rp_hb.fnames */
	uint64_t off, end;
	uint8_t flags;		/* RP_ACC_* */
};

struct rp_hb {
	uint32_t *from, *to;
	uint8_t *kind;		/* RP_EDGE_* */
	size_t n, cap;
	struct rp_access *acc;
	size_t nacc, acap;
	char **fnames;		/* "path", "ns:path", "ofd:N" */
	uint32_t nfiles;
	int err;
};

/* Injections planned for one event (sched.c). */
#define RP_INJ_DROP	0x1u	/* drop the file's page cache before */
#define RP_INJ_FSYNC	0x2u	/* fsync the file after */
#define RP_INJ_SHORT	0x4u	/* split into two calls */
#define RP_INJ_REAP	0x8u	/* the reap waits first (delay) */

struct rp_plan {
	uint32_t *order;	/* serial orders: issue order, nev entries */
	uint32_t *pos;		/* position of each event in order */
	uint64_t *delay;	/* ns to wait before issuing, or NULL */
	uint8_t *inj;		/* RP_INJ_* per event, or NULL */
	uint16_t *split;	/* short: split point in 1/65536 of the len */
	uint64_t hash;
	uint64_t ninj;
};

struct replay {
	struct iorr_replay_opts o;
	struct iorr_reader *r;
	char *trace_cwd;	/* recorded initial cwd */
	mode_t umask;

	struct rp_ev *ev;
	uint32_t nev;
	uint64_t *vecs;
	size_t nvecs;

	struct rp_proc *procs;
	uint32_t nprocs;
	uint32_t *thread_proc;	/* thread index -> process index */
	uint32_t nthreads;

	/* sandbox */
	int rootfd;
	char *root;
	bool root_created;
	char *scratch_img, *scratch_dev, *scratch_mnt;
	bool scratch_mounted;

	/* execution */
	struct rp_worker *workers;
	struct rp_out *out;
	bool times;		/* out[].issue_ns/end_ns are taken (sched.c) */
	struct rp_aioctx *aio;
	pthread_mutex_t aio_lock;
	struct rp_ring *rings;
	pthread_mutex_t ring_lock;
	struct rp_map *maps;	/* replayed file mappings (exec_ops.c) */
	pthread_mutex_t map_lock;
	uint64_t fs_refused;	/* calls kept failed as recorded (atomic) */
	uint64_t start_ns;
	_Atomic uint64_t ndone;
	_Atomic int stop;	/* a worker failed: everyone stops */
	bool hash_only;		/* the trace has hash-only blobs */

	/* scheduling (sched.c) */
	_Atomic uint32_t turn;	/* recorded order: next event index */
	_Atomic uint8_t *done;	/* free order: per event */
	uint32_t *pred;		/* free order: cross-thread predecessors */
	uint32_t *pred_off;	/* pred[pred_off[i] .. pred_off[i+1]) */
	uint32_t *succ;		/* and successors, to wake their workers */
	uint32_t *succ_off;
	struct rp_hb hb;	/* happens-before graph and accesses */
	bool serial;		/* random/pct: one driver issues the plan */
	bool keep_all_conflicts; /* no pthread sync recorded: keep order */
	bool analysis;		/* iorr_replay_load(): no replay, so no
				 * conflict edges (only the accesses) */
	struct rp_plan plan;
	/* the order events were issued in, for the model (oracle.c); NULL:
	 * the recorded order */
	uint32_t *xorder, *xpos;

	/* timing */
	uint64_t *due;		/* paced recorded order: when each event is
				 * due, ns after the first (sched.c) */
	struct hist skew;
	pthread_mutex_t skew_lock;

	/* oracle */
	pthread_mutex_t pend_lock;
	struct rp_pending *pending;
	size_t pending_bytes;
	struct iorr_replay_report rep;
	struct rp_model *model;
	struct rp_model *recmodel;	/* the recorded order's, when the
					 * replay reordered */
};

/* loader.c */
int rp_load(struct replay *rp, char *msg, size_t len);
uint32_t rp_find_seq(const struct replay *rp, uint64_t seq);
int rp_field(const struct rp_ev *ev, const char *name, uint64_t *v);
int64_t rp_fsigned(const struct rp_ev *ev, const char *name);
uint64_t rp_fu(const struct rp_ev *ev, const char *name);

/* sandbox.c */
int rp_sandbox_open(struct replay *rp, char *msg, size_t len);
void rp_sandbox_close(struct replay *rp);
/* Remove everything under the root (for the next run of a hunt). */
int rp_sandbox_clear(struct replay *rp, char *msg, size_t len);
char *rp_path_join(const char *base, const char *path);
char *rp_path_norm(const char *spath);
int rp_sb_open(struct replay *rp, const char *spath, int flags, mode_t mode);
int rp_sb_parent(struct replay *rp, const char *spath, int *dirfd,
		 char **name);
int rp_materialize(struct replay *rp, char *msg, size_t len);
int rp_remove_tree(int dfd, const char *name);

/* hb.c */
int rp_hb_build(struct replay *rp, struct rp_hb *g);
void rp_hb_free(struct rp_hb *g);
int rp_conflicts(struct replay *rp, const struct rp_hb *g, size_t max_pairs,
		 uint64_t count_max, unsigned flags,
		 struct iorr_conflict **out, size_t *nout, uint64_t *total,
		 bool *exact);

/* sched.c */
int rp_sched_init(struct replay *rp, char *msg, size_t len);
/* Plan the schedule for rp->o.seed: order, delays, injections, hash. */
int rp_sched_plan(struct replay *rp, char *msg, size_t len);
/* Drive a serial plan (random, pct) on the calling thread. */
int rp_sched_run_serial(struct replay *rp);
void rp_sched_reset(struct replay *rp);
/* Issue event @i of worker @w with its planned delay and injections. */
int rp_issue(struct rp_worker *w, uint32_t i);
void rp_sched_wait(struct replay *rp, struct rp_worker *w, uint32_t i);
void rp_sched_done(struct replay *rp, struct rp_worker *w, uint32_t i);
void rp_sched_abort(struct replay *rp);
void rp_sched_free(struct replay *rp);

/* exec_sync.c */
int rp_exec_event(struct rp_worker *w, uint32_t i);
void *rp_buf(struct rp_worker *w, size_t len, uint64_t bufaddr);
void *rp_alloc_aligned(size_t len, uint64_t bufaddr, void **mem);
/* Free an async request of either engine (libaio or io_uring). */
void rp_req_free(struct rp_req *q);
void rp_fill_payload(struct replay *rp, const struct rp_ev *ev, uint8_t *buf,
		     size_t len);
int rp_fd_get(struct replay *rp, struct rp_proc *p, int32_t rfd);
bool rp_op_replayable(unsigned op);
/* The sandbox path of a recorded (dirfd, path) of event @i, or NULL (*err). */
/* The umask of event @i's process when it ran (recorded order). */
mode_t rp_umask_at(const struct replay *rp, uint32_t i);
char *rp_map_path(struct replay *rp, uint32_t i, int64_t dirfd,
		  uint64_t pathid, int *err);
/* Map recorded @rfd of @p to replay @fd (closing what it mapped before). */
int rp_fdmap_set(struct rp_proc *p, int32_t rfd, int fd, const char *spath,
		 bool cloexec);
/* @rfd of @p was closed by the kernel (io_uring CLOSE of replay @fd). */
void rp_fd_forget(struct rp_proc *p, int32_t rfd, int fd);
/* Replay @fd of @p is about to be closed: drop @p's POSIX locks on it. */
void rp_fd_locks_drop(struct rp_proc *p, int fd);
/* Release everything rp_exec_event keeps for @p (lock owners). */
void rp_proc_locks_free(struct rp_proc *p);

/* exec_aio.c */
int rp_exec_aio(struct rp_worker *w, uint32_t i);
void rp_aio_free(struct replay *rp);

/* exec_uring.c */
int rp_exec_uring(struct rp_worker *w, uint32_t i);
void rp_uring_free(struct replay *rp);

/* exec_ops.c: splice, sendfile, file mappings */
int rp_exec_splice(struct rp_worker *w, uint32_t i);
int rp_exec_sendfile(struct rp_worker *w, uint32_t i);
int rp_exec_map(struct rp_worker *w, uint32_t i);
void rp_maps_free(struct replay *rp);

/* oracle.c */
void rp_check_result(struct replay *rp, uint32_t i);
void rp_check_read(struct replay *rp, uint32_t i, const uint8_t *buf,
		   size_t len, uint64_t off, uint64_t recorded_hash);
void rp_pending_add(struct replay *rp, uint32_t i, enum iorr_div_kind kind,
		    const uint8_t *bytes, size_t nbytes, uint64_t off,
		    const char *what);
int rp_finish_report(struct replay *rp, char *msg, size_t len);
void rp_limit(struct replay *rp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t rp_now_ns(void);

/* model.c: the content model of the recorded execution. */
struct rp_model *rp_model_new(struct replay *rp);
void rp_model_free(struct rp_model *m);
/* Apply event @i (events must be applied in index order). */
int rp_model_step(struct rp_model *m, uint32_t i);
/* Files opened before anything created them and without initial content. */
int rp_model_missing(struct rp_model *m, char ***paths, size_t *n);

/* What the model says a read at event @i should return (before step(i)). */
struct rp_expect {
	char *path;		/* normalized sandbox path of the file */
	uint64_t size;		/* file size at the read */
	bool known;		/* content known (no unknown extents) */
	uint8_t *bytes;		/* expected bytes of [off, off+len) */
	uint64_t *writer;	/* per byte?  no: see rp_model_writer() */
	uint64_t off, len;
};
int rp_model_expect(struct rp_model *m, uint32_t i, uint64_t off,
		    uint64_t len, struct rp_expect *x);
/* The seq of the op that last wrote byte @off of the file event @i reads. */
uint64_t rp_model_writer(struct rp_model *m, const char *path, uint64_t off);
/*
 * Legal content of one page of a read racing writes that overlapped it in
 * recorded time: @n candidates filled into @cand (each @plen bytes).
 * @return the number of candidates.
 */
int rp_model_page_candidates(struct rp_model *m, uint32_t i, uint64_t poff,
			     uint64_t plen, uint8_t **cand, int max);
/* Final content of @path as the model has it (after all steps). */
int rp_model_final(struct rp_model *m, const char *path, uint8_t **bytes,
		   uint64_t *size, bool *known);
void rp_expect_free(struct rp_expect *x);
/*
 * Before step(i): the position of fd @fd of event @i's process and the size
 * of its file.  @return 0, or -ENOENT (not a file the model knows).
 */
int rp_model_fd_at(struct rp_model *m, uint32_t i, int64_t fd,
		   uint64_t *pos, uint64_t *size);
/* Deterministic stand-in content for hash-only blobs. */
uint8_t rp_gen_byte(uint32_t blob, uint64_t off);

#endif /* IORR_REPLAY_INT_H */
