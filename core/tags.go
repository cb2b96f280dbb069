package core

import (
	"slices"
	"sort"
	"sync"
	"syscall"
	"unsafe"
)

// Packet tags (uipc_mbuf2.c). A tag is a struct m_tag header followed by
// its payload, in off-heap memory from tagHeap, linked on pkthdr.tags.
//
// Foreign tags: a struct m_tag the library did not allocate (ported code
// with its own m_tag_get, or a tag embedded in a structure) may be linked,
// found, walked and unlinked like any other, as in NetBSD, where the list
// operations work on any tag. The library never frees one: whatever would
// free it (m_tag_free, m_tag_delete, m_tag_delete_chain, freeing its
// packet) unlinks it and hands it to the hook set with SetForeignTagFree
// (in NetBSD m_tag_free is free(9), which would be wrong for an embedded
// tag); with no hook that is a violation, reported before anything
// changes. A pointer inside the library's tag memory that is not a live
// tag (freed, or inside one) is never taken for a foreign tag.

// tag size classes: powers of two from 32 bytes to 128 KiB, enough for the
// largest payload (65535 bytes) plus the header.
const (
	tagMinShift = 5
	tagClasses  = 13
	tagChunk    = 64 << 10
)

// tagHeap is a small size-class allocator for tags. It remembers which
// blocks are live so a pointer that is not a tag is caught.
type tagHeap struct {
	mu     sync.Mutex
	free   [tagClasses][]uintptr
	live   map[uintptr]int // block -> class
	chunks [][]byte
	spans  []tagSpan // the chunks' address ranges, sorted
}

type tagSpan struct{ lo, hi uintptr }

func (h *tagHeap) init() error {
	h.live = make(map[uintptr]int)
	return nil
}

func tagClass(size int) int {
	c := 0
	for (1 << (tagMinShift + c)) < size {
		c++
	}
	return c
}

func (h *tagHeap) alloc(size int) uintptr {
	c := tagClass(size)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.free[c]) == 0 && !h.refill(c) {
		return 0
	}
	fl := h.free[c]
	a := fl[len(fl)-1]
	h.free[c] = fl[:len(fl)-1]
	h.live[a] = c
	return a
}

func (h *tagHeap) refill(c int) bool {
	size := 1 << (tagMinShift + c)
	chunk := max(size, tagChunk)
	mem, err := syscall.Mmap(-1, 0, chunk, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return false
	}
	h.chunks = append(h.chunks, mem)
	base := addrOf(mem)
	i := sort.Search(len(h.spans), func(i int) bool { return h.spans[i].lo > base })
	h.spans = slices.Insert(h.spans, i, tagSpan{base, base + uintptr(chunk)})
	for off := chunk - size; off >= 0; off -= size {
		h.free[c] = append(h.free[c], base+uintptr(off))
	}
	return true
}

// tagOrigin says where a tag pointer comes from.
type tagOrigin int

const (
	tagLive    tagOrigin = iota // allocated by TagGet and not freed
	tagForeign                  // memory the library never handed out as a tag
	tagDead                     // inside the library's tag memory, not a live tag
)

func (h *tagHeap) origin(a uintptr) tagOrigin {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.live[a]; ok {
		return tagLive
	}
	i := sort.Search(len(h.spans), func(i int) bool { return h.spans[i].hi > a })
	if i < len(h.spans) && h.spans[i].lo <= a {
		return tagDead
	}
	return tagForeign
}

// release frees a live tag; false (nothing done) if a is not one.
func (h *tagHeap) release(a uintptr) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.live[a]
	if !ok {
		return false
	}
	delete(h.live, a)
	h.free[c] = append(h.free[c], a)
	return true
}

// LiveTags counts allocated tags (for leak checks).
func (p *Pools) LiveTags() int {
	p.tags.mu.Lock()
	defer p.tags.mu.Unlock()
	return len(p.tags.live)
}

func tagAddr(t *MTag) uintptr { return uintptr(unsafe.Pointer(t)) }

// TagAt converts an address from C into an *MTag.
func TagAt(a uintptr) *MTag { return (*MTag)(ptr(a)) }

// TagGet is m_tag_get: a tag with a len-byte payload (not zeroed), or nil
// when len < 0 or memory is short.
func (p *Pools) TagGet(typ, l, wait int) *MTag {
	if l < 0 {
		return nil
	}
	if l > 0xffff {
		violate("m_tag_get", "len %d does not fit m_tag_len (max 65535)", l)
	}
	a := p.tags.alloc(mTagSize + l)
	if a == 0 {
		return nil
	}
	t := TagAt(a)
	setPtr(&t.Next, nil) // before the assignment: the bytes were a payload
	*t = MTag{ID: uint16(typ), Len: uint16(l)}
	return t
}

