/* SPDX-License-Identifier: MIT */
/*
 * First-touch copies made by `iorr record` on the workload's request
 * (src/record/snapserver.c; the protocol is in src/record/ring.h).
 */
#ifndef IORR_RECORD_SNAPSERVER_H
#define IORR_RECORD_SNAPSERVER_H

#include "record/ring.h"

struct iorr_snapserver;

/* Start the thread serving @shm's copy requests.  @return 0 or -errno. */
int iorr_snapserver_start(struct iorr_shm *shm, struct iorr_snapserver **out);

/* Serve what is posted, then stop the thread and free @s (NULL: no-op). */
void iorr_snapserver_stop(struct iorr_snapserver *s);

#endif
