package core

import (
	"bytes"
	"testing"
)

func TestCopyback(t *testing.T) {
	cases := []struct {
		name   string
		hdr    bool
		segs   []seg
		off, n int
		shape  string
		plen   int
	}{
		{"inside", true, segs(in(10), in(20)), 5, 10, "10P:0:~ 20:0:~", 30},
		{"at the end", true, segs(in(10)), 10, 5, "15P:0:~", 15},
		// Extension over several new mbufs: the header mbuf's own room,
		// a cluster while MINCLSIZE or more remain, then plain mbufs.
		// (LP64: 3000 bytes.)
		{"extend over several", true, segs(in(10)), 10, MHLEN + MCLBYTES + MLEN + 72,
			sh("%dP:0:~ 2048EC:0:0 %d:0:~ 82:0:~", MHLEN, MLEN), MHLEN + MCLBYTES + MLEN + 82},
		// An empty internal mbuf (even the header) becomes a cluster.
		{"empty head to cluster", true, segs(in(0)), 0, 1000, "1000PEC:0:1048", 1000},
		{"empty head small", true, segs(in(0)), 0, MINCLSIZE - 1, sh("%dP:0:~ %d:0:~", MHLEN, MLEN), MINCLSIZE - 1},
		// A gap is zero-filled; with nothing written pkthdr.len stays.
		{"gap only", true, segs(in(10)), 100, 0, "100P:0:~", 10},
		{"gap and data", true, segs(in(10)), 100, 5, "105P:0:~", 105},
		{"gap past cluster", false, segs(cl(2000)), 2100, 10, "2048EC:0:0 62:0:~", 0},
		{"into a cluster", false, segs(cl(100), in(5)), 50, 100, "100EC:0:1948 50:0:~", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			m, all := build(t, p, c.hdr, 1, c.segs...)
			src := pattern(c.n, 9)
			p.Copyback(m, c.off, c.n, src)
			want := append([]byte(nil), all...)
			if c.off > len(want) {
				want = append(want, make([]byte, c.off-len(want))...)
			}
			if c.off+c.n > len(want) {
				want = append(want, make([]byte, c.off+c.n-len(want))...)
			}
			copy(want[c.off:], src)
			wantBytes(t, "m_copyback", m, want)
			wantShape(t, "m_copyback", m, c.shape)
			if c.hdr {
				wantPktLen(t, "m_copyback", m, c.plen)
			}
			p.Freem(m)
			assertNoLeaks(t, p)
		})
	}
}

func TestCopybackViolations(t *testing.T) {
	p := newTestPools(t)
	m, all := build(t, p, true, 1, in(10), cl(100))
	c := p.Copym(m, 0, M_COPYALL, M_DONTWAIT)
	// A DIAGNOSTIC kernel panics on a write into shared storage; nothing
	// may change before the violation is raised.
	expectViolation(t, "m_copyback0: read-only", func() { p.Copyback(c, 5, 10, make([]byte, 10)) })
	expectViolation(t, "m_copyback: off -1", func() { p.Copyback(c, -1, 1, make([]byte, 1)) })
	expectViolation(t, "source holds only 1", func() { p.Copyback(c, 0, 2, make([]byte, 1)) })
	expectViolation(t, "past the packet length 110", func() { p.CopybackCow(c, 100, 11, make([]byte, 11), M_DONTWAIT) })
	expectViolation(t, "m_makewritable: off -1, len 1", func() { p.MakeWritable(&c, -1, 1, M_DONTWAIT) })
	if p.MakeWritable(&c, 120, -10, M_DONTWAIT) != 0 || p.MakeWritable(&c, 0, -1, M_DONTWAIT) != 0 {
		t.Fatal("m_makewritable with a negative length must do nothing and succeed")
	}
	p.Copyback(c, 20, 0, nil) // nothing to write: nothing read-only is touched
	expectViolation(t, "NULL chain pointer", func() { p.MakeWritable(nil, 0, 1, M_DONTWAIT) })
	wantBytes(t, "copy untouched", c, all)
	wantShape(t, "copy untouched", c, "10P:0:~ 100ECR:0:0")
	p.Copyback(c, 0, 10, make([]byte, 10)) // writable part: fine
	p.Copyback(nil, 0, 1, []byte{1})       // ignored
	p.Freem(c)
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestCopybackCow(t *testing.T) {
	cases := []struct {
		name   string
		segs   []seg
		off, n int
		shape  string // of the copy afterwards
	}{
		// Split at the offset, then a new mbuf eats the written bytes.
		{"inside cluster", segs(cl(1000)), 100, 50, "100PECR:0:0 50:0:~ 850ECR:0:0"},
		// The header moves to the replacement of a read-only head.
		{"head", segs(cl(1000)), 0, 50, "50P:0:~ 950ECR:0:0"},
		// (LP64: 1000 bytes; less than MINCLSIZE after the header mbuf)
		{"whole", segs(cl(MHLEN + MLEN + 120)), 0, MHLEN + MLEN + 120, sh("%dP:0:~ %d:0:~ 120:0:~", MHLEN, MLEN)},
		{"across shared", segs(cl(100), cl(100)), 50, 100, "50PECR:0:0 100:0:~ 50ECR:0:0"},
		{"big piece gets a cluster", segs(in(4), cl(2000)), 4, 1000, "4P:0:~ 1000EC:0:1048 1000ECR:0:0"},
		{"nothing read-only", segs(in(100)), 10, 10, "100P:0:~"},
		{"empty range", segs(cl(100)), 50, 0, "100PECR:0:0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			m, all := build(t, p, true, 1, c.segs...)
			addTag(t, p, m, 2, "two")
			cp := p.Copym(m, 0, M_COPYALL, M_DONTWAIT)
			src := pattern(c.n, 5)
			r := p.CopybackCow(cp, c.off, c.n, src, M_DONTWAIT)
			want := append([]byte(nil), all...)
			copy(want[c.off:], src)
			wantBytes(t, "m_copyback_cow", r, want)
			wantShape(t, "m_copyback_cow", r, c.shape)
			wantPktLen(t, "m_copyback_cow", r, len(all))
			if tagList(r) != "2:two" {
				t.Fatalf("tags %q", tagList(r))
			}
			// The sharer of the clusters never sees the writes.
			wantBytes(t, "original", m, all)
			p.Freem(r)
			p.Freem(m)
			assertNoLeaks(t, p)
		})
	}
}

