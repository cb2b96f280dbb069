package core

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestMovePkthdr(t *testing.T) {
	p := newTestPools(t)
	from, _ := build(t, p, true, 1, in(10))
	from.Flags |= M_BCAST | M_PROTO1 | M_LINK3 | M_EOR
	from.Pkt().CsumData = 77
	addTag(t, p, from, 1, "one")
	addTag(t, p, from, 2, "two")
	to := p.Get(M_DONTWAIT, MT_DATA)
	p.MovePkthdr(to, from)
	if to.Flags != M_PKTHDR|M_BCAST|M_EOR || to.Data != to.PktDatAddr() ||
		to.Pkt().CsumData != 77 || int(to.Pkt().Len) != 10 || tagList(to) != "2:two,1:one" {
		t.Fatalf("moved header: flags %#x tags %q", to.Flags, tagList(to))
	}
	if from.Flags&M_PKTHDR != 0 || from.Flags&M_PROTO1 == 0 {
		t.Fatalf("source flags %#x", from.Flags)
	}
	expectViolation(t, "no packet header", func() { p.MovePkthdr(p.Get(M_DONTWAIT, MT_DATA), from) })
	expectViolation(t, "still has packet tags", func() {
		x := p.GetHdr(M_DONTWAIT, MT_DATA)
		addTag(t, p, x, 3, "x")
		defer p.Free(x)
		p.MovePkthdr(x, to)
	})
	c := p.GetCl(M_DONTWAIT, MT_DATA, 0)
	expectViolation(t, "has external storage", func() { p.MovePkthdr(c, to) })
	p.Free(c)
	// The stray mbuf of the first violation.
	for _, m := range liveMbufs(p) {
		if m != to && m != from {
			p.Free(m)
		}
	}
	p.Free(from)
	p.Free(to)
	assertNoLeaks(t, p)
}

// liveMbufs lists the live mbufs of p (test helper for cleanup).
func liveMbufs(p *Pools) []*Mbuf {
	var out []*Mbuf
	a := p.mbufs.a
	for i, n := 0, a.committed(); i < n; i++ {
		if a.state(i) == stateLive {
			out = append(out, MbufAt(a.base+uintptr(i)<<a.shift))
		}
	}
	return out
}

func TestCopyPkthdr(t *testing.T) {
	p := newTestPools(t)
	from, _ := build(t, p, true, 1, in(10))
	from.Flags |= M_MCAST | M_LINK6
	addTag(t, p, from, 1, "one")
	to := p.Get(M_DONTWAIT, MT_DATA)
	p.CopyPkthdr(to, from)
	if to.Flags != M_PKTHDR|M_MCAST || tagList(to) != "1:one" || to.Pkt().Tags == from.Pkt().Tags {
		t.Fatalf("copied header: flags %#x tags %q", to.Flags, tagList(to))
	}
	if from.Flags&M_PKTHDR == 0 || tagList(from) != "1:one" {
		t.Fatal("source changed")
	}
	p.Free(from)
	p.Free(to)
	assertNoLeaks(t, p)
}

func TestApply(t *testing.T) {
	p := newTestPools(t)
	m, all := build(t, p, false, 1, in(10), in(0), cl(100), in(0), in(5))
	run := func(off, n int, stopAt int) (int, []int, []byte) {
		var lens []int
		var got []byte
		r := p.Apply(m, off, n, func(a uintptr, k int) int {
			lens = append(lens, k)
			got = append(got, bytesAt(a, k)...)
			if stopAt > 0 && len(got) >= stopAt {
				return 7
			}
			return 0
		})
		return r, lens, got
	}
	cases := []struct {
		off, n, stop int
		ret          int
		lens         string
	}{
		{0, 115, 0, 0, "[10 0 100 0 5]"},
		{10, 100, 0, 0, "[0 100]"}, // the empty mbuf after the offset gets a call
		{5, 10, 0, 0, "[5 0 5]"},
		{0, 0, 0, 0, "[]"},
		{115, 0, 0, 0, "[]"},
		{0, 115, 50, 7, "[10 0 100]"},
	}
	for _, c := range cases {
		r, lens, got := run(c.off, c.n, c.stop)
		if r != c.ret || fmtInts(lens) != c.lens {
			t.Fatalf("m_apply(%d,%d): ret %d calls %v, want %d %s", c.off, c.n, r, lens, c.ret, c.lens)
		}
		if c.stop == 0 && !bytes.Equal(got, all[c.off:c.off+c.n]) {
			t.Fatalf("m_apply(%d,%d): bytes differ", c.off, c.n)
		}
	}
	expectViolation(t, "m_apply: off 100 + len 16", func() { p.Apply(m, 100, 16, func(uintptr, int) int { return 0 }) })
	expectViolation(t, "m_apply: off -1", func() { p.Apply(m, -1, 0, nil) })
	p.Freem(m)
	assertNoLeaks(t, p)
}

