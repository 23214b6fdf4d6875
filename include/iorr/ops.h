/* SPDX-License-Identifier: MIT */
/*
 * iorr op table: opcodes, field types and per-op descriptors, all generated
 * from src/ops.def.  Shared by the recorder, the trace library and the
 * replayer.
 */
#ifndef IORR_OPS_H
#define IORR_OPS_H

#include <stddef.h>
#include <stdint.h>

/* Most fields any op has (an op's fields beyond this are a format error). */
#define IORR_MAX_FIELDS 12

/* Opcodes.  Values are part of the trace format: never renumber. */
enum iorr_op {
#define OP(name, kind, cls, fields) IORR_OP_##name,
#include "ops.def"
#undef OP
	IORR_OP__COUNT
};

enum iorr_op_kind {
	IORR_KIND_SYNC,
	IORR_KIND_SUBMIT,
	IORR_KIND_COMPLETE,
	IORR_KIND_PRIM,
	IORR_KIND_META,
};

enum iorr_op_class {
	IORR_CLASS_READ,
	IORR_CLASS_WRITE,
	IORR_CLASS_SYNC,
	IORR_CLASS_NS,
	IORR_CLASS_OPEN,
	IORR_CLASS_CLOSE,
	IORR_CLASS_LOCK,
	IORR_CLASS_FDOP,
	IORR_CLASS_MMAP,
	IORR_CLASS_AIO,
	IORR_CLASS_THREAD,
	IORR_CLASS_OTHER,
	IORR_CLASS__COUNT
};

/*
 * Field types.  In memory every field value is a uint64_t; signed types
 * (FD, INT, OFF, PID) hold the two's complement of an int64_t.
 */
enum iorr_field_type {
	IORR_FT_FD,	/* file descriptor (signed) */
	IORR_FT_INT,	/* signed integer */
	IORR_FT_UINT,	/* unsigned integer */
	IORR_FT_OFF,	/* file offset or length (signed; -1: none) */
	IORR_FT_LEN,	/* byte count */
	IORR_FT_PATH,	/* path table id */
	IORR_FT_FLAGS,	/* flags or enum value, decoded by the field's xlat */
	IORR_FT_MODE,	/* file mode bits (printed in octal) */
	IORR_FT_BUF,	/* low 16 bits of a user buffer address */
	IORR_FT_DATA,	/* blob id + 1; 0: no payload stored */
	IORR_FT_HASH,	/* xxh3-64 of bytes read; 0: not recorded */
	IORR_FT_IOV,	/* iovec count; lengths are the event's vector */
	IORR_FT_ID,	/* trace-wide object/request identity */
	IORR_FT_THREAD,	/* thread table index */
	IORR_FT_PID,	/* process id (signed) */
	IORR_FT_SEQ,	/* seq of another event */
	IORR_FT__COUNT
};

/* Flag and value lists (src/xlat/<name>.def) that decode FLAGS fields. */
enum iorr_xlat_id {
	IORR_XLAT_NONE,
#define XLAT_BEGIN(name, style) IORR_XLAT_##name,
#include "xlat/flags.def"
#undef XLAT_BEGIN
	IORR_XLAT__COUNT
};

struct iorr_field_desc {
	const char *name;
	uint8_t type;	/* enum iorr_field_type */
	uint8_t xlat;	/* enum iorr_xlat_id */
};

struct iorr_op_desc {
	const char *name;
	uint8_t kind;	/* enum iorr_op_kind */
	uint8_t cls;	/* enum iorr_op_class */
	uint8_t nfields;
	const struct iorr_field_desc *fields;
};

/* Descriptors indexed by opcode; IORR_OP__COUNT entries. */
extern const struct iorr_op_desc iorr_op_table[IORR_OP__COUNT];

/* @return the descriptor of @op, or NULL for an opcode this build lacks. */
static inline const struct iorr_op_desc *iorr_op_get(unsigned op)
{
	return op < IORR_OP__COUNT ? &iorr_op_table[op] : NULL;
}

/* @return the index of @op's IOV field (at most one per op), or -1. */
static inline int iorr_op_vec_field(const struct iorr_op_desc *d)
{
	for (unsigned i = 0; d && i < d->nfields; i++)
		if (d->fields[i].type == IORR_FT_IOV)
			return (int)i;
	return -1;
}

/* @return the opcode named @name, or -1. */
int iorr_op_by_name(const char *name);

/* @return the index of field @name in @op, or -1. */
int iorr_op_field_index(unsigned op, const char *name);

/* Names of kinds, classes and field types, for dumps and JSON. */
const char *iorr_kind_name(unsigned kind);
const char *iorr_class_name(unsigned cls);
const char *iorr_field_type_name(unsigned type);

/* @return nonzero if values of @type are signed. */
static inline int iorr_field_type_signed(unsigned type)
{
	return type == IORR_FT_FD || type == IORR_FT_INT ||
	       type == IORR_FT_OFF || type == IORR_FT_PID;
}

#endif /* IORR_OPS_H */
