/* SPDX-License-Identifier: MIT */
/*
 * bench/hunt: speed and power of iorr hunt (see bench/README.md).
 *
 *   hunt [-q]
 *
 * Traces come from tests/hunt/mkhunt ($MKHUNT), hunts from ./iorr ($IORR),
 * sandboxes in /dev/shm when writable (tmpfs), else $TMPDIR or /tmp.
 * Prints JSON lines:
 *
 *   {"bench":"hunt","jobs":2,"runs":R,"runs_per_s":X}
 *	iorr hunt --jobs 2 on "bench" (100 ops, 2 threads, 1 file; never
 *	diverges), 5000 runs
 *   {"bench":"hunt-find","workload":W,"order":O,"hunts":20,"median_runs":M}
 *	for the counter race and the overlapping writers: the median over
 *	20 hunts (seed-start 0, 1000, ...) of the runs until the first
 *	divergence (runs capped at 200: 201 means not found)
 *   {"bench":"hunt-false","workload":W,"order":O,"runs":N,"divergences":D}
 *	the locked variants, 10000 runs each (-q: 1000)
 *
 * Exit 0, or 1 with a message when a command fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

static const char *iorr, *mkhunt, *dir;

static void die(const char *what)
{
	fprintf(stderr, "bench/hunt: %s\n", what);
	exit(1);
}

/* Run a shell command; its stdout parsed as JSON. */
static json_t *run_json(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	json_error_t je;
	json_t *j;

	if (!p)
		die(cmd);
	j = json_loadf(p, 0, &je);
	int st = pclose(p);

	if (!j || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) > 1) {
		fprintf(stderr, "bench/hunt: failed: %s\n", cmd);
		exit(1);
	}
	return j;
}

static void mk(const char *sc)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "'%s' %s '%s/%s.iorr'", mkhunt, sc, dir,
		 sc);
	if (system(cmd) != 0)
		die(cmd);
}

static int cmp_u(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const char *const orders[][2] = {
		{ "random", "--order random" },
		{ "pct:2", "--order pct:2" },
		{ "pct:3", "--order pct:3" },
		{ "free+jitter", "--order free --jitter exp:20us" },
	};
	static const char *const racy[] = { "counter", "overlap" };
	static const char *const locked[] = { "counter_mutex", "counter_flock",
					      "overlap_mutex" };
	char tmpl[256], cmd[8192];
	unsigned false_runs = argc > 1 && !strcmp(argv[1], "-q") ? 1000 :
			      10000;

	iorr = getenv("IORR") ? getenv("IORR") : "./iorr";
	mkhunt = getenv("MKHUNT") ? getenv("MKHUNT") : "./tests/hunt/mkhunt";
	if (access(iorr, X_OK) || access(mkhunt, X_OK))
		die("needs ./iorr and ./tests/hunt/mkhunt (make check builds "
		    "it), or IORR and MKHUNT");
	snprintf(tmpl, sizeof(tmpl), "%s/iorr-bench-hunt.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpl))
		die("mkdtemp");
	dir = tmpl;
	setenv("TMPDIR", dir, 1);
	mk("bench");
	for (size_t w = 0; w < 2; w++)
		mk(racy[w]);
	for (size_t w = 0; w < 3; w++)
		mk(locked[w]);

	/* speed */
	snprintf(cmd, sizeof(cmd), "'%s' hunt --json --jobs 2 --runs 5000 "
		 "'%s/bench.iorr'", iorr, dir);
	json_t *j = run_json(cmd);

	printf("{\"bench\":\"hunt\",\"jobs\":2,\"runs\":%lld,"
	       "\"runs_per_s\":%.0f}\n",
	       (long long)json_integer_value(json_object_get(j, "runs")),
	       json_real_value(json_object_get(j, "runs_per_s")));
	fflush(stdout);
	json_decref(j);

	/* power */
	for (size_t w = 0; w < 2; w++) {
		for (size_t o = 0; o < 4; o++) {
			unsigned runs[20];

			for (unsigned h = 0; h < 20; h++) {
				snprintf(cmd, sizeof(cmd), "'%s' hunt --json "
					 "--jobs 1 --runs 200 --seed-start %u "
					 "%s '%s/%s.iorr'", iorr, h * 1000,
					 orders[o][1], dir, racy[w]);
				j = run_json(cmd);
				json_t *d = json_array_get(json_object_get(j,
						"divergences"), 0);

				runs[h] = d ? (unsigned)(json_integer_value(
					json_object_get(d, "seed")) -
					h * 1000 + 1) : 201;
				json_decref(j);
			}
			qsort(runs, 20, sizeof(runs[0]), cmp_u);
			printf("{\"bench\":\"hunt-find\",\"workload\":\"%s\","
			       "\"order\":\"%s\",\"hunts\":20,"
			       "\"median_runs\":%.1f}\n", racy[w],
			       orders[o][0], (runs[9] + runs[10]) / 2.0);
			fflush(stdout);
		}
	}

	/* false alarms */
	for (size_t w = 0; w < 3; w++) {
		for (size_t o = 0; o < 4; o++) {
			if (o == 1)
				continue;	/* pct:3 covers PCT */
			snprintf(cmd, sizeof(cmd), "'%s' hunt --json --jobs 2 "
				 "--runs %u --keep-going %s '%s/%s.iorr'", iorr,
				 o == 3 ? false_runs / 10 : false_runs,
				 orders[o][1], dir, locked[w]);
			j = run_json(cmd);
			printf("{\"bench\":\"hunt-false\",\"workload\":\"%s\","
			       "\"order\":\"%s\",\"runs\":%lld,"
			       "\"divergences\":%lld}\n", locked[w],
			       orders[o][0],
			       (long long)json_integer_value(
				       json_object_get(j, "runs")),
			       (long long)json_integer_value(
				       json_object_get(j, "divergent_runs")));
			fflush(stdout);
			json_decref(j);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		die(cmd);
	return 0;
}