func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestGetptr(t *testing.T) {
	p := newTestPools(t)
	m, _ := build(t, p, true, 1, in(10), in(0), in(20))
	third := m.Next.Next
	cases := []struct {
		loc int
		m   *Mbuf
		off int
	}{
		{0, m, 0}, {9, m, 9}, {10, third, 0}, {29, third, 19},
		{30, third, 20}, // the end: last mbuf, offset at its end
		{31, nil, 0}, {-1, nil, 0},
	}
	for _, c := range cases {
		r, off := p.Getptr(m, c.loc)
		if r != c.m || (r != nil && off != c.off) {
			t.Fatalf("m_getptr(%d) = %v,%d", c.loc, r != nil, off)
		}
	}
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestMapinAndClaim(t *testing.T) {
	p := newTestPools(t)
	m, _ := build(t, p, false, 1, cl(10), in(5))
	m.Flags |= M_EXT_LAZY
	if p.Mapin(m) != m.Data || m.Flags&M_EXT_LAZY != 0 {
		t.Fatal("m_mapin")
	}
	var mo Mowner
	owner := uintptr(addrOf(mo.Name[:]))
	old := &p.g.UnknownOwners[MT_DATA]
	rel := old.Releases
	p.ClaimM(m, owner)
	if m.Owner != owner || m.Next.Owner != owner {
		t.Fatal("m_claimm did not claim every mbuf")
	}
	if mo.Claims != 2 || mo.ExtClaims != 1 || mo.ClusterClaims != 1 || old.Releases != rel+2 {
		t.Fatalf("owner counts: %+v, old releases %d", mo, old.Releases-rel)
	}
	p.ClaimM(m, owner) // already claimed: no change
	if mo.Claims != 2 {
		t.Fatal("claiming again counted again")
	}
	p.ClaimM(m, 0)
	if m.Owner != owner {
		t.Fatal("m_claimm with no owner changed the owner")
	}
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestBitmask(t *testing.T) {
	cases := []struct {
		v    uint64
		f    string
		want string
	}{
		{0, MFlagsBits, "0"},
		{0x90c0103, MFlagsBits, "90c0103<EXT,PKTHDR,BCAST,LINK6,EXT_CLUSTER,EXT_RW>"},
		{0xffffffff80000401, MCsumBits, "ffffffff80000401<TCPv4,NO_PSEUDOHDR>"},
		{5, "\010\001A\002B\003C", "5<A,C>"},
		{12, "\012\003C\004D", "12<C,D>"},
	}
	for _, c := range cases {
		if got := Bitmask(c.v, c.f); got != c.want {
			t.Errorf("Bitmask(%#x) = %q, want %q", c.v, got, c.want)
		}
	}
}

// The Go copies of the bit-name formats must equal the C header's.
func TestBitsMatchHeader(t *testing.T) {
	h, err := os.ReadFile("../include/mbuf.h")
	if err != nil {
		t.Skip("no include/mbuf.h:", err)
	}
	for name, want := range map[string]string{"M_FLAGS_BITS": MFlagsBits, "M_CSUM_BITS": MCsumBits} {
		re := regexp.MustCompile(`(?s)#define\s+` + name + `\s*\\\n((?:\s*"[^"]*"\s*\\?\n)+)`)
		mm := re.FindSubmatch(h)
		if mm == nil {
			t.Fatalf("%s not found in the header", name)
		}
		var got strings.Builder
		for _, lit := range regexp.MustCompile(`"([^"]*)"`).FindAllSubmatch(mm[1], -1) {
			got.WriteString(unescapeC(string(lit[1])))
		}
		if got.String() != want {
			t.Errorf("%s: header %q, Go %q", name, got.String(), want)
		}
	}
}

// unescapeC decodes the octal escapes of a C string literal.
func unescapeC(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		v := 0
		for j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7' {
			v = v*8 + int(s[j]-'0')
			j++
		}
		b.WriteByte(byte(v))
		i = j - 1
	}
	return b.String()
}

func TestPrint(t *testing.T) {
	p := newTestPools(t)
	m, _ := build(t, p, true, 1, cl(10), in(0))
	m.Flags |= M_BCAST
	m.Pkt().CsumFlags = -0x7ffffbff // 0x80000401 as a C int
	m.Pkt().SegSz = 3
	x := m.Next
	got := p.Print(m, true)
	e := m.Ext()
	want := []string{
		"MBUF " + cptr(Addr(m)),
		"  data=" + cptr(m.Data) + ", len=10, type=1, flags=0x9000103<EXT,PKTHDR,BCAST,EXT_CLUSTER,EXT_RW>",
		"  owner=" + cptr(m.Owner) + ", next=" + cptr(Addr(x)) + ", nextpkt=(nil)",
		"  leadingspace=0, trailingspace=2038, readonly=0",
		"  pktlen=10, rcvif=(nil), csum_flags=0xffffffff80000401<TCPv4,NO_PSEUDOHDR>, csum_data=0x0, segsz=3",
		"  ext_refcnt=1, ext_buf=" + cptr(e.Buf) + ", ext_size=2048, ext_free=(nil), ext_arg=" + cptr(e.Arg),
		"MBUF " + cptr(Addr(x)),
		"  data=" + cptr(x.Data) + ", len=0, type=1, flags=0x0",
		"  owner=" + cptr(x.Owner) + ", next=(nil), nextpkt=(nil)",
		"  leadingspace=0, trailingspace=" + strconv.Itoa(MLEN) + ", readonly=0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("m_print:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if one := p.Print(m, false); len(one) != 6 {
		t.Fatalf("m_print without c printed %d lines", len(one))
	}
	// Loaned pages are listed when M_EXT_PAGES is set.
	m.Flags |= M_EXT_PAGES
	e.Paddr = 0x1000
	lines := p.Print(m, false)
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "  pages: 0x1000") {
		t.Fatalf("pages line %q", last)
	}
	m.Flags &^= M_EXT_PAGES
	e.Paddr = PaddrInvalid
	p.Freem(m)
	assertNoLeaks(t, p)
}
