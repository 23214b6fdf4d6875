/* SPDX-License-Identifier: MIT */
/*
 * iorr hunt: replay a trace with successive seeds until something diverges
 * (iorr-hunt(1)).
 *
 * One forked worker process per job prepares the replay once (trace
 * decoded, happens-before graph built, sandbox made) and then, per run,
 * resets the sandbox to the initial state and replans with the next seed
 * (iorr_replay_reset): no exec and no trace decoding per run.  Workers
 * take run numbers from a shared counter and send one message per run to
 * the parent through their own pipe; the parent counts, deduplicates,
 * draws the progress bar and prints the reports.
 *
 * Seeds: run r of shard I of N has seed S + r*N + I, so N machines with
 * --shard 0/N .. N-1/N never replay the same seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "iorr/replay.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr hunt [OPTIONS] TRACE\n"
		"\n"
		"Replay TRACE again and again with successive seeds, each in a\n"
		"freshly reset sandbox, until a replay diverges.\n"
		"\n"
		"  --runs N                runs (default 1000, or unlimited\n"
		"                          with --time)\n"
		"  --time DURATION         stop after DURATION (30s, 5m, 2h)\n"
		"  --jobs J                parallel worker processes (default:\n"
		"                          the number of cores)\n"
		"  --seed-start S          first seed (default 0)\n"
		"  --shard I/N             this machine hunts seeds\n"
		"                          S + r*N + I (0 <= I < N)\n"
		"  --keep-going            do not stop at the first divergence:\n"
		"                          collect distinct ones (by op pair\n"
		"                          and kind)\n"
		"  --json                  the summary and reports as JSON\n"
		"  --order random|pct:D|free|recorded   (default random)\n"
		"  --jitter uniform:A-B|exp:MEAN   --flip-conflicts\n"
		"  --perturb dropcache:P[:global]|fsync:P|reap-delay:D|short:P\n"
		"  --scratch FS[:MKFS_OPTS]  --allow-missing-initial\n"
		"                          as in iorr replay\n"
		"  -h, --help              this text\n"
		"\n"
		"Exit status: 0 nothing diverged, 1 a divergence was found,\n"
		"2 usage, input or environment error.\n");
}

/* Shared between the parent and the workers. */
struct shared {
	_Atomic uint64_t next_run;
	_Atomic int stop;
};

/* One message per run, followed by text_len + json_len bytes. */
struct msg {
	uint64_t run, seed, hash;
	int32_t status;		/* 0 ok, 1 diverged, 2 error */
	uint32_t ndiv;
	/* dedupe key of the first divergence */
	int32_t kind, cls;
	uint64_t seq, pair0, pair1;
	uint32_t text_len, json_len;
};

struct found {
	struct msg m;
	char *text;
	char *json;
};

