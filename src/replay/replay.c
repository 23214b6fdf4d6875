/* SPDX-License-Identifier: MIT */
/*
 * The replay driver: prepare (load, check, model pre-pass, sandbox,
 * initial state, schedule), run (one worker thread per recorded thread),
 * and hand the outcomes to the oracles.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iorr/xlat.h"
#include "replay/replay_int.h"

const struct iorr_reader *iorr_replay_reader(const struct iorr_replay *rp)
{
	return ((const struct replay *)rp)->r;
}

const struct iorr_event *iorr_replay_event(const struct iorr_replay *x,
					   uint64_t seq)
{
	const struct replay *rp = (const struct replay *)x;
	uint32_t i = rp_find_seq(rp, seq);

	return i == RP_NONE ? NULL : &rp->ev[i].e;
}

uint64_t iorr_replay_t0(const struct iorr_replay *x)
{
	const struct replay *rp = (const struct replay *)x;

	return rp->nev ? rp->ev[0].e.start_ns : 0;
}

/* Ops the engine cannot issue yet: refuse the trace up front. */
static int check_replayable(struct replay *rp, char *msg, size_t len)
{
	for (uint32_t i = 0; i < rp->nev; i++) {
		const struct rp_ev *ev = &rp->ev[i];

		if (!rp_op_replayable(ev->e.op)) {
			char what[96] = "";

			if (ev->e.op == IORR_OP_uring_other) {
				/* the SQE opcode the replay cannot issue */
				char op[64];

				iorr_xlat_format(IORR_XLAT_IORING_OP,
						 rp_fu(ev, "opcode"), op,
						 sizeof(op));
				snprintf(what, sizeof(what), " (%s)", op);
			}
			snprintf(msg, len, "%s: %s%s (seq %" PRIu64 ") is not "
				 "supported by replay yet", rp->o.trace,
				 iorr_op_get(ev->e.op)->name, what, ev->e.seq);
			return -ENOTSUP;
		}
		if (ev->e.op == IORR_OP_uring_missed)
			rp_limit(rp, "the recorder missed io_uring "
				 "completions or submissions (uring_missed): "
				 "those are not replayed");
		if (ev->e.op == IORR_OP_loss)
			rp_limit(rp, "the recorder lost events (loss): the "
				 "replay cannot be faithful there");
	}
	return 0;
}

static int premodel(struct replay *rp, char *msg, size_t len)
{
	char **miss;
	size_t n;

	rp->model = rp_model_new(rp);
	if (!rp->model) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < rp->nev; i++)
		rp_model_step(rp->model, i);
	rp_model_missing(rp->model, &miss, &n);
	if (n && !rp->o.allow_missing_initial) {
		snprintf(msg, len, "%s: the trace lacks the initial content of "
			 "%s%s (opened but never created and not in the "
			 "initial state); --allow-missing-initial replays "
			 "without it", rp->o.trace, miss[0],
			 n > 1 ? " and other files" : "");
		return -ENODATA;
	}
	for (size_t k = 0; k < n; k++)
		rp_limit(rp, "%s: initial content missing from the trace, "
			 "not checked", miss[k]);
	return 0;
}

