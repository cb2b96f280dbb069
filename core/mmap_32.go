//go:build 386 || arm || mips || mipsle

package core

import "syscall"

// mmapRaw is mmap(2) with an address (the syscall package's Mmap takes
// none); 32-bit Linux has it as mmap2 (offset in pages, always 0 here).
func mmapRaw(addr, n uintptr, prot, flags int) (uintptr, error) {
	r, _, e := syscall.Syscall6(syscall.SYS_MMAP2, addr, n, uintptr(prot), uintptr(flags),
		^uintptr(0), 0)
	if e != 0 {
		return 0, e
	}
	return r, nil
}
