package core

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// withTimeout fails the test if f does not return in time (a lock left
// held by a report would hang the next allocation).
func withTimeout(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not return: a lock was left held", what)
	}
}

// churn allocates and frees enough to go through both depots' locks.
func churn(t *testing.T, p *Pools) {
	t.Helper()
	withTimeout(t, "allocation after the report", func() {
		for round := 0; round < 5; round++ {
			var v []*Mbuf
			for i := 0; i < 100; i++ {
				if m := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR); m != nil {
					v = append(v, m)
				}
			}
			for _, m := range v {
				p.Freem(m)
			}
		}
	})
}

func findGroup(l *Leaks, kind, owner string) *LeakGroup {
	for i := range l.Groups {
		if l.Groups[i].Kind == kind && l.Groups[i].Owner == owner {
			return &l.Groups[i]
		}
	}
	return nil
}

// An m_owner the census cannot vouch for (a bad value, an owner in memory
// that is gone) is named by its address, never read through.
func TestLeakReportBadOwners(t *testing.T) {
	p := newTestPools(t)
	page, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	gone := uintptr(unsafe.Pointer(&page[0]))
	copy(page, "plugin\x00")
	if err := syscall.Munmap(page); err != nil {
		t.Fatal(err)
	}

	a := p.Get(M_DONTWAIT, MT_DATA)
	a.Owner = 0x10
	b := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
	b.Owner = gone
	c := p.Get(M_DONTWAIT, MT_CONTROL) // the library's own unknown owner

	var l *Leaks
	if v := Catch("Leaks", func() { l = p.Leaks() }); v != nil {
		t.Fatalf("census failed: %v", v)
	}
	if l.Mbufs != 3 || l.Clusters != 1 || l.Total() != 4 {
		t.Fatalf("census %+v, want 3 mbufs and 1 cluster", l)
	}
	for _, o := range []string{
		"0x10" + notAttached,
		fmt.Sprintf("%#x", gone) + notAttached,
		"unknown/control",
	} {
		if findGroup(l, "mbuf", o) == nil {
			t.Errorf("no mbuf group with owner %q in\n%s", o, l)
		}
	}
	if g := findGroup(l, "cluster", fmt.Sprintf("%#x", gone)+notAttached); g == nil {
		t.Errorf("the cluster is not named after its holder's owner:\n%s", l)
	}
	churn(t, p)
	p.Free(a)
	p.Freem(b)
	p.Free(c)
	assertNoLeaks(t, p)
}

// Attached owners are named by the host's lookup; nothing else is read.
func TestLeakReportAttachedOwnerNames(t *testing.T) {
	const attached = 0x7f001000 // an owner address that fits 32 bits too
	asked := map[uintptr]int{}
	p, err := New(nil, Hooks{OwnerName: func(o uintptr) (string, bool) {
		asked[o]++
		if o == attached {
			return "wm0/rx", true
		}
		return "", false
	}})
	if err != nil {
		t.Fatal(err)
	}
	var ms []*Mbuf
	for i := 0; i < 5; i++ {
		m := p.Get(M_DONTWAIT, MT_DATA)
		m.Owner = attached
		ms = append(ms, m)
	}
	m := p.Get(M_DONTWAIT, MT_DATA)
	m.Owner = attached + 8
	ms = append(ms, m)
	l := p.Leaks()
	if g := findGroup(l, "mbuf", "wm0/rx"); g == nil || g.Count != 5 {
		t.Fatalf("attached owner not named:\n%s", l)
	}
	if findGroup(l, "mbuf", fmt.Sprintf("%#x", attached+8)+notAttached) == nil {
		t.Fatalf("unattached owner not named by address:\n%s", l)
	}
	if asked[attached] != 1 {
		t.Errorf("owner looked up %d times in one report, want 1", asked[attached])
	}
	for _, m := range ms {
		p.Free(m)
	}
	assertNoLeaks(t, p)
}

// An ext_free callback that never gives its mbuf back leaves it
// "freeing": a leak, reported with the callback's address and name.
func TestLeakReportForgottenExtFree(t *testing.T) {
	const fn = 0x401234
	var handed uintptr
	p, err := New(nil, Hooks{
		CallExtFree: func(f, m, buf, size, arg uintptr) { handed = m }, // no pool_cache_put
		Symbol: func(pc uintptr) string {
			if pc == fn {
				return "forgetful_free+0x0 (./prog)"
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf [64]byte
	m := p.GetHdr(M_DONTWAIT, MT_DATA)
	p.ExtAdd(m, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, fn, 0)
	p.Freem(m)
	if handed != Addr(m) {
		t.Fatal("ext_free not called with the mbuf")
	}
	l := p.Leaks()
	if l.Freeing != 1 || l.Total() != 1 {
		t.Fatalf("census %+v, want 1 freeing mbuf", l)
	}
	s := l.String()
	for _, want := range []string{
		"1 mbufs never given back by their ext_free",
		"freeing MT_DATA",
		"ext_free 0x401234 (forgetful_free+0x0 (./prog)) did not call pool_cache_put",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	p.PutMbuf(m) // a late pool_cache_put ends the leak
	assertNoLeaks(t, p)
	if l := p.Leaks(); l.Total() != 0 {
		t.Fatalf("still reported after pool_cache_put:\n%s", l)
	}
}

// Debug mode names the owner of a freed mbuf the same way.
func TestDebugFreedByBadOwner(t *testing.T) {
	p := newTestPools(t)
	p.EnableDebug(false)
	m := p.Get(M_DONTWAIT, MT_DATA)
	m.Owner = 0x10
	p.Free(m)
	expectViolation(t, "owner 0x10"+notAttached, func() { p.Free(m) })
	p.DebugFlush()
}
