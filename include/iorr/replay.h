/* SPDX-License-Identifier: MIT */
/*
 * iorr replay engine: sandboxed, checked re-execution of a trace.
 *
 * The engine loads a trace, materializes its initial state under a sandbox
 * root, re-issues every recorded call from one replay thread per recorded
 * thread (sync calls, libaio, io_uring), and checks the outcome with three
 * oracles: per-op results, per-read content hashes and the final state of
 * every touched file.  Divergences are classified with a content model of
 * the recorded execution (src/replay/model.c) as impossible outcomes or
 * order-dependent ones.  See iorr-replay(1) for the semantics.
 *
 * The engine never prints or exits: functions return 0 or -errno and fill
 * a message buffer; the report is a data structure the CLI formats.
 */
#ifndef IORR_REPLAY_H
#define IORR_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iorr/trace.h"

enum iorr_replay_order {
	IORR_ORDER_RECORDED,	/* global seq order, one op at a time */
	IORR_ORDER_FREE,	/* concurrent, happens-before enforced */
	IORR_ORDER_RANDOM,	/* one op at a time, seeded random order */
	IORR_ORDER_PCT,		/* one op at a time, seeded PCT priorities */
};

enum iorr_jitter {
	IORR_JITTER_NONE,
	IORR_JITTER_UNIFORM,	/* uniform in [a, b] ns */
	IORR_JITTER_EXP,	/* exponential with mean a ns */
};

/*
 * Seeded perturbations.  None changes what a correct system may return:
 * a dropped page cache, an extra fsync and a late reap are invisible to
 * a correct filesystem, and a short-split op issues two calls covering
 * exactly the recorded range and compares their concatenation.
 */
struct iorr_perturb {
	double dropcache;	/* probability per data op: fadvise DONTNEED
				 * on its file before it */
	bool dropcache_global;	/* also write 1 to /proc/sys/vm/drop_caches
				 * (root) */
	double fsync;		/* probability per write: an fsync after it */
	uint64_t reap_delay_ns;	/* reaps of async completions wait a seeded
				 * time in [0, reap_delay_ns] first */
	double shortio;		/* probability per pread/pwrite/read/write:
				 * split in two calls */
};

enum iorr_replay_timing {
	IORR_TIMING_ASAP,
	IORR_TIMING_RECORDED,	/* issue at the recorded offsets (scaled) */
};

/* Progress callback: events done of total; called from replay threads. */
typedef void (*iorr_replay_progress_fn)(void *arg, uint64_t done,
					uint64_t total);

struct iorr_replay_opts {
	const char *trace;		/* path of the trace */
	const char *root;		/* sandbox root; NULL: a new temp dir */
	bool keep;			/* keep a temporary root afterwards */
	const char *scratch;		/* "ext4[:mkfs opts]" etc., or NULL */
	bool allow_missing_initial;
	enum iorr_replay_order order;
	enum iorr_replay_timing timing;
	double timing_scale;		/* 1.0 for recorded, F for scale:F */
	bool realtime;			/* replay threads SCHED_FIFO */
	iorr_replay_progress_fn progress;
	void *progress_arg;
	/* seeded scheduling (iorr-replay(1), "ORDER AND TIMING") */
	uint64_t seed;
	unsigned pct_depth;		/* D of pct:D (>= 1) */
	enum iorr_jitter jitter;
	uint64_t jitter_a, jitter_b;	/* ns */
	bool flip_conflicts;		/* drop the kept conflict order */
	struct iorr_perturb perturb;
	bool quiet_limits;		/* hunt: skip per-run notes */
	/*
	 * Called with the bytes of every read the oracles check (sync reads
	 * at the read, async ones at their completion record), from the
	 * replay threads, one at a time in serial orders.  @seq is the
	 * read's (or completion's) event.  NULL: none.  (iorr export-c
	 * embeds these as the expected bytes.)
	 */
	void (*read_hook)(void *arg, uint64_t seq, const void *buf,
			  size_t len);
	void *hook_arg;
};

/*
 * Parse "recorded", "free", "random" or "pct:D" into @o.
 * @return 0 or -EINVAL with a message in @msg.
 */
