package core

import (
	"fmt"
	"syscall"
)

// Object states, one byte per slot, kept beside each arena. A C caller's
// pointer is "a live mbuf of ours" when it falls inside the arena, sits on
// a slot boundary and its state byte says live: no map lookup needed.
// stateStride spaces the state bytes one cache line apart: each thread
// writes the state of the slots it allocates and frees, and slots handed
// to different threads are often neighbours.
const stateStride = 64

const (
	stateFree    byte = 0 // in the depot or in a per-thread cache
	stateLive    byte = 1 // owned by the user
	stateZombie  byte = 2 // freed holder whose storage is still shared
	stateFreeing byte = 3 // handed to a custom ext_free callback
)

// arena is a contiguous reservation of fixed-size slots (mbufs or
// clusters). Address space is reserved once, PROT_NONE, and committed a
// chunk at a time, so valid slots never move and range checks stay cheap.
type arena struct {
	name     string
	mem      []byte // the whole reservation
	base     uintptr
	objSize  uintptr
	shift    uint
	nobj     int    // capacity in slots
	nCommit  int    // slots committed so far (a prefix)
	perChunk int    // slots committed at a time
	stateMem []byte // one state byte per slot, stateStride bytes apart
}

func newArena(name string, objSize, nobj, perChunk int) (*arena, error) {
	mem, err := syscall.Mmap(-1, 0, objSize*nobj, syscall.PROT_NONE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("reserve %s arena: %w", name, err)
	}
	st, err := syscall.Mmap(-1, 0, nobj*stateStride, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		syscall.Munmap(mem)
		return nil, fmt.Errorf("reserve %s state: %w", name, err)
	}
	shift := uint(0)
	for 1<<shift < objSize {
		shift++
	}
	return &arena{name: name, mem: mem, base: addrOf(mem), objSize: uintptr(objSize),
		shift: shift, nobj: nobj, perChunk: perChunk, stateMem: st}, nil
}

// grow commits the next chunk and returns the addresses of its slots.
func (a *arena) grow() ([]uintptr, error) {
	n := a.perChunk
	if a.nCommit+n > a.nobj {
		n = a.nobj - a.nCommit
	}
	if n <= 0 {
		return nil, fmt.Errorf("%s arena is full (%d slots)", a.name, a.nobj)
	}
	lo := a.nCommit * int(a.objSize)
	hi := lo + n*int(a.objSize)
	if err := syscall.Mprotect(a.mem[lo:hi], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		return nil, fmt.Errorf("commit %s arena: %w", a.name, err)
	}
	out := make([]uintptr, n)
	for i := range out {
		// Highest address first, so a LIFO free list hands out low ones.
		out[i] = a.base + uintptr(a.nCommit+n-1-i)<<a.shift
	}
	a.nCommit += n
	return out, nil
}

// slot returns p's slot index and whether p is exactly a slot start.
func (a *arena) slot(p uintptr) (idx int, inside, aligned bool) {
	off := p - a.base
	if p < a.base || off >= uintptr(a.nobj)<<a.shift {
		return 0, false, false
	}
	return int(off >> a.shift), true, off&(a.objSize-1) == 0
}

func (a *arena) state(idx int) byte           { return a.stateMem[idx*stateStride] }
func (a *arena) setState(idx int, s byte)     { a.stateMem[idx*stateStride] = s }
func (a *arena) setStateOf(p uintptr, s byte) { i, _, _ := a.slot(p); a.setState(i, s) }
func (a *arena) end() uintptr                 { return a.base + uintptr(a.nobj)<<a.shift }

// liveCount counts slots in state s (used by leak checks and tests).
func (a *arena) count(s byte) int {
	n := 0
	for i := 0; i < a.nCommit; i++ {
		if a.state(i) == s {
			n++
		}
	}
	return n
}

func addrOf(b []byte) uintptr { return uintptr(unsafePointer(&b[0])) }