// TagFree is m_tag_free. A foreign tag goes to the foreign tag hook.
func (p *Pools) TagFree(t *MTag) {
	p.checkFreeable("m_tag_free", t)
	p.freeTag(t)
}

// SetForeignTagFree sets the function that frees foreign tags (nil: none,
// freeing one is a violation) and returns the previous one.
func (p *Pools) SetForeignTagFree(fn func(t *MTag)) (old func(t *MTag)) {
	p.foreignMu.Lock()
	defer p.foreignMu.Unlock()
	old, p.foreignFree = p.foreignFree, fn
	return old
}

func (p *Pools) foreignTagFree() func(t *MTag) {
	p.foreignMu.Lock()
	defer p.foreignMu.Unlock()
	return p.foreignFree
}

// checkTag panics unless t may be linked or looked at: a live tag of
// ours, or a plausible foreign one. It reports whether t is foreign.
func (p *Pools) checkTag(fn string, t *MTag) (foreign bool) {
	if t == nil {
		violate(fn, "NULL tag")
	}
	a := tagAddr(t)
	switch p.tags.origin(a) {
	case tagLive:
		return false
	case tagDead:
		violate(fn, "%#x is not a live m_tag (freed twice, or never allocated)", a)
	}
	// Foreign: only what can be checked without touching it.
	switch {
	case a < minForeignTag:
		violate(fn, "%#x is not an m_tag (a small integer, not a pointer)", a)
	case a%tagAlign != 0:
		violate(fn, "foreign m_tag %#x is misaligned (struct m_tag needs %d-byte alignment)", a, tagAlign)
	case p.inArenas(a):
		violate(fn, "%#x is inside an mbuf or cluster, not an m_tag", a)
	}
	return true
}

const (
	tagAlign      = unsafe.Alignof(MTag{})
	minForeignTag = 4096 // the zero page: no C object lives there
)

// checkFreeable checks t like checkTag and, for a foreign tag, that a
// hook exists to free it.
func (p *Pools) checkFreeable(fn string, t *MTag) {
	if p.checkTag(fn, t) && p.foreignTagFree() == nil {
		violate(fn, "tag %#x is a foreign m_tag (not from m_tag_get) and no foreign tag "+
			"free hook is set: unlink it first, or set one with mbuf_set_foreign_tag_free", tagAddr(t))
	}
}

// freeTag frees a checked tag: ours back to the heap, a foreign one to
// the hook.
func (p *Pools) freeTag(t *MTag) {
	if p.tags.release(tagAddr(t)) {
		return
	}
	if free := p.foreignTagFree(); free != nil {
		free(t)
	}
}

func (p *Pools) checkHdr(fn string, m *Mbuf) {
	p.CheckMbuf(fn, m)
	if m.Flags&M_PKTHDR == 0 {
		violate(fn, "mbuf %#x has no packet header", Addr(m))
	}
}

// TagPrepend is m_tag_prepend: insert t at the head of m's list.
func (p *Pools) TagPrepend(m *Mbuf, t *MTag) {
	p.checkHdr("m_tag_prepend", m)
	foreign := p.checkTag("m_tag_prepend", t)
	n := 0
	for q := m.Pkt().Tags; q != nil; q = q.Next {
		if q == t { // prepending it again would make a cycle
			violate("m_tag_prepend", "tag %#x is already on this tag list", tagAddr(t))
		}
		if n++; n > maxTags {
			violate("m_tag_prepend", "the tag list of mbuf %#x has a cycle", Addr(m))
		}
	}
	// Ours have m_tag_link cleared while off a list; a foreign tag's may
	// hold anything (NetBSD's m_tag_get leaves it as malloc returned it).
	if !foreign && t.Next != nil { // on another packet's list
		violate("m_tag_prepend", "tag %#x is already on a tag list", tagAddr(t))
	}
	setPtr(&t.Next, m.Pkt().Tags) // a foreign tag's may hold anything
	setPtr(&m.Pkt().Tags, t)
}

// maxTags bounds walks of a tag list: longer means a cycle (each tag
// takes at least 32 bytes of the library's or the caller's memory).
const maxTags = 1 << 24

// unlinkTag removes t from m's list; false if t is not on it.
func unlinkTag(m *Mbuf, t *MTag) bool {
	n := 0
	for pp := &m.Pkt().Tags; *pp != nil; pp = &(*pp).Next {
		if *pp == t {
			*pp = t.Next
			t.Next = nil
			return true
		}
		if n++; n > maxTags {
			violate("m_tag_unlink", "the tag list of mbuf %#x has a cycle", Addr(m))
		}
	}
	return false
}

