# Reliability (issue 8): misuse catalogue, debug mode, leak report, thread
# stress, race detector, sanitizers and fuzzing.
#
#   make test-race      go test -race -short over core/ (the Go side under the race detector)
#   make test-sanitize  every C test built with AddressSanitizer + UBSan, run
#                       against a copy of the library instrumented the same
#                       way (its C, and its Go with -asan), leak report on
#   make test-debug     test_misuse and test_stress with MBUF_DEBUG=alloc, and
#                       with MBUF_DEBUG=1 under valgrind
#   make test-fuzz      go test -fuzz over core's op language for FUZZ_GO_BUDGET
#                       inputs (default 150000x, 20-30 s), libFuzzer over
#                       the C API for FUZZ_TIME (default 20s)
#   make fuzz-long      each target for FUZZ_LONG (default 10m), one at a time, niced
#
# The C tests (test-c, test-sanitize, test-debug) and the Python suite run
# with MBUF_LEAK_REPORT=1: anything left allocated at exit is listed and
# turns the exit status into 97.

TEST_SUITES  += test-race test-sanitize test-debug test-fuzz
APT_PACKAGES += clang libclang-rt-14-dev

FUZZ_TIME ?= 20s
FUZZ_GO_BUDGET ?= 150000x
FUZZ_LONG ?= 10m
CLANG     ?= clang

# a leak fails the C tests and the Python suite
test-c test-python: export MBUF_LEAK_REPORT = 1
# valgrind 3.19 intermittently kills Go programs with SIGILL on the RDTSCP
# of runtime.cputicks (about one run in two here); Go can do without it
test-c: export GODEBUG = cpu.rdtscp=off

.PHONY: test-race test-sanitize test-debug test-fuzz fuzz-long fuzz-go fuzz-c

test-race:
	$(GO) test -race -short -count=1 ./core

# ---- C tests under AddressSanitizer + UBSan --------------------------------
# The executables and the library's own C (the fast paths, capi/mbufc/*.c)
# are instrumented, the Go side too (go build -asan, which also turns on
# Go's checkptr): a copy of libmbuf.so built that way in build/san/lib.
# ASan works beside the Go runtime here (Go maps its own memory and does
# not use malloc), so we run both rather than UBSan alone; its leak checker
# stays on, and debug mode poisons freed slab memory for it too.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_TESTS := $(patsubst c_tests/%.c,$(BUILD)/san/%,$(wildcard c_tests/test_*.c))
SAN_ENV   := MBUF_LEAK_REPORT=1 MBUF_TEST_UNDER_SANITIZER=1 \
	ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
SAN_LIBDIR := $(BUILD)/san/lib
SAN_LIB    := $(SAN_LIBDIR)/libmbuf.so
LDFLAGS_SAN := -L$(SAN_LIBDIR) -lmbuf -Wl,-rpath,$(abspath $(SAN_LIBDIR)) -lpthread
SAN_TEST_LINK = $(if $(filter $(1),$(DLOPEN_TESTS)),\
	-DLIBMBUF_SO='"$(abspath $(SAN_LIB))"' -ldl -lpthread,$(LDFLAGS_SAN))

# follows $(LIB), so it is rebuilt whenever the library's sources change
$(SAN_LIB): $(LIB)
	@mkdir -p $(SAN_LIBDIR)
	CGO_CFLAGS="-O1 -g $(SAN_FLAGS)" CGO_LDFLAGS="$(SAN_FLAGS)" \
		$(GO) build -asan -buildmode=c-archive -ldflags=-w -o $(SAN_LIBDIR)/libmbufgo.a ./capi
	$(CC) -shared -o $(SAN_LIBDIR)/$(SONAME) -Wl,-soname,$(SONAME) $(LIB_LDFLAGS) \
		-Wl,--version-script=capi/libmbuf.map \
		-Wl,--whole-archive $(SAN_LIBDIR)/libmbufgo.a -Wl,--no-whole-archive $(SAN_FLAGS) -lpthread
	ln -sf $(SONAME) $@
	@rm -f $(SAN_LIBDIR)/libmbufgo.h

