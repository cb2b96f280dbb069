package core

import (
	"syscall"
	"unsafe"
)

// static is a small bump allocator over one mmap'd block, for objects that
// C code points at for the life of the process (the shared block, private
// globals). It never frees.
type static struct {
	mem []byte
	off uintptr
}

func newStatic(size int) (*static, error) {
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, err
	}
	return &static{mem: mem}, nil
}

func (s *static) alloc(n uintptr) unsafe.Pointer {
	off := (s.off + 15) &^ 15
	if off+n > uintptr(len(s.mem)) {
		panic("core: static block exhausted")
	}
	s.off = off + n
	return unsafe.Pointer(&s.mem[off])
}
