package core

import (
	"math"
	"strings"
	"testing"
	"unsafe"
)

// Offsets and lengths whose sum does not fit in 32 bits: C passes each as
// an int, so INT_MAX is the largest either can be. Where Go's int is 32
// bits (GOARCH=386; make test-ilp32 runs this test there) an off + len of
// the core's checks wrapped negative and passed: m_copydata(m, 1, INT_MAX)
// copied past the chain's end and died in copyOut, m_copym copied what
// there was and reported nothing, and the checks looked at the head only,
// so operations went on into damaged mbufs further on. Each must report
// the function and the bad value, as on LP64. (intMax is C's INT_MAX.)

func TestRangeEnd(t *testing.T) {
	type tc struct {
		off, n int
		want   int64
	}
	cases := []tc{
		{0, 0, 0},
		{1, intMax, intMax + 1},
		{intMax, intMax, 2 * intMax},
		{math.MaxInt, 0, math.MaxInt},
	}
	if big := int64(math.MaxInt); big < math.MaxInt64 { // int is 32 bits
		cases = append(cases, tc{math.MaxInt, 1, big + 1}, tc{math.MaxInt, math.MaxInt, 2 * big})
	} else { // int is 64 bits: saturated
		cases = append(cases, tc{math.MaxInt, 1, math.MaxInt64}, tc{math.MaxInt, math.MaxInt, math.MaxInt64})
	}
	for _, c := range cases {
		if got := rangeEnd(c.off, c.n); got != c.want {
			t.Errorf("rangeEnd(%d, %d) = %d, want %d", c.off, c.n, got, c.want)
		}
	}
}

