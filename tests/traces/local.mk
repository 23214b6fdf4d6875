# The sample traces of traces/ replay with the verdicts traces/README.md
# documents (tests/traces/samples.sh).
SAMPLE_TRACES = \
	traces/counter-race.iorr \
	traces/dio-vs-buffered.iorr \
	traces/fsstress-mix.iorr \
	traces/uring-multiextent.iorr \
	traces/hand-written.json
TRACES_TESTS = tests/traces/samples.sh
TESTS += $(TRACES_TESTS)
EXTRA_DIST += $(TRACES_TESTS) $(SAMPLE_TRACES) traces/regen.sh
