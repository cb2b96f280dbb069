package core

import (
	"sync"
	"testing"
	"time"
)

// exhaustClusters takes every cluster the limit allows and returns them.
func exhaustClusters(t *testing.T, p *Pools, limit int) []*Mbuf {
	t.Helper()
	*p.g.NMBClusters = int32(limit)
	var held []*Mbuf
	for {
		m := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
		if m == nil {
			break
		}
		held = append(held, m)
	}
	if len(held) != limit {
		t.Fatalf("got %d clusters, want %d", len(held), limit)
	}
	return held
}

// A hook that allocates at the limit gets a clean failure instead of
// running the hooks again (which recursed until the stack overflowed).
func TestDrainHookAllocatingAtTheLimit(t *testing.T) {
	for _, how := range []int{M_DONTWAIT, M_WAIT} {
		p := newTestPools(t)
		held := exhaustClusters(t, p, 8)
		calls, depth, maxDepth, innerCl, innerMb := 0, 0, 0, 0, 0
		p.RegisterDrain(func() {
			calls++
			depth++
			maxDepth = max(maxDepth, depth)
			if m := p.GetCl(how, MT_DATA, 0); m != nil {
				innerCl++
				p.Freem(m)
			}
			if m := p.Get(how, MT_DATA); m != nil { // mbufs are free
				innerMb++
				p.Free(m)
			}
			p.Reclaim() // returns at once
			depth--
		})
		drops, drains := p.g.Stat.Drops, p.g.Stat.Drain
		if m := p.GetCl(how, MT_DATA, 0); m != nil {
			t.Fatal("m_getcl succeeded past the limit")
		}
		if calls != 1 || maxDepth != 1 || innerCl != 0 || innerMb != 1 {
			t.Fatalf("how %d: hook calls %d, depth %d, inner clusters %d, mbufs %d; want 1, 1, 0, 1",
				how, calls, maxDepth, innerCl, innerMb)
		}
		if p.g.Stat.Drops != drops+2 || p.g.Stat.Drain != drains+1 {
			t.Fatalf("m_drops +%d, m_drain +%d; want +2 (the hook's failure and the caller's), +1",
				p.g.Stat.Drops-drops, p.g.Stat.Drain-drains)
		}
		for _, m := range held {
			p.Freem(m)
		}
		assertNoLeaks(t, p)
	}
}

// The guard is per thread: while one goroutine is inside a hook, another
// that reaches the limit runs the hooks itself.
func TestDrainGuardIsPerThread(t *testing.T) {
	p := newTestPools(t)
	held := exhaustClusters(t, p, 4)
	var mu sync.Mutex
	entered := make(chan struct{})
	otherDone := make(chan struct{})
	calls := 0
	p.RegisterDrain(func() {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			close(entered)
			<-otherDone // the second goroutine's reclaim must not wait for us
		}
	})
	done := make(chan struct{})
	go func() { defer close(done); p.GetCl(M_DONTWAIT, MT_DATA, 0) }()
	<-entered
	go func() { defer close(otherDone); p.GetCl(M_DONTWAIT, MT_DATA, 0) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the first reclaim never finished")
	}
	if calls != 2 {
		t.Fatalf("hooks ran %d times, want 2 (once per thread)", calls)
	}
	for _, m := range held {
		p.Freem(m)
	}
	assertNoLeaks(t, p)
}
