package core

import (
	"strings"
	"testing"
)

func newDebugPools(t *testing.T, sites bool) *Pools {
	t.Helper()
	p := newTestPools(t)
	p.EnableDebug(sites)
	if p.Shared().Flags&SharedSlowPath == 0 {
		t.Fatal("debug mode did not turn the C fast path off")
	}
	return p
}

func TestDebugPoisonAndFreedBy(t *testing.T) {
	p := newDebugPools(t, true)
	m := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
	buf := m.Data
	p.Freem(m)
	if w := *(*uint32)(ptr(Addr(m) + 64)); w != poisonWord {
		t.Fatalf("freed mbuf not poisoned: %#x", w)
	}
	if w := *(*uint32)(ptr(buf + 100)); w != poisonWord {
		t.Fatalf("freed cluster not poisoned: %#x", w)
	}
	expectViolation(t, "freed by m_freem", func() { p.Freem(m) })
	expectViolation(t, "allocated by m_getcl", func() { p.Free(m) })
	// quarantined: the next allocations do not reuse it
	for i := 0; i < 100; i++ {
		n := p.Get(M_DONTWAIT, MT_DATA)
		if n == m {
			t.Fatal("a quarantined mbuf was handed out again")
		}
		defer p.Free(n)
	}
}

func TestDebugWriteAfterFree(t *testing.T) {
	p := newDebugPools(t, false)
	var got []string
	DebugReportHook = func(fn, msg string) { got = append(got, fn+": "+msg) }
	defer func() { DebugReportHook = nil }()
	m := p.Get(M_DONTWAIT, MT_DATA)
	p.Free(m)
	m.Len = 7 // a write through a stale pointer
	for i := 0; i < debugQuarantine; i++ {
		p.Free(p.Get(M_DONTWAIT, MT_DATA))
	}
	if len(got) != 1 || !strings.Contains(got[0], "write after free: mbuf") ||
		!strings.Contains(got[0], "freed by m_free") || !strings.HasPrefix(got[0], "m_free: ") {
		t.Fatalf("reports %q", got)
	}
	// a clean quarantine reports nothing
	p.DebugFlush()
	if len(got) != 1 || len(p.DebugReports()) != 1 {
		t.Fatalf("reports %q", got)
	}
	assertNoLeaks(t, p)
}

func TestDebugQuarantineYieldsAtLimit(t *testing.T) {
	p := newDebugPools(t, false)
	*p.g.NMBClusters = 20
	for round := 0; round < 5; round++ {
		var ms []*Mbuf
		for i := 0; i < 20; i++ {
			m := p.GetCl(M_DONTWAIT, MT_DATA, 0)
			if m == nil {
				t.Fatalf("round %d: cluster %d refused: quarantine holds the limit", round, i)
			}
			ms = append(ms, m)
		}
		for _, m := range ms {
			p.Free(m)
		}
	}
	assertNoLeaks(t, p)
}

func TestDebugStaleStorage(t *testing.T) {
	p := newDebugPools(t, false)
	m := p.GetCl(M_DONTWAIT, MT_DATA, 0)
	n := p.Get(M_DONTWAIT, MT_DATA)
	// n claims m's storage without a reference (a user bug)
	n.Flags |= M_EXT | M_EXT_CLUSTER
	*n.ExtRefPtr() = m
	p.Free(m)
	expectViolation(t, "which was freed", func() { p.CheckMbuf("m_copym", n) })
	n.Flags = 0
	*n.ExtRefPtr() = n
	n.Len = MLEN + 1
	expectViolation(t, "more than its buffer holds", func() { p.Free(n) })
	n.Len = 0
	p.Free(n)
	assertNoLeaks(t, p)
}

func TestLeakReport(t *testing.T) {
	p := newDebugPools(t, true)
	m := p.GetCl(M_DONTWAIT, MT_HEADER, M_PKTHDR)
	a := p.Get(M_DONTWAIT, MT_DATA)
	b := p.Get(M_DONTWAIT, MT_DATA)
	tg := p.TagGet(5, 10, M_NOWAIT)
	l := p.Leaks()
	if l.Mbufs != 3 || l.Clusters != 1 || l.Tags != 1 || l.Total() != 5 {
		t.Fatalf("census %+v", l)
	}
	s := l.String()
	for _, want := range []string{"3 mbufs", "1 clusters", "1 tags", "2 mbuf    MT_DATA", "allocated by m_get", "MT_HEADER"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	p.Freem(m)
	p.Free(a)
	p.Free(b)
	p.TagFree(tg)
	var sb strings.Builder
	if n := p.LeakReport(&sb); n != 0 || sb.Len() != 0 {
		t.Fatalf("after freeing: %d, %q", n, sb.String())
	}
}
