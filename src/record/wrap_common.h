/* SPDX-License-Identifier: MIT */
/* Helpers shared by the wrapper files of the preload library. */
#ifndef IORR_RECORD_WRAP_COMMON_H
#define IORR_RECORD_WRAP_COMMON_H

#include "record/preload.h"

/* Turn a raw system call's -errno into the libc convention. */
static inline long iorr_rawret(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static inline uint64_t iorr_i64(int64_t v)
{
	return (uint64_t)v;
}

/* Sum of iovec lengths (saturating at SIZE_MAX). */
static inline size_t iorr_iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++) {
		if (t + iov[i].iov_len < t)
			return SIZE_MAX;
		t += iov[i].iov_len;
	}
	return t;
}

/* Attach the iovec shape of @iov as the event's vector (IOV field @f). */
static inline void iorr_ev_iov(struct iorr_ev *e, unsigned f,
			       const struct iovec *iov, int n, uint64_t *lens)
{
	if (n < 0)
		n = 0;
	if (n > (int)IORR_MAX_IOV_REC)
		n = IORR_MAX_IOV_REC;
	for (int i = 0; i < n; i++)
		lens[i] = iov[i].iov_len;
	e->f[f] = (uint64_t)n;
	iorr_ev_var(e, IORR_VAR_VEC, f, lens, (size_t)n * sizeof(uint64_t));
}

/*
 * Path argument of a namespace or open call: its absolute form, and
 * whether it is inside the traced prefixes.
 */
struct iorr_patharg {
	char abs[IORR_PATH_BUF];
	bool ok;		/* resolved */
	bool traced;		/* resolved and included */
};

static inline void iorr_patharg(struct iorr_patharg *a, int dirfd,
				const char *path)
{
	a->ok = iorr_abspath(dirfd, path, a->abs) == 0;
	a->traced = a->ok && iorr_path_included(a->abs);
}

#endif