// TagUnlink is m_tag_unlink.
func (p *Pools) TagUnlink(m *Mbuf, t *MTag) {
	p.checkHdr("m_tag_unlink", m)
	p.checkTag("m_tag_unlink", t)
	if !unlinkTag(m, t) {
		violate("m_tag_unlink", "tag %#x is not on mbuf %#x", tagAddr(t), Addr(m))
	}
}

// TagDelete is m_tag_delete: unlink and free.
func (p *Pools) TagDelete(m *Mbuf, t *MTag) {
	p.checkHdr("m_tag_delete", m)
	p.checkFreeable("m_tag_delete", t)
	p.TagUnlink(m, t)
	p.freeTag(t)
}

// TagDeleteChain is m_tag_delete_chain: delete t and every tag after it
// (t nil: all of them). Every tag is checked before any is freed.
func (p *Pools) TagDeleteChain(m *Mbuf, t *MTag) {
	p.checkHdr("m_tag_delete_chain", m)
	p.deleteTags("m_tag_delete_chain", m, t)
}

// deleteTags frees m's tags from t on (t nil: all); fn names the call.
func (p *Pools) deleteTags(fn string, m *Mbuf, t *MTag) {
	pp := &m.Pkt().Tags
	if t != nil {
		for *pp != nil && *pp != t {
			pp = &(*pp).Next
		}
		if *pp == nil {
			violate(fn, "tag %#x is not on mbuf %#x", tagAddr(t), Addr(m))
		}
	}
	n := 0
	for q := *pp; q != nil; q = q.Next {
		p.checkFreeable(fn, q)
		if n++; n > maxTags {
			violate(fn, "the tag list of mbuf %#x has a cycle", Addr(m))
		}
	}
	for q := *pp; q != nil; {
		next := q.Next
		q.Next = nil
		p.freeTag(q)
		q = next
	}
	*pp = nil
}

// TagFind is m_tag_find: the first tag of type typ after t (or from the
// head when t is nil).
func (p *Pools) TagFind(m *Mbuf, typ int, t *MTag) *MTag {
	p.checkHdr("m_tag_find", m)
	q := m.Pkt().Tags
	if t != nil {
		p.checkTag("m_tag_find", t)
		q = t.Next
	}
	for n := 0; q != nil; q = q.Next {
		if q.ID == uint16(typ) {
			return q
		}
		if n++; n > maxTags {
			violate("m_tag_find", "the tag list of mbuf %#x has a cycle", Addr(m))
		}
	}
	return nil
}

// TagCopy is m_tag_copy: a copy of t (payload included), or nil.
func (p *Pools) TagCopy(t *MTag) *MTag {
	p.checkTag("m_tag_copy", t)
	return p.tagCopy(t)
}

func (p *Pools) tagCopy(t *MTag) *MTag {
	n := p.TagGet(int(t.ID), int(t.Len), M_NOWAIT)
	if n != nil {
		copy(n.Payload(), t.Payload())
	}
	return n
}

// TagCopyChain is m_tag_copy_chain: replace to's tags with copies of
// from's, in order. Returns false (to left without tags) on failure.
func (p *Pools) TagCopyChain(to, from *Mbuf) bool {
	p.checkHdr("m_tag_copy_chain", to)
	p.checkHdr("m_tag_copy_chain", from)
	return p.tagCopyChain(to, from)
}

func (p *Pools) tagCopyChain(to, from *Mbuf) bool {
	p.deleteTags("m_tag_copy_chain", to, nil)
	tail := &to.Pkt().Tags
	count := 0
	for q := from.Pkt().Tags; q != nil; q = q.Next {
		if count++; count > maxTags {
			p.deleteTags("m_tag_copy_chain", to, nil)
			violate("m_tag_copy_chain", "the tag list of mbuf %#x has a cycle", Addr(from))
		}
		n := p.tagCopy(q)
		if n == nil {
			p.deleteTags("m_tag_copy_chain", to, nil)
			return false
		}
		*tail = n
		tail = &n.Next
	}
	return true
}

// TagInit is m_tag_init: an empty list (the old one is not freed).
func (p *Pools) TagInit(m *Mbuf) {
	p.checkHdr("m_tag_init", m)
	setPtr(&m.Pkt().Tags, nil) // whatever was there, unread
}

// TagFirst is m_tag_first.
func (p *Pools) TagFirst(m *Mbuf) *MTag {
	p.checkHdr("m_tag_first", m)
	return m.Pkt().Tags
}

// TagNext is m_tag_next.
func (p *Pools) TagNext(m *Mbuf, t *MTag) *MTag {
	p.checkTag("m_tag_next", t)
	return t.Next
}
