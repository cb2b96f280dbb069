# The ILP32 build (issue 15 item 1): NetBSD's i386 ABI (MSIZE 256, MLEN
# 224, MHLEN 200), built by `make ARCH=386` into build/386 (the Makefile
# sets -m32 and GOARCH=386; the header and core/layout_ilp32.go give the
# numbers).
#
#   make ARCH=386          build/386/libmbuf.so (32-bit)
#   make ARCH=386 test     the ILP32 suite: the header in C99, C11 and C++11
#                          (static assertions), every C test, `go test ./...`
#                          under GOARCH=386 (layout, model and FuzzOps seeds)
#   make ARCH=386 run      the C examples, 32-bit
#   make test-ilp32        the ILP32 suite from the 64-bit build (make test runs it)
#
# The programs run natively where the kernel runs i386 code; a kernel
# without IA32 emulation (CI's) runs them under qemu-user (mk/ilp32-exec.sh
# says why Go needs asyncpreemptoff=1 there). Valgrind's i386 tools are
# 32-bit programs too: natively, test-c runs ILP32_VALGRIND_TESTS under
# valgrind; under qemu, none.

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
override TEST_SUITES := test-c test-go
override RUN_TARGETS := run-c-examples
# test_pcap checks our files against libpcap, which Debian ships for i386
# only through multiarch; the pcap code itself runs in the examples.
C_TESTS_SKIP += test_pcap
# qemu-user does not pass RLIMIT_AS on (it would bind qemu itself)
C_TESTS_SKIP += $(if $(ILP32_NATIVE),,test_rlimit)
endif
# (test-ilp32 joins TEST_SUITES once the arenas fit a 32-bit address space)

.PHONY: test-ilp32
test-ilp32:
	@$(MAKE) --no-print-directory ARCH=386 test-c test-go
	@echo "ILP32 (i386) suite passed$(if $(shell /lib/ld-linux.so.2 --version >/dev/null 2>&1 && echo y),, (under qemu-user))"
