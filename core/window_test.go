package core

import (
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// warnings collects what the pools warn about.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(msg string) { w.mu.Lock(); w.msgs = append(w.msgs, msg); w.mu.Unlock() }
func (w *warnings) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.msgs, "\n")
}

// The arenas grow a chunk at a time in both kinds of window; each chunk
// is published to the fast path (Shared's ends, the ArenaGrown hook) and
// only committed slots are inside the arena.
func TestArenasGrowInTheirWindows(t *testing.T) {
	for _, mode := range []windowMode{windowsReserved, windowsClaimed} {
		grown := 0
		p, err := newPools(nil, Hooks{ArenaGrown: func() { grown++ }}, mode)
		if err != nil {
			t.Fatal(err)
		}
		if p.setupErr != nil {
			t.Fatalf("mode %d: %v", mode, p.setupErr)
		}
		a := p.mbufs.a
		if a.slots.reserved != (mode == windowsReserved) {
			t.Fatalf("mode %d: window reserved=%v", mode, a.slots.reserved)
		}
		start := a.committed()
		if start != mbufsPerChunk || p.sh.MbEnd != a.base+uintptr(start)*MSIZE {
			t.Fatalf("mode %d: %d slots committed at start, end %#x", mode, start, p.sh.MbEnd)
		}
		past := a.base + uintptr(start)*MSIZE // inside the window, not yet mapped
		expectViolation(t, "outside the mbuf arena", func() { p.CheckMbuf("test", MbufAt(past)) })
		var held []*Mbuf
		for i := 0; i < 3*mbufsPerChunk; i++ {
			m := p.Get(M_DONTWAIT, MT_DATA)
			if m == nil {
				t.Fatalf("mode %d: allocation %d failed", mode, i)
			}
			*(*byte)(ptr(m.DatAddr())) = 1 // mapped and writable
			held = append(held, m)
		}
		if a.committed() < 3*mbufsPerChunk || grown < 2 {
			t.Fatalf("mode %d: %d committed, %d growth reports", mode, a.committed(), grown)
		}
		if p.sh.MbEnd != a.end() || p.sh.MbBase != a.base {
			t.Fatalf("mode %d: shared block [%#x, %#x), arena [%#x, %#x)", mode,
				p.sh.MbBase, p.sh.MbEnd, a.base, a.end())
		}
		p.CheckMbuf("test", MbufAt(past)) // allocated by now, and live
		for _, m := range held {
			p.Free(m)
		}
		assertNoLeaks(t, p)
	}
}

// An arena whose window is full fails allocations cleanly, with a
// rate-limited warning, and works again once something is freed.
func TestArenaFullFailsCleanly(t *testing.T) {
	var w warnings
	p := newTestPools(t)
	p.hooks.Warn = w.add
	// shrink the cluster arena to two chunks
	p.clusters.a.nobj = 2 * clustersPerChunk
	*p.g.NMBClusters = 0 // no nmbclusters limit in the way
	var held []*Mbuf
	for i := 0; i < 2*clustersPerChunk; i++ {
		m := p.GetCl(M_DONTWAIT, MT_DATA, 0)
		if m == nil {
			t.Fatalf("cluster %d failed below the capacity", i)
		}
		held = append(held, m)
	}
	drops := p.g.Stat.Drops
	for i := 0; i < 3; i++ {
		if m := p.GetCl(M_WAIT, MT_DATA, 0); m != nil {
			t.Fatal("a cluster past the arena's capacity")
		}
	}
	if p.g.Stat.Drops != drops+3 {
		t.Fatalf("m_drops +%d, want +3", p.g.Stat.Drops-drops)
	}
	if got := w.all(); strings.Count(got, "the cluster arena is full") != 1 {
		t.Fatalf("warnings (want exactly one about the full arena):\n%s", got)
	}
	p.Freem(held[0])
	held[0] = p.GetCl(M_DONTWAIT, MT_DATA, 0)
	if held[0] == nil {
		t.Fatal("no cluster after one was freed")
	}
	for _, m := range held {
		p.Freem(m)
	}
	assertNoLeaks(t, p)
}

// Pools whose arenas could not be set up at all (no address space) fail
// every allocation with a warning saying why; checks and reports work.
func TestPoolsWithoutArenas(t *testing.T) {
	var w warnings
	p, err := newPools(nil, Hooks{Warn: w.add}, windowsNone)
	if err != nil {
		t.Fatal(err)
	}
	if m := p.Get(M_WAIT, MT_DATA); m != nil {
		t.Fatal("an mbuf from pools without arenas")
	}
	if m := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR); m != nil {
		t.Fatal("a cluster from pools without arenas")
	}
	got := w.all()
	for _, want := range []string{"no mbufs can be allocated: ", "no mbufs: the arenas could not be set up"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	expectViolation(t, "outside the mbuf arena", func() { p.Free(MbufAt(0x10000)) })
	if l := p.Leaks(); l.Total() != 0 {
		t.Fatalf("leaks in empty pools: %s", l)
	}
}

// Claimed windows sit in a gap of the address space: the first chunk's
// MAP_FIXED_NOREPLACE succeeded (New would have warned otherwise), and
// the gap search finds a sane range.
func TestLargestGap(t *testing.T) {
	lo, hi, err := largestGap()
	if err != nil {
		t.Skip("no /proc/self/maps:", err)
	}
	// a 32-bit address space (4 GiB at most) is fuller: a few hundred MiB
	// in one piece (under qemu-user, 337 MiB)
	plausible := uintptr(1 << 30)
	if ptrSize == 4 {
		plausible = 128 << 20
	}
	if hi <= lo || hi-lo < plausible {
		t.Fatalf("largest gap [%#x, %#x) is implausibly small", lo, hi)
	}
	ws, err := claimWindows([]uintptr{plausible / 2, 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if ws[0].base < lo || ws[1].base+ws[1].size > hi || ws[1].base != ws[0].base+ws[0].size {
		t.Fatalf("windows %+v outside the gap [%#x, %#x)", ws, lo, hi)
	}
}

// The windows are reserved whole when the address space is unlimited, so
// on ILP32 (3 GiB of user address space under an i386 kernel) they must
// leave the host most of it: at most a sixth for the windows and their
// state bytes, while still holding far more clusters than the default
// nmbclusters (4096) and more mbufs than clusters. On LP64 they are a
// speck of the 128 TiB.
func TestWindowsFitTheAddressSpace(t *testing.T) {
	total := mbufArenaBytes + uintptr(mbufSlots)*stateStride +
		clusterArenaBytes + uintptr(clusterSlots)*stateStride
	space := uint64(3 << 30) // an i386 process under an i386 kernel
	if ^uintptr(0)>>32 != 0 {
		space = 1 << 47
	}
	t.Logf("windows: %d MiB for %d mbufs and %d clusters (%d-bit)",
		total>>20, mbufSlots, clusterSlots, 8*unsafe.Sizeof(uintptr(0)))
	if uint64(total) > space/6 {
		t.Errorf("the windows take %d MiB, more than a sixth of %d MiB", total>>20, space>>20)
	}
	const defaultNMBClusters = 4096
	if clusterSlots < 32*defaultNMBClusters {
		t.Errorf("room for %d clusters, less than 32 times the default nmbclusters", clusterSlots)
	}
	if mbufSlots < 2*clusterSlots {
		t.Errorf("room for %d mbufs, fewer than twice the %d clusters", mbufSlots, clusterSlots)
	}
	if MaxClusters != clusterSlots {
		t.Errorf("MaxClusters %d, the cluster window holds %d", MaxClusters, clusterSlots)
	}
}