$(BUILD)/san/%: c_tests/%.c c_tests/testutil.h include/mbuf.h include/mbuf_inline.h $(SAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -O1 $(SAN_FLAGS) -o $@ $< $(call SAN_TEST_LINK,$*)

test-sanitize: $(SAN_TESTS)
	@set -e; for t in $(SAN_TESTS); do echo "== asan+ubsan $$t"; \
		$(SAN_ENV) $$t >/dev/null; done
	@echo "$(words $(SAN_TESTS)) C tests and the library clean under AddressSanitizer + UBSan (+ checkptr)"

# ---- debug mode ---------------------------------------------------------------
# natively, then under valgrind: freed slab memory is NOACCESS in debug
# mode, so valgrind also proves the library never touches freed objects
test-debug: export GODEBUG = cpu.rdtscp=off
test-debug: $(BUILD)/c_tests/test_misuse $(BUILD)/c_tests/test_stress
	MBUF_DEBUG=alloc MBUF_LEAK_REPORT=1 $(BUILD)/c_tests/test_misuse
	MBUF_DEBUG=alloc MBUF_LEAK_REPORT=1 $(BUILD)/c_tests/test_stress
	@set -e; for t in test_misuse test_stress; do echo "== valgrind, MBUF_DEBUG=1: $$t"; \
		MBUF_DEBUG=1 MBUF_LEAK_REPORT=1 MBUF_TEST_UNDER_VALGRIND=1 \
		$(VALGRIND) $(BUILD)/c_tests/$$t >/dev/null; done

# ---- fuzzing ----------------------------------------------------------------
# Both targets decode the same op language (core/fuzz_test.go, docs/misuse.md).
# New inputs go to build/ (go: the Go cache; libFuzzer: build/fuzz/corpus);
# failing inputs land in core/testdata/fuzz/FuzzOps (then run by go test) and
# build/fuzz/crash-*; commit them with the fix as regression tests.
FUZZ_BIN   := $(BUILD)/fuzz/fuzz_mbuf
FUZZ_LIBDIR := $(BUILD)/fuzz/lib
FUZZ_FLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

# The target links against a copy of libmbuf.so whose C layer (the fast
# paths of capi/) is built by clang with libFuzzer's coverage counters, so
# the fuzzer is guided by the library's C branches, not only the harness's
# (the Go core cannot be instrumented; FuzzOps covers it). It depends on
# $(LIB) so that it follows source changes.
$(FUZZ_LIBDIR)/libmbuf.so.0: $(LIB)
	@mkdir -p $(dir $@)
	CC=$(CLANG) CGO_CFLAGS="-O1 -g -fsanitize=fuzzer-no-link" \
		$(GO) build -buildmode=c-archive -ldflags=-w -o $(FUZZ_LIBDIR)/libmbufgo.a ./capi
	$(CLANG) -shared -o $@ -Wl,-soname,libmbuf.so.0 $(LIB_LDFLAGS) -Wl,--version-script=capi/libmbuf.map \
		-Wl,--whole-archive $(FUZZ_LIBDIR)/libmbufgo.a -Wl,--no-whole-archive -lpthread
	ln -sf libmbuf.so.0 $(FUZZ_LIBDIR)/libmbuf.so
	@rm -f $(FUZZ_LIBDIR)/libmbufgo.h

$(FUZZ_BIN): fuzz/fuzz_mbuf.c include/mbuf.h include/mbuf_inline.h $(FUZZ_LIBDIR)/libmbuf.so.0
	@mkdir -p $(dir $@)/corpus
	$(CLANG) $(FUZZ_FLAGS) -rdynamic -o $@ $< -L$(FUZZ_LIBDIR) -lmbuf \
		-Wl,-rpath,$(abspath $(FUZZ_LIBDIR)) -lpthread

# The budget of make test is a count of inputs, not a time: with a time,
# Go 1.26's fuzz coordinator can report its own deadline as a failure
# ("context deadline exceeded", no failing input; go.dev/issue/75804,
# fixed in Go 1.27) when a busy machine stalls a worker at the end.
# -timeout 0: go test's default 10m would end a run of 10m or more as that
# same failure; a hanging input is still caught (a fuzz worker that makes
# no progress for 10s is reported).
fuzz-go:
	$(GO) test -run '^$$' -fuzz '^FuzzOps$$' -fuzztime $(FUZZ_GO_BUDGET) -timeout 0 -parallel 2 ./core

fuzz-c: $(FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus; t=$(FUZZ_TIME); case $$t in *m) s=$$(( $${t%m} * 60 ));; *s) s=$${t%s};; *) s=$$t;; esac; \
	echo "libFuzzer: $(FUZZ_BIN) for $$s s (log: $(BUILD)/fuzz/last.log)"; \
	if $(FUZZ_BIN) -max_total_time=$$s -max_len=1024 -timeout=20 \
		-artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 \
		$(BUILD)/fuzz/corpus fuzz/corpus >$(BUILD)/fuzz/last.log 2>&1; then \
		grep -E '^Done|stat::number_of_executed_units|stat::new_units_added' $(BUILD)/fuzz/last.log; \
	else tail -40 $(BUILD)/fuzz/last.log; exit 1; fi

test-fuzz:
	@$(MAKE) --no-print-directory fuzz-go fuzz-c FUZZ_TIME=$(FUZZ_TIME)

fuzz-long:
	nice $(MAKE) --no-print-directory fuzz-go FUZZ_GO_BUDGET=$(FUZZ_LONG)
	nice $(MAKE) --no-print-directory fuzz-c FUZZ_TIME=$(FUZZ_LONG)