int iorr_replay_prepare(const struct iorr_replay_opts *o,
			struct iorr_replay **out, char *msg, size_t len)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	int k;

	*out = NULL;
	msg[0] = '\0';
	if (!rp) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	rp->o = *o;
	rp->rootfd = -1;
	if (rp->o.timing_scale <= 0)
		rp->o.timing_scale = 1.0;
	pthread_mutex_init(&rp->aio_lock, NULL);
	pthread_mutex_init(&rp->ring_lock, NULL);
	pthread_mutex_init(&rp->map_lock, NULL);
	pthread_mutex_init(&rp->skew_lock, NULL);
	pthread_mutex_init(&rp->pend_lock, NULL);
	*out = (struct iorr_replay *)rp;
	k = rp_load(rp, msg, len);
	if (!k)
		k = check_replayable(rp, msg, len);
	if (!k)
		k = premodel(rp, msg, len);
	if (!k)
		k = rp_sandbox_open(rp, msg, len);
	if (!k)
		k = rp_materialize(rp, msg, len);
	if (!k)
		k = rp_sched_init(rp, msg, len);
	if (k < 0 && !msg[0])
		snprintf(msg, len, "%s: %s", rp->o.trace, strerror(-k));
	return k;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *worker_main(void *arg)
{
	struct rp_worker *w = arg;
	struct replay *rp = w->rp;

	/* paced: wake at the deadline, not up to 50 us later (sched.c) */
	if (rp->o.timing == IORR_TIMING_RECORDED)
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	for (uint32_t k = 0; k < w->nev; k++) {
		uint32_t i = w->evs[k];

		rp_sched_wait(rp, w, i);
		if (atomic_load(&rp->stop))
			break;
		int ret = rp_issue(w, i);

		if (ret < 0) {
			w->err = ret;
			snprintf(w->msg, sizeof(w->msg), "seq %" PRIu64 " (%s): "
				 "%s", rp->ev[i].e.seq,
				 iorr_op_get(rp->ev[i].e.op)->name,
				 ret == -ENOTSUP ? "not supported by replay yet"
				 : strerror(-ret));
			rp_sched_abort(rp);
			break;
		}
		rp_check_result(rp, i);
		rp_sched_done(rp, w, i);
		uint64_t done = atomic_load(&rp->ndone);

		if (rp->o.progress && (done % 256 == 0 || done == rp->nev))
			rp->o.progress(rp->o.progress_arg, done, rp->nev);
	}
	w->cpu_ns = thread_cpu_ns();
	return NULL;
}

/*
 * The recorded and replayed durations of the events that ran: first start
 * (issue) to last end.  The recorded one is scaled like the pacing.
 */
static void spans(struct replay *rp)
{
	uint64_t r0 = UINT64_MAX, r1 = 0, p0 = UINT64_MAX, p1 = 0;
	struct iorr_replay_report *r = &rp->rep;

	for (uint32_t i = 0; i < rp->nev; i++) {
		if (rp->out[i].state == RP_NOT_RUN)
			continue;
		if (rp->ev[i].e.start_ns < r0)
			r0 = rp->ev[i].e.start_ns;
		if (rp->ev[i].e.end_ns > r1)
			r1 = rp->ev[i].e.end_ns;
		if (rp->out[i].issue_ns < p0)
			p0 = rp->out[i].issue_ns;
		if (rp->out[i].end_ns > p1)
			p1 = rp->out[i].end_ns;
	}
	r->recorded_span_ns = r->replayed_span_ns = 0;
	r->duration_error_pct = 0;
	if (r0 > r1 || p0 > p1)
		return;
	r->recorded_span_ns = r1 - r0;
	if (rp->o.timing == IORR_TIMING_RECORDED)
		r->recorded_span_ns = (uint64_t)((double)r->recorded_span_ns *
						 rp->o.timing_scale);
	/* recorded order, as soon as possible: no per-op times taken */
	r->replayed_span_ns = rp->times ? p1 - p0 : r->elapsed_ns;
	if (r->recorded_span_ns)
		r->duration_error_pct = ((double)r->replayed_span_ns -
					 (double)r->recorded_span_ns) * 100.0 /
					(double)r->recorded_span_ns;
}

