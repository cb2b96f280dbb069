package core

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// The barrier rule, in one place for both kinds of cache: the Go per-P
// caches (pcache.go) and the C per-thread magazines (capi/mbufc calls
// Barrier through mbufgo_barrier_all). Their owners work without a barrier
// instruction; a flusher or stealer makes every running thread of the
// process execute one with membarrier(2) MEMBARRIER_CMD_PRIVATE_EXPEDITED
// (Linux 4.14), registered once per process.
//
// It may be missing (an older kernel: ENOSYS, EINVAL; a sandbox: EPERM),
// MBUF_NO_MEMBARRIER=1 turns it off (for tests), and it may stop working
// after it was registered (a seccomp filter installed later). Then
// Barrier returns false, for good, and each caller covers its owners
// another way: the C stealer asks the scheduler about each thread
// (barrier.c), the Go flusher stops the world once and has the owners
// fence themselves from then on (pcache.go). Nothing panics.
const (
	membarrierQuery                    = 0
	membarrierPrivateExpedited         = 1 << 3
	membarrierRegisterPrivateExpedited = 1 << 4
)

// sysMembarrier is the system call's number on this architecture, 0 if
// unknown (the syscall package predates it).
var sysMembarrier = map[string]uintptr{
	"amd64": 324, "386": 375, "arm64": 283, "riscv64": 283, "loong64": 283,
	"ppc64": 365, "ppc64le": 365, "s390x": 356, "mips64": 5318, "mips64le": 5318,
}[runtime.GOARCH]

// membarrierCall makes the system call; tests replace it to make it fail.
var membarrierCall = func(cmd uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.Syscall(sysMembarrier, cmd, 0, 0)
	return r, e
}

var barrierState struct {
	once sync.Once
	on   atomic.Bool // registered, and no barrier has failed since
}

// MembarrierOn reports whether Barrier uses membarrier (registering the
// process on the first call).
func MembarrierOn() bool {
	barrierState.once.Do(func() { barrierState.on.Store(membarrierRegister()) })
	return barrierState.on.Load()
}

// membarrierRegister registers the process for expedited barriers and
// checks that one works.
func membarrierRegister() bool {
	if runtime.GOOS != "linux" || sysMembarrier == 0 || os.Getenv("MBUF_NO_MEMBARRIER") == "1" {
		return false
	}
	if cmds, e := membarrierCall(membarrierQuery); e != 0 || cmds&membarrierPrivateExpedited == 0 {
		return false
	}
	if _, e := membarrierCall(membarrierRegisterPrivateExpedited); e != 0 {
		return false
	}
	_, e := membarrierCall(membarrierPrivateExpedited)
	return e == 0
}

// Barrier makes every running thread of the process execute a full
// memory barrier: after it, each thread's earlier stores are visible to
// the caller, and its later loads see the caller's earlier stores. false
// if it could not (membarrier is off, or failed now and is off for good):
// the caller must cover the owners another way.
func Barrier() bool {
	if !MembarrierOn() {
		return false
	}
	if _, e := membarrierCall(membarrierPrivateExpedited); e != 0 {
		barrierState.on.Store(false)
		return false
	}
	return true
}

// stopTheWorld stops every P and starts them again. A goroutine inside a
// cache's critical section is pinned (procPin: not preemptible), so the
// world stops only after every such section has ended, and each P passes
// the scheduler's synchronisation on its way out and back in: a section
// that starts afterwards sees every store made before the call. This is
// the Go flusher's barrier when membarrier stops working; it runs once.
// runtime.ReadMemStats stops the world to take its snapshot (mstats.go).
func stopTheWorld() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
}
