package core

import (
	"bytes"
	"testing"
	"unsafe"
)

func TestDevget(t *testing.T) {
	cases := []struct {
		name     string
		total    int
		off0     int
		linkhdr  int32
		shape    string
		wantData func(b []byte) []byte
	}{
		{"small", 100, 0, 16, "100P:16:~", nil},
		{"small no headroom", MHLEN - 4, 0, 16, sh("%dP:0:~", MHLEN-4), nil},
		{"header full", MHLEN + 76, 0, 16, sh("%dP:0:~ 76:0:~", MHLEN), nil},
		{"cluster", 1000, 0, 16, "1000PEC:0:1048", nil},
		{"below MINCLSIZE", MINCLSIZE - 1, 0, 16, sh("%dP:0:~ %d:0:~", MHLEN, MLEN), nil},
		{"two clusters", 3000, 0, 16, "2048PEC:0:0 952EC:0:1096", nil},
		{"cluster then small", 2100, 0, 64, "2048PEC:0:0 52:0:~", nil},
		// Trailer encapsulation: data after off0 + 4 bytes, then the first
		// off0 bytes.
		{"trailer", 20, 6, 16, "10P:16:~ 6:0:~", func(b []byte) []byte { return cat(b[10:20], b[:6]) }},
		{"trailer empty first", 10, 6, 16, "0P:16:~ 6:0:~", func(b []byte) []byte { return b[:6] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestPools(t)
			*p.g.MaxLinkHdr = c.linkhdr
			buf := pattern(c.total, 3)
			calls := 0
			cp := func(from, to uintptr, n int) { calls++; memmove(to, from, n) }
			m := p.Devget(uintptr(unsafe.Pointer(&buf[0])), c.total, c.off0, 0xfeed, cp)
			wantShape(t, "m_devget", m, c.shape)
			want := buf
			if c.wantData != nil {
				want = c.wantData(buf)
			}
			wantBytes(t, "m_devget", m, want)
			wantPktLen(t, "m_devget", m, len(want))
			if m.Pkt().Rcvif != 0xfeed || m.Type != MT_DATA {
				t.Fatal("rcvif or type wrong")
			}
			n := 0
			for x := m; x != nil; x = x.Next {
				n++
			}
			if calls != n {
				t.Fatalf("copy function called %d times for %d mbufs", calls, n)
			}
			p.Freem(m)
			assertNoLeaks(t, p)
		})
	}
}

func TestDevgetEdges(t *testing.T) {
	p := newTestPools(t)
	buf := []byte("0123456789")
	a := uintptr(unsafe.Pointer(&buf[0]))
	// Defect 3 fixed: an empty packet is NULL and nothing leaks.
	if m := p.Devget(a, 0, 0, 0, nil); m != nil {
		t.Fatal("m_devget of 0 bytes returned a chain")
	}
	if m := p.Devget(0, 0, 0, 0, nil); m != nil {
		t.Fatal("m_devget of 0 bytes returned a chain")
	}
	assertNoLeaks(t, p)
	m := p.Devget(a, 10, 0, 0, nil) // nil copy function: memmove
	if !bytes.Equal(chainBytes(m), buf) {
		t.Fatal("m_devget with memmove copied the wrong bytes")
	}
	p.Freem(m)
	expectViolation(t, "m_devget: totlen -1", func() { p.Devget(a, -1, 0, 0, nil) })
	expectViolation(t, "off0 7 leaves no room", func() { p.Devget(a, 10, 7, 0, nil) })
	expectViolation(t, "NULL buffer", func() { p.Devget(0, 10, 0, 0, nil) })
	assertNoLeaks(t, p)
}

// max_linkhdr is a global that ported code may set to anything: the
// headroom m_devget and Contiguous leave for a link header is never
// negative (m_data before the buffer) nor past the buffer, whatever it
// says (INT_MAX: l + max_linkhdr wrapped where int is 32 bits).
func TestMaxLinkHdrOutOfRange(t *testing.T) {
	p := newTestPools(t)
	saved := *p.g.MaxLinkHdr
	defer func() { *p.g.MaxLinkHdr = saved }()
	buf := pattern(100, 3)
	for _, lh := range []int32{-100, -1, intMax} {
		*p.g.MaxLinkHdr = lh
		m := p.Devget(uintptr(unsafe.Pointer(&buf[0])), len(buf), 0, 0, nil)
		if v := Catch("test", func() { p.CheckChain("m_devget", m) }); v != nil || m.LeadingSpace() != 0 {
			t.Errorf("max_linkhdr %d: m_devget leaves %d bytes of headroom (%v), want 0", lh, m.LeadingSpace(), v)
		}
		wantBytes(t, "m_devget", m, buf)
		p.Freem(m)

		m, all := build(t, p, true, 1, in(10), in(10))
		m = p.Contiguous(m, 20)
		if v := Catch("test", func() { p.CheckChain("Contiguous", m) }); v != nil {
			t.Errorf("max_linkhdr %d: Contiguous: %v", lh, v)
		} else if lh < 0 && m.LeadingSpace() != 0 {
			t.Errorf("max_linkhdr %d: Contiguous leaves %d bytes of headroom, want 0", lh, m.LeadingSpace())
		}
		wantBytes(t, "Contiguous", m, all)
		p.Freem(m)
	}
	assertNoLeaks(t, p)
}
