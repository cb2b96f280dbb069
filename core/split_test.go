package core

import "testing"

func TestSplit(t *testing.T) {
	cases := []struct {
		name        string
		hdr         bool
		segs        []seg
		at          int
		head, tail  string // shapes; tail "" means NULL
		allocations bool
	}{
		// (the new header mbuf MH_ALIGNs the remainder: LP64 320 for 100)
		{"header at 0", true, segs(in(100), in(100)), 0, "0P:0:~", sh("100P:%d:~ 100:0:~", hAlign(100)), true},
		{"header inside", true, segs(in(100), in(100)), 30, "30P:0:~", sh("70P:%d:~ 100:0:~", hAlign(70)), true},
		{"header at end", true, segs(in(100), in(100)), 200, "100P:0:~ 100:0:~", sh("0P:%d:~", hAlign(0)), true},
		// Quirk: the tail shares the last cluster, so the head loses its
		// trailing space until the tail is freed.
		{"header at end cluster", true, segs(in(100), cl(100)), 200, "100P:0:~ 100ECR:0:0", "0PECR:0:0", true},
		{"header in cluster", true, segs(cl(100)), 40, "40PECR:0:0", "60PECR:0:0", true},
		// Defect 2 fixed: an empty header mbuf (m_len 0) in front of a
		// split of the big plain mbuf.
		// (LP64: 445 bytes remain, more than MHLEN)
		{"header big remainder", true, segs(in(10), in(MLEN-6)), 15, "10P:0:~ 5:0:~",
			sh("0P:%d:~ %d:%d:~", hAlign(0), MLEN-11, mAlign(MLEN-11)), true},
		{"header past end", true, segs(in(10)), 11, "10P:0:~", "", false},
		{"plain at 0", false, segs(in(100)), 0, "0:0:~", sh("100:%d:~", mAlign(100)), true},
		{"plain at boundary", false, segs(in(10), in(20)), 10, "10:0:~", "20:0:~", false},
		{"plain at end", false, segs(in(10), in(20)), 30, "10:0:~ 20:0:~", "", false},
		{"plain at end, empty after", false, segs(in(10), in(0)), 10, "10:0:~", "0:0:~", false},
		{"plain negative", false, segs(in(10)), -1, "10:0:~", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			m, all := build(t, p, c.hdr, 1, c.segs...)
			if c.hdr {
				m.Flags |= M_BCAST
				m.Pkt().Rcvif = 0x1234
				m.Pkt().CsumFlags = 0x40 // M_CSUM_IPv4
				addTag(t, p, m, 5, "five")
			}
			n := p.Split(m, c.at, M_DONTWAIT)
			wantShape(t, "head", m, c.head)
			if c.tail == "" {
				if n != nil {
					t.Fatalf("m_split returned a tail: %s", shape(n))
				}
				wantBytes(t, "unchanged", m, all)
				if c.hdr {
					wantPktLen(t, "unchanged", m, len(all))
				}
				p.Freem(m)
				assertNoLeaks(t, p)
				return
			}
			wantShape(t, "tail", n, c.tail)
			wantBytes(t, "head", m, all[:c.at])
			wantBytes(t, "tail", n, all[c.at:])
			if c.hdr {
				wantPktLen(t, "head", m, c.at)
				wantPktLen(t, "tail", n, len(all)-c.at)
				// The tail header has rcvif and the length only.
				if n.Flags&^M_EXTCOPYFLAGS != M_PKTHDR || n.Pkt().Rcvif != 0x1234 ||
					n.Pkt().Tags != nil || n.Pkt().CsumFlags != 0 {
					t.Fatalf("tail header: flags %#x rcvif %#x csum %#x", n.Flags, n.Pkt().Rcvif, n.Pkt().CsumFlags)
				}
				if tagList(m) != "5:five" || m.Flags&M_BCAST == 0 {
					t.Fatal("head lost its tags or flags")
				}
			}
			p.Freem(n)
			p.Freem(m)
			assertNoLeaks(t, p)
		})
	}
}
