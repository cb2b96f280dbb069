package core

import "sync"

// depot is the shared store of free slots of one arena. Per-thread caches
// in C refill from it and drain into it in batches; Go code takes single
// objects. Objects outside the depot (live, or cached by a thread) are
// counted in out, which is what the hard limit applies to, as NetBSD's
// pool hard limit counts items sitting in per-CPU caches.
type depot struct {
	mu    sync.Mutex
	a     *arena
	free  []uintptr
	out   int
	limit func() int // hard limit on out; nil or <= 0 means none
	lowat int        // keep at least this many free slots committed

	grew       func()              // a chunk was mapped (publish the extent)
	growFailed func(*arena, error) // an allocation fell short for want of one
}

// take moves up to len(dst) free slots into dst and returns how many; it
// grows the arena when empty, within the hard limit.
func (d *depot) take(dst []uintptr) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	want := len(dst)
	if d.limit != nil {
		if l := d.limit(); l > 0 && d.out+want > l {
			want = l - d.out
		}
	}
	n := 0
	for n < want {
		if len(d.free) == 0 {
			if err := d.growLocked(); err != nil {
				if n == 0 && d.growFailed != nil {
					d.growFailed(d.a, err)
				}
				break
			}
		}
		k := min(want-n, len(d.free))
		copy(dst[n:n+k], d.free[len(d.free)-k:])
		d.free = d.free[:len(d.free)-k]
		n += k
	}
	d.out += n
	if len(d.free) < d.lowat {
		d.growLocked()
	}
	return n
}

// give returns slots to the depot. It reports the room left after it
// (how many more slots take could hand out) and the capacity (the hard
// limit, or the arena's size).
func (d *depot) give(src []uintptr) (room, capacity int) {
	d.mu.Lock()
	d.free = append(d.free, src...)
	d.out -= len(src)
	capacity = d.a.nobj
	if d.limit != nil {
		if l := d.limit(); l > 0 && l < capacity {
			capacity = l
		}
	}
	room = capacity - d.out
	d.mu.Unlock()
	return room, capacity
}

func (d *depot) growLocked() error {
	more, err := d.a.grow()
	if err != nil {
		return err
	}
	d.free = append(d.free, more...)
	if d.grew != nil {
		d.grew()
	}
	return nil
}

// atLimit reports whether the hard limit is what stops allocation now.
func (d *depot) atLimit() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.limit == nil {
		return false
	}
	l := d.limit()
	return l > 0 && d.out >= l
}

// counts reports slots outside the depot and free inside it.
func (d *depot) counts() (out, free int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out, len(d.free)
}

func (d *depot) setLowat(n int) {
	d.mu.Lock()
	d.lowat = n
	for len(d.free) < d.lowat && d.growLocked() == nil {
	}
	d.mu.Unlock()
}
