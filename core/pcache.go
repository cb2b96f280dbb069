package core

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Per-P caches of free mbuf and cluster slots in front of the depots: the
// Go counterpart of the C side's per-thread magazines. Go code (package
// mbuf, and the core operations the C side hands to Go) takes and returns
// single slots many millions of times a second; a depot mutex per object
// and a shared type counter made two goroutines slower than one.
//
// Each P (runtime.procPin) owns one cache and is the only goroutine that
// touches it, without a lock: pinning keeps the goroutine on its P and
// unpreempted for the few instructions of a take or a put. Only a flush
// (the reclaim path at the pool limits, and debug mode) touches another
// P's cache, so the owner's side of the exclusion is made cheap and the
// flusher pays for it:
//
//   - the owner sets busy with a plain store, then reads stealing;
//   - a flusher sets stealing, runs membarrier(2) (every running thread of
//     the process executes a full barrier), then waits for busy to clear.
//
// After the barrier either the owner's busy=1 is visible to the flusher,
// or the owner's read comes after the barrier and sees stealing; this is
// the asymmetric Dekker handshake that per-CPU allocators (tcmalloc's
// rseq caches) use. Where membarrier is not available the owner stores
// busy with a full barrier instead (correct, a few ns slower); if it
// stops working later, the flush that finds out switches the owners to
// that and stops the world once (membarrier.go). An owner that sees
// stealing leaves the cache alone and uses the depot.
//
// At a limit a flush alone is not enough: right after it another P could
// refill its cache with a batch and park again what the flush brought
// back, or a batch could be on its way between the depot and a cache. So
// an allocation that finds a depot exhausted first makes that kind
// "tight" (caches neither keep nor hand out slots of it; every take and
// put goes to the depot), then flushes, then waits for the batches still
// moving (each P counts its own) to land before it gives up. While it
// waits nothing of that kind can hide: a free slot is in the depot or on
// its way there, so the allocation fails only when every slot is live.
// The kind stops being tight when a free finds a good part of the limit
// free again, and never while an allocation waits at the limit.
//
// The caches live in memory the core maps itself, like the slabs: the
// race detector does not follow the handshake, and the GC never scans it.
// It is mapped a chunk of pcacheChunk caches at a time, when a P in that
// chunk first needs its cache (that one call uses the depot): a process
// pays for the Ps it runs, not for maxPCaches (3 MiB of address space).

const (
	pcacheSlots = 64 // slots of each kind one P keeps
	pcacheBatch = 32 // slots moved to or from a depot at once
	maxPCaches  = 1024
	pcacheChunk = 4 // caches mapped at once

	tightWaiter = 2 // one allocation waiting at a limit, in pcaches.tight

	// A tight kind relaxes when half its capacity is free, or this many
	// slots: enough for the caches of 16 Ps to fill twice over.
	relaxRoom = 2 * 16 * pcacheSlots
)

// pcache is one P's cache. Its size is a multiple of the cache line.
type pcache struct {
	busy     uint32 // the owner is inside a take or put
	stealing uint32 // a flush wants this cache
	n        [2]int32
	used     uint32   // the owner has used it (flushes skip the others)
	moving   [2]int32 // batches of each kind between the depot and a cache, started here (atomic)
	_        [64 - 28]byte
	slots    [2][pcacheSlots]uintptr // free mbufs, free clusters
	types    [NumTypes]int64         // live mbufs by type, allocated minus freed here
}

const (
	kindMbuf    = 0
	kindCluster = 1
)

// pcaches are the caches of one Pools.
type pcaches struct {
	on      bool        // false in debug mode (the quarantine sees every free)
	asym    atomic.Bool // membarrier works: owners need no barrier
	flushMu sync.Mutex

	// caches[i] is P i's cache, or 0 until its chunk is mapped (under
	// mapMu; never unmapped). A table of addresses (8 KiB) rather than
	// arithmetic on one base: finding a cache costs what it did when all
	// were mapped at once. unmappable[j]: mapping chunk j failed, so it is
	// not retried.
	caches     [maxPCaches]atomic.Uintptr
	unmappable [maxPCaches / pcacheChunk]atomic.Bool
	mapMu      sync.Mutex
	hook       int

	// tight[k]: bit 0 set while kind k is at its limit (the caches leave
	// that kind alone); the other bits count allocations waiting at the
	// limit, which keep it set (tightWaiter per waiter).
	tight    [2]atomic.Uint32
	flushing atomic.Int32 // flushes holding slots outside depots and caches

	// The mbuf arena as the hot checks see it (handles.go): its base,
	// its span, and its state lines, copied once so that a check is a
	// few loads from here. The span grows with the arena (arenaGrown).
	mbBase  uintptr
	mbSpan  atomic.Uintptr
	mbState unsafe.Pointer
}

