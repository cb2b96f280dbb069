//go:build amd64 || arm64 || riscv64 || ppc64 || ppc64le || s390x || loong64 || mips64 || mips64le

package core

import "syscall"

// mmapRaw is mmap(2) with an address (the syscall package's Mmap takes
// none).
func mmapRaw(addr, n uintptr, prot, flags int) (uintptr, error) {
	r, _, e := syscall.Syscall6(syscall.SYS_MMAP, addr, n, uintptr(prot), uintptr(flags),
		^uintptr(0), 0)
	if e != 0 {
		return 0, e
	}
	return r, nil
}
