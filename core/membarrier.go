package core

import (
	"runtime"
	"syscall"
)

// membarrier(2), used by the per-P caches (pcache.go) so that their owners
// need no barrier instruction: MEMBARRIER_CMD_PRIVATE_EXPEDITED makes every
// running thread of this process execute a full memory barrier.
const (
	membarrierPrivateExpedited         = 1 << 3
	membarrierRegisterPrivateExpedited = 1 << 4
)

// sysMembarrier is the system call's number on this architecture, 0 if
// unknown (the syscall package predates it).
var sysMembarrier = map[string]uintptr{
	"amd64": 324, "386": 375, "arm64": 283, "riscv64": 283, "loong64": 283,
	"ppc64": 365, "ppc64le": 365, "s390x": 356, "mips64": 5318, "mips64le": 5318,
}[runtime.GOARCH]

// membarrierRegister registers the process for expedited barriers and
// checks that one works; false (old kernel, seccomp) means owners must
// fence themselves.
func membarrierRegister() bool {
	if runtime.GOOS != "linux" || sysMembarrier == 0 {
		return false
	}
	if _, _, e := syscall.Syscall(sysMembarrier, membarrierRegisterPrivateExpedited, 0, 0); e != 0 {
		return false
	}
	_, _, e := syscall.Syscall(sysMembarrier, membarrierPrivateExpedited, 0, 0)
	return e == 0
}

// membarrier runs a barrier on every running thread of the process.
func membarrier() {
	if _, _, e := syscall.Syscall(sysMembarrier, membarrierPrivateExpedited, 0, 0); e != 0 {
		panic("libmbuf: membarrier failed after it worked: " + e.Error())
	}
}
