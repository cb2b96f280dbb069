package core

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// foreignTags returns n struct m_tag in memory the pools never handed out
// (as a port's own allocator, or a structure embedding one, would have),
// with their links full of garbage.
func foreignTags(t *testing.T, n int) []*MTag {
	t.Helper()
	mem, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	for i := range mem {
		mem[i] = 0xa5
	}
	var out []*MTag
	for i := 0; i < n; i++ {
		tg := (*MTag)(unsafe.Pointer(&mem[64*i+8]))
		tg.ID, tg.Len = uint16(100+i), 0
		out = append(out, tg)
	}
	return out
}

func tagIDs(p *Pools, m *Mbuf) []int {
	var ids []int
	for q := p.TagFirst(m); q != nil; q = p.TagNext(m, q) {
		ids = append(ids, int(q.ID))
	}
	return ids
}

func TestForeignTagListOperations(t *testing.T) {
	p := newTestPools(t)
	f := foreignTags(t, 2)
	m := p.GetHdr(M_DONTWAIT, MT_DATA)
	own := p.TagGet(7, 4, M_NOWAIT)
	p.TagPrepend(m, own)
	p.TagPrepend(m, f[0])
	p.TagPrepend(m, f[1])
	if got := tagIDs(p, m); len(got) != 3 || got[0] != 101 || got[1] != 100 || got[2] != 7 {
		t.Fatalf("tags %v, want [101 100 7]", got)
	}
	if p.TagFind(m, 100, nil) != f[0] || p.TagFind(m, 7, f[0]) != own {
		t.Fatal("m_tag_find does not see the foreign tags")
	}
	c := p.TagCopy(f[0])
	if c == f[0] || c.ID != 100 || p.tags.origin(tagAddr(c)) != tagLive {
		t.Fatal("a copy of a foreign tag must be the library's own")
	}
	p.TagFree(c)
	p.TagUnlink(m, f[0])
	p.TagUnlink(m, f[1])
	if got := tagIDs(p, m); len(got) != 1 || got[0] != 7 {
		t.Fatalf("tags %v after unlinking, want [7]", got)
	}
	p.Freem(m)
	assertNoLeaks(t, p)
}

func TestForeignTagFreeHook(t *testing.T) {
	p := newTestPools(t)
	f := foreignTags(t, 4)
	m := p.GetHdr(M_DONTWAIT, MT_DATA)
	p.TagPrepend(m, f[0])
	p.TagPrepend(m, p.TagGet(7, 0, M_NOWAIT))
	// no hook: every way of freeing is a violation that changes nothing
	for name, f := range map[string]func(){
		"m_freem":            func() { p.Freem(m) },
		"m_tag_delete":       func() { p.TagDelete(m, f[0]) },
		"m_tag_delete_chain": func() { p.TagDeleteChain(m, nil) },
		"m_tag_free":         func() { p.TagFree(f[0]) },
	} {
		v := Catch(name, f)
		if v == nil || v.Func != name || !strings.Contains(v.Msg, "is a foreign m_tag") {
			t.Fatalf("%s: violation %v", name, v)
		}
		if got := tagIDs(p, m); len(got) != 2 {
			t.Fatalf("%s changed the list: %v", name, got)
		}
	}
	var freed []*MTag
	if old := p.SetForeignTagFree(func(t *MTag) { freed = append(freed, t) }); old != nil {
		t.Fatal("a hook was set before")
	}
	p.TagPrepend(m, f[1])
	p.TagDelete(m, f[1])
	p.TagFree(f[2])
	n := p.GetHdr(M_DONTWAIT, MT_DATA)
	p.TagPrepend(n, f[3])
	if !p.TagCopyChain(n, m) { // n's own tags are deleted first
		t.Fatal("m_tag_copy_chain failed")
	}
	p.Freem(m)
	p.Freem(n)
	if len(freed) != 4 || freed[0] != f[1] || freed[1] != f[2] || freed[2] != f[3] || freed[3] != f[0] {
		t.Fatalf("hook got %v, want f1 f2 f3 f0", freed)
	}
	p.SetForeignTagFree(nil)
	assertNoLeaks(t, p)
}

func TestNotATag(t *testing.T) {
	p := newTestPools(t)
	m := p.GetHdr(M_DONTWAIT, MT_DATA)
	dead := p.TagGet(1, 64, M_NOWAIT)
	live := p.TagGet(2, 64, M_NOWAIT)
	p.TagFree(dead)
	mb := p.Get(M_DONTWAIT, MT_DATA)
	// (a misaligned tag is tested in C: test_foreign_tags.c; here
	// go test -race's checkptr would stop the conversion itself)
	for _, c := range []struct {
		tag  *MTag
		want string
	}{
		{dead, "is not a live m_tag"},
		{(*MTag)(unsafe.Add(unsafe.Pointer(live), 16)), "is not a live m_tag"},
		{(*MTag)(ptr(0x10)), "0x10 is not an m_tag"},
		{(*MTag)(unsafe.Pointer(mb)), "is inside an mbuf or cluster"},
	} {
		expectViolation(t, c.want, func() { p.TagPrepend(m, c.tag) })
	}
	p.TagFree(live)
	p.Free(mb)
	p.Freem(m)
	assertNoLeaks(t, p)
}

// A cycle made by hand through foreign tags is reported, not looped on.
func TestForeignTagCycle(t *testing.T) {
	p := newTestPools(t)
	f := foreignTags(t, 2)
	m := p.GetHdr(M_DONTWAIT, MT_DATA)
	p.TagPrepend(m, f[0])
	p.TagPrepend(m, f[1])
	f[0].Next = f[1] // f1 -> f0 -> f1 ...
	expectViolation(t, "has a cycle", func() { p.TagFind(m, 999, nil) })
	p.SetForeignTagFree(func(*MTag) {})
	expectViolation(t, "has a cycle", func() { p.Freem(m) })
	f[0].Next = nil
	p.Freem(m)
	p.SetForeignTagFree(nil)
	assertNoLeaks(t, p)
}
