package core

import (
	"bytes"
	"strings"
	"testing"
)

// CopyRange over every range of chains of every kind of piece: the bytes,
// a packet header with the right length and the source's tags, storage
// shared (or not, deep) as m_copym/m_dup share it, and nothing left over.
func TestCopyRange(t *testing.T) {
	p := newTestPools(t)
	shapes := [][]seg{
		segs(in(100)),
		segs(in(MHLEN)),
		segs(in(30), in(MLEN), cl(1000)),
		segs(cl(2000), in(0), in(5), cl(MCLBYTES)),
		segs(inAt(10, 50), in(MLEN)), // a plain mbuf holding more than MHLEN
	}
	for si, ss := range shapes {
		for _, deep := range []bool{false, true} {
			m, all := build(t, p, true, si, ss...)
			addTag(t, p, m, 7, "seven")
			for off := 0; off <= len(all); off += 1 + len(all)/37 {
				for _, n := range []int{0, 1, 17, MHLEN, MHLEN + 1, len(all) - off, M_COPYALL} {
					if n != M_COPYALL && off+n > len(all) {
						continue
					}
					want := all[off:]
					if n != M_COPYALL {
						want = want[:n]
					}
					c := p.CopyRange(m, off, n, deep)
					if c == nil {
						t.Fatalf("shape %d off %d n %d: nil", si, off, n)
					}
					wantBytes(t, "CopyRange", c, want)
					wantPktLen(t, "CopyRange", c, len(want))
					if got := tagList(c); got != "7:seven" {
						t.Fatalf("shape %d off %d n %d: tags %q", si, off, n, got)
					}
					for x := c; x != nil; x = x.Next {
						if x != c && x.Flags&M_PKTHDR != 0 {
							t.Fatalf("shape %d off %d n %d: a second packet header", si, off, n)
						}
						if deep && x.Flags&M_EXT != 0 && x.Ext().RefCnt != 1 {
							t.Fatalf("shape %d off %d n %d: deep copy shares storage", si, off, n)
						}
						if x.Flags&M_EXT == 0 && x.Len > 0 && (x.Data < x.DatAddr() || x.Data+uintptr(x.Len) > x.DatEnd()) {
							t.Fatalf("shape %d: data outside its mbuf", si)
						}
					}
					p.Freem(c)
					wantBytes(t, "source after free of the copy", m, all)
				}
			}
			p.Freem(m)
		}
	}
	assertNoLeaks(t, p)
}

func TestCopyRangeViolations(t *testing.T) {
	p := newTestPools(t)
	m, _ := build(t, p, true, 1, in(10))
	defer p.Freem(m)
	for _, r := range [][2]int{{-1, 1}, {0, 11}, {11, 0}, {5, -2}, {10, 1}} {
		if v := Catch("t", func() { p.CopyRange(m, r[0], r[1], false) }); v == nil {
			t.Errorf("CopyRange(%d, %d) accepted", r[0], r[1])
		}
	}
	plain, _ := build(t, p, false, 1, in(10))
	defer p.Freem(plain)
	if v := Catch("t", func() { p.CopyRange(plain, 0, 1, false) }); v == nil {
		t.Error("CopyRange of a chain without a header accepted")
	}
	if c := p.CopyRange(m, 0, 10, false); !bytes.Equal(chainBytes(c), chainBytes(m)) {
		t.Error("whole copy differs")
	} else {
		p.Freem(c)
	}
}

// The Go API's operations either do all their work or none: at the
// cluster limit, Append, Prepend, Contiguous and Reserve fail leaving the
// packet byte for byte, mbuf for mbuf as it was, and nothing allocated.
func TestAllOrNothingAtTheLimit(t *testing.T) {
	p := newTestPools(t)
	m, all := build(t, p, true, 3, in(100), cl(1500), in(7))
	addTag(t, p, m, 5, "five")
	before := shape(m)
	mb0, _, cl0 := p.Live()
	p.FlushCaches()
	*p.g.NMBClusters = int32(cl0) // no cluster left to take

	check := func(what string) {
		t.Helper()
		if got := shape(m); got != before {
			t.Fatalf("%s changed the packet: %s, was %s", what, got, before)
		}
		wantBytes(t, what, m, all)
		wantPktLen(t, what, m, len(all))
		if tagList(m) != "5:five" {
			t.Fatalf("%s: tags %q", what, tagList(m))
		}
		if mb, _, cl := p.Live(); mb != mb0 || cl != cl0 {
			t.Fatalf("%s left %d mbufs, %d clusters (was %d, %d)", what, mb, cl, mb0, cl0)
		}
	}
	if p.AppendBytes(m, pattern(5000, 1)) {
		t.Fatal("AppendBytes of clusters' worth succeeded with none left")
	}
	check("AppendBytes")
	if h := p.PrependBytes(m, pattern(3000, 2)); h != nil {
		t.Fatal("PrependBytes succeeded with no cluster left")
	}
	check("PrependBytes")
	if h := p.Contiguous(m, 1000); h != nil {
		t.Fatal("Contiguous of 1000 bytes succeeded with no cluster left")
	}
	check("Contiguous")
	if r := p.Reserve(100); r != nil {
		t.Fatal("Reserve succeeded with no cluster left")
	}
	check("Reserve")
	*p.g.NMBClusters = 4096
	// and with memory they work
	if h := p.Contiguous(m, 1000); h == nil {
		t.Fatal("Contiguous failed with clusters to spare")
	} else {
		m = h
	}
	wantBytes(t, "Contiguous", m, all)
	if int(m.Len) < 1000 || m.ReadOnly() {
		t.Fatalf("Contiguous: first mbuf holds %d bytes", m.Len)
	}
	p.Freem(m)
	assertNoLeaks(t, p)
}

