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
		if len(d.free) == 0 && !d.growLocked() {
			break
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

// give returns slots to the depot.
func (d *depot) give(src []uintptr) {
	d.mu.Lock()
	d.free = append(d.free, src...)
	d.out -= len(src)
	d.mu.Unlock()
}

func (d *depot) growLocked() bool {
	more, err := d.a.grow()
	if err != nil {
		return false
	}
	d.free = append(d.free, more...)
	return true
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
	for len(d.free) < d.lowat && d.growLocked() {
	}
	d.mu.Unlock()
}