const pcacheSize = unsafe.Sizeof(pcache{})

// pcacheChunkBytes is the size of one chunk's mapping, whole pages.
var pcacheChunkBytes = (int(pcacheSize)*pcacheChunk + syscall.Getpagesize() - 1) &^
	(syscall.Getpagesize() - 1)

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

func (pc *pcaches) init(p *Pools) error {
	a := p.mbufs.a
	pc.mbBase, pc.mbState = a.base, ptr(a.stateBase)
	pc.mbSpan.Store(a.end() - a.base)
	if p.dbg != nil {
		return nil
	}
	pc.asym.Store(MembarrierOn())
	pc.on = true
	pc.hook = p.RegisterDrain(p.FlushCaches)
	return nil
}

// at returns P i's cache, nil if its chunk is not mapped (i < maxPCaches).
func (pc *pcaches) at(i int) *pcache {
	return (*pcache)(ptr(pc.caches[i].Load()))
}

// mapChunk maps the chunk holding P id's cache, on its first use, and is
// called unpinned. If that fails the chunk's Ps go on without caches.
func (pc *pcaches) mapChunk(id int) {
	j := uint(id) / pcacheChunk
	if j >= uint(len(pc.unmappable)) || pc.unmappable[j].Load() {
		return
	}
	first := int(j) * pcacheChunk
	pc.mapMu.Lock()
	defer pc.mapMu.Unlock()
	if pc.caches[first].Load() != 0 {
		return
	}
	mem, err := syscall.Mmap(-1, 0, pcacheChunkBytes, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		pc.unmappable[j].Store(true)
		return
	}
	for i := range pcacheChunk {
		pc.caches[first+i].Store(addrOf(mem) + uintptr(i)*pcacheSize)
	}
}

// mappedBytes is the memory mapped for caches so far.
func (pc *pcaches) mappedBytes() int {
	n := 0
	for i := 0; i < maxPCaches; i += pcacheChunk {
		if pc.caches[i].Load() != 0 {
			n += pcacheChunkBytes
		}
	}
	return n
}

// eachUsed calls f on each cache whose owner has used it, until f
// returns false.
func (pc *pcaches) eachUsed(f func(c *pcache) bool) {
	for i := range maxPCaches {
		c := pc.at(i)
		if c != nil && atomic.LoadUint32(&c.used) != 0 && !f(c) {
			return
		}
	}
}

// enter pins the goroutine and returns its P's cache, marked busy, for
// slots of kind k; nil (unpinned) when the caches are off, a flush holds
// this one, or kind k is tight. Tight is read inside the busy window, after
// stealing: an owner that still sees it clear is one a flush waits for.
func (pc *pcaches) enter(k int) *pcache {
	if !pc.on {
		return nil
	}
	id := procPin()
	if uint(id) >= maxPCaches {
		procUnpin()
		return nil
	}
	if c := pc.at(id); c != nil {
		if pc.asym.Load() {
			c.busy = 1
		} else {
			atomic.StoreUint32(&c.busy, 1)
		}
		c.used = 1
		if atomic.LoadUint32(&c.stealing) == 0 && pc.tight[k].Load() == 0 {
			return c
		}
		releaseBusy(&c.busy)
		procUnpin()
		return nil
	}
	procUnpin()
	pc.mapChunk(id)
	return nil
}

// exit ends what enter began.
func (c *pcache) exit() {
	releaseBusy(&c.busy)
	procUnpin()
}