int iorr_replay_parse_order(const char *s, struct iorr_replay_opts *o,
			    char *msg, size_t len);
/* Parse "uniform:A-B" or "exp:MEAN" (durations: ns, us, ms, s). */
int iorr_replay_parse_jitter(const char *s, struct iorr_replay_opts *o,
			     char *msg, size_t len);
/*
 * Parse one or more comma-separated perturbations: "dropcache:P[:global]",
 * "fsync:P", "reap-delay:D", "short:P" (P a probability, D a duration).
 */
int iorr_replay_parse_perturb(const char *s, struct iorr_replay_opts *o,
			      char *msg, size_t len);
/* Parse a duration "250", "250ns", "20us", "3ms", "1.5s" into ns. */
int iorr_parse_duration(const char *s, uint64_t *ns);

/* Kinds of divergence. */
enum iorr_div_kind {
	IORR_DIV_RESULT,	/* return value or errno differs */
	IORR_DIV_READ,		/* bytes read differ (hash) */
	IORR_DIV_FINAL,		/* final size, mode or content differs */
	IORR_DIV_REFUSED,	/* the sandbox refused the op's path */
	IORR_DIV_FAILED,	/* the replay could not issue the op */
};

/* Classification by the content model. */
enum iorr_div_class {
	IORR_DIV_IMPOSSIBLE,	/* no legal execution of the schedule gives it */
	IORR_DIV_ORDER,		/* legal for the schedule, unlike the recording */
	IORR_DIV_UNCLASSIFIED,	/* the model cannot tell (content unknown) */
};

/* Bytes around the first difference, for a hexdump. */
#define IORR_DIV_WINDOW 64

struct iorr_divergence {
	enum iorr_div_kind kind;
	enum iorr_div_class cls;
	uint64_t seq;		/* the op observed (UINT64_MAX: final state) */
	uint64_t writer_seq;	/* op that should have produced the bytes,
				 * UINT64_MAX: initial content or none */
	char *path;		/* file (sandbox path), or NULL */
	uint64_t off, len;	/* byte range in the file the op touched */
	int64_t want_result, got_result;
	int want_err, got_err;
	bool have_bytes;	/* the window below is filled */
	uint64_t diff_off;	/* file offset of the first differing byte */
	uint64_t win_off;	/* file offset of want[0] / got[0] */
	uint32_t win_len;	/* bytes in the windows */
	uint8_t want[IORR_DIV_WINDOW], got[IORR_DIV_WINDOW];
	char what[512];		/* one-line explanation */
	/*
	 * Order-dependent outcomes: the conflicting pair whose order differs
	 * from the recording: pair[0] ran first in the recording, pair[1]
	 * first in this replay (UINT64_MAX: not known).  want[] then holds
	 * what the recorded order gives, got[] what this replay gave.
	 */
	uint64_t pair[2];
	bool have_recorded;	/* want[] is the recorded order's content */
	/* free order: an op of another thread on overlapping bytes that
	 * ran at the same time as the observed one, or UINT64_MAX */
	uint64_t racing_seq;
	/* what preceded it in this schedule: injections, reorderings
	 * (one per line), or NULL */
	char *context;
};

struct iorr_replay_report {
	uint64_t events;	/* in the trace */
	uint64_t executed;	/* ops issued */
	uint64_t skipped;	/* ops not replayable, not issued (listed) */
	uint64_t reads_checked, reads_unchecked;
	uint64_t finals_checked;
	uint64_t ndiv, nimpossible, norder;
	struct iorr_divergence *divs;
	uint64_t elapsed_ns;
	uint64_t cpu_ns;	/* CPU time of the replay threads in the run */
	/* recorded timing: issue-time skew against the recorded offsets */
	bool have_skew;
	uint64_t skew_p50, skew_p99, skew_max;
	/*
	 * Duration: from the first event's start to the last end, recorded
	 * (times the timing scale with paced timing) and replayed (first
	 * issue to last return); their difference in % of the recorded one.
	 */
	uint64_t recorded_span_ns, replayed_span_ns;
	double duration_error_pct;
	/* Notes on what the checks could not cover, one line each. */
	size_t nlimits;
	char **limits;
	const char *root;	/* the sandbox root used */
	bool root_kept;
	/* the schedule: xxh3-64 over the issued (seq, delay, injection) */
	uint64_t sched_hash;
	uint64_t injections;	/* perturbations planned */
	uint64_t reordered;	/* conflicting pairs issued out of recorded
				 * order (serial orders) */
	bool conflicts_kept;	/* the trace lacks pthread sync: conflicting
				 * ops keep their recorded order */
};

