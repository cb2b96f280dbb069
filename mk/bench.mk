# make bench: C, Go and Python benchmarks in one table (bench/report.sh).
.PHONY: bench bench-quick
$(BUILD)/cbench: bench/cbench.c include/mbuf.h $(LIB)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Iinclude -o $@ $< $(LDFLAGS_TEST)

bench: $(BUILD)/cbench
	GO=$(GO) BUILD=$(BUILD) bench/report.sh

bench-quick: $(BUILD)/cbench
	QUICK=--quick GO_COUNT=3 GO_BENCHTIME=100ms GO=$(GO) BUILD=$(BUILD) bench/report.sh