// take returns a free slot of kind k from this P's cache. A taken mbuf
// (typ >= 0) is counted as live of type typ. When the cache is usable but
// empty it returns 0 and the cache, whose moving count the caller holds
// until the batch it fetches is stashed (refill.landed).
func (pc *pcaches) take(k, typ int) (a uintptr, refill *pcache) {
	c := pc.enter(k)
	if c == nil {
		return 0, nil
	}
	if n := c.n[k]; n > 0 {
		a = c.slots[k][n-1]
		c.n[k] = n - 1
		if typ >= 0 {
			c.types[typ]++
		}
	} else {
		atomic.AddInt32(&c.moving[k], 1)
		refill = c
	}
	c.exit()
	return a, refill
}

// landed ends a move of kind k that take or spill began.
func (c *pcache) landed(k int) { atomic.AddInt32(&c.moving[k], -1) }

// put keeps free slot a of kind k in this P's cache; false if the cache
// is off, full or held by a flush (the caller gives it to the depot). A
// put mbuf (typ >= 0) is counted as no longer live of type typ.
func (pc *pcaches) put(k int, a uintptr, typ int) bool {
	c := pc.enter(k)
	if c == nil {
		return false
	}
	ok := false
	if n := c.n[k]; n < pcacheSlots {
		c.slots[k][n] = a
		c.n[k] = n + 1
		if typ >= 0 {
			c.types[typ]--
		}
		ok = true
	}
	c.exit()
	return ok
}

// stash keeps as many of the free slots src as fit; it returns the rest.
func (pc *pcaches) stash(k int, src []uintptr) []uintptr {
	c := pc.enter(k)
	if c == nil {
		return src
	}
	n := int(c.n[k])
	m := copy(c.slots[k][n:], src)
	c.n[k] = int32(n + m)
	c.exit()
	return src[m:]
}

// spill moves the older half of a full cache out into dst; it returns how
// many slots it moved and, when it moved some, the cache, whose moving
// count the caller holds until the slots are in the depot (c.landed).
func (pc *pcaches) spill(k int, dst *[pcacheBatch]uintptr) (int, *pcache) {
	c := pc.enter(k)
	if c == nil {
		return 0, nil
	}
	n := int(c.n[k])
	m := min(n, pcacheBatch)
	copy(dst[:], c.slots[k][:m])
	copy(c.slots[k][:], c.slots[k][m:n])
	c.n[k] = int32(n - m)
	if m > 0 {
		atomic.AddInt32(&c.moving[k], 1)
	}
	c.exit()
	if m == 0 {
		return 0, nil
	}
	return m, c
}

// settled reports that no slot of kind k is between a depot and a cache:
// no batch moving, no flush holding any.
func (pc *pcaches) settled(k int) bool {
	if pc.flushing.Load() != 0 {
		return false
	}
	settled := true
	pc.eachUsed(func(c *pcache) bool {
		settled = atomic.LoadInt32(&c.moving[k]) == 0
		return settled
	})
	return settled
}

// relax clears kind k's tight flag when no allocation waits at the limit
// and room (slots the depot can still hand out) is a good part of its
// capacity again, so that the caches are worth using.
func (pc *pcaches) relax(k, room, capacity int) {
	if pc.tight[k].Load() == 1 && room >= min(capacity/2, relaxRoom) {
		pc.tight[k].CompareAndSwap(1, 0)
	}
}

// count adds d to the live count of type t on this P; false if the caches
// are off (the caller counts in the shared block). Only the owner writes
// a P's counts and a flush never touches them, so pinning is enough: no
// busy flag.
func (pc *pcaches) count(t int, d int64) bool {
	if !pc.on {
		return false
	}
	id := procPin()
	if uint(id) >= maxPCaches {
		procUnpin()
		return false
	}
	c := pc.at(id)
	if c == nil {
		procUnpin()
		pc.mapChunk(id)
		return false
	}
	c.used = 1
	c.types[t] += d
	procUnpin()
	return true
}

// typeCount sums the per-P counts of type t.
func (pc *pcaches) typeCount(t int) int64 {
	var sum int64
	if pc.on {
		pc.eachUsed(func(c *pcache) bool {
			sum += atomic.LoadInt64(&c.types[t])
			return true
		})
	}
	return sum
}

// ---- the Pools side -------------------------------------------------------

