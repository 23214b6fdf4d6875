# The JSON form of traces (iorr json, iorr import, dump --json) and the
# golden traces every later version must keep reading (tests/golden/).
JSON_TRACES = \
	tests/json/libaio.json \
	tests/json/locks.json \
	tests/json/procs.json \
	tests/json/stdio_mmap.json \
	tests/json/sync.json \
	tests/json/uring.json
# One directory per released format version (tests/golden/README.md).
GOLDEN_TRACES = \
	tests/golden/v1_0/libaio.iorr \
	tests/golden/v1_0/locks.iorr \
	tests/golden/v1_0/procs.iorr \
	tests/golden/v1_0/stdio_mmap.iorr \
	tests/golden/v1_0/sync.iorr \
	tests/golden/v1_0/uring.iorr \
	tests/golden/v1_1/libaio.iorr \
	tests/golden/v1_1/locks.iorr \
	tests/golden/v1_1/procs.iorr \
	tests/golden/v1_1/stdio_mmap.iorr \
	tests/golden/v1_1/sync.iorr \
	tests/golden/v1_1/uring.iorr \
	tests/golden/v1_1/async.iorr \
	tests/golden/v1_2/libaio.iorr \
	tests/golden/v1_2/locks.iorr \
	tests/golden/v1_2/procs.iorr \
	tests/golden/v1_2/stdio_mmap.iorr \
	tests/golden/v1_2/sync.iorr \
	tests/golden/v1_2/uring.iorr \
	tests/golden/v1_2/meta.iorr

JSON_TESTS = \
	tests/json/json-dump.sh \
	tests/json/json-roundtrip.sh \
	tests/json/json-errors.sh \
	tests/json/golden.sh
TESTS += $(JSON_TESTS)
EXTRA_DIST += $(JSON_TESTS) \
	$(JSON_TRACES) $(JSON_TRACES:.json=.dump) \
	$(GOLDEN_TRACES) $(GOLDEN_TRACES:.iorr=.dump) \
	tests/golden/README.md tests/golden/v1_1/async.json \
	tests/golden/v1_2/meta.json
