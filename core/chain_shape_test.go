package core

import (
	"testing"
)

func TestPrepend(t *testing.T) {
	p := newTestPools(t)
	cases := []struct {
		name  string
		hdr   bool
		n     int
		shape string
	}{
		// MH_ALIGN even on a plain mbuf: on LP64 400 bytes of headroom,
		// not 432. The old head keeps its data where it was, now
		// pkthdrLen (LP64: 32) bytes into m_dat.
		{"plain", false, 20, sh("20:%d:~ 10:0:~", hAlign(20))},
		{"header", true, 20, sh("20P:%d:~ 10:%d:~", hAlign(20), pkthdrLen)},
		{"header full", true, MHLEN, sh("%dP:0:~ 10:%d:~", MHLEN, pkthdrLen)},
		{"plain full", false, MLEN, sh("%d:0:~ 10:0:~", MLEN)},
		{"zero", true, 0, sh("0P:%d:~ 10:%d:~", hAlign(0), pkthdrLen)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			m, _ := build(t, p, c.hdr, 1, in(10))
			if c.hdr {
				m.Flags |= M_BCAST | M_PROTO1 | M_LINK5
				addTag(t, p, m, 4, "tag")
			}
			old := m
			m = p.Prepend(m, c.n, M_DONTWAIT)
			wantShape(t, "m_prepend", m, c.shape)
			if m.Next != old || old.Flags&M_PKTHDR != 0 {
				t.Fatal("the old head is not second or kept its header")
			}
			if c.hdr {
				// The header moves with M_COPYFLAGS only; pkthdr.len is
				// the caller's business.
				wantPktLen(t, "m_prepend", m, 10)
				if m.Flags != M_PKTHDR|M_BCAST || tagList(m) != "4:tag" {
					t.Fatalf("flags %#x tags %q", m.Flags, tagList(m))
				}
			}
			p.Freem(m)
			assertNoLeaks(t, p)
		})
	}
	m, _ := build(t, p, true, 1, in(10))
	expectViolation(t, sh("m_prepend: len %d", MHLEN+1), func() { p.Prepend(m, MHLEN+1, M_DONTWAIT) })
	expectViolation(t, "m_prepend: len -1", func() { p.Prepend(m, -1, M_DONTWAIT) })
	expectViolation(t, "NULL mbuf chain", func() { p.Prepend(nil, 1, M_DONTWAIT) })
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestPullup(t *testing.T) {
	cases := []struct {
		name     string
		hdr      bool
		protohdr int32
		segs     []seg
		n        int
		shape    string // "" means failure
	}{
		// A lone mbuf always gets a new one in front, filled up to
		// max(len, max_protohdr).
		// (the old head's data lies pkthdrLen bytes into m_dat once its
		// header has gone)
		{"single", true, 60, segs(in(100)), 20, sh("60P:0:~ 40:%d:~", pkthdrLen+60)},
		{"single protohdr 0", true, 0, segs(in(100)), 20, sh("20P:0:~ 80:%d:~", pkthdrLen+20)},
		{"single all", false, 60, segs(in(30)), 30, "30:0:~"},
		{"in place", true, 60, segs(in(10), in(100)), 50, "70P:0:~ 40:60:~"},
		{"in place enough", true, 60, segs(in(50), in(100)), 50, "50P:0:~ 100:0:~"},
		{"in place across", false, 20, segs(in(10), in(5), in(0), in(40)), 30, "35:0:~ 20:20:~"},
		// Clusters and headers make len > MHLEN fail even when contiguous.
		{"cluster contiguous", true, 60, segs(cl(100), in(1)), 50, "60P:0:~ 40EC:60:1948 1:0:~"},
		{"header too long", true, 60, segs(in(10), in(MLEN-6)), MHLEN + 1, ""},
		{"cluster too long", false, 60, segs(cl(1000), in(1)), 500, ""},
		{"plain beyond MHLEN", false, 60, segs(in(10), in(MLEN-6)), MLEN - 16,
			sh("%d:0:~ 20:%d:~", MLEN-16, MLEN-26)},
		{"chain too short", true, 60, segs(in(10), in(20)), 31, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			*p.g.MaxProtoHdr = c.protohdr
			m, all := build(t, p, c.hdr, 1, c.segs...)
			fails := *p.g.MPFail
			r := p.Pullup(m, c.n)
			if c.shape == "" {
				if r != nil || *p.g.MPFail != fails+1 {
					t.Fatalf("m_pullup succeeded (or MPFail not counted): %v", r != nil)
				}
			} else {
				wantShape(t, "m_pullup", r, c.shape)
				wantBytes(t, "m_pullup", r, all)
				if c.hdr {
					wantPktLen(t, "m_pullup", r, len(all))
				}
				p.Freem(r)
			}
			assertNoLeaks(t, p)
		})
	}
	p := newTestPools(t)
	m, _ := build(t, p, true, 1, in(10))
	expectViolation(t, "m_pullup: len -1", func() { p.Pullup(m, -1) })
	p.Freem(m)
}

func TestCopyup(t *testing.T) {
	cases := []struct {
		name   string
		hdr    bool
		segs   []seg
		n, off int
		shape  string
	}{
		{"header", true, segs(in(100)), 20, 16, sh("60P:16:~ 40:%d:~", pkthdrLen+60)},
		{"header max", true, segs(in(MHLEN-24), in(100)), MHLEN - 16, 16, sh("%dP:16:~ 92:8:~", MHLEN-16)},
		{"plain", false, segs(in(10), in(100)), 30, 100, "70:100:~ 40:60:~"},
		{"too long", true, segs(in(MHLEN-24), in(100)), MHLEN - 15, 16, ""},
		{"chain too short", true, segs(in(10)), 11, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			m, all := build(t, p, c.hdr, 1, c.segs...)
			fails := *p.g.MSFail
			r := p.Copyup(m, c.n, c.off)
			if c.shape == "" {
				if r != nil || *p.g.MSFail != fails+1 {
					t.Fatal("m_copyup succeeded (or MSFail not counted)")
				}
			} else {
				wantShape(t, "m_copyup", r, c.shape)
				wantBytes(t, "m_copyup", r, all)
				p.Freem(r)
			}
			assertNoLeaks(t, p)
		})
	}
}
