/* SPDX-License-Identifier: MIT */
/* Op descriptors, generated from src/ops.def. */
#include <string.h>

#include "iorr/ops.h"

#define FLD(fname, ftype, fxlat) \
	{ #fname, IORR_FT_##ftype, IORR_XLAT_##fxlat },
#define OP(name, kind, cls, fields) \
	static const struct iorr_field_desc fields_##name[] = { fields { 0 } };
#include "ops.def"
#undef OP
#undef FLD

#define FLD(fname, ftype, fxlat) + 1
#define OP(op_, kind_, cls_, flds_)					\
	[IORR_OP_##op_] = {						\
		.name = #op_,						\
		.kind = IORR_KIND_##kind_,				\
		.cls = IORR_CLASS_##cls_,				\
		.nfields = 0 flds_,					\
		.fields = fields_##op_,					\
	},
const struct iorr_op_desc iorr_op_table[IORR_OP__COUNT] = {
#include "ops.def"
};
#undef OP
#undef FLD

int iorr_op_by_name(const char *name)
{
	for (unsigned i = 0; i < IORR_OP__COUNT; i++)
		if (strcmp(iorr_op_table[i].name, name) == 0)
			return (int)i;
	return -1;
}

int iorr_op_field_index(unsigned op, const char *name)
{
	const struct iorr_op_desc *d = iorr_op_get(op);

	for (unsigned i = 0; d && i < d->nfields; i++)
		if (strcmp(d->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *iorr_kind_name(unsigned kind)
{
	static const char *const names[] = {
		"sync", "submit", "complete", "prim", "meta",
	};
	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

const char *iorr_class_name(unsigned cls)
{
	static const char *const names[IORR_CLASS__COUNT] = {
		"read", "write", "sync", "namespace", "open", "close", "lock",
		"fd", "mmap", "async", "thread", "other",
	};
	return cls < IORR_CLASS__COUNT ? names[cls] : "?";
}

const char *iorr_field_type_name(unsigned type)
{
	static const char *const names[IORR_FT__COUNT] = {
		"fd", "int", "uint", "off", "len", "path", "flags", "mode",
		"buf", "data", "hash", "iov", "id", "thread", "pid", "seq",
	};
	return type < IORR_FT__COUNT ? names[type] : "?";
}

#define FLD(fname, ftype, fxlat) + 1
#define OP(name, kind, cls, fields)					\
	_Static_assert(0 fields <= IORR_MAX_FIELDS,			\
		       #name ": more than IORR_MAX_FIELDS fields");
#include "ops.def"
#undef OP
#undef FLD