// PrependBytes, AppendBytes and Contiguous against a flat model, on every
// kind of chain, shared storage included (writes must never reach it).
func TestPacketEdits(t *testing.T) {
	p := newTestPools(t)
	for k, ss := range [][]seg{segs(in(0)), segs(inAt(40, 10)), segs(cl(100), in(5)), segs(in(MHLEN), cl(MCLBYTES), in(3))} {
		for _, n := range []int{0, 1, 16, MHLEN, MHLEN + 1, 3000} {
			m, all := build(t, p, true, k, ss...)
			snap := p.CopyPacket(m, M_DONTWAIT) // shares the clusters
			snapBytes := chainBytes(snap)
			d := pattern(n, 9)
			h := p.PrependBytes(m, d)
			if h == nil {
				t.Fatal("PrependBytes failed")
			}
			all = cat(d, all)
			wantBytes(t, "PrependBytes", h, all)
			wantPktLen(t, "PrependBytes", h, len(all))
			if !p.AppendBytes(h, d) {
				t.Fatal("AppendBytes failed")
			}
			all = cat(all, d)
			wantBytes(t, "AppendBytes", h, all)
			wantPktLen(t, "AppendBytes", h, len(all))
			for _, c := range []int{0, 1, 20, MHLEN, MCLBYTES} {
				if c > len(all) {
					continue
				}
				x := p.Contiguous(h, c)
				if x == nil {
					t.Fatal("Contiguous failed")
				}
				h = x
				if int(h.Len) < c || (c > 0 && h.ReadOnly()) {
					t.Fatalf("Contiguous(%d): first mbuf %d bytes, read-only %v", c, h.Len, h.ReadOnly())
				}
				wantBytes(t, "Contiguous", h, all)
				wantPktLen(t, "Contiguous", h, len(all))
			}
			wantBytes(t, "the shared snapshot", snap, snapBytes)
			p.Freem(h)
			p.Freem(snap)
		}
	}
	assertNoLeaks(t, p)
}

func TestReserveFillRead(t *testing.T) {
	p := newTestPools(t)
	for _, n := range []int{1, MCLBYTES, MCLBYTES + 1, 5000} {
		m := p.Reserve(n)
		room := 0
		for x := m; x != nil; x = x.Next {
			room += x.TrailingSpace()
		}
		if room < n {
			t.Fatalf("Reserve(%d): room %d", n, room)
		}
		data := pattern(n, 4)
		left := data
		for x := m; len(left) > 0; x = x.Next {
			left = left[copy(TailSpace(x), left):]
		}
		p.Fill(m, n)
		wantBytes(t, "Fill", m, data)
		wantPktLen(t, "Fill", m, n)
		got := make([]byte, n+5)
		if k := p.Read(m, 0, got); k != n || !bytes.Equal(got[:k], data) {
			t.Fatalf("Read: %d", k)
		}
		if k := p.Read(m, n/2, got[:3]); k != min(3, n-n/2) || !bytes.Equal(got[:k], data[n/2:n/2+k]) {
			t.Fatalf("Read at %d: %d", n/2, k)
		}
		p.Freem(m)
	}
	v := Catch("test", func() { p.Read(MbufAt(0x1000), 0, make([]byte, 1)) })
	if v == nil || v.Func != "m_copydata" || !strings.Contains(v.Msg, "not an mbuf") {
		t.Fatalf("Read of a pointer that is not an mbuf: %v", v)
	}
	assertNoLeaks(t, p)
}

func TestLiveOfType(t *testing.T) {
	p := newTestPools(t)
	a := p.Get(M_DONTWAIT, MT_DATA)
	b := p.Get(M_DONTWAIT, MT_HEADER)
	c := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
	if n := p.LiveOfType(MT_DATA); n != 2 {
		t.Fatalf("LiveOfType(MT_DATA) = %d", n)
	}
	if n := p.LiveOfType(MT_HEADER); n != 1 {
		t.Fatalf("LiveOfType(MT_HEADER) = %d", n)
	}
	p.Freem(a)
	p.Freem(b)
	p.Freem(c)
	if n := p.LiveOfType(MT_DATA); n != 0 {
		t.Fatalf("LiveOfType(MT_DATA) = %d after freeing", n)
	}
}
