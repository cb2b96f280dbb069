package core

import (
	"sync/atomic"
	"unsafe"
)

// Ownership of chains by Go handles (package mbuf's Packet). A handle is
// the head mbuf and a generation number; the generation lives beside the
// slot's state byte, in the same cache line (stateStride bytes per slot
// are mostly spare), so checking a handle never reads the mbuf itself,
// which may be freed and reused.
//
// An odd generation means "owned by a Go handle holding this number".
// Claim makes an unowned head owned (even -> odd); Release gives it up
// (odd -> even). Both move the number on, so every copy of an old handle,
// and every handle of an earlier owner of the slot, disagrees with it for
// good (until the 32-bit number wraps around, 2^31 owners of one slot
// later). Release is a compare-and-swap: of two copies of one handle that
// free the packet at once, one does.
const genOffset = 4

// the generation must fit after the state byte within one stride
const _ = uint(stateStride - genOffset - 4)

// genOf returns the generation word and state byte of slot m; nil if m
// is not an mbuf slot of these pools.
func (p *Pools) genOf(m *Mbuf) (*uint32, *byte) {
	off := Addr(m) - p.pc.mbBase
	if off >= p.pc.mbSpan.Load() || off&(MSIZE-1) != 0 {
		return nil, nil
	}
	line := unsafe.Add(p.pc.mbState, off/MSIZE*stateStride)
	return (*uint32)(unsafe.Add(line, genOffset)), (*byte)(line)
}

// mbufLive reports whether m is a live mbuf slot: CheckMbuf's common case.
func (p *Pools) mbufLive(m *Mbuf) bool {
	_, st := p.genOf(m)
	return st != nil && *st == stateLive
}

// HandleLive reports whether handle (m, gen) owns m: m is a live mbuf
// whose generation is still gen.
func (p *Pools) HandleLive(m *Mbuf, gen uint32) bool {
	g, st := p.genOf(m)
	return g != nil && *st == stateLive && atomic.LoadUint32(g) == gen
}

// Claim makes live mbuf m owned by a new handle and returns its
// generation; false if m is not a live mbuf or a handle owns it already.
func (p *Pools) Claim(m *Mbuf) (uint32, bool) {
	g, st := p.genOf(m)
	if g == nil || *st != stateLive {
		return 0, false
	}
	for {
		old := atomic.LoadUint32(g)
		if old&1 != 0 {
			return 0, false
		}
		if atomic.CompareAndSwapUint32(g, old, old+1) {
			return old + 1, true
		}
	}
}

// Release ends the ownership of handle (m, gen); false if the handle did
// not own m (stale, or released by another copy first).
func (p *Pools) Release(m *Mbuf, gen uint32) bool {
	g, st := p.genOf(m)
	return g != nil && gen&1 != 0 && *st == stateLive && atomic.CompareAndSwapUint32(g, gen, gen+1)
}

// Own makes m, the head of a chain the caller just got from the core
// (so no handle can own it), owned by a new handle and returns its
// generation. It moves the number on even if a careless path freed the
// slot while owned, so no earlier handle can match.
func (p *Pools) Own(m *Mbuf) uint32 {
	g, _ := p.genOf(m)
	if g == nil {
		return 0
	}
	// A plain store: the slot was just handed to the caller, so no other
	// handle can be claiming or releasing this number meanwhile (a stale
	// handle's Release compares against a number that is no longer there).
	gen := (atomic.LoadUint32(g) + 2) | 1
	*g = gen
	return gen
}

// IsLive reports whether m is a live mbuf of these pools: what a walk over
// a chain checks before following a pointer it read from C-writable memory.
func (p *Pools) IsLive(m *Mbuf) bool { return p.mbufLive(m) }