int iorr_replay_run(struct iorr_replay *x, const struct iorr_replay_report
		    **report, char *msg, size_t len)
{
	struct replay *rp = (struct replay *)x;
	int ret = 0;

	msg[0] = '\0';
	*report = &rp->rep;
	if (!rp->out) {
		rp->out = calloc(rp->nev ? rp->nev : 1, sizeof(*rp->out));
		rp->workers = calloc(rp->nthreads ? rp->nthreads : 1,
				     sizeof(*rp->workers));
		if (!rp->out || !rp->workers) {
			snprintf(msg, len, "out of memory");
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < rp->nev; i++)
			rp->workers[rp->ev[i].e.thread].nev++;
		for (uint32_t t = 0; t < rp->nthreads; t++) {
			struct rp_worker *w = &rp->workers[t];

			w->rp = rp;
			w->thread = t;
			w->evs = malloc((w->nev ? w->nev : 1) *
					sizeof(*w->evs));
			if (!w->evs) {
				snprintf(msg, len, "out of memory");
				return -ENOMEM;
			}
			w->nev = 0;
		}
		for (uint32_t i = 0; i < rp->nev; i++) {
			struct rp_worker *w = &rp->workers[rp->ev[i].e.thread];

			w->evs[w->nev++] = i;
		}
	}
	/* creating calls mask their modes with their process's umask at
	 * that point of the recording (rp_umask_at()) */
	mode_t old = umask(0);

	rp->start_ns = rp_now_ns();
	if (rp->serial) {
		/* one op at a time in the planned order: one driver */
		uint64_t c0 = thread_cpu_ns();

		rp_sched_run_serial(rp);
		rp->rep.cpu_ns = thread_cpu_ns() - c0;
	}
	pthread_attr_t rt, *attr = NULL;

	if (rp->o.realtime && !rp->serial && !pthread_attr_init(&rt)) {
		/* --realtime: the lowest SCHED_FIFO priority, no spinning
		 * beyond pace()'s 50 us an op */
		struct sched_param sp = { .sched_priority = 1 };

		pthread_attr_setinheritsched(&rt, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&rt, SCHED_FIFO);
		pthread_attr_setschedparam(&rt, &sp);
		attr = &rt;
	}
	for (uint32_t t = 0; t < rp->nthreads && !rp->serial; t++) {
		struct rp_worker *w = &rp->workers[t];

		if (!w->nev)
			continue;
		int k = pthread_create(&w->th, attr, worker_main, w);

		if (k == EPERM && attr) {
			rp_limit(rp, "--realtime: not allowed to use "
				 "SCHED_FIFO (needs CAP_SYS_NICE or an "
				 "RLIMIT_RTPRIO): normal scheduling");
			pthread_attr_destroy(attr);
			attr = NULL;
			k = pthread_create(&w->th, NULL, worker_main, w);
		}

		if (k) {
			snprintf(msg, len, "cannot start a replay thread: %s",
				 strerror(k));
			ret = -k;
			rp_sched_abort(rp);
			break;
		}
		w->started = true;
	}
	if (attr)
		pthread_attr_destroy(attr);
	for (uint32_t t = 0; t < rp->nthreads; t++) {
		if (rp->workers[t].started) {
			pthread_join(rp->workers[t].th, NULL);
			rp->rep.cpu_ns += rp->workers[t].cpu_ns;
		}
		rp->workers[t].started = false;
	}
	rp->rep.elapsed_ns = rp_now_ns() - rp->start_ns;
	umask(old);
	rp_aio_free(rp);
	rp_uring_free(rp);
	rp_maps_free(rp);
	for (uint32_t t = 0; t < rp->nthreads && !ret; t++) {
		if (rp->workers[t].err) {
			snprintf(msg, len, "%s", rp->workers[t].msg);
			ret = rp->workers[t].err;
		}
	}
	for (uint32_t i = 0; i < rp->nev; i++) {
		if (rp->out[i].state == RP_DONE)
			rp->rep.executed++;
		else if (rp->out[i].state == RP_SKIPPED)
			rp->rep.skipped++;
	}
	if (rp->rep.skipped)
		rp_limit(rp, "%" PRIu64 " ops were not reissued (ioctl, fiemap, "
			 "dioinfo)", rp->rep.skipped);
	if (rp->fs_refused)
		rp_limit(rp, "%" PRIu64 " calls the recording's filesystem "
			 "refused (EOPNOTSUPP, EXDEV...) were not reissued: "
			 "they fail as recorded", rp->fs_refused);
	if (ret)
		return ret;
	if (rp->o.timing == IORR_TIMING_RECORDED && rp->skew.n) {
		rp->rep.have_skew = true;
		rp->rep.skew_p50 = hist_quantile(&rp->skew, 0.5);
		rp->rep.skew_p99 = hist_quantile(&rp->skew, 0.99);
		rp->rep.skew_max = rp->skew.max;
	}
	spans(rp);
	ret = rp_finish_report(rp, msg, len);
	rp->rep.root_kept = rp->o.keep || (rp->o.root && !rp->o.scratch);
	return ret;
}