struct hunt {
	const char *trace;
	struct iorr_replay_opts o;
	uint64_t runs;		/* UINT64_MAX: until --time */
	uint64_t time_ns;	/* 0: no limit */
	unsigned jobs;
	uint64_t seed_start, shard, nshards;
	bool keep_going, json;
	struct cli_replay_args ra;	/* to repeat in commands */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t k = write(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t k = read(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* "iorr replay <options> --seed S TRACE" for a run. */
static char *repro(const struct hunt *h, uint64_t seed)
{
	return cli_replay_repro(&h->ra, true, seed, h->trace);
}

static void send_msg(int fd, struct msg *m, const char *text,
		     const char *json)
{
	m->text_len = text ? (uint32_t)strlen(text) : 0;
	m->json_len = json ? (uint32_t)strlen(json) : 0;
	if (write_all(fd, m, sizeof(*m)) < 0 ||
	    (m->text_len && write_all(fd, text, m->text_len) < 0) ||
	    (m->json_len && write_all(fd, json, m->json_len) < 0))
		_exit(EXIT_ERROR);
}

/* A worker process: prepare once, then reset and run per seed. */
static void worker(const struct hunt *h, struct shared *sh, int fd,
		   uint64_t t0)
{
	struct iorr_replay_opts o = h->o;
	struct iorr_replay *rp = NULL;
	char errmsg[1024];
	struct msg m;

	o.seed = h->seed_start + h->shard;
	if (iorr_replay_prepare(&o, &rp, errmsg, sizeof(errmsg)) < 0) {
		memset(&m, 0, sizeof(m));
		m.status = EXIT_ERROR;
		send_msg(fd, &m, errmsg, NULL);
		iorr_replay_free(rp);
		_exit(EXIT_ERROR);
	}
	for (;;) {
		uint64_t r;

		if (atomic_load(&sh->stop))
			break;
		if (h->time_ns && mono_ns() - t0 >= h->time_ns)
			break;
		r = atomic_fetch_add(&sh->next_run, 1);
		if (r >= h->runs)
			break;
		memset(&m, 0, sizeof(m));
		m.run = r;
		m.seed = h->seed_start + r * h->nshards + h->shard;

		const struct iorr_replay_report *rep;
		int k = iorr_replay_reset(rp, m.seed, errmsg, sizeof(errmsg));

		if (!k)
			k = iorr_replay_run(rp, &rep, errmsg, sizeof(errmsg));
		if (k < 0) {
			m.status = EXIT_ERROR;
			send_msg(fd, &m, errmsg, NULL);
			break;
		}
		m.hash = rep->sched_hash;
		m.ndiv = (uint32_t)rep->ndiv;
		if (!rep->ndiv) {
			send_msg(fd, &m, NULL, NULL);
			continue;
		}
		const struct iorr_divergence *d = &rep->divs[0];

		m.status = EXIT_DIVERGED;
		m.kind = d->kind;
		m.cls = d->cls;
		m.seq = d->seq;
		m.pair0 = d->pair[0] != UINT64_MAX ? d->pair[0] :
			  d->racing_seq != UINT64_MAX ? d->racing_seq :
			  d->writer_seq;
		m.pair1 = d->pair[1];

		char *cmd = repro(h, m.seed);
		char *text = NULL;
		size_t tlen = 0;
		FILE *mf = open_memstream(&text, &tlen);

		if (mf) {
			cli_replay_print_text(mf, h->trace, cmd ? cmd : "",
					      rp, rep);
			fclose(mf);
		}
		json_t *j = cli_replay_json(h->trace, cmd ? cmd : "", rp, rep);
		char *js = j ? json_dumps(j, JSON_COMPACT) : NULL;

		json_decref(j);
		send_msg(fd, &m, text, js);
		free(text);
		free(js);
		free(cmd);
	}
	iorr_replay_free(rp);
	_exit(EXIT_OK);
}

static bool same_key(const struct msg *a, const struct msg *b)
{
	return a->kind == b->kind && a->cls == b->cls && a->seq == b->seq &&
	       a->pair0 == b->pair0 && a->pair1 == b->pair1;
}

static void progress(const struct hunt *h, uint64_t done, uint64_t ndiv,
		     uint64_t t0, bool final)
{
	double el = (double)(mono_ns() - t0) / 1e9;
	double rate = el > 0 ? (double)done / el : 0;
	char eta[32] = "";

	if (h->runs != UINT64_MAX && rate > 0)
		snprintf(eta, sizeof(eta), ", ETA %.0fs",
			 (double)(h->runs - done) / rate);
	else if (h->time_ns)
		snprintf(eta, sizeof(eta), ", ETA %.0fs",
			 (double)h->time_ns / 1e9 - el > 0 ?
			 (double)h->time_ns / 1e9 - el : 0);
	if (h->runs != UINT64_MAX) {
		unsigned w = 24, fill = (unsigned)(done * w /
						   (h->runs ? h->runs : 1));
		char bar[32];

		memset(bar, '#', fill);
		memset(bar + fill, '.', w - fill);
		bar[w] = '\0';
		fprintf(stderr, "\r\033[Kiorr: hunt: [%s] %" PRIu64 "/%" PRIu64
			" runs, %.0f runs/s, %" PRIu64 " divergence%s%s",
			bar, done, h->runs, rate, ndiv, ndiv == 1 ? "" : "s",
			final ? "" : eta);
	} else {
		fprintf(stderr, "\r\033[Kiorr: hunt: %" PRIu64 " runs, %.0f "
			"runs/s, %" PRIu64 " divergence%s%s", done, rate, ndiv,
			ndiv == 1 ? "" : "s", final ? "" : eta);
	}
	if (final)
		fputc('\n', stderr);
}

static int parse_shard(const char *s, struct hunt *h)
{
	char *end;
	unsigned long long i = strtoull(s, &end, 10), n;

	if (end == s || *end != '/')
		return -1;
	const char *p = end + 1;

	n = strtoull(p, &end, 10);
	if (end == p || *end || n == 0 || i >= n)
		return -1;
	h->shard = i;
	h->nshards = n;
	return 0;
}

/* A duration with the suffixes of iorr_parse_duration() plus m and h. */
static int parse_time(const char *s, uint64_t *ns)
{
	size_t n = strlen(s);

	if (n > 1 && (s[n - 1] == 'm' || s[n - 1] == 'h') &&
	    s[n - 2] >= '0' && s[n - 2] <= '9') {
		char *end;
		double x = strtod(s, &end);

		if (end != s + n - 1 || !(x > 0) || x > 1e6)
			return -1;
		*ns = (uint64_t)(x * (s[n - 1] == 'm' ? 60e9 : 3600e9));
		return 0;
	}
	if (iorr_parse_duration(s, ns) < 0 || !*ns)
		return -1;
	return 0;
}

static int hunt_run(struct hunt *h)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t *pids = calloc(h->jobs, sizeof(*pids));
	struct pollfd *pf = calloc(h->jobs, sizeof(*pf));
	struct found *found = NULL;
	size_t nfound = 0;
	uint64_t done = 0, ndiv = 0, t0 = mono_ns(), last = 0;
	bool tty = isatty(2) && !h->json, error = false;
	char *errtext = NULL;
	unsigned live = 0;

	if (sh == MAP_FAILED || !pids || !pf) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	atomic_store(&sh->next_run, 0);
	atomic_store(&sh->stop, 0);
	fflush(NULL);
	for (unsigned j = 0; j < h->jobs; j++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0) {
			cli_error("pipe: %s", strerror(errno));
			atomic_store(&sh->stop, 1);
			break;
		}
		pid_t pid = fork();

		if (pid == 0) {
			close(p[0]);
			for (unsigned k = 0; k < j; k++)
				close(pf[k].fd);
			worker(h, sh, p[1], t0);
		}
		close(p[1]);
		if (pid < 0) {
			cli_error("fork: %s", strerror(errno));
			close(p[0]);
			atomic_store(&sh->stop, 1);
			break;
		}
		pids[j] = pid;
		pf[j].fd = p[0];
		pf[j].events = POLLIN;
		live++;
	}
	while (live) {
		int k = poll(pf, h->jobs, 200);

		if (k < 0 && errno != EINTR)
			break;
		for (unsigned j = 0; k > 0 && j < h->jobs; j++) {
			struct msg m;

			if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (read_all(pf[j].fd, &m, sizeof(m)) < 0) {
				close(pf[j].fd);
				pf[j].fd = -1;
				live--;
				continue;
			}
			char *text = calloc(1, (size_t)m.text_len + 1);
			char *json = calloc(1, (size_t)m.json_len + 1);

			if (!text || !json ||
			    read_all(pf[j].fd, text, m.text_len) < 0 ||
			    read_all(pf[j].fd, json, m.json_len) < 0) {
				free(text);
				free(json);
				close(pf[j].fd);
				pf[j].fd = -1;
				live--;
				continue;
			}
			if (m.status == EXIT_ERROR) {
				if (!errtext)
					errtext = strdup(text);
				error = true;
				atomic_store(&sh->stop, 1);
				free(text);
				free(json);
				continue;
			}
			done++;
			if (m.status != EXIT_DIVERGED) {
				free(text);
				free(json);
				continue;
			}
			ndiv++;
			bool dup = false;

			for (size_t q = 0; q < nfound; q++)
				if (same_key(&found[q].m, &m))
					dup = true;
			if (!dup) {
				struct found *nf = realloc(found, (nfound + 1) *
							   sizeof(*nf));

				if (nf) {
					found = nf;
					found[nfound++] = (struct found){
						m, text, json };
					text = json = NULL;
				}
			}
			free(text);
			free(json);
			if (!h->keep_going)
				atomic_store(&sh->stop, 1);
		}
		if (tty && mono_ns() - last > 100000000ull) {
			last = mono_ns();
			progress(h, done, ndiv, t0, false);
		}
	}
	for (unsigned j = 0; j < h->jobs; j++) {
		int st;

		if (pf[j].fd >= 0)
			close(pf[j].fd);
		if (pids[j] > 0)
			waitpid(pids[j], &st, 0);
	}
	double el = (double)(mono_ns() - t0) / 1e9;

	if (tty)
		progress(h, done, ndiv, t0, true);
	if (error)
		cli_error("%s: hunt failed: %s", h->trace,
			  errtext ? errtext : "a worker failed");
	/* first stop: report the lowest seed found */
	if (!h->keep_going && nfound > 1) {
		size_t best = 0;

		for (size_t q = 1; q < nfound; q++)
			if (found[q].m.seed < found[best].m.seed)
				best = q;
		struct found t = found[0];

		found[0] = found[best];
		found[best] = t;
		nfound = 1;
	}
	if (h->json) {
		json_t *o = json_object(), *a = json_array();

		json_object_set_new(o, "trace", json_string(h->trace));
		json_object_set_new(o, "verdict", json_string(
			error ? "error" : nfound ? "diverged" : "ok"));
		json_object_set_new(o, "runs", json_integer((json_int_t)done));
		json_object_set_new(o, "divergent_runs",
				    json_integer((json_int_t)ndiv));
		json_object_set_new(o, "elapsed_s", json_real(el));
		json_object_set_new(o, "runs_per_s",
				    json_real(el > 0 ? (double)done / el : 0));
		json_object_set_new(o, "shard", json_pack("{sI sI}", "index",
			(json_int_t)h->shard, "count",
			(json_int_t)h->nshards));
		for (size_t q = 0; q < nfound; q++) {
			json_error_t je;
			json_t *r = json_loads(found[q].json, 0, &je);
			char *cmd = repro(h, found[q].m.seed);

			json_array_append_new(a, json_pack("{sI ss so*}",
				"seed", (json_int_t)found[q].m.seed,
				"command", cmd ? cmd : "", "report", r));
			free(cmd);
		}
		json_object_set_new(o, "divergences", a);
		if (json_dumpf(o, stdout, JSON_INDENT(2)) < 0)
			error = true;
		putchar('\n');
		json_decref(o);
	} else {
		for (size_t q = 0; q < nfound; q++) {
			printf("== seed %" PRIu64 " (schedule %016" PRIx64
			       ") ==\n%s", found[q].m.seed, found[q].m.hash,
			       found[q].text);
		}
		printf("hunt: %s: %s: %" PRIu64 " run%s in %.2f s (%.0f runs/s)"
		       ", %" PRIu64 " divergent, %zu distinct\n", h->trace,
		       error ? "ERROR" : nfound ? "DIVERGED" : "OK", done,
		       done == 1 ? "" : "s", el, el > 0 ? (double)done / el : 0,
		       ndiv, nfound);
	}
	for (size_t q = 0; q < nfound; q++) {
		free(found[q].text);
		free(found[q].json);
	}
	free(found);
	free(errtext);
	free(pids);
	free(pf);
	munmap(sh, sizeof(*sh));
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("stdout: write failed");
		return EXIT_ERROR;
	}
	if (error)
		return EXIT_ERROR;
	return nfound ? EXIT_DIVERGED : EXIT_OK;
}

