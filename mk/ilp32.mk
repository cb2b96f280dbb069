# The ILP32 build (issue 15 item 1): NetBSD's i386 ABI (MSIZE 256, MLEN
# 224, MHLEN 200), built by `make ARCH=386` into build/386 (the Makefile
# sets -m32 and GOARCH=386; the header and core/layout_ilp32.go give the
# numbers).
#
#   make ARCH=386          build/386/libmbuf.so (32-bit)
#   make ARCH=386 run      the C examples, 32-bit
#   make test-ilp32        the lean ILP32 suite, run by `make test`: the header
#                          in C99, C11 and C++11 (its static assertions), the
#                          C tests but ILP32_SLOW_TESTS, the C examples, and
#                          under GOARCH=386 the layout tests, the core's
#                          ranges whose off + len passes INT_MAX
#                          (TestRangePastInt32), and a short run of the
#                          differential model test (TestModel: random op
#                          sequences on chains against a flat byte model)
#   make test-ilp32-full   all of it: every C test, go vet for i386, TestModel
#                          for ILP32_MODEL_SEQS_FULL sequences, every other
#                          core test and FuzzOps's corpus (one process each),
#                          the C examples
#
# The programs run natively where the kernel runs i386 code; a kernel
# without IA32 emulation (CI's, and this machine's) runs them under
# qemu-user: mk/ilp32-exec.sh says why Go needs asyncpreemptoff=1 there and
# how tests start their children. Valgrind's i386 tools are 32-bit
# programs too: natively, test-c runs ILP32_VALGRIND_TESTS under valgrind;
# under qemu, none. Go programs under qemu-user also die on signals they
# would survive (SIGCHLD, SIGSEGV turned into panics), so the Go tests run
# on i386 are core's (none needs that).

APT_PACKAGES += gcc-multilib libc6-dev-i386 qemu-user
ILP32_VALGRIND_TESTS := test_chain

ifeq ($(ARCH),386)
# the i386 loader runs only where the kernel runs i386 code
ILP32_NATIVE := $(shell /lib/ld-linux.so.2 --version >/dev/null 2>&1 && echo yes)
EXEC := $(if $(ILP32_NATIVE),,$(abspath mk/ilp32-exec.sh))
override VALGRIND_TESTS = $(if $(ILP32_NATIVE),$(addprefix $(BUILD)/c_tests/,$(ILP32_VALGRIND_TESTS)))
# Only these suites apply to the 32-bit build (no 32-bit Python here, no
# race detector or sanitizers on i386 under qemu); `override` keeps the
# other mk/*.mk files from adding theirs.
override TEST_SUITES := test-c test-go-ilp32
override RUN_TARGETS := run-c-examples
# test_pcap checks our files against libpcap, which Debian ships for i386
# only through multiarch; the pcap code itself runs in the examples.
C_TESTS_SKIP += test_pcap
# Under qemu-user: RLIMIT_AS is not passed on (it would bind qemu itself),
# and a thread interrupted by a signal may come back with another's TLS
# (mk/ilp32-exec.sh), which test_signals' storm of signals always hits.
C_TESTS_SKIP += $(if $(ILP32_NATIVE),,test_rlimit test_signals)
# the lean run (make test) leaves out the slow ones: test_misuse starts 69
# death-test children, a second each under qemu
C_TESTS_SKIP += $(if $(ILP32_LEAN),$(ILP32_SLOW_TESTS))
endif

ILP32_SLOW_TESTS := test_misuse
ILP32_GO_TEST_NAMES := TestLayoutMatchesNetBSD TestSharedLayout TestModel \
	TestRangeEnd TestRangePastInt32
ilp32_space := $(subst ,, )
ILP32_GO_TESTS = ^($(subst $(ilp32_space),|,$(ILP32_GO_TEST_NAMES)))$$
ILP32_MODEL_SEQS_LEAN := 300
ILP32_MODEL_SEQS_FULL := 5000
ILP32_RUNS_ON = $(if $(shell /lib/ld-linux.so.2 --version >/dev/null 2>&1 && echo y),i386,qemu-user)

TEST_SUITES += test-ilp32
.PHONY: test-ilp32 test-ilp32-full test-go-ilp32 test-go-ilp32-each
test-ilp32:
	@$(MAKE) --no-print-directory ARCH=386 ILP32_LEAN=1 test-c run-c-examples test-go-ilp32
	@echo "ILP32 suite passed (lean, on $(ILP32_RUNS_ON)); make test-ilp32-full runs all of it"
test-ilp32-full:
	@$(MAKE) --no-print-directory ARCH=386 test-c test-go-ilp32 test-go-ilp32-each run-c-examples
	@echo "ILP32 suite passed (full, on $(ILP32_RUNS_ON))"

# under ARCH=386 (GOARCH=386 is exported): the tests named in
# ILP32_GO_TESTS; the full run first vets the library's packages and their
# tests for i386 (1.5 minutes from a cold build cache, so not in make test,
# whose 64-bit vet sees the same code)
test-go-ilp32:
	$(if $(ILP32_LEAN),,$(GO) vet ./core ./capi/... ./mbuf ./examples/go/...)
	MBUF_MODEL_SEQS=$(if $(ILP32_LEAN),$(ILP32_MODEL_SEQS_LEAN),$(ILP32_MODEL_SEQS_FULL)) \
		$(GO) test $(if $(EXEC),-exec "$(EXEC)") -run '$(ILP32_GO_TESTS)' -v ./core

# The other core tests and FuzzOps (its seeds and committed corpus),
# each in a process of its own: a Pools keeps its windows (424 MiB on
# i386) for good and every test makes one, so a few tests fill a 32-bit
# address space. They hold on either ABI: expected chain shapes derive
# from MLEN/MHLEN/MCLBYTES (core/chain_helpers_test.go, wantShape).
# Under qemu-user, the ones that start a child process (ILP32_CHILD_GO_TESTS)
# are left out: qemu cannot exec an i386 program by itself ("exec format
# error"), and a Go fork there may die of the signals (see above).
ILP32_CHILD_GO_TESTS := TestFlushSurvivesMembarrierDeniedAfterRegistration
ILP32_EACH_SKIP = $(ILP32_GO_TEST_NAMES) $(if $(EXEC),$(ILP32_CHILD_GO_TESTS))
test-go-ilp32-each:
	$(GO) test -c -o $(BUILD)/core.test ./core
	@cd core && pass=0; fail=""; \
	for t in $$($(EXEC) ../$(BUILD)/core.test -test.list '^(Test|Fuzz)'); do \
		case " $(ILP32_EACH_SKIP) " in *" $$t "*) continue;; esac; \
		if $(EXEC) ../$(BUILD)/core.test -test.short -test.run "^$$t\$$" >../$(BUILD)/core.test.log 2>&1; \
		then pass=$$((pass + 1)); else fail="$$fail $$t"; tail -20 ../$(BUILD)/core.test.log; fi; \
	done; echo "core tests on i386, one process each: $$pass passed$${fail:+, failed:$$fail}"; [ -z "$$fail" ]