/* Close every replay fd and forget every cwd of the recorded processes. */
static void clear_procs(struct replay *rp)
{
	for (uint32_t p = 0; rp->procs && p < rp->nprocs; p++) {
		struct rp_fd *f, *tmp;

		HASH_ITER(hh, rp->procs[p].fds, f, tmp) {
			HASH_DEL(rp->procs[p].fds, f);
			close(f->fd);
			free(f->spath);
			free(f);
		}
		rp_proc_locks_free(&rp->procs[p]);
		free(rp->procs[p].cwd);
		rp->procs[p].cwd = NULL;
		rp->procs[p].started = false;
	}
}

static void free_procs(struct replay *rp)
{
	clear_procs(rp);
	for (uint32_t p = 0; rp->procs && p < rp->nprocs; p++) {
		pthread_mutex_destroy(&rp->procs[p].lock);
		free(rp->procs[p].umasks);
	}
	free(rp->procs);
}

/* Forget the outcome of the last run (not the trace-wide notes). */
static void clear_run(struct replay *rp)
{
	struct iorr_replay_report *r = &rp->rep;

	while (rp->pending) {
		struct rp_pending *p = rp->pending->next;

		free(rp->pending->bytes);
		free(rp->pending->rec);
		free(rp->pending);
		rp->pending = p;
	}
	rp->pending_bytes = 0;
	for (uint64_t k = 0; k < r->ndiv; k++) {
		free(r->divs[k].path);
		free(r->divs[k].context);
	}
	free(r->divs);
	r->divs = NULL;
	r->ndiv = r->nimpossible = r->norder = 0;
	r->executed = r->skipped = 0;
	r->reads_checked = r->reads_unchecked = r->finals_checked = 0;
	r->elapsed_ns = r->cpu_ns = 0;
	r->have_skew = false;
	hist_free(&rp->skew);
	memset(&rp->skew, 0, sizeof(rp->skew));
	if (rp->out)
		memset(rp->out, 0, (rp->nev ? rp->nev : 1) * sizeof(*rp->out));
	for (uint32_t t = 0; rp->workers && t < rp->nthreads; t++) {
		rp->workers[t].err = 0;
		rp->workers[t].msg[0] = '\0';
		atomic_store(&rp->workers[t].wake, 0);
	}
	rp_aio_free(rp);
	rp_uring_free(rp);
	rp_maps_free(rp);
	clear_procs(rp);
}

int iorr_replay_reset(struct iorr_replay *x, uint64_t seed, char *msg,
		      size_t len)
{
	struct replay *rp = (struct replay *)x;
	int k;

	msg[0] = '\0';
	clear_run(rp);
	k = rp_sandbox_clear(rp, msg, len);
	if (!k)
		k = rp_materialize(rp, msg, len);
	if (k < 0)
		return k;
	rp->o.seed = seed;
	rp_sched_reset(rp);
	return rp_sched_plan(rp, msg, len);
}