func TestMakeWritable(t *testing.T) {
	cases := []struct {
		name   string
		segs   []seg
		off, n int
		shape  string
	}{
		{"all", segs(cl(100), in(50), cl(850)), 0, M_COPYALL, "100P:0:~ 50:0:~ 850EC:0:1198"},
		{"past the end", segs(cl(100)), 50, 1000, "50PECR:0:0 50EC:0:1998"},
		{"offset past the end", segs(cl(100)), 200, 10, "100PECR:0:0"},
		// Defect 1 fixed: a range starting inside a read-only mbuf and
		// running to its end keeps the whole chain.
		// (LP64: a cluster of 1000 bytes, 510 made writable)
		{"inside to the end", segs(in(10), cl(490+MLEN+54)), 500, MLEN + 54,
			sh("10P:0:~ 490ECR:0:0 %d:0:~ 54:0:~", MLEN)},
		{"inside to the end and beyond", segs(cl(100), cl(100)), 50, 100, "50PECR:0:0 100:0:~ 50ECR:0:0"},
		{"split keeps a small end", segs(cl(1000)), 10, 20, "10PECR:0:0 20:0:~ 970ECR:0:0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			m, all := build(t, p, true, 1, c.segs...)
			cp := p.Copym(m, 0, M_COPYALL, M_DONTWAIT)
			if e := p.MakeWritable(&cp, c.off, c.n, M_DONTWAIT); e != 0 {
				t.Fatalf("m_makewritable = %d", e)
			}
			wantBytes(t, "m_makewritable", cp, all)
			wantShape(t, "m_makewritable", cp, c.shape)
			wantPktLen(t, "m_makewritable", cp, len(all))
			end := min(c.off+c.n, len(all))
			if c.off < end && firstReadOnly(cp, c.off, end-c.off) != nil {
				t.Fatal("range still read-only")
			}
			wantBytes(t, "original", m, all)
			p.Freem(cp)
			p.Freem(m)
			assertNoLeaks(t, p)
		})
	}
}

func TestCopybackCowIntoNewHeadWritesThrough(t *testing.T) {
	p := newTestPools(t)
	n := MLEN - 156 // fits in one plain mbuf (LP64: 300)
	m, all := build(t, p, false, 1, cl(n))
	cp := p.Copym(m, 0, M_COPYALL, M_DONTWAIT)
	src := bytes.Repeat([]byte{0xee}, n)
	r := p.CopybackCow(cp, 0, n, src, M_WAIT)
	wantShape(t, "cow of all", r, sh("%d:0:~", n))
	wantBytes(t, "cow of all", r, src)
	wantBytes(t, "original", m, all)
	wantShape(t, "original alone again", m, sh("%dEC:0:~", n))
	p.Freem(r)
	p.Freem(m)
	assertNoLeaks(t, p)
}
