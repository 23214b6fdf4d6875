/* SPDX-License-Identifier: MIT */
/* Flag lists: formatting, parsing back, truncation, errno names. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_DIRECT */
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iorr/ops.h"
#include "iorr/xlat.h"

static uint64_t rng_state = 99;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const char *fmt(unsigned id, uint64_t v)
{
	static char buf[512];
	size_t n = iorr_xlat_format(id, v, buf, sizeof(buf));

	assert_true(n < sizeof(buf));
	assert_int_equal(strlen(buf), n);
	return buf;
}

static void known_values_format_by_name(void **state)
{
	assert_string_equal(fmt(IORR_XLAT_OPEN, O_RDONLY), "O_RDONLY");
	assert_string_equal(fmt(IORR_XLAT_OPEN, O_WRONLY | O_CREAT | O_TRUNC),
			    "O_WRONLY|O_CREAT|O_TRUNC");
	assert_string_equal(fmt(IORR_XLAT_OPEN, O_RDWR | O_DIRECT),
			    "O_RDWR|O_DIRECT");
	/* O_SYNC includes O_DSYNC: only the wider name. */
	assert_string_equal(fmt(IORR_XLAT_OPEN, O_WRONLY | O_SYNC),
			    "O_WRONLY|O_SYNC");
	assert_string_equal(fmt(IORR_XLAT_OPEN, O_WRONLY | O_DSYNC),
			    "O_WRONLY|O_DSYNC");
	assert_string_equal(fmt(IORR_XLAT_OPEN, O_RDWR | 0x40000000),
			    "O_RDWR|0x40000000");
	assert_string_equal(fmt(IORR_XLAT_WHENCE, SEEK_SET), "SEEK_SET");
	assert_string_equal(fmt(IORR_XLAT_WHENCE, SEEK_HOLE), "SEEK_HOLE");
	assert_string_equal(fmt(IORR_XLAT_WHENCE, 9), "0x9");
	assert_string_equal(fmt(IORR_XLAT_AT, 0), "0x0");
	assert_string_equal(fmt(IORR_XLAT_NONE, 255), "0xff");
	assert_string_equal(fmt(IORR_XLAT__COUNT + 5, 16), "0x10");
}

/* format -> parse gives the value back, for every list and any value. */
static void format_parse_round_trip_every_list(void **state)
{
	for (unsigned id = 0; id < IORR_XLAT__COUNT; id++) {
		for (int i = 0; i < 2000; i++) {
			uint64_t v, back = ~0ull;

			switch (i % 4) {
			case 0:
				v = rnd() % 64;
				break;
			case 1:
				v = rnd() & 0xffffffffu;
				break;
			case 2:
				v = 1ull << (rnd() % 64);
				break;
			default:
				v = rnd();
				break;
			}
			const char *s = fmt(id, v);

			if (iorr_xlat_parse(id, s, &back) != 0 || back != v)
				fail_msg("list %s: %#llx -> \"%s\" -> %#llx",
					 iorr_xlat_name(id),
					 (unsigned long long)v, s,
					 (unsigned long long)back);
		}
	}
}

static void parse_accepts_numbers_and_names(void **state)
{
	uint64_t v;

	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "O_WRONLY|O_APPEND",
					 &v), 0);
	assert_true(v == (O_WRONLY | O_APPEND));
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "0x10", &v), 0);
	assert_true(v == 16);
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "010", &v), 0);
	assert_true(v == 8);
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "17", &v), 0);
	assert_true(v == 17);
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "O_CREAT|0x1", &v),
			 0);
	assert_true(v == (O_CREAT | 1));
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_NONE, "42", &v), 0);
	assert_true(v == 42);
}

static void parse_rejects_bad_text(void **state)
{
	uint64_t v = 7;

	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "O_BOGUS", &v),
			 -EINVAL);
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "O_CREAT|", &v),
			 -EINVAL);
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "|O_CREAT", &v),
			 -EINVAL);
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "O_CREAT||O_EXCL",
					 &v), -EINVAL);
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "12abc", &v),
			 -EINVAL);
	/* A name of another list. */
	assert_int_equal(iorr_xlat_parse(IORR_XLAT_OPEN, "SEEK_SET", &v),
			 -EINVAL);
	assert_int_equal(iorr_xlat_parse(IORR_XLAT__COUNT, "1", &v), -EINVAL);
	assert_true(v == 7);
}

static void format_truncates_safely(void **state)
{
	char full[256], small[8];
	size_t n = iorr_xlat_format(IORR_XLAT_OPEN,
				    O_WRONLY | O_CREAT | O_EXCL | O_TRUNC,
				    full, sizeof(full));

	memset(small, 'Z', sizeof(small));
	assert_int_equal(iorr_xlat_format(IORR_XLAT_OPEN,
					  O_WRONLY | O_CREAT | O_EXCL | O_TRUNC,
					  small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	/* size 0: nothing written, length still returned. */
	small[0] = 'Z';
	assert_int_equal(iorr_xlat_format(IORR_XLAT_OPEN, O_WRONLY, small, 0),
			 strlen("O_WRONLY"));
	assert_int_equal(small[0], 'Z');
	assert_int_equal(iorr_xlat_format(IORR_XLAT_WHENCE, 123456, small, 4),
			 strlen("0x1e240"));
	assert_string_equal(small, "0x1");
}

static void list_names(void **state)
{
	assert_string_equal(iorr_xlat_name(IORR_XLAT_OPEN), "OPEN");
	assert_string_equal(iorr_xlat_name(IORR_XLAT_WHENCE), "WHENCE");
	assert_string_equal(iorr_xlat_name(IORR_XLAT_NONE), "NONE");
	assert_string_equal(iorr_xlat_name(IORR_XLAT__COUNT), "NONE");
	/* Every FLAGS field of the op table names a real list. */
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		const struct iorr_op_desc *d = iorr_op_get(op);

		for (unsigned f = 0; f < d->nfields; f++)
			if (d->fields[f].type == IORR_FT_FLAGS)
				assert_true(d->fields[f].xlat != IORR_XLAT_NONE &&
					    d->fields[f].xlat < IORR_XLAT__COUNT);
	}
}

static void errno_names(void **state)
{
	assert_string_equal(iorr_errno_name(ENOENT), "ENOENT");
	assert_string_equal(iorr_errno_name(EINTR), "EINTR");
	assert_null(iorr_errno_name(0));
	assert_null(iorr_errno_name(-5));
	assert_int_equal(iorr_errno_by_name("EINTR"), EINTR);
	assert_int_equal(iorr_errno_by_name("EAGAIN"), EAGAIN);
	assert_int_equal(iorr_errno_by_name("ENOTANERRNO"), -1);
	for (int e = 1; e < 134; e++) {
		const char *n = iorr_errno_name(e);

		if (n)
			assert_int_equal(iorr_errno_by_name(n) == e ||
					 /* aliases: EWOULDBLOCK... */
					 strcmp(iorr_errno_name(
						iorr_errno_by_name(n)), n) == 0,
					 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_values_format_by_name),
		cmocka_unit_test(format_parse_round_trip_every_list),
		cmocka_unit_test(parse_accepts_numbers_and_names),
		cmocka_unit_test(parse_rejects_bad_text),
		cmocka_unit_test(format_truncates_safely),
		cmocka_unit_test(list_names),
		cmocka_unit_test(errno_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
