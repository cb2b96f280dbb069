package core

import (
	"sync/atomic"
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

// newStatic maps size bytes; if even that fails (no address space left),
// it falls back on a block in the program's data, for the first caller.
func newStatic(size int) (*static, error) {
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		if size > len(fallbackBlock)*8 || !fallbackStatic.CompareAndSwap(false, true) {
			return nil, err
		}
		mem = unsafe.Slice((*byte)(unsafe.Pointer(&fallbackBlock[0])), len(fallbackBlock)*8)
	}
	return &static{mem: mem}, nil
}

var (
	fallbackStatic atomic.Bool
	fallbackBlock  [8 << 10]uint64 // 64 KiB, 8-byte aligned
)

func (s *static) alloc(n uintptr) unsafe.Pointer {
	off := (s.off + 15) &^ 15
	if off+n > uintptr(len(s.mem)) {
		panic("core: static block exhausted")
	}
	s.off = off + n
	return unsafe.Pointer(&s.mem[off])
}
