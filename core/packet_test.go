package core

import (
	"bytes"
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
