# The JSON form of traces (iorr json, iorr import, dump --json) and the
# golden traces every later version must keep reading (tests/golden/).
JSON_TRACES = \
	tests/json/libaio.json \
	tests/json/locks.json \
	tests/json/procs.json \
	tests/json/stdio_mmap.json \
	tests/json/sync.json \
	tests/json/uring.json
GOLDEN_V1 = \
	tests/golden/v1/libaio.iorr \
	tests/golden/v1/locks.iorr \
	tests/golden/v1/procs.iorr \
	tests/golden/v1/stdio_mmap.iorr \
	tests/golden/v1/sync.iorr \
	tests/golden/v1/uring.iorr

JSON_TESTS = \
	tests/json/json-dump.sh \
	tests/json/json-roundtrip.sh \
	tests/json/json-errors.sh \
	tests/json/golden.sh
TESTS += $(JSON_TESTS)
EXTRA_DIST += $(JSON_TESTS) \
	$(JSON_TRACES) $(JSON_TRACES:.json=.dump) \
	$(GOLDEN_V1) $(GOLDEN_V1:.iorr=.dump)