// takeSlot gets one free slot of kind k: from this P's cache, else a
// batch from the depot (running the drain hooks at the limits, as
// takeOne does), of which the rest stays in the cache. A taken mbuf
// (typ >= 0) is counted as live of type typ.
func (p *Pools) takeSlot(d *depot, k, how, typ int) uintptr {
	a, refill := p.pc.take(k, typ)
	if a != 0 {
		return a
	}
	if refill != nil {
		var batch [pcacheBatch]uintptr
		if n := d.take(batch[:]); n > 0 {
			a = batch[0]
			if rest := p.pc.stash(k, batch[1:n]); len(rest) > 0 {
				d.give(rest)
			}
		}
		refill.landed(k)
	}
	if a == 0 {
		a = p.takeOne(d, how)
	}
	if a != 0 && typ >= 0 {
		p.countType(typ, 1)
	}
	return a
}

// putSlot returns a free slot of kind k (its state already free); a put
// mbuf (typ >= 0) is counted as no longer live of type typ.
func (p *Pools) putSlot(d *depot, k int, a uintptr, typ int) {
	for !p.pc.put(k, a, typ) {
		var batch [pcacheBatch]uintptr
		if n, c := p.pc.spill(k, &batch); n > 0 {
			d.give(batch[:n])
			c.landed(k)
			continue
		}
		room, capacity := d.give([]uintptr{a})
		if typ >= 0 {
			p.countType(typ, -1)
		}
		if p.pc.on {
			p.pc.relax(k, room, capacity)
		}
		return
	}
}

// takeAtLimit is takeOne's retry when d is exhausted and the caches are
// on: the kind turns tight (no cache keeps it), the drain hooks run (the
// flush among them), and the retry waits until nothing is moving.
func (p *Pools) takeAtLimit(d *depot, one []uintptr) bool {
	k := kindMbuf
	if d == &p.clusters {
		k = kindCluster
	}
	tight := &p.pc.tight[k]
	for {
		old := tight.Load()
		if tight.CompareAndSwap(old, (old|1)+tightWaiter) {
			break
		}
	}
	defer tight.Add(^uint32(tightWaiter - 1))
	p.Reclaim()
	for {
		if d.take(one) == 1 {
			return true
		}
		if p.pc.settled(k) {
			// Whatever was moving when the take failed has landed.
			return d.take(one) == 1
		}
		runtime.Gosched()
	}
}

// countType adds d to the live count of mbufs of type t.
func (p *Pools) countType(t int, d int64) {
	if !p.pc.count(t, d) {
		atomic.AddInt64(&p.sh.GoTypes[t], d)
	}
}

// FlushCaches moves every slot parked in the per-P caches back to the
// depots, where every allocation path finds them. It is a drain hook: it
// runs when an allocation hits a limit, so that no free cluster stays out
// of reach.
func (p *Pools) FlushCaches() {
	pc := &p.pc
	if !pc.on {
		return
	}
	pc.flushMu.Lock()
	defer pc.flushMu.Unlock()
	pc.flushing.Add(1)
	defer pc.flushing.Add(-1)
	var held []*pcache
	pc.eachUsed(func(c *pcache) bool {
		atomic.StoreUint32(&c.stealing, 1)
		held = append(held, c)
		return true
	})
	if pc.asym.Load() && !Barrier() {
		// membarrier stopped working: owners inside a section may have
		// stored busy without a fence. Owners fence themselves from now
		// on; stopping the world once covers the sections begun before.
		pc.asym.Store(false)
		stopTheWorld()
	}
	var free [2][]uintptr
	for _, c := range held {
		for atomic.LoadUint32(&c.busy) != 0 {
			runtime.Gosched()
		}
		for k := range free {
			free[k] = append(free[k], c.slots[k][:c.n[k]]...)
			c.n[k] = 0
		}
		atomic.StoreUint32(&c.stealing, 0)
	}
	if len(free[kindMbuf]) > 0 {
		p.mbufs.give(free[kindMbuf])
	}
	if len(free[kindCluster]) > 0 {
		p.clusters.give(free[kindCluster])
	}
}

// GoTypeCounts fills dst[t] with GoTypeCount(t) for every type, in one
// pass over the caches.
func (p *Pools) GoTypeCounts(dst *[NumTypes]int64) {
	for t := range dst {
		dst[t] = atomic.LoadInt64(&p.sh.GoTypes[t])
	}
	if !p.pc.on {
		return
	}
	p.pc.eachUsed(func(c *pcache) bool {
		for t := range dst {
			dst[t] += atomic.LoadInt64(&c.types[t])
		}
		return true
	})
}
