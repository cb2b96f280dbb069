package core

import (
	"bytes"
	"testing"
	"unsafe"
)

func TestCopym(t *testing.T) {
	p := newTestPools(t)
	m, all := build(t, p, true, 1, in(100), cl(1000), in(50))
	m.Flags |= M_BCAST | M_PROTO1
	addTag(t, p, m, 7, "seven")

	c := p.Copym(m, 0, M_COPYALL, M_DONTWAIT)
	wantBytes(t, "copy", c, all)
	wantShape(t, "copy", c, "100P:0:~ 1000ECR:0:0 50:0:~")
	wantShape(t, "original", m, "100P:0:~ 1000ECR:0:0 50:0:~")
	wantPktLen(t, "copy", c, 1150)
	if tagList(c) != "7:seven" || c.Flags&M_BCAST == 0 || c.Flags&M_PROTO1 != 0 {
		t.Fatalf("copy header: tags %q flags %#x", tagList(c), c.Flags)
	}
	p.Freem(c)
	wantShape(t, "original after freeing the copy", m, "100P:0:~ 1000EC:0:1048 50:0:~")

	// A range: no header unless off is 0, pkthdr.len = len otherwise.
	c = p.Copym(m, 50, 1000, M_DONTWAIT)
	wantBytes(t, "range", c, all[50:1050])
	wantShape(t, "range", c, "50:0:~ 950ECR:0:0")
	p.Freem(c)
	c = p.Copym(m, 0, 10, M_DONTWAIT)
	wantPktLen(t, "head range", c, 10)
	p.Freem(c)

	// Empty copies are NULL and count as failures.
	fails := *p.g.MCFail
	if p.Copym(m, 0, 0, M_DONTWAIT) != nil || p.Copym(m, 1150, M_COPYALL, M_DONTWAIT) != nil {
		t.Fatal("empty copy not NULL")
	}
	if *p.g.MCFail != fails+2 {
		t.Fatalf("MCFail %d, want %d", *p.g.MCFail, fails+2)
	}
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestCopymTrailingEmpty(t *testing.T) {
	p := newTestPools(t)
	m, _ := build(t, p, false, 1, in(10), in(0), in(0))
	// M_COPYALL from the very end copies the trailing empty mbufs.
	c := p.Copym(m, 10, M_COPYALL, M_DONTWAIT)
	wantShape(t, "copy", c, "0:0:~ 0:0:~")
	p.Freem(c)
	// An explicit length stops as soon as it is satisfied.
	c = p.Copym(m, 0, 10, M_DONTWAIT)
	wantShape(t, "copy", c, "10:0:~")
	p.Freem(c)
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestCopymViolations(t *testing.T) {
	p := newTestPools(t)
	m, _ := build(t, p, true, 1, in(10), in(20))
	expectViolation(t, "m_copym: off -1, len 5", func() { p.Copym(m, -1, 5, M_DONTWAIT) })
	expectViolation(t, "m_copym: off 0, len -5", func() { p.Copym(m, 0, -5, M_DONTWAIT) })
	expectViolation(t, "m == 0, off 1", func() { p.Copym(m, 31, M_COPYALL, M_DONTWAIT) })
	expectViolation(t, "m == 0, len 2 [!COPYALL]", func() { p.Copym(m, 10, 22, M_DONTWAIT) })
	expectViolation(t, "NULL mbuf chain", func() { p.Dup(nil, 0, 1, M_DONTWAIT) })
	expectViolation(t, "bad how", func() { p.Copym(m, 0, 1, 9) })
	expectViolation(t, "no packet header", func() { p.CopyPacket(m.Next, M_DONTWAIT) })
	wantShape(t, "untouched", m, "10P:0:~ 20:0:~")
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestDup(t *testing.T) {
	p := newTestPools(t)
	m, all := build(t, p, true, 2, cl(10), in(30))
	addTag(t, p, m, 3, "abc")
	d := p.Dup(m, 0, M_COPYALL, M_WAIT)
	wantBytes(t, "dup", d, all)
	// Cluster data goes into a full new cluster, however small.
	wantShape(t, "dup", d, "10PEC:0:2038 30:0:~")
	wantShape(t, "original", m, "10PEC:0:2038 30:0:~")
	if tagList(d) != "3:abc" {
		t.Fatalf("dup tags %q", tagList(d))
	}
	p.Freem(d)
	p.Freem(m)

	// Storage bigger than a cluster is copied a cluster at a time.
	big := make([]byte, 5000)
	for i := range big {
		big[i] = byte(i * 13)
	}
	x := p.Get(M_DONTWAIT, MT_DATA)
	p.ExtAddGo(x, uintptr(unsafe.Pointer(&big[0])), len(big), true, func() {})
	x.Len = 5000
	d = p.Dup(x, 100, 4900, M_DONTWAIT)
	wantShape(t, "dup of big storage", d, "2048EC:0:0 2048EC:0:0 804EC:0:1244")
	if !bytes.Equal(chainBytes(d), big[100:]) {
		t.Fatal("dup of big storage: bytes differ")
	}
	p.Freem(d)
	p.Freem(x)
	assertNoLeaks(t, p)
}

func TestCopyPacket(t *testing.T) {
	p := newTestPools(t)
	m, all := build(t, p, true, 3, in(0), cl(700), in(0), in(5))
	m.Flags |= M_MCAST | M_LINK4
	addTag(t, p, m, 9, "x")
	c := p.CopyPacket(m, M_DONTWAIT)
	wantBytes(t, "copypacket", c, all)
	wantShape(t, "copypacket", c, "0P:0:~ 700ECR:0:0 0:0:~ 5:0:~")
	wantPktLen(t, "copypacket", c, 705)
	if c.Flags != M_PKTHDR|M_MCAST || tagList(c) != "9:x" {
		t.Fatalf("copypacket header flags %#x tags %q", c.Flags, tagList(c))
	}
	p.Freem(c)
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestCopyData(t *testing.T) {
	p := newTestPools(t)
	m, all := build(t, p, false, 4, in(10), in(0), cl(100), in(5))
	for _, c := range []struct{ off, n int }{{0, 115}, {10, 0}, {115, 0}, {9, 2}, {10, 100}, {110, 5}} {
		dst := make([]byte, c.n)
		p.CopyData(m, c.off, c.n, dst)
		if !bytes.Equal(dst, all[c.off:c.off+c.n]) {
			t.Fatalf("m_copydata(%d, %d) wrong", c.off, c.n)
		}
	}
	buf := make([]byte, 8)
	p.CopyDataAddr(m, 107, 8, uintptr(unsafe.Pointer(&buf[0])))
	if !bytes.Equal(buf, all[107:]) {
		t.Fatal("m_copydata to an address wrong")
	}
	p.CopyData(nil, 0, 0, nil) // the 2007 code never looks at the chain
	expectViolation(t, "m_copydata: m == NULL, len 1", func() { p.CopyData(m, 110, 6, make([]byte, 6)) })
	expectViolation(t, "m_copydata: m == NULL, off 1", func() { p.CopyData(m, 116, 0, nil) })
	expectViolation(t, "m_copydata: off -1, len 0", func() { p.CopyData(m, -1, 0, nil) })
	expectViolation(t, "destination holds only 3", func() { p.CopyData(m, 0, 4, make([]byte, 3)) })
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestCat(t *testing.T) {
	p := newTestPools(t)
	// Small pieces are copied into the writable last mbuf and freed, a
	// header mbuf with its tags included; pkthdr.len is left alone.
	a, ab := build(t, p, true, 1, in(10))
	b, bb := build(t, p, true, 2, in(20), in(30))
	addTag(t, p, b, 1, "t")
	p.Cat(a, b)
	wantBytes(t, "cat", a, cat(ab, bb))
	wantShape(t, "cat", a, "60P:0:~")
	wantPktLen(t, "cat", a, 10)

	// A piece that does not fit is linked, header and all.
	c, cb := build(t, p, true, 3, in(MHLEN-24))
	addTag(t, p, c, 2, "u")
	p.Cat(a, c)
	wantShape(t, "cat linked", a, sh("60P:0:~ %dP:0:~", MHLEN-24))
	wantBytes(t, "cat linked", a, cat(ab, bb, cb))

	// Nothing is copied into read-only storage.
	d, db := build(t, p, false, 4, cl(100))
	dc := p.Copym(d, 0, M_COPYALL, M_DONTWAIT)
	e, eb := build(t, p, false, 5, in(1))
	p.Cat(dc, e)
	wantShape(t, "cat after shared", dc, "100ECR:0:0 1:0:~")
	wantBytes(t, "cat after shared", dc, cat(db, eb))
	p.Cat(dc, nil)
	p.Freem(dc)
	p.Freem(d)
	p.Freem(a)
	assertNoLeaks(t, p)
}

func TestAdj(t *testing.T) {
	p := newTestPools(t)
	cases := []struct {
		req   int
		shape string
		plen  int
	}{
		{0, "10P:0:~ 20:0:~ 30:0:~", 60},
		{15, "0P:0:~ 15:5:~ 30:0:~", 45},
		{60, "0P:0:~ 0:0:~ 0:0:~", 0},
		{1000, "0P:0:~ 0:0:~ 0:0:~", 0},
		{-10, "10P:0:~ 20:0:~ 20:0:~", 50},
		{-40, "10P:0:~ 10:0:~ 0:0:~", 20},
		{-60, "0P:0:~ 0:0:~ 0:0:~", 0},
		{-1000, "0P:0:~ 0:0:~ 0:0:~", 0},
	}
	for _, c := range cases {
		m, all := build(t, p, true, 1, in(10), in(20), in(30))
		p.Adj(m, c.req)
		wantShape(t, "m_adj", m, c.shape)
		wantPktLen(t, "m_adj", m, c.plen)
		want := all
		if c.req >= 0 {
			want = all[min(c.req, 60):]
		} else {
			want = all[:max(60+c.req, 0)]
		}
		wantBytes(t, "m_adj", m, want)
		p.Freem(m)
	}
	p.Adj(nil, 5)
	assertNoLeaks(t, p)
}
