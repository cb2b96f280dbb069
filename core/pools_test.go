package core

import (
	"strings"
	"sync/atomic"
	"testing"
)

func newTestPools(t *testing.T) *Pools {
	t.Helper()
	p, err := New(nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// assertNoLeaks checks that nothing is live: no mbufs, zombies, clusters
// or tags, and the per-type counts are back at zero.
func assertNoLeaks(t *testing.T, p *Pools) {
	t.Helper()
	mb, zo, cl := p.Live()
	if mb != 0 || zo != 0 || cl != 0 || p.LiveTags() != 0 {
		t.Fatalf("leak: %d mbufs, %d zombies, %d clusters, %d tags live", mb, zo, cl, p.LiveTags())
	}
	for ty := 0; ty < NumTypes; ty++ {
		if n := p.GoTypeCount(ty); n != 0 {
			t.Fatalf("type %d count %d, want 0", ty, n)
		}
	}
}

func expectViolation(t *testing.T, want string, f func()) {
	t.Helper()
	v := Catch("test", f)
	if v == nil {
		t.Fatalf("no violation, want %q", want)
	}
	if !strings.Contains(v.Error(), want) {
		t.Fatalf("violation %q, want it to contain %q", v.Error(), want)
	}
}

func TestFreshMbufFields(t *testing.T) {
	p := newTestPools(t)
	m := p.Get(M_DONTWAIT, MT_DATA)
	if m == nil {
		t.Fatal("m_get failed")
	}
	if m.Next != nil || m.NextPkt != nil || m.Flags != 0 || m.Type != MT_DATA ||
		m.Data != m.DatAddr() || m.Len != 0 || m.Paddr != PaddrInvalid {
		t.Errorf("MGET fields wrong: %+v", m.MHdr)
	}
	if m.Owner != p.unknownOwner(MT_DATA) {
		t.Errorf("owner not unknown_mowners[MT_DATA]")
	}
	if m.LeadingSpace() != 0 || m.TrailingSpace() != MLEN {
		t.Errorf("space %d/%d, want 0/%d", m.LeadingSpace(), m.TrailingSpace(), MLEN)
	}
	h := p.GetHdr(M_WAIT, MT_HEADER)
	if h.Flags != M_PKTHDR || h.Data != h.PktDatAddr() || h.Pkt().Tags != nil ||
		h.Pkt().Rcvif != 0 || h.Pkt().CsumFlags != 0 || h.Pkt().CsumData != 0 {
		t.Errorf("MGETHDR fields wrong")
	}
	if h.TrailingSpace() != MHLEN {
		t.Errorf("header trailing space %d, want %d", h.TrailingSpace(), MHLEN)
	}
	p.ClGet(h, M_DONTWAIT)
	e := h.Ext()
	if h.Flags != M_PKTHDR|M_EXT|M_EXT_CLUSTER|M_EXT_RW || h.Data != e.Buf ||
		e.Size != MCLBYTES || e.RefCnt != 1 || e.Free != 0 || *h.ExtRefPtr() != h {
		t.Errorf("MCLGET fields wrong: flags %#x refcnt %d", h.Flags, e.RefCnt)
	}
	if h.ReadOnly() || h.TrailingSpace() != MCLBYTES {
		t.Errorf("fresh cluster read-only or short")
	}
	z := p.GetClr(M_DONTWAIT, MT_DATA)
	for _, b := range z.dat {
		if b != 0 {
			t.Fatal("m_getclr left a non-zero byte")
		}
	}
	if p.GoTypeCount(MT_DATA) != 2 || p.GoTypeCount(MT_HEADER) != 1 {
		t.Errorf("type counts %d/%d", p.GoTypeCount(MT_DATA), p.GoTypeCount(MT_HEADER))
	}
	p.Freem(m)
	p.Freem(h)
	p.Free(z)
	assertNoLeaks(t, p)
}

func TestSharingAndZombieHolder(t *testing.T) {
	p := newTestPools(t)
	holder := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
	sharer := p.Get(M_DONTWAIT, MT_DATA)
	AddReference(holder, sharer)
	sharer.Data = holder.Data
	if !holder.ReadOnly() || !sharer.ReadOnly() {
		t.Fatal("shared cluster not read-only on both sides")
	}
	if holder.LeadingSpace() != 0 || sharer.TrailingSpace() != 0 {
		t.Fatal("read-only mbufs report space")
	}
	p.Free(holder) // the holder stays as a zombie
	if _, zo, cl := p.Live(); zo != 1 || cl != 1 {
		t.Fatalf("after freeing the holder: %d zombies, %d clusters; want 1, 1", zo, cl)
	}
	if sharer.ReadOnly() {
		t.Fatal("sole remaining reference still read-only")
	}
	expectViolation(t, "already freed", func() { p.Free(holder) })
	p.Free(sharer)
	assertNoLeaks(t, p)
}

func TestSharerFreedFirst(t *testing.T) {
	p := newTestPools(t)
	holder := p.GetCl(M_DONTWAIT, MT_DATA, 0)
	var sharers []*Mbuf
	for i := 0; i < 3; i++ {
		s := p.Get(M_DONTWAIT, MT_DATA)
		AddReference(holder, s)
		sharers = append(sharers, s)
	}
	if holder.Ext().RefCnt != 4 {
		t.Fatalf("refcnt %d, want 4", holder.Ext().RefCnt)
	}
	for _, s := range sharers {
		p.Free(s)
		if *s.ExtRefPtr() != s {
			t.Fatal("freed sharer kept a reference to the holder")
		}
	}
	if holder.Ext().RefCnt != 1 || holder.ReadOnly() {
		t.Fatal("holder not back to a single writable reference")
	}
	p.Free(holder)
	assertNoLeaks(t, p)
}

func TestGoExtFreeRunsOnce(t *testing.T) {
	p := newTestPools(t)
	buf := make([]byte, 100)
	var calls atomic.Int32
	m := p.GetHdr(M_DONTWAIT, MT_DATA)
	p.ExtAddGo(m, addrOf(buf), len(buf), false, func() { calls.Add(1) })
	if !m.ReadOnly() {
		t.Error("MEXTADD storage without M_EXT_RW must be read-only")
	}
	s := p.Get(M_DONTWAIT, MT_DATA)
	AddReference(m, s)
	p.Free(m)
	if calls.Load() != 0 {
		t.Fatal("ext_free ran while a sharer remained")
	}
	p.Free(s)
	if calls.Load() != 1 {
		t.Fatalf("ext_free ran %d times, want 1", calls.Load())
	}
	assertNoLeaks(t, p)
}

func TestClusterLimitAndDrain(t *testing.T) {
	p := newTestPools(t)
	*p.g.NMBClusters = 10
	drained := 0
	p.RegisterDrain(func() { drained++ })
	var got []*Mbuf
	for i := 0; i < 10; i++ {
		m := p.GetCl(M_WAIT, MT_DATA, M_PKTHDR)
		if m == nil {
			t.Fatalf("m_getcl %d failed below the limit", i)
		}
		got = append(got, m)
	}
	if m := p.GetCl(M_WAIT, MT_DATA, M_PKTHDR); m != nil {
		t.Fatal("m_getcl succeeded past nmbclusters")
	}
	if drained != 1 || p.g.Stat.Drain != 1 {
		t.Fatalf("drain hooks ran %d times, m_drain %d; want 1, 1", drained, p.g.Stat.Drain)
	}
	m := p.Get(M_DONTWAIT, MT_DATA)
	p.ClGet(m, M_DONTWAIT)
	if m.Flags&M_EXT != 0 || m.Data != m.DatAddr() {
		t.Fatal("failed MCLGET changed the mbuf")
	}
	got = append(got, m)
	for _, m := range got {
		p.Freem(m)
	}
	if m := p.GetCl(M_DONTWAIT, MT_DATA, 0); m == nil {
		t.Fatal("no cluster after freeing")
	} else {
		p.Freem(m)
	}
	assertNoLeaks(t, p)
}

func TestMisuse(t *testing.T) {
	p := newTestPools(t)
	m := p.Get(M_DONTWAIT, MT_DATA)
	p.Free(m)
	expectViolation(t, "not allocated", func() { p.Free(m) })
	expectViolation(t, "NULL mbuf", func() { p.Free(nil) })
	expectViolation(t, "bad how 7", func() { p.Get(7, MT_DATA) })
	expectViolation(t, "bad mbuf type 0", func() { p.Get(M_DONTWAIT, MT_FREE) })
	expectViolation(t, "bad mbuf type 300", func() { p.GetHdr(M_DONTWAIT, 300) })
	live := p.Get(M_DONTWAIT, MT_DATA)
	expectViolation(t, "points inside an mbuf", func() { p.Free(MbufAt(Addr(live) + 8)) })
	var local Mbuf
	expectViolation(t, "is not an mbuf", func() { p.Free(&local) })
	p.ClGet(live, M_DONTWAIT)
	expectViolation(t, "already has external storage", func() { p.ClGet(live, M_DONTWAIT) })
	p.Free(live)
	assertNoLeaks(t, p)
}

func TestTagsFollowFree(t *testing.T) {
	p := newTestPools(t)
	m := p.GetHdr(M_DONTWAIT, MT_DATA)
	for i := 0; i < 3; i++ {
		tg := p.TagGet(100+i, 8*i, M_NOWAIT)
		copy(tg.Payload(), "abcdefghabcdefgh")
		p.TagPrepend(m, tg)
	}
	if p.TagGet(1, -1, M_NOWAIT) != nil {
		t.Fatal("m_tag_get(len -1) must be NULL")
	}
	if tg := p.TagFind(m, 101, nil); tg == nil || tg.Len != 8 {
		t.Fatal("m_tag_find missed a tag")
	}
	n := p.GetHdr(M_DONTWAIT, MT_DATA)
	if !p.TagCopyChain(n, m) {
		t.Fatal("m_tag_copy_chain failed")
	}
	ids := []uint16{}
	for tg := p.TagFirst(n); tg != nil; tg = p.TagNext(n, tg) {
		ids = append(ids, tg.ID)
	}
	if len(ids) != 3 || ids[0] != 102 || ids[2] != 100 {
		t.Fatalf("copied tags %v, want [102 101 100]", ids)
	}
	if !p.TagCopyChain(n, n) || p.TagFirst(n) != nil {
		t.Fatal("m_tag_copy_chain(m, m) must delete all and return 1")
	}
	p.Free(m) // frees its tags
	p.Free(n)
	assertNoLeaks(t, p)
}

// Freeing a sharer whose m_ext_ref C code damaged (outside the arena,
// inside a slot, or a freed mbuf) is reported, before anything is
// written through it. Before the fix m_freem, m_free and m_ext_free
// moved the "holder's" reference count wherever it pointed: a fault
// (SIGSEGV, a Go traceback) or a write into another object.
func TestFreeChecksTheHolder(t *testing.T) {
	p := newTestPools(t)
	for _, tc := range []struct {
		name string
		ref  func(m *Mbuf) uintptr
		want string
	}{
		{"outside the arena", func(*Mbuf) uintptr { return 0x1000 }, "corrupt m_ext_ref"},
		{"inside a slot", func(m *Mbuf) uintptr { return Addr(m) + 8 }, "corrupt m_ext_ref"},
		{"a freed mbuf", func(*Mbuf) uintptr {
			f := p.Get(M_DONTWAIT, MT_DATA)
			p.Free(f)
			return Addr(f)
		}, "which was freed"},
	} {
		for _, fn := range []string{"m_freem", "m_free", "m_ext_free"} {
			m := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
			n := p.Get(M_DONTWAIT, MT_DATA)
			AddReference(m, n)
			n.Data, n.Len = m.Data, 10
			setPtr(n.ExtRefPtr(), MbufAt(tc.ref(m)))
			v := Catch(fn, func() {
				switch fn {
				case "m_freem":
					p.Freem(n)
				case "m_free":
					p.Free(n)
				default:
					p.ExtFree(n)
				}
			})
			if v == nil || v.Func != fn || !strings.Contains(v.Msg, tc.want) {
				t.Errorf("%s, m_ext_ref %s: got %v, want a report of %s with %q", fn, tc.name, v, fn, tc.want)
			}
			if rc := m.ExtStorage().RefCnt; rc != 2 {
				t.Errorf("%s, m_ext_ref %s: the real holder's count moved to %d", fn, tc.name, rc)
			}
			setPtr(n.ExtRefPtr(), m) // repair, and free both
			p.Freem(n)
			p.Freem(m)
		}
	}
	assertNoLeaks(t, p)
}
