package core

import (
	"fmt"
	"sync/atomic"
	"time"
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

// arena is a contiguous run of fixed-size slots (mbufs or clusters) and
// their state bytes, each in an address window of its own (window.go)
// that is fixed for the life of the process, so slots never move and
// "is this one of ours" stays a range check. Memory is mapped into the
// windows a chunk at a time, slots and state bytes together; only that
// committed prefix is inside the arena. It only grows.
type arena struct {
	name      string
	slots     window // the slots: slot i at base + i<<shift
	states    window // their state bytes: slot i's at stateBase + i*stateStride
	base      uintptr
	stateBase uintptr
	objSize   uintptr
	shift     uint
	nobj      int          // capacity in slots (what the windows hold)
	nCommit   atomic.Int64 // slots mapped so far (a prefix); grows under the depot lock
	perChunk  int          // slots mapped at a time

	// The last failure to map a chunk, kept for growRetry: a program that
	// goes on allocating at a limit fails fast, without a system call or
	// a Go allocation per attempt (the Go runtime may be short of address
	// space too). Under the depot lock.
	failErr error
	failAt  time.Time
}

// growRetry is how long a failure to grow stands before mapping is tried
// again (memory may have been freed meanwhile).
const growRetry = 100 * time.Millisecond

func newArena(name string, objSize int, slots, states window, perChunk int) *arena {
	shift := uint(0)
	for 1<<shift < objSize {
		shift++
	}
	nobj := min(int(slots.size>>shift), int(states.size/stateStride))
	return &arena{name: name, slots: slots, states: states, base: slots.base,
		stateBase: states.base, objSize: uintptr(objSize), shift: shift,
		nobj: nobj, perChunk: perChunk}
}

// committed is the number of slots mapped so far.
func (a *arena) committed() int { return int(a.nCommit.Load()) }

// grow maps the next chunk (its slots and their state bytes) and returns
// the addresses of its slots. The caller holds the depot lock.
func (a *arena) grow() ([]uintptr, error) {
	if a.failErr != nil && time.Since(a.failAt) < growRetry {
		return nil, a.failErr
	}
	out, err := a.mapChunk()
	if err != nil {
		a.failErr, a.failAt = err, time.Now()
		return nil, err
	}
	a.failErr = nil
	return out, nil
}

func (a *arena) mapChunk() ([]uintptr, error) {
	have := a.committed()
	n := min(a.perChunk, a.nobj-have)
	if n <= 0 {
		return nil, fmt.Errorf("the %s arena is full (%d slots)", a.name, a.nobj)
	}
	lo, size := uintptr(have)<<a.shift, uintptr(n)<<a.shift
	if err := a.slots.commit(lo, size); err != nil {
		return nil, fmt.Errorf("cannot map more %ss (%d mapped): %w", a.name, have, err)
	}
	if err := a.states.commit(uintptr(have)*stateStride, uintptr(n)*stateStride); err != nil {
		a.slots.uncommit(lo, size)
		return nil, fmt.Errorf("cannot map more %s states (%d mapped): %w", a.name, have, err)
	}
	out := make([]uintptr, n)
	for i := range out {
		// Highest address first, so a LIFO free list hands out low ones.
		out[i] = a.base + uintptr(have+n-1-i)<<a.shift
	}
	// Published last: a slot is inside the arena once its state is mapped.
	a.nCommit.Store(int64(have + n))
	return out, nil
}

// slot returns p's slot index and whether p is exactly a slot start.
func (a *arena) slot(p uintptr) (idx int, inside, aligned bool) {
	off := p - a.base
	if p < a.base || off >= uintptr(a.committed())<<a.shift {
		return 0, false, false
	}
	return int(off >> a.shift), true, off&(a.objSize-1) == 0
}

func (a *arena) stateAddr(idx int) *byte  { return (*byte)(ptr(a.stateBase + uintptr(idx)*stateStride)) }
func (a *arena) state(idx int) byte       { return *a.stateAddr(idx) }
func (a *arena) setState(idx int, s byte) { *a.stateAddr(idx) = s }

// setStateOf sets the state of the slot at p, an address the core got
// from its own depots (no range check: small enough to inline).
func (a *arena) setStateOf(p uintptr, s byte) {
	*(*byte)(ptr(a.stateBase + (p-a.base)>>a.shift*stateStride)) = s
}

// end is the first address past the committed slots.
func (a *arena) end() uintptr { return a.base + uintptr(a.committed())<<a.shift }

// count counts committed slots in state s (used by leak checks and tests).
func (a *arena) count(s byte) int {
	n := 0
	for i, c := 0, a.committed(); i < c; i++ {
		if a.state(i) == s {
			n++
		}
	}
	return n
}

func addrOf(b []byte) uintptr { return uintptr(unsafePointer(&b[0])) }
