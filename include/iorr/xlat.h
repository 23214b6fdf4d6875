/* SPDX-License-Identifier: MIT */
/* Decoding and parsing of FLAGS field values (lists in src/xlat/flags.def). */
#ifndef IORR_XLAT_H
#define IORR_XLAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Format @v as list @id names it: "O_WRONLY|O_CREAT", "SEEK_SET", with bits
 * or values the list lacks in hex ("O_RDWR|0x800000", "0x9").  Output is
 * truncated to @size (NUL-terminated when @size > 0).
 * @return the length the full text has.
 */
size_t iorr_xlat_format(unsigned id, uint64_t v, char *buf, size_t size);

/*
 * Parse what iorr_xlat_format() prints, or a plain number (decimal, 0x hex,
 * 0 octal), into *@out.  @return 0, or -EINVAL for an unknown name.
 */
int iorr_xlat_parse(unsigned id, const char *s, uint64_t *out);

/* @return the list's name ("OPEN"), or "NONE". */
const char *iorr_xlat_name(unsigned id);

/* @return the errno constant's name ("ENOENT"), or NULL if unknown. */
const char *iorr_errno_name(int err);

/* @return the errno value named @name ("EINTR"), or -1. */
int iorr_errno_by_name(const char *name);

#endif