func TestRangePastInt32(t *testing.T) {
	p := newTestPools(t) // one Pools: each keeps its windows on i386
	var buf [256]byte
	dst := uintptr(unsafe.Pointer(&buf[0]))
	none := func(uintptr, int) int { return 0 }

	// the report, on a chain of two mbufs of 30 bytes each
	reports := []struct {
		name, want string
		op         func(m *Mbuf)
	}{
		{"m_copydata", "m_copydata: m == NULL, len 2147483588 (off 1 + len 2147483647 is past the chain of 60 bytes)",
			func(m *Mbuf) { p.CopyDataAddr(m, 1, intMax, dst) }},
		{"m_copydata into a slice", "off 1 + len 2147483647 is past the chain of 60 bytes",
			func(m *Mbuf) { p.CopyData(m, 1, intMax, buf[:]) }},
		{"m_copym", "m_copym: m == 0, len 2147483588 [!COPYALL] (off 1 + len 2147483647 is past",
			func(m *Mbuf) { p.Freem(p.Copym(m, 1, intMax, M_DONTWAIT)) }},
		{"m_dup", "m_dup: m == 0, len 2147483647 [!COPYALL] (off 60 + len 2147483647 is past",
			func(m *Mbuf) { p.Freem(p.Dup(m, 60, intMax, M_DONTWAIT)) }},
		{"m_apply", "m_apply: off 1 + len 2147483647 is past the chain of 60 bytes",
			func(m *Mbuf) { p.Apply(m, 1, intMax, none) }},
		{"m_copyback_cow", "m_copyback_cow: off 2147483647 + len 1 is past the packet length 60",
			func(m *Mbuf) { p.CopybackCow(m, intMax, 1, buf[:1], M_DONTWAIT) }},
	}
	for _, c := range reports {
		m, _ := build(t, p, true, 1, in(30), in(30))
		v := Catch("test", func() { c.op(m) })
		if v == nil || !strings.Contains(v.Error(), c.want) {
			t.Errorf("%s: violation %v, want %q", c.name, v, c.want)
		}
		p.Freem(m)
	}
	expectViolation(t, "m_devget: off0 2147483647 leaves no room for the trailer fields in 10 bytes",
		func() { p.Freem(p.Devget(dst, 10, intMax, 0, nil)) })

	// The checks walk the mbufs the range covers: here all of them, so a
	// damaged second mbuf is reported before anything uses it.
	damaged := []struct {
		name string
		op   func(m *Mbuf)
	}{
		{"m_copydata", func(m *Mbuf) { p.CopyDataAddr(m, 1, intMax, dst) }},
		{"m_copym", func(m *Mbuf) { p.Freem(p.Copym(m, 1, intMax, M_DONTWAIT)) }},
		{"m_dup", func(m *Mbuf) { p.Freem(p.Dup(m, 1, intMax, M_DONTWAIT)) }},
		{"m_copyback", func(m *Mbuf) { p.Copyback(m, intMax, 1, buf[:1]) }},
		{"m_pulldown", func(m *Mbuf) { p.Pulldown(m, intMax, 4, true) }},
	}
	for _, c := range damaged {
		m, _ := build(t, p, true, 1, in(30), in(30))
		m.Next.Len = -1
		want := c.name + ": mbuf " // ... has a negative m_len -1
		v := Catch("test", func() { c.op(m) })
		if v == nil || !strings.HasPrefix(v.Error(), want) || !strings.Contains(v.Error(), "negative m_len -1") {
			t.Errorf("%s on a damaged second mbuf: violation %v, want %q... negative m_len -1", c.name, v, want)
		}
		m.Next.Len = 30
		p.Freem(m)
	}

	// m_copyback's write check: a read-only mbuf anywhere in the range
	m, _ := build(t, p, true, 1, in(30), cl(30))
	shared := p.Copym(m, 0, M_COPYALL, M_DONTWAIT) // the cluster is now read-only
	if !HasReadOnly(m, 1, intMax) {
		t.Errorf("HasReadOnly(1, INT_MAX) misses the shared cluster")
	}
	p.Freem(shared)

	// results, not reports
	if r, _ := p.Pulldown(m, 1, intMax, true); r != nil { // frees m
		t.Errorf("m_pulldown(1, INT_MAX) = %#x, want NULL", Addr(r))
	}
	m, _ = build(t, p, true, 1, in(30), in(30))
	failed := *p.g.MPFail
	if r := p.Pullup(m, intMax); r != nil || *p.g.MPFail != failed+1 { // frees m
		t.Errorf("m_pullup(INT_MAX) = %#x, MPFail +%d, want NULL, +1", Addr(r), *p.g.MPFail-failed)
	}
	m, _ = build(t, p, true, 1, in(30), in(30))
	if r := p.Split(m, intMax, M_DONTWAIT); r != nil {
		t.Errorf("m_split(INT_MAX) = %#x, want NULL", Addr(r))
	}
	if rc := p.MakeWritable(&m, intMax, intMax, M_DONTWAIT); rc != 0 || ChainLen(m) != 60 {
		t.Errorf("m_makewritable(INT_MAX, INT_MAX) = %d, chain of %d bytes, want 0, 60", rc, ChainLen(m))
	}
	p.Adj(m, math.MinInt32)
	wantPktLen(t, "m_adj(INT_MIN)", m, 0)
	if n := ChainLen(m); n != 0 {
		t.Errorf("m_adj(INT_MIN) left %d bytes", n)
	}
	p.Freem(m)
	copybackGapPastInt32(t, p)
	assertNoLeaks(t, p)
}

// m_copyback past the end with a gap and a length that add past INT_MAX:
// the chain grows zero-filled, as far as memory allows (here the cluster
// limit, reached at once), and every m_len stays within its buffer.
func copybackGapPastInt32(t *testing.T, p *Pools) {
	held := p.GetCl(M_DONTWAIT, MT_DATA, 0)
	limit := *p.g.NMBClusters
	*p.g.NMBClusters = 1 // no second cluster
	defer func() { *p.g.NMBClusters = limit }()
	m, all := build(t, p, true, 1, in(30), in(30))
	src := pattern(100, 9)
	if v := Catch("test", func() { p.Copyback(m, intMax-10, len(src), src) }); v != nil {
		t.Fatalf("m_copyback(INT_MAX - 10, 100): %v", v)
	}
	p.CheckChain("after m_copyback", m)
	got := chainBytes(m)
	if len(got) < len(all) || len(got) > 1<<20 || string(got[:len(all)]) != string(all) ||
		strings.Trim(string(got[len(all):]), "\x00") != "" {
		t.Errorf("m_copyback(INT_MAX - 10, 100): chain of %d bytes, want the 60 old ones then zeros (shape %s)",
			len(got), shape(m))
	}
	wantPktLen(t, "m_copyback(INT_MAX - 10, 100)", m, len(got))
	p.Freem(m)
	p.Freem(held)
}
