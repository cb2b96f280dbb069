package core

import (
	"sync"
	"syscall"
	"unsafe"
)

// Packet tags (uipc_mbuf2.c). A tag is a struct m_tag header followed by
// its payload, in off-heap memory from tagHeap, linked on pkthdr.tags.

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
}

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
	for off := chunk - size; off >= 0; off -= size {
		h.free[c] = append(h.free[c], base+uintptr(off))
	}
	return true
}

func (h *tagHeap) release(fn string, a uintptr) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.live[a]
	if !ok {
		violate(fn, "%#x is not a live m_tag (freed twice, or never allocated)", a)
	}
	delete(h.live, a)
	h.free[c] = append(h.free[c], a)
}

func (h *tagHeap) check(fn string, a uintptr) {
	h.mu.Lock()
	_, ok := h.live[a]
	h.mu.Unlock()
	if !ok {
		violate(fn, "%#x is not a live m_tag", a)
	}
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
	*t = MTag{ID: uint16(typ), Len: uint16(l)}
	return t
}

// TagFree is m_tag_free.
func (p *Pools) TagFree(t *MTag) {
	if t == nil {
		violate("m_tag_free", "NULL tag")
	}
	p.tags.release("m_tag_free", tagAddr(t))
}

func (p *Pools) checkHdr(fn string, m *Mbuf) {
	p.CheckMbuf(fn, m)
	if m.Flags&M_PKTHDR == 0 {
		violate(fn, "mbuf %#x has no packet header", Addr(m))
	}
}

func (p *Pools) checkTag(fn string, t *MTag) {
	if t == nil {
		violate(fn, "NULL tag")
	}
	p.tags.check(fn, tagAddr(t))
}

// TagPrepend is m_tag_prepend: insert t at the head of m's list.
func (p *Pools) TagPrepend(m *Mbuf, t *MTag) {
	p.checkHdr("m_tag_prepend", m)
	p.checkTag("m_tag_prepend", t)
	for q := m.Pkt().Tags; q != nil; q = q.Next {
		if q == t { // prepending it again would make a cycle
			violate("m_tag_prepend", "tag %#x is already on this tag list", tagAddr(t))
		}
	}
	if t.Next != nil { // on another packet's list
		violate("m_tag_prepend", "tag %#x is already on a tag list", tagAddr(t))
	}
	t.Next = m.Pkt().Tags
	m.Pkt().Tags = t
}

// unlinkTag removes t from m's list; false if t is not on it.
func unlinkTag(m *Mbuf, t *MTag) bool {
	for pp := &m.Pkt().Tags; *pp != nil; pp = &(*pp).Next {
		if *pp == t {
			*pp = t.Next
			t.Next = nil
			return true
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
	p.TagUnlink(m, t)
	p.tags.release("m_tag_delete", tagAddr(t))
}

// TagDeleteChain is m_tag_delete_chain: delete t and every tag after it
// (t nil: all of them).
func (p *Pools) TagDeleteChain(m *Mbuf, t *MTag) {
	pp := &m.Pkt().Tags
	if t != nil {
		for *pp != nil && *pp != t {
			pp = &(*pp).Next
		}
		if *pp == nil {
			violate("m_tag_delete_chain", "tag %#x is not on mbuf %#x", tagAddr(t), Addr(m))
		}
	}
	for q := *pp; q != nil; {
		next := q.Next
		p.tags.release("m_tag_delete_chain", tagAddr(q))
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
		q = t.Next
	}
	for ; q != nil; q = q.Next {
		if q.ID == uint16(typ) {
			return q
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
	p.TagDeleteChain(to, nil)
	tail := &to.Pkt().Tags
	for q := from.Pkt().Tags; q != nil; q = q.Next {
		n := p.tagCopy(q)
		if n == nil {
			p.TagDeleteChain(to, nil)
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
	m.Pkt().Tags = nil
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
