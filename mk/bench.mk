# make bench: C, Go and Python benchmarks in one table (bench/report.sh).
# The C table puts libmbuf (bench/cbench.c) beside DPDK's rte_mbuf
# (bench/dpdkbench.c), each row as a ratio to malloc+free of the same run,
# with instruction counts per operation from callgrind (bench/ctable.py).
#
#   make bench          everything (a few minutes)
#   make bench-quick    shorter runs, one round
#   make bench-instr    the C rows' instructions per operation only
#   make bench-deps     the bench's own Debian packages (not make test's)
#
# DPDK is optional: without pkg-config libdpdk the DPDK column is skipped
# with a message.  Nothing here is part of make test.
.PHONY: bench bench-quick bench-instr bench-deps bench-programs

BENCH_APT_PACKAGES := pkg-config dpdk-dev valgrind

bench-deps:
	@missing=""; for p in $(BENCH_APT_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || \
		echo "cannot install$$missing: the bench runs without them"; fi

$(BUILD)/cbench: bench/cbench.c bench/harness.h include/mbuf.h include/mbuf_inline.h $(LIB)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Iinclude -o $@ $< $(LDFLAGS_TEST)

# the same with the macros as calls, for ctable.py --vs=LIB: the seed, or
# a libmbuf from before the inline macros, lacks their ABI symbol
# (mbuf__tcache_v1), and cbench would not load against it
$(BUILD)/cbench-calls: bench/cbench.c bench/harness.h include/mbuf.h include/mbuf_inline.h $(LIB)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -DMBUF_NO_INLINE -Iinclude -o $@ $< $(LDFLAGS_TEST)

# built only where DPDK is installed; the table says when it is missing
$(BUILD)/dpdkbench: bench/dpdkbench.c bench/harness.h
	@mkdir -p $(BUILD)
	@if pkg-config --exists libdpdk 2>/dev/null; then \
		echo "$(CC) -O2 ... dpdkbench (DPDK $$(pkg-config --modversion libdpdk))"; \
		$(CC) -std=gnu11 -O2 -Wall -Wextra $$(pkg-config --cflags libdpdk) -o $@ $< \
			$$(pkg-config --libs libdpdk) -lpthread; \
	else rm -f $@; echo "no pkg-config libdpdk: the bench runs without its DPDK column"; fi

$(BUILD)/libpyempty.so: bench/pyempty.c
	$(CC) -shared -fPIC -O2 -o $@ $<

bench-programs: $(BUILD)/cbench $(BUILD)/cbench-calls $(BUILD)/dpdkbench $(BUILD)/libpyempty.so

bench: bench-deps
	@$(MAKE) --no-print-directory bench-programs
	GO=$(GO) BUILD=$(BUILD) bench/report.sh

bench-quick: bench-deps
	@$(MAKE) --no-print-directory bench-programs
	QUICK=--quick GO_COUNT=3 GO_BENCHTIME=100ms GO=$(GO) BUILD=$(BUILD) bench/report.sh

bench-instr: bench-deps
	@$(MAKE) --no-print-directory $(BUILD)/cbench $(BUILD)/cbench-calls $(BUILD)/dpdkbench
	/usr/bin/python3 bench/ctable.py --instr-only $(BUILD)
