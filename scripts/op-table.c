/* SPDX-License-Identifier: MIT */
/*
 * Print the opcode table of src/ops.def for the documentation: opcode,
 * name, kind, class, fields and the entry points recorded as each op.
 * Run through scripts/gen-op-table; never edit its output by hand.
 *
 *   op-table md	Markdown table (doc/trace-format.md)
 *   op-table man	roff list (man/iorr-trace.5)
 */
#include <stdio.h>
#include <string.h>

#include "iorr/ops.h"

/* Lower-case names of kinds, classes and types, as ops.def spells them. */
#define FLD(fname, ftype, fxlat) { #fname, #ftype, #fxlat },
#define OP(name, kind, cls, fields) \
	static const struct fld fields_##name[] = { fields { NULL } };

struct fld {
	const char *name, *type, *xlat;
};

#include "ops.def"
#undef OP
#undef FLD

struct op {
	const char *name, *kind, *cls;
	const struct fld *fields;
};

#define OP(name, kind, cls, fields) \
	[IORR_OP_##name] = { #name, #kind, #cls, fields_##name },
static const struct op ops[IORR_OP__COUNT] = {
#include "ops.def"
};
#undef OP

struct entry {
	unsigned op;
	const char *symbol;
	int is_syscall;
};

#define OP(name, kind, cls, fields)
#define ALIAS(name, symbol) { IORR_OP_##name, #symbol, 0 },
#define SYSCALL(name, sysname) { IORR_OP_##name, #sysname, 1 },
static const struct entry entries[] = {
#include "ops.def"
};
#undef OP

static void lower(const char *s)
{
	for (; *s; s++)
		putchar(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
}

/* "fd:fd, flags:flags(OPEN)" */
static void print_fields(const struct fld *f, const char *sep)
{
	if (!f->name) {
		fputs("(none)", stdout);
		return;
	}
	for (unsigned i = 0; f[i].name; i++) {
		printf("%s%s:", i ? sep : "", f[i].name);
		lower(f[i].type);
		if (strcmp(f[i].xlat, "NONE") != 0)
			printf("(%s)", f[i].xlat);
	}
}

/* @return how many entry points were printed. */
static unsigned print_entries(unsigned op, int is_syscall, const char *pre,
			      const char *sep, const char *quote)
{
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		if (entries[i].op != op || entries[i].is_syscall != is_syscall)
			continue;
		printf("%s%s%s%s", n ? sep : pre, quote, entries[i].symbol,
		       quote);
		n++;
	}
	return n;
}

static void print_md(void)
{
	puts("| op | name | kind | class | fields (column 6 + k for field k) "
	     "| also recorded from |");
	puts("|---:|---|---|---|---|---|");
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		const struct op *o = &ops[op];

		printf("| %u | `%s` | ", op, o->name);
		lower(o->kind);
		fputs(" | ", stdout);
		lower(o->cls);
		fputs(" | ", stdout);
		print_fields(o->fields, ", ");
		fputs(" | ", stdout);
		unsigned n = print_entries(op, 0, "", ", ", "`");

		n += print_entries(op, 1, n ? "; syscall " : "syscall ", ", ",
				   "`");
		puts(" |");
	}
}

static void print_man(void)
{
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		const struct op *o = &ops[op];

		/* NOTE: .br keeps short names from sharing the body's line. */
		puts(".TP");
		printf(".B \"%u %s\"\n", op, o->name);
		puts(".br");
		lower(o->kind);
		fputs(", ", stdout);
		lower(o->cls);
		fputs(": ", stdout);
		print_fields(o->fields, ", ");
		puts("");
		unsigned n = print_entries(op, 0, ".br\nAlso from ", ", ",
					   "");

		n += print_entries(op, 1, n ? "; syscall " :
				   ".br\nAlso from syscall ", ", ", "");
		if (n)
			puts(".");
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "md") == 0)
		print_md();
	else if (argc == 2 && strcmp(argv[1], "man") == 0)
		print_man();
	else {
		fputs("usage: op-table md|man\n", stderr);
		return 2;
	}
	return ferror(stdout) ? 1 : 0;
}
