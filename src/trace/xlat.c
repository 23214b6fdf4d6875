/* SPDX-License-Identifier: MIT */
/* Flag and value tables generated from src/xlat/flags.def. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_DIRECT, F_OFD_*, SPLICE_F_*, strerrorname_np */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iorr/ops.h"
#include "iorr/xlat.h"

struct xlat_entry {
	uint64_t value;
	const char *name;
};

enum xlat_style { XS_BITS, XS_ENUM, XS_OPEN };

struct xlat_list {
	const char *name;
	enum xlat_style style;
	const struct xlat_entry *entries;
	size_t n;
};

#define XLAT_BEGIN(id, style) static const struct xlat_entry xl_##id[] = {
#define XLAT(name) { (uint64_t)(name), #name },
#define XLAT_V(name, value) { (uint64_t)(value), #name },
#define XLAT_END(id) };
#include "xlat/flags.def"
#undef XLAT_BEGIN

#define XLAT_BEGIN(id, style) \
	[IORR_XLAT_##id] = { #id, XS_##style, xl_##id, \
			     sizeof(xl_##id) / sizeof(xl_##id[0]) },
static const struct xlat_list lists[IORR_XLAT__COUNT] = {
	[IORR_XLAT_NONE] = { "NONE", XS_ENUM, NULL, 0 },
#include "xlat/flags.def"
};
#undef XLAT_BEGIN

const char *iorr_xlat_name(unsigned id)
{
	return id < IORR_XLAT__COUNT ? lists[id].name : "NONE";
}

struct out {
	char *buf;
	size_t size, len;
};

static void out_str(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len < o->size) {
		size_t room = o->size - o->len - 1;

		memcpy(o->buf + o->len, s, n < room ? n : room);
		o->buf[o->len + (n < room ? n : room)] = '\0';
	}
	o->len += n;
}

static void out_sep(struct out *o)
{
	if (o->len)
		out_str(o, "|");
}

static void out_hex(struct out *o, uint64_t v)
{
	char t[24];

	snprintf(t, sizeof(t), "0x%" PRIx64, v);
	out_str(o, t);
}

static const char *enum_name(const struct xlat_list *l, uint64_t v)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->entries[i].value == v)
			return l->entries[i].name;
	return NULL;
}

size_t iorr_xlat_format(unsigned id, uint64_t v, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	const struct xlat_list *l = id < IORR_XLAT__COUNT ? &lists[id] : NULL;

	if (size)
		buf[0] = '\0';
	if (!l || !l->entries) {
		out_hex(&o, v);
		return o.len;
	}
	if (l->style == XS_ENUM) {
		const char *n = enum_name(l, v);

		if (n)
			out_str(&o, n);
		else
			out_hex(&o, v);
		return o.len;
	}
	uint64_t rest = v;

	if (l->style == XS_OPEN) {
		/* The access mode is a value, not a bit set. */
		uint64_t acc = v & O_ACCMODE;
		const char *n = acc == O_RDONLY ? "O_RDONLY" :
				acc == O_WRONLY ? "O_WRONLY" :
				acc == O_RDWR ? "O_RDWR" : NULL;
		if (n) {
			out_str(&o, n);
			rest &= ~(uint64_t)O_ACCMODE;
		}
	}
	for (size_t i = 0; i < l->n; i++) {
		uint64_t bit = l->entries[i].value;

		if (bit == 0 || (l->style == XS_OPEN && (bit & O_ACCMODE)) ||
		    (rest & bit) != bit)
			continue;
		/* O_SYNC includes O_DSYNC: print the wider name only. */
		out_sep(&o);
		out_str(&o, l->entries[i].name);
		rest &= ~bit;
	}
	if (rest || o.len == 0) {
		out_sep(&o);
		out_hex(&o, rest);
	}
	return o.len;
}

static int parse_number(const char *s, uint64_t *out)
{
	char *end;

	if (!*s)
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);

	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int iorr_xlat_parse(unsigned id, const char *s, uint64_t *out)
{
	const struct xlat_list *l = id < IORR_XLAT__COUNT ? &lists[id] : NULL;
	uint64_t v = 0;
	char tok[64];

	if (!l)
		return -EINVAL;
	while (*s) {
		size_t n = strcspn(s, "|");
		uint64_t t;

		if (n == 0 || n >= sizeof(tok))
			return -EINVAL;
		memcpy(tok, s, n);
		tok[n] = '\0';
		s += n;
		if (*s == '|' && *++s == '\0')
			return -EINVAL;
		if (parse_number(tok, &t) == 0) {
			v |= t;
			continue;
		}
		size_t i;

		for (i = 0; i < l->n; i++)
			if (strcmp(l->entries[i].name, tok) == 0)
				break;
		if (i == l->n)
			return -EINVAL;
		v |= l->entries[i].value;
	}
	*out = v;
	return 0;
}

const char *iorr_errno_name(int err)
{
	return err > 0 ? strerrorname_np(err) : NULL;
}

int iorr_errno_by_name(const char *name)
{
	/* Names glibc reports under another name of the same value. */
	static const struct xlat_entry aliases[] = {
		{ EWOULDBLOCK, "EWOULDBLOCK" },
		{ EDEADLOCK, "EDEADLOCK" },
		{ ENOTSUP, "ENOTSUP" },
	};

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].name, name) == 0)
			return (int)aliases[i].value;
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);

		if (n && strcmp(n, name) == 0)
			return e;
	}
	return -1;
}