int cmd_hunt(int argc, char **argv)
{
	enum { OPT_RUNS = 256, OPT_TIME, OPT_JOBS, OPT_SEEDSTART, OPT_SHARD,
	       OPT_KEEP };
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, OPT_RUNS },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "seed-start", required_argument, NULL, OPT_SEEDSTART },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "keep-going", no_argument, NULL, OPT_KEEP },
		CLI_REPLAY_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct hunt h = {
		.o = { .timing_scale = 1.0, .order = IORR_ORDER_RANDOM,
		       .quiet_limits = true },
		.runs = 0, .nshards = 1,
	};
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	bool order_given = false;
	uint64_t v;
	int c, k;

	h.jobs = nc > 0 ? (unsigned)nc : 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_RUNS:
			if (cli_parse_u64(optarg, &h.runs) < 0 || !h.runs) {
				cli_error("--runs %s: expected a positive "
					  "integer", optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_TIME:
			if (parse_time(optarg, &h.time_ns) < 0) {
				cli_error("--time %s: expected a positive "
					  "duration (30s, 5m, 2h)", optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_JOBS:
			if (cli_parse_u64(optarg, &v) < 0 || !v || v > 1024) {
				cli_error("--jobs %s: expected 1..1024",
					  optarg);
				return EXIT_ERROR;
			}
			h.jobs = (unsigned)v;
			break;
		case OPT_SEEDSTART:
			if (cli_parse_u64(optarg, &h.seed_start) < 0) {
				cli_error("--seed-start %s: expected an "
					  "unsigned integer", optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_SHARD:
			if (parse_shard(optarg, &h) < 0) {
				cli_error("--shard %s: expected I/N with "
					  "0 <= I < N", optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_KEEP:
			h.keep_going = true;
			break;
		case 'j':
			h.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == CLI_OPT_ORDER)
				order_given = true;
			k = cli_replay_parse_args(c, optarg, &h.o, &h.ra);
			if (k < 0)
				return EXIT_ERROR;
			if (k > 0) {
				usage(stderr);
				return EXIT_ERROR;
			}
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!order_given) {
		h.ra.v[h.ra.n++] = "--order";
		h.ra.v[h.ra.n++] = "random";
	}
	if (cli_replay_check_opts(&h.o) < 0)
		return EXIT_ERROR;
	if (!h.runs)
		h.runs = h.time_ns ? UINT64_MAX : 1000;
	if (h.jobs > h.runs)
		h.jobs = (unsigned)h.runs;
	h.trace = argv[optind];
	h.o.trace = h.trace;
	if (access(h.trace, R_OK) < 0) {
		cli_error("%s: %s", h.trace, strerror(errno));
		return EXIT_ERROR;
	}
	signal(SIGPIPE, SIG_IGN);
	return hunt_run(&h);
}