int iorr_replay_schedule(struct iorr_replay *x, uint64_t seed,
			 uint64_t **seqs, size_t *n, uint64_t **delays,
			 char *msg, size_t len)
{
	struct replay *rp = (struct replay *)x;
	const struct rp_plan *p = &rp->plan;
	int k;

	msg[0] = '\0';
	*seqs = NULL;
	*delays = NULL;
	*n = 0;
	rp->o.seed = seed;
	k = rp_sched_plan(rp, msg, len);
	if (k < 0)
		return k;
	*seqs = malloc((rp->nev ? rp->nev : 1) * sizeof(**seqs));
	if (p->delay)
		*delays = malloc((rp->nev ? rp->nev : 1) * sizeof(**delays));
	if (!*seqs || (p->delay && !*delays)) {
		free(*seqs);
		free(*delays);
		*seqs = *delays = NULL;
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t s = 0; s < rp->nev; s++) {
		uint32_t i = p->order ? p->order[s] : s;

		(*seqs)[s] = rp->ev[i].e.seq;
		if (*delays)
			(*delays)[s] = p->delay[i];
	}
	*n = rp->nev;
	return 0;
}

int iorr_replay_read_file(struct iorr_replay *x, const char *path,
			  uint8_t **buf, size_t *len)
{
	struct replay *rp = (struct replay *)x;
	int fd = rp_sb_open(rp, path, O_RDONLY | O_NOFOLLOW, 0);
	size_t cap = 0, n = 0;
	uint8_t *b = NULL;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return fd;
	for (;;) {
		if (n == cap) {
			uint8_t *nb = realloc(b, cap ? 2 * cap : 65536);

			if (!nb) {
				free(b);
				close(fd);
				return -ENOMEM;
			}
			b = nb;
			cap = cap ? 2 * cap : 65536;
		}
		ssize_t r = read(fd, b + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(b);
			close(fd);
			return -e;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
}

const char *iorr_replay_cwd(const struct iorr_replay *x)
{
	return ((const struct replay *)x)->trace_cwd;
}

unsigned iorr_replay_umask(const struct iorr_replay *x)
{
	return ((const struct replay *)x)->umask;
}

int iorr_replay_load(const char *trace, struct iorr_replay **out, char *msg,
		     size_t len)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	int k;

	*out = NULL;
	msg[0] = '\0';
	if (!rp) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	rp->o.trace = trace;
	rp->rootfd = -1;
	rp->analysis = true;
	pthread_mutex_init(&rp->aio_lock, NULL);
	pthread_mutex_init(&rp->ring_lock, NULL);
	pthread_mutex_init(&rp->skew_lock, NULL);
	pthread_mutex_init(&rp->pend_lock, NULL);
	*out = (struct iorr_replay *)rp;
	k = rp_load(rp, msg, len);
	if (k < 0 && !msg[0])
		snprintf(msg, len, "%s: %s", trace, strerror(-k));
	return k;
}

/* The happens-before graph and the accesses, built once. */
static int hb_ready(struct replay *rp)
{
	if (!rp->hb.from && !rp->hb.acc)
		return rp_hb_build(rp, &rp->hb);
	return 0;
}

int iorr_replay_conflicts(struct iorr_replay *x, size_t max,
			  struct iorr_conflict **out, size_t *n,
			  uint64_t *total)
{
	struct replay *rp = (struct replay *)x;
	int k = hb_ready(rp);

	bool exact;

	if (k < 0)
		return k;
	return rp_conflicts(rp, &rp->hb, max, 0, 0, out, n, total, &exact);
}

int iorr_replay_conflicts_upto(struct iorr_replay *x, size_t max,
			       uint64_t count_max, unsigned flags,
			       struct iorr_conflict **out, size_t *n,
			       uint64_t *total, bool *exact)
{
	struct replay *rp = (struct replay *)x;
	int k = hb_ready(rp);

	*out = NULL;
	*n = 0;
	*total = 0;
	*exact = true;
	if (k < 0)
		return k;
	return rp_conflicts(rp, &rp->hb, max, count_max, flags, out, n, total,
			    exact);
}

size_t iorr_replay_nevents(const struct iorr_replay *x)
{
	return ((const struct replay *)x)->nev;
}

const struct iorr_event *iorr_replay_event_at(const struct iorr_replay *x,
					      size_t i)
{
	const struct replay *rp = (const struct replay *)x;

	return i < rp->nev ? &rp->ev[i].e : NULL;
}

/*
 * Does @ev, which changes a path's entry, also cut the file's bytes from
 * *@off on (a successful open with O_TRUNC, creat, truncate)?
 */
static bool name_truncates(const struct rp_ev *ev, uint64_t *off)
{
	int fl;

	if (ev->e.err || ev->e.result < 0)
		return false;
	switch (ev->e.op) {
	case IORR_OP_creat:
		*off = 0;
		return true;
	case IORR_OP_truncate:
		*off = rp_fu(ev, "len");
		return true;
	default:
		fl = iorr_op_field_index(ev->e.op, "flags");
		if (iorr_op_get(ev->e.op)->cls != IORR_CLASS_OPEN || fl < 0 ||
		    !(ev->e.f[fl] & O_TRUNC))
			return false;
		*off = 0;
		return true;
	}
}

int iorr_replay_accesses(struct iorr_replay *x, struct iorr_access **out,
			 size_t *n)
{
	struct replay *rp = (struct replay *)x;
	const struct rp_hb *g = &rp->hb;
	struct iorr_access *v;
	size_t m = 0;
	int k = hb_ready(rp);

	*out = NULL;
	*n = 0;
	if (k < 0)
		return k;
	v = malloc((g->nacc ? g->nacc : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < g->nacc; i++) {
		const struct rp_access *a = &g->acc[i];
		const struct rp_ev *ev = &rp->ev[a->ev];

		uint64_t off = a->off, end = a->end;
		const char *file = g->fnames[a->file];

		if (a->flags & RP_ACC_OFD)
			continue;
		if (a->flags & RP_ACC_NS) {
			/* truncating a file by name changes its bytes too */
			if (!(a->flags & RP_ACC_WRITE) ||
			    !name_truncates(ev, &off) ||
			    strncmp(file, "ns:", 3))
				continue;
			file += 3;
			end = UINT64_MAX;
		}
		v[m++] = (struct iorr_access){
			.seq = ev->e.seq,
			.done_seq = !(a->flags & RP_ACC_ASYNC) ? ev->e.seq :
				    ev->complete != RP_NONE ?
				    rp->ev[ev->complete].e.seq : 0,
			.thread = ev->e.thread,
			.file = file,
			.off = off,
			.end = end,
			.write = a->flags & RP_ACC_WRITE,
		};
	}
	*out = v;
	*n = m;
	return 0;
}

void iorr_replay_free(struct iorr_replay *x)
{
	struct replay *rp = (struct replay *)x;

	if (!rp)
		return;
	rp_aio_free(rp);
	rp_uring_free(rp);
	rp_maps_free(rp);
	free_procs(rp);
	rp->procs = NULL;
	rp_sandbox_close(rp);
	rp_model_free(rp->model);
	rp_model_free(rp->recmodel);
	free(rp->xorder);
	free(rp->xpos);
	rp_sched_free(rp);
	for (uint32_t t = 0; rp->workers && t < rp->nthreads; t++) {
		free(rp->workers[t].evs);
		free(rp->workers[t].bufmem);
	}
	free(rp->workers);
	rp->workers = NULL;
	while (rp->pending) {
		struct rp_pending *p = rp->pending->next;

		free(rp->pending->bytes);
		free(rp->pending->rec);
		free(rp->pending);
		rp->pending = p;
	}
	for (uint64_t k = 0; k < rp->rep.ndiv; k++) {
		free(rp->rep.divs[k].path);
		free(rp->rep.divs[k].context);
	}
	free(rp->rep.divs);
	for (size_t k = 0; k < rp->rep.nlimits; k++)
		free(rp->rep.limits[k]);
	free(rp->rep.limits);
	hist_free(&rp->skew);
	free(rp->out);
	free(rp->thread_proc);
	free(rp->ev);
	free(rp->vecs);
	free(rp->trace_cwd);
	free(rp->root);
	iorr_reader_close(rp->r);
	free(rp);
}
