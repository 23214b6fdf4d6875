/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the scheduling options shared by iorr replay and iorr hunt
 * (--order, --jitter, --perturb), so both accept exactly the same forms.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay_int.h"

int iorr_parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	double v = strtod(s, &end);
	double mul;

	if (end == s || !(v >= 0))
		return -EINVAL;
	if (!*end || !strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "s"))
		mul = 1e9;
	else
		return -EINVAL;
	v *= mul;
	if (v > 3600e9)
		return -ERANGE;
	*ns = (uint64_t)v;
	return 0;
}

int iorr_replay_parse_order(const char *s, struct iorr_replay_opts *o,
			    char *msg, size_t len)
{
	if (!strcmp(s, "recorded")) {
		o->order = IORR_ORDER_RECORDED;
	} else if (!strcmp(s, "free")) {
		o->order = IORR_ORDER_FREE;
	} else if (!strcmp(s, "random")) {
		o->order = IORR_ORDER_RANDOM;
	} else if (!strncmp(s, "pct:", 4)) {
		char *end;
		unsigned long d = strtoul(s + 4, &end, 10);

		if (end == s + 4 || *end || d < 1 || d > 64) {
			snprintf(msg, len, "--order %s: D of pct:D must be "
				 "1..64", s);
			return -EINVAL;
		}
		o->order = IORR_ORDER_PCT;
		o->pct_depth = (unsigned)d;
	} else {
		snprintf(msg, len, "--order %s: expected recorded, free, random "
			 "or pct:D", s);
		return -EINVAL;
	}
	return 0;
}

int iorr_replay_parse_jitter(const char *s, struct iorr_replay_opts *o,
			     char *msg, size_t len)
{
	if (!strncmp(s, "uniform:", 8)) {
		char *a = strdup(s + 8), *dash = a ? strchr(a, '-') : NULL;
		int k = -EINVAL;

		if (dash) {
			*dash = '\0';
			if (iorr_parse_duration(a, &o->jitter_a) == 0 &&
			    iorr_parse_duration(dash + 1, &o->jitter_b) == 0 &&
			    o->jitter_a <= o->jitter_b)
				k = 0;
		}
		free(a);
		if (k == 0) {
			o->jitter = IORR_JITTER_UNIFORM;
			return 0;
		}
	} else if (!strncmp(s, "exp:", 4)) {
		if (iorr_parse_duration(s + 4, &o->jitter_a) == 0) {
			o->jitter = IORR_JITTER_EXP;
			return 0;
		}
	}
	snprintf(msg, len, "--jitter %s: expected uniform:A-B (A <= B) or "
		 "exp:MEAN, durations like 50us", s);
	return -EINVAL;
}

static int prob(const char *s, double *p)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || (*end && *end != ':') || !(v >= 0 && v <= 1))
		return -EINVAL;
	*p = v;
	return 0;
}

int iorr_replay_parse_perturb(const char *s, struct iorr_replay_opts *o,
			      char *msg, size_t len)
{
	char *dup = strdup(s), *sv = NULL;
	int ret = 0;

	if (!dup) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	for (char *t = strtok_r(dup, ",", &sv); t && !ret;
	     t = strtok_r(NULL, ",", &sv)) {
		struct iorr_perturb *p = &o->perturb;

		if (!strncmp(t, "dropcache:", 10)) {
			const char *g = strchr(t + 10, ':');

			ret = prob(t + 10, &p->dropcache);
			if (!ret && g) {
				if (!strcmp(g, ":global"))
					p->dropcache_global = true;
				else
					ret = -EINVAL;
			}
		} else if (!strncmp(t, "fsync:", 6)) {
			ret = prob(t + 6, &p->fsync);
			if (!ret && strchr(t + 6, ':'))
				ret = -EINVAL;
		} else if (!strncmp(t, "short:", 6)) {
			ret = prob(t + 6, &p->shortio);
			if (!ret && strchr(t + 6, ':'))
				ret = -EINVAL;
		} else if (!strncmp(t, "reap-delay:", 11)) {
			ret = iorr_parse_duration(t + 11, &p->reap_delay_ns);
			if (!ret && p->reap_delay_ns > 10000000000ull)
				ret = -ERANGE;
		} else {
			ret = -EINVAL;
		}
		if (ret)
			snprintf(msg, len, "--perturb %s: expected "
				 "dropcache:P[:global], fsync:P, short:P "
				 "(P in 0..1) or reap-delay:D (D <= 10s)", t);
	}
	free(dup);
	return ret ? -EINVAL : 0;
}