struct iorr_replay;

/*
 * Load the trace named by @o->trace (the whole trace, events with their
 * vectors), check that it is replayable with @o, and prepare the sandbox.
 * @return 0 and *@out, or -errno with a message in @msg (a replay that
 * cannot start: exit status 2).
 */
int iorr_replay_prepare(const struct iorr_replay_opts *o,
			struct iorr_replay **out, char *msg, size_t msglen);

/*
 * Run the prepared replay and check it.  The report stays valid until
 * iorr_replay_free().  @return 0 when the replay ran (divergences or not:
 * see the report), or -errno with a message (exit status 2).
 */
int iorr_replay_run(struct iorr_replay *rp, const struct iorr_replay_report
		    **report, char *msg, size_t msglen);

/*
 * Reset a prepared (and possibly run) replay for another run with @seed:
 * the sandbox gets the initial state again, per-run state is cleared and
 * the schedule is planned anew.  The decoded trace, the happens-before
 * graph and the sandbox root are kept (iorr hunt runs thousands of
 * seeds this way).  The previous report becomes invalid.
 * @return 0 or -errno with a message.
 */
int iorr_replay_reset(struct iorr_replay *rp, uint64_t seed, char *msg,
		      size_t msglen);

/*
 * The schedule hash of the plan for the current seed, known before the
 * run (the report repeats it).
 */
uint64_t iorr_replay_sched_hash(const struct iorr_replay *rp);

/*
 * The issue order the replayer uses for @seed with the options the replay
 * was prepared with (recorded: the trace order): *@seqs gets the event
 * seqs in issue order and *@delays (NULL when no delays are planned) the
 * ns each waits before it is issued; both have *@n entries, free() them.
 * Plans anew for @seed (as iorr_replay_reset() would, without touching
 * the sandbox).  Perturbation injections are not part of the answer.
 * @return 0 or -errno with a message.
 */
int iorr_replay_schedule(struct iorr_replay *rp, uint64_t seed,
			 uint64_t **seqs, size_t *n, uint64_t **delays,
			 char *msg, size_t msglen);

/*
 * Read the whole content of the recorded path @path (absolute, as in the
 * trace's file states) from the sandbox, resolved inside the root.
 * @return 0 with *@buf (free() it) and *@len, or -errno (-ENOENT: absent).
 */
int iorr_replay_read_file(struct iorr_replay *rp, const char *path,
			  uint8_t **buf, size_t *len);

/* The recorded working directory and umask (from the metadata). */
const char *iorr_replay_cwd(const struct iorr_replay *rp);
unsigned iorr_replay_umask(const struct iorr_replay *rp);

/* A candidate race: two conflicting ops no happens-before edge orders. */
struct iorr_conflict {
	uint64_t seq[2];	/* seq[0] < seq[1] */
	uint32_t thread[2];
	uint64_t off[2], end[2];	/* byte ranges [off, end) */
	bool write[2];		/* the op changes the bytes (or entry) */
	const char *file;	/* normalized path; valid with the replay */
	bool ns;		/* a namespace entry, not bytes */
	bool ofd;		/* the shared offset of one open file */
	bool overlapped;	/* the two overlapped in recorded time */
};

/*
 * Load a trace for analysis only (no sandbox, no model pass): enough for
 * iorr_replay_conflicts() and the event lookups.
 */
int iorr_replay_load(const char *trace, struct iorr_replay **out,
		     char *msg, size_t msglen);

/*
 * The candidate races of the trace: at most @max pairs in *@out (free()
 * it), with *@total the number found.  Per-file interval sweeps: each op
 * is compared only with the ops whose ranges overlap its own.
 * @return 0 or -errno.
 */
