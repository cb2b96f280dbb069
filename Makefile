# libmbuf: the NetBSD mbuf API as a userland library (Go core, C ABI).
#
#   make          build build/libmbuf.so
#   make run      build and run the examples (the main job)
#   make test     every test: Go, C (plus valgrind), Python, CMake consumers
#   make bench    benchmarks (C, Go, Python) with ratios to same-run baselines
#   make generate regenerate the Python bindings from include/mbuf.h
#   make ARCH=386 the ILP32 (i386) build in build/386; with `test`, its suite
#
# Other targets live in mk/*.mk (one file per concern).

GO      ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
CC      ?= cc
CXX     ?= c++
BUILD   := build
# ARCH=386: NetBSD's i386 ABI (MSIZE 256), built -m32 with GOARCH=386 into
# build/386; mk/ilp32.mk says how its programs run and which suites apply.
ifeq ($(ARCH),386)
BUILD   := build/386
override CC  += -m32
override CXX += -m32
export CC CXX
export GOARCH := 386
endif
# EXEC runs the programs built here (empty: directly; mk/ilp32.mk may
# name an emulator); VALGRIND_TESTS are the C tests test-c runs again
# under valgrind.
EXEC    :=
LIB     := $(BUILD)/libmbuf.so
CFLAGS_TEST := -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude
LDFLAGS_TEST := -L$(BUILD) -lmbuf -Wl,-rpath,$(abspath $(BUILD)) -lpthread
export CGO_ENABLED := 1
.DEFAULT_GOAL := all

# Suites run by `make test`, Debian packages `make deps` installs, and
# programs `make run` runs; mk/*.mk files (one per concern) add to them.
TEST_SUITES  := test-go test-c
APT_PACKAGES := valgrind
RUN_TARGETS  := run-c-examples
-include mk/*.mk

GO_SOURCES := $(shell find core capi -name '*.go' -not -name '*_test.go' 2>/dev/null) \
	$(wildcard capi/mbufc/*.c capi/mbufc/*.h) include/mbuf.h include/mbuf_inline.h go.mod

.PHONY: all lib test test-go test-c test-header run examples bench deps clean
all: lib
lib: $(LIB)

# The Go core is built as a C archive and linked into the shared library
# by the C compiler: Go's own c-shared mode links with -Bsymbolic, which
# breaks exported data (nmbclusters, mbstat...) in programs that use copy
# relocations; linking ourselves also gives a soname and a version script.
# -z nodelete: the Go runtime's threads keep running in the library's code,
# so dlclose() must never unmap it (c_tests/test_dlclose.c).
LIB_LDFLAGS := -Wl,-z,nodelete
VERSION := $(shell sed -n 's/^\#define LIBMBUF_VERSION[ \t]*"\(.*\)"/\1/p' include/mbuf.h)
SONAME  := libmbuf.so.$(firstword $(subst ., ,$(VERSION)))

$(LIB): $(GO_SOURCES) capi/libmbuf.map
	@mkdir -p $(BUILD)
	$(GO) build -buildmode=c-archive -ldflags=-w -o $(BUILD)/libmbufgo.a ./capi
	$(CC) -shared -o $(BUILD)/libmbuf.so.$(VERSION) -Wl,-soname,$(SONAME) $(LIB_LDFLAGS) \
		-Wl,--version-script=capi/libmbuf.map \
		-Wl,--whole-archive $(BUILD)/libmbufgo.a -Wl,--no-whole-archive -lpthread
	ln -sf libmbuf.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@
	@rm -f $(BUILD)/libmbufgo.h   # cgo's header is internal; include/mbuf.h is the ABI

# ---- tests -----------------------------------------------------------------
# C_TESTS_SKIP names tests a build cannot run (mk/ilp32.mk: none of its
# libraries exist for i386 here).
C_TESTS := $(filter-out $(addprefix $(BUILD)/c_tests/,$(C_TESTS_SKIP)),\
	$(patsubst c_tests/%.c,$(BUILD)/c_tests/%,$(wildcard c_tests/test_*.c)))
# Go reads the TSC with RDTSCP, which valgrind 3.19 cannot run, and its
# asynchronous preemption signals confuse valgrind now and then.
VALGRIND := GODEBUG=cpu.rdtscp=off,asyncpreemptoff=1 valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible \
	--suppressions=c_tests/valgrind.supp

# A test that loads the library itself with dlopen() (test_dlclose) is not
# linked with it: TEST_LINK picks the flags for a test by its name.
DLOPEN_TESTS := test_dlclose test_rlimit
TEST_LINK = $(if $(filter $(1),$(DLOPEN_TESTS)),\
	-DLIBMBUF_SO='"$(abspath $(BUILD))/$(SONAME)"' -ldl -lpthread,$(LDFLAGS_TEST))

$(BUILD)/c_tests/%: c_tests/%.c c_tests/testutil.h include/mbuf.h include/mbuf_inline.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -o $@ $< $(call TEST_LINK,$*)

test: deps
	@$(MAKE) --no-print-directory $(TEST_SUITES)
	@echo "make test: all suites passed ($(TEST_SUITES))"
	@echo "suites: $(words $(TEST_SUITES)) passed, 0 failed"

test-go:
	$(GO) vet ./...
	$(GO) test $(if $(EXEC),-exec "$(EXEC)") ./...

# the header alone, strict, in C99, C11 and C++
test-header:
	@for std in c99 c11; do for inl in "" -DMBUF_NO_INLINE; do \
		$(CC) -std=$$std -pedantic -Wall -Wextra -Werror $$inl -Iinclude \
		-c c_tests/header_compiles.c -o /dev/null || exit 1; done; done
	@for inl in "" -DMBUF_NO_INLINE; do $(CXX) -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror $$inl \
		-Iinclude -c c_tests/header_compiles.c -o /dev/null || exit 1; done
	@echo "include/mbuf.h compiles as C99, C11 and C++11, its macros inline and not (MBUF_NO_INLINE)"

VALGRIND_TESTS = $(C_TESTS)
test-c: test-header $(C_TESTS)
	@set -e; for t in $(C_TESTS); do echo "== $$t"; $(EXEC) $$t; done
	@set -e; for t in $(VALGRIND_TESTS); do echo "== valgrind $$t"; \
		MBUF_TEST_UNDER_VALGRIND=1 $(VALGRIND) $$t >/dev/null; done
	@echo "$(words $(C_TESTS)) passed, 0 failed"

# ---- examples (the main job) ------------------------------------------------
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
$(BUILD)/examples/%: examples/%.c include/mbuf.h include/mbuf_inline.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -o $@ $< $(LDFLAGS_TEST)
examples: $(EXAMPLES)
run: deps
	@$(MAKE) --no-print-directory $(RUN_TARGETS)
run-c-examples: $(EXAMPLES)
	@set -e; for e in $(EXAMPLES); do echo "== $$e"; $(EXEC) $$e; done

# ---- set-up of a fresh machine -----------------------------------------------
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || \
		{ echo "cannot install$$missing (need root)"; exit 1; }; fi

clean:
	rm -rf $(BUILD)

