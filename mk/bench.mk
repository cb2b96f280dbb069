# make bench: C, Go and Python benchmarks in one table (bench/report.sh).
.PHONY: bench bench-quick
$(BUILD)/cbench: bench/cbench.c include/mbuf.h $(LIB)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Iinclude -o $@ $< $(LDFLAGS_TEST)

$(BUILD)/libpyempty.so: bench/pyempty.c
	$(CC) -shared -fPIC -O2 -o $@ $<

bench: $(BUILD)/cbench $(BUILD)/libpyempty.so
	GO=$(GO) BUILD=$(BUILD) bench/report.sh

bench-quick: $(BUILD)/cbench $(BUILD)/libpyempty.so
	QUICK=--quick GO_COUNT=3 GO_BENCHTIME=100ms GO=$(GO) BUILD=$(BUILD) bench/report.sh