int iorr_replay_conflicts(struct iorr_replay *rp, size_t max,
			  struct iorr_conflict **out, size_t *n,
			  uint64_t *total);

/* iorr_replay_conflicts_upto() @flags */
#define IORR_CONFLICT_BYTES 0x1u	/* only pairs on the bytes of files
					 * (no namespace entries, no file
					 * offsets) */

/*
 * iorr_replay_conflicts() with a bounded count: only the pairs @flags
 * selects, and the sweep stops at the first pair past @count_max (0: count
 * them all; a @count_max below @max counts as @max).  *@exact is false
 * when it stopped: more than *@total (= @count_max) pairs exist.  With
 * @count_max == @max the sweep ends right after the pairs returned: the
 * cheap way to list the first ones of a trace with millions.
 * @return 0 or -errno.
 */
int iorr_replay_conflicts_upto(struct iorr_replay *rp, size_t max,
			       uint64_t count_max, unsigned flags,
			       struct iorr_conflict **out, size_t *n,
			       uint64_t *total, bool *exact);

/* One byte range of one file that an op reads or changes. */
struct iorr_access {
	uint64_t seq;		/* the op: the sync call or the async SUBMIT */
	uint64_t done_seq;	/* the event that completed it: seq for a
				 * sync call, 0 for a request never reaped */
	uint32_t thread;	/* the issuing thread */
	const char *file;	/* normalized path; valid with the replay */
	uint64_t off, end;	/* [off, end); end UINT64_MAX: to the end of
				 * the file (truncate, appends, ...) */
	bool write;		/* the op changes the bytes */
};

/*
 * The file data accesses of the trace that iorr_replay_conflicts()
 * compares (the bytes of files only: no namespace entries or file
 * offsets), plus the truncation of a file by name (open with O_TRUNC,
 * creat, truncate: a write from the new size to the end), in trace order:
 * *@n of them in *@out (free() it).
 * @return 0 or -errno.
 */
int iorr_replay_accesses(struct iorr_replay *rp, struct iorr_access **out,
			 size_t *n);

/* The reader (path, thread and blob lookups for the report's events). */
const struct iorr_reader *iorr_replay_reader(const struct iorr_replay *rp);

/* The number of events of the trace, and event @i of them (in trace
 * order, vectors included), or NULL past the end. */
size_t iorr_replay_nevents(const struct iorr_replay *rp);
const struct iorr_event *iorr_replay_event_at(const struct iorr_replay *rp,
					      size_t i);

/* @return the recorded event with sequence @seq, or NULL. */
const struct iorr_event *iorr_replay_event(const struct iorr_replay *rp,
					   uint64_t seq);

/* Start time of the first event (for relative times). */
uint64_t iorr_replay_t0(const struct iorr_replay *rp);

/* Remove the sandbox (unless kept), unmount a scratch fs, free everything. */
void iorr_replay_free(struct iorr_replay *rp);

/* Recomputed checks (iorr_replay_recheck). */
struct iorr_recheck_stats {
	uint64_t reads;			/* reads with a result to check */
	uint64_t reads_changed;		/* result or hash recomputed */
	uint64_t reads_unchecked;	/* bytes not known: hash set to 0 */
	uint64_t seeks_changed;		/* lseek results recomputed */
	uint64_t finals, finals_changed, finals_dropped;
};

/* Drop final-state records of non-regular files and of files the model
 * does not know, instead of keeping them as recorded. */
#define IORR_RECHECK_DROP_FINALS 0x1u

/*
 * Copy the trace @in to @out with the checks that a correct recorded-order
 * replay of @in passes, recomputed by the content model in recorded order:
 * results and hashes of reads (a read whose bytes the model does not know
 * gets hash 0: unchecked), lseek results, and the size and content hash of
 * every regular file's final state.  For traces whose ops or payloads were
 * changed (iorr shrink, iorr redact).  @return 0 or -errno with @msg.
 */
int iorr_replay_recheck(const char *in, const char *out, unsigned flags,
			struct iorr_recheck_stats *st, char *msg, size_t len);

const char *iorr_div_kind_name(enum iorr_div_kind k);
const char *iorr_div_class_name(enum iorr_div_class c);

#endif /* IORR_REPLAY_H */
