package core

import (
	"bytes"
	"testing"
)

// TestPulldownStrategies walks m_pulldown's five strategies in order.
func TestPulldownStrategies(t *testing.T) {
	cases := []struct {
		name     string
		hdr      bool
		segs     []seg
		shared   bool // work on a Copym of the chain (read-only clusters)
		off, n   int
		wantOff  bool
		at, aoff int    // index of the returned mbuf, offset in it
		shape    string // of the chain afterwards
	}{
		{"1 contiguous, offset wanted", true, segs(in(100)), false, 10, 20, true, 0, 10, "100P:0:~"},
		{"1 contiguous at 0", false, segs(in(10), in(100)), false, 10, 100, false, 1, 0, "10:0:~ 100:0:~"},
		{"1 empty mbufs skipped", true, segs(in(0), in(0), in(30)), false, 0, 30, false, 2, 0, "0P:0:~ 0:0:~ 30:0:~"},
		{"2 unwanted offset", false, segs(in(100)), false, 10, 20, false, 1, 0, "10:0:~ 90:0:~"},
		// Quirk 11: the deep copy of a read-only header mbuf carries the
		// header, tags included, into the middle of the chain.
		{"2 read-only head", true, segs(cl(100), in(5)), true, 0, 50, false, 1, 0, "0PECR:0:0 100PEC:0:1948 5:0:~"},
		{"2 read-only inside", true, segs(cl(100)), true, 30, 50, true, 1, 0, "30PECR:0:0 70EC:0:1978"},
		{"3 trailing space", true, segs(in(10), in(100)), false, 5, 50, true, 0, 5, "55P:0:~ 55:45:~"},
		{"3 trailing space, next emptied", false, segs(in(10), in(20), in(30)), false, 0, 40, false, 0, 0, "40:0:~ 0:0:~ 20:10:~"},
		{"4 leading space", true, segs(inAt(MHLEN-10, 10), inAt(100, 50)), false, 5, 40, true, 1, 0, sh("5P:%d:~ 55:95:~", MHLEN-10)},
		{"5 new mbuf", true, segs(inAt(MHLEN-10, 10), in(50)), false, 5, 40, true, 1, 0, sh("5P:%d:~ 40:0:~ 15:35:~", MHLEN-10)},
		// (LP64: 600 bytes, 140 of them from the third mbuf)
		{"5 new cluster", false, segs(inAt(MLEN-10, 10), in(MLEN-6), in(MLEN-6)), false, 0, MLEN + 144, true, 1, 0,
			sh("0:%d:~ %dEC:0:~ 0:0:~ %d:140:~", MLEN-10, MLEN+144, MLEN-146)},
		{"5 read-only, offset wanted", false, segs(cl(100), in(100)), true, 90, 20, true, 1, 0, "90ECR:0:0 20:0:~ 90:10:~"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			m, all := build(t, p, c.hdr, 1, c.segs...)
			if c.hdr {
				addTag(t, p, m, 8, "eight")
			}
			orig := m
			if c.shared {
				m = p.Copym(orig, 0, M_COPYALL, M_DONTWAIT)
			}
			r, off := p.Pulldown(m, c.off, c.n, c.wantOff)
			if r == nil {
				t.Fatal("m_pulldown failed")
			}
			idx := 0
			for x := m; x != r; x = x.Next {
				idx++
			}
			if idx != c.at || off != c.aoff {
				t.Fatalf("returned mbuf %d offset %d, want %d offset %d", idx, off, c.at, c.aoff)
			}
			if !bytes.Equal(bytesAt(r.Data+uintptr(off), c.n), all[c.off:c.off+c.n]) {
				t.Fatal("region not contiguous or wrong")
			}
			wantShape(t, "m_pulldown", m, c.shape)
			wantBytes(t, "m_pulldown", m, all)
			if c.shared {
				wantBytes(t, "the shared original", orig, all)
				p.Freem(orig)
			}
			if c.name == "2 read-only head" && tagList(m.Next) != "8:eight" {
				t.Fatal("the mid-chain copy has no duplicated tags")
			}
			p.Freem(m)
			assertNoLeaks(t, p)
		})
	}
}

func TestPulldownFailures(t *testing.T) {
	cases := []struct {
		name   string
		off, n int
	}{
		{"at the end", 30, 0},
		{"past the end", 31, 1},
		{"too long", 0, 31},
		{"longer than a cluster", 0, MCLBYTES + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			m, _ := build(t, p, true, 1, in(10), in(20), in(0))
			addTag(t, p, m, 1, "x")
			if r, _ := p.Pulldown(m, c.off, c.n, true); r != nil {
				t.Fatal("m_pulldown succeeded")
			}
			assertNoLeaks(t, p) // the chain was freed
		})
	}
	p := newTestPools(t)
	m, _ := build(t, p, true, 1, in(10))
	expectViolation(t, "m_pulldown: off -1", func() { p.Pulldown(m, -1, 1, true) })
	expectViolation(t, "m == NULL", func() { p.Pulldown(nil, 0, 1, true) })
	p.Freem(m)
	assertNoLeaks(t, p)
}
