package core

import (
	"testing"
	"unsafe"
)

// TestOracleQuirks walks the list of "2007 behaviours a re-implementation
// is likely to get wrong" of the differential oracle (its README), one
// subtest per item that concerns the chain operations. Items 16, 19 and
// 28-30 (pools, tags, sysctl) are tested with those.
func TestOracleQuirks(t *testing.T) {
	run := func(name string, f func(t *testing.T, p *Pools)) {
		t.Run(name, func(t *testing.T) {
			p := newTestPools(t)
			f(t, p)
			assertNoLeaks(t, p)
		})
	}
	// shared returns a Copym of a fresh chain (read-only clusters) and the
	// original, which keeps the storage shared.
	shared := func(t *testing.T, p *Pools, ss ...seg) (*Mbuf, *Mbuf, []byte) {
		m, all := build(t, p, true, 1, ss...)
		return p.Copym(m, 0, M_COPYALL, M_DONTWAIT), m, all
	}

	run("01 COW from inside a read-only mbuf to its end keeps the chain (fixed)", func(t *testing.T, p *Pools) {
		w := MLEN - 166 // fits in one plain mbuf (LP64: 290)
		c, m, all := shared(t, p, in(10), cl(10+w), in(20))
		src := pattern(w, 9)
		c = p.CopybackCow(c, 20, w, src, M_DONTWAIT)
		copy(all[20:], src)
		wantBytes(t, "cow", c, all)
		wantShape(t, "cow", c, sh("10P:0:~ 10ECR:0:0 %d:0:~ 20:0:~", w))
		p.Freem(c)
		p.Freem(m)
	})
	run("02 COW from a boundary or ending inside is as in 2007", func(t *testing.T, p *Pools) {
		c, m, _ := shared(t, p, in(10), cl(300))
		if p.MakeWritable(&c, 10, 100, M_DONTWAIT) != 0 {
			t.Fatal("m_makewritable failed")
		}
		wantShape(t, "from a boundary", c, "10P:0:~ 100:0:~ 200ECR:0:0")
		if p.MakeWritable(&c, 150, 10, M_DONTWAIT) != 0 {
			t.Fatal("m_makewritable failed")
		}
		wantShape(t, "ending inside", c, "10P:0:~ 100:0:~ 40ECR:0:0 10:0:~ 150ECR:0:0")
		p.Freem(c)
		p.Freem(m)
	})
	run("03 m_split's empty header mbuf has m_len 0 (fixed)", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, in(10), in(MLEN-6))
		n := p.Split(m, 12, M_DONTWAIT) // MLEN - 8 bytes remain: more than MHLEN
		if n.Len != 0 || n.Flags&M_PKTHDR == 0 || n.Next == nil || n.Next.Len != MLEN-8 {
			t.Fatalf("tail %s", shape(n))
		}
		p.Freem(n)
		p.Freem(m)
	})
	run("04 m_devget of 0 bytes is NULL and leaks nothing (fixed)", func(t *testing.T, p *Pools) {
		var b [1]byte
		if p.Devget(uintptr(unsafe.Pointer(&b[0])), 0, 0, 0, nil) != nil {
			t.Fatal("not NULL")
		}
	})
	run("05 empty copies are NULL and count in MCFail, except trailing empties", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, false, 1, in(10), in(0))
		f := *p.g.MCFail
		if p.Copym(m, 3, 0, M_DONTWAIT) != nil || p.Dup(m, 10, 0, M_DONTWAIT) != nil || *p.g.MCFail != f+2 {
			t.Fatal("empty copy")
		}
		c := p.Copym(m, 10, M_COPYALL, M_DONTWAIT)
		wantShape(t, "trailing empty", c, "0:0:~")
		p.Freem(c)
		p.Freem(m)
		h, _ := build(t, p, true, 1, in(10))
		if p.Copym(h, 10, M_COPYALL, M_DONTWAIT) != nil || *p.g.MCFail != f+3 {
			t.Fatal("M_COPYALL from the end")
		}
		p.Freem(h)
	})
	run("06 m_copyback of nothing past the end extends but keeps pkthdr.len", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, in(10))
		p.Copyback(m, 50, 0, nil)
		wantShape(t, "gap", m, "50P:0:~")
		wantPktLen(t, "gap", m, 10)
		p.Copyback(m, 60, 5, make([]byte, 5))
		wantPktLen(t, "gap and data", m, 65)
		p.Freem(m)
	})
	run("07 m_prepend moves the header and leaves pkthdr.len", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, in(10))
		n := p.Prepend(m, 8, M_DONTWAIT)
		wantPktLen(t, "prepend", n, 10)
		if m.Flags&M_PKTHDR != 0 {
			t.Fatal("old head kept the header")
		}
		p.Freem(n)
	})
	run("08 m_pullup beyond MHLEN fails with a cluster or header head", func(t *testing.T, p *Pools) {
		for _, hdr := range []bool{true, false} {
			m, _ := build(t, p, hdr, 1, cl(1000), in(5))
			if p.Pullup(m, MHLEN+1) != nil {
				t.Fatal("succeeded")
			}
		}
		m, _ := build(t, p, true, 1, in(MHLEN-24), in(100))
		if p.Pullup(m, MHLEN+1) != nil {
			t.Fatal("succeeded on a header head")
		}
	})
	run("09 m_pullup of a lone mbuf always prepends max(len, max_protohdr)", func(t *testing.T, p *Pools) {
		*p.g.MaxProtoHdr = 40
		m, _ := build(t, p, false, 1, in(100))
		m = p.Pullup(m, 10)
		wantShape(t, "pullup", m, "40:0:~ 60:40:~")
		p.Freem(m)
	})
	run("10 m_pulldown at the end, or longer than a cluster, frees the chain", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, in(10))
		if r, _ := p.Pulldown(m, 10, 0, true); r != nil {
			t.Fatal("succeeded")
		}
		m, _ = build(t, p, true, 1, cl(2048), cl(100))
		if r, _ := p.Pulldown(m, 0, MCLBYTES+1, true); r != nil {
			t.Fatal("succeeded")
		}
	})
	run("11 m_pulldown of a read-only head: m_dup copy with header and tags mid-chain", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, cl(100))
		addTag(t, p, m, 4, "t")
		c := p.Copym(m, 0, M_COPYALL, M_DONTWAIT)
		r, _ := p.Pulldown(c, 0, 10, false)
		if r != c.Next || c.Len != 0 || r.Flags&M_PKTHDR == 0 || tagList(r) != "4:t" {
			t.Fatalf("shape %s", shape(c))
		}
		p.Freem(c)
		p.Freem(m)
	})
	run("12 m_split without header: at the end NULL or the empties, at a boundary nothing new", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, false, 1, in(10), in(5))
		if p.Split(m, 15, M_DONTWAIT) != nil {
			t.Fatal("tail at the end")
		}
		mb, _, _ := p.Live()
		n := p.Split(m, 10, M_DONTWAIT)
		if mb2, _, _ := p.Live(); mb2 != mb || n == nil || n.Len != 5 {
			t.Fatal("a boundary split allocated")
		}
		p.Freem(n)
		p.Freem(m)
	})
	run("13 m_split of a header chain at its end shares the last cluster", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, cl(100))
		n := p.Split(m, 100, M_DONTWAIT)
		wantShape(t, "head", m, "100PECR:0:0")
		wantShape(t, "tail", n, "0PECR:0:0")
		p.Freem(n)
		wantShape(t, "head alone", m, "100PEC:0:1948")
		p.Freem(m)
	})
	run("14 the m_split tail header has rcvif and len only", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, in(100))
		m.Flags |= M_BCAST | M_EOR
		m.Pkt().Rcvif, m.Pkt().CsumFlags, m.Pkt().CsumData = 9, 3, 4
		addTag(t, p, m, 1, "x")
		n := p.Split(m, 50, M_DONTWAIT)
		h := n.Pkt()
		if n.Flags != M_PKTHDR || h.Rcvif != 9 || h.CsumFlags != 0 || h.CsumData != 0 || h.Tags != nil || h.Len != 50 {
			t.Fatalf("tail header %+v flags %#x", *h, n.Flags)
		}
		p.Freem(n)
		p.Freem(m)
	})
	run("15 header moves keep only M_COPYFLAGS", func(t *testing.T, p *Pools) {
		const extra = M_PROTO1 | M_LINK3 | M_LINK6
		const kept = M_PKTHDR | M_BCAST | M_LOOP
		moves := map[string]func(m *Mbuf) *Mbuf{
			"m_prepend": func(m *Mbuf) *Mbuf { return p.Prepend(m, 4, M_DONTWAIT) },
			"m_pullup":  func(m *Mbuf) *Mbuf { return p.Pullup(m, 4) },
			"m_copyup":  func(m *Mbuf) *Mbuf { return p.Copyup(m, 4, 0) },
			"m_move_pkthdr": func(m *Mbuf) *Mbuf {
				n := p.Get(M_DONTWAIT, MT_DATA)
				p.MovePkthdr(n, m)
				n.Next = m
				return n
			},
		}
		for name, f := range moves {
			m, _ := build(t, p, true, 1, in(100))
			m.Flags |= extra | kept
			n := f(m)
			if n.Flags != kept {
				t.Fatalf("%s: flags %#x, want %#x", name, n.Flags, kept)
			}
			p.Freem(n)
		}
		// The COW replacement of a read-only head too.
		c, m, _ := shared(t, p, cl(100))
		c.Flags |= extra | M_BCAST
		if p.MakeWritable(&c, 0, 10, M_DONTWAIT); c.Flags != M_PKTHDR|M_BCAST {
			t.Fatalf("COW head flags %#x", c.Flags)
		}
		p.Freem(c)
		p.Freem(m)
	})
	run("17 m_getptr at the length is the end of the last mbuf", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, false, 1, in(10), in(0))
		if r, off := p.Getptr(m, 10); r != m.Next || off != 0 {
			t.Fatal("end")
		}
		if r, _ := p.Getptr(m, 11); r != nil {
			t.Fatal("past the end")
		}
		p.Freem(m)
	})
	run("18 m_apply calls f for empty mbufs and stops on non-zero", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, false, 1, in(4), in(0), in(4))
		calls := 0
		r := p.Apply(m, 0, 8, func(_ uintptr, n int) int {
			calls++
			if calls == 2 {
				if n != 0 {
					t.Fatal("second piece not empty")
				}
				return 5
			}
			return 0
		})
		if r != 5 || calls != 2 {
			t.Fatalf("ret %d calls %d", r, calls)
		}
		p.Freem(m)
	})
	run("20 m_adj frees nothing", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, in(4), in(4))
		mb, _, _ := p.Live()
		p.Adj(m, 8)
		if mb2, _, _ := p.Live(); mb2 != mb {
			t.Fatal("freed")
		}
		wantShape(t, "emptied", m, "0P:0:~ 0:0:~")
		p.Freem(m)
	})
	run("21 m_cat: no pkthdr.len update, headers linked mid-chain or freed", func(t *testing.T, p *Pools) {
		a, _ := build(t, p, true, 1, in(MHLEN-24))
		b, _ := build(t, p, true, 2, in(100))
		addTag(t, p, b, 1, "b")
		p.Cat(a, b)
		wantShape(t, "linked", a, sh("%dP:0:~ 100P:0:~", MHLEN-24))
		wantPktLen(t, "linked", a, MHLEN-24)
		c, _ := build(t, p, true, 3, in(10))
		addTag(t, p, c, 2, "c")
		p.Cat(a, c)
		wantShape(t, "copied", a, sh("%dP:0:~ 110P:0:~", MHLEN-24))
		p.Freem(a)
	})
	run("22 m_makewritable accepts M_COPYALL and ranges past the end", func(t *testing.T, p *Pools) {
		c, m, _ := shared(t, p, cl(10))
		if p.MakeWritable(&c, 0, M_COPYALL, M_DONTWAIT) != 0 || p.MakeWritable(&c, 100, 5, M_DONTWAIT) != 0 {
			t.Fatal("failed")
		}
		p.Freem(c)
		p.Freem(m)
	})
	run("23 m_copyback into read-only storage is a violation", func(t *testing.T, p *Pools) {
		c, m, _ := shared(t, p, cl(10))
		expectViolation(t, "m_copyback0: read-only", func() { p.Copyback(c, 0, 1, []byte{1}) })
		p.Freem(c)
		p.Freem(m)
	})
	run("24 violation messages carry the 2007 panic texts", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, false, 1, in(4))
		expectViolation(t, "m_copydata: m == NULL, len 1", func() { p.CopyData(m, 0, 5, make([]byte, 5)) })
		expectViolation(t, "m_copym: m == 0, len 1 [!COPYALL]", func() { p.Copym(m, 0, 5, M_DONTWAIT) })
		expectViolation(t, "m_copym: off -1, len 0", func() { p.Copym(m, -1, 0, M_DONTWAIT) })
		expectViolation(t, "m_apply", func() { p.Apply(m, 0, 5, nil) })
		p.Freem(m)
	})
	run("25 m_copyback turns an empty internal last mbuf into a cluster at MINCLSIZE", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, true, 1, in(0))
		p.Copyback(m, 0, MINCLSIZE, make([]byte, MINCLSIZE))
		wantShape(t, "MINCLSIZE", m, sh("%dPEC:0:~", MINCLSIZE))
		p.Freem(m)
		m, _ = build(t, p, true, 1, in(0))
		p.Copyback(m, 0, MINCLSIZE-1, make([]byte, MINCLSIZE-1))
		wantShape(t, "MINCLSIZE - 1", m, sh("%dP:0:~ %d:0:~", MHLEN, MLEN))
		p.Freem(m)
	})
	run("26 m_dup copies cluster data into full clusters", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, false, 1, cl(1))
		d := p.Dup(m, 0, M_COPYALL, M_DONTWAIT)
		wantShape(t, "dup", d, "1EC:0:2047")
		p.Freem(d)
		p.Freem(m)
	})
	run("27 m_prepend of a plain mbuf uses MH_ALIGN", func(t *testing.T, p *Pools) {
		m, _ := build(t, p, false, 1, in(1))
		n := p.Prepend(m, 100, M_DONTWAIT)
		if n.LeadingSpace() != hAlign(100) {
			t.Fatalf("leading %d", n.LeadingSpace())
		}
		p.Freem(n)
	})
	run("30 M_COPYALL, MINCLSIZE and m_devget placement", func(t *testing.T, p *Pools) {
		minclsize := map[uintptr]int{8: 881, 4: 425}[ptrSize] // amd64, i386
		if M_COPYALL != 1000000000 || MINCLSIZE != minclsize {
			t.Fatal("constants")
		}
		b := make([]byte, 1000)
		a := uintptr(unsafe.Pointer(&b[0]))
		*p.g.MaxLinkHdr = 16
		for _, c := range []struct {
			n     int
			shape string
		}{
			{MINCLSIZE - 1, sh("%dP:0:~ %d:0:~", MHLEN, MLEN)},
			{MINCLSIZE, sh("%dPEC:0:~", MINCLSIZE)},
			{MHLEN - 16, sh("%dP:16:~", MHLEN-16)}, // room for max_linkhdr
			{MHLEN - 15, sh("%dP:0:~", MHLEN-15)},
		} {
			m := p.Devget(a, c.n, 0, 0, nil)
			wantShape(t, "devget", m, c.shape)
			p.Freem(m)
		}
	})
}
