#!/bin/sh
# Runs an i386 program through qemu-user, for kernels that cannot run
# 32-bit programs themselves (no IA32 emulation, as on CI's machines).
#
# qemu-user keeps one descriptor table for the whole process, so the TLS
# segment that each thread sets up lands in a shared slot, and returning
# from a signal handler reloads %gs from it: a thread interrupted by a
# signal comes back with the TLS of the thread created last. Go preempts
# goroutines with signals (SIGURG) many times a second, which crashes any
# Go program with a second thread; asyncpreemptoff=1 stops those signals
# (goroutines are still preempted at function calls).
#
# qemu-user cannot start another i386 program by itself either: tests that
# run themselves again (death cases) find this script in MBUF_TEST_EXEC.
MBUF_TEST_EXEC=$(readlink -f "$0")
export MBUF_TEST_EXEC
GODEBUG="${GODEBUG:+$GODEBUG,}asyncpreemptoff=1" exec qemu-i386 "$@"
